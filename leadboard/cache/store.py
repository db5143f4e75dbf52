"""The local cache: one SQLite file (sqlite-utils) holding HubSpot's data, sync state and the outbox.

Rules for callers:

- **One `Store` per thread.** A `Store` wraps one SQLite connection, usable only in the thread that
  opened it. The UI thread and the sync worker each call `Store.open(path)` on the same file; WAL
  lets them read while the other writes, and every write takes `BEGIN IMMEDIATE`, so a writer waits
  (`busy_timeout`) instead of failing with "database is locked".
- **Who writes what.** The pull writes the remote tables (`upsert_*`, `save_portal_meta`,
  `set_state`); commands and the push write the outbox (`store.outbox`, see `leadboard/cache/outbox.py`);
  the board reads `board()`, `lead_detail()` and `sync_status()` (see `leadboard/cache/read_model.py`).
- **One pusher.** Only the holder of `store.push_lock()` may push; a second leadboard on the same cache
  gets `SyncLockHeld` naming the pid that holds it.
- **Errors.** A file that is not a leadboard cache raises `CacheError`, whose message says what to do.
  Tokens are never stored here.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import filelock
from sqlite_utils import Database

from leadboard.cache.read_model import (
    ACCOUNT_KEYS,
    LABEL_OPTIONS,
    REASON_OPTIONS,
    SOURCE_OPTIONS,
    TYPE_OPTIONS,
)
from leadboard.cache.remote_tables import RemoteTables, fold, ms, now_ms
from leadboard.cache.schema import migrations
from leadboard.state import PortalMeta

if TYPE_CHECKING:
    from leadboard.cache.read_model import BoardLead, BoardPage, LeadDetail, Sort, SyncStatus, View
    from leadboard.sla_settings import SlaSettings

__all__ = [
    "KEY_PORTAL_ID",
    "KEY_PORTAL_TIME_ZONE",
    "KEY_PORTAL_UI_DOMAIN",
    "CacheError",
    "PushLock",
    "Store",
    "SyncLockHeld",
    "ms",
    "now_ms",
]

BUSY_TIMEOUT_MS = 10_000

#: sync_state keys holding `PortalMeta.portal_id`, `.time_zone` and `.ui_domain` (the board reads
#: `portal_id` directly for its "open in HubSpot" link).
KEY_PORTAL_ID, KEY_PORTAL_TIME_ZONE, KEY_PORTAL_UI_DOMAIN = (key for _, key in ACCOUNT_KEYS)
_ACCOUNT_KEYS = ACCOUNT_KEYS


class CacheError(Exception):
    """The cache file cannot be used. The message is for the rep: what is wrong and what to do."""


class SyncLockHeld(Exception):
    """Another leadboard process is pushing from this cache."""


_BROKEN_HELP = (
    "Move it aside (for example `mv {path} {path}.broken`) and run `leadboard sync`: the cache is "
    "rebuilt from HubSpot by a full pull. Changes that were waiting to be pushed stay in the moved file."
)


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
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: the board's 10,000 rows stay in memory
        conn.create_function("lb_fold", 1, fold, deterministic=True)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CacheError(
            f"The cache at {path} is not a readable leadboard database ({exc}). "
            + _BROKEN_HELP.format(path=path)
        ) from exc
    return conn


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


class Store(RemoteTables):
    """One connection to the cache, for the thread that opened it. Use `Store.open(path)`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        from leadboard.cache.outbox import Outbox

        self.path = path
        self.db = Database(conn)
        self.thread_id = threading.get_ident()
        self.outbox = Outbox(self)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Store:
        """Open (and create or migrate) the cache. Raises `CacheError` with advice if the file is unusable."""
        db_path = Path(path).expanduser()
        conn = _open_connection(db_path)
        store = cls(db_path, conn)
        try:
            store.migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise CacheError(
                f"The cache at {db_path} could not be prepared ({exc}). " + _BROKEN_HELP.format(path=db_path)
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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: `BEGIN IMMEDIATE` (waits for other writers), or a savepoint when nested."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

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
        from leadboard.cache.read_model import portal_meta

        return portal_meta(self.db.conn)

    # --- the read model (leadboard/cache/read_model.py); these delegate so callers need only a Store ------

    def board(
        self,
        view: View = "open",
        needle: str = "",
        sort: Sort = "urgent",
        owner_id: str | None = None,
        *,
        limit_per_stage: int | None = None,
    ) -> list[BoardLead]:
        """The rep's leads with open ops applied; see `leadboard.cache.read_model.board`."""
        from leadboard.cache.read_model import board

        return board(
            self, view=view, needle=needle, sort=sort, owner_id=owner_id, limit_per_stage=limit_per_stage
        )

    def board_page(
        self,
        view: View = "open",
        needle: str = "",
        sort: Sort = "urgent",
        owner_id: str | None = None,
        *,
        limit_per_stage: int | None = None,
    ) -> BoardPage:
        """The first `limit_per_stage` rows of each stage and every stage's total, in one query."""
        from leadboard.cache.read_model import board_page

        return board_page(
            self.db.conn,
            view=view,
            needle=needle,
            sort=sort,
            owner_id=owner_id,
            limit_per_stage=limit_per_stage,
        )

    def board_counts(
        self, view: View = "open", needle: str = "", owner_id: str | None = None
    ) -> dict[str, int]:
        """How many of the rep's leads each stage holds (open ops applied), by stage id."""
        from leadboard.cache.read_model import board_counts

        return board_counts(self.db.conn, view=view, needle=needle, owner_id=owner_id)

    def apply_sla_settings(self, sla: SlaSettings) -> bool:
        """Make the stored SLA deadlines follow `sla`; call at start-up. Recomputes every lead's
        deadline only when the settings (or the zone they resolve to) changed since the last call;
        returns whether it did."""
        from leadboard.cache.lead_columns import (
            KEY_SLA_HASH,
            KEY_SLA_SETTINGS,
            fingerprint,
            recompute_deadlines,
            stored_settings,
        )

        wanted = fingerprint(sla)
        with self.transaction() as conn:
            current = self.get_state(KEY_SLA_HASH) or fingerprint(stored_settings(conn))
            changed = current != wanted
            if changed:
                recompute_deadlines(conn, sla)
            if changed or self.get_state(KEY_SLA_HASH) is None:
                self.set_state(KEY_SLA_SETTINGS, sla.to_json())
                self.set_state(KEY_SLA_HASH, wanted)
        return changed

    def lead_state(self, lead_id: str) -> BoardLead | None:
        """One lead as the rep sees it, for `state.check_command`; see `read_model.lead_state`."""
        from leadboard.cache.read_model import lead_state

        return lead_state(self, lead_id)

    def lead_detail(self, lead_id: str) -> LeadDetail | None:
        """Everything the lead screen shows; see `leadboard.cache.read_model.lead_detail`."""
        from leadboard.cache.read_model import lead_detail

        return lead_detail(self, lead_id)

    def sync_status(self) -> SyncStatus:
        """Counts and times for the status line; see `leadboard.cache.read_model.sync_status`."""
        from leadboard.cache.read_model import sync_status

        return sync_status(self)
