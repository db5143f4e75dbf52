"""The portal's fixed metadata: object types, association types, pipelines, dispositions, scopes.

Everything here is a HubSpot fact from research/hubspot-api.md (§2, §5, §6, §10) or, where HubSpot
publishes nothing, a documented guess. Property definitions live in `properties.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadboard.sandbox.hubspot_errors import HubSpotError, error_body

# Canonical (plural) names and HubSpot's object type ids.
TYPE_IDS: dict[str, str] = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tasks": "0-27",
    "notes": "0-46",
    "calls": "0-48",
    "emails": "0-49",
    "meetings": "0-47",
    "leads": "0-136",
}
_SINGULAR = {
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
    "task": "tasks",
    "note": "notes",
    "call": "calls",
    "email": "emails",
    "meeting": "meetings",
    "lead": "leads",
}
_ALIASES: dict[str, str] = {
    **{name: name for name in TYPE_IDS},
    **{tid: name for name, tid in TYPE_IDS.items()},
    **_SINGULAR,
}
ACTIVITY_TYPES = ("notes", "calls", "tasks", "emails", "meetings")


def resolve_type(object_type: str) -> str:
    """The canonical plural name for a type name, singular name or type id; 400 like HubSpot if unknown."""
    name = _ALIASES.get(str(object_type).strip().lower())
    if name is None:
        raise HubSpotError(
            400, error_body(f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
        )
    return name


def singular(object_type: str) -> str:
    """`contacts` → `contact`: HubSpot's association `type` strings use the singular."""
    return next(s for s, p in _SINGULAR.items() if p == object_type)


def required_scopes(object_type: str, write: bool) -> list[str]:
    """The scope a private app needs for an object endpoint (the spec's per-operation `security`).

    Notes, calls, tasks, emails and meetings use the contacts scopes in HubSpot's spec (an email's
    content also needs `sales-email-read` at HubSpot; the sandbox does not model that scope).
    """
    name = resolve_type(object_type)
    family = "contacts" if name in ACTIVITY_TYPES else name
    return [f"crm.objects.{family}.{'write' if write else 'read'}"]


# --- associations (research §5) -----------------------------------------------------------------


@dataclass(frozen=True)
class AssociationType:
    """One HUBSPOT_DEFINED association type between two object types, with its inverse."""

    from_type: str
    to_type: str
    type_id: int
    inverse_id: int
    label: str | None  # None = unlabelled (the pair's default type)


def _pair(
    from_type: str, to_type: str, fwd: int, inv: int, label: str | None = None
) -> list[AssociationType]:
    return [
        AssociationType(from_type, to_type, fwd, inv, label),
        AssociationType(to_type, from_type, inv, fwd, label),
    ]


# Each row: the unlabelled type first, then labelled ones. Inverse ids that research/hubspot-api.md
# does not list (579, 581, 599…) follow HubSpot's n / n+1 pairing, which 582/583 confirms. The email
# and meeting pairs with contacts, companies and deals (197-200, 185-188, 209-212) are the values of
# the hubspot-api-client's `hubspot/crm/association_type.py` (research lists only lead ↔ email/meeting).
ASSOCIATION_TYPES: list[AssociationType] = [
    *_pair("leads", "contacts", 608, 609),
    *_pair("leads", "contacts", 578, 579, "Primary"),
    *_pair("leads", "companies", 610, 611),
    *_pair("leads", "companies", 580, 581, "Primary"),
    *_pair("leads", "deals", 1037, 1038),
    *_pair("leads", "deals", 582, 583, "Primary"),
    *_pair("leads", "calls", 596, 597),
    *_pair("leads", "notes", 854, 855),
    *_pair("leads", "tasks", 646, 647),
    *_pair("leads", "emails", 598, 599),
    *_pair("leads", "meetings", 600, 601),
    *_pair("contacts", "companies", 279, 280),
    *_pair("contacts", "companies", 1, 2, "Primary"),
    *_pair("deals", "contacts", 3, 4),
    *_pair("deals", "companies", 341, 342),
    *_pair("deals", "companies", 5, 6, "Primary"),
    *_pair("notes", "contacts", 202, 201),
    *_pair("notes", "companies", 190, 189),
    *_pair("notes", "deals", 214, 213),
    *_pair("calls", "contacts", 194, 193),
    *_pair("calls", "companies", 182, 181),
    *_pair("calls", "deals", 206, 205),
    *_pair("tasks", "contacts", 204, 203),
    *_pair("tasks", "companies", 192, 191),
    *_pair("tasks", "deals", 216, 215),
    *_pair("emails", "contacts", 198, 197),
    *_pair("emails", "companies", 186, 185),
    *_pair("emails", "deals", 210, 209),
    *_pair("meetings", "contacts", 200, 199),
    *_pair("meetings", "companies", 188, 187),
    *_pair("meetings", "deals", 212, 211),
]
ASSOCIATION_BY_ID: dict[int, AssociationType] = {a.type_id: a for a in ASSOCIATION_TYPES}


def association_types(from_type: str, to_type: str) -> list[AssociationType]:
    """The defined types from one object type to another, unlabelled (default) first."""
    return [a for a in ASSOCIATION_TYPES if a.from_type == from_type and a.to_type == to_type]


_DEFAULTS: dict[tuple[str, str], AssociationType] = {}
for _assoc in ASSOCIATION_TYPES:
    if _assoc.label is None:
        _DEFAULTS.setdefault((_assoc.from_type, _assoc.to_type), _assoc)


def default_association(from_type: str, to_type: str) -> AssociationType | None:
    """The unlabelled type `associate default` uses for a pair, or None if the pair has none."""
    return _DEFAULTS.get((from_type, to_type))


def association_type_name(from_type: str, to_type: str, assoc: AssociationType) -> str:
    """The v3 `associations.{type}.results[].type` string, e.g. `lead_to_contact`."""
    base = f"{singular(from_type)}_to_{singular(to_type)}"
    return base if assoc.label is None else f"{singular(from_type)}_to_primary_{singular(to_type)}"


# --- pipelines (research §2) ---------------------------------------------------------------------

EPOCH_ISO = "1970-01-01T00:00:00.000Z"
PIPELINE_UPDATED_ISO = "2024-01-01T00:00:00.000Z"

LEAD_PIPELINE_ID = "lead-pipeline-id"
LEAD_STAGES: list[tuple[str, str]] = [
    ("new-stage-id", "New"),
    ("attempting-stage-id", "Attempting"),
    ("connected-stage-id", "Connected"),
    ("qualified-stage-id", "Qualified"),
    ("unqualified-stage-id", "Disqualified"),
]
OPEN_LEAD_STAGES = ("new-stage-id", "attempting-stage-id", "connected-stage-id")
CLOSED_LEAD_STAGES = ("qualified-stage-id", "unqualified-stage-id")

DEAL_PIPELINE_ID = "default"
DEAL_STAGES: list[tuple[str, str, dict[str, str]]] = [
    ("appointmentscheduled", "Appointment Scheduled", {"isClosed": "false", "probability": "0.2"}),
    ("qualifiedtobuy", "Qualified To Buy", {"isClosed": "false", "probability": "0.4"}),
    ("presentationscheduled", "Presentation Scheduled", {"isClosed": "false", "probability": "0.6"}),
    ("decisionmakerboughtin", "Decision Maker Bought-In", {"isClosed": "false", "probability": "0.8"}),
    ("contractsent", "Contract Sent", {"isClosed": "false", "probability": "0.9"}),
    ("closedwon", "Closed Won", {"isClosed": "true", "probability": "1.0"}),
    ("closedlost", "Closed Lost", {"isClosed": "true", "probability": "0.0"}),
]


def _stage(stage_id: str, label: str, order: int, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": dict(metadata),
        "createdAt": EPOCH_ISO,
        "updatedAt": PIPELINE_UPDATED_ISO,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipelines(object_type: str) -> list[dict[str, Any]]:
    """HubSpot `Pipeline` objects for a type (default pipelines have createdAt = epoch)."""
    if object_type == "leads":
        stages = [_stage(sid, label, i, {}) for i, (sid, label) in enumerate(LEAD_STAGES)]
        pid, label = LEAD_PIPELINE_ID, "Lead pipeline"
    elif object_type == "deals":
        stages = [_stage(sid, label, i, meta) for i, (sid, label, meta) in enumerate(DEAL_STAGES)]
        pid, label = DEAL_PIPELINE_ID, "Sales Pipeline"
    else:
        return []
    return [
        {
            "id": pid,
            "label": label,
            "displayOrder": 0,
            "stages": stages,
            "createdAt": EPOCH_ISO,
            "updatedAt": PIPELINE_UPDATED_ISO,
            "archived": False,
        }
    ]


def stage_ids(object_type: str, pipeline_id: str) -> list[str]:
    """Stage ids of one pipeline, in display order (empty if the pipeline is unknown)."""
    for pipeline in pipelines(object_type):
        if pipeline["id"] == pipeline_id:
            return [s["id"] for s in pipeline["stages"]]
    return []


# --- call dispositions (research §6) -------------------------------------------------------------

CONNECTED_DISPOSITION = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
DISPOSITIONS: list[tuple[str, str]] = [
    ("9d9162e7-6cf3-4944-bf63-4dff82258764", "Busy"),
    (CONNECTED_DISPOSITION, "Connected"),
    ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "Left live message"),
    ("b2cf5968-551e-4856-9783-52b3da59a7d0", "Left voicemail"),
    ("73a0d17f-1163-4015-bdd5-ec830791da20", "No answer"),
    ("17b47fee-58de-441e-a44c-c6300d46f273", "Wrong number"),
]
DISPOSITION_IDS = frozenset(d for d, _ in DISPOSITIONS)
