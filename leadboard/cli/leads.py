"""`leadboard leads` and the lead commands (move, log-call, note, set-type, qualify, disqualify).

Each lead command checks what the rep gave (plain text, readable dates and numbers), lets the lead
process (`state.check_command`, run inside `store.outbox.enqueue`) decide, and queues the op in one
transaction; only then does it push. A refusal at any step leaves the cache exactly as it was.
"""

from __future__ import annotations

import itertools
import json
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from typing import Any

import click

from leadboard.cache.read_model import BoardLead, View, to_datetime
from leadboard.cli.common import (
    Session,
    fail,
    one_line,
    plain_text,
    require_meta,
    stdout_is_terminal,
)
from leadboard.cli.describe import describe_op, lead_title
from leadboard.commands.add_note import AddNote
from leadboard.commands.base import Command
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.registry import CommandKind, spec_for
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.logs import may_redact
from leadboard.state import (
    CommandRefused,
    PortalMeta,
    choices_text,
    resolve_stage,
    suggest_stage_after_call,
)

#: A qualify's deal closes this far out unless `--close-date` says otherwise (as on the board).
DEFAULT_CLOSE_IN = timedelta(days=30)
_DIRECTIONS = {"in": "INBOUND", "inbound": "INBOUND", "out": "OUTBOUND", "outbound": "OUTBOUND"}


# --- leadboard leads ------------------------------------------------------------------------------


def run_leads(session: Session, *, stage: str | None, closed: bool, as_json: bool) -> None:
    """List the leads as SQLite reads them: as JSON or into a pipe each row is written as it comes,
    so memory stays flat and the time stays close to reading the rows. Only the terminal's table,
    which sizes its columns to every row, holds them all."""
    store = session.open_store()
    try:
        meta = require_meta(store)
        wanted = None
        if stage is not None:
            try:
                wanted = resolve_stage(meta, stage)
            except CommandRefused as exc:
                fail(str(exc))
        # The urgent order and the deadlines shown follow the config's [sla] as it is now (after
        # the checks: a refused command leaves the cache as it was).
        store.apply_sla_settings(session.settings().sla)
        view: View = "all" if wanted is not None else ("closed" if closed else "open")
        labels = Labels(meta)
        store.limit_page_cache(4)  # every row is read once: memory stays flat in the number of leads
        # closed before the store, also when the reader stops early (`| head`)
        with closing(store.iter_board(view=view, stage_id=wanted.id if wanted else None)) as leads:
            if as_json:
                write_lines(json_lines(leads, labels))
            elif stdout_is_terminal():
                print_table(list(leads), labels)
            else:
                rows = ("\t".join(plain_row(lead, labels)) for lead in leads)
                write_lines(itertools.chain(["\t".join(_HEADERS)], rows))
    finally:
        store.close()


#: Lines written to stdout at once: few writes, and memory that does not grow with the leads.
_CHUNK_LINES = 512


def write_lines(lines: Iterable[str]) -> None:
    """Write `lines` to stdout a chunk at a time (through click, whose caller ends quietly on a
    closed pipe: `leadboard leads | head`)."""
    it = iter(lines)
    while chunk := list(itertools.islice(it, _CHUNK_LINES)):
        click.echo("\n".join(chunk))


def json_lines(leads: Iterable[BoardLead], labels: Labels) -> Iterator[str]:
    """The leads as one JSON array, a lead at a time: the same text as `json.dumps(every lead_json,
    ensure_ascii=False, indent=2)`, without holding the list. Each lead's values are written
    straight into the layout of the first lead's (`_json_values`), with no dict built per lead."""
    now = datetime.now(UTC)
    now_ms = int(now.timestamp() * 1000)
    held: str | None = None
    template: JsonTemplate | None = None
    for lead in leads:
        if template is None:
            template = JsonTemplate(lead_json(lead, labels.meta, now, labels))
        if held is None:
            yield "["
        else:
            yield held + ","
        values = _json_values(lead, labels, now_ms)
        held = (
            template.format(*values)
            if len(values) == template.count
            else template.text(lead_json(lead, labels.meta, now, labels))
        )
    if held is None:
        yield "[]"
    else:
        yield held
        yield "]"


def _json_values(lead: BoardLead, labels: Labels, now_ms: int) -> list[str]:
    """`lead_json(lead)`'s values as `json.dumps` writes them, in its order (kept in step with it:
    the listing test compares the whole output with `json.dumps`). The four texts from HubSpot
    are checked at once: when together they are plain one-line text, each is as `one_line` gives it."""
    from leadboard.sla import level_from_ms

    name, contact, email, company = lead.name, lead.contact_name, lead.contact_email, lead.company_name
    if not _all_one_line(name, contact or "", email or "", company or ""):
        name = one_line(name)
        contact = one_line(contact) if contact else None
        email = one_line(email) if email else None
        company = one_line(company) if company else None
    lead_type, label = lead.lead_type, lead.label
    type_label, label_label = labels.lead_type(lead_type), labels.label(label)
    level = level_from_ms(lead.sla_deadline_ms, lead.first_touch_ms, now_ms, lead.sla_allowance_ms)
    marker = lead.marker
    return [
        encode_basestring(lead.id),
        encode_basestring(name),
        "null" if lead.stage_id is None else encode_basestring(lead.stage_id),
        encode_basestring(labels.stage(lead.stage_id)),
        "null" if lead_type is None else encode_basestring(lead_type),
        "null" if type_label is None else encode_basestring(type_label),
        "null" if label is None else encode_basestring(label),
        "null" if label_label is None else encode_basestring(label_label),
        encode_basestring(contact) if contact else "null",
        encode_basestring(email) if email else "null",
        encode_basestring(company) if company else "null",
        "true" if lead.closed else "false",
        _iso_json(lead.created_at),
        _iso_json(lead.last_touch_at),
        _iso_json(lead.sla_deadline_ms),
        encode_basestring(level),
        "null" if marker is None else encode_basestring(marker),
        repr(lead.n_pending),
    ]


def _all_one_line(*texts: str) -> bool:
    """True when `one_line` leaves each of `texts` as it is (as `common.one_line`'s fast path checks
    one text), checked over them joined: one pass instead of one per text."""
    joined = "|".join(texts)
    return (
        joined.isascii()
        and joined.isprintable()  # printable ASCII: a space is the only blank left to check
        and "  " not in joined
        and " |" not in joined  # a text ending in a space (or one holding " |": checked one by one)
        and "| " not in joined
        and joined[:1] != " "
        and joined[-1:] != " "
        and not may_redact(joined)
    )


def _iso_json(epoch_ms: int | None) -> str:
    """`_iso` as a JSON value, in one call (150,000 of them at 50,000 leads)."""
    if epoch_ms is None:
        return "null"
    return '"' + datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat().replace("+00:00", "Z") + '"'


class JsonTemplate:
    """`json.dumps(item, ensure_ascii=False, indent=2)`, indented as an array's element, for dicts
    shaped like the first one given (`lead_json`'s: scalars, and dicts of scalars, at fixed keys).

    The layout is worked out once and each item only fills in its values (strings through json's
    C encoder): `json.dumps` with an indent runs json's pure-Python encoder, the slowest part of
    `leadboard leads --json` at 50,000 leads. An item that does not fit is written by `json.dumps`.
    """

    def __init__(self, first: dict[str, Any]) -> None:
        lines = ["  {{"]
        fields = []
        self.count = 0
        for key, value in first.items():
            if isinstance(value, dict):
                inner = [f"      {encode_basestring(k)}: {{}}" for k in value]
                fields.append(f"    {encode_basestring(key)}: {{{{\n" + ",\n".join(inner) + "\n    }}")
                self.count += len(value)
            else:
                fields.append(f"    {encode_basestring(key)}: {{}}")
                self.count += 1
        lines.append(",\n".join(fields))
        lines.append("  }}")
        self.format = "\n".join(lines).format

    def text(self, item: dict[str, Any]) -> str:
        """The item's JSON text: its values filled into the layout, or `json.dumps` if it does not fit."""
        values: list[str | None] = []
        for value in item.values():
            if type(value) is dict:
                values.extend(map(_scalar, value.values()))
            else:
                values.append(_scalar(value))
        if len(values) != self.count or None in values:
            text = json.dumps(item, ensure_ascii=False, indent=2)
            return "  " + text.replace("\n", "\n  ")
        return self.format(*values)


def _scalar(value: object) -> str | None:
    """A JSON scalar as `json.dumps` writes it; None for anything else (a list, a nested dict)."""
    kind = type(value)
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return repr(value)
    return None


class Labels:
    """The portal's labels as shown (`one_line`), each worked out once per listing: at 50,000 leads
    the same few stage and type labels would otherwise be cleaned 150,000 times."""

    def __init__(self, meta: PortalMeta) -> None:
        self.meta = meta
        self._stages: dict[str | None, str] = {}
        self._types: dict[str | None, str | None] = {}
        self._labels: dict[str | None, str | None] = {}

    def stage(self, stage_id: str | None) -> str:
        label = self._stages.get(stage_id)
        if label is None:
            label = self._stages[stage_id] = one_line(self.meta.stage_label(stage_id))
        return label

    def lead_type(self, value: str | None) -> str | None:
        if value not in self._types:
            self._types[value] = one_line(self.meta.option_label(self.meta.lead_types, value) or "") or None
        return self._types[value]

    def label(self, value: str | None) -> str | None:
        if value not in self._labels:
            self._labels[value] = one_line(self.meta.option_label(self.meta.lead_labels, value) or "") or None
        return self._labels[value]


def _iso(epoch_ms: int | None) -> str | None:
    moment = to_datetime(epoch_ms)
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def lead_json(
    lead: BoardLead, meta: PortalMeta, now: datetime | None = None, labels: Labels | None = None
) -> dict[str, Any]:
    """One lead for scripts: ids and values with the portal's labels beside them.

    `sla_deadline` is when the first touch is (was) due under the config's `[sla]` (null when no rule
    applies); `sla_state` is `leadboard.sla.SlaState.level` at `now`: "none", "ok", "due_soon",
    "breached" or "done" (touched).
    """
    from leadboard.sla import level_from_ms

    labels = labels or Labels(meta)
    now_ms = int((now or datetime.now(UTC)).timestamp() * 1000)
    sla_level = level_from_ms(lead.sla_deadline_ms, lead.first_touch_ms, now_ms, lead.sla_allowance_ms)
    return {
        "id": lead.id,
        "name": one_line(lead.name),
        "stage": {"id": lead.stage_id, "label": labels.stage(lead.stage_id)},
        "lead_type": {"value": lead.lead_type, "label": labels.lead_type(lead.lead_type)},
        "label": {"value": lead.label, "label": labels.label(lead.label)},
        "contact": {
            "name": one_line(lead.contact_name) if lead.contact_name else None,
            "email": one_line(lead.contact_email) if lead.contact_email else None,
        },
        "company": one_line(lead.company_name) if lead.company_name else None,
        "closed": lead.closed,
        "created_at": _iso(lead.created_at),
        "last_touch_at": _iso(lead.last_touch_at),
        "sla_deadline": _iso(lead.sla_deadline_ms),
        "sla_state": sla_level,
        "sync": lead.marker,
        "pending_changes": lead.n_pending,
    }


_HEADERS = ("ID", "STAGE", "NAME", "CONTACT", "COMPANY", "TYPE", "SYNC")


def plain_row(lead: BoardLead, labels: Labels) -> tuple[str, ...]:
    return (
        one_line(lead.id),
        labels.stage(lead.stage_id),
        one_line(lead.name, limit=60),
        one_line(lead.contact_name or lead.contact_email or "", limit=40),
        one_line(lead.company_name or "", limit=40),
        labels.lead_type(lead.lead_type) or "",
        lead.marker or "",
    )


def print_table(leads: list[BoardLead], labels: Labels) -> None:
    """A table sized to the terminal; every cell is literal text (no markup is parsed)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for header in _HEADERS:
        table.add_column(header, overflow="ellipsis", no_wrap=True)
    for lead in leads:
        table.add_row(*(Text(cell) for cell in plain_row(lead, labels)))
    console = Console(file=sys.stdout)
    console.print(table)
    console.print(Text(f"{len(leads)} leads"))


# --- the lead commands ----------------------------------------------------------------------------


def submit(
    session: Session,
    lead_id: str,
    build: Callable[[PortalMeta, BoardLead], Command],
    *,
    no_push: bool,
) -> None:
    """Check, queue (one transaction) and push one command; report what became of it."""
    from leadboard.cli.sync import push_and_report

    store = session.open_store()
    try:
        meta = require_meta(store)
        lead = store.lead_state(lead_id)
        if lead is None:
            fail(
                f"There is no lead {one_line(lead_id, limit=40)} in the cache: run `leadboard sync` to "
                "fetch your leads, and `leadboard leads` to see their ids."
            )
        try:
            command = build(meta, lead)
            op = store.outbox.enqueue(command)
        except CommandRefused as exc:
            fail(str(exc))
        click.echo(f"Saved: {describe_op(op, meta)} for {lead_title(lead.id, lead.name)}.")
        if isinstance(op.command, LogCall):
            suggest_next_stage(meta, lead, op.command)
        if no_push:
            click.echo("Queued, not pushed (--no-push): `leadboard sync` will send it.")
            return
        push_and_report(session, store, op.op_id)
    finally:
        store.close()


def suggest_next_stage(meta: PortalMeta, lead: BoardLead, call: LogCall) -> None:
    target = suggest_stage_after_call(meta, lead.stage_id, call.outcome_id)
    move = spec_for(CommandKind.MOVE_STAGE).cli_verb
    if target is not None:
        click.echo(
            f"Next step: the lead process moves it to {one_line(target.label)}: "
            f"leadboard {move} {shlex.quote(lead.id)} {shlex.quote(one_line(target.label))} --note '…'"
        )


def move(session: Session, lead_id: str, stage: str, note: str, *, no_push: bool) -> None:
    note = plain_text(note, "note")
    submit(
        session,
        lead_id,
        lambda meta, lead: MoveStage(lead_id=lead.id, stage_id=stage, note=note),
        no_push=no_push,
    )


def log_call(
    session: Session,
    lead_id: str,
    *,
    outcome: str,
    note: str,
    direction: str,
    duration: str | None,
    at: str | None,
    no_push: bool,
) -> None:
    from leadboard.typed_input import parse_minutes

    note = plain_text(note, "note")
    chosen = _DIRECTIONS.get(direction.strip().casefold())
    if chosen is None:
        fail(f"The direction '{one_line(direction, limit=24)}' is not one I know: write in or out.")
    try:
        seconds = parse_minutes(plain_text(duration, "duration")) if duration is not None else 0
    except CommandRefused as exc:
        fail(str(exc))
    when = parse_time(at) if at is not None else datetime.now(UTC)
    submit(
        session,
        lead_id,
        lambda meta, lead: LogCall(
            lead_id=lead.id,
            outcome_id=outcome,
            note=note,
            direction="INBOUND" if chosen == "INBOUND" else "OUTBOUND",
            duration_seconds=seconds,
            at=when,
        ),
        no_push=no_push,
    )


def parse_time(text: str) -> datetime:
    """`--at`: ISO 8601 (with or without an offset), "2026-11-22 14:05" or "14:05" today; local time.

    Only reads the time: a call in the future is refused by the lead process (`check_command`)."""
    from leadboard.typed_input import parse_call_time

    text = plain_text(text, "call time").strip()
    now = datetime.now().astimezone()
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.astimezone()
        return parse_call_time(text, now)
    except CommandRefused as exc:
        fail(str(exc))
    except ValueError:
        fail(
            f"The call time '{one_line(text, limit=24)}' is not a time I can read: "
            "write 14:05 for today, 2026-11-22 14:05, or ISO 8601."
        )


def note(session: Session, lead_id: str, text: str, *, no_push: bool) -> None:
    text = plain_text(text, "note")
    submit(session, lead_id, lambda meta, lead: AddNote(lead_id=lead.id, text=text), no_push=no_push)


def set_type(session: Session, lead_id: str, lead_type: str, *, no_push: bool) -> None:
    submit(
        session,
        lead_id,
        lambda meta, lead: SetLeadType(lead_id=lead.id, lead_type=lead_type),
        no_push=no_push,
    )


def qualify(
    session: Session,
    lead_id: str,
    *,
    note: str,
    deal_name: str | None,
    amount: str | None,
    close_date: str | None,
    no_deal: bool,
    no_push: bool,
    lead_type: str | None = None,
) -> None:
    """`--type` carries the lead type in the qualify itself (checked against the portal's types by the
    command, as `set-type` is): one change, one write of the type and the stage together."""
    from leadboard.typed_input import parse_amount, parse_close_date

    note = plain_text(note, "note")
    chosen_type = plain_text(lead_type, "lead type") if lead_type is not None else None
    if no_deal and (deal_name is not None or amount is not None or close_date is not None):
        fail("--no-deal cannot be combined with --deal-name, --amount or --close-date.")
    deal_amount: float | None = None
    closes = datetime.now().astimezone().date() + DEFAULT_CLOSE_IN
    try:
        if amount is not None:
            deal_amount = parse_amount(plain_text(amount, "amount"))
        if close_date is not None:
            closes = parse_close_date(plain_text(close_date, "close date"))
    except CommandRefused as exc:
        fail(str(exc))
    name = plain_text(deal_name, "deal name") if deal_name is not None else None

    def build(meta: PortalMeta, lead: BoardLead) -> Command:
        if chosen_type is None and not lead.lead_type:
            types = choices_text(o.label for o in meta.lead_types if not o.hidden)
            raise CommandRefused(f"This lead has no lead type yet: add --type TYPE (one of {types}).")
        deal = (
            None
            if no_deal
            else Deal(name=lead.name if name is None else name, amount=deal_amount, close_date=closes)
        )
        return Qualify(lead_id=lead.id, note=note, deal=deal, lead_type=chosen_type)

    submit(session, lead_id, build, no_push=no_push)


def disqualify(
    session: Session,
    lead_id: str,
    *,
    reason: str,
    note: str,
    follow_up: str | None = None,
    no_push: bool,
) -> None:
    """`--follow-up YYYY-MM-DD` (timing reasons only): HubSpot gets a task to re-attempt the contact."""
    from leadboard.typed_input import parse_follow_up

    note = plain_text(note, "note")
    try:
        day = parse_follow_up(plain_text(follow_up, "follow-up date")) if follow_up is not None else None
    except CommandRefused as exc:
        fail(str(exc))
    submit(
        session,
        lead_id,
        lambda meta, lead: Disqualify(lead_id=lead.id, reason=reason, note=note, follow_up=day),
        no_push=no_push,
    )
