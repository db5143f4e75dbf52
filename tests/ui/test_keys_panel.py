"""`?` shows leadboard's own keys first, grouped by where they work (board, lead, form, app), with
enter named as opening a lead, the rep's keymap applied, and the footer left whole at 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadboard.screens.board import BoardScreen
from leadboard.screens.key_footer import KeyFooter
from leadboard.screens.keys_panel import KeysPanel
from tests.ui.board_support import board_app, cache_path, screen_text, settle

__all__ = ["cache_path"]

BOTH_SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


@BOTH_SIZES
async def test_question_mark_lists_leadboards_keys_by_where_they_work(
    cache_path: Path, size: tuple[int, int]
) -> None:
    app = board_app(cache_path, keymap={"log-call": "L"})
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        footer_before = screen_text(app).splitlines()[-1]
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen) and app.screen.query(KeysPanel)
        text = screen_text(app)
        panel = app.screen.query_one(KeysPanel)
        words = panel.plain_text()
        # leadboard's keys come first, in groups, before any of Textual's own
        headings = [line for line in words.splitlines() if line and not line.startswith(" ")]
        assert [h for h in headings if h in ("Board", "Lead", "Form", "App")] == [
            "Board",
            "Lead",
            "Form",
            "App",
        ]
        assert headings.index("App") < headings.index("Other keys")  # Textual's own keys come last
        assert "Scroll" not in words.split("Other keys")[0]
        assert any("enter" in line.casefold() and "Open the lead" in line for line in words.splitlines())
        assert any(line.split()[:1] == ["h/←"] and "Previous stage" in line for line in words.splitlines())
        assert any(line.split()[:1] == ["L"] and "Log a call" in line for line in words.splitlines())
        assert any("ctrl+s" in line.casefold() and "Save" in line for line in words.splitlines())
        # it is drawn where the rep reads it, and the footer underneath is whole
        footer = app.screen.query_one(KeyFooter)
        assert panel.region.bottom <= footer.region.y  # the panel stops above the footer
        assert any(line.rstrip().endswith("Board") for line in text.splitlines()[:3])  # it is on screen
        assert text.splitlines()[-1] == footer_before
        assert "palette" in text.splitlines()[-1] and "Keys" in text.splitlines()[-1]
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert not app.screen.query(KeysPanel)
