"""What the board highlights after a command on the highlighted lead (#13 item 1).

Logging a call on the most urgent New lead marks it touched, so it drops to the bottom of its
column; the highlight stays on the row, so the next most urgent lead is under it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Select, TextArea

from leadboard.screens.board import BoardScreen
from leadboard.screens.log_call import LogCallModal
from leadboard.screens.move_stage import MoveStageModal
from tests.ui.board_support import board_app, fill_cache, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"


@SIZES
async def test_a_call_on_the_top_lead_leaves_the_next_one_highlighted(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    db = tmp_path / "board.sqlite"
    fill_cache(db, 30).close()
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        column = board.columns[0]
        order = [lead.id for lead in column.leads]
        assert column.highlighted == 0
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, LogCallModal)
        app.screen.query_one("#outcome", Select).value = NO_ANSWER
        app.screen.query_one("#note", TextArea).load_text("rang out")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        move = app.screen
        assert isinstance(move, MoveStageModal)  # no answer on a New lead: Attempting is offered
        assert move.query_one("#note", TextArea).text == "rang out"  # the call's note (#13 item 3)
        await pilot.press("escape")  # stay in New: the call alone marks the lead touched
        await settle(app, pilot)
        assert app.screen is board
        now_order = [lead.id for lead in column.leads]
        assert now_order.index(order[0]) > 0, "the called lead dropped down the column"
        assert column.highlighted == 0
        assert board.current_lead is not None and board.current_lead.id == now_order[0] == order[1]
        assert column.scroll_y == 0
        await pilot.press("j")
        assert board.current_lead is not None and board.current_lead.id == now_order[1]
