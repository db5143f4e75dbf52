"""Push through the sandbox's faults: offline, dropped connections, 429, 401, 403, 400.

Each test checks what the rep would notice: nothing lost, nothing created twice, the op's state and
the message it shows. One sandbox per module, reseeded before each test.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from leadboard.cache.read_model import KEY_AUTH_STATE
from leadboard.cache.store import Store, now_ms
from leadboard.commands.add_note import AddNote
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import Option, PortalMeta
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.push import push_ready
from leadboard.sync.ratelimit import RateLimiter
from tests.sync.push_support import (
    TINY_PORTAL,
    created_with_marker,
    fill_cache,
    gateway_for,
    next_stage,
    open_lead_ids,
    remote_lead,
)

GRACE = 0.3  # seconds before an unknown create is sent again (production: 90)
NOTES = r"/crm/objects/2026-09/notes$"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(TINY_PORTAL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def gateway(sandbox: SandboxHandle) -> Iterator[HubSpotGateway]:
    sandbox.portal.reset()
    sandbox.faults.clear()
    sandbox.clear_request_log()
    gw = gateway_for(sandbox, limiter=RateLimiter())
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


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def stage_of(sandbox: SandboxHandle, lead_id: str) -> str:
    return str(remote_lead(sandbox, lead_id)["properties"]["hs_pipeline_stage"])


# --- offline -------------------------------------------------------------------------------------


def test_offline_keeps_every_op_pending_and_the_rep_keeps_working(
    sandbox: SandboxHandle, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[0]
    target = next_stage(stage_of(sandbox, lead_id))
    first = store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=target, note="voicemail"))
    offline = HubSpotGateway(closed_port_url(), sandbox.token, timeout=(1.0, 1.0))

    report = push_ready(store, offline, meta)

    assert report.offline and report.done == 0 and report.deferred == 1
    assert store.outbox.get(first.op_id).state == "pending"
    # The rep keeps working: the board already shows the move, and more changes queue behind it.
    row = store.lead_state(lead_id)
    assert row is not None and row.stage_id == target and row.n_pending == 1
    second = store.outbox.enqueue(AddNote(lead_id=lead_id, text="and a note"))
    assert push_ready(store, offline, meta).done == 0  # backing off: nothing is tried yet
    assert store.outbox.get(second.op_id).state == "pending"

    # Back online: both go, once each, in order.
    store.db.conn.execute("UPDATE outbox SET next_attempt_at = NULL")  # the rep pressed "sync now"
    back = push_ready(store, gateway_for(sandbox), meta)
    assert back.done == 2 and not back.offline
    assert stage_of(sandbox, lead_id) == target
    assert len(created_with_marker(sandbox, "note", first.op_id)) == 1
    assert len(created_with_marker(sandbox, "note", second.op_id)) == 1


# --- connections that drop ------------------------------------------------------------------------


def test_only_changes_that_waited_for_the_network_are_hurried_once_hubspot_answers(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    """`retry_offline_now` (what a sync does after a pull that worked) clears an offline backoff only.

    Each op is left the way the push leaves it after that fault (push.py `_on_error`)."""
    store, meta = cache
    outbox = store.outbox
    leads = open_lead_ids(sandbox)
    ops = [outbox.enqueue(AddNote(lead_id=lead, text=f"note {i}")) for i, lead in enumerate(leads[:5])]
    later = now_ms() + 600_000
    shapes = {
        "offline": {"error": "HubSpot could not be reached."},
        "server error": {"error": "HubSpot had a problem (503).", "http_status": 503},
        "rate limited": {"error": "rate limited", "counts_as_attempt": False, "http_status": 429},
        "unknown": {"error": "No answer.", "ambiguous": True},
    }
    for op, (_, kwargs) in zip(ops, shapes.items(), strict=False):
        claimed = outbox.claim_next()
        assert claimed is not None and claimed.op_id == op.op_id
        outbox.defer(op.op_id, until=later, **kwargs)  # type: ignore[arg-type]
    failed = outbox.claim_next()
    assert failed is not None and failed.op_id == ops[4].op_id
    outbox.finish_failed(failed.op_id, "HubSpot refused it.", http_status=400)
    assert outbox.next_due() == later

    assert outbox.retry_offline_now() == 1

    waited = {op.op_id: outbox.get(op.op_id) for op in ops}
    assert waited[ops[0].op_id].next_attempt_at is None and waited[ops[0].op_id].state == "pending"
    for op in ops[1:4]:
        assert waited[op.op_id].next_attempt_at == later
    assert [waited[op.op_id].state for op in ops[1:]] == ["pending", "pending", "unknown", "failed"]
    assert outbox.next_due() == 0
    report = push_ready(store, gateway, meta)
    assert report.done == 1 and len(created_with_marker(sandbox, "note", ops[0].op_id)) == 1
    assert all(created_with_marker(sandbox, "note", op.op_id) == [] for op in ops[1:])


@pytest.mark.parametrize("kind", ["note", "call"])
def test_a_create_committed_before_the_connection_dropped_exists_exactly_once(
    kind: str, sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[1]
    command = (
        AddNote(lead_id=lead_id, text="Spoke to Carla")
        if kind == "note"
        else LogCall(lead_id=lead_id, outcome_id="no answer", note="Rang twice")
    )
    op = store.outbox.enqueue(command)
    sandbox.faults.inject("drop_after_commit", method="POST", path=rf"/crm/objects/2026-09/{kind}s$")

    first = push_ready(store, gateway, meta, reconcile_grace=GRACE)
    assert first.deferred == 1 and first.done == 0
    assert store.outbox.get(op.op_id).state == "unknown"

    drained = push_ready(store, gateway, meta, reconcile_grace=GRACE, wait=5)

    assert drained.done == 1
    (created,) = created_with_marker(sandbox, kind, op.op_id)
    assert store.outbox.get(op.op_id).remote_ids == {kind: created["id"]}
    posts = [r for r in sandbox.request_log() if r.method == "POST" and r.path.endswith(f"/{kind}s")]
    assert len(posts) == 1  # found by its marker, never re-sent


def test_a_create_lost_before_the_server_saw_it_is_sent_again_after_the_grace_period(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[2]
    op = store.outbox.enqueue(AddNote(lead_id=lead_id, text="Sent after the drop"))
    sandbox.faults.inject("drop_before", method="POST", path=NOTES)

    push_ready(store, gateway, meta, reconcile_grace=GRACE)
    waiting = store.outbox.get(op.op_id)
    assert waiting.state == "unknown" and waiting.first_ambiguous_at is not None
    assert waiting.next_attempt_at is not None
    assert waiting.next_attempt_at >= waiting.first_ambiguous_at + int(GRACE * 1000) or (
        waiting.next_attempt_at > waiting.first_ambiguous_at
    )

    assert push_ready(store, gateway, meta, reconcile_grace=GRACE, wait=5).done == 1

    assert len(created_with_marker(sandbox, "note", op.op_id)) == 1
    log = sandbox.request_log()
    posts = [i for i, r in enumerate(log) if r.method == "POST" and r.path.endswith("/notes")]
    assert len(posts) == 2  # the dropped one and the one that landed
    # Before the second POST it looked for the first (lead → notes associations), not in search.
    looked = [i for i, r in enumerate(log) if r.method == "POST" and "/leads/notes/batch/read" in r.path]
    assert looked and looked[0] < posts[1]
    assert not [r for r in log if "/search" in r.path]


def test_a_patch_whose_answer_was_lost_is_done_once_and_not_a_conflict(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[3]
    target = next_stage(stage_of(sandbox, lead_id))
    op = store.outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=target, note="Connected at last"))
    sandbox.faults.inject("drop_after_commit", method="PATCH")

    report = push_ready(store, gateway, meta, reconcile_grace=GRACE, wait=5)

    assert (report.done, report.conflicts) == (1, 0)
    assert stage_of(sandbox, lead_id) == target
    assert len([r for r in sandbox.request_log() if r.method == "PATCH"]) == 1  # the retry saw it landed
    assert len(created_with_marker(sandbox, "note", op.op_id)) == 1


def test_a_server_error_is_retried_with_backoff(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[4]
    current = remote_lead(sandbox, lead_id)["properties"].get("hs_lead_type")
    wanted = next(t.value for t in meta.lead_types if t.value != current)  # a real change: a PATCH
    op = store.outbox.enqueue(SetLeadType(lead_id=lead_id, lead_type=wanted))
    sandbox.faults.inject("status", status=503, method="PATCH")

    first = push_ready(store, gateway, meta)
    deferred = store.outbox.get(op.op_id)
    assert first.deferred == 1 and deferred.state == "pending" and deferred.next_attempt_at is not None
    assert deferred.next_attempt_at > deferred.updated_at - 1  # waits before trying again

    assert push_ready(store, gateway, meta, wait=5).done == 1
    assert remote_lead(sandbox, lead_id)["properties"]["hs_lead_type"] == wanted
    assert [a.outcome for a in store.outbox.attempts(op.op_id)] == ["retry", "done"]


# --- 429 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Retry-After": "1"}, None),  # HubSpot's TEN_SECONDLY_ROLLING body with Retry-After
        (
            {},
            {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
                "policyName": "SECONDLY",
            },
        ),
    ],
    ids=["retry-after", "no-retry-after"],
)
def test_a_429_pauses_the_queue_then_resumes_and_the_op_is_not_failed(
    headers: dict[str, str],
    body: dict[str, str] | None,
    sandbox: SandboxHandle,
    gateway: HubSpotGateway,
    cache: tuple[Store, PortalMeta],
) -> None:
    store, meta = cache
    leads = open_lead_ids(sandbox)
    ops = [store.outbox.enqueue(AddNote(lead_id=lead, text=f"note {i}")) for i, lead in enumerate(leads[:3])]
    sandbox.faults.inject("status", status=429, method="POST", path=NOTES, headers=headers, body=body)

    report = push_ready(store, gateway, meta)

    assert (report.done, report.failed) == (3, 0)
    assert report.rate_limited_until is None  # the pause was waited out within the run
    first = store.outbox.get(ops[0].op_id)
    assert first.attempts == 1  # the 429 was not counted against the op
    assert [a.outcome for a in store.outbox.attempts(ops[0].op_id)] == ["rate_limited", "done"]
    for op in ops:
        assert len(created_with_marker(sandbox, "note", op.op_id)) == 1
    statuses = [r.status for r in sandbox.request_log() if r.method == "POST" and r.path.endswith("/notes")]
    assert statuses == [429, 201, 201, 201]


def test_stop_ends_a_rate_limit_pause_promptly_and_keeps_the_op(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    op = store.outbox.enqueue(AddNote(lead_id=open_lead_ids(sandbox)[0], text="waiting"))
    sandbox.faults.inject("status", status=429, method="POST", path=NOTES, headers={"Retry-After": "30"})
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()

    report = push_ready(store, gateway, meta, stop=stop)

    assert report.done == 0 and report.rate_limited_until is not None
    kept = store.outbox.get(op.op_id)
    assert kept.state == "pending" and kept.attempts == 0
    gateway.limiter.clear_pause()


# --- 401, 403, 400 --------------------------------------------------------------------------------


def test_a_401_stops_pushing_keeps_ops_pending_and_asks_for_a_token(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    leads = open_lead_ids(sandbox)
    ops = [store.outbox.enqueue(AddNote(lead_id=lead, text="hello")) for lead in leads[:2]]
    revoked = HubSpotGateway(sandbox.base_url, "pat-na1-00000000-revoked", timeout=(2.0, 2.0))

    report = push_ready(store, revoked, meta)

    assert report.auth_failed and report.done == 0 and report.failed == 0
    assert "token" in report.errors[0]
    assert [store.outbox.get(o.op_id).state for o in ops] == ["pending", "pending"]
    assert store.get_state(KEY_AUTH_STATE) == "invalid"
    assert len([r for r in sandbox.request_log() if r.status == 401]) == 1  # stopped at the first

    assert push_ready(store, gateway, meta).done == 2  # a good token: everything goes
    assert store.get_state(KEY_AUTH_STATE) == "ok"


def test_a_403_fails_the_op_naming_the_missing_scopes(
    sandbox: SandboxHandle, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    token = "pat-na1-11111111-no-write-scope"
    sandbox.add_token(
        token, {"crm.objects.leads.read", "crm.objects.leads.write", "crm.objects.contacts.read"}
    )
    limited = HubSpotGateway(sandbox.base_url, token, timeout=(2.0, 2.0))
    op = store.outbox.enqueue(AddNote(lead_id=open_lead_ids(sandbox)[0], text="Kept for later"))

    report = push_ready(store, limited, meta)

    failed = store.outbox.get(op.op_id)
    assert report.failed == 1 and failed.state == "failed"
    assert "crm.objects.contacts.write" in (failed.last_error or "")
    assert "crm.objects.contacts.write" in report.missing_scopes
    assert failed.command.text == "Kept for later"  # type: ignore[attr-defined]
    assert created_with_marker(sandbox, "note", op.op_id) == []


def test_a_400_fails_with_hubspots_message_and_keeps_the_change(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[1]
    # The rep chose a lead type the portal had when the cache last synced; it is gone from HubSpot now.
    ghost = Option(value="GHOST_TYPE", label="Ghost", display_order=99)
    store.save_portal_meta(replace(meta, lead_types=(*meta.lead_types, ghost)))
    op = store.outbox.enqueue(SetLeadType(lead_id=lead_id, lead_type="Ghost"))
    later = store.outbox.enqueue(AddNote(lead_id=lead_id, text="behind it"))

    report = push_ready(store, gateway, meta)

    failed = store.outbox.get(op.op_id)
    assert report.failed == 1 and failed.state == "failed"
    assert "GHOST_TYPE was not one of the allowed options" in (failed.last_error or "")
    assert failed.command.lead_type == "GHOST_TYPE"  # type: ignore[attr-defined]
    assert [a.http_status for a in store.outbox.attempts(op.op_id)] == [400]
    assert store.outbox.get(later.op_id).state == "pending"  # waits for the rep, in order
    assert push_ready(store, gateway, meta).done == 0  # never retried by itself
    row = store.lead_state(lead_id)
    assert row is not None and row.marker == "failed"


# --- a compound op that stops part way ------------------------------------------------------------

PARTIAL_QUALIFY = "Already in HubSpot: the change to the lead and the note. Not in HubSpot: the deal."


def test_a_qualify_refused_at_its_deal_says_which_steps_reached_hubspot(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[0]
    store.outbox.enqueue(SetLeadType(lead_id=lead_id, lead_type=meta.lead_types[0].value))
    assert push_ready(store, gateway, meta).done == 1
    token = "pat-na1-22222222-no-deal-write"
    sandbox.add_token(
        token,
        {
            "crm.objects.leads.read",
            "crm.objects.leads.write",
            "crm.objects.contacts.read",
            "crm.objects.contacts.write",
            "crm.objects.deals.read",
        },
    )
    limited = HubSpotGateway(sandbox.base_url, token, timeout=(2.0, 2.0))
    deal = Deal(name="Acme rollout", amount=12000, close_date=date(2026, 12, 1))
    op = store.outbox.enqueue(Qualify(lead_id=lead_id, note="Budget approved", deal=deal))

    report = push_ready(store, limited, meta)

    failed = store.outbox.get(op.op_id)
    assert report.failed == 1 and failed.state == "failed"
    assert "crm.objects.deals.write" in (failed.last_error or "")
    assert PARTIAL_QUALIFY in (failed.last_error or "")
    assert remote_lead(sandbox, lead_id)["properties"]["hs_pipeline_stage"] == meta.qualified_stage_id
    assert len(created_with_marker(sandbox, "note", op.op_id)) == 1
    assert created_with_marker(sandbox, "deal", op.op_id) == []


def test_a_disqualify_refused_at_its_follow_up_task_says_which_steps_reached_hubspot(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[1]
    day = date.today() + timedelta(days=30)
    op = store.outbox.enqueue(
        Disqualify(lead_id=lead_id, reason="bad timing", note="Back after the merger", follow_up=day)
    )
    refusal = {
        "status": "error",
        "message": "Property values were not valid",
        "category": "VALIDATION_ERROR",
        "errors": [{"message": "hs_task_subject is too long", "code": "INVALID_LENGTH"}],
    }
    sandbox.faults.inject(
        "status", status=400, method="POST", path=r"/objects/(2026-09/)?tasks$", body=refusal
    )

    report = push_ready(store, gateway, meta)

    failed = store.outbox.get(op.op_id)
    assert report.failed == 1 and failed.state == "failed"
    assert "Already in HubSpot: the change to the lead and the note. Not in HubSpot: the follow-up task." in (
        failed.last_error or ""
    )
    assert remote_lead(sandbox, lead_id)["properties"]["hs_pipeline_stage"] == meta.unqualified_stage_id
    assert created_with_marker(sandbox, "task", op.op_id) == []
