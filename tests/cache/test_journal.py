"""The changes journal beside the cache: what waits for HubSpot survives a cache that breaks.

A real SQLite cache and the real journal file; the cache is broken the way the issue saw it (cut
in half), and what `leadboard recover` would queue again is read from the journal.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from leadboard.cache import journal as journal_module
from leadboard.cache.journal import journal_path, waiting_changes
from leadboard.cache.store import CacheError, Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.move_stage import MoveStage
from tests.cache_fixtures import seeded_store


def cut_in_half(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def test_only_changes_still_waiting_are_kept_and_an_edit_is_kept_as_edited(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    with seeded_store(db) as store:
        done = store.outbox.enqueue(AddNote(lead_id="1", text="Reached HubSpot"))
        dropped = store.outbox.enqueue(AddNote(lead_id="2", text="Discarded"))
        edited = store.outbox.enqueue(MoveStage(lead_id="1", stage_id="connected-stage-id", note="First"))
        waiting = store.outbox.enqueue(AddNote(lead_id="3", text="Still waiting"))
        store.outbox.claim_next()
        store.outbox.finish_done(done.op_id, remote_ids={"note": "901"})
        store.outbox.discard(dropped.op_id)
        store.outbox.claim_next()
        store.outbox.finish_failed(edited.op_id, "HubSpot said no")
        store.outbox.retry(edited.op_id, MoveStage(lead_id="1", stage_id="connected-stage-id", note="Edited"))

    kept = waiting_changes(journal_path(db))
    assert [c.op_id for c in kept] == [edited.op_id, waiting.op_id]
    assert "Edited" in kept[0].payload_json and "First" not in kept[0].payload_json
    assert stat.S_IMODE(journal_path(db).stat().st_mode) == 0o600


def test_a_broken_cache_says_how_many_changes_wait_and_how_to_get_them_back(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    with seeded_store(db, leads=40) as store:
        for i in range(1, 40):
            store.upsert_activities(
                "note", [{"id": f"n{i}", "properties": {"hs_note_body": "x" * 2000}}], str(i), None
            )
        store.outbox.enqueue(AddNote(lead_id="1", text="one"))
        store.outbox.enqueue(AddNote(lead_id="2", text="two"))
    cut_in_half(db)

    with pytest.raises(CacheError) as caught:
        Store.open(db).close()

    message = str(caught.value)
    assert "2 changes that were waiting" in message and str(journal_path(db)) in message
    assert "leadboard recover" in message


def test_recovered_changes_keep_their_ids_and_are_checked_in_hubspot_before_any_resend(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.sqlite"
    with seeded_store(old) as store:
        op = store.outbox.enqueue(AddNote(lead_id="2", text="Waiting"))
    with seeded_store(tmp_path / "fresh.sqlite") as fresh:
        (restored,) = fresh.outbox.restore(waiting_changes(journal_path(old)))
        assert fresh.outbox.restore(waiting_changes(journal_path(old))) == []  # once only
        assert restored.op_id == op.op_id and restored.command == op.command
        assert restored.state == "unknown" and restored.first_ambiguous_at is not None
        # The fresh cache's own journal has it too, should this cache break as well.
    assert [c.op_id for c in waiting_changes(journal_path(tmp_path / "fresh.sqlite"))] == [op.op_id]


def test_a_torn_last_line_is_skipped_and_a_long_journal_is_compacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "COMPACT_AT_BYTES", 4096)
    db = tmp_path / "cache.sqlite"
    with seeded_store(db) as store:
        last = None
        for i in range(40):
            op = store.outbox.enqueue(AddNote(lead_id="1", text=f"note {i}"))
            if i < 39:
                store.outbox.discard(op.op_id)
            last = op
    path = journal_path(db)
    assert path.stat().st_size < 4096 + 1024  # rewritten with what still waits
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"event": "op", "op_id": "half-writ')
    assert last is not None
    assert [c.op_id for c in waiting_changes(path)] == [last.op_id]


def test_a_cache_from_before_the_journal_gets_one_with_what_waits(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    with seeded_store(db) as store:
        op = store.outbox.enqueue(AddNote(lead_id="1", text="Queued by an older leadboard"))
    journal_path(db).unlink()
    Store.open(db).close()
    assert [c.op_id for c in waiting_changes(journal_path(db))] == [op.op_id]
