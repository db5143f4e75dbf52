"""A typo in the config's `[keymap]` is named on the board when it opens, with the id meant,
instead of leaving the rep's key unchanged in silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.board_support import board_app, cache_path, screen_text, settle

__all__ = ["cache_path"]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_board_names_an_unknown_key_id_and_the_one_meant(
    cache_path: Path, size: tuple[int, int]
) -> None:
    app = board_app(cache_path, keymap={"disqualfy": "D", "log-call": "L"})
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        shown = screen_text(app)
    assert "disqualfy" in shown
    assert "disqualify?" in shown
    assert "log-call" not in shown  # a real id is not complained about
