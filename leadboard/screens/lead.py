"""The lead screen: contact, the lead's properties, its changes not yet in HubSpot, the contact's
earlier leads and the timeline of calls, notes and tasks.

Painted from the cache at once; the timeline is then refreshed from HubSpot (`engine.pull_timeline`
on the sync thread) and the screen read again. Everything from HubSpot is shown as `rich.text.Text`
built from plain strings. Enter on a change opens it to resolve (keep mine, take theirs, edit and
retry, discard); the lead command keys work here as on the board.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from leadboard.cache.activity_feed import left_board, mark_seen
from leadboard.cache.outbox import ATTENTION_STATES, OPEN_STATES, Op
from leadboard.cache.read_model import Activity, BoardLead, LeadDetail, to_datetime
from leadboard.screens.app_api import AppApi, app_api
from leadboard.screens.key_footer import KeyFooter
from leadboard.screens.keys import LEAD_SCREEN_BINDINGS
from leadboard.screens.lead_actions import COMMAND_ACTIONS, LINK_ACTIONS, OPEN_ONLY, LeadActions
from leadboard.screens.messages import CacheChanged, LeadDetailLoaded
from leadboard.sla import SlaFacts, describe, sla_state, zone_for
from leadboard.sla_settings import SlaSettings
from leadboard.state import PortalMeta
from leadboard.text import clean_untrusted
from leadboard.time_words import RepCalendar, duration
from leadboard.widgets.sync_status import SyncStatusBar

__all__ = ["HEADING_CSS", "LeadScreen", "op_summary", "rep_calendar"]

#: The timeline shows this many entries (newest first); bodies are cut to `BODY_CHARS`.
TIMELINE_LIMIT = 50
BODY_CHARS = 600
STATE_WORDS = {
    "pending": "waiting to send",
    "in_flight": "sending",
    "unknown": "checking whether it arrived",
    "failed": "failed",
    "conflict": "conflict",
    "blocked": "blocked",
    "done": "in HubSpot",
    "cancelled": "discarded",
}
LEAD_ACTIONS = frozenset({*COMMAND_ACTIONS, *LINK_ACTIONS})


def _plain(value: object) -> str:
    return clean_untrusted(str(value)) if value not in (None, "") else "—"


def rep_calendar(app: AppApi) -> RepCalendar:
    """The app's clock and the rep's zone (the `[sla]` one, else the machine's), for dates on screen."""
    return RepCalendar(app.now(), zone_for(app.settings.sla))


def when_text(epoch_ms: int | None, calendar: RepCalendar) -> str:
    """A cached timestamp on the rep's calendar ("today 14:05"), or a dash when HubSpot has none."""
    moment = to_datetime(epoch_ms)
    return calendar.moment(moment) if moment else "—"


def add_field(text: Text, label: str, value: object) -> None:
    """One aligned `label  value` line; the value is untrusted text, cleaned and kept on one line."""
    text.append(f"{label:<14}", style="dim")
    text.append(_plain(value).replace("\n", " "))
    text.append("\n")


def op_summary(op: Op, meta: PortalMeta, calendar: RepCalendar) -> Text:
    """One change as the rep made it: what, its state, its last error and the words they typed."""
    command: Any = op.command
    text = Text(no_wrap=False, end="")
    style = "bold red" if op.state in ATTENTION_STATES else "italic"
    text.append(f"{op.command.spec.title} · ", style="bold")
    text.append(STATE_WORDS.get(op.state, op.state), style=style)
    text.append(f" · {when_text(op.created_at, calendar)}", style="dim")
    if op.kind == "move_stage":
        text.append(f" → {_plain(meta.stage_label(command.stage_id))}")
    if op.kind == "disqualify":
        text.append(f" · {_plain(meta.option_label(meta.disqualification_reasons, command.reason))}")
    typed = op.command.typed
    if typed:
        text.append("\n  " + clean_untrusted(str(typed))[:BODY_CHARS].replace("\n", "\n  "))
    if op.last_error:
        text.append("\n  why: ", style="bold")
        text.append(clean_untrusted(op.last_error))
    return text


#: A task's box: ticked once HubSpot has it done.
TASK_DONE = "COMPLETED"


def activity_text(entry: Activity, meta: PortalMeta, calendar: RepCalendar) -> Text:
    """A timeline entry (call, note, task, email or meeting) with its body cut to a readable length.

    A task reads as what is still to do, not as a touch: a box (ticked when completed), the day it
    is due, its status and its subject, e.g. "☐ Mon 22 Feb 09:00 · follow-up task · NOT_STARTED —
    Re-attempt Ana (disqualified: Bad Timing)".
    """
    text = Text(end="")
    if entry.kind == "task":
        box = "☑" if entry.status == TASK_DONE else "☐"
        text.append(f"{box} {when_text(entry.timestamp, calendar)} · follow-up task", style="bold")
        if entry.status:
            text.append(" · " + _plain(entry.status).replace("\n", " "))
        if entry.title:
            text.append(" — " + " ".join(_plain(entry.title).split()))
    elif entry.kind == "call":
        text.append(f"☎ {when_text(entry.timestamp, calendar)} · call", style="bold")
        bits = [entry.direction, meta.disposition_label(entry.disposition_id)]
        if entry.duration_ms:
            bits.append(duration(timedelta(milliseconds=entry.duration_ms)))
        for bit in bits:
            if bit:
                text.append(" · " + clean_untrusted(bit).lower())
    elif entry.kind == "email":
        what = "reply" if entry.direction == "INCOMING_EMAIL" else "email"
        text.append(f"✉ {when_text(entry.timestamp, calendar)} · {what}", style="bold")
        if entry.title:
            text.append(" — " + " ".join(_plain(entry.title).split()))
    elif entry.kind == "meeting":
        text.append(f"◷ {when_text(entry.timestamp, calendar)} · meeting", style="bold")
        if entry.title:
            text.append(" — " + " ".join(_plain(entry.title).split()))
    else:
        text.append(f"✎ {when_text(entry.timestamp, calendar)} · note", style="bold")
    body = clean_untrusted(entry.body_text).strip()
    if body:
        cut = body[:BODY_CHARS] + ("…" if len(body) > BODY_CHARS else "")
        text.append("\n  " + cut.replace("\n", "\n  "))
    return text


def timeline_text(timeline: list[Activity], meta: PortalMeta, calendar: RepCalendar) -> Text:
    """A lead's calls, notes and tasks, newest first, the first `TIMELINE_LIMIT` of them."""
    text = Text(end="")
    for i, entry in enumerate(timeline[:TIMELINE_LIMIT]):
        if i:
            text.append("\n")
        text.append_text(activity_text(entry, meta, calendar))
    if not timeline:
        text.append("No calls or notes yet.", style="dim")
    elif len(timeline) > TIMELINE_LIMIT:
        text.append(f"\n… and {len(timeline) - TIMELINE_LIMIT} older", style="dim")
    return text


def sla_words(detail: LeadDetail, settings: SlaSettings, calendar: RepCalendar) -> str:
    """The lead's SLA in words with the rule behind it: "breached 3 h ago (label hot: 1 hour)"."""
    lead = detail.lead
    if lead.closed:
        return "closed"
    state = sla_state(
        SlaFacts.from_ms(lead.created_at, lead.label, detail.source),
        lead.first_touch,
        calendar.now,
        settings,
        calendar.zone,
    )
    words = describe(state)
    if state.rule and state.target:
        words += f" ({state.rule}: {state.target})"
    return words


def _other_lead_text(other: BoardLead, meta: PortalMeta, calendar: RepCalendar) -> Text:
    created = to_datetime(other.created_at)
    day = calendar.day(created) if created else "—"
    name = clean_untrusted(other.name or other.id)
    return Text(f"{day} · {name} · {clean_untrusted(meta.stage_label(other.stage_id))}", no_wrap=True)


def contact_card(detail: LeadDetail) -> Text:
    """Who to call: the contact's name, title, email, phone and company (the lead's copy as fallback)."""
    lead, contact, company = detail.lead, detail.contact, detail.company
    card = Text(end="")
    add_field(card, "Contact", (contact.name if contact else None) or lead.contact_name)
    add_field(card, "Title", contact.job_title if contact else None)
    add_field(card, "Email", (contact.email if contact else None) or lead.contact_email)
    add_field(card, "Phone", contact.phone if contact else None)
    add_field(card, "Company", (company.name if company else None) or lead.company_name)
    card.rstrip()
    return card


#: A section heading ("Timeline", "Changes not yet in HubSpot"); the work queue's screen uses it too.
HEADING_CSS = """
.lead-heading {
    height: auto;
    color: $text-accent;
    text-style: bold;
}
"""


class LeadScreen(LeadActions, Screen[None]):
    """One lead in full; escape goes back to the board."""

    # Beside the screen, not in app.tcss: Textual parses it when the screen is first opened, so the
    # board's first paint does not (DEFAULT_CSS is scoped to this screen; ids outrank the widgets' own).
    DEFAULT_CSS = (
        HEADING_CSS
        + """
    #lead-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    #lead-body {
        height: 1fr;
        padding: 0 1;
    }
    .lead-section {
        height: auto;
        margin-bottom: 1;
    }
    #lead-ops {
        height: auto;
        max-height: 12;
        margin-bottom: 1;
        border: round $border-blurred;
    }
    #lead-ops:focus, #lead-earlier:focus {
        border: round $border;
    }
    #lead-earlier {
        height: auto;
        max-height: 8;
        margin-bottom: 1;
        border: round $border-blurred;
    }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = list(LEAD_SCREEN_BINDINGS)

    def __init__(self, lead_id: str) -> None:
        super().__init__(classes="lead-screen")
        self.lead_id = lead_id
        self.detail: LeadDetail | None = None
        self.portal_id: str | None = None
        self.timeline_note = "refreshing from HubSpot…"
        self.open_ops: list[Op] = []
        self.left: str | None = None  # why the lead left the rep's board, if it did

    @property
    def lb_app(self) -> AppApi:
        return app_api(self.app)

    @property
    def current_lead(self) -> BoardLead | None:
        return self.detail.lead if self.detail else None

    def compose(self) -> ComposeResult:
        yield Static(Content(f"lead {self.lead_id}"), id="lead-title")
        with VerticalScroll(id="lead-body"):
            yield Static(id="lead-contact", classes="lead-section")
            yield Static(id="lead-properties", classes="lead-section")
            yield Static(Content("Changes not yet in HubSpot"), classes="lead-heading", id="ops-heading")
            yield OptionList(id="lead-ops")
            yield Static(Content("Contact's other leads"), classes="lead-heading", id="earlier-heading")
            yield OptionList(id="lead-earlier")
            yield Static(Content("Timeline"), classes="lead-heading", id="timeline-heading")
            yield Static(id="lead-timeline", classes="lead-section")
        yield SyncStatusBar(id="sync-status", cache_words=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        if self.lb_app.sync_enabled:
            self.refresh_timeline()
        else:
            self.timeline_note = "from the cache"

    # --- reading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        self._read_detail()

    @work(exclusive=True, group="lead-read", exit_on_error=False)
    async def _read_detail(self) -> None:
        lead_id = self.lead_id

        def read(store: Any) -> LeadDetailLoaded:
            detail = store.lead_detail(lead_id)
            cleared = detail is not None and detail.lead.changed
            if cleared:  # the rep is looking at it now
                with store.transaction() as conn:
                    mark_seen(conn, lead_id)
            left = left_board(store.db.conn, lead_id)
            return LeadDetailLoaded(lead_id, detail, store.get_state("portal_id"), cleared, left)

        self.post_message(await self.lb_app.cache.read(read))

    @work(exclusive=True, group="lead-timeline", exit_on_error=False)
    async def refresh_timeline(self) -> None:
        lead_id = self.lead_id
        try:
            await self.lb_app.pull_timeline(lead_id)
            self.timeline_note = ""
        except Exception as exc:  # offline, 401, rate limited: the cached timeline stays
            self.timeline_note = f"from the cache; not refreshed: {clean_untrusted(str(exc))[:200]}"
        self.reload()

    @on(CacheChanged)
    def _cache_changed(self, event: CacheChanged) -> None:
        if event.lead_id in (None, self.lead_id):
            self.reload()

    @on(LeadDetailLoaded)
    def _detail_loaded(self, event: LeadDetailLoaded) -> None:
        event.stop()
        self.detail, self.portal_id, self.left = event.detail, event.portal_id, event.left
        self._paint()
        self.refresh_bindings()
        if event.marker_cleared:
            self.lb_app.refresh_views(self.lead_id)

    # --- painting ---------------------------------------------------------------------------------

    def _paint(self) -> None:
        detail, meta = self.detail, self.lb_app.meta
        title = self.query_one("#lead-title", Static)
        if detail is None:
            title.update(Content(f"Lead {self.lead_id} is not in the cache."))
            return
        lead = detail.lead
        lead_type = meta.option_label(meta.lead_types, lead.lead_type) if lead.lead_type else "type?"
        name = clean_untrusted(lead.name or "lead " + lead.id)
        stage = clean_untrusted(meta.stage_label(lead.stage_id))
        title.update(
            Text(
                f"{name} · {stage} · {clean_untrusted(lead_type or 'type?')}",
                style="bold",
                no_wrap=True,
                overflow="ellipsis",
            )
        )
        self.query_one("#lead-contact", Static).update(contact_card(detail))

        props = Text(end="")
        remote = detail.remote
        calendar = rep_calendar(self.lb_app)
        if self.left:
            add_field(props, "Not yours", f"no longer on your board: {self.left}")
        add_field(props, "Stage", meta.stage_label(lead.stage_id))
        add_field(props, "Lead type", meta.option_label(meta.lead_types, lead.lead_type) or "type? (not set)")
        add_field(props, "Label", meta.option_label(meta.lead_labels, lead.label))
        add_field(
            props, "Source", meta.option_label(meta.lead_sources, detail.source) if detail.source else None
        )
        add_field(props, "Speed to lead", sla_words(detail, self.lb_app.settings.sla, calendar))
        add_field(props, "Created", when_text(lead.created_at, calendar))
        add_field(props, "Last touch", when_text(lead.last_touch_at, calendar))
        if remote.disqualification_reason:
            add_field(
                props,
                "DQ reason",
                meta.option_label(meta.disqualification_reasons, remote.disqualification_reason),
            )
            add_field(props, "DQ note", remote.disqualification_note)
        add_field(props, "HubSpot id", lead.id)
        props.rstrip()
        self.query_one("#lead-properties", Static).update(props)

        self.open_ops = [op for op in detail.ops if op.state in OPEN_STATES]
        ops_list = self.query_one("#lead-ops", OptionList)
        highlighted = ops_list.highlighted
        ops_list.set_options(Option(op_summary(op, meta, calendar), id=op.op_id) for op in self.open_ops)
        if self.open_ops:
            ops_list.highlighted = min(highlighted or 0, len(self.open_ops) - 1)
        done = sum(op.state == "done" for op in detail.ops)
        heading = "Changes not yet in HubSpot"
        heading += f" ({len(self.open_ops)}; enter opens one)" if self.open_ops else ": none"
        if done:
            heading += f" · {done} already in HubSpot"
        self.query_one("#ops-heading", Static).update(Content(heading))
        ops_list.display = bool(self.open_ops)

        earlier = self.query_one("#lead-earlier", OptionList)
        earlier.set_options(Option(_other_lead_text(o, meta, calendar), id=o.id) for o in detail.other_leads)
        earlier.display = bool(detail.other_leads)
        others = len(detail.other_leads)
        self.query_one("#earlier-heading", Static).update(
            Content(
                f"Contact's other leads ({others}; enter opens one)"
                if others
                else "Contact's other leads: none"
            )
        )

        heading = f"Timeline ({len(detail.timeline)})"
        if self.timeline_note:
            heading += f" · {self.timeline_note}"
        self.query_one("#timeline-heading", Static).update(Content(heading))
        timeline = timeline_text(detail.timeline, meta, calendar)
        self.query_one("#lead-timeline", Static).update(timeline)

    # --- actions ----------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#lead-earlier")
    def _other_lead_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.lb_app.open_lead(event.option.id)

    @on(OptionList.OptionSelected, "#lead-ops")
    def _op_chosen(self, event: OptionList.OptionSelected) -> None:
        op = next((o for o in self.open_ops if o.op_id == event.option.id), None)
        if op is not None:
            self.lb_app.open_change(op)  # the app opens it: the change's screen uses this module

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LEAD_ACTIONS:
            lead = self.current_lead
            if lead is None:
                return None
            if action in OPEN_ONLY and lead.closed:
                return None
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def _shown_lead_id(self) -> str | None:
        return self.lead_id  # known before the lead is read, so o and y work at once
