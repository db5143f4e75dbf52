"""The footer's keys follow the lead on screen: commands that do not apply to it are greyed out, and
come back when the rep moves to a lead they apply to (the footer only rebuilds when its keys change,
so these show it still does when they do). Over a real cache, sync off, at 80x24 and 160x50.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leadboard.cache.store import Store
from leadboard.commands.disqualify import Disqualify
from leadboard.screens.board import BoardScreen
from leadboard.screens.key_footer import KeyFooter
from leadboard.screens.lead import LeadScreen
from tests.ui.board_support import board_app, cache_path, screen_text, settle

__all__ = ["cache_path"]

BOTH_SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


def footer_keys(app: Any) -> dict[str, bool]:
    """The current screen's footer: each action shown, and whether its key is enabled."""
    footer = app.screen.query_one(KeyFooter)
    return {key.action: not key.has_class("-disabled") for key in footer.query("FooterKey")}


def with_a_closed_lead(path: Path) -> Path:
    """Lead 7 disqualified (closed), the others open."""
    with Store.open(path) as store:
        store.outbox.enqueue(Disqualify(lead_id="7", reason="BAD_TIMING", note="gone"))
    return path


@BOTH_SIZES
async def test_board_footer_offers_only_what_a_closed_lead_can_do(
    cache_path: Path, size: tuple[int, int]
) -> None:
    app = board_app(with_a_closed_lead(cache_path))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        keys = footer_keys(app)
        assert keys["log_call"] and keys["move_stage"] and keys["disqualify"] and keys["add_note"]
        for press in ("j", "l", "h"):  # moving between open leads leaves every key as it was
            await pilot.press(press)
            await settle(app, pilot)
            assert footer_keys(app) == keys
        await pilot.press("v", "l")  # the closed leads; lead 7 is the only disqualified one
        await settle(app, pilot)
        assert app.screen.current_lead is not None and app.screen.current_lead.id == "7"
        closed = footer_keys(app)
        # the closed view hides the commands that need an open lead (absent, or at least disabled)
        assert not any(closed.get(k) for k in ("log_call", "move_stage", "qualify", "disqualify"))
        assert closed["add_note"] and closed["set_type"]
        await pilot.press("v")  # back to the open leads: their commands are enabled again
        await settle(app, pilot)
        assert footer_keys(app) == keys


@BOTH_SIZES
async def test_lead_screen_footer_follows_the_lead(cache_path: Path, size: tuple[int, int]) -> None:
    app = board_app(with_a_closed_lead(cache_path))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        app.open_lead("3")
        await settle(app, pilot)
        assert isinstance(app.screen, LeadScreen)
        keys = footer_keys(app)
        assert keys["log_call"] and keys["qualify"] and keys["add_note"]
        await pilot.press("escape")
        await settle(app, pilot)
        app.open_lead("7")
        await settle(app, pilot)
        keys = footer_keys(app)
        assert not keys["log_call"] and not keys["qualify"] and keys["add_note"]


@BOTH_SIZES
async def test_every_lead_command_the_keys_and_the_palette_fit_the_footer(
    cache_path: Path, size: tuple[int, int]
) -> None:
    """At 80 columns too, the footer shows the lead process's commands, `?` and the palette whole;
    the other keys are listed by `?`."""
    app = board_app(cache_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for screen_key in ("", "enter"):  # the board, then the lead screen
            if screen_key:
                await pilot.press(screen_key)
                await settle(app, pilot)
            footer = " ".join(screen_text(app).rstrip().splitlines()[-1].split())
            for words in ("c Call", "n Note", "m Move", "t Type", "Q Qualify", "X Disqualify", "? Keys"):
                assert words in footer, footer
            assert footer.endswith("^p palette"), footer
