"""The work queue (`w`): the rep's open leads one at a time, most urgent first, every action one key.

Built for clearing fifty leads in a sitting without the mouse. The order is read once, when the
queue opens (the board's "urgent" order), and then only changes by the rep's own hand: `s` skips a
lead to the end of this session's queue, and a lead that leaves the open board (qualified,
disqualified, here or in HubSpot) leaves the queue. So leads never jump around as they are touched.
After a command is saved and queued (the same modals and outbox path as the board, through
`LeadboardApp.lead_command`), the queue moves on to the next lead by itself.

Each lead is painted from the cache (contact, type, label, stage, age, SLA, timeline); the timeline
is then refreshed from HubSpot on the sync thread once the rep stays on the lead for a moment, so
paging quickly through the queue does not line up a request per lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from leadboard.cache.read_model import LeadDetail, to_datetime
from leadboard.commands.base import Command
from leadboard.commands.registry import CommandKind
from leadboard.screens.app_api import AppApi, app_api
from leadboard.screens.board import lead_sla, urgent_ids
from leadboard.screens.key_footer import KeyFooter
from leadboard.screens.keys import QUEUE_BINDINGS
from leadboard.screens.lead import (
    HEADING_CSS,
    add_field,
    contact_card,
    rep_calendar,
    timeline_text,
    when_text,
)
from leadboard.screens.lead_actions import COMMAND_ACTIONS, LINK_ACTIONS, LeadActions
from leadboard.screens.messages import CacheChanged
from leadboard.sla import SlaState, describe
from leadboard.text import clean_untrusted
from leadboard.time_words import ago
from leadboard.widgets.stage_column import SLA_GLYPHS
from leadboard.widgets.sync_status import SyncStatusBar

if TYPE_CHECKING:
    from leadboard.cache.store import Store

__all__ = ["WorkQueueScreen", "read_queue_lead"]

LEAD_ACTIONS = frozenset({*COMMAND_ACTIONS, *LINK_ACTIONS, "open_lead", "skip"})
#: How long the rep stays on a lead before its timeline is fetched from HubSpot.
TIMELINE_DELAY = 0.6
WIDE_WIDTH = 110


@dataclass
class QueueLeadLoaded(Message):
    """One lead of the queue read from the cache: its detail and SLA state (None: not in the cache)."""

    lead_id: str
    detail: LeadDetail | None
    sla: SlaState | None


@dataclass
class QueueOrderLoaded(Message):
    """The queue's order, read once when it opens."""

    lead_ids: list[str]


def read_queue_lead(lead_id: str, now: datetime, store: Store) -> QueueLeadLoaded:
    """On the cache thread: the lead's detail and its SLA state at `now`."""
    detail = store.lead_detail(lead_id)
    return QueueLeadLoaded(lead_id, detail, lead_sla(detail.lead, now) if detail is not None else None)


class WorkQueueScreen(LeadActions, Screen[None]):
    """One lead at a time; space/j next, k previous, s skip, the lead commands, escape back."""

    # Beside the screen, not in app.tcss, so the board's first paint does not parse it (see LeadScreen).
    DEFAULT_CSS = (
        HEADING_CSS
        + """
    #queue-progress {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    #queue-title {
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #queue-sla {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    #queue-sla.-breached {
        color: $text-error;
        text-style: bold;
    }
    #queue-sla.-due-soon {
        color: $text-warning;
        text-style: bold;
    }
    #queue-body {
        height: 1fr;
        padding: 0 1;
    }
    #queue-facts {
        height: auto;
        layout: vertical;
    }
    WorkQueueScreen.-wide #queue-facts {
        layout: horizontal;
    }
    .queue-section {
        height: auto;
        margin-bottom: 1;
    }
    WorkQueueScreen.-wide #queue-facts > .queue-section {
        width: 1fr;
    }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = list(QUEUE_BINDINGS)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_WIDTH, "-wide")]

    def __init__(self) -> None:
        super().__init__(id="queue")
        self.order: list[str] | None = None  # None until read
        self.position = 0
        self.worked: set[str] = set()
        self.skipped: set[str] = set()
        self.detail: LeadDetail | None = None
        self.sla: SlaState | None = None
        self.timeline_note = ""
        self._timeline_timer: Timer | None = None
        self._refreshed: set[str] = set()

    @property
    def lb_app(self) -> AppApi:
        return app_api(self.app)

    @property
    def current_id(self) -> str | None:
        if self.order is None or not 0 <= self.position < len(self.order):
            return None
        return self.order[self.position]

    @property
    def current_lead(self) -> Any:
        """The lead shown (a `BoardLead`), once it is read and while it is the current one."""
        detail = self.detail
        return detail.lead if detail is not None and detail.lead.id == self.current_id else None

    @property
    def progress(self) -> str:
        """ "12 of 50", plus what the rep has done in this session."""
        total = len(self.order or [])
        if not total:
            return "no open leads"
        shown = "done" if self.position >= total else f"{self.position + 1} of {total}"
        bits = [shown, f"{len(self.worked)} worked"]
        if self.skipped:
            bits.append(f"{len(self.skipped)} skipped")
        return " · ".join(bits)

    # --- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Content("Work queue · reading the cache…"), id="queue-progress")
        yield Static(id="queue-title")
        yield Static(id="queue-sla")
        with VerticalScroll(id="queue-body"):
            with Horizontal(id="queue-facts"):
                yield Static(id="queue-contact", classes="queue-section")
                yield Static(id="queue-lead", classes="queue-section")
            yield Static(Content("Timeline"), id="queue-timeline-heading", classes="lead-heading")
            yield Static(id="queue-timeline", classes="queue-section")
        yield SyncStatusBar(id="sync-status")
        yield KeyFooter(compact=True, show_command_palette=False)  # every queue key fits in 80 columns

    def on_mount(self) -> None:
        self.query_one("#queue-body", VerticalScroll).focus()
        self._read_order()

    # --- reading ----------------------------------------------------------------------------------

    @work(exclusive=True, group="queue-order", exit_on_error=False)
    async def _read_order(self) -> None:
        self.post_message(QueueOrderLoaded(await self.lb_app.cache.read(urgent_ids)))

    @on(QueueOrderLoaded)
    def _order_loaded(self, event: QueueOrderLoaded) -> None:
        event.stop()
        self.order = list(event.lead_ids)
        self.position = 0
        self.show_current()

    def show_current(self) -> None:
        """Paint the progress, then read the current lead (the body keeps the last one until then)."""
        self._paint_progress()
        lead_id = self.current_id
        if self._timeline_timer is not None:
            self._timeline_timer.stop()
            self._timeline_timer = None
        if lead_id is None:
            self.detail, self.sla = None, None
            self._paint_end()
            self.refresh_bindings()
            return
        self._read_lead(lead_id)

    @work(exclusive=True, group="queue-read", exit_on_error=False)
    async def _read_lead(self, lead_id: str) -> None:
        app = self.lb_app
        loaded = await app.cache.read(partial(read_queue_lead, lead_id, app.now()))
        self.post_message(loaded)

    @on(QueueLeadLoaded)
    def _lead_loaded(self, event: QueueLeadLoaded) -> None:
        event.stop()
        if event.lead_id != self.current_id:
            return  # the rep has moved on
        detail = event.detail
        if detail is None or detail.lead.closed or detail.lead.archived:
            self._drop(event.lead_id)  # closed or gone (here or in HubSpot): it leaves the queue
            return
        first_paint = self.detail is None or self.detail.lead.id != event.lead_id
        self.detail, self.sla = detail, event.sla
        if first_paint:
            self.timeline_note = self._timeline_start(event.lead_id)
        self._paint()
        self.refresh_bindings()
        if first_paint:
            self.query_one("#queue-body", VerticalScroll).scroll_home(animate=False)

    @on(CacheChanged)
    def _cache_changed(self, event: CacheChanged) -> None:
        event.stop()
        current = self.current_id
        if current is not None and event.lead_id in (None, current):
            self._read_lead(current)

    # --- the timeline from HubSpot ----------------------------------------------------------------

    def _timeline_start(self, lead_id: str) -> str:
        """Plan the timeline's refresh for a lead just shown; the words its heading starts with."""
        if not self.lb_app.sync_enabled:
            return "from the cache"
        if lead_id in self._refreshed:
            return ""
        self._timeline_timer = self.set_timer(TIMELINE_DELAY, lambda: self._refresh_timeline(lead_id))
        return "refreshing from HubSpot…"

    @work(exclusive=True, group="queue-timeline", exit_on_error=False)
    async def _refresh_timeline(self, lead_id: str) -> None:
        if lead_id != self.current_id:
            return
        try:
            await self.lb_app.pull_timeline(lead_id)
            self._refreshed.add(lead_id)
            note = ""
        except Exception as exc:  # offline, 401, rate limited: the cached timeline stays
            note = f"from the cache; not refreshed: {clean_untrusted(str(exc))[:200]}"
        if lead_id == self.current_id:
            self.timeline_note = note
            self._read_lead(lead_id)

    # --- painting ---------------------------------------------------------------------------------

    def _paint_progress(self) -> None:
        self.query_one("#queue-progress", Static).update(Content(f"Work queue · {self.progress}"))

    def _paint_end(self) -> None:
        total = len(self.order or [])
        words = (
            f"End of the queue: {len(self.worked)} worked, {len(self.skipped)} skipped."
            if total
            else "No open leads to work: the queue is empty."
        )
        self.query_one("#queue-title", Static).update(Content(words))
        self._paint_sla(None)
        hint = "k goes back to the last lead; escape returns to the board." if total else "escape: board"
        self.query_one("#queue-contact", Static).update(Content(hint))
        self.query_one("#queue-lead", Static).update("")
        self.query_one("#queue-timeline", Static).update("")
        self.query_one("#queue-timeline-heading", Static).update(Content(""))

    def _paint_sla(self, state: SlaState | None) -> None:
        widget = self.query_one("#queue-sla", Static)
        level = state.level if state is not None else "none"
        for name in ("breached", "due_soon", "ok"):
            widget.set_class(level == name, f"-{name.replace('_', '-')}")
        if state is None:
            widget.update("")
            return
        glyph = SLA_GLYPHS.get(level)
        words = describe(state)
        if state.deadline is not None and not state.touched:
            due = rep_calendar(self.lb_app).moment(state.deadline)
            words += f" · first touch {'was ' if level == 'breached' else ''}due {due}"
        widget.update(Text(f"{glyph} {words}" if glyph else f"SLA: {words}"))

    def _paint(self) -> None:
        detail, meta = self.detail, self.lb_app.meta
        if detail is None:
            return
        self._paint_progress()
        lead = detail.lead
        name = clean_untrusted(lead.name or lead.contact_name or f"lead {lead.id}").replace("\n", " ")
        stage = clean_untrusted(meta.stage_label(lead.stage_id))
        title = Text(no_wrap=True, overflow="ellipsis", end="")
        title.append(name, style="bold")
        title.append(f" · {stage}")
        if lead.marker:
            title.append(f" · {lead.marker}", style="italic")
        self.query_one("#queue-title", Static).update(title)
        self._paint_sla(self.sla)

        self.query_one("#queue-contact", Static).update(contact_card(detail))

        facts = Text(end="")
        add_field(facts, "Stage", meta.stage_label(lead.stage_id))
        add_field(facts, "Lead type", meta.option_label(meta.lead_types, lead.lead_type) or "type? (not set)")
        add_field(facts, "Label", meta.option_label(meta.lead_labels, lead.label) if lead.label else None)
        calendar = rep_calendar(self.lb_app)
        created = to_datetime(lead.created_at)
        add_field(
            facts,
            "Created",
            f"{calendar.moment(created)} ({ago(calendar.now - created)})" if created else "—",
        )
        add_field(facts, "Last touch", when_text(lead.last_touch_at, calendar))
        facts.rstrip()
        self.query_one("#queue-lead", Static).update(facts)

        self._paint_timeline_heading()
        timeline = timeline_text(detail.timeline, meta, calendar)
        self.query_one("#queue-timeline", Static).update(timeline)

    def _paint_timeline_heading(self) -> None:
        count = len(self.detail.timeline) if self.detail is not None else 0
        heading = f"Timeline ({count})" + (f" · {self.timeline_note}" if self.timeline_note else "")
        self.query_one("#queue-timeline-heading", Static).update(Content(heading))

    # --- moving through the queue -----------------------------------------------------------------

    def _drop(self, lead_id: str) -> None:
        """The lead left the open board: take it out; the next lead takes its place."""
        if self.order is None or lead_id not in self.order:
            return
        index = self.order.index(lead_id)
        self.order.remove(lead_id)
        self.skipped.discard(lead_id)
        if index < self.position:
            self.position -= 1
        self.position = min(self.position, len(self.order))
        self.show_current()

    def _go(self, position: int) -> None:
        if self.order is None:
            return
        self.position = max(0, min(position, len(self.order)))
        self.show_current()

    def action_next(self) -> None:
        self._go(self.position + 1)

    def action_previous(self) -> None:
        self._go(self.position - 1)

    def action_skip(self) -> None:
        lead_id = self.current_id
        if self.order is None or lead_id is None:
            return
        self.order.pop(self.position)
        self.order.append(lead_id)
        self.skipped.add(lead_id)
        if self.order[self.position] == lead_id:
            self.notify("Skipped; it is the last lead left in the queue.", timeout=2)
        self.show_current()

    def _acted(self, lead_id: str, command: Command) -> None:
        """A command was queued for `lead_id`: count it, and move on (closing ones leave the queue)."""
        self.worked.add(lead_id)
        self.skipped.discard(lead_id)
        if command.spec.closes:
            self._drop(lead_id)
        elif self.current_id == lead_id:
            self.action_next()

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LEAD_ACTIONS and self.current_lead is None:
            return None
        if action == "next" and (self.order is None or self.position >= len(self.order)):
            return None
        if action == "previous" and self.position <= 0:
            return None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_open_lead(self) -> None:
        if (lead := self.current_lead) is not None:
            self.lb_app.open_lead(lead.id)

    def _lead_command(self, kind: CommandKind) -> None:
        lead = self.current_lead
        if lead is not None:
            self.lb_app.lead_command(kind, lead, on_done=lambda command: self._acted(lead.id, command))
