"""A lead's row on the board: two lines of (text, style) parts, and a line drawn as Rich segments.

Rows are plain data built from cleaned strings only (no markup is parsed), so names like
`[@click=app.quit]` show literally. A part's style is "" (the row's own), Textual style words
("bold") or one of the column's component classes (".stage-column--sla-breached"),
resolved from CSS when the line is drawn, so rows can be built before any widget is mounted.

`draw_line` turns one line of parts into a `Strip` of exactly the column's width, cutting with "…"
as Textual's `text-overflow: ellipsis` would. It is what `StageColumn` draws with instead of
a general path (Content, visualize, padding, to_strips per row), which took most of the board's
first frame at 10,000 leads.

Speed to lead: an untouched lead's first line starts with its SLA in words ("⚠ breached 3 h ago",
"◷ due in 12 min") when it is breached or due soon; a lead with time to spare says "due in 5 h"
quietly on its second line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.strip import Strip

from leadboard.cache.read_model import BoardLead
from leadboard.domain import PortalMeta
from leadboard.sla import SlaState, describe, describe_short
from leadboard.text import clean_untrusted
from leadboard.time_words import ago, compact

__all__ = [
    "CHANGED_MARK",
    "LINES_PER_LEAD",
    "MARKERS",
    "QUIET",
    "SLA_GLYPHS",
    "SLA_STYLES",
    "LeadOption",
    "Part",
    "RowLines",
    "draw_line",
    "lead_lines",
    "lead_prompt",
    "relative_age",
]

#: Every lead is drawn on exactly this many lines, so no row is measured.
LINES_PER_LEAD = 2

#: A glyph and a word for each marker: the state is never carried by colour alone.
MARKERS: dict[str, tuple[str, str]] = {
    "pending": ("↑", "pending"),
    "failed": ("✗", "failed"),
    "conflict": ("≠", "conflict"),
    "blocked": ("⊘", "blocked"),
}
#: The style of each marker's words and of each label: `StageColumn` component classes, coloured
#: by the theme from CSS (app.tcss) and kept readable on the row they sit on.
_MARKER_STYLE = {marker: f".stage-column--marker-{marker}" for marker in MARKERS}
_LABEL_STYLE = {label: f".stage-column--label-{label}" for label in ("hot", "warm", "cold")}
#: Secondary words (age, last touch): quieter than the row, never dim (dim is blended by the
#: terminal and falls below a readable contrast on light themes).
QUIET = ".stage-column--quiet"
#: On a card HubSpot changed since the rep last opened the lead (the activity feed, issue 12): a
#: glyph and a word, so it is not colour alone; opening the lead clears it.
CHANGED_MARK: Part = ("● changed ", "bold")
#: The SLA levels that lead the first line, each with a glyph so the state is not colour alone.
SLA_GLYPHS: dict[str, str] = {"breached": "⚠", "due_soon": "◷"}
#: The style of each SLA level's words: a `StageColumn` component class (theme colours, from CSS).
SLA_STYLES: dict[str, str] = {
    "breached": ".stage-column--sla-breached",
    "due_soon": ".stage-column--sla-due-soon",
    "ok": ".stage-column--sla-ok",
}
#: A run of text on a row and its style: "" (the row's own), a component class (".name") or
#: Textual style words ("bold").
Part = tuple[str, str]
#: A lead's two lines.
RowLines = tuple[tuple[Part, ...], tuple[Part, ...]]
_NEW_LINE = Content("\n")
_DOT: Part = (" · ", "dim")


def relative_age(then_ms: int | None, now: datetime) -> str | None:
    """How long ago, in the card's compact words: "5 min", "3 h", "2 d", "7 mo" (None when unknown).

    Minutes at the finest: a card is not repainted every second.
    """
    if then_ms is None:
        return None
    return compact(timedelta(seconds=max(0.0, now.timestamp() - then_ms / 1000)), seconds=False)


def _touched_ago(then_ms: int | None, now: datetime) -> str | None:
    """ "3 h ago", "just now": the last touch in `time_words.ago` words (None when unknown)."""
    if then_ms is None:
        return None
    return ago(timedelta(seconds=now.timestamp() - then_ms / 1000))


def _one_line(text: str) -> str:
    """Untrusted text made safe to show and kept on one line (a break or a tab would split the row)."""
    return clean_untrusted(text).replace("\n", " ").replace("\t", " ")


def closed_outcome(lead: BoardLead, meta: PortalMeta) -> str:
    """What became of a closed lead: its closed stage ("Qualified", "Disqualified"), and the reason
    HubSpot has for a disqualification."""
    outcome = meta.stage_label(lead.stage_id)
    reason = lead.disqualification_reason
    if reason and lead.stage_id == lead.remote_stage_id:  # a close still waiting has no reason here yet
        outcome += f": {meta.option_label(meta.disqualification_reasons, reason) or reason}"
    return outcome


def lead_lines(lead: BoardLead, meta: PortalMeta, now: datetime, sla: SlaState | None = None) -> RowLines:
    """The two lines a lead shows on the board, as parts built from plain (cleaned) strings only.

    Line 1: SLA (breached or due soon), changed in HubSpot, marker, name, label. Line 2: the SLA time
    left when there is time to spare, company, lead type (or "type?"), age, last touch.
    """
    if lead.closed:
        sla = None  # a qualified or disqualified lead is past speed to lead
    level = sla.level if sla is not None else "none"
    first: list[Part] = []
    if sla is not None and level in SLA_GLYPHS:
        first += [(f"{SLA_GLYPHS[level]} {describe_short(sla)}", SLA_STYLES[level]), _DOT]
    if lead.changed:
        first.append(CHANGED_MARK)
    if lead.marker:
        glyph, word = MARKERS[lead.marker]
        first.append((f"{glyph} {word} ", _MARKER_STYLE[lead.marker]))
    first.append((_one_line(lead.name or lead.contact_name or f"lead {lead.id}"), "bold"))
    if lead.label:
        label = _one_line(meta.option_label(meta.lead_labels, lead.label) or lead.label).casefold()
        first.append((f"  {label}", _LABEL_STYLE.get(label, "")))
    parts: list[Part] = []
    if lead.closed:  # the outcome first, so a narrow column keeps it
        parts.append((_one_line(closed_outcome(lead, meta)), "bold"))
    if sla is not None and level == "ok":
        parts.append((describe(sla), SLA_STYLES["ok"]))  # first, so a narrow column keeps it
    company = lead.company_name or lead.contact_email
    if company:
        parts.append((_one_line(company), ""))
    if lead.lead_type:
        parts.append((_one_line(meta.option_label(meta.lead_types, lead.lead_type) or lead.lead_type), ""))
    else:
        parts.append(("type?", "reverse"))
    age = relative_age(lead.created_at, now)
    if age:
        parts.append((f"{age} old", QUIET))
    touch = _touched_ago(lead.last_touch_at, now)
    if touch:
        parts.append((f"touched {touch}", QUIET))
    elif level == "done":
        parts.append(("touched", QUIET))  # the SLA knows a first touch the row's dates do not show
    elif level not in (*SLA_GLYPHS, "ok"):
        parts.append(("not touched", QUIET))
    second: list[Part] = [("  ", "")]
    for i, part in enumerate(parts):
        if i:
            second.append(_DOT)
        second.append(part)
    return tuple(first), tuple(second)


def _content(lines: RowLines) -> Content:
    return _NEW_LINE.join([Content.assemble(*line) for line in lines])


def lead_prompt(lead: BoardLead, meta: PortalMeta, now: datetime, sla: SlaState | None = None) -> Content:
    """A lead's two lines as one Textual `Content` (what `LeadOption.prompt` returns)."""
    return _content(lead_lines(lead, meta, now, sla))


def draw_line(
    parts: Sequence[Part], width: int, style_of: Callable[[str], RichStyle], pad: RichStyle
) -> Strip:
    """One line of a row, exactly `width` cells: cut with "…" when too long (as Textual's
    `text-overflow: ellipsis` cuts), padded in the row's style (`pad`) when short. Neighbouring
    parts drawn alike become one segment, as Textual draws a `Content`.

    `style_of` turns a part's style into the Rich style to draw it with.
    """
    if width <= 0:
        return Strip.blank(0)
    plain = "".join(text for text, _ in parts)
    length = cell_len(plain)
    runs: list[tuple[str, RichStyle]] = []
    if length <= width:
        runs = [(text, style_of(style)) for text, style in parts if text]
    else:
        shown = set_cell_size(plain, width - 1) + "…"
        start = 0
        for text, style in parts:  # each part keeps its style up to the cut; "…" takes the one it lands in
            if piece := shown[start : start + len(text)]:
                runs.append((piece, style_of(style)))
            start += len(text)
        if rest := shown[start:]:
            runs.append((rest, style_of("")))
    segments: list[Segment] = []
    for text, rich in runs:
        if segments and segments[-1].style == rich:
            segments[-1] = Segment(segments[-1].text + text, rich)
        else:
            segments.append(Segment(text, rich))
    if length < width:
        segments.append(Segment(" " * (width - length), pad))
    return Strip(segments, width)


class LeadOption:
    """A lead's row: its two lines as parts. The `prompt` (a `Content`) is built only when asked
    for: the column draws the parts directly. ("Option": a row the rep can choose, as in a list.)"""

    __slots__ = ("lead_id", "lines")

    def __init__(self, lead_id: str, lines: RowLines) -> None:
        self.lead_id = lead_id
        self.lines = lines

    @property
    def id(self) -> str:
        return self.lead_id

    @property
    def prompt(self) -> Content:
        return _content(self.lines)
