"""What a rep notices of the board's columns as they are drawn: the highlight stays on its lead while
the filter changes, typing a filter deep in a long stage keeps working, the mouse finds the lead
under it in a scrolled column, and rows follow a new theme and a new width.

A real SQLite cache, real Textual (headless); the drawn lines are read back from the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.color import Color
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Input

from leadboard.cache.store import Store
from leadboard.screens.board import PAGE_ROWS, BoardScreen
from leadboard.widgets.stage_column import StageColumn
from tests.ui.board_support import board_app, cache_path, fill_cache, settle

__all__ = ["cache_path"]

LARGE = (160, 50)
PLAIN = ("option-list--option",)
HIGHLIGHTED = ("option-list--option", "option-list--option-highlighted")
HOVERED = ("option-list--option", "option-list--option-hover")


def board_of(app: Any) -> BoardScreen:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    return screen


def drawn(column: StageColumn, y: int) -> Strip:
    """The column's line `y` as drawn (border and padding included)."""
    return column.render_lines(Region(0, y, column.outer_size.width, 1))[0]


def background(column: StageColumn, *component_classes: str) -> Color | None:
    return column.get_visual_style(*component_classes).rich_style.bgcolor


def text_backgrounds(strip: Strip) -> set[Color | None]:
    """The backgrounds of the line's words (not of its border or padding)."""
    return {segment.style.bgcolor if segment.style else None for segment in strip if segment.text.strip(" │")}


def highlighted_text(column: StageColumn) -> str:
    """The text of the lines drawn in the highlight's colours."""
    wanted = background(column, *HIGHLIGHTED)
    lines = (drawn(column, y) for y in range(column.outer_size.height))
    return "\n".join(strip.text for strip in lines if wanted in text_backgrounds(strip))


async def test_the_highlight_stays_on_its_lead_as_the_filter_narrows_and_widens(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        new = board.columns[0]
        await pilot.press("j")  # New holds 1, 4, 7 (most urgent first)
        assert board.current_lead is not None and board.current_lead.id == "4"
        await pilot.press("slash", *"pat4@")  # only lead 4's email
        await settle(app, pilot)
        assert [[x.id for x in c.leads] for c in board.columns] == [["4"], [], []]
        assert board.current_lead is not None and board.current_lead.id == "4"
        await pilot.press("backspace", "backspace")  # "pat": every lead again
        await settle(app, pilot)
        assert [x.id for x in new.leads] == ["1", "4", "7"]
        assert board.current_lead is not None and board.current_lead.id == "4"
        assert "Lead 004 Person" in highlighted_text(new) and "Lead 001" not in highlighted_text(new)
        board.query_one("#filter", Input).value = "company 7"  # lead 4 leaves: 7 takes its place
        await settle(app, pilot)
        assert board.current_lead is not None and board.current_lead.id == "7"
        assert "Lead 007 Person" in highlighted_text(new)


async def test_typing_a_filter_deep_in_a_long_stage(tmp_path: Path) -> None:
    """Typing, then deleting, with the highlight far down a stage longer than a page (the default
    SLA's order): the board keeps running and the highlighted lead stays highlighted while it
    matches, also when it is past the rows a new filter reads first."""
    path = tmp_path / "long.sqlite"
    fill_cache(path, 3 * (PAGE_ROWS + 20)).close()
    app = board_app(path)
    with Store.open(path) as store:
        async with app.run_test(size=LARGE) as pilot:
            await settle(app, pilot)
            board = board_of(app)
            column = board.columns[0]
            for _ in range(40):
                board.action_cursor_down()
            await settle(app, pilot)
            assert column.scroll_offset.y > 0
            await pilot.press("slash")
            typed = ""
            for key in ("1", "2", "backspace", "backspace"):
                before = board.current_lead
                assert before is not None
                typed = typed[:-1] if key == "backspace" else typed + key
                await pilot.press(key)
                await settle(app, pilot)
                assert app.is_running and isinstance(app.screen, BoardScreen)
                listed = [x.id for x in column.leads]
                assert listed and board.current_lead is not None and board.current_lead.id in listed
                if before.id in {lead.id for lead in store.board(needle=typed)}:
                    assert board.current_lead.id == before.id, typed
            # the last lead kept stands past the first page of the unfiltered stage
            assert column.highlighted is not None and column.highlighted >= PAGE_ROWS


async def test_each_keystroke_ends_on_the_read_models_rows_and_counts(tmp_path: Path) -> None:
    """Typed fast (no pause between keys) or slowly, the columns end on what the read model gives
    for the last text: a page of each stage's rows (its first, or those around the highlighted
    lead) and every stage's count, which a keystroke reads after its rows."""
    path = tmp_path / "many.sqlite"
    fill_cache(path, 3000).close()
    app = board_app(path)
    with Store.open(path) as store:
        async with app.run_test(size=LARGE) as pilot:
            await settle(app, pilot)
            board = board_of(app)
            await pilot.press("slash")
            field = board.query_one("#filter", Input)
            for burst in (
                ["l", "le", "lea", "lead"],
                ["lead 1", "lead 12", "lead 123"],
                ["lead 12"],
                ["pat29"],
                [""],
            ):
                for text in burst:
                    field.value = text
                await settle(app, pilot)
                full = store.board(needle=burst[-1])
                for column in board.columns:
                    stage = [lead.id for lead in full if lead.stage_id == column.stage.id]
                    held = [lead.id for lead in column.leads]
                    assert held == stage[column.start : column.start + len(held)], burst[-1]
                    assert bool(held) == bool(stage), burst[-1]
                    assert column.total == len(stage), burst[-1]
                    assert f"· {len(stage):,}" in str(column.border_title)


async def test_click_and_hover_find_the_lead_under_the_mouse_in_a_scrolled_column(tmp_path: Path) -> None:
    path = tmp_path / "long.sqlite"
    fill_cache(path, 3 * (PAGE_ROWS + 20)).close()
    app = board_app(path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        column = board.columns[0]
        for _ in range(30):
            board.action_cursor_down()
        await settle(app, pilot)
        scrolled = column.scroll_offset.y
        assert scrolled > 0
        y = 5 if (5 - 1 + scrolled) % 2 == 0 else 6  # the first line of a lead (1: the top border)
        await pilot.hover(column, offset=(8, y))
        await pilot.pause()
        assert text_backgrounds(drawn(column, y)) == {background(column, *HOVERED)}
        assert text_backgrounds(drawn(column, y + 2)) == {background(column, *PLAIN)}  # the next lead
        await pilot.click(column, offset=(8, y))
        await settle(app, pilot)
        lead = board.current_lead
        assert lead is not None and lead.name in drawn(column, y).text
        assert column.scroll_offset.y == scrolled  # a click does not scroll
        await pilot.hover(board.query_one("#sync-status"))
        await pilot.pause()
        assert text_backgrounds(drawn(column, y + 2)) == {background(column, *PLAIN)}


async def test_rows_are_drawn_again_for_a_new_theme_and_a_new_width(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app, pilot)
        column = board_of(app).columns[1]
        second_lead = 3  # its first line: below the top border and the first lead's two lines
        before = background(column, *PLAIN)
        assert text_backgrounds(drawn(column, second_lead)) == {before}
        app.theme = "nord"
        await settle(app, pilot)
        after = background(column, *PLAIN)
        assert after != before
        assert text_backgrounds(drawn(column, second_lead)) == {after}
        wide = drawn(column, second_lead + 1).text
        assert "…" not in wide and "touched 1 d ago" in wide
        await pilot.resize_terminal(110, 40)
        await settle(app, pilot)
        narrow = drawn(column, second_lead + 1).text
        assert narrow.rstrip(" │").endswith("…") and "touched 1 d ago" not in narrow
        assert narrow.startswith("│") and narrow.endswith("│")


async def test_page_keys_move_a_screenful_and_the_row_left_is_drawn_plain(tmp_path: Path) -> None:
    path = tmp_path / "long.sqlite"
    fill_cache(path, 3 * (PAGE_ROWS + 20)).close()
    app = board_app(path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        column = board.columns[0]
        first = board.current_lead
        assert first is not None and first.name
        rows_in_view = column.scrollable_content_region.height // 2
        await pilot.press("pagedown")
        await settle(app, pilot)
        paged = board.current_lead
        assert paged is not None and paged.name and paged.id == column.leads[rows_in_view].id
        assert paged.name in highlighted_text(column) and first.name not in highlighted_text(column)
        await pilot.press("pageup")
        await settle(app, pilot)
        assert board.current_lead is not None and board.current_lead.id == first.id
        assert column.scroll_offset.y == 0 and paged.name not in highlighted_text(column)


async def test_scrolling_to_the_bottom_draws_the_rest_of_the_stage(tmp_path: Path) -> None:
    """Leads are read a window at a time; the wheel or the scrollbar reaching the end has the board
    read the rows there, and the highlight stays on the first lead."""
    path = tmp_path / "long.sqlite"
    fill_cache(path, 3 * (PAGE_ROWS + 20)).close()
    app = board_app(path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        column = board_of(app).columns[0]
        first = board_of(app).current_lead
        assert len(column.leads) < column.total
        column.scroll_end(animate=False, immediate=True)
        await settle(app, pilot)
        assert column.start + len(column.leads) == column.total
        last = column.leads[-1].name
        assert last and column.scroll_offset.y == column.max_scroll_y
        bottom = column.outer_size.height - 3  # the last row's first line, above the bottom border
        assert last in drawn(column, bottom).text
        assert first is not None and column.highlighted == 0  # scrolling moves no highlight
