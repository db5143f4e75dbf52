"""One column of the board: a line-based list (a `ScrollView` drawn through `render_line`, Textual's
Line API) of the leads in one stage.

Never a widget per lead: each lead is one two-line row whose lines are plain (text, style) parts
(`lead_rows.lead_lines`), so rows can be built before the column is mounted and the board's first
frame already holds them. The board reads only the first rows of each stage (a page) and says how
many the stage holds (`total`); the column builds rows for the leads it was given a screenful at a
time (`PAGE_SIZE`), and when the highlight or the scroll nears the last row read while the stage
holds more, it asks the board for a bigger page (`MoreWanted`). The highlighted lead is kept, by id,
when the rows are replaced, and rows that read the same as those shown are not redrawn.

Drawing is the board's hot path. The column draws a row's line straight into Rich segments
(`lead_rows.draw_line`): each (row style, part style) pair is resolved once, each drawn line is kept
by (its parts, the row style) in a bounded cache until the width or the styles change, every row is
two lines (no measuring: the virtual height is twice the rows built), a highlight or hover change
redraws only the rows it touches, and a click or hover finds its row from the mouse's offset. Only
the lines in view are ever drawn.

Only Textual's public API is used (no underscore member of Textual is read, written or overridden),
so the column keeps working across Textual releases. Its rows keep OptionList's component class
names (`option-list--option`, `-highlighted`, `-hover`) and its default look, so the app's CSS and
the board's look are unchanged from when it was an `OptionList`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style

from leadboard.cache.read_model import BoardLead
from leadboard.domain import PortalMeta, Stage
from leadboard.sla import SlaState
from leadboard.text import clean_untrusted
from leadboard.widgets.contrast import readable
from leadboard.widgets.lead_rows import (
    LINES_PER_LEAD,
    MARKERS,
    SLA_GLYPHS,
    SLA_STYLES,
    LeadOption,
    Part,
    RowLines,
    draw_line,
    lead_lines,
    lead_prompt,
    relative_age,
)

__all__ = [
    "LINES_PER_LEAD",
    "MARKERS",
    "PAGE_SIZE",
    "SLA_GLYPHS",
    "SLA_STYLES",
    "LeadOption",
    "RowLines",
    "SlaOf",
    "StageColumn",
    "draw_line",
    "lead_lines",
    "lead_prompt",
    "relative_age",
]

PAGE_SIZE = 32  # a tall terminal shows ~30 two-line leads; more load as the rep scrolls
#: Options built ahead of the highlight before the next screenful is added.
PAGE_AHEAD = 5
#: Rows read ahead of the highlight: nearer the last row read than this, the board reads more.
READ_AHEAD = 20
#: Drawn lines kept per column: a few screenfuls (~50 lines each), for scrolling back and refreshes;
#: more would only lengthen the garbage collector's full passes.
_STRIP_CACHE_SIZE = 256
#: The SLA state of a lead on the board (None: not computed); called only for the rows shown.
SlaOf = Callable[[BoardLead], "SlaState | None"]


#: The row styles' component classes (OptionList's names, so CSS written for the board still applies).
_ROW = "option-list--option"
_ROW_HIGHLIGHTED = "option-list--option-highlighted"
_ROW_HOVER = "option-list--option-hover"


class StageColumn(ScrollView, can_focus=True):
    """The leads of one stage. Keys j/k/enter are the board's (remappable); this list adds paging."""

    ALLOW_SELECT = False  # a double-click opens the lead; it selects no text
    inherit_bindings = False
    DEFAULT_CSS = """
    StageColumn {
        height: auto;
        max-height: 100%;
        color: $foreground;
        overflow-x: hidden;
        border: tall $border-blurred;
        padding: 0 1;
        background: $surface;
        & > .option-list--option-highlighted {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            border: tall $border;
            background-tint: $foreground 5%;
            & > .option-list--option-highlighted {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        & > .option-list--option-highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
        }
        & > .option-list--option-hover {
            background: $block-hover-background;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        _ROW,
        _ROW_HIGHLIGHTED,
        _ROW_HOVER,
        "stage-column--sla-breached",
        "stage-column--sla-due-soon",
        "stage-column--sla-ok",
        "stage-column--quiet",
        *(f"stage-column--marker-{marker}" for marker in MARKERS),
        *(f"stage-column--label-{label}" for label in ("hot", "warm", "cold")),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    #: The index of the highlighted row (None: the column is empty). A change redraws the two rows
    #: it touches, not the column.
    highlighted: reactive[int | None] = reactive(None, repaint=False)
    #: The index of the row under the mouse, or None.
    hovered: reactive[int | None] = reactive(None, repaint=False)

    @dataclass
    class LeadHighlighted(Message):
        column: StageColumn
        lead: BoardLead | None

    @dataclass
    class MoreWanted(Message):
        """The highlight or the scroll is near the last row read and the stage holds more:
        the board should read at least `upto` + a page of rows for this stage."""

        column: StageColumn
        upto: int

    @dataclass
    class LeadChosen(Message):
        """Enter or a double-click on a lead."""

        column: StageColumn
        lead: BoardLead

    def __init__(
        self,
        stage: Stage,
        *,
        id: str | None = None,
        classes: str = "",
        rows: list[BoardLead] | None = None,
        total: int = 0,
        meta: PortalMeta | None = None,
        now: datetime | None = None,
        sla_of: SlaOf | None = None,
        sort_label: str = "",
    ) -> None:
        """A column for `stage`; given `rows` (the first of the stage's `total`), it is built with
        them, so it needs no second pass once mounted."""
        #: Drawn lines by (parts, row style), and Rich styles by (row style, part style): both
        #: forgotten when the width or the styles change (focus, theme, CSS).
        self._strips: LRUCache[tuple[tuple[Part, ...], Style], Strip] = LRUCache(_STRIP_CACHE_SIZE)
        self._rich_styles: dict[tuple[Style, str], RichStyle] = {}
        #: The row styles (plain, highlighted, hovered) of the frame being drawn.
        self._row_styles: tuple[Style, Style, Style] | None = None
        self._drawn_width: int | None = None
        #: The header and footer words last set.
        self._titles: tuple[str, str] | None = None
        #: The rows built so far, for the first of `leads` (a screenful at a time).
        self._rows: list[LeadOption] = []
        super().__init__(id=id, classes=f"stage-column {classes}".strip())
        self.stage = stage
        self.leads: list[BoardLead] = rows or []
        #: How many leads the stage holds under the board's filter (`leads` may be the first of them).
        self.total = max(total, len(self.leads))
        #: A row the rep moved to before it was read; highlighted once the bigger page arrives.
        self._pending: int | None = None
        #: The lead a command was opened on (`stay_on_row`): when it moves within the column, the
        #: highlight stays on its row, so the next lead comes under it.
        self._stay_for: str | None = None
        self.meta = meta or PortalMeta()
        self.now = now or datetime.now(UTC)
        self.sla_of: SlaOf | None = sla_of
        self.sort_label = sort_label
        if self.leads:
            self._rows = self._rows_for(0, min(PAGE_SIZE, len(self.leads)))
            self.set_reactive(StageColumn.highlighted, 0)
        self._size_to_rows()
        self._title()

    # --- drawing --------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        self._strips.clear()
        self._rich_styles.clear()
        self._row_styles = None
        super().notify_style_update()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        width = self.scrollable_content_region.width
        if width != self._drawn_width:
            self._strips.clear()
            self._drawn_width = width
        self._row_styles = None  # resolved once per frame, on the first line drawn
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        plain, highlighted, hovered = self._row_styles or self._resolve_row_styles()
        index, line_no = divmod(self.scroll_offset.y + y, LINES_PER_LEAD)
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, plain.rich_style)
        if index == self.highlighted:
            style = highlighted
        elif index == self.hovered:
            style = hovered
        else:
            style = plain
        parts = self._rows[index].lines[line_no]
        key = (parts, style)
        strip = self._strips.get(key)
        if strip is None:
            strip = draw_line(parts, width, partial(self._rich_style, style), style.rich_style)
            self._strips[key] = strip
        return strip

    def _resolve_row_styles(self) -> tuple[Style, Style, Style]:
        self._row_styles = (
            self.get_visual_style(_ROW),
            self.get_visual_style(_ROW, _ROW_HIGHLIGHTED),
            self.get_visual_style(_ROW, _ROW_HOVER),
        )
        return self._row_styles

    def _rich_style(self, row: Style, part: str) -> RichStyle:
        """A part's Rich style on a row, combined as Textual combines a Content span's style."""
        key = (row, part)
        rich = self._rich_styles.get(key)
        if rich is None:
            if not part:
                own = Style()
            elif part.startswith("."):
                own = self.get_visual_style(part[1:], partial=True)
            else:
                own = Style.parse(part)
            combined = row + (row + own)
            if combined.foreground is not None and combined.background is not None:
                # the theme's colour, moved towards white or black only where it is not readable here
                colour = readable(combined.foreground, combined.background)
                combined += Style(foreground=colour)
            rich = self._rich_styles[key] = combined.rich_style
        return rich

    def _refresh_row(self, index: int | None) -> None:
        """Redraw one row's lines (a highlight or hover change touches no other row)."""
        if index is not None and self.is_mounted:
            self.refresh_lines(LINES_PER_LEAD * index, LINES_PER_LEAD)

    def _size_to_rows(self) -> None:
        """Every row is two lines: the virtual height follows the rows built, without measuring.
        The width is left at 0: the column never scrolls sideways (`overflow-x: hidden`).

        `virtual_size` is a layout reactive: setting it lays out the whole screen, which cost a
        filter keystroke ~20 ms at 10,000 leads. Only a scrollbar that appears or goes needs that
        (the gutter is kept either way); otherwise the new height is set without a layout and the
        scrollbar's thumb and the scroll position follow it here."""
        height = LINES_PER_LEAD * len(self._rows)
        if height == self.virtual_size.height:
            return
        viewport = self.scrollable_content_region.height
        if not self.is_mounted or (height > viewport) != (self.virtual_size.height > viewport):
            self.virtual_size = Size(0, height)
            return
        self.set_reactive(StageColumn.virtual_size, Size(0, height))
        if self.show_vertical_scrollbar:
            scrollbar = self.vertical_scrollbar
            scrollbar.window_virtual_size = height
            scrollbar.refresh()
        self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return LINES_PER_LEAD * len(self._rows)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(
            (cell_len("".join(t for t, _ in line)) for row in self._rows for line in row.lines), default=0
        )

    # --- rows -----------------------------------------------------------------------------------

    @property
    def loaded(self) -> int:
        """How many rows are built (the first of `leads`)."""
        return len(self._rows)

    @property
    def option_count(self) -> int:
        """The rows built, as an `OptionList` counted its options."""
        return len(self._rows)

    def get_option_at_index(self, index: int) -> LeadOption:
        """The row at `index` (its lead's id and two lines)."""
        return self._rows[index]

    @property
    def current_lead(self) -> BoardLead | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.leads) or index >= self.loaded:
            return None
        return self.leads[index]

    def show_leads(
        self,
        leads: list[BoardLead],
        meta: PortalMeta,
        now: datetime,
        *,
        total: int | None = None,
        keep: str | None = None,
        sla_of: SlaOf | None = None,
    ) -> bool:
        """Replace the rows, keeping `keep` (a lead id; default the highlighted one) highlighted.

        `leads` are the first rows of the stage, which holds `total` (default: just these).
        A lead that left the column gives its place to the next one, so the highlight does not jump.
        `sla_of` gives a row's SLA state (default: the one given last time), asked for shown rows only.
        Rows that read the same as those shown are kept as they are (nothing is redrawn for them),
        and the list keeps its scroll position. True when anything the column shows changed.
        """
        shown = (self.scroll_y, self.highlighted, self._titles)
        previous = self.current_lead
        keep_id = keep if keep is not None else (previous.id if previous else None)
        old_index = self.highlighted
        self.leads, self.meta, self.now = leads, meta, now
        self.total = max(total if total is not None else 0, len(leads))
        if sla_of is not None:
            self.sla_of = sla_of
        index = next((i for i, lead in enumerate(leads) if lead.id == keep_id), None)
        if keep is None and keep_id is not None and keep_id == self._stay_for and old_index is not None:
            self._stay_for = None
            index = None  # the lead the rep acted on moved: its row keeps the highlight
        if self._pending is not None and keep is None:
            if self._pending < len(leads) or len(leads) >= self.total:
                index = min(self._pending, len(leads) - 1) if leads else None
            self._pending = None
        if index is None and old_index is not None and leads:
            index = min(old_index, len(leads) - 1)
        wanted = max(PAGE_SIZE, (index or 0) + PAGE_AHEAD + 1)
        replaced = self._replace_rows(self._rows_for(0, min(wanted, len(leads))))
        highlight = index if index is not None else (0 if leads else None)
        if highlight == self.highlighted:  # no watcher runs: keep it in view and the page loading
            self.scroll_to_highlight()
            if highlight is not None:
                self._load_more(highlight)
        else:
            with self.prevent(self.LeadHighlighted):
                self.highlighted = highlight
        self._title()
        current = self.current_lead
        if (current.id if current else None) != (previous.id if previous else None):
            self.post_message(self.LeadHighlighted(self, current))
        return replaced or shown != (self.scroll_y, self.highlighted, self._titles)

    def stay_on_row(self, lead_id: str) -> None:
        """A command was opened on `lead_id`: if it then moves down the column (a logged call marks
        it touched), keep the highlight on its row rather than following it, until the rep moves."""
        self._stay_for = lead_id

    def _replace_rows(self, rows: list[LeadOption]) -> bool:
        """Swap in `rows` unless they read the same as those shown (then False). The scroll
        position is kept (clamped to the new length); the highlight is left to the caller."""
        shown = self._rows
        if len(rows) == len(shown) and all(
            new.lead_id == old.lead_id and new.lines == old.lines
            for new, old in zip(rows, shown, strict=True)
        ):
            return False
        self._rows = rows
        self._size_to_rows()
        self.refresh()
        return True

    def _rows_for(self, start: int, end: int) -> list[LeadOption]:
        sla_of, meta, now = self.sla_of, self.meta, self.now
        return [
            LeadOption(lead.id, lead_lines(lead, meta, now, sla_of(lead) if sla_of else None))
            for lead in self.leads[start:end]
        ]

    def _load_more(self, upto: int) -> None:
        """Make sure rows up to `upto` are listed: build their rows from the leads read, and ask
        the board for more leads when `upto` nears the last one read and the stage holds more."""
        if self.loaded < len(self.leads) and upto >= self.loaded - PAGE_AHEAD:
            end = min(len(self.leads), max(self.loaded + PAGE_SIZE, upto + PAGE_AHEAD + 1))
            start = self.loaded
            self._rows.extend(self._rows_for(start, end))
            self._size_to_rows()
            self.refresh_lines(LINES_PER_LEAD * start, LINES_PER_LEAD * (end - start))
            self._title()
        if self.total > len(self.leads) and upto >= len(self.leads) - READ_AHEAD:
            self.post_message(self.MoreWanted(self, upto))

    def set_sort_label(self, label: str) -> None:
        if label != self.sort_label:
            self.sort_label = label
            self._title()

    def _title(self) -> None:
        """Set the header and footer; only when their words change, as each set redraws the column."""
        total = self.total
        title = f"{clean_untrusted(self.stage.label)} · {total:,}"
        parts = []
        if self.loaded < total:
            parts.append(f"first {self.loaded:,} of {total:,}; scroll for more")
        if self.sort_label:
            parts.append(self.sort_label)
        subtitle = " · ".join(parts)
        if (title, subtitle) != self._titles:
            self._titles = (title, subtitle)
            self.border_title = Content(title)
            self.border_subtitle = Content(subtitle)

    # --- moving ---------------------------------------------------------------------------------

    def validate_highlighted(self, highlighted: int | None) -> int | None:
        if highlighted is None or not self._rows:
            return None
        return max(0, min(highlighted, len(self._rows) - 1))

    def watch_highlighted(self, old: int | None, highlighted: int | None) -> None:
        self._refresh_row(old)
        self._refresh_row(highlighted)
        if highlighted is None:
            return
        self.scroll_to_highlight()
        self.post_message(self.LeadHighlighted(self, self.current_lead))
        self._load_more(highlighted)

    def watch_hovered(self, old: int | None, hovered: int | None) -> None:
        self._refresh_row(old)
        self._refresh_row(hovered)

    def on_show(self) -> None:
        self.scroll_to_highlight()

    def scroll_to_highlight(self, top: bool = False) -> None:
        """Scroll so the highlighted row is in view (at the top when `top`)."""
        highlighted = self.highlighted
        if highlighted is None or not self.is_mounted:
            return
        self.scroll_to_region(
            Region(0, LINES_PER_LEAD * highlighted, self.scrollable_content_region.width, LINES_PER_LEAD),
            force=True,
            animate=False,
            top=top,
            immediate=True,
        )

    def move(self, delta: int) -> None:
        self._stay_for = None
        if not self.leads:
            return
        current = self._pending if self._pending is not None else self.highlighted
        target = max(0, min(self.total - 1, (current if current is not None else -1) + delta))
        self._pending = target if target >= len(self.leads) else None
        self._load_more(target)
        self.highlighted = min(target, self.loaded - 1)

    def action_first(self) -> None:
        self._pending = self._stay_for = None
        self.highlighted = 0

    def action_last(self) -> None:
        self._stay_for = None
        if self.total > len(self.leads):
            self._pending = self.total - 1  # highlighted once the board has read that far
        self._load_more(self.total - 1)
        self.highlighted = self.loaded - 1

    def _page_by(self, direction: int) -> None:
        """Move the highlight by the column's height in lines (a screenful of rows)."""
        self._stay_for = None
        if not self._rows:
            return
        line = LINES_PER_LEAD * (self.highlighted or 0) + direction * self.scrollable_content_region.height
        self.highlighted = max(0, min(line, LINES_PER_LEAD * len(self._rows) - 1)) // LINES_PER_LEAD

    def action_page_up(self) -> None:
        if self.highlighted is None:
            self.action_first()
        else:
            self._page_by(-1)

    def action_page_down(self) -> None:
        self._load_more((self.highlighted or 0) + max(self.size.height, 1))
        if self.highlighted is None:
            self.action_last()
        else:
            self._page_by(1)

    def action_select(self) -> None:
        lead = self.current_lead
        if lead is not None:
            self.post_message(self.LeadChosen(self, lead))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling (wheel, scrollbar) near the end of what is loaded loads the next page."""
        super().watch_scroll_y(old_value, new_value)
        if self.loaded < self.total and new_value >= self.max_scroll_y - self.size.height:
            self._load_more(self.loaded)

    # --- mouse ----------------------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse (rows carry no click metadata: every row is two lines)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        index = (offset.y + self.scroll_offset.y) // LINES_PER_LEAD
        return index if 0 <= index < len(self._rows) else None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self._row_at(event)

    def on_leave(self, event: events.Leave) -> None:
        self.hovered = None

    def on_click(self, event: events.Click) -> None:
        """A click highlights the lead; a double-click opens it."""
        clicked = self._row_at(event)
        if clicked is None:
            return
        self.focus()
        self._stay_for = None
        self.highlighted = clicked
        if event.chain >= 2:
            self.action_select()
