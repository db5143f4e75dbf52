"""The closed view (`v`, #13 item 7): each card says how the lead closed (and why, for a
disqualification), the footer offers no command that needs an open lead, and the title says the
order (most recently closed first), not "most urgent first"."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadboard.screens.board import BoardScreen
from tests.ui.board_support import board_app, screen_text, settle, with_closed_leads

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


@SIZES
async def test_closed_cards_say_the_outcome_and_the_footer_offers_no_open_only_key(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    db = with_closed_leads(tmp_path / "closed.sqlite")
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        text = screen_text(app)
        assert "most urgent first" not in text
        assert "closed most recently first" in text
        qualified = board.columns[0]
        assert [lead.id for lead in qualified.leads] == ["q3", "q2", "q1"]  # newest close first
        assert "Qualified ·" in text or "Qualified  " in text
        if size[0] < 100:
            await pilot.press("l")  # one stage at a time: the disqualified ones
            await settle(app, pilot)
            text = screen_text(app)
        assert "Disqualified: Bad Timing" in text
        footer = text.splitlines()[-1]
        for word in ("Log call", "Move", "Disqualify", "Qualify"):
            assert word not in footer, footer
        assert "Note" in footer
