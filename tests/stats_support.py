"""A cache filled from a seeded sandbox portal, and the portal's own numbers worked out from raw objects.

`fill_cache` writes what the pull writes (metadata, the rep's and others' leads with the lead
properties the pull asks for plus `lead_source`, and each lead's calls and notes) through the
store's own API. `expected_numbers` never reads the cache: it works from `portal.objects(...)`
and the portal's associations, so a wrong query in `leadboard.cache.stats` cannot hide behind itself.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from leadboard.cache.store import Store
from leadboard.sandbox.portal import Portal, PortalSettings
from leadboard.state import (
    CONNECTED_DISPOSITION_ID,
    LEAD_PROPERTIES,
    PortalMeta,
    dispositions_from_json,
    options_from_property,
    stages_from_pipeline,
)

#: The portal's clock and "now" for the report: Friday 20 March 2026, 15:00 UTC.
NOW = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
ZONE = "Europe/Paris"
#: Clock-hour targets only, so the expected breaches need no business-hour arithmetic here.
CLOCK_SLA: dict[str, Any] = {
    "time_zone": ZONE,
    "by_label": {"hot": "1 hour", "warm": "24 hours", "cold": "72 hours"},
    "by_source": {"demo": "2 hours", "pricing": "3 hours"},
    "default": "none",  # the expected numbers count leads no rule names as "no SLA"
}
_TARGETS = {"HOT": 1, "WARM": 24, "COLD": 72, "DEMO_REQUEST": 2, "PRICING_PAGE": 3}


def portal_settings() -> PortalSettings:
    return PortalSettings(
        seed=11, rep_leads=60, other_leads=40, owners=3, clock=NOW.timestamp, search_lag=0.0
    )


def seeded_portal() -> Portal:
    return Portal(portal_settings())


def _ms(text: str | None) -> int | None:
    if not text:
        return None
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def portal_meta(portal: Portal) -> PortalMeta:
    return PortalMeta(
        stages=stages_from_pipeline(portal.list_pipelines("leads")["results"][0]),
        lead_types=options_from_property(portal.get_property("leads", "hs_lead_type")),
        lead_labels=options_from_property(portal.get_property("leads", "hs_lead_label")),
        disqualification_reasons=options_from_property(
            portal.get_property("leads", "hs_lead_disqualification_reason")
        ),
        dispositions=dispositions_from_json(portal.dispositions()),
        owner_id=portal.rep_owner_id,
    )


def _linked(portal: Portal, lead_id: str, to_type: str) -> list[str]:
    return [str(r["toObjectId"]) for r in portal.association_page("leads", lead_id, to_type)["results"]]


def fill_cache(store: Store, portal: Portal) -> None:
    """Write the portal's leads, metadata and timelines into the cache as the pull would."""
    store.save_portal_meta(portal_meta(portal), portal.settings.rep_email)
    wanted = {*LEAD_PROPERTIES, "lead_source"}
    leads = portal.objects("leads")
    store.upsert_leads(
        {**obj, "properties": {k: v for k, v in obj["properties"].items() if k in wanted}} for obj in leads
    )
    by_kind = {kind: {o["id"]: o for o in portal.objects(kind)} for kind in ("calls", "notes")}
    for lead in leads:
        contact = lead["properties"].get("hs_primary_contact_id")
        for kind, object_type in (("call", "calls"), ("note", "notes")):
            objects = [by_kind[object_type][i] for i in _linked(portal, lead["id"], object_type)]
            if objects:
                store.upsert_activities(kind, objects, lead["id"], contact)


@dataclass
class Expected:
    leads: int = 0
    funnel: Counter[str] = field(default_factory=Counter)
    delays: list[float] = field(default_factory=list)
    breached: int = 0
    met: int = 0
    waiting: int = 0
    no_sla: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    sources: Counter[str | None] = field(default_factory=Counter)
    types: Counter[str | None] = field(default_factory=Counter)
    labels: Counter[str | None] = field(default_factory=Counter)

    @property
    def median(self) -> float | None:
        return statistics.median(self.delays) if self.delays else None

    @property
    def p90(self) -> float | None:
        ordered = sorted(self.delays)
        return ordered[math.ceil(0.9 * len(ordered)) - 1] if ordered else None


def expected_numbers(portal: Portal, days: int, now: datetime = NOW, *, sources: bool = True) -> Expected:
    """The rep's numbers for the last `days` local days, from the portal's raw objects only.

    `sources=False`: as a cache that never received `lead_source` sees them (no source rules apply).
    """
    zone = ZoneInfo(ZONE)
    today = now.astimezone(zone).date()
    since = datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=zone)
    since_ms, now_ms = int(since.timestamp() * 1000), int(now.timestamp() * 1000)
    reason_labels = {
        o["value"]: o["label"]
        for o in portal.get_property("leads", "hs_lead_disqualification_reason")["options"]
    }
    calls = {o["id"]: o for o in portal.objects("calls")}
    notes = {o["id"]: o for o in portal.objects("notes")}
    rep = portal.rep_owner_id
    out = Expected()
    for lead in portal.objects("leads"):
        p = dict(lead["properties"])
        if not sources:
            p.pop("lead_source", None)
        created = _ms(p["hs_createdate"])
        if p.get("hubspot_owner_id") != rep or created is None or not since_ms <= created <= now_ms:
            continue
        stage = p["hs_pipeline_stage"]
        lead_calls = [calls[i] for i in _linked(portal, lead["id"], "calls")]
        lead_notes = [notes[i] for i in _linked(portal, lead["id"], "notes")]
        out.leads += 1
        out.funnel["new"] += 1
        outreach = bool(lead_calls) or bool(p.get("hs_lead_first_outreach_date"))
        if stage in ("attempting-stage-id", "connected-stage-id", "qualified-stage-id") or outreach:
            out.funnel["attempting"] += 1
        connected_call = any(
            c["properties"].get("hs_call_disposition") == CONNECTED_DISPOSITION_ID for c in lead_calls
        )
        if stage in ("connected-stage-id", "qualified-stage-id") or connected_call:
            out.funnel["connected"] += 1
        if stage == "qualified-stage-id":
            out.funnel["qualified"] += 1
        if stage == "unqualified-stage-id":
            out.funnel["disqualified"] += 1
            out.reasons[reason_labels[p["hs_lead_disqualification_reason"]]] += 1
        touches = [
            _ms(o["properties"]["hs_timestamp"])
            for o in lead_calls + lead_notes
            if o["properties"].get("hubspot_owner_id") == p.get("hubspot_owner_id")
        ]
        touches.append(_ms(p.get("hs_lead_first_outreach_date")))
        first = min((t for t in touches if t is not None), default=None)
        if first is not None:
            out.delays.append(max(0, first - created) / 1000)
        targets = [h for key, h in _TARGETS.items() if key in (p.get("hs_lead_label"), p.get("lead_source"))]
        if not targets:
            out.no_sla += 1
        else:
            deadline = created + min(targets) * 3_600_000
            if first is not None:
                out.met += first <= deadline
                out.breached += first > deadline
            elif now_ms > deadline:
                out.breached += 1
            else:
                out.waiting += 1
        out.sources[p.get("lead_source") or None] += 1
        out.types[p.get("hs_lead_type") or None] += 1
        out.labels[p.get("hs_lead_label") or None] += 1
    return out
