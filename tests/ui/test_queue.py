"""The work queue (`w`): one lead at a time, most urgent first, every action on one key, no mouse.

Over a real SQLite cache with sync off and the clock fixed (see `test_board_sla.sla_cache`: the
urgent order is Breached Bea, Dueso Dan, Okay Olu, Nolabel Nia, Touched Tam). Commands go through
the same modals and outbox as on the board; the queue moves on by itself once one is queued.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Select, TextArea

from leadboard.cache.outbox import Op
from leadboard.cache.store import Store
from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.add_note import AddNoteModal
from leadboard.screens.board import BoardScreen
from leadboard.screens.disqualify import DisqualifyModal
from leadboard.screens.log_call import LogCallModal
from leadboard.screens.move_stage import MoveStageModal
from leadboard.screens.queue import TIMELINE_DELAY, WorkQueueScreen
from tests.cache_fixtures import NO_ANSWER
from tests.ui.board_support import board_app, sandbox, sandbox_app, screen_text, settle, until_idle
from tests.ui.test_board_sla import UTC_SLA, sla_path

__all__ = ["sandbox", "sla_path"]

SMALL, LARGE = (80, 24), (160, 50)
BOTH_SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x50"])


def queued(db: Path) -> list[tuple[str, str]]:
    with Store.open(db) as store:
        ops: list[Op] = store.outbox.ops()
    return [(op.kind, op.lead_id) for op in ops]


def queue_of(app: object) -> WorkQueueScreen:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, WorkQueueScreen)
    return screen


@BOTH_SIZES
async def test_work_the_queue_with_keys_only(sla_path: Path, size: tuple[int, int]) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("j")  # the board's highlight: Dueso Dan
        await pilot.press("w")
        await settle(app, pilot)
        queue = queue_of(app)
        assert queue.order == ["b", "d", "o", "n", "t"]
        text = screen_text(app)
        assert "1 of 5 · 0 worked" in text and "Breached Bea · New" in text
        assert "⚠ breached 3 h ago · first touch was due today 09:00" in text  # in the rep's zone (UTC)
        for shown in (
            "Pat Contact-b",
            "Head of Buying",
            "pat-b@example.test",
            "+1 555 0100",
            "Bea Industries",
        ):
            assert shown in text
        assert "Hot" in text and "type? (not set)" in text and "today 08:00 (4 h ago)" in text
        assert "No calls or notes yet." in text

        # next, next, previous
        await pilot.press("space")
        await settle(app, pilot)
        assert "2 of 5" in screen_text(app) and "◷ due in 20 min" in screen_text(app)
        await pilot.press("j")
        await settle(app, pilot)
        assert queue.current_id == "o" and "Okay Olu" in screen_text(app)
        await pilot.press("k")
        await settle(app, pilot)
        assert queue.current_id == "d"

        # skip: Dueso Dan goes to the end of this session's queue
        await pilot.press("s")
        await settle(app, pilot)
        assert queue.order == ["b", "o", "n", "t", "d"] and queue.current_id == "o"
        assert "2 of 5 · 0 worked · 1 skipped" in screen_text(app)

        # n: a note on Okay Olu, then the queue moves on by itself
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, AddNoteModal) and app.screen.lead.id == "o"
        await pilot.press(*"left a voicemail")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert queue_of(app).current_id == "n"
        assert queued(sla_path) == [("add_note", "o")]
        assert "3 of 5 · 1 worked · 1 skipped" in screen_text(app)

        # X: disqualify Nolabel Nia; she leaves the queue and the next lead takes her place
        await pilot.press("X")
        await settle(app, pilot)
        assert isinstance(app.screen, DisqualifyModal) and app.screen.lead.id == "n"
        app.screen.query_one("#reason", Select).value = "BAD_TIMING"
        app.screen.query_one("#note", TextArea).load_text("budget next year")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert queue.order == ["b", "o", "t", "d"] and queue.current_id == "t"
        assert "3 of 4 · 2 worked · 1 skipped" in screen_text(app)
        assert queued(sla_path) == [("add_note", "o"), ("disqualify", "n")]

        # past the last lead: the end, and k goes back
        await pilot.press("space", "space")
        await settle(app, pilot)
        assert queue.current_id is None and "End of the queue: 2 worked, 1 skipped." in screen_text(app)
        await pilot.press("k")
        await settle(app, pilot)
        assert queue.current_id == "d"

        # escape: the board, its highlight where the rep left it, without the disqualified lead
        await pilot.press("escape")
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert board.current_lead is not None and board.current_lead.id == "d"
        assert "n" not in {lead.id for column in board.columns for lead in column.leads}


async def test_a_logged_call_moves_on_after_the_suggested_move(sla_path: Path) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, LogCallModal) and app.screen.lead.id == "b"
        app.screen.query_one("#outcome", Select).value = NO_ANSWER
        app.screen.query_one("#note", TextArea).load_text("no answer")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, MoveStageModal)  # New → Attempting, suggested
        under = app.screen_stack[-2]
        assert isinstance(under, WorkQueueScreen) and under.current_id == "b"  # not before it is answered
        await pilot.press("escape")  # decline the move: the call is logged all the same
        await settle(app, pilot)
        queue = queue_of(app)
        assert queue.current_id == "d" and "2 of 5 · 1 worked" in screen_text(app)
        assert queued(sla_path) == [("log_call", "b")]
        # the board under the queue counts the call as the first touch: Bea joins the touched leads
        board = app.board
        assert board is not None
        assert [lead.id for lead in board.columns[0].leads] == ["d", "o", "n", "t", "b"]
        assert queue.order == ["b", "d", "o", "n", "t"]  # the queue's own order does not move


async def test_the_queue_keys_follow_the_keymap_and_the_palette_opens_it(sla_path: Path) -> None:
    app = board_app(sla_path, sla=UTC_SLA, keymap={"work-queue": "W", "queue-next": "f", "queue-skip": "x"})
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        queue = queue_of(app)
        await pilot.press("f")
        await settle(app, pilot)
        assert queue.current_id == "d"
        await pilot.press("x")
        await settle(app, pilot)
        assert queue.order is not None and queue.order[-1] == "d" and queue.current_id == "o"
        await pilot.press("question_mark")  # the keys panel lists the queue's keys as remapped
        await settle(app, pilot)
        assert app.screen.query("KeysPanel")
        keys_panel = screen_text(app)
        assert "Skip" in keys_panel and "Disqualify" in keys_panel
        await pilot.press("question_mark")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.press(*"work the queue")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert queue_of(app).order == ["b", "d", "o", "n", "t"]  # a new session: the order read afresh


async def test_the_timeline_is_refreshed_from_hubspot_for_the_lead_shown(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    db = tmp_path / "cache.sqlite"
    app = sandbox_app(sandbox, db)
    async with app.run_test(size=SMALL) as pilot:
        await until_idle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        queue = queue_of(app)
        first = queue.current_id
        assert first is not None
        # Until the rep has stayed TIMELINE_DELAY on the lead the timeline says it is refreshing; on a
        # loaded machine the refresh may already be done by the time the screen is read.
        assert "refreshing from HubSpot…" in screen_text(app) or first in queue._refreshed
        for _ in range(200):  # the rep stays on the lead: after TIMELINE_DELAY its timeline is fetched
            await pilot.pause(TIMELINE_DELAY / 4)
            if first in queue._refreshed:
                break
        await until_idle(app, pilot)
        assert first in queue._refreshed and queue.timeline_note == ""
        with Store.open(db) as store:
            cached = store.lead_detail(first)
        assert cached is not None and queue.detail is not None
        assert len(queue.detail.timeline) == len(cached.timeline)
        assert f"Timeline ({len(cached.timeline)})" in screen_text(app)
