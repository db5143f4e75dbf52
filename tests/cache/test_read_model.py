"""The board's page query and the SLA columns: what the rep sees must not depend on the page size,
and the stored deadlines, first touches and urgent order must match `leadboard.sla` computed here
from the same data."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leadboard.cache.read_model import (
    SCHEMA_NEEDED,
    SORTS,
    BoardLead,
    open_for_first_read,
    read_first_board,
    stage_window,
)
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.sla import SlaFacts, sla_deadline, sla_state, state_from, urgency_key
from leadboard.sla_settings import SlaSettings
from tests.cache_fixtures import ME, NO_ANSWER, OTHER_OWNER, default_meta, hubspot_lead

#: Clock-time targets in UTC, so the machine's zone and business hours play no part.
SLA = SlaSettings.parse(
    {
        "by_label": {"hot": "1 hour", "warm": "8 hours", "cold": "72 hours"},
        "by_source": {"demo": "30 minutes"},
        "time_zone": "UTC",
        "default": "none",  # so the order's middle group (untouched, no SLA) has leads
    }
)
STAGES = ("new-stage-id", "attempting-stage-id", "connected-stage-id")
LABELS = ("HOT", "WARM", "COLD", "")
SOURCES = ("DEMO_REQUEST", "", "", "CONTENT", "")


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def created(i: int) -> datetime:
    return datetime(2026, 2, 1, tzinfo=UTC) + timedelta(hours=7 * i, minutes=i % 13)


def lead_object(i: int, **extra: str) -> dict[str, object]:
    return hubspot_lead(
        str(i),
        f"Lead {i:03d} {'Acme' if i % 3 else 'Globex'}",
        stage=STAGES[i % 3],
        created=created(i).isoformat().replace("+00:00", "Z"),
        hs_lead_label=LABELS[i % 4],
        lead_source=SOURCES[i % 5],
        hs_last_activity_date=created(i + 3).isoformat() if i % 2 else "",
        **extra,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """40 open leads of mine over three stages with labels and sources, 5 of another owner, a mix of
    touches: HubSpot's outreach date, calls and notes by the owner and by someone else, a task by the
    owner (no touch), the rep's ops."""
    with Store.open(tmp_path / "cache.sqlite") as opened:
        opened.save_portal_meta(default_meta())
        assert opened.apply_sla_settings(SLA)
        objects = [
            lead_object(
                i, **({"hs_lead_first_outreach_date": created(i + 1).isoformat()} if i % 7 == 0 else {})
            )
            for i in range(1, 41)
        ]
        objects += [hubspot_lead(f"o{i}", f"Other {i}", owner=OTHER_OWNER) for i in range(5)]
        opened.upsert_leads(objects)
        opened.upsert_activities("call", [activity("c5", 5, ME, hours=2)], "5", None)
        opened.upsert_activities("note", [activity("n6", 6, OTHER_OWNER, hours=1)], "6", None)
        opened.upsert_activities("task", [activity("t12", 12, ME, hours=1)], "12", None)
        opened.outbox.enqueue(
            AddNote(lead_id="9", text="left a message"), now=ms(created(9) + timedelta(hours=5))
        )
        opened.outbox.enqueue(MoveStage(lead_id="10", stage_id="connected-stage-id", note="talked"))
        opened.outbox.enqueue(SetLeadType(lead_id="11", lead_type="Upsell"))
        yield opened


def activity(activity_id: str, lead: int, owner: str, *, hours: int) -> dict[str, object]:
    stamp = (created(lead) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
    return {"id": activity_id, "properties": {"hs_timestamp": stamp, "hubspot_owner_id": owner}}


def expected_first_touch(store: Store, lead_id: str) -> datetime | None:
    """What issue 5 calls the first touch, from the raw data, independently of the stored column."""
    conn = store.db.conn
    moments = [
        r[0]
        for r in conn.execute(
            "SELECT a.timestamp FROM activities a JOIN leads l ON l.id = a.lead_id "
            "WHERE a.lead_id = ? AND a.owner_id = l.owner_id AND a.kind != 'task'",
            [lead_id],
        )
    ]
    outreach = conn.execute("SELECT first_outreach_at FROM leads WHERE id = ?", [lead_id]).fetchone()[0]
    if outreach is not None:  # HubSpot's first outreach settles it; only the rep's unpushed ops go first
        moments = [outreach]
    for op in store.outbox.ops(lead_id=lead_id):
        if (
            op.state == "cancelled"
            or op.kind == "set_lead_type"
            or (outreach is not None and op.state == "done")
        ):
            continue
        at = op.command.at if isinstance(op.command, LogCall) else None
        moments.append(ms(at) if at is not None else op.created_at)
    return datetime.fromtimestamp(min(moments) / 1000, UTC) if moments else None


def facts(lead: BoardLead, store: Store) -> SlaFacts:
    source = store.lead_properties(lead.id).get("lead_source") or None
    return SlaFacts.from_ms(lead.created_at, lead.label, source)


# --- paging -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("needle", ["", "acme", "lead 01", "nobody"])
def test_a_page_is_the_head_of_each_stage_of_the_full_board(store: Store, sort: str, needle: str) -> None:
    full = store.board(needle=needle, sort=sort)  # type: ignore[arg-type]
    for limit in (1, 3, 100):
        page = store.board_page(needle=needle, sort=sort, limit_per_stage=limit)  # type: ignore[arg-type]
        by_stage: dict[str, list[str]] = {}
        for lead in full:
            by_stage.setdefault(lead.stage_id or "", []).append(lead.id)
        assert page.counts == {stage: len(ids) for stage, ids in by_stage.items()}
        shown: dict[str, list[str]] = {}
        for lead in page.rows:
            shown.setdefault(lead.stage_id or "", []).append(lead.id)
        assert shown == {stage: ids[:limit] for stage, ids in by_stage.items()}
        assert {r.id: r for r in page.rows} == {r.id: r for r in full if r.id in {p.id for p in page.rows}}
    assert store.board_counts(needle=needle) == store.board_page(needle=needle, limit_per_stage=2).counts


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("needle", ["", "acme"])
def test_a_window_anywhere_in_a_stage_is_that_slice_of_the_full_board(
    store: Store, sort: str, needle: str
) -> None:
    """A long column reads the rows around its viewport: from the start, the middle or the end of a
    stage (read backwards there), the rows are those of the full board at those places, in order."""
    full = store.board(needle=needle, sort=sort)  # type: ignore[arg-type]
    by_stage: dict[str, list[str]] = {}
    for lead in full:
        by_stage.setdefault(lead.stage_id or "", []).append(lead.id)
    stage, ids = max(by_stage.items(), key=lambda item: len(item[1]))
    assert len(ids) >= 10
    for start, size in ((0, 4), (3, 4), (len(ids) - 6, 4), (len(ids) - 4, 4), (len(ids) + 5, 4), (2, 100)):
        page = store.board_page(
            needle=needle,
            sort=sort,  # type: ignore[arg-type]
            limit_per_stage=2,
            windows={stage: (start, size)},
        )
        begins = max(0, min(start, len(ids) - size))
        assert page.start(stage) == begins
        assert [r.id for r in page.rows if r.stage_id == stage] == ids[begins : begins + size]
        others = {s: [r.id for r in page.rows if r.stage_id == s] for s in by_stage if s != stage}
        assert others == {s: by_stage[s][:2] for s in others}  # the other stages: their first rows
        begun, rows = stage_window(
            store.db.conn,
            stage,
            start,
            size,
            len(ids),
            needle=needle,
            sort=sort,  # type: ignore[arg-type]
        )
        assert (begun, [r.id for r in rows]) == (begins, ids[begins : begins + size])
    assert [r.id for r in store.iter_board(sort=sort)] == [r.id for r in store.board(sort=sort)]  # type: ignore[arg-type]


@pytest.mark.parametrize("view", ["open", "closed", "all"])
@pytest.mark.parametrize("needle", ["", "acme", "lead 01", "nobody"])
def test_a_rows_first_page_has_the_same_rows_and_counts_only_the_stages_it_read_to_the_end(
    store: Store, view: str, needle: str
) -> None:
    """What a filter keystroke reads before its rows show: the same rows as the counted page, the
    exact count of each stage whose rows fall short of the page, the others left to count after."""
    from leadboard.commands.disqualify import Disqualify

    for i in (1, 4, 13):
        store.outbox.enqueue(Disqualify(lead_id=str(i), reason="BAD_TIMING", note="later"))
    store.upsert_leads(
        [lead_object(50, hs_pipeline_stage="gone-stage-id"), lead_object(51, hs_pipeline_stage="")]
    )
    for sort in SORTS:
        for limit in (1, 3, 100):
            kwargs: dict[str, Any] = {"view": view, "needle": needle, "sort": sort, "limit_per_stage": limit}
            counted = store.board_page(**kwargs)
            first = store.board_page(**kwargs, count=False)
            assert [r.id for r in first.rows] == [r.id for r in counted.rows]
            assert first.counts == {stage: n for stage, n in counted.counts.items() if n < limit}
            assert first.uncounted == {stage for stage, n in counted.counts.items() if n >= limit}


def test_a_new_page_is_read_around_the_kept_lead_while_it_matches(store: Store) -> None:
    """A column highlighting a lead past a stage's first rows keeps it on a new filter or sort: the
    page holds the rows around it, counted or not; a lead that no longer matches changes nothing."""
    full = [r.id for r in store.board(sort="newest") if r.stage_id == STAGES[0]]
    kept = full[9]
    for count in (True, False):
        page = store.board_page(sort="newest", limit_per_stage=4, keep={STAGES[0]: kept}, count=count)
        stage = [r.id for r in page.rows if r.stage_id == STAGES[0]]
        assert kept in stage and stage == full[page.start(STAGES[0]) : page.start(STAGES[0]) + 4]
        unmoved = store.board_page(needle="globex", limit_per_stage=4, keep={STAGES[0]: "1"}, count=count)
        assert unmoved.start(STAGES[0]) == 0  # lead 1 is an Acme: not among the matches


def test_the_closed_view_reads_its_last_rows_backwards_in_the_same_order(store: Store) -> None:
    from leadboard.commands.disqualify import Disqualify

    for i in range(1, 13):
        store.outbox.enqueue(Disqualify(lead_id=str(i), reason="BAD_TIMING", note="later"))
    full = [r.id for r in store.board(view="closed") if r.stage_id == "unqualified-stage-id"]
    assert len(full) == 12
    page = store.board_page(view="closed", limit_per_stage=3, windows={"unqualified-stage-id": (9, 3)})
    assert [r.id for r in page.rows] == full[9:]


def test_a_pending_move_puts_the_lead_in_its_new_stage_on_every_page_until_discarded(store: Store) -> None:
    page = store.board_page(sort="newest", limit_per_stage=50)
    moved = next(r for r in page.rows if r.id == "10")
    assert moved.stage_id == "connected-stage-id" and moved.remote_stage_id == STAGES[10 % 3]
    assert moved.marker == "pending"
    op = store.outbox.ops(lead_id="10")[0]
    store.outbox.discard(op.op_id)
    again = next(r for r in store.board_page(limit_per_stage=50).rows if r.id == "10")
    assert again.stage_id == STAGES[10 % 3] and again.marker is None


def test_the_closed_view_and_other_owners(store: Store) -> None:
    from leadboard.commands.qualify import Qualify

    store.outbox.enqueue(Qualify(lead_id="11", note="ready"))
    closed = store.board_page(view="closed", limit_per_stage=5)
    assert [r.id for r in closed.rows] == ["11"] and closed.counts == {"qualified-stage-id": 1}
    assert "11" not in {r.id for r in store.board_page(limit_per_stage=50).rows}
    others = store.board_page(owner_id=OTHER_OWNER, limit_per_stage=2)
    assert len(others.rows) == 2 and others.counts == {"new-stage-id": 5}
    assert store.board_page(limit_per_stage=0).rows == []


# --- SLA columns ------------------------------------------------------------------------------------


def test_deadlines_are_stored_at_upsert_as_the_sla_rules_give_them(store: Store) -> None:
    rows = store.board(view="all")
    with_sla = [r for r in rows if r.sla_deadline is not None]
    assert 0 < len(with_sla) < len(rows)
    for row in rows:
        assert row.sla_deadline == sla_deadline(facts(row, store), SLA)
    demo_hot = next(r for r in rows if r.label == "HOT" and facts(r, store).source == "DEMO_REQUEST")
    assert demo_hot.created_at is not None  # the strictest rule wins: demo's 30 minutes, not hot's hour
    assert demo_hot.sla_deadline == datetime.fromtimestamp(demo_hot.created_at / 1000, UTC) + timedelta(
        minutes=30
    )


def test_first_touch_comes_from_outreach_the_owners_activities_and_the_reps_ops(store: Store) -> None:
    rows = {r.id: r for r in store.board(view="all")}
    for lead_id, row in rows.items():
        assert row.first_touch == expected_first_touch(store, lead_id), lead_id
    assert rows["5"].first_touch == created(5) + timedelta(hours=2)  # a call by the owner
    assert rows["6"].first_touch is None  # a note by someone else does not count
    assert rows["7"].first_touch == created(8)  # HubSpot's hs_lead_first_outreach_date
    assert rows["9"].first_touch == created(9) + timedelta(hours=5)  # the rep's note, not yet pushed
    assert rows["11"].first_touch is None  # setting the type is not a touch
    assert rows["12"].first_touch is None  # nor is a task, even the owner's own on the lead


def test_a_logged_call_counts_at_once_at_its_own_time_and_a_discard_takes_it_back(store: Store) -> None:
    at = created(13) + timedelta(minutes=20)
    op = store.outbox.enqueue(LogCall(lead_id="13", outcome_id=NO_ANSWER, note="no answer", at=at))
    assert store.lead_state("13") is not None
    assert next(r for r in store.board() if r.id == "13").first_touch == at
    store.outbox.discard(op.op_id)
    assert next(r for r in store.board() if r.id == "13").first_touch is None


def test_a_pulled_activity_and_a_reassignment_update_the_first_touch(store: Store) -> None:
    store.upsert_activities("call", [activity("c16", 16, ME, hours=3)], "16", None)
    assert next(r for r in store.board() if r.id == "16").first_touch == created(16) + timedelta(hours=3)
    # HubSpot's first outreach settles a lead's first touch: a note made before it does not count
    store.upsert_activities("note", [activity("n14", 14, ME, hours=-3)], "14", None)
    assert next(r for r in store.board() if r.id == "14").first_touch == created(15)
    store.mark_leads_reassigned({"6": OTHER_OWNER})  # the note on 6 was by OTHER_OWNER: now the owner's
    row = next(r for r in store.board(owner_id=OTHER_OWNER) if r.id == "6")
    assert row.first_touch == created(6) + timedelta(hours=1)


def test_the_urgent_order_is_sla_urgency_key_order(store: Store) -> None:
    now = created(20)
    rows = store.board(sort="urgent")
    states = {r.id: sla_state(facts(r, store), expected_first_touch(store, r.id), now, SLA) for r in rows}
    expected = sorted(rows, key=lambda r: urgency_key(states[r.id], r.id))
    assert [r.id for r in rows] == [r.id for r in expected]
    kinds = {urgency_key(s)[0] for s in states.values()}
    assert kinds == {0, 1, 2}  # breached/untouched with an SLA, without one, and touched leads all present
    page = store.board_page(sort="urgent", limit_per_stage=4)
    for stage in STAGES:
        in_stage = [r.id for r in expected if r.stage_id == stage][:4]
        assert [r.id for r in page.rows if r.stage_id == stage] == in_stage


def test_state_from_the_columns_matches_sla_state(store: Store) -> None:
    for now in (created(1), created(20), created(60)):
        for row in store.board(view="all"):
            full = sla_state(facts(row, store), row.first_touch, now, SLA)
            cheap = state_from(row.sla_deadline, row.first_touch, now, row.sla_allowance)
            assert (cheap.status, cheap.level, cheap.remaining, cheap.overdue) == (
                full.status,
                full.level,
                full.remaining,
                full.overdue,
            )


def test_deadlines_are_recomputed_when_the_settings_change_and_only_then(store: Store) -> None:
    conn = store.db.conn
    conn.execute("UPDATE leads SET sla_deadline = 1 WHERE id = '1'")  # a marker a recompute would replace
    assert store.apply_sla_settings(SLA) is False
    assert conn.execute("SELECT sla_deadline FROM leads WHERE id = '1'").fetchone()[0] == 1
    stricter = replace(SLA, by_label={**SLA.by_label, "warm": SLA.by_label["hot"]})
    assert store.apply_sla_settings(stricter) is True
    for row in store.board(view="all"):
        assert row.sla_deadline == sla_deadline(facts(row, store), stricter), row.id
    store.upsert_leads([lead_object(5)])  # later upserts follow the applied settings too
    warm = next(r for r in store.board(view="all") if r.id == "5")
    assert warm.label == "WARM" and warm.sla_deadline == sla_deadline(facts(warm, store), stricter)


# --- the first read -----------------------------------------------------------------------------------


def test_the_first_read_needs_no_store_and_reads_what_the_store_reads(store: Store) -> None:
    conn = open_for_first_read(store.path)
    assert conn is not None
    try:
        first = read_first_board(conn, "open", "", "urgent", 3)
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("UPDATE leads SET name = 'x'")  # read-only
    finally:
        conn.close()
    assert first.page == store.board_page(limit_per_stage=3)
    assert first.meta == store.portal_meta()
    assert first.status == store.sync_status()


def test_the_first_read_declines_a_missing_or_older_cache(tmp_path: Path) -> None:
    assert open_for_first_read(tmp_path / "missing.sqlite") is None
    old = tmp_path / "old.sqlite"
    with Store.open(old) as store:
        store.db.conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [SCHEMA_NEEDED])
    assert open_for_first_read(old) is None
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    assert open_for_first_read(garbage) is None
