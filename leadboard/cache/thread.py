"""One thread that owns the board's SQLite connection, so no SQLite call ever runs on the UI thread.

A `Store` may only be used by the thread that opened it, and Textual starts a new thread for every
thread worker. So the board keeps one long-lived thread (a one-worker executor) that opens the
cache once and runs every read and every enqueue, in order; async workers `await cache.run(fn)`.
The sync engine has its own thread and connection (`SyncThread` in app.py); WAL lets both work.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from leadboard.cache.store import Store

__all__ = ["CacheThread", "OwnThread"]

T = TypeVar("T")


class OwnThread:
    """A single named thread that runs callables in order; `run` awaits one from the event loop."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        return self._executor.submit(fn)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the thread and wait for it without blocking the event loop."""
        return await asyncio.wrap_future(self._executor.submit(fn))

    def close(self, last: Callable[[], object] | None = None) -> None:
        """Run `last` (clean-up on the thread) after what is queued, then let the thread end."""
        if self._closed:
            return
        self._closed = True
        if last is not None:
            self._executor.submit(last)
        self._executor.shutdown(wait=False, cancel_futures=False)


class CacheThread(OwnThread):
    """The board's reader/writer of the cache: `await cache.read(lambda store: store.board())`."""

    def __init__(self, db_path: Path) -> None:
        super().__init__("leadboard-cache")
        self.db_path = db_path
        self._store: Store | None = None
        self._owner: int | None = None

    def _open(self) -> Store:
        if self._store is None:
            from leadboard.cache.store import Store

            self._store = Store.open(self.db_path)
            self._owner = threading.get_ident()
        return self._store

    async def read(self, fn: Callable[[Store], T]) -> T:
        """Run `fn(store)` on the cache thread; exceptions (CacheError, CommandRefused…) propagate."""
        return await self.run(lambda: fn(self._open()))

    def start(self, fn: Callable[[Store], T]) -> Future[T]:
        """Start `fn(store)` now, before the event loop runs; await it later."""
        return self.submit(lambda: fn(self._open()))

    def start_first_read(self, fn: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Start the board's first read now, before the event loop runs; await it later.

        It goes through a plain read-only `sqlite3` connection when the cache is ready for it, so
        the first paint waits for neither sqlite-utils nor a migration check, and the thread holds
        the GIL as little as possible while Textual starts. A missing, older or broken cache is
        read through the `Store` instead, which creates, migrates or explains it.
        """

        def run() -> T:
            from leadboard.cache.read_model import open_for_first_read

            conn = open_for_first_read(self.db_path)
            if conn is None:
                return fn(self._open().db.conn)
            try:
                return fn(conn)
            finally:
                conn.close()

        return self.submit(run)

    def close_store(self) -> None:
        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self.close(_close)
