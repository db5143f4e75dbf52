"""The lead process as data and rules: portal metadata, leads, resolving what the rep typed. Pure: no I/O.

Labels are never hard-coded: stages, lead types, labels, disqualification reasons and call outcomes
come from the portal (`PortalMeta`, filled by the pull from HubSpot's pipelines, properties and
dispositions). Only ids are compared.

The rep's commands (log a call, qualify, …) are built on these rules; each lives in its own module
in leadboard/commands/, declared in its registry (leadboard/commands/registry.py). How the board
and the CLI use them::

    meta = store.portal_meta()                      # PortalMeta
    lead = store.lead_state(lead_id)                # the lead as the rep sees it (pending ops applied)
    cmd = Disqualify(lead_id=lead_id, reason="bad timing", note=text)
    cmd = check_command(cmd, lead, meta)            # normalised copy, or raises CommandRefused
    store.outbox.enqueue(cmd)                       # (enqueue runs check_command itself too)

`CommandRefused` is the one refusal type; its message is a sentence a rep understands and says what
is missing. Modals call `check_command` on every change to keep Save disabled and show the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict

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
    "choices_text",
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


def choices_text(labels: Iterable[str]) -> str:
    """The labels to choose from, for a refusal: "A, B, C", or what to do when there are none."""
    return ", ".join(labels) or "(the portal has none: run a sync)"


def resolve_option(options: Sequence[Option], text: str, what: str) -> Option:
    """Map the rep's input to an option: the exact value, else the label or value case-insensitively.

    `what` names the thing in the refusal ("reason", "lead type"). Hidden options are not offered.
    """
    visible = [o for o in options if not o.hidden]
    wanted = text.strip()
    if not wanted:
        raise CommandRefused(f"Choose a {what}: one of {choices_text(o.label for o in visible)}.")
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
        f"choose one of {choices_text(o.label for o in visible)}."
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


# --- What follows a call ----------------------------------------------------------------------------


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
