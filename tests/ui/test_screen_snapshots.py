"""Pictures of the screens the board and modal snapshots leave out: the work queue, the stats, a
conflict, an empty board, the closed view, the activity feed, and the status line offline and paused
by HubSpot's rate limit.

Each runs the real app over a real SQLite cache with the clock fixed (the board's `FIXED_NOW`, the
stats' seeded portal at its own `NOW`) and the time zone set to UTC, at 120x40, the size a rep
uses; the work queue also at 80x24, where its footer is tightest. Regenerate with
`pytest tests/ui/test_screen_snapshots.py --snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from leadboard.app import LeadboardApp
from leadboard.config import Settings
from leadboard.sandbox.portal import Portal
from leadboard.screens.board import BoardScreen
from leadboard.screens.messages import SyncStatusChanged
from leadboard.screens.ops import OpScreen
from leadboard.screens.queue import WorkQueueScreen
from leadboard.screens.stats import StatsScreen
from leadboard.sla_settings import SlaSettings
from leadboard.sync.engine import SyncStatus
from tests.stats_support import CLOCK_SLA, seeded_portal
from tests.stats_support import NOW as STATS_NOW
from tests.ui.board_support import (
    FIXED_NOW,
    board_app,
    conflicted_move,
    empty_cache,
    fill_cache,
    fill_stats_cache,
    screen_text,
    settle,
    still_cursors,
    until_idle,
    with_closed_leads,
)
from tests.ui.test_board_sla import UTC_SLA, sla_path
from tests.ui.test_board_snapshots import utc
from tests.ui.test_lead_screen import closed_port, status_line
from tests.ui.test_stats_screen import settle as stats_settle

__all__ = ["sla_path", "utc"]

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]
REP, SMALL = (120, 40), (80, 24)


def pressing(*keys: str, then: Callable[[Pilot[Any]], None] | None = None) -> RunBefore:
    """A run_before: let the board read the cache, press `keys`, let the next screen read it too."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot.app, pilot)
        await pilot.press(*keys)
        await settle(pilot.app, pilot)
        if then is not None:
            then(pilot)
        still_cursors(pilot.app)

    return run_before


# --- the work queue (`w`) -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [REP, SMALL], ids=["120x40", "80x24"])
def test_work_queue(snap_compare: SnapCompare, sla_path: Path, size: tuple[int, int]) -> None:
    def on_the_queue(pilot: Pilot[Any]) -> None:
        assert isinstance(pilot.app.screen, WorkQueueScreen)
        assert "Breached Bea · New" in screen_text(pilot.app)

    app = board_app(sla_path, sla=UTC_SLA)
    assert snap_compare(app, terminal_size=size, run_before=pressing("w", then=on_the_queue))


# --- the stats (`S`) ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stats_portal() -> Portal:
    return seeded_portal()


def test_stats(snap_compare: SnapCompare, tmp_path: Path, stats_portal: Portal) -> None:
    """The two-column layout (at 80x24 the panels stack: `test_stats_screen` reads that one). Its
    funnel's "36% of Attempting" wraps onto a line of its own at this width: reported, not fixed."""
    db = tmp_path / "stats.sqlite"
    fill_stats_cache(db, stats_portal)
    settings = Settings(db=db, sla=SlaSettings.parse(CLOCK_SLA))
    app = LeadboardApp(settings, None, sync=False, clock=lambda: STATS_NOW)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("S")
        assert isinstance(pilot.app.screen, StatsScreen)
        text = await stats_settle(pilot.app, pilot)
        assert "Last 30 days:" in text and "leads created" in text
        # The screen means the body to have the focus, but its request is dropped while the body is
        # loading, so a slow report leaves the period tabs focused (reported): focus it as intended.
        pilot.app.screen.query_one("#stats-body").focus()
        await pilot.pause()

    assert snap_compare(app, terminal_size=REP, run_before=run_before)


# --- a conflict, opened from the lead screen ------------------------------------------------------------


def test_conflict_dialog(snap_compare: SnapCompare, tmp_path: Path) -> None:
    db = tmp_path / "conflict.sqlite"
    fill_cache(db, 6).close()
    conflicted_move(db, "1", note="Picked up, asked to call back Thursday.")
    app = board_app(db, sla=UTC_SLA)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot.app, pilot)
        board = pilot.app.screen
        assert isinstance(board, BoardScreen) and board.select_lead("1")
        await pilot.press("enter")
        await settle(pilot.app, pilot)
        pilot.app.screen.query_one("#lead-ops", OptionList).focus()
        await pilot.press("enter")
        await settle(pilot.app, pilot)
        assert isinstance(pilot.app.screen, OpScreen)
        still_cursors(pilot.app)

    assert snap_compare(app, terminal_size=REP, run_before=run_before)


# --- an empty board and the closed view -------------------------------------------------------------------


def test_empty_board(snap_compare: SnapCompare, tmp_path: Path) -> None:
    db = empty_cache(tmp_path / "empty.sqlite")
    assert snap_compare(board_app(db, sla=UTC_SLA), terminal_size=REP, run_before=pressing())


def test_closed_view(snap_compare: SnapCompare, tmp_path: Path) -> None:
    db = with_closed_leads(tmp_path / "closed.sqlite")

    def closed_columns(pilot: Pilot[Any]) -> None:
        board = pilot.app.screen
        assert isinstance(board, BoardScreen)
        assert [column.stage.label for column in board.columns] == ["Qualified", "Disqualified"]

    app = board_app(db, sla=UTC_SLA)
    assert snap_compare(app, terminal_size=REP, run_before=pressing("v", then=closed_columns))


# --- the status line -------------------------------------------------------------------------------------


def test_status_offline_with_a_change_waiting(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The real engine against a closed port: the pull fails, the note waits, the line says both."""
    db = tmp_path / "offline.sqlite"
    fill_cache(db, 6).close()
    settings = Settings(
        portal=f"http://127.0.0.1:{closed_port()}", email="rep@example.com", db=db, sla=UTC_SLA
    )
    app = LeadboardApp(settings, "pat-na1-00000000-0000-0000-0000-000000000000", clock=lambda: FIXED_NOW)

    async def run_before(pilot: Pilot[Any]) -> None:
        await until_idle(app, pilot)
        await pilot.press("n", *"written on the train", "ctrl+s")
        await until_idle(app, pilot)
        assert status_line(app) == "offline: 1 change waiting"
        app.clear_notifications()  # the toasts time out on the wall clock; the line is what stays
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=REP, run_before=run_before)


def test_status_rate_limited(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The engine's status as it posts it after a 429. The line counts down on the wall clock, not the
    app's, so the pause is long enough that its words ("45 min") hold for the length of the test."""
    db = tmp_path / "limited.sqlite"
    fill_cache(db, 6).close()
    app = board_app(db, sla=UTC_SLA)
    paused = SyncStatus(
        last_sync_at=FIXED_NOW,
        syncing=False,
        pending=0,
        failed=0,
        conflicts=0,
        blocked=0,
        offline=False,
        rate_limited_until=datetime.now(UTC) + timedelta(minutes=45, seconds=30),
        auth_needed=False,
        missing_scopes=(),
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        app.post_message(SyncStatusChanged(paused))
        await settle(app, pilot)
        assert status_line(app) == "HubSpot is busy: resuming in 45 min"

    assert snap_compare(app, terminal_size=REP, run_before=run_before)


# --- the activity feed (`a`) -----------------------------------------------------------------------------


def test_activity_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """Newest first, in the notification's words; a lead that left the board says so; a colleague's
    hostile name (markup, escape sequences, a bidi override) shows as plain text."""
    from leadboard.activity import FeedEvent
    from leadboard.cache.activity_feed import record_events
    from leadboard.screens.activity import ActivityScreen
    from tests.ui.board_support import HOSTILE_NAME

    db = tmp_path / "activity.sqlite"
    store = fill_cache(db, 6)
    minute = 60_000
    at = int(FIXED_NOW.timestamp() * 1000)
    with store.transaction() as conn:
        record_events(
            conn,
            [
                FeedEvent("new_lead", "1", "Lead 001 Person", at - 90 * minute),
                FeedEvent("stage", "2", "Lead 002 Person", at - 30 * minute, "Connected", HOSTILE_NAME),
                FeedEvent("activity", "3", "Lead 003 Person", at - 20 * minute, "reply"),
                FeedEvent("reassigned", "99", "Gone Gary", at - 10 * minute, "Ben Carter"),
                FeedEvent("activity", "4", "Lead 004 Person", at - 5 * minute, "note", "Ann Lee"),
            ],
        )
    store.close()

    def on_the_feed(pilot: Pilot[Any]) -> None:
        assert isinstance(pilot.app.screen, ActivityScreen)
        text = screen_text(pilot.app)
        assert text.index("Lead 004 Person: new note by Ann Lee") < text.index("New lead: Lead 001 Person")
        assert "\x1b" not in text and "\u202e" not in text

    app = board_app(db, sla=UTC_SLA)
    assert snap_compare(app, terminal_size=REP, run_before=pressing("a", then=on_the_feed))
