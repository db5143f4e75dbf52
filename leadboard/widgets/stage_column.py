"""One column of the board: a line-based list (a `ScrollView` drawn through `render_line`, Textual's
Line API) of the leads in one stage.

Never a widget per lead: each lead is one two-line row whose lines are plain (text, style) parts
(`lead_rows.lead_lines`), so rows can be built before the column is mounted and the board's first
frame already holds them. The column is as tall as its stage (`total`, a COUNT), but it holds only
a window of it: the leads read around the viewport (`leads`, from stage index `start`), their rows
built as they are drawn. When the viewport nears the edge of the window (`READ_AHEAD` rows) it asks
the board for the rows around it (`WindowWanted`, `WINDOW_ROWS` or three screenfuls) and draws
blank rows until they come; so End on a 20,000-row stage reads ~120 rows, and memory does not grow
with the rows scrolled past (`rows_held`). The highlight is a stage index: it moves at once, and
the lead under it is known once its window is read. The highlighted lead is kept, by id, when the
rows are replaced, and rows in view that read the same as before are not redrawn.

Drawing is the board's hot path. The column draws a row's line straight into Rich segments
(`lead_rows.draw_line`): each (row style, part style) pair is resolved once, each drawn line is kept
by (its parts, the row style) in a bounded cache until the width or the styles change, every row is
two lines (no measuring: the virtual height is twice the stage's rows), a highlight or hover change
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
    "READ_AHEAD",
    "WINDOW_ROWS",
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

PAGE_SIZE = 32  # a tall terminal shows ~30 two-line leads: the rows built before the first frame
#: Rows held ahead of the viewport: nearer the edge of the window held than this, the column asks
#: for the window around it.
READ_AHEAD = 20
#: Rows a column asks for (at least three screenfuls): the viewport and READ_AHEAD either side.
WINDOW_ROWS = 120
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
    class WindowWanted(Message):
        """The viewport nears the edge of the rows held: the board should read `rows` rows of this
        stage from `start` on and show them (`show_leads(..., start=start)`)."""

        column: StageColumn
        start: int
        rows: int

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
        #: The rows built so far, one per lead of `leads` (None: not built yet; built when drawn).
        self._rows: list[LeadOption | None] = []
        super().__init__(id=id, classes=f"stage-column {classes}".strip())
        self.stage = stage
        #: The leads read around the viewport: the stage's rows from `start` on (a window, never
        #: the whole stage: memory stays flat however long the stage is).
        self.leads: list[BoardLead] = rows or []
        #: The stage index of `leads[0]`.
        self.start = 0
        #: How many leads the stage holds under the board's filter (a COUNT, not the rows read).
        self.total = max(total, len(self.leads))
        #: The window last asked for with `WindowWanted` and not shown yet: (start, rows).
        self._asked: tuple[int, int] | None = None
        #: The lead a command was opened on (`stay_on_row`): when it moves within the column, the
        #: highlight stays on its row, so the next lead comes under it.
        self._stay_for: str | None = None
        self.meta = meta or PortalMeta()
        self.now = now or datetime.now(UTC)
        self.sla_of: SlaOf | None = sla_of
        self.sort_label = sort_label
        self._rows = [None] * len(self.leads)
        if self.leads:
            for index in range(min(PAGE_SIZE, len(self.leads))):
                self._row(index)  # the first frame's rows, built before the column is mounted
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
        if index == self.highlighted:
            style = highlighted
        elif index == self.hovered:
            style = hovered
        else:
            style = plain
        row = self._row(index) if 0 <= index < self.total else None
        if row is None:  # past the stage, or not read yet: the window is on its way
            return Strip.blank(width, (style if index < self.total else plain).rich_style)
        parts = row.lines[line_no]
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
        """Every row is two lines: the virtual height is the stage's (`total`), without measuring.
        The width is left at 0: the column never scrolls sideways (`overflow-x: hidden`).

        `virtual_size` is a layout reactive: setting it lays out the whole screen, which cost a
        filter keystroke ~20 ms at 10,000 leads. Only a scrollbar that appears or goes needs that
        (the gutter is kept either way); otherwise the new height is set without a layout and the
        scrollbar's thumb and the scroll position follow it here."""
        height = LINES_PER_LEAD * self.total
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
        return LINES_PER_LEAD * self.total

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(
            (cell_len("".join(t for t, _ in line)) for row in self._rows if row for line in row.lines),
            default=0,
        )

    # --- rows -----------------------------------------------------------------------------------

    @property
    def rows_held(self) -> int:
        """How many leads the column holds (read and kept): the window around the viewport, bounded
        whatever the stage's length."""
        return len(self.leads)

    @property
    def rows_built(self) -> int:
        """How many of the held leads have their row built (drawn at least once, or compared)."""
        return sum(row is not None for row in self._rows)

    @property
    def option_count(self) -> int:
        """The stage's rows, as an `OptionList` counted its options (most are not held)."""
        return self.total

    def get_option_at_index(self, index: int) -> LeadOption:
        """The row at `index` in the stage (its lead's id and two lines); it must be held."""
        row = self._row(index)
        if row is None:
            raise IndexError(
                f"row {index} is not held (rows {self.start}-{self.start + len(self.leads) - 1})"
            )
        return row

    def _row(self, index: int) -> LeadOption | None:
        """The row at stage index `index`, built on first use; None when its lead is not held."""
        at = index - self.start
        if not 0 <= at < len(self.leads):
            return None
        row = self._rows[at]
        if row is None:
            lead = self.leads[at]
            sla = self.sla_of(lead) if self.sla_of else None
            row = self._rows[at] = LeadOption(lead.id, lead_lines(lead, self.meta, self.now, sla))
        return row

    @property
    def current_lead(self) -> BoardLead | None:
        index = self.highlighted
        if index is None:
            return None
        at = index - self.start
        return self.leads[at] if 0 <= at < len(self.leads) else None

    def show_leads(
        self,
        leads: list[BoardLead],
        meta: PortalMeta,
        now: datetime,
        *,
        total: int | None = None,
        keep: str | None = None,
        sla_of: SlaOf | None = None,
        start: int = 0,
    ) -> bool:
        """Replace the rows: `leads` are the stage's rows from `start` on, of `total` (default: just
        these). `keep` (a lead id; default the highlighted one) stays highlighted if it is among them.

        A lead that left the column gives its place to the next one, so the highlight does not jump.
        `sla_of` gives a row's SLA state (default: the one given last time), asked for shown rows only.
        When the rows in view read the same as before nothing is redrawn, and the list keeps its
        scroll position. True when anything the column shows changed.
        """
        shown = (self.scroll_y, self.highlighted, self._titles)
        previous = self.current_lead
        keep_id = keep if keep is not None else (previous.id if previous else None)
        old_index = self.highlighted
        in_view = self._rows_in_view()
        old_rows = [self._row(i) for i in in_view]
        old_total = self.total
        self.meta, self.now = meta, now
        if sla_of is not None:
            self.sla_of = sla_of
        self.leads, self.start = leads, start
        self._rows = [None] * len(leads)
        self.total = max(total if total is not None else 0, start + len(leads))
        answered = self._asked is not None and self._asked[0] == start
        if answered:
            self._asked = None
        index = next((start + i for i, lead in enumerate(leads) if lead.id == keep_id), None)
        if keep is None and keep_id is not None and keep_id == self._stay_for and old_index is not None:
            self._stay_for = None
            index = None  # the lead the rep acted on moved: its row keeps the highlight
        if index is None and old_index is not None and leads:
            index = min(old_index, self.total - 1)
            if self._asked is None and not start <= index < start + len(leads):
                index = max(start, min(index, start + len(leads) - 1))  # a new first page: come into it
        new_rows = [self._row(i) for i in in_view]
        replaced = self.total != old_total or any(
            (new.lead_id, new.lines) != (old.lead_id, old.lines) if new and old else new is not old
            for new, old in zip(new_rows, old_rows, strict=True)
        )
        if replaced:
            self._size_to_rows()
            self.refresh()
        highlight = index if index is not None else (start if leads else None)
        if highlight == self.highlighted:  # no watcher runs: keep it in view (unless these are the
            if not answered:  # rows the rep scrolled to, away from the highlight)
                self.scroll_to_highlight()
        else:
            with self.prevent(self.LeadHighlighted):
                self.highlighted = highlight
        self._want_window()
        self._title()
        current = self.current_lead
        if (current.id if current else None) != (previous.id if previous else None):
            self.post_message(self.LeadHighlighted(self, current))
        return replaced or shown != (self.scroll_y, self.highlighted, self._titles)

    def set_total(self, total: int) -> None:
        """The stage's count, read after its rows were shown (a filter keystroke shows its rows
        first, `show_leads` keeping the previous count meanwhile): resize, retitle, and ask for the
        rows around the viewport again if the new length calls for them."""
        total = max(total, self.start + len(self.leads))
        if total == self.total:
            return
        self.total = total
        self._size_to_rows()
        self.refresh()
        self._asked = None
        self._want_window()
        self._title()

    def forget_window(self) -> None:
        """The board reads a first page again (a new filter, sort or view): a window asked for
        earlier will not come."""
        self._asked = None

    def stay_on_row(self, lead_id: str) -> None:
        """A command was opened on `lead_id`: if it then moves down the column (a logged call marks
        it touched), keep the highlight on its row rather than following it, until the rep moves."""
        self._stay_for = lead_id

    def _rows_in_view(self) -> range:
        """The stage indexes of the rows the viewport shows (the first screenful before mounting)."""
        if not self.is_mounted or not self.size.height:
            return range(min(PAGE_SIZE, self.total))
        top = int(self.scroll_y) // LINES_PER_LEAD
        rows = -(-self.scrollable_content_region.height // LINES_PER_LEAD) + 1
        return range(top, min(top + rows, self.total))

    def _want_window(self) -> None:
        """Ask the board for the rows around the viewport when it nears the edge of those held
        (`READ_AHEAD` rows short of it): a window of `WINDOW_ROWS` (or three screenfuls) centred on
        the viewport. Rows not held yet are drawn blank until it comes."""
        if not self.is_mounted or not self.total:
            return
        view = self._rows_in_view()
        need_start = max(0, view.start - READ_AHEAD)
        need_end = min(self.total, view.stop + READ_AHEAD)
        held_end = self.start + len(self.leads)
        if self.start <= need_start and (need_end <= held_end or held_end >= self.total):
            return
        rows = max(WINDOW_ROWS, 3 * len(view))
        centre = (view.start + view.stop) // 2
        start = max(0, min(centre - rows // 2, self.total - rows))
        if (start, rows) != self._asked:
            self._asked = (start, rows)
            self.post_message(self.WindowWanted(self, start, rows))

    def set_sort_label(self, label: str) -> None:
        if label != self.sort_label:
            self.sort_label = label
            self._title()

    def _title(self) -> None:
        """Set the header and footer; only when their words change, as each set redraws the column."""
        title = f"{clean_untrusted(self.stage.label)} · {self.total:,}"
        subtitle = self.sort_label
        if (title, subtitle) != self._titles:
            self._titles = (title, subtitle)
            self.border_title = Content(title)
            self.border_subtitle = Content(subtitle)

    # --- moving ---------------------------------------------------------------------------------

    def validate_highlighted(self, highlighted: int | None) -> int | None:
        if highlighted is None or not self.total:
            return None
        return max(0, min(highlighted, self.total - 1))

    def watch_highlighted(self, old: int | None, highlighted: int | None) -> None:
        self._refresh_row(old)
        self._refresh_row(highlighted)
        if highlighted is None:
            return
        self.scroll_to_highlight()
        self._want_window()
        self.post_message(self.LeadHighlighted(self, self.current_lead))

    def watch_hovered(self, old: int | None, hovered: int | None) -> None:
        self._refresh_row(old)
        self._refresh_row(hovered)

    def on_show(self) -> None:
        self.scroll_to_highlight()
        self._want_window()

    def on_resize(self) -> None:
        self._want_window()

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
        if not self.total:
            return
        current = self.highlighted
        self.highlighted = max(0, min(self.total - 1, (current if current is not None else -1) + delta))

    def action_first(self) -> None:
        self._stay_for = None
        self.highlighted = 0

    def action_last(self) -> None:
        self._stay_for = None
        self.highlighted = self.total - 1

    def _page_by(self, direction: int) -> None:
        """Move the highlight by the column's height in lines (a screenful of rows)."""
        self._stay_for = None
        if not self.total:
            return
        line = LINES_PER_LEAD * (self.highlighted or 0) + direction * self.scrollable_content_region.height
        self.highlighted = max(0, min(line, LINES_PER_LEAD * self.total - 1)) // LINES_PER_LEAD

    def action_page_up(self) -> None:
        if self.highlighted is None:
            self.action_first()
        else:
            self._page_by(-1)

    def action_page_down(self) -> None:
        if self.highlighted is None:
            self.action_last()
        else:
            self._page_by(1)

    def action_select(self) -> None:
        lead = self.current_lead
        if lead is not None:
            self.post_message(self.LeadChosen(self, lead))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling (wheel, scrollbar, the highlight) near the edge of the rows held asks for more."""
        super().watch_scroll_y(old_value, new_value)
        self._want_window()

    # --- mouse ----------------------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse (rows carry no click metadata: every row is two lines)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        index = (offset.y + self.scroll_offset.y) // LINES_PER_LEAD
        return index if 0 <= index < self.total else None

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
