"""Builders for a small, realistic cache: the default lead pipeline, options and dispositions.

Shaped like HubSpot's JSON (pipelines, property options, dispositions, lead objects) so the same
parsers the pull uses are exercised. Other test modules may import these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leadboard.cache.store import Store
from leadboard.state import (
    CONNECTED_DISPOSITION_ID,
    PortalMeta,
    dispositions_from_json,
    options_from_property,
    stages_from_pipeline,
)

ME = "41629779"
OTHER_OWNER = "555"

PIPELINE_JSON: dict[str, Any] = {
    "id": "lead-pipeline-id",
    "label": "Lead pipeline",
    "displayOrder": 0,
    "stages": [
        {"id": "new-stage-id", "label": "New", "displayOrder": 0, "archived": False},
        {"id": "attempting-stage-id", "label": "Attempting", "displayOrder": 1, "archived": False},
        {"id": "connected-stage-id", "label": "Connected", "displayOrder": 2, "archived": False},
        {"id": "qualified-stage-id", "label": "Qualified", "displayOrder": 3, "archived": False},
        {"id": "unqualified-stage-id", "label": "Disqualified", "displayOrder": 4, "archived": False},
    ],
}
REASONS_JSON: dict[str, Any] = {
    "name": "hs_lead_disqualification_reason",
    "options": [
        {"value": "BAD_TIMING", "label": "Bad Timing", "displayOrder": 0, "hidden": False},
        {"value": "BUDGET_CONSTRAINTS", "label": "Budget Constraints", "displayOrder": 1, "hidden": False},
        {"value": "NOT_A_GOOD_FIT", "label": "Not a Good Fit", "displayOrder": 2, "hidden": False},
        {"value": "bounce cheques", "label": "Bounced cheques", "displayOrder": 3, "hidden": False},
        {"value": "OLD_REASON", "label": "Old reason", "displayOrder": 4, "hidden": True},
    ],
}
TYPES_JSON: dict[str, Any] = {
    "name": "hs_lead_type",
    "options": [
        {"value": "NEW_BUSINESS", "label": "New business", "displayOrder": 0},
        {"value": "UPSELL", "label": "Upsell", "displayOrder": 1},
        {"value": "RE_ATTEMPTING", "label": "Re-attempting", "displayOrder": 2},
    ],
}
LABELS_JSON: dict[str, Any] = {
    "name": "hs_lead_label",
    "options": [
        {"value": v, "label": v.title(), "displayOrder": i} for i, v in enumerate(["HOT", "WARM", "COLD"])
    ],
}
DISPOSITIONS_JSON: list[dict[str, Any]] = [
    {"id": "9d9162e7-6cf3-4944-bf63-4dff82258764", "label": "Busy", "deleted": False},
    {"id": CONNECTED_DISPOSITION_ID, "label": "Connected", "deleted": False},
    {"id": "b2cf5968-551e-4856-9783-52b3da59a7d0", "label": "Left voicemail", "deleted": False},
    {"id": "73a0d17f-1163-4015-bdd5-ec830791da20", "label": "No answer", "deleted": False},
]
NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"


def default_meta(owner_id: str | None = ME) -> PortalMeta:
    return PortalMeta(
        stages=stages_from_pipeline(PIPELINE_JSON),
        lead_types=options_from_property(TYPES_JSON),
        lead_labels=options_from_property(LABELS_JSON),
        disqualification_reasons=options_from_property(REASONS_JSON),
        dispositions=dispositions_from_json(DISPOSITIONS_JSON),
        owner_id=owner_id,
    )


def hubspot_lead(
    lead_id: str,
    name: str = "Jane Doe",
    *,
    stage: str = "new-stage-id",
    owner: str = ME,
    lead_type: str = "",
    created: str = "2026-01-05T10:00:00.000Z",
    **extra: str,
) -> dict[str, Any]:
    """A lead object as HubSpot returns it (all property values are strings; blank = cleared)."""
    props = {
        "hs_object_id": lead_id,
        "hs_lead_name": name,
        "hs_pipeline": "lead-pipeline-id",
        "hs_pipeline_stage": stage,
        "hubspot_owner_id": owner,
        "hs_lead_type": lead_type,
        "hs_lead_label": "",
        "hs_createdate": created,
        "hs_lastmodifieddate": created,
        "hs_lead_disqualification_reason": "",
        "hs_lead_disqualification_note": "",
    } | extra
    return {"id": lead_id, "properties": props, "createdAt": created, "updatedAt": created, "archived": False}


def seeded_store(path: Path, leads: int = 3) -> Store:
    """A cache with the default metadata and `leads` open leads owned by me (ids "1".."n")."""
    store = Store.open(path)
    store.save_portal_meta(default_meta())
    store.upsert_leads(
        hubspot_lead(str(i), f"Lead {i}", created=f"2026-01-{i % 28 + 1:02d}T10:00:00.000Z")
        for i in range(1, leads + 1)
    )
    return store
