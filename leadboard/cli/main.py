"""The `leadboard` command line.

Each command imports what it needs inside its body, so `leadboard --help` and the scriptable
commands start without Textual or the HubSpot client.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from leadboard.cli.common import EXIT_CODES_HELP, Session, session_options
from leadboard.commands.registry import CommandKind, spec_for

if TYPE_CHECKING:
    from leadboard.config import Settings


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadboard")
@click.option("--portal", default=None, metavar="URL", help="Portal base URL (env LEADBOARD_PORTAL).")
@click.option("--email", default=None, metavar="EMAIL", help="Your HubSpot user email (env LEADBOARD_EMAIL).")
@click.option("--db", default=None, metavar="PATH", help="The cache file (env LEADBOARD_DB).")
@click.pass_context
def main(ctx: click.Context, portal: str | None, email: str | None, db: str | None) -> None:
    """A keyboard-first terminal board for your HubSpot Leads queue.

    With no command, opens the board for your portal. `leadboard demo` opens it against a
    bundled sandbox portal, no account needed.
    """
    given = {key: value for key, value in (("portal", portal), ("email", email), ("db", db)) if value}
    if ctx.invoked_subcommand is not None:
        # `leadboard --db X sync` means what `leadboard sync --db X` means; the subcommand's own flag wins.
        if given:
            ctx.default_map = {name: dict(given) for name in main.commands if name not in {"sandbox", "demo"}}
        return
    from leadboard.cli.launch import run_board
    from leadboard.config import ConfigError, load_settings

    try:
        settings = load_settings(portal=portal, email=email, db=db)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    ctx.exit(run_board(settings))


_SERVE_PORT = click.option(
    "--port", default=8766, show_default=True, type=int, help="With a browser: the port; 0 picks a free one."
)
_NO_BROWSER = click.option("--no-browser", is_flag=True, help="Print the URL but do not open a browser.")


@main.command()
@click.option("--reset", is_flag=True, help="Forget the demo portal and cache and start over.")
@click.option(
    "--serve", "in_browser", is_flag=True, help="Run the demo in a browser tab (see `leadboard serve`)."
)
@_SERVE_PORT
@_NO_BROWSER
def demo(reset: bool, in_browser: bool, port: int, no_browser: bool) -> None:
    """Open the board against a bundled sandbox portal, as its demo rep. No account needed.

    The demo portal lives in your user data dir and remembers what you pushed; now and then
    something happens on the HubSpot side (a new lead, a reply, a reassignment).
    """
    if in_browser:
        from leadboard.cli.serve import serve_demo

        sys.exit(serve_demo(reset=reset, port=port, open_browser=not no_browser))
    from leadboard.cli.launch import run_demo

    sys.exit(run_demo(reset=reset))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@_SERVE_PORT
@_NO_BROWSER
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other machines can reach (anyone with the URL is you).",
)
@click.option("--portal", default=None, metavar="URL", help="Portal base URL (env LEADBOARD_PORTAL).")
@click.option("--email", default=None, metavar="EMAIL", help="Your HubSpot user email (env LEADBOARD_EMAIL).")
@click.option("--db", default=None, metavar="PATH", help="The cache file (env LEADBOARD_DB).")
def serve(
    host: str,
    port: int,
    no_browser: bool,
    allow_remote: bool,
    portal: str | None,
    email: str | None,
    db: str | None,
) -> None:
    """Serve the board to a browser tab on this machine, behind a secret URL made at each start.

    Each tab runs its own board on the same config and cache. Ctrl+C stops every tab's board.
    """
    from leadboard.cli.serve import serve_board

    sys.exit(
        serve_board(
            host=host,
            port=port,
            open_browser=not no_browser,
            allow_remote=allow_remote,
            given=(portal, email, db),
        )
    )


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
@click.option(
    "--require-when",
    "required_when",
    multiple=True,
    metavar="TYPE.PROP:WHEN_PROP[=VALUE]",
    help="An admin rule: PROP is required when WHEN_PROP is VALUE (or has any value). Repeatable.",
)
@click.option(
    "--require-on-create",
    "create_form",
    multiple=True,
    metavar="TYPE.PROP[,PROP...]",
    help="An admin rule: the create form of TYPE requires these properties. Repeatable.",
)
@click.option(
    "--no-association-edits",
    "no_association_tokens",
    multiple=True,
    metavar="TOKEN",
    help="An admin rule: this token's user may not edit associations. Repeatable.",
)
@click.option(
    "--token-ttl",
    default=1800.0,
    show_default=True,
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="How long an OAuth access token lives.",
)
@click.option(
    "--other-load",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="N",
    help="Simulated other reps on the same app or token: requests of every 10-second window they use.",
)
@click.option(
    "--other-search-load",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="N",
    help="Simulated other reps' searches in every one-second search window.",
)
@click.option("--client-id", default=None, help="Client id of the user-level app (default: a fixed demo id).")
@click.option(
    "--client-secret", default=None, help="Client secret of that app (default: a fixed demo secret)."
)
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    help="Accept this OAuth redirect URI besides loopback http://127.0.0.1:PORT/callback. Repeatable.",
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
    required_when: tuple[str, ...],
    create_form: tuple[str, ...],
    no_association_tokens: tuple[str, ...],
    token_ttl: float,
    client_id: str | None,
    client_secret: str | None,
    redirect_uris: tuple[str, ...],
    other_load: int,
    other_search_load: int,
) -> None:
    """Serve a HubSpot-compatible sandbox portal on loopback.

    The --require-* and --no-association-edits rules are refused the way HubSpot refuses writes
    that break an admin's rules (400 VALIDATION_ERROR); `/_sandbox/rules` changes them while it runs.
    """
    from leadboard.sandbox.oauth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
    from leadboard.sandbox.runner import serve_forever
    from leadboard.sandbox.write_rules import RuleError, WriteRules, parse_create_form, parse_required_when

    rules = WriteRules()
    try:
        for spec in required_when:
            rules.require_when(*parse_required_when(spec))
        for spec in create_form:
            rules.require_on_create(*parse_create_form(spec))
        for rule_token in no_association_tokens:
            rules.deny_association_edits(rule_token)
    except RuleError as exc:
        raise click.BadParameter(str(exc)) from None

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
        rules=rules,
        token_ttl=token_ttl,
        client_id=client_id or DEFAULT_CLIENT_ID,
        client_secret=client_secret or DEFAULT_CLIENT_SECRET,
        redirect_uris=redirect_uris,
        other_load=other_load,
        other_search_load=other_search_load,
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
    "--with-token",
    "with_token",
    is_flag=True,
    help="Read a service key (or private-app token) from standard input: account-level, no sign-in.",
)
@click.option("--token-stdin", "with_token", is_flag=True, hidden=True, help="Same as --with-token.")
@click.option(
    "--no-browser", is_flag=True, help="Print the sign-in address; the answer may also be pasted here."
)
@click.option(
    "--timeout",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="How long to wait for the browser's answer.",
)
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Loopback port for HubSpot's redirect (default: [auth] redirect_port; 0: any free port).",
)
@session_options
def login(session: Session, with_token: bool, no_browser: bool, timeout: float, port: int | None) -> None:
    """Sign in to HubSpot as yourself, through your company's leadboard app (OAuth in the browser).

    The app's client id and secret come from [auth] in the config file (or LEADBOARD_CLIENT_ID and
    LEADBOARD_CLIENT_SECRET). For scripts, --with-token stores a service key instead: account-level,
    so changes appear in HubSpot as the key, not as you.
    """
    from leadboard.cli.credentials import TOKEN_ENV

    settings = session.settings()
    if with_token or not settings.auth.configured:
        _store_plain_token(settings, from_stdin=with_token)
    else:
        from leadboard.cli.login import run_login

        run_login(settings, open_browser=not no_browser, timeout=timeout, port=port)
    if os.environ.get(TOKEN_ENV, "").strip():
        click.echo(f"Note: {TOKEN_ENV} is set and takes precedence over the stored credential.")


def _store_plain_token(settings: Settings, *, from_stdin: bool) -> None:
    from leadboard.cli.credentials import ACCOUNT_LEVEL, CredentialsError, store_token, token_kind

    if from_stdin:
        token = sys.stdin.read().strip()
    else:
        click.echo(
            "No leadboard app is configured ([auth] client_id and client_secret), so leadboard stores a "
            "service key or private-app token instead."
        )
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
    click.echo(f"This {token_kind(token)} is {ACCOUNT_LEVEL}.")


@main.command()
@session_options
def logout(session: Session) -> None:
    """Sign out: revoke your sign-in at HubSpot and forget the stored credential for this portal."""
    from leadboard.cli.credentials import TOKEN_ENV
    from leadboard.cli.logout import run_logout

    run_logout(session.settings())
    if os.environ.get(TOKEN_ENV, "").strip():
        click.echo(f"Note: {TOKEN_ENV} is still set in this environment; unset it to stop using that token.")


def _token_shape_problem(token: str) -> str | None:
    """Catch paste mistakes before storing; the message never repeats the token."""
    if not token:
        return (
            "No token given. A HubSpot admin creates a service key (Development → Keys → Service keys); "
            "to sign in as yourself instead, configure leadboard's app ([auth]) and run `leadboard login`."
        )
    if len(token) > 4096:
        return "That is too long to be an access token."
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        return "The token contains spaces or control characters; paste only the token itself."
    return None


# --- the scriptable commands (bodies in leadboard/cli/) ----------------------------------------

_NO_PUSH = click.option("--no-push", is_flag=True, help="Only queue the change; `leadboard sync` sends it.")


def _verb(kind: CommandKind) -> str:
    """A lead command's verb on the command line, as the registry declares it."""
    return spec_for(kind).cli_verb


_LEAD = click.argument("lead", metavar="LEAD")
#: Lead commands work on the cache: metadata and lead ids come from a sync, never fetched silently.
_LEAD_EPILOG = (
    "LEAD is the lead's HubSpot id (see `leadboard leads`). Stages, types, reasons and outcomes are "
    "given by label (any case) or value. The cache must hold your portal's data: run `leadboard sync` "
    "once first. The change is queued and pushed at once unless --no-push.\n\n" + EXIT_CODES_HELP
)


@main.command(epilog=EXIT_CODES_HELP)
@click.option("--full", is_flag=True, help="Fetch every lead again instead of only the changed ones.")
@session_options
def sync(session: Session, full: bool) -> None:
    """Pull your leads from HubSpot, then push the changes waiting in the cache."""
    from leadboard.cli.sync import run_sync

    run_sync(session, full=full)


@main.command(epilog=EXIT_CODES_HELP)
@session_options
def status(session: Session) -> None:
    """Show the sync status and every change that failed, is in conflict or is blocked."""
    from leadboard.cli.sync import run_status

    run_status(session)


@main.command(epilog="\b\nExit codes:\n  0  every check passed\n  1  a check failed\n  2  bad usage")
@session_options
def doctor(session: Session) -> None:
    """Check the config, token, scopes, owner, lead pipeline and cache; say how to fix what is wrong."""
    from leadboard.cli.doctor import run_doctor

    run_doctor(session)


@main.command(
    epilog="\b\nExit codes:\n  0  HubSpot is set up for leadboard\n  1  something could not be done"
)
@session_options
def setup(session: Session) -> None:
    """For an admin: make HubSpot ready for leadboard (its hidden leadboard_op_id property), once.

    Needs a super admin or a user who may edit properties (`leadboard login`), or a service key with
    crm.schemas.contacts.write and crm.schemas.deals.write. Safe to run again.
    """
    from leadboard.cli.setup import run_setup

    run_setup(session)


@main.command()
@click.argument("journal", required=False, type=click.Path(dir_okay=False, path_type=Path))
@session_options
def recover(session: Session, journal: Path | None) -> None:
    """Queue again the changes that were waiting in a cache that broke (from its journal file).

    JOURNAL defaults to the one beside the cache (`<cache>.changes.jsonl`). Each change keeps its id,
    so one HubSpot already has is not written twice. Then run `leadboard sync`.
    """
    from leadboard.cli.recover import run_recover

    run_recover(session, journal)


@main.command(epilog=EXIT_CODES_HELP)
@click.option("--stage", default=None, metavar="STAGE", help="Only leads in this stage (label or id).")
@click.option(
    "--closed", is_flag=True, help="Closed leads (qualified and disqualified) instead of open ones."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output with ids and values.")
@session_options
def leads(session: Session, stage: str | None, closed: bool, as_json: bool) -> None:
    """List your leads from the cache, with your waiting changes applied.

    Into a pipe or file: one header row, then one tab-separated row per lead.
    """
    from leadboard.cli.leads import run_leads

    run_leads(session, stage=stage, closed=closed, as_json=as_json)


@main.command(_verb(CommandKind.MOVE_STAGE), epilog=_LEAD_EPILOG)
@_LEAD
@click.argument("stage", metavar="STAGE")
@click.option("--note", required=True, help="What happened.")
@_NO_PUSH
@session_options
def move(session: Session, lead: str, stage: str, note: str, no_push: bool) -> None:
    """Move LEAD (its HubSpot id) to another open STAGE (label or id), with a note."""
    from leadboard.cli.leads import move as run

    run(session, lead, stage, note, no_push=no_push)


@main.command(_verb(CommandKind.LOG_CALL), epilog=_LEAD_EPILOG)
@_LEAD
@click.option("--outcome", required=True, metavar="OUTCOME", help="The call outcome (label or id).")
@click.option("--note", required=True, help="What was said.")
@click.option("--direction", default="out", show_default=True, metavar="in|out", help="Who called.")
@click.option("--duration", default=None, metavar="MINUTES", help="How long, in whole minutes.")
@click.option("--at", default=None, metavar="TIME", help="When: 14:05, 2026-11-22 14:05 or ISO 8601.")
@_NO_PUSH
@session_options
def log_call(
    session: Session,
    lead: str,
    outcome: str,
    note: str,
    direction: str,
    duration: str | None,
    at: str | None,
    no_push: bool,
) -> None:
    """Log a call made outside HubSpot on LEAD and its contact."""
    from leadboard.cli.leads import log_call as run

    run(
        session,
        lead,
        outcome=outcome,
        note=note,
        direction=direction,
        duration=duration,
        at=at,
        no_push=no_push,
    )


@main.command(_verb(CommandKind.ADD_NOTE), epilog=_LEAD_EPILOG)
@_LEAD
@click.option("--text", required=True, help="The note.")
@_NO_PUSH
@session_options
def note(session: Session, lead: str, text: str, no_push: bool) -> None:
    """Add a note to LEAD and its contact (open or closed leads)."""
    from leadboard.cli.leads import note as run

    run(session, lead, text, no_push=no_push)


@main.command(_verb(CommandKind.SET_LEAD_TYPE), epilog=_LEAD_EPILOG)
@_LEAD
@click.argument("lead_type", metavar="TYPE")
@_NO_PUSH
@session_options
def set_type(session: Session, lead: str, lead_type: str, no_push: bool) -> None:
    """Set LEAD's lead type to TYPE (label or value)."""
    from leadboard.cli.leads import set_type as run

    run(session, lead, lead_type, no_push=no_push)


@main.command(_verb(CommandKind.QUALIFY), epilog=_LEAD_EPILOG)
@_LEAD
@click.option("--note", required=True, help="Why the lead is qualified.")
@click.option("--deal-name", default=None, help="The deal's name (default: the lead's name).")
@click.option("--amount", default=None, help="The deal amount, e.g. 12000 or 12000.50.")
@click.option(
    "--close-date",
    default=None,
    metavar="YYYY-MM-DD",
    help="When the deal should close (default: in 30 days).",
)
@click.option("--no-deal", is_flag=True, help="Qualify without creating a deal.")
@click.option(
    "--type",
    "lead_type",
    default=None,
    metavar="TYPE",
    help="The lead type (label or value), written with the stage: for a lead that has none yet.",
)
@_NO_PUSH
@session_options
def qualify(
    session: Session,
    lead: str,
    note: str,
    deal_name: str | None,
    amount: str | None,
    close_date: str | None,
    no_deal: bool,
    lead_type: str | None,
    no_push: bool,
) -> None:
    """Close LEAD as qualified, with a note and a deal (unless --no-deal). Needs a lead type: the
    lead's own, or --type."""
    from leadboard.cli.leads import qualify as run

    run(
        session,
        lead,
        note=note,
        lead_type=lead_type,
        deal_name=deal_name,
        amount=amount,
        close_date=close_date,
        no_deal=no_deal,
        no_push=no_push,
    )


@main.command(_verb(CommandKind.DISQUALIFY), epilog=_LEAD_EPILOG)
@_LEAD
@click.option("--reason", required=True, metavar="REASON", help="A disqualification reason (label or value).")
@click.option("--note", required=True, help="Why.")
@click.option(
    "--follow-up",
    default=None,
    metavar="YYYY-MM-DD",
    help="For a timing reason (e.g. Bad Timing): the day to re-attempt the contact. HubSpot gets a "
    "task on the contact and the lead, due that day at 09:00 in the portal's time zone.",
)
@_NO_PUSH
@session_options
def disqualify(
    session: Session, lead: str, reason: str, note: str, follow_up: str | None, no_push: bool
) -> None:
    """Close LEAD as disqualified, with a reason from the portal's list and a note."""
    from leadboard.cli.leads import disqualify as run

    run(session, lead, reason=reason, note=note, follow_up=follow_up, no_push=no_push)


@main.command()
@click.option("--since", default=None, metavar="WHEN", help="Only events since then: 2h, 3d, 1w or a date.")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@session_options
def activity(session: Session, since: str | None, as_json: bool) -> None:
    """What changed in HubSpot for you (new, moved, reassigned leads; colleagues' calls and notes),
    newest first, from the cache: run `leadboard sync` first."""
    from leadboard.cli.activity import run_activity

    run_activity(session, since=since, as_json=as_json)


@main.command()
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    default=30,
    show_default=True,
    help="Leads created in the last N days.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@session_options
def stats(session: Session, days: int, as_json: bool) -> None:
    """Your funnel, speed to lead, SLA breaches and disqualification reasons, from the cache."""
    import json

    from leadboard.cache.stats import stats_report
    from leadboard.stats_report import format_stats

    store = session.open_store()
    try:
        store.apply_sla_settings(session.settings().sla)  # stored deadlines follow the config's [sla]
        report = stats_report(store, days, sla=session.settings().sla)
    finally:
        store.close()
    click.echo(json.dumps(report.model_dump(mode="json"), indent=2) if as_json else format_stats(report))
