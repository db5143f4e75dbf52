"""The rep's stats from a cache filled from a seeded sandbox portal, checked against its raw objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from leadboard.cache.stats import board_sla, first_touches, stats_report
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.sandbox.portal import Portal
from leadboard.sla import describe
from leadboard.sla_settings import SlaSettings
from leadboard.state import CONNECTED_DISPOSITION_ID, LEAD_PROPERTIES
from leadboard.stats_report import StatsReport, format_stats
from leadboard.sync.pull import pull_leads, pull_timeline
from tests.stats_support import CLOCK_SLA, NOW, expected_numbers, fill_cache, portal_settings, seeded_portal
from tests.sync.pull_support import pull_setup

SLA = SlaSettings.parse(CLOCK_SLA)


@pytest.fixture(scope="module")
def portal() -> Portal:
    return seeded_portal()


@pytest.fixture
def store(tmp_path: Path, portal: Portal) -> Iterator[Store]:
    with Store.open(tmp_path / "cache.sqlite") as opened:
        fill_cache(opened, portal)
        yield opened


def by_key(report: StatsReport) -> dict[str, int]:
    return {step.key: step.count for step in report.funnel}


@pytest.mark.parametrize("days", [7, 30, 90])
def test_report_matches_the_portals_own_numbers(store: Store, portal: Portal, days: int) -> None:
    report = stats_report(store, days, sla=SLA, now=NOW)
    expected = expected_numbers(portal, days)
    assert expected.leads > 0
    assert report.leads == expected.leads
    assert by_key(report) == {k: expected.funnel[k] for k in by_key(report)}
    speed = report.speed_to_lead
    assert (speed.touched, speed.untouched) == (len(expected.delays), expected.leads - len(expected.delays))
    assert speed.median_seconds == pytest.approx(expected.median)
    assert speed.p90_seconds == pytest.approx(expected.p90)
    sla = report.sla
    assert (sla.met, sla.breached, sla.waiting, sla.no_sla) == (
        expected.met,
        expected.breached,
        expected.waiting,
        expected.no_sla,
    )
    assert {c.label: c.count for c in report.disqualification_reasons} == dict(expected.reasons)
    assert {c.key: c.count for c in report.by_source} == dict(expected.sources)
    assert {c.key: c.count for c in report.by_type} == dict(expected.types)
    assert {c.key: c.count for c in report.by_label} == dict(expected.labels)
    assert len(report.per_day) == days
    assert sum(d.count for d in report.per_day) == expected.leads


def test_report_after_a_real_pull_from_the_sandbox(tmp_path: Path) -> None:
    """The pull (HTTP, the real client) fills the cache; the timelines come as the board asks for them."""
    with pull_setup(tmp_path, portal_settings()) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        # Timelines are pulled when the rep opens a lead: here, the last week's open leads.
        week = stats_report(store, 7, sla=SLA, now=NOW)
        opened = [
            r.id
            for r in store.board(view="open")
            if r.created_at and r.created_at >= week.since.timestamp() * 1000
        ]
        assert opened
        assert sum(pull_timeline(store, gateway, lead_id) for lead_id in opened) > 0
        sources = "lead_source" in LEAD_PROPERTIES  # until the pull asks for it, no source rule applies
        for days in (7, 90):
            report = stats_report(store, days, sla=SLA, now=NOW)
            expected = expected_numbers(sandbox.portal, days, sources=sources)
            assert report.leads == expected.leads > 0
            assert by_key(report) == {k: expected.funnel[k] for k in by_key(report)}
            assert report.speed_to_lead.touched == len(expected.delays)
            assert report.speed_to_lead.median_seconds == pytest.approx(expected.median)
            assert report.speed_to_lead.p90_seconds == pytest.approx(expected.p90)
            assert (report.sla.met, report.sla.breached, report.sla.waiting, report.sla.no_sla) == (
                expected.met,
                expected.breached,
                expected.waiting,
                expected.no_sla,
            )
            assert {c.label: c.count for c in report.disqualification_reasons} == dict(expected.reasons)
            assert {c.key: c.count for c in report.by_source} == dict(expected.sources)


def test_the_periods_grow_and_conversions_are_the_step_ratios(store: Store) -> None:
    reports = [stats_report(store, days, sla=SLA, now=NOW) for days in (7, 30, 90)]
    assert reports[0].leads <= reports[1].leads < reports[2].leads
    funnel = {step.key: step for step in reports[2].funnel}
    assert funnel["attempting"].share_of == "new"
    assert funnel["attempting"].share == pytest.approx(funnel["attempting"].count / funnel["new"].count)
    assert funnel["qualified"].share == pytest.approx(funnel["qualified"].count / funnel["connected"].count)
    assert funnel["disqualified"].share == pytest.approx(funnel["disqualified"].count / funnel["new"].count)
    assert [step.label for step in reports[2].funnel] == [
        "New",
        "Attempting",
        "Connected",
        "Qualified",
        "Disqualified",
    ]


def test_json_and_text_forms(store: Store) -> None:
    report = stats_report(store, 30, sla=SLA, now=NOW)
    data = json.loads(json.dumps(report.model_dump(mode="json")))
    assert data["days"] == 30 and data["leads"] == report.leads
    assert data["funnel"][0] == {
        "key": "new",
        "label": "New",
        "count": report.leads,
        "share_of": None,
        "share": None,
    }
    assert StatsReport.model_validate(data) == report
    text = format_stats(report)
    new_line = next(line for line in text.splitlines() if line.strip().startswith("New "))
    assert str(report.leads) in new_line
    assert "Speed to lead" in text and "breached" in text
    assert "\x1b" not in text


def test_an_empty_cache_gives_zeros(tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty.sqlite") as empty:
        report = stats_report(empty, 7, now=NOW)
        assert report.leads == 0
        assert all(step.count == 0 and step.share is None for step in report.funnel)
        assert report.speed_to_lead.median_seconds is None and report.speed_to_lead.p90_seconds is None
        assert report.sla.breach_share is None and report.sla.with_sla == 0
        assert report.by_source == [] and report.disqualification_reasons == []
        assert [d.count for d in report.per_day] == [0] * 7
        assert "(none)" in format_stats(report)
        assert board_sla(empty, SLA, NOW) == {}
    with pytest.raises(ValueError):
        stats_report(empty, 0)


def _untouched_open_lead(store: Store, portal: Portal) -> str:
    """A lead of the rep's, created in the last week, still New and never touched."""
    touched = first_touches(store)
    for obj in reversed(portal.objects("leads")):
        p = obj["properties"]
        if (
            p.get("hubspot_owner_id") == portal.rep_owner_id
            and p["hs_pipeline_stage"] == "new-stage-id"
            and obj["id"] not in touched
            and (p.get("hs_lead_label") or p.get("lead_source") in ("DEMO_REQUEST", "PRICING_PAGE"))
        ):
            return str(obj["id"])
    raise AssertionError("the seeded portal has no untouched lead with an SLA")


def test_the_reps_pending_changes_count_at_once(store: Store, portal: Portal) -> None:
    lead_id = _untouched_open_lead(store, portal)
    before = stats_report(store, 90, sla=SLA, now=NOW)
    state = board_sla(store, SLA, NOW)[lead_id]
    assert not state.touched

    called_at = NOW - timedelta(minutes=10)
    store.outbox.enqueue(
        LogCall(lead_id=lead_id, outcome_id=CONNECTED_DISPOSITION_ID, note="Spoke to her", at=called_at)
    )
    assert first_touches(store)[lead_id] == called_at
    after_call = stats_report(store, 90, sla=SLA, now=NOW)
    assert by_key(after_call)["attempting"] == by_key(before)["attempting"] + 1
    assert by_key(after_call)["connected"] == by_key(before)["connected"] + 1
    assert after_call.speed_to_lead.touched == before.speed_to_lead.touched + 1
    assert after_call.sla.breached_untouched == before.sla.breached_untouched - (state.status == "breached")
    assert describe(board_sla(store, SLA, NOW)[lead_id]).startswith("touched")

    store.outbox.enqueue(Disqualify(lead_id=lead_id, reason="Bad Timing", note="Next quarter"))
    after_dq = stats_report(store, 90, sla=SLA, now=NOW)
    assert by_key(after_dq)["disqualified"] == by_key(before)["disqualified"] + 1
    reasons = {c.key: c.count for c in after_dq.disqualification_reasons}
    was = {c.key: c.count for c in before.disqualification_reasons}
    assert reasons["BAD_TIMING"] == was.get("BAD_TIMING", 0) + 1
    assert lead_id not in board_sla(store, SLA, NOW)  # closed: off the board


def test_a_discarded_note_does_not_count_as_a_touch(store: Store, portal: Portal) -> None:
    lead_id = _untouched_open_lead(store, portal)
    op = store.outbox.enqueue(AddNote(lead_id=lead_id, text="Draft"), now=int(NOW.timestamp() * 1000))
    assert first_touches(store)[lead_id] == NOW
    store.outbox.discard(op.op_id)
    assert lead_id not in first_touches(store)


def test_only_the_owners_own_calls_and_notes_are_touches(store: Store, portal: Portal) -> None:
    lead_id = _untouched_open_lead(store, portal)
    note = {
        "properties": {"hs_timestamp": (NOW - timedelta(hours=2)).isoformat(), "hs_note_body": "<p>hi</p>"}
    }
    store.upsert_activities(
        "note",
        [{"id": "n-other", **note, "properties": {**note["properties"], "hubspot_owner_id": "999"}}],
        lead_id,
        None,
    )
    assert lead_id not in first_touches(store)
    own = {**note["properties"], "hubspot_owner_id": portal.rep_owner_id}
    store.upsert_activities("note", [{"id": "n-own", "properties": own}], lead_id, None)
    assert first_touches(store)[lead_id] == NOW - timedelta(hours=2)


def test_board_states_cover_the_open_leads_in_plain_words(store: Store) -> None:
    states = board_sla(store, SLA, NOW)
    open_ids = {row.id for row in store.board(view="open")}
    assert set(states) == open_ids
    words = {describe(s) for s in states.values()}
    assert any(w.startswith("breached ") and w.endswith(" ago") for w in words)
    assert "touched" in words or any(w.startswith("touched ") for w in words)


def test_hostile_source_values_are_cleaned_for_display(store: Store, portal: Portal) -> None:
    lead = next(
        o
        for o in reversed(portal.objects("leads"))
        if o["properties"]["hubspot_owner_id"] == portal.rep_owner_id
    )
    props = {**lead["properties"], "lead_source": "EVIL\x1b[2J_SOURCE\u202e"}
    store.upsert_leads([{**lead, "properties": props}])
    report = stats_report(store, 90, sla=SLA, now=NOW)
    labels = [c.label for c in report.by_source]
    assert "Evil source" in labels
    assert not any("\x1b" in label or "\u202e" in label for label in labels)
