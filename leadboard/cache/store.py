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
- **Errors.** A file that is not a leadboard cache raises `CacheError`, whose message says what to do;
  a write that finds the disk full raises `CacheDiskFull` (one), after rolling that write back.
  Tokens are never stored here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from leadboard.cache.database import (
    KEY_PORTAL_ID,
    KEY_PORTAL_TIME_ZONE,
    KEY_PORTAL_UI_DOMAIN,
    CacheDatabase,
    CacheDiskFull,
    CacheError,
    PushLock,
    SyncLockHeld,
)
from leadboard.cache.lead_columns import (
    KEY_SLA_HASH,
    KEY_SLA_SETTINGS,
    fingerprint,
    recompute_deadlines,
    stored_settings,
)
from leadboard.cache.outbox import Outbox
from leadboard.cache.read_model import (
    board,
    board_counts,
    board_page,
    cache_status,
    iter_board,
    lead_detail,
    lead_state,
    stage_window,
)
from leadboard.cache.remote_tables import ms, now_ms

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping

    from leadboard.cache.read_model import BoardLead, BoardPage, LeadDetail, Sort, SyncCounts, View
    from leadboard.sla_settings import SlaSettings

__all__ = [
    "KEY_PORTAL_ID",
    "KEY_PORTAL_TIME_ZONE",
    "KEY_PORTAL_UI_DOMAIN",
    "CacheDiskFull",
    "CacheError",
    "PushLock",
    "Store",
    "SyncLockHeld",
    "ms",
    "now_ms",
]


class Store(CacheDatabase):
    """One connection to the cache with its outbox and the read model. Use `Store.open(path)`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        super().__init__(path, conn)
        self.outbox = Outbox(self)

    def migrate(self) -> list[str]:
        """Bring the tables up to date, then make sure the outbox's journal is there (outbox.py)."""
        applied = super().migrate()
        self.outbox.start_journal()
        return applied

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
        return board(
            self.db.conn,
            view=view,
            needle=needle,
            sort=sort,
            owner_id=owner_id,
            limit_per_stage=limit_per_stage,
        )

    def iter_board(
        self, view: View = "open", sort: Sort = "urgent", *, stage_id: str | None = None
    ) -> Generator[BoardLead, None, None]:
        """The rep's leads one at a time as SQLite reads them; see `read_model.iter_board`."""
        return iter_board(self.db.conn, view=view, sort=sort, stage_id=stage_id)

    def stage_window(
        self,
        stage_id: str,
        start: int,
        size: int,
        total: int,
        *,
        view: View = "open",
        needle: str = "",
        sort: Sort = "urgent",
    ) -> tuple[int, list[BoardLead]]:
        """`size` rows of one stage from `start` on; see `read_model.stage_window`."""
        return stage_window(self.db.conn, stage_id, start, size, total, view=view, needle=needle, sort=sort)

    def limit_page_cache(self, megabytes: int) -> None:
        """Hold at most `megabytes` of pages in memory (64 MB by default): a one-shot reader that
        streams every lead (`leadboard leads`) gains nothing from keeping them."""
        self.db.conn.execute(f"PRAGMA cache_size = {-1024 * int(megabytes)}")

    def board_page(
        self,
        view: View = "open",
        needle: str = "",
        sort: Sort = "urgent",
        owner_id: str | None = None,
        *,
        limit_per_stage: int | None = None,
        windows: Mapping[str, tuple[int, int]] | None = None,
        count: bool = True,
        keep: Mapping[str, str] | None = None,
    ) -> BoardPage:
        """The first `limit_per_stage` rows of each stage (or a window of it) and every stage's total
        (with `count=False`, only of the stages whose rows fall short of the page)."""
        return board_page(
            self.db.conn,
            view=view,
            needle=needle,
            sort=sort,
            owner_id=owner_id,
            limit_per_stage=limit_per_stage,
            windows=windows,
            count=count,
            keep=keep,
        )

    def board_counts(
        self, view: View = "open", needle: str = "", owner_id: str | None = None
    ) -> dict[str, int]:
        """How many of the rep's leads each stage holds (open ops applied), by stage id."""
        return board_counts(self.db.conn, view=view, needle=needle, owner_id=owner_id)

    def apply_sla_settings(self, sla: SlaSettings) -> bool:
        """Make the stored SLA deadlines follow `sla`; call at start-up. Recomputes every lead's
        deadline only when the settings (or the zone they resolve to) changed since the last call;
        returns whether it did."""
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
        return lead_state(self.db.conn, lead_id)

    def lead_detail(self, lead_id: str) -> LeadDetail | None:
        """Everything the lead screen shows; see `leadboard.cache.read_model.lead_detail`."""
        return lead_detail(self.db.conn, lead_id, self.outbox.ops(lead_id=lead_id))

    def sync_status(self) -> SyncCounts:
        """Counts and times for the status line; see `leadboard.cache.read_model.sync_status`."""
        return cache_status(self.db.conn)
