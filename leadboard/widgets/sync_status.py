"""The quiet status line: how fresh the board is and whether the rep's work reached HubSpot.

It shows the engine's `SyncStatus.line()` ("synced 2 min ago", "syncing…", "offline: 3 changes
waiting", "1 conflict", "HubSpot is busy: resuming in 8 s", "token needs attention"). Before the
engine has reported, it says what the cache knows. It re-reads the line every few seconds so
"2 min ago" and "resuming in 8 s" stay true, and changes nothing else on screen.

What it shows reaches it one way: the app owns one `SyncInfo` (its reactive `sync_status`), and
every bar follows it with one watch, so a bar on any screen, opened at any time, shows the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from leadboard.cache.read_model import SyncCounts
from leadboard.text import clean_untrusted
from leadboard.time_words import ago

__all__ = ["SyncInfo", "SyncStatusBar", "cache_line"]

#: The app's reactive that every bar follows.
APP_SYNC_STATUS = "sync_status"

#: How often the line is recomputed (its words depend on the clock).
TICK_SECONDS = 5.0


def _ago(epoch_ms: int, now: float) -> str:
    return ago(timedelta(seconds=now - epoch_ms / 1000))


def cache_line(status: SyncCounts, now: float | None = None) -> str:
    """What the cache alone says, shown until the engine's first report: last sync and waiting work."""
    now = time.time() if now is None else now
    parts = [f"cached, synced {_ago(status.last_sync_at, now)}" if status.last_sync_at else "not synced yet"]
    attention = status.failed + status.conflict + status.blocked
    if status.waiting:
        parts.append(f"{status.waiting} change{'s' if status.waiting != 1 else ''} waiting")
    if attention:
        parts.append(f"{attention} need{'s' if attention == 1 else ''} you")
    return ", ".join(parts)


@dataclass(frozen=True)
class SyncInfo:
    """What the status line is made of. Frozen and compared by value, so setting an equal one
    (the same counts read again) wakes no watcher and redraws nothing."""

    #: The engine's last `SyncStatus` (None until it first reports); its `line()` comes first.
    engine: Any = None
    #: A sync or push run is under way.
    busy: bool = False
    #: The cache's counts at the board's last read, shown until the engine reports.
    cached: SyncCounts | None = None


class SyncStatusBar(Static):
    """One line of text that follows the app's `sync_status`; the screen may add a note (`extra`).

    `cache_words=False`: say nothing until the engine reports rather than what the cache counted
    (the lead screen lists the lead's own waiting changes instead)."""

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

    #: Both redraw through `refresh_line`, which updates the text only when its words change.
    sync_info: reactive[SyncInfo] = reactive(SyncInfo(), init=False, repaint=False, layout=False)
    #: A short note after the status (e.g. "closed leads (v: open) · filtered (escape clears)").
    extra: reactive[str] = reactive("", init=False, repaint=False, layout=False)

    def __init__(self, *, id: str | None = None, cache_words: bool = True) -> None:
        super().__init__("", id=id, markup=False)
        self.cache_words = cache_words
        self._shown = ""

    def on_mount(self) -> None:
        self.watch(self.app, APP_SYNC_STATUS, self._follow_app, init=True)
        self.set_interval(TICK_SECONDS, self.refresh_line)

    def _follow_app(self, info: SyncInfo) -> None:
        self.sync_info = info

    def watch_sync_info(self) -> None:
        self.refresh_line()

    def watch_extra(self) -> None:
        self.refresh_line()

    @property
    def line(self) -> str:
        info = self.sync_info
        if info.engine is not None:
            line = str(info.engine.line())
            who = getattr(info.engine, "signed_in_as", None)
            if who and not info.engine.auth_needed:
                line += f" · signed in as {who}"
            return line
        if info.busy:
            return "syncing…"
        if info.cached is not None and self.cache_words:
            return cache_line(info.cached)
        return ""

    def refresh_line(self) -> None:
        line = clean_untrusted(self.line)
        status = self.sync_info.engine
        attention = status is not None and bool(
            status.conflicts
            or status.failed
            or status.blocked
            or status.auth_needed
            or status.offline
            or status.pull_failed
        )
        self.set_class(attention, "-attention")
        text = line if not self.extra else f"{line}   {self.extra}"
        if text != self._shown:  # an update re-lays out the screen: only when the words change
            self._shown = text
            self.update(Content(text))
