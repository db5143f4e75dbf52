"""The quiet status line: how fresh the board is and whether the rep's work reached HubSpot.

It shows the engine's `SyncStatus.line()` ("synced 2 min ago", "syncing…", "offline: 3 changes
waiting", "1 conflict", "rate limited, resuming in 8 s", "token needs attention"). Before the
engine has reported, it says what the cache knows. It re-reads the line every few seconds so
"2 min ago" and "resuming in 8 s" stay true, and changes nothing else on screen.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from textual.content import Content
from textual.widgets import Static

from leadboard.cache.read_model import SyncCounts as CacheStatus
from leadboard.text import clean_untrusted
from leadboard.time_words import ago

__all__ = ["SyncStatusBar", "cache_line"]

#: How often the line is recomputed (its words depend on the clock).
TICK_SECONDS = 5.0


def _ago(epoch_ms: int, now: float) -> str:
    return ago(timedelta(seconds=now - epoch_ms / 1000))


def cache_line(status: CacheStatus, now: float | None = None) -> str:
    """What the cache alone says, shown until the engine's first report: last sync and waiting work."""
    now = time.time() if now is None else now
    parts = [f"cached, synced {_ago(status.last_sync_at, now)}" if status.last_sync_at else "not synced yet"]
    attention = status.failed + status.conflict + status.blocked
    if status.waiting:
        parts.append(f"{status.waiting} change{'s' if status.waiting != 1 else ''} waiting")
    if attention:
        parts.append(f"{attention} need{'s' if attention == 1 else ''} you")
    return ", ".join(parts)


class SyncStatusBar(Static):
    """One line of text; `show_engine_status` and `show_cache_status` feed it."""

    DEFAULT_CSS = """
    SyncStatusBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
    }
    SyncStatusBar.-attention {
        color: $text-warning;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.engine_status: Any = None
        self.cache_status: CacheStatus | None = None
        self.extra = ""
        self.busy = False
        self._shown = ""

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self.refresh_line)

    def show_engine_status(self, status: Any) -> None:
        self.engine_status = status
        self.refresh_line()

    def show_cache_status(self, status: CacheStatus) -> None:
        self.cache_status = status
        self.refresh_line()

    def set_extra(self, text: str) -> None:
        """A short note after the status (e.g. "sort: newest · filter: acme")."""
        self.extra = text
        self.refresh_line()

    @property
    def line(self) -> str:
        if self.engine_status is not None:
            return str(self.engine_status.line())
        if self.busy:
            return "syncing…"
        if self.cache_status is not None:
            return cache_line(self.cache_status)
        return ""

    def refresh_line(self) -> None:
        line = clean_untrusted(self.line)
        status = self.engine_status
        attention = status is not None and bool(
            status.conflicts or status.failed or status.blocked or status.auth_needed or status.offline
        )
        self.set_class(attention, "-attention")
        text = line if not self.extra else f"{line}   {self.extra}"
        if text != self._shown:  # an update re-lays out the screen: only when the words change
            self._shown = text
            self.update(Content(text))
