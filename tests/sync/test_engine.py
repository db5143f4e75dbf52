"""The sync engine against the sandbox: pull then push, status the rep sees, the push lock, stop()."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadboard.cache.store import Store, SyncLockHeld
from leadboard.commands.add_note import AddNote
from leadboard.commands.move_stage import MoveStage
from leadboard.config import Settings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import PROP_NAME
from leadboard.sync.engine import SyncEngine, SyncStatus
from leadboard.sync.pull_cycle import KEY_LAST_RECONCILE
from tests.sync.push_support import TINY_PORTAL, created_with_marker, next_stage, open_lead_ids, remote_lead


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(TINY_PORTAL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def settings(sandbox: SandboxHandle, tmp_path: Path) -> Settings:
    sandbox.portal.reset()
    sandbox.faults.clear()
    sandbox.clear_request_log()
    return Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=tmp_path / "cache.sqlite")


@pytest.fixture
def engine(settings: Settings, sandbox: SandboxHandle) -> Iterator[SyncEngine]:
    eng = SyncEngine(settings, sandbox.token, reconcile_grace=0.3, timeout=(2.0, 2.0))
    yield eng
    eng.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_first_sync_pulls_metadata_and_leads_and_says_synced(
    engine: SyncEngine, sandbox: SandboxHandle
) -> None:
    seen: list[SyncStatus] = []
    engine._on_status = seen.append

    report = engine.sync()

    assert report.error is None and report.pull is not None and report.push is not None
    meta = engine.meta()
    assert meta is not None and meta.owner_id == sandbox.portal.rep_owner_id
    board_ids = {lead.id for lead in engine.store().board()}
    assert board_ids == set(open_lead_ids(sandbox))
    assert report.status.line() == "synced just now"
    assert any(s.syncing for s in seen) and not seen[-1].syncing


def test_sync_pushes_what_the_rep_queued(engine: SyncEngine, sandbox: SandboxHandle) -> None:
    engine.sync()
    lead_id = open_lead_ids(sandbox)[0]
    target = next_stage(remote_lead(sandbox, lead_id)["properties"]["hs_pipeline_stage"])
    op = engine.store().outbox.enqueue(MoveStage(lead_id=lead_id, stage_id=target, note="Booked a demo"))
    assert engine.status().line() == "1 change waiting"

    report = engine.sync()

    assert report.push is not None and report.push.done == 1
    assert remote_lead(sandbox, lead_id)["properties"]["hs_pipeline_stage"] == target
    assert len(created_with_marker(sandbox, "note", op.op_id)) == 1
    assert engine.status().line() == "synced just now"


def test_offline_never_raises_and_says_how_much_is_waiting(
    engine: SyncEngine, settings: Settings, sandbox: SandboxHandle
) -> None:
    engine.sync()
    for lead_id in open_lead_ids(sandbox)[:3]:
        engine.store().outbox.enqueue(AddNote(lead_id=lead_id, text="written on the train"))
    offline = SyncEngine(settings.replace(portal=closed_port_url()), sandbox.token, timeout=(1.0, 1.0))

    report = offline.sync()

    assert report.error is not None
    assert report.status.offline and report.status.pending == 3
    assert report.status.line() == "offline: 3 changes waiting"
    offline.close()
    # Online again: the same cache pushes everything.
    assert engine.sync().push is not None
    assert engine.status().pending == 0


def test_a_bad_token_stops_and_says_the_token_needs_attention(
    engine: SyncEngine, settings: Settings, sandbox: SandboxHandle
) -> None:
    engine.sync()
    op = engine.store().outbox.enqueue(AddNote(lead_id=open_lead_ids(sandbox)[0], text="kept"))
    revoked = SyncEngine(settings, "pat-na1-00000000-revoked", timeout=(2.0, 2.0))

    report = revoked.sync()

    assert report.error is not None and "token" in report.error
    assert report.status.auth_needed
    assert report.status.line() == "token needs attention: 1 change waiting"
    assert engine.store().outbox.get(op.op_id).state == "pending"
    revoked.close()


def test_no_token_at_all_is_reported_not_raised(settings: Settings) -> None:
    engine = SyncEngine(settings, None)
    report = engine.sync()
    assert report.error is not None and "leadboard login" in report.error
    assert report.status.auth_needed
    engine.close()


def test_a_second_pusher_on_the_same_cache_is_refused_clearly(
    engine: SyncEngine, sandbox: SandboxHandle
) -> None:
    engine.sync()
    op = engine.store().outbox.enqueue(AddNote(lead_id=open_lead_ids(sandbox)[0], text="only once"))
    other = Store.open(engine.settings.db)
    with other.push_lock(), pytest.raises(SyncLockHeld) as refused:
        engine.push()
    other.close()
    assert "Another leadboard is syncing this cache" in str(refused.value)
    assert engine.store().outbox.get(op.op_id).state == "pending"
    # sync() reports it instead of raising.
    with Store.open(engine.settings.db).push_lock():
        report = engine.sync()
    assert report.error is not None and "Another leadboard" in report.error
    assert engine.push().done == 1


def test_stop_interrupts_a_rate_limit_pause_promptly(engine: SyncEngine, sandbox: SandboxHandle) -> None:
    engine.sync()
    op = engine.store().outbox.enqueue(AddNote(lead_id=open_lead_ids(sandbox)[1], text="paused"))
    sandbox.faults.inject("status", status=429, method="POST", headers={"Retry-After": "30"})
    result: list[object] = []
    db = engine.settings.db

    def worker() -> None:
        result.append(engine.push())
        engine.close()

    thread = threading.Thread(target=worker)
    thread.start()
    threading.Timer(0.3, engine.stop).start()
    thread.join(timeout=20)
    assert not thread.is_alive()  # it did not sit out the 30 s pause
    with Store.open(db) as store:
        assert store.outbox.get(op.op_id).state == "pending"
    assert engine.sync().error == "Sync is stopping."


def test_an_archived_lead_found_by_the_reconcile_blocks_its_note(
    engine: SyncEngine, sandbox: SandboxHandle
) -> None:
    engine.sync()
    lead_id = open_lead_ids(sandbox)[2]
    op = engine.store().outbox.enqueue(AddNote(lead_id=lead_id, text="too late"))
    sandbox.portal.archive_object("leads", lead_id)
    engine.store().set_state(KEY_LAST_RECONCILE, "0")  # the periodic reconcile is due

    report = engine.sync()

    assert report.push is not None and report.push.blocked == 1
    blocked = engine.store().outbox.get(op.op_id)
    assert blocked.state == "blocked" and "archived" in (blocked.last_error or "")
    assert created_with_marker(sandbox, "note", op.op_id) == []
    assert engine.status().line() == "1 blocked"


NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def status(**changes: object) -> SyncStatus:
    base = SyncStatus(
        last_sync_at=NOW - timedelta(minutes=2),
        syncing=False,
        pending=0,
        failed=0,
        conflicts=0,
        blocked=0,
        offline=False,
        rate_limited_until=None,
        auth_needed=False,
        missing_scopes=(),
    )
    return SyncStatus(**{**base.__dict__, **changes})


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({}, "synced 2 min ago"),
        ({"last_sync_at": None}, "not synced yet"),
        ({"syncing": True}, "syncing…"),
        ({"offline": True, "pending": 3}, "offline: 3 changes waiting"),
        ({"conflicts": 1}, "1 conflict"),
        ({"conflicts": 2, "failed": 1}, "2 conflicts · 1 failed"),
        ({"rate_limited_until": NOW + timedelta(seconds=8)}, "HubSpot is busy: resuming in 8 s"),
        (
            {"rate_limited_until": NOW + timedelta(seconds=8), "pending": 2},
            "HubSpot is busy: 2 changes waiting, resuming in 8 s",
        ),
        ({"auth_needed": True, "offline": True}, "token needs attention"),
        ({"pending": 1}, "1 change waiting"),
        ({"missing_scopes": ("crm.objects.contacts.write",)}, "token lacks crm.objects.contacts.write"),
    ],
)
def test_the_status_line_says_the_most_urgent_thing(changes: dict[str, object], line: str) -> None:
    assert status(**changes).line(now=NOW) == line


def test_a_missing_email_says_so_and_still_pushes(
    engine: SyncEngine, settings: Settings, sandbox: SandboxHandle
) -> None:
    engine.sync()
    op = engine.store().outbox.enqueue(AddNote(lead_id=open_lead_ids(sandbox)[0], text="still goes"))
    engine.store().set_state("meta_saved_at", "0")  # metadata is due again, and needs the email
    no_email = SyncEngine(settings.replace(email=None), sandbox.token, timeout=(2.0, 2.0))

    report = no_email.sync()

    assert report.error is not None and "email" in report.error
    assert not report.status.auth_needed
    assert no_email.store().outbox.get(op.op_id).state == "done"
    no_email.close()


# --- a pull that fails, a record that cannot be read ------------------------------------------------


def test_a_failed_pull_says_so_in_the_status_line_not_synced_just_now(
    engine: SyncEngine, sandbox: SandboxHandle
) -> None:
    assert engine.sync().status.line() == "synced just now"
    sandbox.faults.inject("status", status=500, method="POST", path=r"/search$", times=50)

    report = engine.sync()

    assert report.pull is None and report.error is not None
    assert report.status.line() == "pull failed"
    assert engine.status().line() == "pull failed"
    sandbox.faults.clear()
    assert engine.sync().status.line() == "synced just now"


def test_a_lead_sent_with_an_invalid_utf8_byte_is_skipped_and_named_and_the_page_kept(
    engine: SyncEngine, sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    assert engine.sync().error is None
    bad, good = open_lead_ids(sandbox)[:2]
    old_name = next(lead.name for lead in engine.store().board() if lead.id == bad)
    # The sandbox sends an escaped byte (Python's surrogateescape) as that raw byte: 0xFF is never UTF-8.
    sandbox.portal.update_object("leads", bad, {"properties": {PROP_NAME: "Broken \udcff name"}})
    sandbox.portal.update_object("leads", good, {"properties": {PROP_NAME: "Renamed in HubSpot"}})

    with caplog.at_level("WARNING"):
        report = engine.sync()

    assert report.error is None and report.pull is not None
    assert report.status.line() == "synced just now"
    names = {lead.id: lead.name for lead in engine.store().board()}
    assert names[good] == "Renamed in HubSpot"
    assert names[bad] == old_name
    assert any(bad in r.getMessage() and "UTF-8" in r.getMessage() for r in caplog.records), caplog.text
