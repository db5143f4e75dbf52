"""`--db` pointed at a file that is not leadboard's: another application's SQLite database is left
untouched and refused with a sentence that names it; an empty file or a new path becomes a cache."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadboard.cache.store import CacheError, Store
from leadboard.cli.main import main


def another_apps_database(path: Path) -> bytes:
    """A small notes app's SQLite file (it, too, keeps sqlite-utils migrations); returns its bytes."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
        INSERT INTO notes(body) VALUES ('groceries');
        CREATE TABLE _sqlite_migrations (
          migration_set TEXT, name TEXT, applied_at TEXT, PRIMARY KEY (migration_set, name));
        INSERT INTO _sqlite_migrations VALUES ('notes', 'm001_initial', '2026-01-01');
        """
    )
    conn.close()
    return path.read_bytes()


def table_names(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_a_sync_into_another_apps_database_is_refused_and_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = tmp_path / "notes.db"
    before = another_apps_database(foreign)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-00000000-0000-0000-0000-000000000000")

    synced = CliRunner().invoke(
        main, ["sync", "--db", str(foreign), "--portal", "http://127.0.0.1:9", "--email", "rep@example.com"]
    )

    assert synced.exit_code == 1, synced.output
    assert synced.stderr.startswith(f"Error: {foreign} is not a leadboard cache")
    assert "--db" in synced.stderr and synced.stderr.count("\n") == 1
    assert table_names(foreign) == {"notes", "_sqlite_migrations"}
    assert foreign.read_bytes() == before


def test_opening_another_apps_database_as_the_cache_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.db"
    another_apps_database(foreign)

    with pytest.raises(CacheError, match="is not a leadboard cache") as refused:
        Store.open(foreign)

    assert str(foreign) in str(refused.value)
    assert table_names(foreign) == {"notes", "_sqlite_migrations"}


def test_an_empty_file_and_a_new_path_become_caches(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    for path in (empty, tmp_path / "new" / "cache.sqlite"):
        with Store.open(path):
            pass
        with Store.open(path) as again:  # and open again as leadboard's own
            assert not again.portal_meta().stages
        assert "leads" in table_names(path)
