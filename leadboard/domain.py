"""The lead process's plain data: HubSpot's names, the portal's metadata and the rule refusal.

Frozen dataclasses, no pydantic: the board's first paint reads `PortalMeta` from the cache, and
importing pydantic (and building models) costs more than the rest of that paint. The commands and
the rules that check them live in state.py, which re-exports everything here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from leadboard.text import clean_untrusted

# --- HubSpot names and defaults (ids, never labels) ------------------------------------------------

DEFAULT_PIPELINE_ID = "lead-pipeline-id"
QUALIFIED_STAGE_ID = "qualified-stage-id"
UNQUALIFIED_STAGE_ID = "unqualified-stage-id"
ATTEMPTING_STAGE_ID = "attempting-stage-id"
CONNECTED_STAGE_ID = "connected-stage-id"
CONNECTED_DISPOSITION_ID = "f240bbac-87c9-4f6e-bf70-924b57d47db7"

PROP_NAME = "hs_lead_name"
PROP_STAGE = "hs_pipeline_stage"
PROP_PIPELINE = "hs_pipeline"
PROP_TYPE = "hs_lead_type"
PROP_LABEL = "hs_lead_label"
PROP_OWNER = "hubspot_owner_id"
PROP_REASON = "hs_lead_disqualification_reason"
PROP_DQ_NOTE = "hs_lead_disqualification_note"
#: Where the lead came from (an enumeration: demo request, pricing page…). Not one of HubSpot's
#: documented lead properties: the sandbox portal has it, and a portal without it simply returns
#: nothing for it (the pull asks for it, the metadata pull reads its options when it exists).
PROP_SOURCE = "lead_source"

#: The lead properties the pull asks for; `Lead.from_hubspot` reads these.
LEAD_PROPERTIES: tuple[str, ...] = (
    PROP_NAME,
    PROP_PIPELINE,
    PROP_STAGE,
    PROP_TYPE,
    PROP_LABEL,
    PROP_OWNER,
    PROP_REASON,
    PROP_DQ_NOTE,
    PROP_SOURCE,
    "createdate",
    "hs_createdate",
    "hs_lastmodifieddate",
    "hs_lead_first_outreach_date",
    "hs_last_activity_date",
    "hs_lead_call_count",  # with the two below: which activities pull_activity.py reads
    "hs_lead_email_count",
    "hs_lead_meeting_count",
    "hs_primary_contact_id",
    "hs_associated_contact_email",
    "hs_associated_contact_firstname",
    "hs_associated_contact_lastname",
    "hs_associated_company_name",
    "hs_updated_by_user_id",  # who made the last change (the activity feed's "by whom")
)

#: HubSpot's limit on `hs_note_body` (and, we assume, `hs_call_body`), counted on the HTML we send.
NOTE_BODY_LIMIT = 65_536
#: Room kept free in every body for the sync marker the push may append to find the object again.
MARKER_ROOM = 64
NOTE_HTML_LIMIT = NOTE_BODY_LIMIT - MARKER_ROOM


# --- The outbox's op states --------------------------------------------------------------------------

OpState = Literal["pending", "in_flight", "unknown", "done", "failed", "conflict", "blocked", "cancelled"]
#: Non-terminal states: these ops are overlaid on the board and keep later ops of their lead waiting.
OPEN_STATES: tuple[OpState, ...] = ("pending", "in_flight", "unknown", "failed", "conflict", "blocked")


class CommandRefused(ValueError):
    """A command the lead process does not allow. `str(exc)` is the plain sentence to show the rep.

    `short` says the same without the list of valid choices, for a form whose dropdown already
    shows them; the CLI, where the list is the help, prints the full sentence.
    """

    def __init__(self, message: str, *, short: str | None = None) -> None:
        super().__init__(message)
        self.short = short or message


# --- Portal metadata --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Stage:
    """A stage of the rep's lead pipeline. Closed = qualified or unqualified, decided by id."""

    id: str
    label: str
    display_order: int = 0
    closed: bool = False


@dataclass(frozen=True, kw_only=True)
class Option:
    """An enumeration option of a HubSpot property: write `value`, show `label`."""

    value: str
    label: str
    display_order: int = 0
    hidden: bool = False


@dataclass(frozen=True, kw_only=True)
class Disposition:
    """A call outcome (`hs_call_disposition`): a GUID id and the portal's label."""

    id: str
    label: str
    deleted: bool = False


_META_TUPLES = (
    "stages",
    "lead_types",
    "lead_labels",
    "disqualification_reasons",
    "lead_sources",
    "dispositions",
)


@dataclass(frozen=True, kw_only=True)
class PortalMeta:
    """Everything the rules need to know about the portal; built by the pull, stored in the cache."""

    pipeline_id: str = DEFAULT_PIPELINE_ID
    stages: tuple[Stage, ...] = ()
    qualified_stage_id: str = QUALIFIED_STAGE_ID
    unqualified_stage_id: str = UNQUALIFIED_STAGE_ID
    lead_types: tuple[Option, ...] = ()
    lead_labels: tuple[Option, ...] = ()
    disqualification_reasons: tuple[Option, ...] = ()
    #: The options of the lead's entry source (`PROP_SOURCE`), empty when the portal has none.
    lead_sources: tuple[Option, ...] = ()
    dispositions: tuple[Disposition, ...] = ()
    owner_id: str | None = None
    #: From HubSpot's account details: the portal (hub) id for "open in HubSpot" links
    #: (`https://app.hubspot.com/contacts/<portal_id>/record/0-136/<lead id>`), its time zone
    #: (an IANA name such as "Europe/Berlin") and the domain of its web UI. None until pulled.
    portal_id: str | None = None
    time_zone: str | None = None
    ui_domain: str | None = None

    def __post_init__(self) -> None:
        # Callers may pass lists; frozen metadata keeps tuples so it stays hashable and unshared.
        for name in (
            "stages",
            "lead_types",
            "lead_labels",
            "disqualification_reasons",
            "lead_sources",
            "dispositions",
        ):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    @property
    def open_stages(self) -> list[Stage]:
        """The board's columns, in pipeline order."""
        return sorted((s for s in self.stages if not s.closed), key=lambda s: s.display_order)

    @property
    def closed_stage_ids(self) -> frozenset[str]:
        return frozenset({self.qualified_stage_id, self.unqualified_stage_id})

    def stage(self, stage_id: str | None) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def stage_label(self, stage_id: str | None) -> str:
        """The portal's label, or the raw id for a stage the pipeline no longer has."""
        found = self.stage(stage_id)
        return found.label if found else (stage_id or "no stage")

    def is_open(self, stage_id: str | None) -> bool:
        """Open = not qualified and not unqualified. A stage unknown to the pipeline counts as open."""
        return stage_id not in self.closed_stage_ids

    def option_label(self, options: Sequence[Option], value: str | None) -> str | None:
        return next((o.label for o in options if o.value == value), value)

    def disposition_label(self, disposition_id: str | None) -> str | None:
        return next((d.label for d in self.dispositions if d.id == disposition_id), disposition_id)


def stages_from_pipeline(
    pipeline: Mapping[str, Any],
    qualified_stage_id: str = QUALIFIED_STAGE_ID,
    unqualified_stage_id: str = UNQUALIFIED_STAGE_ID,
) -> tuple[Stage, ...]:
    """Stages from HubSpot's `Pipeline` JSON (`GET /crm/pipelines/{version}/leads`), archived left out."""
    closed = {qualified_stage_id, unqualified_stage_id}
    return tuple(
        Stage(
            id=str(s["id"]),
            label=clean_untrusted(str(s.get("label") or s["id"])),
            display_order=int(s.get("displayOrder") or 0),
            closed=str(s["id"]) in closed,
        )
        for s in pipeline.get("stages", [])
        if not s.get("archived")
    )


def options_from_property(prop: Mapping[str, Any]) -> tuple[Option, ...]:
    """Options from HubSpot's `Property` JSON (`GET /crm/properties/{version}/leads/{name}`), in order."""
    options = [
        Option(
            value=str(o["value"]),
            label=clean_untrusted(str(o.get("label") or o["value"])),
            display_order=int(o.get("displayOrder") or 0),
            hidden=bool(o.get("hidden")),
        )
        for o in prop.get("options", [])
    ]
    return tuple(sorted(options, key=lambda o: o.display_order))


def dispositions_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[Disposition, ...]:
    """Dispositions from `GET /calling/v1/dispositions` (a bare array)."""
    return tuple(
        Disposition(
            id=str(d["id"]),
            label=clean_untrusted(str(d.get("label") or d["id"])),
            deleted=bool(d.get("deleted")),
        )
        for d in items
    )
