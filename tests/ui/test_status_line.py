"""The status line says the same on every screen, and keeps saying it as the cache changes: the app
owns what it shows and each screen's line follows it (no screen copies it when it opens)."""

from __future__ import annotations

from pathlib import Path

from leadboard.screens.board import BoardScreen
from leadboard.screens.queue import WorkQueueScreen
from leadboard.widgets.sync_status import SyncStatusBar
from tests.ui.board_support import board_app, screen_text, settle
from tests.ui.test_board_sla import UTC_SLA, sla_path

__all__ = ["sla_path"]


def status_line(app: object) -> str:
    screen = getattr(app, "screen")  # noqa: B009
    return str(screen.query_one(SyncStatusBar).line)


async def test_the_queue_line_counts_a_change_queued_from_the_queue(sla_path: Path) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert status_line(app) == "not synced yet"
        await pilot.press("w")
        await settle(app, pilot)
        assert isinstance(app.screen, WorkQueueScreen) and status_line(app) == "not synced yet"
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press(*"left a voicemail")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, WorkQueueScreen)
        assert status_line(app) == "not synced yet, 1 change waiting"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert status_line(app) == "not synced yet, 1 change waiting"


async def test_the_board_line_says_when_it_shows_closed_or_filtered_leads(sla_path: Path) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert "closed leads" not in screen_text(app) and "filtered" not in screen_text(app)
        await pilot.press("v")
        await settle(app, pilot)
        assert "not synced yet   closed leads (v: open)" in screen_text(app)
        await pilot.press("v", "slash", *"bea")
        await settle(app, pilot)
        text = screen_text(app)
        assert "closed leads" not in text and "not synced yet   filtered (escape clears)" in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert "filtered" not in screen_text(app)
