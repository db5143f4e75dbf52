"""A full disk while a change is saved: SQLite's "database or disk is full" (SQLITE_FULL) is said as
such, with what to do, and every change saved before it stays queued.

The disk is made full for real SQLite writes by capping the connection's file size with
`PRAGMA max_page_count` at the pages it already has: the next page SQLite needs gets SQLITE_FULL,
exactly as when the file system has no block left."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadboard.cache import database
from leadboard.cache.store import CacheDiskFull
from leadboard.cli.main import main
from leadboard.commands.add_note import AddNote
from tests.cache_fixtures import seeded_store

BIG_NOTE = "Long call notes. " * 2_000  # needs pages the full disk cannot give


def fill_the_disk(conn: sqlite3.Connection) -> None:
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def queued_texts(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT payload_json FROM outbox ORDER BY seq")]
    finally:
        conn.close()


def test_a_full_disk_refuses_the_new_change_and_keeps_the_queued_ones(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with seeded_store(path) as store:
        store.outbox.enqueue(AddNote(lead_id="1", text="Queued before the disk filled"))
        fill_the_disk(store.db.conn)

        with pytest.raises(CacheDiskFull) as full:
            store.outbox.enqueue(AddNote(lead_id="2", text=BIG_NOTE))

        assert "is full" in str(full.value) and str(path) in str(full.value)
        assert "Free some disk space" in str(full.value)
        assert not store.db.conn.in_transaction
    queued = queued_texts(path)
    assert len(queued) == 1 and "Queued before the disk filled" in queued[0]


def test_the_note_command_on_a_full_disk_says_so_instead_of_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.sqlite"
    with seeded_store(path) as store:
        store.outbox.enqueue(AddNote(lead_id="1", text="Queued before the disk filled"))
    real_connect = database._open_connection

    def connect_on_a_full_disk(db_path: Path) -> sqlite3.Connection:
        conn = real_connect(db_path)
        fill_the_disk(conn)
        return conn

    monkeypatch.setattr(database, "_open_connection", connect_on_a_full_disk)

    noted = CliRunner().invoke(main, ["note", "2", "--text", BIG_NOTE, "--no-push", "--db", str(path)])

    assert noted.exit_code == 1, noted.output
    assert noted.stderr.startswith(f"Error: The disk that holds the cache ({path}) is full")
    assert "internal error" not in noted.stderr and noted.stderr.count("\n") == 1
    assert "Every change saved before it is kept" in noted.stderr
    queued = queued_texts(path)
    assert len(queued) == 1 and "Queued before the disk filled" in queued[0]
