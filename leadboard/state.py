"""The lead process as data and rules: portal metadata, leads, the rep's commands. Pure: no I/O.

Labels are never hard-coded: stages, lead types, labels, disqualification reasons and call outcomes
come from the portal (`PortalMeta`, filled by the pull from HubSpot's pipelines, properties and
dispositions). Only ids are compared.

How the board and the CLI use it::

    meta = store.portal_meta()                      # PortalMeta
    lead = store.lead_state(lead_id)                # the lead as the rep sees it (pending ops applied)
    cmd = Disqualify(lead_id=lead_id, reason="bad timing", note=text)
    cmd = check_command(cmd, lead, meta)            # normalised copy, or raises CommandRefused
    store.enqueue(cmd)                              # (store.enqueue runs check_command itself too)

`CommandRefused` is the one refusal type; its message is a sentence a rep understands and says what
is missing. Modals call `check_command` on every change to keep Save disabled and show the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from leadboard.domain import (
    ATTEMPTING_STAGE_ID,
    CONNECTED_DISPOSITION_ID,
    CONNECTED_STAGE_ID,
    DEFAULT_PIPELINE_ID,
    LEAD_PROPERTIES,
    MARKER_ROOM,
    NOTE_BODY_LIMIT,
    NOTE_HTML_LIMIT,
    PROP_DQ_NOTE,
    PROP_LABEL,
    PROP_NAME,
    PROP_OWNER,
    PROP_PIPELINE,
    PROP_REASON,
    PROP_SOURCE,
    PROP_STAGE,
    PROP_TYPE,
    QUALIFIED_STAGE_ID,
    UNQUALIFIED_STAGE_ID,
    CommandRefused,
    Disposition,
    Option,
    PortalMeta,
    Stage,
    dispositions_from_json,
    options_from_property,
    stages_from_pipeline,
)
from leadboard.note_html import note_to_html
from leadboard.text import clean_untrusted

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "ATTEMPTING_STAGE_ID",
    "CONNECTED_DISPOSITION_ID",
    "CONNECTED_STAGE_ID",
    "DEFAULT_PIPELINE_ID",
    "LEAD_PROPERTIES",
    "MARKER_ROOM",
    "NOTE_BODY_LIMIT",
    "NOTE_HTML_LIMIT",
    "PROP_DQ_NOTE",
    "PROP_LABEL",
    "PROP_NAME",
    "PROP_OWNER",
    "PROP_PIPELINE",
    "PROP_REASON",
    "PROP_SOURCE",
    "PROP_STAGE",
    "PROP_TYPE",
    "QUALIFIED_STAGE_ID",
    "UNQUALIFIED_STAGE_ID",
    "CommandRefused",
    "Disposition",
    "Option",
    "PortalMeta",
    "Stage",
    "dispositions_from_json",
    "options_from_property",
    "stages_from_pipeline",
]


class _Model(BaseModel):
    """Our models build their validators on first use, not at import: importing this module is on
    the board's first-paint path, and most models (the commands, `Lead`) are not needed for it."""

    model_config = ConfigDict(defer_build=True)


# --- Resolving what the rep typed -------------------------------------------------------------------


def _choices(labels: Iterable[str]) -> str:
    return ", ".join(labels) or "(the portal has none: run a sync)"


def resolve_option(options: Sequence[Option], text: str, what: str) -> Option:
    """Map the rep's input to an option: the exact value, else the label or value case-insensitively.

    `what` names the thing in the refusal ("reason", "lead type"). Hidden options are not offered.
    """
    visible = [o for o in options if not o.hidden]
    wanted = text.strip()
    if not wanted:
        raise CommandRefused(f"Choose a {what}: one of {_choices(o.label for o in visible)}.")
    folded = wanted.casefold()
    for found in (
        [o for o in visible if o.value == wanted],
        [o for o in visible if o.label.casefold() == folded],
        [o for o in visible if o.value.casefold() == folded],
    ):
        if found:
            return found[0]
    raise CommandRefused(
        f"'{clean_untrusted(wanted)}' is not a {what} here: "
        f"choose one of {_choices(o.label for o in visible)}."
    )


def resolve_stage(meta: PortalMeta, text: str) -> Stage:
    """Map a stage label (case-insensitive) or id to the portal's stage, or refuse listing them all."""
    options = [Option(value=s.id, label=s.label, display_order=s.display_order) for s in meta.stages]
    chosen = resolve_option(sorted(options, key=lambda o: o.display_order), text, "stage")
    stage = meta.stage(chosen.value)
    assert stage is not None
    return stage


def resolve_outcome(meta: PortalMeta, text: str) -> Disposition:
    """Map a call outcome label (case-insensitive) or GUID to the portal's disposition."""
    options = [Option(value=d.id, label=d.label, hidden=d.deleted) for d in meta.dispositions]
    chosen = resolve_option(options, text, "call outcome")
    return next(d for d in meta.dispositions if d.id == chosen.value)


def move_targets(meta: PortalMeta, stage_id: str | None) -> list[Stage]:
    """The stages a lead in `stage_id` can be moved to by hand: the other open ones, in order.

    Closing a lead is not a move (qualify and disqualify ask for more), so closed stages are not
    offered, and neither is the stage the lead is already in."""
    return [s for s in meta.open_stages if s.id != stage_id]


# --- Recycling: which disqualification reasons mean "not now" ---------------------------------------

#: Words that make a disqualification reason a *timing* reason ("not now", as opposed to "not a fit"):
#: such a lead is recycled, so disqualifying it may schedule a follow-up task. Matched as whole words
#: in the option's value and label, case-insensitively, with `_` and `-` read as spaces, so HubSpot's
#: default "Bad Timing" (`BAD_TIMING`) counts, and so do portal-made options such as "Not now",
#: "Timing – check back later" or "NURTURE".
TIMING_WORDS: tuple[str, ...] = ("timing", "not now", "not ready", "check back", "nurture", "recycle")
_TIMING = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in TIMING_WORDS) + r")\b")


def is_timing_reason(option: Option) -> bool:
    """True when `option` (a disqualification reason) says the timing was wrong; see `TIMING_WORDS`."""
    text = re.sub(r"[\W_]+", " ", f"{option.value} {option.label}").casefold()
    return _TIMING.search(text) is not None


def timing_reasons(meta: PortalMeta) -> list[Option]:
    """The portal's visible disqualification reasons that allow a follow-up date."""
    return [o for o in meta.disqualification_reasons if not o.hidden and is_timing_reason(o)]


#: The local time a follow-up task falls due on its day.
FOLLOW_UP_TIME = time(9, 0)


def follow_up_due(day: date, time_zone: str | None) -> datetime:
    """When a follow-up task on `day` is due: 09:00 in the portal's time zone (HubSpot's account
    setting, `PortalMeta.time_zone`), or 09:00 UTC when the zone is unknown or not one Python knows."""
    return datetime.combine(day, FOLLOW_UP_TIME, tzinfo=_zone(time_zone))


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


# --- Leads ------------------------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _clean_or_none(value: Any) -> Any:
    value = _blank_to_none(value)
    return clean_untrusted(value) if isinstance(value, str) else value


OptStr = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptText = Annotated[str | None, BeforeValidator(_clean_or_none)]
OptTime = Annotated[datetime | None, BeforeValidator(_blank_to_none)]


@cache
def _time_adapter() -> TypeAdapter[datetime | None]:
    """Built on first use (see `_Model`): the pull needs it, the first paint does not."""
    from pydantic import TypeAdapter

    return TypeAdapter(OptTime)


def parse_hubspot_time(value: Any) -> datetime | None:
    """A HubSpot timestamp (ISO string, epoch-ms string, blank or None) as an aware datetime or None."""
    parsed = _time_adapter().validate_python(value)
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class Lead(_Model):
    """A HubSpot lead, parsed from its string properties (blank → None, text cleaned)."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: str = ""
    pipeline_id: OptStr = None
    stage_id: OptStr = None
    lead_type: OptStr = None
    label: OptStr = None
    owner_id: OptStr = None
    created_at: OptTime = None
    last_modified_at: OptTime = None
    first_outreach_at: OptTime = None
    last_activity_at: OptTime = None
    disqualification_reason: OptStr = None
    disqualification_note: OptText = None
    primary_contact_id: OptStr = None
    contact_email: OptText = None
    contact_first_name: OptText = None
    contact_last_name: OptText = None
    company_name: OptText = None
    archived: bool = False

    @classmethod
    def from_hubspot(cls, obj: Mapping[str, Any]) -> Lead:
        """Parse HubSpot's `SimplePublicObject` JSON (`{"id", "properties", "createdAt", ...}`)."""
        p: Mapping[str, Any] = obj.get("properties") or {}
        return cls(
            id=str(obj["id"]),
            name=clean_untrusted(str(p.get(PROP_NAME) or "")).strip(),
            pipeline_id=p.get(PROP_PIPELINE),
            stage_id=p.get(PROP_STAGE),
            lead_type=p.get(PROP_TYPE),
            label=p.get(PROP_LABEL),
            owner_id=p.get(PROP_OWNER),
            created_at=_blank_to_none(p.get("hs_createdate"))
            or _blank_to_none(p.get("createdate"))
            or obj.get("createdAt"),
            last_modified_at=_blank_to_none(p.get("hs_lastmodifieddate")) or obj.get("updatedAt"),
            first_outreach_at=p.get("hs_lead_first_outreach_date"),
            last_activity_at=p.get("hs_last_activity_date"),
            disqualification_reason=p.get(PROP_REASON),
            disqualification_note=p.get(PROP_DQ_NOTE),
            primary_contact_id=p.get("hs_primary_contact_id"),
            contact_email=p.get("hs_associated_contact_email"),
            contact_first_name=p.get("hs_associated_contact_firstname"),
            contact_last_name=p.get("hs_associated_contact_lastname"),
            company_name=p.get("hs_associated_company_name"),
            archived=bool(obj.get("archived", False)),
        )


class LeadFacts(Protocol):
    """What the rules read from a lead: `Lead`, or a read-model row with the rep's pending ops applied."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def stage_id(self) -> str | None: ...
    @property
    def lead_type(self) -> str | None: ...


# --- Commands ---------------------------------------------------------------------------------------

CallDirection = Literal["OUTBOUND", "INBOUND"]
#: A call logged this far after "now" is taken as a typo rather than a call that has not happened yet.
CALL_FUTURE_SLACK = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(UTC)


class MoveStage(_Model):
    """Move an open lead to another open stage by hand; the note says what happened."""

    kind: Literal["move_stage"] = "move_stage"
    lead_id: str
    stage_id: str
    note: str


class LogCall(_Model):
    """Log a call made outside HubSpot. Duration defaults to 0 s ("not recorded"): we never invent one."""

    kind: Literal["log_call"] = "log_call"
    lead_id: str
    outcome_id: str
    note: str
    direction: CallDirection = "OUTBOUND"
    duration_seconds: int = 0
    at: datetime = Field(default_factory=_now)


class AddNote(_Model):
    """A note on the lead and its contact; allowed on open and closed leads."""

    kind: Literal["add_note"] = "add_note"
    lead_id: str
    text: str


class SetLeadType(_Model):
    """Set `hs_lead_type` (it must be chosen by hand); allowed any time."""

    kind: Literal["set_lead_type"] = "set_lead_type"
    lead_id: str
    lead_type: str


class Deal(_Model):
    """The deal a qualify creates (HubSpot's UI creates one too)."""

    name: str
    amount: float | None = None
    close_date: date


class Qualify(_Model):
    """Close the lead as qualified, with a note and a deal (`deal=None` means the rep chose "no deal")."""

    kind: Literal["qualify"] = "qualify"
    lead_id: str
    note: str
    deal: Deal | None = None


class Disqualify(_Model):
    """Close the lead as disqualified: a reason from the portal's list and a note, both required.

    `follow_up` (recycling): for a timing reason (`is_timing_reason`), the day to re-attempt the
    contact; the push then creates a HubSpot task due that day (`follow_up_due`). None: no task.
    """

    kind: Literal["disqualify"] = "disqualify"
    lead_id: str
    reason: str
    note: str
    follow_up: date | None = None


Command = Annotated[
    MoveStage | LogCall | AddNote | SetLeadType | Qualify | Disqualify, Field(discriminator="kind")
]


@cache
def command_adapter() -> TypeAdapter[Command]:
    """The (de)serialiser of every command kind, as the outbox stores them; built on first use."""
    from pydantic import TypeAdapter

    return TypeAdapter(Command)


class _LazyCommandAdapter:
    """`COMMAND_ADAPTER`: the calls the outbox and tests make, forwarded to `command_adapter()`, so
    importing this module builds no adapter (importing it is on the board's first-paint path)."""

    def validate_json(self, data: str | bytes) -> Command:
        return command_adapter().validate_json(data)

    def validate_python(self, data: Any) -> Command:
        return command_adapter().validate_python(data)

    def dump_json(self, command: Command) -> bytes:
        return command_adapter().dump_json(command)

    def dump_python(self, command: Command, *, mode: Literal["json", "python"] = "python") -> Any:
        return command_adapter().dump_python(command, mode=mode)


COMMAND_ADAPTER = _LazyCommandAdapter()
CommandKind = Literal["move_stage", "log_call", "add_note", "set_lead_type", "qualify", "disqualify"]

_ACTION = {
    "move_stage": "Moving a lead",
    "log_call": "Logging a call",
    "add_note": "Adding a note",
    "set_lead_type": "Setting the lead type",
    "qualify": "Qualify",
    "disqualify": "Disqualify",
}


def clean_note(text: str, action: str) -> str:
    """The rep's note, cleaned and stripped; refused when blank or too long for HubSpot once in HTML."""
    note = clean_untrusted(text).strip()
    if not note:
        if action == _ACTION["add_note"]:
            raise CommandRefused("The note is empty: write what happened.")
        raise CommandRefused(f"{action} needs a note: write what happened.")
    size = len(note_to_html(note))
    if size > NOTE_HTML_LIMIT:
        raise CommandRefused(
            f"The note is too long: {size:,} characters once formatted for HubSpot, and the most it takes "
            f"is {NOTE_HTML_LIMIT:,}. Shorten it by {size - NOTE_HTML_LIMIT:,} characters."
        )
    return note


def _require_open(lead: LeadFacts, meta: PortalMeta, action: str) -> None:
    if not meta.is_open(lead.stage_id):
        raise CommandRefused(
            f"{action} is not possible: '{lead.name or lead.id}' is closed "
            f"({meta.stage_label(lead.stage_id)}). "
            "You can still add a note or set its lead type."
        )


def check_command(
    command: Command, lead: LeadFacts, meta: PortalMeta, *, now: datetime | None = None
) -> Command:
    """Apply the lead process to `command` for `lead` as the rep sees it now; return the normalised command.

    Normalised: notes cleaned and stripped, options resolved from label to value. Raises `CommandRefused`
    with a sentence that says what is missing. `lead` must be the *effective* lead (pending ops applied),
    so a pending lead type counts for Qualify and a pending disqualify closes the lead. `now` (aware;
    default: the clock) is what "in the future" is measured against: a call's time may not be more
    than `CALL_FUTURE_SLACK` after it, and a follow-up date must fall after its day (the rep's).
    """
    now = now if now is not None else datetime.now(UTC)
    action = _ACTION[command.kind]
    if command.lead_id != lead.id:
        raise CommandRefused(f"This command is for lead {command.lead_id}, not {lead.id}.")
    if isinstance(command, MoveStage):
        _require_open(lead, meta, action)
        note = clean_note(command.note, action)
        target = _resolve_move_target(meta, lead, command.stage_id)
        if target.id == meta.qualified_stage_id:
            raise CommandRefused(
                f"To move a lead to {target.label}, qualify it: that needs a note and a deal."
            )
        if target.id == meta.unqualified_stage_id:
            raise CommandRefused(
                f"To move a lead to {target.label}, disqualify it: that needs a reason and a note."
            )
        if target.id == lead.stage_id:
            raise CommandRefused(f"The lead is already in {target.label}: choose another stage.")
        return command.model_copy(update={"stage_id": target.id, "note": note})
    if isinstance(command, LogCall):
        _require_open(lead, meta, action)
        if not command.outcome_id.strip():
            raise CommandRefused(
                f"Logging a call needs an outcome: choose one of "
                f"{_choices(d.label for d in meta.dispositions if not d.deleted)}.",
                short="Logging a call needs an outcome.",
            )
        outcome = resolve_outcome(meta, command.outcome_id)
        note = clean_note(command.note, action)
        if command.duration_seconds < 0:
            raise CommandRefused("A call's duration cannot be negative.")
        at = command.at if command.at.tzinfo else command.at.replace(tzinfo=UTC)
        if at - now > CALL_FUTURE_SLACK:
            shown = at.strftime("%Y-%m-%d %H:%M")  # in the zone the rep gave it in
            raise CommandRefused(f"The call time {shown} is in the future: log a call once it has happened.")
        return command.model_copy(update={"outcome_id": outcome.id, "note": note, "at": at})
    if isinstance(command, AddNote):
        return command.model_copy(update={"text": clean_note(command.text, action)})
    if isinstance(command, SetLeadType):
        chosen = resolve_option(meta.lead_types, command.lead_type, "lead type")
        return command.model_copy(update={"lead_type": chosen.value})
    if isinstance(command, Qualify):
        _require_open(lead, meta, action)
        if not lead.lead_type:
            raise CommandRefused(
                "Qualify needs a lead type: set it first (one of "
                f"{_choices(o.label for o in meta.lead_types if not o.hidden)})."
            )
        note = clean_note(command.note, action)
        deal = command.deal
        if deal is not None:
            deal_name = clean_untrusted(deal.name).strip()
            if not deal_name:
                raise CommandRefused("Qualify needs a deal name, or choose 'no deal'.")
            if deal.amount is not None and not deal.amount >= 0:
                raise CommandRefused("The deal amount cannot be negative.")
            deal = deal.model_copy(update={"name": deal_name})
        return command.model_copy(update={"note": note, "deal": deal})
    # Disqualify
    _require_open(lead, meta, action)
    reasons = [o for o in meta.disqualification_reasons if not o.hidden]
    if not command.reason.strip():
        raise CommandRefused(
            f"Disqualify needs a reason: choose one of {_choices(o.label for o in reasons)}.",
            short="Disqualify needs a reason.",
        )
    reason = resolve_option(meta.disqualification_reasons, command.reason, "disqualification reason")
    note = clean_note(command.note, action)
    if command.follow_up is not None:
        _check_follow_up(command.follow_up, reason, meta, now)
    return command.model_copy(update={"reason": reason.value, "note": note})


def _resolve_move_target(meta: PortalMeta, lead: LeadFacts, text: str) -> Stage:
    """The stage the rep named for a move; blank or unknown is refused listing the stages one can
    move to (`move_targets`). Closed stages still resolve, so the refusal can say what to do instead."""
    targets = move_targets(meta, lead.stage_id)
    if not text.strip():
        raise CommandRefused(
            f"Choose a stage: one of {_choices(s.label for s in targets)}.", short="Choose a stage."
        )
    try:
        return resolve_stage(meta, text)
    except CommandRefused:
        raise CommandRefused(
            f"'{clean_untrusted(text.strip())}' is not a stage here: "
            f"choose one of {_choices(s.label for s in targets)}."
        ) from None


def _check_follow_up(day: date, reason: Option, meta: PortalMeta, now: datetime) -> None:
    """A follow-up date needs a timing reason and must fall after today (the rep's own day)."""
    if not is_timing_reason(reason):
        timing = timing_reasons(meta)
        which = (
            f"one of {_choices(o.label for o in timing)}"
            if timing
            else "this portal has no reason about timing"
        )
        raise CommandRefused(
            f"A follow-up date is only for a timing reason ({which}); '{reason.label}' is not one: "
            "clear the follow-up date, or choose a timing reason."
        )
    today = now.astimezone().date()
    if day <= today:
        raise CommandRefused(
            f"The follow-up date {day.isoformat()} is not in the future: choose a day after "
            f"{today.isoformat()}, or no follow-up."
        )


# --- What the ops change, and what follows a call ---------------------------------------------------


def property_changes(command: Command, meta: PortalMeta) -> dict[str, str]:
    """The lead properties a (checked) command writes: the store overlays these and keeps their base."""
    if isinstance(command, MoveStage):
        return {PROP_STAGE: command.stage_id}
    if isinstance(command, SetLeadType):
        return {PROP_TYPE: command.lead_type}
    if isinstance(command, Qualify):
        return {PROP_STAGE: meta.qualified_stage_id}
    if isinstance(command, Disqualify):
        return {
            PROP_STAGE: meta.unqualified_stage_id,
            PROP_REASON: command.reason,
            PROP_DQ_NOTE: command.note,
        }
    return {}


def suggest_stage_after_call(meta: PortalMeta, stage_id: str | None, outcome_id: str) -> Stage | None:
    """The stage move the process suggests after a call, or None: it never moves a lead backwards.

    Outcome Connected → the Connected stage; any other outcome on a lead in the first open stage (New)
    → Attempting. Stages are found by HubSpot's default ids, else by position in the pipeline.
    """
    open_stages = meta.open_stages
    if not open_stages or not meta.is_open(stage_id):
        return None
    by_id = {s.id: s for s in open_stages}
    current = by_id.get(stage_id) if stage_id else None
    outcome = next((d for d in meta.dispositions if d.id == outcome_id), None)
    is_connected = outcome_id == CONNECTED_DISPOSITION_ID or (
        outcome is not None and outcome.label.casefold() == "connected"
    )
    if is_connected:
        target = by_id.get(CONNECTED_STAGE_ID) or (open_stages[2] if len(open_stages) > 2 else None)
    elif current is None or current.id == open_stages[0].id:
        target = by_id.get(ATTEMPTING_STAGE_ID) or (open_stages[1] if len(open_stages) > 1 else None)
    else:
        return None
    if target is None or target.id == stage_id:
        return None
    if current is not None and target.display_order <= current.display_order:
        return None
    return target
