"""A stage of thousands of leads: the column holds only the rows around its viewport, yet End shows
the last lead, Home the first, the highlight and opening a lead work on either side of the rows held
before, and a filter still narrows the whole stage.

A real SQLite cache (one for the module: the board only reads it), real Textual (headless); what the
rep sees is read back from the lines the column draws.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leadboard.cache.store import Store
from leadboard.screens.board import BoardScreen
from leadboard.screens.lead import LeadScreen
from leadboard.widgets.stage_column import WINDOW_ROWS, StageColumn
from tests.ui.board_support import board_app, fill_cache, settle
from tests.ui.test_board_columns import LARGE, highlighted_text

STAGE_ROWS = 2500  # leads in each of the three open stages


@pytest.fixture(scope="module")
def long_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("long") / "long.sqlite"
    fill_cache(path, 3 * STAGE_ROWS).close()
    return path


def new_stage(path: Path) -> list[tuple[str, str]]:
    """(id, name) of the first stage's leads, in the board's order, straight from the read model."""
    with Store.open(path) as store:
        return [(x.id, x.name) for x in store.board() if x.stage_id == "new-stage-id"]


def board_of(app: Any) -> BoardScreen:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    return screen


def highlighted_id(board: BoardScreen) -> str | None:
    lead = board.current_lead
    return lead.id if lead is not None else None


async def test_end_shows_the_last_lead_and_home_the_first(long_cache: Path) -> None:
    order = new_stage(long_cache)
    assert len(order) == STAGE_ROWS
    app = board_app(long_cache)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        column = board.columns[0]
        assert str(column.border_title) == f"New · {STAGE_ROWS:,}"
        await pilot.press("end")
        await settle(app, pilot)
        assert highlighted_id(board) == order[-1][0]
        assert order[-1][1] in highlighted_text(column)
        assert column.scroll_offset.y == column.max_scroll_y
        await pilot.press("home")
        await settle(app, pilot)
        assert highlighted_id(board) == order[0][0]
        assert order[0][1] in highlighted_text(column)
        assert column.scroll_offset.y == 0


async def test_the_highlight_and_opening_a_lead_work_past_the_rows_first_held(long_cache: Path) -> None:
    order = new_stage(long_cache)
    deep = WINDOW_ROWS + 90  # past the first page and past the window the column asks for next
    app = board_app(long_cache)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        column = board.columns[0]
        for _ in range(deep):  # j held down: faster than the reads
            board.action_cursor_down()
        await settle(app, pilot)
        assert highlighted_id(board) == order[deep][0]
        assert order[deep][1] in highlighted_text(column)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LeadScreen) and app.screen.lead_id == order[deep][0]
        await pilot.press("escape")
        await settle(app, pilot)
        assert highlighted_id(board_of(app)) == order[deep][0]
        await pilot.press("end")
        await settle(app, pilot)
        for _ in range(deep):  # and back up from the end, across the windows again
            board.action_cursor_up()
        await settle(app, pilot)
        assert highlighted_id(board) == order[-1 - deep][0]
        assert order[-1 - deep][1] in highlighted_text(column)


async def test_a_filter_narrows_the_whole_stage_from_deep_in_it(long_cache: Path) -> None:
    order = new_stage(long_cache)
    wanted = next((lead_id, name) for lead_id, name in order[-50:] if lead_id.endswith("7"))
    app = board_app(long_cache)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        column = board.columns[0]
        await pilot.press("end")
        await settle(app, pilot)
        await pilot.press("slash", *f"{wanted[1]}".lower())
        await settle(app, pilot)
        assert [[x.id for x in c.leads] for c in board.columns] == [[wanted[0]], [], []]
        assert column.total == 1 and highlighted_id(board) == wanted[0]
        assert wanted[1] in highlighted_text(column)
        await pilot.press("escape")
        await settle(app, pilot)
        assert column.total == STAGE_ROWS


async def test_a_long_stage_holds_a_bounded_number_of_rows_as_the_rep_scrolls_through(
    long_cache: Path,
) -> None:
    app = board_app(long_cache)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        column: StageColumn = board_of(app).columns[0]
        held = []
        seen: set[str] = set()
        for _ in range(60):  # a screenful a press: ~1,400 rows down
            await pilot.press("pagedown")
            await settle(app, pilot)
            held.append(column.rows_held)
            seen.update(x.id for x in column.leads)
        assert column.highlighted is not None and column.highlighted > 1000
        assert len(seen) > 1000  # the column went through more than a thousand leads
        assert max(held) <= WINDOW_ROWS  # and never held more than one window of them
        assert column.rows_built <= column.rows_held
        await pilot.press("end")
        await settle(app, pilot)
        assert column.rows_held <= WINDOW_ROWS
