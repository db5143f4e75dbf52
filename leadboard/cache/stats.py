"""The rep's numbers and the board's SLA states, computed from the cache. No UI, no network.

**First touch** of a lead is the earliest of:
- a call or note on the lead (the cache's `activities` with this `lead_id`) whose HubSpot owner is
  the lead's owner; timelines are cached when a lead is opened, so this is partial by design;
- HubSpot's `hs_lead_first_outreach_date` (HubSpot's own first call, email or meeting);
- the rep's own changes in the outbox that put a call or note on the lead (log call, note, move,
  qualify, disqualify), pushed or not yet pushed, but not discarded ones: a call logged a minute
  ago counts at once. A logged call counts at the time the rep gave for it.

**The period** of `stats_report(store, days)` is whole days in the SLA time zone: today and the
`days - 1` days before it. It covers the leads *created* in the period (a cohort), so the funnel's
conversions compare like with like; leads come from the read model (the rep's, not archived, with
pending changes applied, so a disqualify not yet pushed already counts as disqualified).

**Reached a step**, from what the cache keeps (the current stage, the timeline, HubSpot's outreach
date; HubSpot's stage history is not pulled):
- New: every lead of the period.
- Attempting: its stage is Attempting or later in the pipeline, or it is Qualified, or it has
  outreach: a call on the lead, a logged call, or `hs_lead_first_outreach_date`.
- Connected: its stage is Connected or later, or it is Qualified, or a call on the lead had the
  Connected outcome. (A lead is qualified after talking to someone, so Qualified implies both.)
- Qualified / Disqualified: its stage now.
Conversions: Attempting of New, Connected of Attempting, Qualified of Connected, and Disqualified
of New. **Speed to lead** is over the period's touched leads: the median and the 90th percentile
(nearest rank: the smallest time at least 90 % of them were touched within).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from leadboard.cache.lead_columns import TOUCH_KINDS as LEAD_TOUCH_KINDS
from leadboard.cache.outbox import OpState
from leadboard.cache.read_model import BoardLead
from leadboard.cache.store import Store
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.sla import SOURCE_PROPERTY, SlaFacts, SlaState, sla_state, zone_for
from leadboard.sla_settings import SlaSettings
from leadboard.state import (
    ATTEMPTING_STAGE_ID,
    CONNECTED_DISPOSITION_ID,
    CONNECTED_STAGE_ID,
    Option,
    PortalMeta,
)
from leadboard.stats_report import (
    Count,
    DayCount,
    FunnelStep,
    SlaSummary,
    SpeedToLead,
    StatsReport,
)
from leadboard.text import clean_untrusted

__all__ = ["PERIODS", "board_sla", "first_touches", "lead_facts", "stats_report"]

#: The periods the stats screen offers.
PERIODS: tuple[int, ...] = (7, 30, 90)
#: Outbox kinds that put a call or a note on the lead.
TOUCH_KINDS = LEAD_TOUCH_KINDS
_LIVE_STATES: tuple[OpState, ...] = (
    "pending",
    "in_flight",
    "unknown",
    "done",
    "failed",
    "conflict",
    "blocked",
)
_DEFAULT_RANKS = {ATTEMPTING_STAGE_ID: 1, CONNECTED_STAGE_ID: 2}


def _from_ms(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def first_touches(store: Store) -> dict[str, datetime]:
    """Each touched lead's first touch (UTC), by lead id; see the module doc for what counts.

    Read from the leads' stored `first_touch` column, which the store keeps current on every pull,
    activity write and outbox change (see `leadboard.cache.lead_columns`).
    """
    return {
        str(lead_id): datetime.fromtimestamp(first_ms / 1000, UTC)
        for lead_id, first_ms in store.db.conn.execute(
            "SELECT id, first_touch FROM leads WHERE first_touch IS NOT NULL"
        )
    }


@dataclass(frozen=True, slots=True)
class _Extra:
    source: str | None
    reason: str | None
    outreach: bool


def _extras(store: Store) -> dict[str, _Extra]:
    """Per lead: the entry source, HubSpot's disqualification reason, and HubSpot's outreach flag."""
    return {
        row[0]: _Extra(row[1], row[2], row[3] is not None)
        for row in store.db.conn.execute(
            "SELECT id, json_extract(props_json, ?), disqualification_reason, first_outreach_at "
            "FROM leads WHERE archived = 0",
            [f"$.{SOURCE_PROPERTY}"],
        )
    }


def lead_facts(row: BoardLead, source: str | None) -> SlaFacts:
    """What the SLA needs about a board row (whose `created_at` is epoch ms)."""
    return SlaFacts.from_ms(row.created_at, row.label, source)


def board_sla(
    store: Store, settings: SlaSettings, now: datetime, leads: Sequence[BoardLead] | None = None
) -> dict[str, SlaState]:
    """SLA state of each lead on the board (default: the rep's open leads), by lead id.

    For the board's load worker: `states = board_sla(store, settings.sla, now, rows)`, then
    `sla.describe(states[row.id])` per card and `sla.urgency_key(states[row.id], row.id)` to sort.
    """
    rows = store.board(view="open") if leads is None else leads
    touches = first_touches(store)
    extras = _extras(store)
    zone = zone_for(settings)
    return {
        row.id: sla_state(
            lead_facts(row, extras[row.id].source if row.id in extras else None),
            touches.get(row.id),
            now,
            settings,
            zone,
        )
        for row in rows
    }


# --- the report -------------------------------------------------------------------------------------


def _stage_ranks(meta: PortalMeta) -> dict[str, int]:
    """0 for New-like stages, 1 from Attempting on, 2 from Connected on (open stages only)."""
    stages = meta.open_stages
    if not stages:
        return dict(_DEFAULT_RANKS)
    by_id = {s.id: s for s in stages}
    attempting = by_id.get(ATTEMPTING_STAGE_ID) or (stages[1] if len(stages) > 1 else None)
    connected = by_id.get(CONNECTED_STAGE_ID) or (stages[2] if len(stages) > 2 else None)
    ranks: dict[str, int] = {}
    for stage in stages:
        rank = 0
        if attempting is not None and stage.display_order >= attempting.display_order:
            rank = 1
        if connected is not None and stage.display_order >= connected.display_order:
            rank = 2
        ranks[stage.id] = rank
    return ranks


def _connected_outcomes(meta: PortalMeta) -> set[str]:
    return {CONNECTED_DISPOSITION_ID} | {d.id for d in meta.dispositions if d.label.casefold() == "connected"}


def _call_evidence(store: Store, connected: set[str]) -> tuple[set[str], set[str]]:
    """Leads with any call, and leads with a Connected call, from the cache and the rep's ops."""
    called: set[str] = set()
    reached: set[str] = set()
    for lead_id, disposition in store.db.conn.execute(
        "SELECT lead_id, disposition_id FROM activities WHERE kind = 'call' AND lead_id IS NOT NULL"
    ):
        called.add(lead_id)
        if disposition in connected:
            reached.add(lead_id)
    for op in store.outbox.ops(states=_LIVE_STATES):
        if isinstance(op.command, LogCall):
            called.add(op.lead_id)
            if op.command.outcome_id in connected:
                reached.add(op.lead_id)
    return called, reached


def _pending_reasons(store: Store) -> dict[str, str]:
    """The reason of each not-yet-pushed disqualify (the latest per lead)."""
    reasons: dict[str, str] = {}
    for op in store.outbox.ops(states=("pending", "in_flight", "unknown", "failed", "conflict", "blocked")):
        if isinstance(op.command, Disqualify):
            reasons[op.lead_id] = op.command.reason
    return reasons


def _source_options(store: Store) -> list[Option]:
    """The portal's labels for the source property, if the pull stored them."""
    return [
        Option(value=r[0], label=r[1])
        for r in store.db.conn.execute(
            "SELECT value, label FROM property_options WHERE property = ? ORDER BY display_order",
            [SOURCE_PROPERTY],
        )
    ]


def _readable(value: str) -> str:
    """A raw enumeration value shown when the portal's label is unknown: DEMO_REQUEST → Demo request."""
    text = clean_untrusted(value).strip()
    if text.isupper() or "_" in text:
        text = text.replace("_", " ").strip().capitalize()
    return text or value


def _counts(values: Iterable[str | None], options: Sequence[Option], missing: str) -> list[Count]:
    """Counts per value, most first, each with the portal's label (or a readable raw value)."""
    labels = {o.value: o.label for o in options}
    tally = Counter(values)
    items = [
        Count(
            key=None if key is None else clean_untrusted(key),
            label=missing if key is None else labels.get(key) or _readable(key),
            count=n,
        )
        for key, n in tally.items()
    ]
    return sorted(items, key=lambda c: (-c.count, c.label.casefold()))


def _nearest_rank(values: Sequence[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _period(now: datetime, days: int, zone: tzinfo) -> datetime:
    """Local midnight `days - 1` days before today: the first instant of the period."""
    today = now.astimezone(zone).date()
    return datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=zone)


def stats_report(
    store: Store, days: int, *, sla: SlaSettings | None = None, now: datetime | None = None
) -> StatsReport:
    """The rep's numbers for the leads created in the last `days` days (see the module doc).

    `sla` defaults to the built-in targets, `now` to the current time. Empty data gives zeros.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    sla = sla or SlaSettings()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    zone = zone_for(sla)
    since = _period(now, days, zone)
    since_ms, now_ms = int(since.timestamp() * 1000), int(now.timestamp() * 1000)

    meta = store.portal_meta()
    cohort = [
        row
        for row in store.board(view="all")
        if row.created_at is not None and since_ms <= row.created_at <= now_ms
    ]
    extras = _extras(store)
    touches = first_touches(store)
    called, connected_calls = _call_evidence(store, _connected_outcomes(meta))
    pending_reasons = _pending_reasons(store)
    ranks = _stage_ranks(meta)
    qualified_id, unqualified_id = meta.qualified_stage_id, meta.unqualified_stage_id

    reached = Counter[str]()
    delays: list[float] = []
    sla_counts = Counter[str]()
    breached_untouched = 0
    reasons: list[str | None] = []
    per_day = Counter[str]()
    for row in cohort:
        extra = extras.get(row.id, _Extra(None, None, False))
        qualified = row.stage_id == qualified_id
        rank = 2 if qualified else ranks.get(row.stage_id or "", 0)
        reached["new"] += 1
        if rank >= 1 or extra.outreach or row.id in called:
            reached["attempting"] += 1
        if rank >= 2 or row.id in connected_calls:
            reached["connected"] += 1
        if qualified:
            reached["qualified"] += 1
        if row.stage_id == unqualified_id:
            reached["disqualified"] += 1
            reasons.append(pending_reasons.get(row.id, extra.reason))

        touch = touches.get(row.id)
        created = _from_ms(row.created_at)
        assert created is not None
        if touch is not None:
            delays.append(max(0.0, (touch - created).total_seconds()))
        state = sla_state(lead_facts(row, extra.source), touch, now, sla, zone)
        sla_counts[state.status] += 1
        if state.status == "breached" and not state.touched:
            breached_untouched += 1
        per_day[created.astimezone(zone).date().isoformat()] += 1

    steps = [
        ("new", None, _label(meta, "", 0, "New")),
        ("attempting", "new", _label(meta, ATTEMPTING_STAGE_ID, 1, "Attempting")),
        ("connected", "attempting", _label(meta, CONNECTED_STAGE_ID, 2, "Connected")),
        ("qualified", "connected", meta.stage_label(qualified_id) if meta.stages else "Qualified"),
        ("disqualified", "new", meta.stage_label(unqualified_id) if meta.stages else "Disqualified"),
    ]
    funnel = [
        FunnelStep(
            key=key,
            label=label,
            count=reached[key],
            share_of=of,
            share=(reached[key] / reached[of]) if of and reached[of] else None,
        )
        for key, of, label in steps
    ]

    with_sla = sla_counts["met"] + sla_counts["breached"] + sla_counts["untouched"]
    first_day = since.date()
    return StatsReport(
        days=days,
        since=since,
        until=now.astimezone(zone),
        time_zone=str(zone),
        owner_id=meta.owner_id,
        leads=len(cohort),
        funnel=funnel,
        speed_to_lead=SpeedToLead(
            touched=len(delays),
            untouched=len(cohort) - len(delays),
            median_seconds=statistics.median(delays) if delays else None,
            p90_seconds=_nearest_rank(delays, 0.9),
        ),
        sla=SlaSummary(
            with_sla=with_sla,
            met=sla_counts["met"],
            breached=sla_counts["breached"],
            breached_untouched=breached_untouched,
            waiting=sla_counts["untouched"],
            no_sla=sla_counts["none"],
            breach_share=sla_counts["breached"] / with_sla if with_sla else None,
        ),
        disqualification_reasons=_counts(reasons, meta.disqualification_reasons, "No reason given"),
        by_source=_counts(
            (extras[r.id].source if r.id in extras else None for r in cohort),
            _source_options(store),
            "No source",
        ),
        by_type=_counts((r.lead_type for r in cohort), meta.lead_types, "No type"),
        by_label=_counts((r.label for r in cohort), meta.lead_labels, "No label"),
        per_day=[
            DayCount(day=day, count=per_day[day.isoformat()])
            for day in (first_day + timedelta(days=i) for i in range(days))
        ],
    )


def _label(meta: PortalMeta, stage_id: str, position: int, fallback: str) -> str:
    """The portal's label for a funnel step: its default stage id, else the stage at that position."""
    found = meta.stage(stage_id)
    if found is not None:
        return found.label
    stages = meta.open_stages
    return stages[position].label if len(stages) > position else fallback
