"""The seed looks like a portal someone works every day: lead ages and activity follow the stage.

What the rep notices: New leads are fresh (the board counts down to live SLA deadlines instead of
reading "breached 87 d ago" everywhere), worked leads were called after they arrived, and every
date is relative to the portal's clock.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from leadboard.sandbox.catalog import CONNECTED_DISPOSITION
from leadboard.sandbox.portal import Portal, PortalSettings
from leadboard.sandbox.records import iso, parse_instant
from leadboard.sla import SlaFacts, sla_state
from leadboard.sla_settings import SlaSettings
from tests.sandbox.portal_support import FakeClock, small_portal

HOUR, DAY = 3_600_000, 86_400_000
NEW, ATTEMPTING, CONNECTED = "new-stage-id", "attempting-stage-id", "connected-stage-id"
QUALIFIED, DISQUALIFIED = "qualified-stage-id", "unqualified-stage-id"


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()  # Monday 21 September 2026, 14:13 UTC


@pytest.fixture(scope="module")
def portal(clock: FakeClock) -> Portal:
    """The demo rep's 150 open leads, as in the default portal, with fewer colleagues' leads."""
    return Portal(PortalSettings(seed=7, rep_leads=150, other_leads=300, owners=4, clock=clock))


def ms(value: str | None) -> int | None:
    return parse_instant(value) if value else None


def leads_by_stage(portal: Portal) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for lead in portal.objects("leads"):
        found.setdefault(lead["properties"]["hs_pipeline_stage"], []).append(lead["properties"])
    return found


def ages_in_days(leads: list[dict[str, str]], now_ms: int) -> list[float]:
    return [(now_ms - (ms(p["hs_createdate"]) or 0)) / DAY for p in leads]


def test_new_leads_are_fresh_with_a_few_stale_ones(portal: Portal, clock: FakeClock) -> None:
    ages = ages_in_days(leads_by_stage(portal)[NEW], int(clock.now * 1000))
    assert len(ages) > 100
    assert all(0 < a <= 30 for a in ages)
    within_three_days = sum(a <= 3 for a in ages) / len(ages)
    within_two_hours = sum(a <= 2 / 24 for a in ages) / len(ages)
    stale = sum(a > 3 for a in ages)
    assert within_three_days >= 0.8
    assert within_two_hours >= 0.2
    assert 0 < stale <= 0.15 * len(ages)


def test_worked_and_closed_leads_are_older_by_stage(portal: Portal, clock: FakeClock) -> None:
    by_stage = leads_by_stage(portal)
    now_ms = int(clock.now * 1000)
    attempting = ages_in_days(by_stage[ATTEMPTING], now_ms)
    connected = ages_in_days(by_stage[CONNECTED], now_ms)
    closed = ages_in_days(by_stage[QUALIFIED] + by_stage[DISQUALIFIED], now_ms)
    assert attempting and all(1 <= a <= 21 for a in attempting)
    assert connected and all(3 <= a <= 45 for a in connected)
    assert closed and all(0.5 <= a <= 90 for a in closed)
    # Spread over the 90 days the stats look back on, not bunched at one end.
    assert Counter(min(int(a // 30), 2) for a in closed).keys() == {0, 1, 2}


def linked(portal: Portal, lead_id: str, to_type: str) -> list[dict[str, Any]]:
    """The lead's calls or notes with all their properties, through the v4 association list."""
    every = {o["id"]: o for o in portal.objects(to_type)}
    ids = [str(r["toObjectId"]) for r in portal.association_page("leads", lead_id, to_type)["results"]]
    return [every[i] for i in ids]


def test_activity_matches_the_stage(clock: FakeClock) -> None:
    portal = small_portal(clock, rep_leads=40, other_leads=40, owners=3)
    now_ms = int(clock.now * 1000)
    seen: Counter[str] = Counter()
    for lead in portal.objects("leads"):
        p = lead["properties"]
        stage, created = p["hs_pipeline_stage"], ms(p["hs_createdate"]) or 0
        entered, modified = ms(p["hs_v2_date_entered_current_stage"]), ms(p["hs_lastmodifieddate"])
        calls = linked(portal, lead["id"], "calls")
        notes = linked(portal, lead["id"], "notes")
        call_times = sorted(ms(c["properties"]["hs_timestamp"]) or 0 for c in calls)
        activity = call_times + [ms(n["properties"]["hs_timestamp"]) or 0 for n in notes]
        first = ms(p.get("hs_lead_first_outreach_date"))
        assert entered is not None and modified is not None
        assert created <= entered <= modified <= now_ms
        assert all(created < t <= modified for t in activity)
        if stage == NEW:
            assert (calls, notes, first, entered) == ([], [], None, created)
            seen["new untouched"] += 1
            continue
        if stage == DISQUALIFIED and not calls:
            assert first is None and entered > created
            seen["disqualified from New"] += 1
            continue
        assert first is not None and created < first == call_times[0] <= entered
        if stage == ATTEMPTING:
            assert entered == first  # the first call moved it out of New
        if stage in (CONNECTED, QUALIFIED):
            outcomes = [c["properties"]["hs_call_disposition"] for c in calls]
            assert CONNECTED_DISPOSITION in outcomes
        seen[stage] += 1
    assert set(seen) >= {"new untouched", ATTEMPTING, CONNECTED, QUALIFIED, DISQUALIFIED}


def test_the_reps_new_leads_show_live_countdowns_and_fresh_breaches(portal: Portal, clock: FakeClock) -> None:
    """Under the default rules (hot/demo/pricing 1 hour) the board has something to count down."""
    settings = SlaSettings(time_zone="UTC")
    now = datetime.fromtimestamp(clock.now, UTC)
    states = []
    for p in leads_by_stage(portal)[NEW]:
        if p["hubspot_owner_id"] != portal.rep_owner_id:
            continue
        created = datetime.fromtimestamp((ms(p["hs_createdate"]) or 0) / 1000, UTC)
        states.append(
            sla_state(SlaFacts(created, p.get("hs_lead_label"), p.get("lead_source")), None, now, settings)
        )
    hour_rules = [s for s in states if s.target is not None and s.target.unit == "hours"]
    counting_down = [s for s in hour_rules if s.remaining is not None]
    fresh_breaches = [s for s in hour_rules if s.overdue is not None and s.overdue.total_seconds() < 3 * 3600]
    assert counting_down and all(s.remaining and s.remaining.total_seconds() <= 3600 for s in counting_down)
    assert any(s.due_soon for s in counting_down)
    assert fresh_breaches
    breached = [s for s in states if s.status == "breached"]
    assert 0 < len(breached) < len(states)
    assert all(s.overdue is not None and s.overdue.days <= 30 for s in breached)


def test_dates_follow_the_portals_clock() -> None:
    """The same seed a day and a half later: the same portal, every date moved by that much."""
    shift_ms = 36 * HOUR
    early, late = FakeClock(), FakeClock()
    late.advance(shift_ms / 1000)
    a, b = small_portal(early), small_portal(late)
    for object_type in ("companies", "contacts", "leads", "calls", "notes", "deals"):
        before, after = a.objects(object_type), b.objects(object_type)
        assert [o["id"] for o in before] == [o["id"] for o in after] and before
        for x, y in zip(before, after, strict=True):
            for key, value in x["properties"].items():
                if key.endswith("date") or key in ("hs_timestamp", "hs_v2_date_entered_current_stage"):
                    assert (ms(y["properties"][key]) or 0) - (ms(value) or 0) == shift_ms, key


def test_live_new_leads_arrive_now(clock: FakeClock) -> None:
    live_clock = FakeClock(clock.now)
    portal = small_portal(live_clock, search_lag=0.0)
    rng = random.Random(5)
    before = {o["id"] for o in portal.objects("leads")}
    arrived: list[dict[str, str]] = []
    for _ in range(20):
        live_clock.advance(90)
        if (portal.live_tick(rng) or "").startswith("New lead"):
            (new_id,) = (
                {o["id"] for o in portal.objects("leads")} - before - {a["hs_object_id"] for a in arrived}
            )
            arrived.append(next(o["properties"] for o in portal.objects("leads") if o["id"] == new_id))
            now = iso(int(live_clock.now * 1000))
            assert arrived[-1]["hs_createdate"] == arrived[-1]["hs_v2_date_entered_current_stage"] == now
    assert arrived
