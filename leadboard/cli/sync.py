"""`leadboard sync`, `leadboard status`, and pushing one just-queued change for the lead commands.

All three go through `SyncEngine` (leadboard/sync/engine.py), the same engine the board runs, so a
script and the board push the same outbox the same way, under the same single-pusher lock.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from leadboard.cache.outbox import ATTENTION_STATES
from leadboard.cli.common import (
    EXIT_ATTENTION,
    EXIT_ERROR,
    EXIT_WAITING,
    Session,
    fail,
    one_line,
    plural,
)
from leadboard.cli.describe import describe_op, lead_title, problem_text
from leadboard.sla import zone_for
from leadboard.sync.errors import NOT_SET_UP, SIGN_IN_AGAIN
from leadboard.time_words import RepCalendar

if TYPE_CHECKING:
    from leadboard.cache.store import Store
    from leadboard.sync.engine import SyncEngine, SyncStatus

#: The longest 429 pause a lead command waits out before it returns "saved, waiting" (a script and a
#: rep at a prompt should not sit in silence; HubSpot's 1 s and 10 s windows still pass).
CLI_MAX_PAUSE_WAIT = 10.0


def make_engine(session: Session, *, need_token: bool) -> SyncEngine:
    """The engine for these settings and the stored token (None allowed only for status)."""
    from leadboard.sync.engine import SyncEngine

    provider = session.token_provider()
    if provider is None and need_token:
        fail("No HubSpot access token: run `leadboard login` (or set HUBSPOT_ACCESS_TOKEN).")
    return SyncEngine(session.settings(), provider)


# --- progress -------------------------------------------------------------------------------------


class ProgressDisplay:
    """The engine's progress callback: a bar on a terminal, one plain line per phase otherwise.

    Both go to stderr, so stdout carries only the summary a script may want to read.
    """

    def __init__(self) -> None:
        self._stream = sys.stderr
        self._phase: str | None = None
        self._rich: Any = None
        self._task: Any = None
        if self._stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._rich = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(file=self._stream),
                transient=True,
            )

    def __enter__(self) -> ProgressDisplay:
        if self._rich is not None:
            self._rich.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.stop()

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        phase = one_line(phase, limit=60)
        if self._rich is not None:
            if phase != self._phase:
                if self._task is not None:
                    self._rich.update(self._task, visible=False)
                self._task = self._rich.add_task(phase, total=total)
            self._rich.update(self._task, completed=done, total=total)
        elif phase != self._phase:
            click.echo(f"{phase}…", err=True)
        self._phase = phase


# --- leadboard sync -------------------------------------------------------------------------------


def run_sync(session: Session, *, full: bool) -> None:
    session.check_rep_known()
    engine = make_engine(session, need_token=True)
    try:
        # Leads pulled now get their deadlines under the config's [sla], and stored ones follow a change.
        engine.store().apply_sla_settings(session.settings().sla)
        with ProgressDisplay() as progress:
            report = engine.sync(full=full, progress=progress)
    finally:
        engine.close()
    parts = []
    if report.pull is not None:
        parts.append(
            f"Pulled {plural(report.pull.leads_seen, 'lead')} ({report.pull.leads_changed} changed"
            f"{', full' if report.pull.full else ''})."
        )
    else:
        parts.append("Pulled nothing.")
    if report.push is not None:
        push = report.push
        parts.append(
            f"Pushed {plural(push.done, 'change')}; {push.failed} failed, "
            f"{plural(push.conflicts, 'conflict')}, {push.blocked} blocked."
        )
    status = report.status
    waiting = status.pending
    click.echo(" ".join(parts) + (f" {waiting} waiting." if waiting else ""))
    click.echo(f"Status: {one_line(status.line())}")
    if report.pull is not None and report.pull.events:
        from leadboard.activity import summary

        click.echo(f"In HubSpot: {one_line(summary(report.pull.events))} (leadboard activity lists it all)")
    finish(status, report.error, pulled=report.pull is not None)


def limit_resets(until: datetime) -> str:
    """When HubSpot's rate limit lets requests through again, in the rep's local time, rounded up to
    the minute (a reset at 23:59:59.9 reads "00:00", never a time that has already passed)."""
    local = until.astimezone()
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return f"HubSpot's limit resets at {local:%H:%M}."


def finish(status: SyncStatus, error: str | None, *, pulled: bool) -> None:
    """Exit with the code the sync's outcome calls for (see common.EXIT_CODES_HELP)."""
    kept = f" {plural(status.pending, 'change')} saved and waiting." if status.pending else ""
    if status.sign_in_again:
        fail(f"HubSpot ended your sign-in: {SIGN_IN_AGAIN}.{kept}", EXIT_ERROR)
    if status.auth_needed:
        fail(f"HubSpot refused the access token: run `leadboard login`.{kept}", EXIT_ERROR)
    if status.offline:
        fail(f"HubSpot could not be reached.{kept} Run `leadboard sync` again when online.", EXIT_WAITING)
    if status.rate_limited_until is not None and (status.pending or not pulled):
        fail(
            f"HubSpot's rate limit paused the sync.{kept} {limit_resets(status.rate_limited_until)}",
            EXIT_WAITING,
        )
    if error and not pulled:
        fail(error, EXIT_ERROR)
    attention = status.failed + status.conflicts + status.blocked
    if attention:
        verb = "needs" if attention == 1 else "need"
        fail(f"{plural(attention, 'change')} {verb} your attention: see `leadboard status`.", EXIT_ATTENTION)
    if error:
        fail(error, EXIT_ERROR)
    if status.not_set_up:
        fail(f"{NOT_SET_UP}.{kept} They go on the first sync after that.", EXIT_WAITING)
    if status.pending:
        fail(
            f"{plural(status.pending, 'change')} still waiting to reach HubSpot (retrying after a pause): "
            "run `leadboard sync` again shortly.",
            EXIT_WAITING,
        )


# --- leadboard status -----------------------------------------------------------------------------


def run_status(session: Session) -> None:
    if not session.settings().db.exists():
        fail(f"There is no cache at {session.settings().db} yet: run `leadboard sync` first.")
    engine = make_engine(session, need_token=False)
    try:
        status = engine.status()
    finally:
        engine.close()
    click.echo(one_line(status.line()))
    click.echo(who_line(session))
    calendar = RepCalendar(datetime.now(UTC), zone_for(session.settings().sla))
    last = calendar.moment(status.last_sync_at) if status.last_sync_at else "never"
    click.echo(
        f"last sync: {last}; pending {status.pending}, failed {status.failed}, "
        f"conflicts {status.conflicts}, blocked {status.blocked}"
    )
    if status.missing_scopes:
        click.echo(f"missing scopes: {', '.join(one_line(s) for s in status.missing_scopes)}")
    store = session.open_store()
    try:
        attention = print_attention(store, calendar)
    finally:
        store.close()
    if status.sign_in_again:
        fail(f"HubSpot ended your sign-in: {SIGN_IN_AGAIN}, then `leadboard sync`.")
    if status.auth_needed:
        fail("HubSpot refused the access token: run `leadboard login`, then `leadboard sync`.")
    if attention:
        raise SystemExit(EXIT_ATTENTION)


def who_line(session: Session) -> str:
    """Who the changes are made as: "signed in as NAME (portal ID)", or the account-level key."""
    from leadboard.cli.credentials import kind_words

    resolved = session.token_source()
    if resolved is None:
        return "not signed in: run `leadboard login`"
    if resolved.oauth is not None:
        return f"signed in as {one_line(resolved.oauth.who)}"
    return f"using {kind_words(resolved.kind)}"


def print_attention(store: Store, calendar: RepCalendar) -> int:
    """One line per op that needs the rep (failed, conflict, blocked); return how many."""
    meta = store.portal_meta()
    ops = store.outbox.ops(states=ATTENTION_STATES)
    for op in ops:
        lead = store.lead_state(op.lead_id)
        when = calendar.moment(datetime.fromtimestamp(op.created_at / 1000, UTC))
        click.echo(
            f"{op.state:<8} {lead_title(op.lead_id, lead.name if lead else None)}: "
            f"{describe_op(op, meta)} [{when}]: {problem_text(op, meta)}"
        )
    return len(ops)


# --- one lead command's push ----------------------------------------------------------------------


def push_and_report(session: Session, store: Store, op_id: str) -> None:
    """Push the outbox now and say what became of `op_id`; exit 3/4 when it did not reach HubSpot."""
    from leadboard.cache.store import SyncLockHeld

    resolved = session.token_source()
    if resolved is None:
        fail(
            "Saved, not pushed: no HubSpot access token. Run `leadboard login`, then `leadboard sync`.",
            EXIT_WAITING,
        )
    if resolved.oauth is None and not session.settings().email:
        fail("Saved, not pushed: no email is set (--email or LEADBOARD_EMAIL).", EXIT_WAITING)
    from leadboard.cli.oauth_tokens import provider_for
    from leadboard.sync.engine import SyncEngine

    engine = SyncEngine(session.settings(), provider_for(session.settings(), resolved))
    try:
        engine.push(max_pause_wait=CLI_MAX_PAUSE_WAIT)
        status = engine.status()
    except SyncLockHeld as exc:
        fail(f"Saved, not pushed here: {exc} It will push this change.", EXIT_WAITING)
    finally:
        engine.close()
    op = store.outbox.get(op_id)
    meta = store.portal_meta()
    if op.state == "done":
        click.echo("Pushed to HubSpot.")
        return
    if op.state in ("failed", "conflict", "blocked"):
        word = {"failed": "HubSpot refused it", "conflict": "Conflict", "blocked": "Blocked"}[op.state]
        applied = "partly applied (see below)" if op.step > 0 else "not applied"
        fail(
            f"Saved, {applied}. {word}: {problem_text(op, meta)} See `leadboard status`; the change is kept.",
            EXIT_ATTENTION,
        )
    fail(f"Saved, waiting: {waiting_reason(store, op.lead_id, op.seq, status)}", EXIT_WAITING)


def waiting_reason(store: Store, lead_id: str, seq: int, status: SyncStatus) -> str:
    """Why a queued change is still waiting, and what gets it moving."""
    if status.sign_in_again:
        return f"HubSpot ended your sign-in: {SIGN_IN_AGAIN}, then `leadboard sync`."
    if status.auth_needed:
        return "HubSpot refused the access token. Run `leadboard login`, then `leadboard sync`."
    if status.offline:
        return "HubSpot could not be reached. Run `leadboard sync` when online."
    if status.rate_limited_until is not None:
        return f"{limit_resets(status.rate_limited_until)} `leadboard sync` will push it then."
    if status.not_set_up:
        return f"{NOT_SET_UP}. Your change is kept and goes on the first `leadboard sync` after that."
    earlier = [o for o in store.outbox.ops(lead_id=lead_id, states=ATTENTION_STATES) if o.seq < seq]
    if earlier:
        return "an earlier change to this lead needs your attention first (see `leadboard status`)."
    return "it will be pushed by the next `leadboard sync`."
