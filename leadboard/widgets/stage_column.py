"""One column of the board: a single line-based list (an `OptionList`) of the leads in one stage.

Never a widget per lead: each lead is one two-line option whose lines are plain (text, style) parts
(`lead_rows.lead_lines`), so rows can be built before the column is mounted and the board's first
frame already holds them. The board reads only the first rows of each stage (a page) and says how
many the stage holds (`total`); the column builds rows for the leads it was given a screenful at a
time (`PAGE_SIZE`), and when the highlight or the scroll nears the last row read while the stage
holds more, it asks the board for a bigger page (`MoreWanted`). The highlighted lead is kept, by id,
when the rows are replaced, and rows that read the same as those shown are not redrawn.

Drawing is the board's hot path. The column draws a row's line straight into Rich segments
(`lead_rows.draw_line`): each (row style, part style) pair is resolved once, each drawn line is kept
by (its parts, the row style) until the width or the styles change, every row is two lines (no
measuring), and a click or hover finds its row from the mouse's offset. Only the rows on screen are
ever drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar, cast

from rich.cells import cell_len
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.widgets import OptionList

from leadboard.cache.read_model import BoardLead
from leadboard.domain import PortalMeta, Stage
from leadboard.sla import SlaState
from leadboard.text import clean_untrusted
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


class StageColumn(OptionList):
    """The leads of one stage. Keys j/k/enter are the board's (remappable); this list adds paging."""

    inherit_bindings = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "stage-column--sla-breached",
        "stage-column--sla-due-soon",
        "stage-column--sla-ok",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

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
        super().__init__(id=id, classes=f"stage-column {classes}".strip())
        self.stage = stage
        self.leads: list[BoardLead] = rows or []
        #: How many leads the stage holds under the board's filter (`leads` may be the first of them).
        self.total = max(total, len(self.leads))
        #: A row the rep moved to before it was read; highlighted once the bigger page arrives.
        self._pending: int | None = None
        self.meta = meta or PortalMeta()
        self.now = now or datetime.now(UTC)
        self.sla_of: SlaOf | None = sla_of
        self.sort_label = sort_label
        if self.leads:
            self.add_options(self._options_for(0, min(PAGE_SIZE, len(self.leads))))
            self.set_reactive(OptionList.highlighted, 0)
        self._title()

    # --- drawing --------------------------------------------------------------------------------

    def _on_resize(self, event: events.Resize) -> None:  # type: ignore[override]
        """OptionList forgets every drawn row on each Resize, even one that keeps the size (the
        first layout sends one just after the first frame is drawn). A size change marks the lines
        dirty by itself, and `render_lines` forgets drawn rows only when their width changed."""
        event.prevent_default()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """A layout that keeps the column's size leaves its scrollbar alone. ScrollView compares the
        viewport the compositor passes with the rows' virtual size, which always differ, so it
        redrew the scrollbar on every layout of the screen (each filter keystroke lays out the
        filter field). A change in the number of rows updates the scrollbar in `_update_lines`."""
        if size == self.outer_size and container_size == self.container_size:
            return False
        return super()._size_updated(size, virtual_size, container_size, layout)

    def notify_style_update(self) -> None:
        self._strips.clear()
        self._rich_styles.clear()
        self._row_styles = None
        super().notify_style_update()

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
        if not 0 <= index < len(self._options):
            return Strip.blank(width, plain.rich_style)
        if index == self.highlighted:
            style = highlighted
        elif index == self._mouse_hovering_over:
            style = hovered
        else:
            style = plain
        parts = cast(LeadOption, self._options[index]).lines[line_no]
        key = (parts, style)
        strip = self._strips.get(key)
        if strip is None:
            strip = draw_line(parts, width, partial(self._rich_style, style), style.rich_style)
            self._strips[key] = strip
        return strip

    def _resolve_row_styles(self) -> tuple[Style, Style, Style]:
        option = "option-list--option"
        self._row_styles = (
            self.get_visual_style(option),
            self.get_visual_style(option, "option-list--option-highlighted"),
            self.get_visual_style(option, "option-list--option-hover"),
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
            rich = self._rich_styles[key] = (row + (row + own)).rich_style
        return rich

    def _update_lines(self) -> None:
        """Every row is two lines: the line tables and the virtual size, without measuring a row."""
        region = self.scrollable_content_region
        if not region:
            return
        cache = self._line_cache
        count = len(self._options)
        for index in range(len(cache.heights), count):
            cache.index_to_line[index] = LINES_PER_LEAD * index
            cache.heights[index] = LINES_PER_LEAD
            cache.lines.extend((index, line) for line in range(LINES_PER_LEAD))
        virtual_size = Size(region.width, LINES_PER_LEAD * count)
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return LINES_PER_LEAD * self.option_count

    def get_content_width(self, container: Size, viewport: Size) -> int:
        rows = cast(list[LeadOption], self._options)
        return max((cell_len("".join(t for t, _ in line)) for row in rows for line in row.lines), default=0)

    # --- rows -----------------------------------------------------------------------------------

    @property
    def loaded(self) -> int:
        return self.option_count

    @property
    def current_lead(self) -> BoardLead | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.leads) or index >= self.option_count:
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
        if self._pending is not None and keep is None:
            if self._pending < len(leads) or len(leads) >= self.total:
                index = min(self._pending, len(leads) - 1) if leads else None
            self._pending = None
        if index is None and old_index is not None and leads:
            index = min(old_index, len(leads) - 1)
        wanted = max(PAGE_SIZE, (index or 0) + PAGE_AHEAD + 1)
        replaced = self._replace_rows(self._options_for(0, min(wanted, len(leads))))
        highlight = index if index is not None else (0 if leads else None)
        if highlight == self.highlighted:  # no watcher runs: keep it in view and the page loading
            self.scroll_to_highlight()
            if highlight is not None:
                self._load_more(highlight)
        else:
            with self.prevent(OptionList.OptionHighlighted):
                self.highlighted = highlight
        self._title()
        current = self.current_lead
        if (current.id if current else None) != (previous.id if previous else None):
            self.post_message(self.LeadHighlighted(self, current))
        return replaced or shown != (self.scroll_y, self.highlighted, self._titles)

    def _replace_rows(self, rows: list[LeadOption]) -> bool:
        """Swap in `rows` unless they read the same as those shown (then False). Unlike
        `set_options` this keeps the scroll position (clamped to the new length) and leaves the
        highlight to the caller."""
        shown = cast(list[LeadOption], self._options)
        if len(rows) == len(shown) and all(
            new.lead_id == old.lead_id and new.lines == old.lines
            for new, old in zip(rows, shown, strict=True)
        ):
            return False
        self._options[:] = rows
        self._id_to_option.clear()
        self._id_to_option.update((row.lead_id, row) for row in rows)
        self._option_to_index.clear()
        self._option_to_index.update((row, i) for i, row in enumerate(rows))
        self._line_cache.clear()
        self.refresh()
        if self.is_mounted:
            self._update_lines()
        return True

    def _options_for(self, start: int, end: int) -> list[LeadOption]:
        sla_of, meta, now = self.sla_of, self.meta, self.now
        return [
            LeadOption(lead.id, lead_lines(lead, meta, now, sla_of(lead) if sla_of else None))
            for lead in self.leads[start:end]
        ]

    def _load_more(self, upto: int) -> None:
        """Make sure rows up to `upto` are listed: build their options from the rows read, and ask
        the board for more rows when `upto` nears the last one read and the stage holds more."""
        if self.loaded < len(self.leads) and upto >= self.loaded - PAGE_AHEAD:
            end = min(len(self.leads), max(self.loaded + PAGE_SIZE, upto + PAGE_AHEAD + 1))
            self.add_options(self._options_for(self.loaded, end))
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

    def move(self, delta: int) -> None:
        if not self.leads:
            return
        current = self._pending if self._pending is not None else self.highlighted
        target = max(0, min(self.total - 1, (current if current is not None else -1) + delta))
        self._pending = target if target >= len(self.leads) else None
        self._load_more(target)
        self.highlighted = min(target, self.option_count - 1)

    def action_first(self) -> None:
        self._pending = None
        super().action_first()

    def action_last(self) -> None:
        if self.total > len(self.leads):
            self._pending = self.total - 1  # highlighted once the board has read that far
        self._load_more(self.total - 1)
        super().action_last()

    def action_page_down(self) -> None:
        self._load_more((self.highlighted or 0) + max(self.size.height, 1))
        super().action_page_down()  # type: ignore[no-untyped-call]

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling (wheel, scrollbar) near the end of what is loaded loads the next page."""
        super().watch_scroll_y(old_value, new_value)
        if self.loaded < self.total and new_value >= self.max_scroll_y - self.size.height:
            self._load_more(self.loaded)

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        if highlighted is not None:
            self._load_more(highlighted)

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.LeadHighlighted(self, self.current_lead))

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        lead = self.current_lead
        if lead is not None:
            self.post_message(self.LeadChosen(self, lead))

    # --- mouse ----------------------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse (rows carry no click metadata: every row is two lines)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        index = (offset.y + self.scroll_offset.y) // LINES_PER_LEAD
        return index if 0 <= index < self.option_count else None

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        event.prevent_default()
        self._mouse_hovering_over = self._row_at(event)

    async def _on_click(self, event: events.Click) -> None:
        """A click selects the lead; a double-click opens it."""
        event.prevent_default()
        clicked = self._row_at(event)
        if clicked is None:
            return
        self.focus()
        self.highlighted = clicked
        if event.chain >= 2:
            self.action_select()
