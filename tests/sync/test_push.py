"""Push against the sandbox portal: what each op writes to HubSpot, and the 3-way check.

The real hubspot-api-client over real HTTP, a real SQLite cache. One sandbox per module, reseeded
before each test so every test starts from the same tiny portal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import CONNECTED_DISPOSITION_ID, PortalMeta
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.push import push_ready
from tests.sync.push_support import (
    TINY_PORTAL,
    created_with_marker,
    fill_cache,
    gateway_for,
    next_stage,
    open_lead_ids,
    remote_lead,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(TINY_PORTAL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def gateway(sandbox: SandboxHandle) -> Iterator[HubSpotGateway]:
    sandbox.portal.reset()
    sandbox.faults.clear()
    sandbox.clear_request_log()
    gw = gateway_for(sandbox)
    yield gw
    sandbox.faults.clear()
    gw.close()


@pytest.fixture
def cache(
    tmp_path: Path, sandbox: SandboxHandle, gateway: HubSpotGateway
) -> Iterator[tuple[Store, PortalMeta]]:
    store, meta = fill_cache(tmp_path / "cache.sqlite", sandbox, gateway)
    yield store, meta
    store.close()


def props(sandbox: SandboxHandle, lead_id: str) -> dict[str, str]:
    return dict(remote_lead(sandbox, lead_id)["properties"])


def associated(
    gateway: HubSpotGateway, from_type: str, from_id: str, to_type: str
) -> dict[str, tuple[int, ...]]:
    return {a.to_id: a.type_ids for a in gateway.list_associations(from_type, from_id, to_type)}


def writes(sandbox: SandboxHandle) -> list[tuple[str, str]]:
    return [
        (r.method, r.path)
        for r in sandbox.request_log()
        if r.method in ("POST", "PATCH", "PUT") and "/batch/read" not in r.path and "/search" not in r.path
    ]


# --- what each op writes -------------------------------------------------------------------------


def test_move_stage_patches_the_stage_then_notes_it_on_contact_and_lead(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[0]
    target = next_stage(props(sandbox, lead_id)["hs_pipeline_stage"])
    op = store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=target, note="Left a voicemail"))

    report = push_ready(store, gateway, meta)

    assert (report.done, report.failed, report.conflicts) == (1, 0, 0)
    assert props(sandbox, lead_id)["hs_pipeline_stage"] == target
    (note,) = created_with_marker(sandbox, "note", op.op_id)
    assert "Left a voicemail" in note["properties"]["hs_note_body"]
    assert meta.stage_label(target) in note["properties"]["hs_note_body"]
    contact_id = str(
        store.db.conn.execute("SELECT contact_id FROM leads WHERE id = ?", [lead_id]).fetchone()[0]
    )
    links = associated(gateway, "notes", note["id"], "leads")
    assert 855 in links[lead_id]
    assert 202 in associated(gateway, "notes", note["id"], "contacts")[contact_id]
    done = store.outbox.get(op.op_id)
    assert done.state == "done" and done.remote_ids == {"note": note["id"]}
    # The cache holds HubSpot's answer: the board shows the new stage with nothing pending.
    row = store.lead_state(lead_id)
    assert row is not None and row.remote_stage_id == target and row.n_pending == 0


def test_log_call_creates_one_call_with_outcome_on_contact_and_lead(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[1]
    stage_before = props(sandbox, lead_id)["hs_pipeline_stage"]
    op = store.outbox.enqueue(
        LogCall(lead_id=lead_id, outcome_id="connected", note="Wants a quote", duration_seconds=95)
    )

    assert push_ready(store, gateway, meta).done == 1

    (call,) = created_with_marker(sandbox, "call", op.op_id)
    p = call["properties"]
    assert p["hs_call_disposition"] == CONNECTED_DISPOSITION_ID
    assert p["hs_call_duration"] == "95000" and p["hs_call_direction"] == "OUTBOUND"
    assert "Wants a quote" in p["hs_call_body"]
    assert 597 in associated(gateway, "calls", call["id"], "leads")[lead_id]
    assert any(194 in t for t in associated(gateway, "calls", call["id"], "contacts").values())
    assert props(sandbox, lead_id)["hs_pipeline_stage"] == stage_before  # a stage move is its own op


def test_note_text_is_escaped_html_and_the_lead_is_untouched(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[2]
    op = store.outbox.enqueue(AddNote(lead_id=lead_id, text="Budget <b>ok</b>\nCall back Friday"))

    assert push_ready(store, gateway, meta).done == 1

    (note,) = created_with_marker(sandbox, "note", op.op_id)
    body = note["properties"]["hs_note_body"]
    assert "Budget &lt;b&gt;ok&lt;/b&gt;<br>Call back Friday" in body
    assert ("PATCH", f"/crm/objects/2026-09/leads/{lead_id}") not in writes(sandbox)


def test_set_lead_type_patches_only_the_type(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[0]
    current = props(sandbox, lead_id).get("hs_lead_type")
    wanted = next(o.value for o in meta.lead_types if o.value != current)
    store.outbox.enqueue(SetLeadType(lead_id=lead_id, lead_type=wanted))

    assert push_ready(store, gateway, meta).done == 1

    assert props(sandbox, lead_id)["hs_lead_type"] == wanted
    patches = [r for r in sandbox.request_log() if r.method == "PATCH"]
    assert len(patches) == 1 and b"hs_pipeline_stage" not in patches[0].request_body


def test_qualify_closes_the_lead_notes_it_and_creates_the_deal(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[3]
    store.outbox.enqueue(SetLeadType(lead_id=lead_id, lead_type=meta.lead_types[0].value))
    deal = Deal(name="Acme rollout", amount=12000, close_date=date(2026, 12, 1))
    op = store.outbox.enqueue(Qualify(lead_id=lead_id, note="Budget approved", deal=deal))

    report = push_ready(store, gateway, meta)

    assert report.done == 2
    assert props(sandbox, lead_id)["hs_pipeline_stage"] == meta.qualified_stage_id
    (note,) = created_with_marker(sandbox, "note", op.op_id)
    assert "Budget approved" in note["properties"]["hs_note_body"]
    (created,) = created_with_marker(sandbox, "deal", op.op_id)
    assert created["properties"]["dealname"] == "Acme rollout"
    assert float(created["properties"]["amount"]) == 12000
    assert associated(gateway, "deals", created["id"], "leads").get(lead_id)
    assert associated(gateway, "deals", created["id"], "contacts")
    assert store.outbox.get(op.op_id).remote_ids == {"note": note["id"], "deal": created["id"]}


def test_qualify_without_a_deal_creates_none(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[4]
    lead = store.lead_state(lead_id)
    assert lead is not None
    other_type = next(t for t in meta.lead_types if t.value != lead.lead_type)  # the same one is refused
    store.outbox.enqueue(SetLeadType(lead_id=lead_id, lead_type=other_type.value))
    op = store.outbox.enqueue(Qualify(lead_id=lead_id, note="Inbound, ready", deal=None))

    assert push_ready(store, gateway, meta).done == 2
    assert created_with_marker(sandbox, "deal", op.op_id) == []
    assert len(created_with_marker(sandbox, "note", op.op_id)) == 1


def test_disqualify_writes_stage_reason_and_note_then_a_timeline_note(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[5]
    reason = meta.disqualification_reasons[0]
    op = store.outbox.enqueue(Disqualify(lead_id=lead_id, reason=reason.label, note="No budget this year"))

    assert push_ready(store, gateway, meta).done == 1

    p = props(sandbox, lead_id)
    assert p["hs_pipeline_stage"] == meta.unqualified_stage_id
    assert p["hs_lead_disqualification_reason"] == reason.value
    assert p["hs_lead_disqualification_note"] == "No budget this year"
    (note,) = created_with_marker(sandbox, "note", op.op_id)
    assert reason.label in note["properties"]["hs_note_body"]
    patches = [r for r in sandbox.request_log() if r.method == "PATCH"]
    assert len(patches) == 1  # stage, reason and note in one PATCH
    assert created_with_marker(sandbox, "task", op.op_id) == []  # no follow-up date: no task


def test_disqualify_for_bad_timing_with_a_follow_up_creates_the_rep_a_task_due_that_morning(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[4]
    row = store.lead_state(lead_id)
    assert row is not None and row.contact_name
    contact_id = store.lead_contact_id(lead_id)
    day = date.today() + timedelta(days=91)
    op = store.outbox.enqueue(
        Disqualify(lead_id=lead_id, reason="bad timing", note="Back after the <merger>", follow_up=day)
    )

    assert push_ready(store, gateway, meta).done == 1

    (task,) = created_with_marker(sandbox, "task", op.op_id)
    p = task["properties"]
    assert meta.time_zone == "Europe/Berlin"  # the sandbox's account time zone: 09:00 there
    due = datetime.fromisoformat(p["hs_timestamp"].replace("Z", "+00:00"))
    assert due == datetime.combine(day, time(9), tzinfo=ZoneInfo("Europe/Berlin"))
    assert p["hs_task_subject"] == f"Re-attempt {row.contact_name} (disqualified: Bad Timing)"
    assert "Back after the &lt;merger&gt;" in p["hs_task_body"]
    assert p["hs_task_status"] == "NOT_STARTED"
    assert p["hubspot_owner_id"] == meta.owner_id
    assert 204 in associated(gateway, "tasks", task["id"], "contacts")[str(contact_id)]
    assert 647 in associated(gateway, "tasks", task["id"], "leads")[lead_id]
    done = store.outbox.get(op.op_id)
    (note,) = created_with_marker(sandbox, "note", op.op_id)
    assert done.state == "done" and done.remote_ids == {"note": note["id"], "task": task["id"]}
    posts = [path for method, path in writes(sandbox) if method == "POST"]
    # The note first, then the task.
    assert posts == ["/crm/objects/2026-09/notes", "/crm/objects/2026-09/tasks"]


def test_ops_of_one_lead_go_in_the_order_the_rep_made_them(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[0]
    first = next_stage(props(sandbox, lead_id)["hs_pipeline_stage"])
    second = next_stage(first)
    store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=first, note="one"))
    store.outbox.enqueue(AddNote(lead_id=lead_id, text="two"))
    store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=second, note="three"))

    assert push_ready(store, gateway, meta).done == 3

    assert props(sandbox, lead_id)["hs_pipeline_stage"] == second
    order = [
        r.request_body
        for r in sandbox.request_log()
        if r.method in ("PATCH", "POST")
        and (r.path.endswith("/notes") or "/leads/" in r.path)
        and "batch" not in r.path
    ]
    texts = [b for b in order if b"one" in b or b"two" in b or b"three" in b]
    assert [b"one" in texts[0], b"two" in texts[1], b"three" in texts[2]] == [True, True, True]


# --- the 3-way check -------------------------------------------------------------------------------


def test_a_stage_changed_in_hubspot_since_the_edit_is_a_conflict_with_both_values(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[0]
    before = props(sandbox, lead_id)["hs_pipeline_stage"]
    mine = next_stage(before)
    theirs = next(
        s for s in ("new-stage-id", "attempting-stage-id", "connected-stage-id") if s not in (before, mine)
    )
    op = store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=mine, note="Reached her"))
    sandbox.portal.remote_edit("leads", lead_id, {"hs_pipeline_stage": theirs})

    report = push_ready(store, gateway, meta)

    assert (report.conflicts, report.done) == (1, 0)
    conflicted = store.outbox.get(op.op_id)
    assert conflicted.state == "conflict"
    assert conflicted.conflict == {"hs_pipeline_stage": {"base": before, "mine": mine, "theirs": theirs}}
    assert props(sandbox, lead_id)["hs_pipeline_stage"] == theirs  # not overwritten
    assert created_with_marker(sandbox, "note", op.op_id) == []  # the later step did not run
    assert not [r for r in sandbox.request_log() if r.method == "PATCH"]
    # The rep's text is kept, and keeping theirs/mine works from here.
    assert conflicted.command.note == "Reached her"  # type: ignore[attr-defined]
    store.outbox.keep_mine(op.op_id)
    assert push_ready(store, gateway, meta).done == 1
    assert props(sandbox, lead_id)["hs_pipeline_stage"] == mine


def test_a_value_hubspot_already_has_is_done_without_writing(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[1]
    wanted = meta.lead_types[1].value
    store.outbox.enqueue(SetLeadType(lead_id=lead_id, lead_type=wanted))
    sandbox.portal.remote_edit("leads", lead_id, {"hs_lead_type": wanted})

    assert push_ready(store, gateway, meta).done == 1
    assert not [r for r in sandbox.request_log() if r.method == "PATCH"]


def test_a_change_to_another_property_is_no_conflict(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[2]
    target = next_stage(props(sandbox, lead_id)["hs_pipeline_stage"])
    store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=target, note="moving"))
    sandbox.portal.remote_edit("leads", lead_id, {"hs_lead_type": meta.lead_types[2].value})

    assert push_ready(store, gateway, meta).done == 1
    p = props(sandbox, lead_id)
    assert (p["hs_pipeline_stage"], p["hs_lead_type"]) == (target, meta.lead_types[2].value)


# --- leads that are no longer the rep's ---------------------------------------------------------


def test_a_reassigned_lead_blocks_property_ops_but_takes_notes(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[0]
    before = props(sandbox, lead_id)["hs_pipeline_stage"]
    move = store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=next_stage(before), note="x"))
    other_owner = next(o["id"] for o in sandbox.portal.list_owners()["results"] if o["id"] != meta.owner_id)
    sandbox.portal.reassign_lead(lead_id, other_owner)

    report = push_ready(store, gateway, meta)

    assert report.blocked == 1
    blocked = store.outbox.get(move.op_id)
    assert blocked.state == "blocked" and "reassigned" in (blocked.last_error or "")
    assert props(sandbox, lead_id)["hs_pipeline_stage"] == before
    assert created_with_marker(sandbox, "note", move.op_id) == []
    # A note records something that happened: it is still sent to the (reassigned) lead.
    store.outbox.discard(move.op_id)
    note = store.outbox.enqueue(AddNote(lead_id=lead_id, text="Spoke before the handover"))
    assert push_ready(store, gateway, meta).done == 1
    assert len(created_with_marker(sandbox, "note", note.op_id)) == 1


def test_an_archived_lead_blocks_its_ops_with_the_reason(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[1]
    move = store.outbox.enqueue(
        MoveStage(
            lead_id=lead_id, stage_id=next_stage(props(sandbox, lead_id)["hs_pipeline_stage"]), note="x"
        )
    )
    note = store.outbox.enqueue(AddNote(lead_id=lead_id, text="later"))
    sandbox.portal.archive_object("leads", lead_id)

    report = push_ready(store, gateway, meta)

    assert report.blocked == 1
    assert "archived" in (store.outbox.get(move.op_id).last_error or "")
    store.outbox.discard(move.op_id)
    assert push_ready(store, gateway, meta).blocked == 1  # the note waits behind it, then is blocked too
    assert "archived" in (store.outbox.get(note.op_id).last_error or "")
    assert created_with_marker(sandbox, "note", note.op_id) == []
    assert [b.id for b in store.board()].count(lead_id) == 0  # gone from the board


def test_a_note_on_a_lead_archived_since_the_last_pull_is_blocked_like_a_move(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    """The cache does not know yet: HubSpot's 400 ("leads N was not found") must read as the lead
    being archived, not as a refusal of the note, and the lead must leave the board at once."""
    store, meta = cache
    lead_id, other = open_lead_ids(sandbox)[2:4]
    note = store.outbox.enqueue(AddNote(lead_id=lead_id, text="Left a voicemail"))
    kept = store.outbox.enqueue(AddNote(lead_id=other, text="Still here"))
    sandbox.portal.archive_object("leads", lead_id)

    report = push_ready(store, gateway, meta)

    assert (report.done, report.blocked, report.failed) == (1, 1, 0)
    blocked = store.outbox.get(note.op_id)
    assert blocked.state == "blocked"
    assert "This lead was archived in HubSpot, so your change was not sent" in (blocked.last_error or "")
    assert "was not found" not in (blocked.last_error or "")
    assert created_with_marker(sandbox, "note", note.op_id) == []
    assert lead_id not in [b.id for b in store.board()]
    assert store.outbox.get(kept.op_id).state == "done"
    assert other in [b.id for b in store.board()]
