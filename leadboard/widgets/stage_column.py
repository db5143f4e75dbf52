"""One column of the board: a single line-based list (an `OptionList`) of the leads in one stage.

Never a widget per lead: each lead is one two-line `Option` whose prompt is a Textual `Content`
built from plain strings (no markup is parsed), so names like `[@click=app.quit]` show literally.
Prompts are plain data: their SLA styles name the column's component classes (".stage-column--…"),
resolved from app.tcss when drawn, so rows can be built before the column is mounted and the
board's first frame already holds them. The board reads only the first rows of each stage (a page)
and says how many the stage holds (`total`); the column builds options for the rows it was given a
screenful at a time (`PAGE_SIZE`), and when the highlight or the scroll nears the last row read
while the stage holds more, it asks the board for a bigger page (`MoreWanted`). So a stage with
thousands of leads paints as fast as one with a hundred; the header says how many are listed when
not all are. The highlighted lead is kept, by id, when the rows are replaced.

Speed to lead: an untouched lead's first line starts with its SLA in words ("⚠ breached 3 h ago",
"◷ due in 12 min") when it is breached or due soon, styled by the `stage-column--sla-*` component
classes in app.tcss; a lead with time to spare says "due in 5 h" quietly on its second line. The
state is computed per shown row only (rows are built a page at a time), never for the whole stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from leadboard.domain import PortalMeta, Stage
from leadboard.read_model import BoardLead
from leadboard.sla import SlaState, describe
from leadboard.text import clean_untrusted

__all__ = [
    "MARKERS",
    "PAGE_SIZE",
    "SLA_GLYPHS",
    "SLA_STYLES",
    "SlaOf",
    "StageColumn",
    "lead_prompt",
    "relative_age",
]

PAGE_SIZE = 32  # a tall terminal shows ~30 two-line leads; more load as the rep scrolls
#: Options built ahead of the highlight before the next screenful is added.
PAGE_AHEAD = 5
#: Rows read ahead of the highlight: nearer the last row read than this, the board reads more.
READ_AHEAD = 20

#: A glyph and a word for each marker: the state is never carried by colour alone.
MARKERS: dict[str, tuple[str, str]] = {
    "pending": ("↑", "pending"),
    "failed": ("✗", "failed"),
    "conflict": ("≠", "conflict"),
    "blocked": ("⊘", "blocked"),
}
_MARKER_STYLE = {
    "pending": "italic",
    "failed": "bold ansi_red",
    "conflict": "bold ansi_magenta",
    "blocked": "bold",
}
_LABEL_STYLE = {"hot": "bold ansi_red", "warm": "ansi_yellow", "cold": "ansi_cyan"}
#: The SLA levels that lead the first line, each with a glyph so the state is not colour alone.
SLA_GLYPHS: dict[str, str] = {"breached": "⚠", "due_soon": "◷"}
#: The style of each SLA level's words: the column's component class (theme colours, from app.tcss).
SLA_STYLES: dict[str, str] = {
    "breached": ".stage-column--sla-breached",
    "due_soon": ".stage-column--sla-due-soon",
    "ok": ".stage-column--sla-ok",
}
#: The SLA state of a lead on the board (None: not computed); called only for the rows shown.
SlaOf = Callable[[BoardLead], "SlaState | None"]
_NEW_LINE = Content("\n")
_DOT = (" · ", "dim")


def relative_age(then_ms: int | None, now: datetime) -> str | None:
    """A short age such as "5m", "3h", "2d", "4w", "7mo", "2y" (None when unknown)."""
    if then_ms is None:
        return None
    seconds = max(0.0, now.timestamp() - then_ms / 1000)
    for size, unit in ((365 * 86400, "y"), (30 * 86400, "mo"), (7 * 86400, "w"), (86400, "d"), (3600, "h")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds // 60)}m"


def lead_prompt(lead: BoardLead, meta: PortalMeta, now: datetime, sla: SlaState | None = None) -> Content:
    """The two lines a lead shows on the board, built from plain (cleaned) strings only.

    Line 1: SLA (breached or due soon), marker, name, label. Line 2: the SLA time left when there
    is time to spare, company, lead type (or "type?"), age, last touch. Drawn inside a
    `StageColumn`, whose component classes style the SLA words.
    """
    if lead.closed:
        sla = None  # a qualified or disqualified lead is past speed to lead
    level = sla.level if sla is not None else "none"
    name = clean_untrusted(lead.name or lead.contact_name or f"lead {lead.id}").replace("\n", " ")
    first: list[tuple[str, str] | str] = []
    if sla is not None and level in SLA_GLYPHS:
        first += [(f"{SLA_GLYPHS[level]} {describe(sla)}", SLA_STYLES[level]), _DOT]
    if lead.marker:
        glyph, word = MARKERS[lead.marker]
        first.append((f"{glyph} {word} ", _MARKER_STYLE[lead.marker]))
    first.append((name, "bold"))
    if lead.label:
        label = clean_untrusted(meta.option_label(meta.lead_labels, lead.label) or lead.label).casefold()
        first.append((f"  {label}", _LABEL_STYLE.get(label, "")))
    parts: list[tuple[str, str]] = []
    if sla is not None and level == "ok":
        parts.append((describe(sla), SLA_STYLES["ok"]))  # first, so a narrow column keeps it
    company = lead.company_name or lead.contact_email
    if company:
        parts.append((clean_untrusted(company).replace("\n", " "), ""))
    if lead.lead_type:
        lead_type = meta.option_label(meta.lead_types, lead.lead_type) or lead.lead_type
        parts.append((clean_untrusted(lead_type), ""))
    else:
        parts.append(("type?", "reverse"))
    age = relative_age(lead.created_at, now)
    if age:
        parts.append((f"{age} old", "dim"))
    touch = relative_age(lead.last_touch_at, now)
    if touch:
        parts.append((f"touched {touch} ago", "dim"))
    elif level == "done":
        parts.append(("touched", "dim"))  # the SLA knows a first touch the row's dates do not show
    elif level not in (*SLA_GLYPHS, "ok"):
        parts.append(("not touched", "dim"))
    second: list[tuple[str, str] | str] = ["  "]
    for i, part in enumerate(parts):
        if i:
            second.append(_DOT)
        second.append(part)
    return _NEW_LINE.join([Content.assemble(*first), Content.assemble(*second)])


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
        self._drawn_width: int | None = None
        if self.leads:
            self.add_options(self._options_for(0, min(PAGE_SIZE, len(self.leads))))
            self.set_reactive(OptionList.highlighted, 0)
        self._title()

    # --- drawing --------------------------------------------------------------------------------

    def _on_resize(self, event: events.Resize) -> None:  # type: ignore[override]
        """OptionList forgets every drawn row on each Resize, even one that keeps the width (the
        first layout sends one just after the first frame is drawn, so every row was drawn twice):
        `render_lines` forgets them only when the width they were drawn at changed."""
        event.prevent_default()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        width = self.scrollable_content_region.width
        if width != self._drawn_width:
            if self._drawn_width is not None:
                self._option_render_cache.clear()
                self._line_cache.clear()
            self._drawn_width = width
        return super().render_lines(crop)

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
    ) -> None:
        """Replace the rows, keeping `keep` (a lead id; default the highlighted one) highlighted.

        `leads` are the first rows of the stage, which holds `total` (default: just these).
        A lead that left the column gives its place to the next one, so the highlight does not jump.
        `sla_of` gives a row's SLA state (default: the one given last time), asked for shown rows only.
        """
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
        self.set_options(self._options_for(0, min(wanted, len(leads))))
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = index if index is not None else (0 if leads else None)
        self._title()
        current = self.current_lead
        if (current.id if current else None) != (previous.id if previous else None):
            self.post_message(self.LeadHighlighted(self, current))

    def _options_for(self, start: int, end: int) -> list[Option]:
        sla_of, meta, now = self.sla_of, self.meta, self.now
        return [
            Option(lead_prompt(lead, meta, now, sla_of(lead) if sla_of else None), id=lead.id)
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
        self.sort_label = label
        self._title()

    def _title(self) -> None:
        total = self.total
        self.border_title = Content(f"{clean_untrusted(self.stage.label)} · {total:,}")
        parts = []
        if self.loaded < total:
            parts.append(f"first {self.loaded:,} of {total:,}; scroll for more")
        if self.sort_label:
            parts.append(self.sort_label)
        self.border_subtitle = Content(" · ".join(parts))

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

    async def _on_click(self, event: events.Click) -> None:
        """A click selects the lead; a double-click opens it."""
        event.prevent_default()
        clicked: int | None = event.style.meta.get("option")
        if clicked is None:
            return
        self.focus()
        self.highlighted = clicked
        if event.chain >= 2:
            self.action_select()
