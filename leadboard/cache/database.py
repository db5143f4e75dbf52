"""One SQLite connection to the cache: pragmas, migrations, transactions, sync state, the push lock.

The base of `Store` (store.py), split off so the outbox can work on a connection without importing
the store that holds it. Read store.py's docstring for the rules callers follow.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Self

import filelock
from sqlite_utils import Database

from leadboard.cache.journal import journal_path, waiting_changes
from leadboard.cache.read_model import (
    ACCOUNT_KEYS,
    LABEL_OPTIONS,
    REASON_OPTIONS,
    SOURCE_OPTIONS,
    TYPE_OPTIONS,
)
from leadboard.cache.read_model import portal_meta as read_portal_meta
from leadboard.cache.remote_tables import RemoteTables, fold, now_ms
from leadboard.cache.schema import migrations
from leadboard.state import PortalMeta

BUSY_TIMEOUT_MS = 10_000
#: sqlite-utils' record of applied migrations; our rows carry `migration_set = migrations.name`.
MIGRATIONS_TABLE = "_sqlite_migrations"

#: sync_state keys holding `PortalMeta.portal_id`, `.time_zone` and `.ui_domain` (the board reads
#: `portal_id` directly for its "open in HubSpot" link).
KEY_PORTAL_ID, KEY_PORTAL_TIME_ZONE, KEY_PORTAL_UI_DOMAIN = (key for _, key in ACCOUNT_KEYS)
_ACCOUNT_KEYS = ACCOUNT_KEYS


class CacheError(Exception):
    """The cache file cannot be used. The message is for the rep: what is wrong and what to do."""


class CacheDiskFull(CacheError):
    """SQLite found no room to write (SQLITE_FULL): the write was rolled back, nothing else was lost."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The disk that holds the cache ({path}) is full, so this change was not saved. Every change "
            "saved before it is kept, including those waiting for HubSpot. Free some disk space, then "
            "run the command again."
        )


@contextmanager
def _disk_full_explained(path: Path) -> Iterator[None]:
    """Turn SQLite's "database or disk is full" into `CacheDiskFull`, which says what to do."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_FULL:
            raise CacheDiskFull(path) from exc
        raise


class SyncLockHeld(Exception):
    """Another leadboard process is pushing from this cache."""


_BROKEN_HELP = (
    "Move it aside (for example `mv {path} {path}.broken`) and run `leadboard sync`: the cache is "
    "rebuilt from HubSpot by a full pull."
)


def _broken_help(path: Path) -> str:
    """What to do with a cache SQLite cannot read, and how the changes that were waiting come back."""
    help_text = _BROKEN_HELP.format(path=path)
    waiting = waiting_changes(journal_path(path))
    if waiting:
        n = len(waiting)
        help_text += (
            f" {n} change{'s' if n != 1 else ''} that {'were' if n != 1 else 'was'} waiting for HubSpot "
            f"{'are' if n != 1 else 'is'} kept in {journal_path(path)}: after that sync, run "
            "`leadboard recover` to send them (each reaches HubSpot once, even if it already had it)."
        )
    return help_text


def _open_connection(path: Path) -> sqlite3.Connection:
    """Connect with our pragmas, or raise CacheError that says what to do."""
    if path.exists() and not path.is_file():
        raise CacheError(f"The cache path {path} is not a file. Point --db (or LEADBOARD_DB) at a file.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as exc:
        raise CacheError(
            f"Cannot open the cache at {path}: {exc}. Check that the folder is writable."
        ) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA schema_version").fetchone()  # reads the header: fails fast on a non-database
        _refuse_another_apps_database(conn, path)  # before WAL, which would change the file
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: the board's 10,000 rows stay in memory
        conn.create_function("lb_fold", 1, fold, deterministic=True)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CacheError(
            f"The cache at {path} is not a readable leadboard database ({exc}). " + _broken_help(path)
        ) from exc
    return conn


def _refuse_another_apps_database(conn: sqlite3.Connection, path: Path) -> None:
    """Raise CacheError if `path` holds tables but is not a leadboard cache: adding ours would take
    another application's file over. An empty database (a new path, an empty file) is ours to fill."""
    tables = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if not tables:
        return
    if MIGRATIONS_TABLE in tables:
        ours = conn.execute(
            f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE migration_set = ? LIMIT 1", [migrations.name]
        ).fetchone()
        if ours is not None:
            return
    conn.close()
    raise CacheError(
        f"{path} is not a leadboard cache: it is another SQLite database (tables "
        f"{', '.join(sorted(tables)[:3])}{', …' if len(tables) > 3 else ''}), left as it is. "
        "Point --db (or LEADBOARD_DB) at your leadboard cache, or at a new file to start one."
    )


class PushLock:
    """The single-pusher lock: an exclusive flock on `<db>.lock`, holding the owner's pid for messages."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(f"{db_path}.lock")
        self._lock = filelock.FileLock(str(self.path), timeout=0, is_singleton=False)

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def acquire(self) -> None:
        """Take the lock or raise `SyncLockHeld` with a sentence naming the other process."""
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            holder = ""
            with suppress(OSError):
                holder = self.path.read_text(encoding="utf-8").strip()
            who = f"pid {holder}" if holder.isdigit() else "pid unknown"
            raise SyncLockHeld(
                f"Another leadboard is syncing this cache ({who}). Close it, or use another --db."
            ) from None
        with open(self.path, "w", encoding="utf-8") as handle:  # no flock on this descriptor: safe
            handle.write(str(os.getpid()))

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> PushLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class CacheDatabase(RemoteTables):
    """One connection to the cache, for the thread that opened it: transactions, migrations, sync
    state, the portal's metadata and (from `RemoteTables`) HubSpot's rows. `Store` adds the outbox and
    the read model on top; the outbox itself works on this."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.db = Database(conn)
        self.thread_id = threading.get_ident()
        self._after_commit: list[Callable[[], None]] = []

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Self:
        """Open (and create or migrate) the cache. Raises `CacheError` with advice if the file is unusable."""
        db_path = Path(path).expanduser()
        conn = _open_connection(db_path)
        store = cls(db_path, conn)
        try:
            store.migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise CacheError(
                f"The cache at {db_path} could not be prepared ({exc}). " + _broken_help(db_path)
            ) from exc
        return store

    def migrate(self) -> list[str]:
        """Apply pending migrations in one `BEGIN IMMEDIATE`; return the names applied (none on a re-run)."""
        if not migrations.pending(self.db):
            return []
        with self.transaction():
            names = [m.name for m in migrations.pending(self.db)]
            migrations.apply(self.db)
        return names

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: `BEGIN IMMEDIATE` (waits for other writers), or a savepoint when nested."""
        conn = self.db.conn
        with _disk_full_explained(self.path):
            if conn.in_transaction:
                with self.db.atomic():
                    yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                self._after_commit.clear()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        done, self._after_commit = self._after_commit, []
        for action in done:
            action()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the open transaction commits (dropped if it rolls back); now if none is open."""
        if self.db.conn.in_transaction:
            self._after_commit.append(action)
        else:
            action()

    def push_lock(self) -> PushLock:
        """The lock the sync engine holds while pushing (and, ideally, for its whole life)."""
        return PushLock(self.path)

    def check_integrity(self) -> str | None:
        """`None` when SQLite's quick_check passes, else what it found (for `leadboard doctor`)."""
        try:
            rows = [r[0] for r in self.db.conn.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return None if rows == ["ok"] else "; ".join(rows[:5])

    # --- sync state (key/value) ---------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str | None) -> None:
        """Set (or, with None, delete) a sync-state key: cursors, last sync times, pause and auth states."""
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM sync_state WHERE key = ?", [key])
            else:
                conn.execute(
                    "INSERT INTO sync_state(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )

    # --- portal metadata ----------------------------------------------------------------------------

    def save_portal_meta(
        self,
        meta: PortalMeta,
        owner_email: str | None = None,
        *,
        owner_name: tuple[str | None, str | None] | None = None,
    ) -> None:
        """Replace the stored pipeline, stages, options, dispositions, owner and account details
        (portal id, time zone, UI domain: cleared when `meta` has none) with `meta`, atomically.

        `owner_name` is the owner's (first, last) name as HubSpot has it now; None keeps the stored one.
        """
        with self.transaction() as conn:
            conn.execute("DELETE FROM stages")
            conn.execute("DELETE FROM pipelines")
            conn.execute("INSERT INTO pipelines VALUES (?, ?, 0)", [meta.pipeline_id, meta.pipeline_id])
            conn.executemany(
                "INSERT INTO stages VALUES (?, ?, ?, ?, ?)",
                [(s.id, meta.pipeline_id, s.label, s.display_order, int(s.closed)) for s in meta.stages],
            )
            conn.execute("DELETE FROM property_options")
            for prop, options in (
                (TYPE_OPTIONS, meta.lead_types),
                (LABEL_OPTIONS, meta.lead_labels),
                (REASON_OPTIONS, meta.disqualification_reasons),
                (SOURCE_OPTIONS, meta.lead_sources),
            ):
                conn.executemany(
                    "INSERT INTO property_options VALUES (?, ?, ?, ?, ?)",
                    [(prop, o.value, o.label, o.display_order, int(o.hidden)) for o in options],
                )
            conn.execute("DELETE FROM dispositions")
            conn.executemany(
                "INSERT INTO dispositions VALUES (?, ?, ?)",
                [(d.id, d.label, int(d.deleted)) for d in meta.dispositions],
            )
            conn.execute("UPDATE owners SET is_me = 0")
            if meta.owner_id is not None:
                conn.execute(
                    "INSERT INTO owners(id, email, is_me) VALUES (?, ?, 1) "
                    "ON CONFLICT(id) DO UPDATE SET is_me = 1, email = coalesce(excluded.email, email)",
                    [meta.owner_id, owner_email],
                )
                if owner_name is not None:
                    conn.execute(
                        "UPDATE owners SET first_name = ?, last_name = ? WHERE id = ?",
                        [*owner_name, meta.owner_id],
                    )
            for key, value in (
                ("qualified_stage_id", meta.qualified_stage_id),
                ("unqualified_stage_id", meta.unqualified_stage_id),
                *((state_key, getattr(meta, field)) for field, state_key in _ACCOUNT_KEYS),
                ("meta_saved_at", str(now_ms())),
            ):
                self.set_state(key, value)

    def portal_meta(self) -> PortalMeta:
        """The portal metadata as last pulled (empty lists before the first sync)."""
        return read_portal_meta(self.db.conn)
