"""Every word on a lead's card is readable under every built-in theme: its colour against the row's
background reaches a WCAG contrast of at least 4.5:1, on a plain row and on the highlighted row
(focused and not), including the SLA words, the touched words and the markers.

The rows are drawn by the column (`render_line`) and passed through the app's own line filters (ANSI
colours to the theme's, dim blended into the colour), so the colours read are those the terminal gets.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.color import Color as RichColor
from textual.strip import Strip

from leadboard.screens.board import BoardScreen
from leadboard.widgets.stage_column import StageColumn
from tests.ui.board_support import board_app, settle
from tests.ui.test_board_sla import UTC_SLA, sla_path

__all__ = ["sla_path"]

#: WCAG 2's minimum for normal-size text (AA).
MINIMUM_CONTRAST = 4.5


def luminance(color: RichColor) -> float:
    """WCAG relative luminance of an sRGB colour."""
    assert color.triplet is not None, color

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in color.triplet)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground: RichColor, background: RichColor) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def drawn(column: StageColumn, y: int) -> Strip:
    """Line `y` of the column as the terminal gets it: drawn, then through the app's line filters."""
    strip = column.render_line(y)
    background = column.background_colors[1]
    for line_filter in column.app.get_line_filters():
        strip = strip.apply_filter(line_filter, background)
    return strip


def word_contrasts(column: StageColumn, row: int, where: str) -> list[tuple[float, str]]:
    """The contrast of each word part of row `row` (separators left out), with what it is."""
    found = []
    for line_no, parts in enumerate(column.get_option_at_index(row).lines):
        strip = drawn(column, 2 * row + line_no - int(column.scroll_offset.y))
        x = 0
        for text, style in parts:
            width = len(text)
            if text.strip() and text != " · " and x < strip.cell_length:
                first = x + len(text) - len(text.lstrip())  # the first letter, not a leading space
                cell = strip.crop(first, first + 1)
                segment = next(iter(cell))
                assert segment.style is not None and segment.style.color is not None
                assert segment.style.bgcolor is not None
                ratio = contrast(segment.style.color, segment.style.bgcolor)
                found.append((ratio, f"{text.strip()!r} ({style or 'row style'}) on {where}"))
            x += width
    return found


async def test_every_card_word_reaches_4_5_to_1_on_every_theme(sla_path: Path) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        column, other = board.columns[0], board.columns[1]
        bea = next(lead for lead in column.leads if lead.id == "b")
        marked = [  # a lead of each marker, copied from the breached lead (the SLA words sit beside it)
            replace(bea, id="m-pending", n_pending=1),
            replace(bea, id="m-failed", n_failed=1),
            replace(bea, id="m-conflict", n_conflict=1),
            replace(bea, id="m-blocked", n_blocked=1),
        ]
        column.show_leads([*column.leads, *marked], column.meta, column.now)
        await pilot.pause()
        shown = {
            " ".join(t for line in column.get_option_at_index(i).lines for t, _ in line) for i in range(9)
        }
        for words in ("3 h late", "due in 20 min", "due in 23 h", "touched", "not touched"):
            assert any(words in row for row in shown), words
        for glyph_word in ("↑ pending", "✗ failed", "≠ conflict", "⊘ blocked"):
            assert any(glyph_word in row for row in shown), glyph_word

        failures: list[str] = []
        worst: dict[str, tuple[float, str]] = {}
        for theme in sorted(app.available_themes):
            app.theme = theme
            if app.native_ansi_color:
                continue  # "textual-ansi": the terminal's own palette, which the rep chose, draws it
            for focused in (True, False):
                (column if focused else other).focus()
                await pilot.pause()
                for highlighted in range(column.option_count):
                    column.highlighted = highlighted  # all nine rows fit at 160x50: nothing scrolls
                    for row in {highlighted, (highlighted + 1) % column.option_count}:
                        where = "the highlighted row" if row == highlighted else "a plain row"
                        where += " (focused)" if focused else " (not focused)"
                        for ratio, what in word_contrasts(column, row, where):
                            worst[theme] = min(worst.get(theme, (99.0, "")), (ratio, what))
                            if ratio < MINIMUM_CONTRAST:
                                failures.append(f"{theme}: {ratio:.2f}:1 for {what}")
        lowest = min(worst.items(), key=lambda item: item[1])
        print(f"lowest contrast: {lowest[0]} {lowest[1][0]:.2f}:1 for {lowest[1][1]}")
        assert not failures, "\n".join(sorted(set(failures)))
