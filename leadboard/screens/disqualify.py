"""Disqualify a lead: a reason from the portal's list and a note, both required; for a timing reason,
an optional follow-up date (recycling).

The reason `Select` shows the portal's labels and stores the option's value; Save stays disabled,
with the missing parts named, until `check_command` accepts the command. The follow-up row appears
only while the chosen reason is a timing one (`state.is_timing_reason`): a date there makes the
push create a HubSpot task to re-attempt the contact that day. Blank (the default) means no task;
the 1/3/6-month buttons fill the date in. A date left in the row while a non-timing reason is chosen
is not sent: the row is hidden, so it is not part of what the rep is saving.
"""

from __future__ import annotations

from datetime import date, datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, TextArea

from leadboard.commands.base import LeadCommand
from leadboard.commands.disqualify import Disqualify
from leadboard.screens.command_modal import (
    CHOOSE_PROMPT,
    PROBE_TEXT,
    CommandModal,
    field_label,
    fits_from,
    select_options,
    select_text,
)
from leadboard.state import CommandRefused, LeadFacts, PortalMeta, is_timing_reason
from leadboard.typed_input import FOLLOW_UP_MONTHS, add_months, parse_follow_up
from leadboard.widgets.pasted_text import NoteArea, PlainInput

__all__ = ["DisqualifyModal"]


class DisqualifyModal(CommandModal[Disqualify]):
    """`X` on the board: close the lead as disqualified. The modal is the confirmation."""

    HEADING = "Disqualify"
    AUTO_FOCUS = "#reason"
    VERTICAL_BREAKPOINTS = fits_from(30)
    DEFAULT_CSS = """
    DisqualifyModal > #dialog {
        border: thick $error 70%;
    }
    DisqualifyModal #follow-up-row {
        display: none;
        height: auto;
    }
    DisqualifyModal.-timing #follow-up-row {
        display: block;
    }
    DisqualifyModal #follow-up-fields {
        height: auto;
    }
    DisqualifyModal #follow-up {
        width: 16;
    }
    DisqualifyModal #follow-up-fields Button {
        margin-left: 1;
        min-width: 10;
    }
    """

    def __init__(self, meta: PortalMeta, lead: LeadFacts, *, now: datetime | None = None) -> None:
        super().__init__(meta, lead)
        self.now = now or datetime.now().astimezone()
        self.today: date = self.now.date()

    def clock(self) -> datetime:
        return self.now

    def prefill(self, command: LeadCommand) -> None:
        super().prefill(command)
        assert isinstance(command, Disqualify)
        if command.reason:  # a draft may have none yet
            self.query_one("#reason", Select).value = command.reason
        if command.follow_up is not None:
            self.query_one("#follow-up", Input).value = command.follow_up.isoformat()

    def compose_fields(self) -> ComposeResult:
        self.reasons = [o for o in self.meta.disqualification_reasons if not o.hidden]
        yield field_label("Reason (required)", first=True, for_id="reason")
        yield Select[str](
            select_options((o.label, o.value) for o in self.reasons),
            prompt=CHOOSE_PROMPT.format("a reason"),
            id="reason",
        )
        yield field_label("Note: why this lead is disqualified (required)", for_id="note")
        yield NoteArea(id="note")
        with Vertical(id="follow-up-row"):
            yield field_label(
                "Follow-up: a HubSpot task to re-attempt on (YYYY-MM-DD, blank: none)",
                for_id="follow-up",
            )
            with Horizontal(id="follow-up-fields"):
                yield PlainInput(placeholder="YYYY-MM-DD", max_length=10, id="follow-up", compact=True)
                for months in FOLLOW_UP_MONTHS:
                    label = f"{months} month" + ("" if months == 1 else "s")
                    yield Button(label, id=f"in-{months}-months", compact=True)

    def _timing_chosen(self, reason: str) -> bool:
        chosen = next((o for o in self.reasons if o.value == reason), None)
        return chosen is not None and is_timing_reason(chosen)

    @on(Select.Changed, "#reason")
    def _reason_changed(self) -> None:
        """Offer the follow-up date only for a timing reason."""
        self.set_class(self._timing_chosen(select_text(self.query_one("#reason", Select))), "-timing")

    @on(Button.Pressed, "#follow-up-fields Button")
    def _quick_follow_up(self, event: Button.Pressed) -> None:
        """1, 3 or 6 months from today, written into the date field (which the rep can still edit)."""
        event.stop()
        months = int((event.button.id or "in-0-months").split("-")[1])
        self.query_one("#follow-up", Input).value = add_months(self.today, months).isoformat()

    def unchecked(self, *, any_reason: bool = False) -> tuple[Disqualify, list[str]]:
        """The command as the fields stand, unchecked, and what could not be read (the date). The
        follow-up counts only for a timing reason, unless `any_reason` (a draft keeps what was typed)."""
        reason = select_text(self.query_one("#reason", Select))
        note = self.query_one("#note", TextArea).text
        follow_up: date | None = None
        input_errors: list[str] = []
        if any_reason or self._timing_chosen(reason):
            try:
                follow_up = parse_follow_up(self.query_one("#follow-up", Input).value)
            except CommandRefused as refused:
                input_errors.append(str(refused))
        return Disqualify(lead_id=self.lead.id, reason=reason, note=note, follow_up=follow_up), input_errors

    def draft(self) -> Disqualify:
        return self.unchecked(any_reason=True)[0]

    def evaluate(self) -> Disqualify:
        command, input_errors = self.unchecked()
        reason = command.reason
        probe_reason = self.reasons[0].value if self.reasons else reason
        return self.checked(
            command,
            probes=[
                command.model_copy(update={"reason": probe_reason, "follow_up": None}),
                command.model_copy(update={"note": PROBE_TEXT}),
            ],
            input_errors=input_errors,
        )
