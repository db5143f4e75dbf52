"""The `leadboard` command line.

Each command imports what it needs inside its body, so `leadboard --help` and the scriptable
commands start without Textual or the HubSpot client.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from leadboard.config import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadboard")
def main() -> None:
    """A keyboard-first terminal board for your HubSpot Leads queue."""


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default)."
)
@click.option(
    "--port", default=8765, show_default=True, type=int, help="Port to listen on; 0 picks a free one."
)
@click.option("--token", default=None, help="Access token the portal accepts (default: a fixed demo token).")
@click.option("--rep-email", default=None, help="Email of the demo rep (an owner in the portal).")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed for the generated portal data.")
@click.option(
    "--leads", "rep_leads", default=150, show_default=True, type=int, help="Open leads owned by the demo rep."
)
@click.option("--owners", default=6, show_default=True, type=int, help="How many owners the portal has.")
@click.option(
    "--data",
    "data_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Keep the portal in this file across restarts.",
)
@click.option("--no-rate-limit", is_flag=True, help="Turn HubSpot's request limits off.")
@click.option(
    "--search-lag", default=1.0, show_default=True, type=float, help="Seconds before a write shows in search."
)
@click.option(
    "--live",
    is_flag=True,
    help="Now and then, make HubSpot-side changes (new leads, replies, reassignments).",
)
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


def _settings_or_exit(portal: str | None) -> Settings:
    """Load settings, turning a ConfigError into click's one-line `Error: …` and exit code 1."""
    from leadboard.config import ConfigError, load_settings

    try:
        return load_settings(portal=portal)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option(
    "--portal", default=None, metavar="URL", help="Portal base URL (default: config, then HubSpot)."
)
@click.option("--token-stdin", is_flag=True, help="Read the token from standard input instead of prompting.")
def login(portal: str | None, token_stdin: bool) -> None:
    """Store a HubSpot private-app access token for this portal (keyring, else a private file).

    It is only stored here; `leadboard doctor` checks that HubSpot accepts it.
    """
    from leadboard.credentials import TOKEN_ENV, CredentialsError, store_token

    settings = _settings_or_exit(portal)
    if token_stdin:
        token = sys.stdin.read().strip()
    else:
        token = click.prompt(
            f"Access token for {settings.portal}", hide_input=True, default="", show_default=False
        )
        token = token.strip()
    problem = _token_shape_problem(token)
    if problem:
        raise click.ClickException(problem)
    try:
        stored = store_token(settings, token)
    except CredentialsError as exc:
        raise click.ClickException(str(exc)) from None
    if stored.fallback_reason:
        click.echo(f"Note: {stored.fallback_reason}, so the token is kept in a file only you can read.")
    click.echo(f"Token for {settings.portal} saved in {stored.location}.")
    if os.environ.get(TOKEN_ENV, "").strip():
        click.echo(f"Note: {TOKEN_ENV} is set and takes precedence over the stored token.")


@main.command()
@click.option(
    "--portal", default=None, metavar="URL", help="Portal base URL (default: config, then HubSpot)."
)
def logout(portal: str | None) -> None:
    """Forget the stored access token for this portal."""
    from leadboard.credentials import TOKEN_ENV, CredentialsError, forget_token

    settings = _settings_or_exit(portal)
    try:
        removed = forget_token(settings)
    except CredentialsError as exc:
        raise click.ClickException(str(exc)) from None
    if removed:
        click.echo(f"Forgot the token for {settings.portal} (removed from {' and '.join(removed)}).")
    else:
        click.echo(f"No stored token for {settings.portal}.")
    if os.environ.get(TOKEN_ENV, "").strip():
        click.echo(f"Note: {TOKEN_ENV} is still set in this environment; unset it to stop using that token.")


def _token_shape_problem(token: str) -> str | None:
    """Catch paste mistakes before storing; the message never repeats the token."""
    if not token:
        return "No token given. Create a private app in HubSpot (Settings → Integrations → Private apps)."
    if len(token) > 4096:
        return "That is too long to be an access token."
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        return "The token contains spaces or control characters; paste only the token itself."
    return None
