"""The `leadboard` command line.

Each command imports what it needs inside its body, so `leadboard --help` and the scriptable
commands start without Textual or the HubSpot client.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadboard")
def main() -> None:
    """A keyboard-first terminal board for your HubSpot Leads queue."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8765, show_default=True, type=int, help="Port to listen on; 0 picks a free one.")
@click.option("--token", default=None, help="Access token the portal accepts (default: a fixed demo token).")
@click.option("--rep-email", default=None, help="Email of the demo rep (an owner in the portal).")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed for the generated portal data.")
@click.option("--leads", "rep_leads", default=150, show_default=True, type=int, help="Open leads owned by the demo rep.")
@click.option("--owners", default=6, show_default=True, type=int, help="How many owners the portal has.")
@click.option(
    "--data",
    "data_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Keep the portal in this file across restarts.",
)
@click.option("--no-rate-limit", is_flag=True, help="Turn HubSpot's request limits off.")
@click.option("--search-lag", default=1.0, show_default=True, type=float, help="Seconds before a write shows in search.")
@click.option("--live", is_flag=True, help="Now and then, make HubSpot-side changes (new leads, replies, reassignments).")
def sandbox(
    host: str,
    port: int,
    token: str | None,
    rep_email: str | None,
    seed: int,
    rep_leads: int,
    owners: int,
    data_file: str | None,
    no_rate_limit: bool,
    search_lag: float,
    live: bool,
) -> None:
    """Serve a HubSpot-compatible sandbox portal on loopback."""
    from leadboard.sandbox.server import serve_forever

    serve_forever(
        host=host,
        port=port,
        token=token,
        rep_email=rep_email,
        seed=seed,
        rep_leads=rep_leads,
        owners=owners,
        data_file=data_file,
        rate_limits=not no_rate_limit,
        search_lag=search_lag,
        live=live,
    )
