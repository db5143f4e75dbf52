"""The outbox: queued with its base in one transaction, claimed in order, recovered after a crash."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from leadboard.cache.outbox import OpNotFound
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.state import CommandRefused
from tests.cache_fixtures import hubspot_lead, seeded_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return seeded_store(tmp_path / "cache.db", leads=3)


def outbox_rows(store: Store) -> int:
    return int(store.db.conn.execute("SELECT count(*) FROM outbox").fetchone()[0])


# --- enqueue ----------------------------------------------------------------------------------------


def test_enqueue_stores_the_checked_command_and_the_base_the_rep_saw(store: Store) -> None:
    op = store.outbox.enqueue(MoveStage(lead_id="1", stage_id="Attempting", note=" tried twice "))
    assert op.state == "pending" and op.seq == 1 and len(op.op_id) == 32
    assert op.command == MoveStage(lead_id="1", stage_id="attempting-stage-id", note="tried twice")
    assert op.changes == {"hs_pipeline_stage": "attempting-stage-id"}
    assert op.base == {"hs_pipeline_stage": "new-stage-id"}
    # A second move is based on what the rep now sees: the first move's target, not HubSpot's value.
    second = store.outbox.enqueue(MoveStage(lead_id="1", stage_id="Connected", note="answered"))
    assert second.base == {"hs_pipeline_stage": "attempting-stage-id"} and second.seq == 2


def test_disqualify_base_holds_every_property_it_writes(store: Store) -> None:
    store.upsert_leads([hubspot_lead("2", "Lead 2", hs_lead_disqualification_note="old text")])
    op = store.outbox.enqueue(Disqualify(lead_id="2", reason="budget constraints", note="no budget"))
    assert op.base == {
        "hs_pipeline_stage": "new-stage-id",
        "hs_lead_disqualification_reason": None,
        "hs_lead_disqualification_note": "old text",
    }


def test_a_refused_command_queues_nothing(store: Store) -> None:
    with pytest.raises(CommandRefused, match="Disqualify needs a reason"):
        store.outbox.enqueue(Disqualify(lead_id="1", reason="", note="x"))
    with pytest.raises(CommandRefused, match="There is no lead 404 in the cache"):
        store.outbox.enqueue(AddNote(lead_id="404", text="x"))
    with pytest.raises(CommandRefused, match="too long"):
        store.outbox.enqueue(AddNote(lead_id="1", text="x" * 100_000))
    assert outbox_rows(store) == 0


def test_rules_apply_to_the_lead_as_the_rep_sees_it(store: Store) -> None:
    with pytest.raises(CommandRefused, match="Qualify needs a lead type"):
        store.outbox.enqueue(Qualify(lead_id="1", note="x"))
    store.outbox.enqueue(SetLeadType(lead_id="1", lead_type="new business"))  # pending, not yet in HubSpot
    deal = Deal(name="Lead 1 deal", amount=1200, close_date=date(2026, 6, 30))
    assert store.outbox.enqueue(Qualify(lead_id="1", note="budget ok", deal=deal)).state == "pending"
    with pytest.raises(CommandRefused, match="'Lead 1' is closed"):
        store.outbox.enqueue(LogCall(lead_id="1", outcome_id="Busy", note="again"))
    assert store.outbox.enqueue(AddNote(lead_id="1", text="after qualifying")).state == "pending"


# --- claim order ------------------------------------------------------------------------------------


def test_claim_takes_ops_in_order_and_one_at_a_time_per_lead(store: Store) -> None:
    a1 = store.outbox.enqueue(AddNote(lead_id="1", text="a1"))
    a2 = store.outbox.enqueue(AddNote(lead_id="1", text="a2"))
    b1 = store.outbox.enqueue(AddNote(lead_id="2", text="b1"))
    first = store.outbox.claim_next()
    assert (
        first is not None and first.op_id == a1.op_id and first.state == "in_flight" and first.attempts == 1
    )
    # a2 waits for a1; lead 2 does not.
    second = store.outbox.claim_next()
    assert second is not None and second.op_id == b1.op_id
    assert store.outbox.claim_next() is None
    store.outbox.finish_done(a1.op_id, remote_ids={"note": "901"})
    third = store.outbox.claim_next()
    assert third is not None and third.op_id == a2.op_id


def test_a_failed_op_holds_back_later_ops_of_its_lead_only(store: Store) -> None:
    a1 = store.outbox.enqueue(MoveStage(lead_id="1", stage_id="Attempting", note="x"))
    a2 = store.outbox.enqueue(AddNote(lead_id="1", text="after the move"))
    b1 = store.outbox.enqueue(AddNote(lead_id="2", text="b1"))
    store.outbox.claim_next()
    store.outbox.finish_failed(a1.op_id, "400 INVALID_OPTION: stage does not exist", http_status=400)
    nxt = store.outbox.claim_next()
    assert nxt is not None and nxt.op_id == b1.op_id
    assert store.outbox.claim_next() is None
    assert store.outbox.get(a2.op_id).state == "pending"


def test_deferred_ops_wait_for_their_time_and_rate_limits_are_not_attempts(store: Store) -> None:
    op = store.outbox.enqueue(AddNote(lead_id="1", text="x"))
    store.outbox.claim_next(now=1_000)
    store.outbox.defer(
        op.op_id, until=5_000, error="429 rate limited", counts_as_attempt=False, http_status=429
    )
    assert store.outbox.claim_next(now=4_999) is None
    again = store.outbox.claim_next(now=5_000)
    assert again is not None and again.attempts == 1
    assert [a.outcome for a in store.outbox.attempts(op.op_id)] == ["rate_limited", None]


def test_an_ambiguous_create_becomes_unknown_and_keeps_its_first_ambiguous_time(store: Store) -> None:
    op = store.outbox.enqueue(LogCall(lead_id="1", outcome_id="No answer", note="rang out"))
    store.outbox.claim_next(now=0)
    first = store.outbox.defer(op.op_id, until=0, error="read timeout after POST", ambiguous=True)
    assert first.state == "unknown" and first.first_ambiguous_at is not None
    store.outbox.claim_next(now=0)
    second = store.outbox.defer(op.op_id, until=0, error="connection refused")
    assert second.state == "unknown" and second.first_ambiguous_at == first.first_ambiguous_at
    assert second.attempts == 2


def test_compound_ops_record_their_steps_and_remote_ids(store: Store) -> None:
    op = store.outbox.enqueue(Disqualify(lead_id="3", reason="Bad Timing", note="call in Q3"))
    store.outbox.claim_next()
    store.outbox.record_step(op.op_id, 1)
    store.outbox.record_step(op.op_id, 2, {"note": "7001"})
    done = store.outbox.finish_done(
        op.op_id,
        remote_ids={"contact_assoc": "c9"},
        lead=hubspot_lead(
            "3", "Lead 3", stage="unqualified-stage-id", hs_lead_disqualification_reason="BAD_TIMING"
        ),
        http_status=200,
    )
    assert (done.state, done.step, done.remote_ids) == ("done", 2, {"note": "7001", "contact_assoc": "c9"})
    row = store.lead_state("3")
    assert row is not None and row.remote_stage_id == "unqualified-stage-id" and row.marker is None


# --- crash recovery ---------------------------------------------------------------------------------

CLAIM_AND_DIE = textwrap.dedent(
    """
    import os, sys
    from leadboard.cache.store import Store
    store = Store.open(sys.argv[1])
    op = store.outbox.claim_next()
    print(op.op_id, flush=True)
    os._exit(137)  # killed after in_flight was committed, before any result
    """
)


def test_an_op_in_flight_when_the_process_died_is_unknown_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    with seeded_store(path) as store:
        op = store.outbox.enqueue(LogCall(lead_id="1", outcome_id="Connected", note="good talk"))
    env = os.environ | {"PYTHONPATH": str(REPO)}
    died = subprocess.run(
        [sys.executable, "-c", CLAIM_AND_DIE, str(path)], capture_output=True, text=True, env=env
    )
    assert died.returncode == 137 and died.stdout.strip() == op.op_id
    with Store.open(path) as store:
        assert store.outbox.get(op.op_id).state == "in_flight"
        assert store.outbox.recover_after_crash() == 1
        recovered = store.outbox.get(op.op_id)
        assert recovered.state == "unknown" and recovered.first_ambiguous_at is not None
        assert store.outbox.recover_after_crash() == 0
        assert [a.outcome for a in store.outbox.attempts(op.op_id)] == ["interrupted"]
        retried = store.outbox.claim_next()
        assert retried is not None and retried.op_id == op.op_id and retried.attempts == 2
        row = store.lead_state("1")
        assert row is not None and row.marker == "pending"


# --- conflicts and resolution -----------------------------------------------------------------------


def _conflicted(store: Store) -> str:
    op = store.outbox.enqueue(MoveStage(lead_id="1", stage_id="Attempting", note="left voicemail"))
    store.outbox.claim_next()
    store.outbox.finish_conflict(op.op_id, {"hs_pipeline_stage": "connected-stage-id"})
    return op.op_id


def test_a_conflict_keeps_base_mine_and_theirs(store: Store) -> None:
    op = store.outbox.get(_conflicted(store))
    assert op.state == "conflict"
    assert op.conflict == {
        "hs_pipeline_stage": {
            "base": "new-stage-id",
            "mine": "attempting-stage-id",
            "theirs": "connected-stage-id",
        }
    }
    row = store.lead_state("1")
    assert row is not None and row.marker == "conflict" and row.stage_id == "attempting-stage-id"
    assert store.sync_status().conflict == 1


def test_keep_mine_queues_it_again_based_on_theirs(store: Store) -> None:
    op = store.outbox.keep_mine(_conflicted(store))
    assert op.state == "pending" and op.base == {"hs_pipeline_stage": "connected-stage-id"}
    assert store.outbox.claim_next() is not None


def test_take_theirs_cancels_but_keeps_the_rows_text(store: Store) -> None:
    op_id = _conflicted(store)
    op = store.outbox.take_theirs(op_id)
    assert op.state == "cancelled" and op.command.note == "left voicemail"  # type: ignore[attr-defined]
    row = store.lead_state("1")
    assert row is not None and row.stage_id == "new-stage-id"
    # the rep's text is not dropped: it waits to go to HubSpot as a note on the lead
    assert row.marker == "pending"
    notes = [o.command for o in store.outbox.ops(lead_id="1") if o.kind == "add_note"]
    assert notes == [AddNote(lead_id="1", text="left voicemail")]
    with pytest.raises(CommandRefused, match="This change is cancelled"):
        store.outbox.keep_mine(op_id)


def test_retry_a_failed_op_with_an_edited_payload(store: Store) -> None:
    op = store.outbox.enqueue(Disqualify(lead_id="2", reason="Bad Timing", note="x"))
    store.outbox.claim_next()
    store.outbox.finish_failed(op.op_id, "400 INVALID_OPTION")
    with pytest.raises(CommandRefused, match="Disqualify needs a note"):
        store.outbox.retry(op.op_id, Disqualify(lead_id="2", reason="Not a good fit", note=" "))
    assert store.outbox.get(op.op_id).state == "failed"
    retried = store.outbox.retry(
        op.op_id, Disqualify(lead_id="2", reason="Not a good fit", note="wrong market")
    )
    assert retried.state == "pending" and retried.last_error is None
    assert retried.changes["hs_lead_disqualification_reason"] == "NOT_A_GOOD_FIT"


def test_retry_of_a_blocked_op_and_discard(store: Store) -> None:
    op = store.outbox.enqueue(SetLeadType(lead_id="3", lead_type="Upsell"))
    store.outbox.claim_next()
    blocked = store.outbox.finish_blocked(op.op_id, "Lead 3 was reassigned to another owner in HubSpot.")
    assert blocked.last_error == "Lead 3 was reassigned to another owner in HubSpot."
    row = store.lead_state("3")
    assert row is not None and row.marker == "blocked"
    assert store.outbox.retry(op.op_id).state == "pending"
    assert store.outbox.discard(op.op_id).state == "cancelled"


def test_an_op_being_pushed_cannot_be_discarded_and_nothing_is_ever_deleted(store: Store) -> None:
    op = store.outbox.enqueue(AddNote(lead_id="1", text="keep me"))
    store.outbox.claim_next()
    with pytest.raises(CommandRefused, match="in flight"):
        store.outbox.discard(op.op_id)
    store.outbox.finish_done(op.op_id, remote_ids={"note": "1"})
    cancelled = store.outbox.enqueue(AddNote(lead_id="1", text="then discarded"))
    store.outbox.discard(cancelled.op_id)
    assert [o.state for o in store.outbox.ops(lead_id="1")] == ["done", "cancelled"]
    with pytest.raises(OpNotFound):
        store.outbox.get("nope")


def test_error_text_is_cleaned_before_it_is_stored(store: Store) -> None:
    op = store.outbox.enqueue(AddNote(lead_id="1", text="x"))
    store.outbox.claim_next()
    failed = store.outbox.finish_failed(op.op_id, "bad \x1b]52;c;aGk=\x07 value " + "y" * 5_000)
    assert failed.last_error is not None
    assert "\x1b" not in failed.last_error and len(failed.last_error) == 2_000
