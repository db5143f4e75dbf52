"""Disqualify a lead: a reason from the portal's list and a note, both required.

The reason `Select` shows the portal's labels and stores the option's value; Save stays disabled,
with the missing parts named, until `check_command` accepts both.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, TextArea

from leadboard.screens.command_modal import (
    CHOOSE_PROMPT,
    PROBE_TEXT,
    CommandModal,
    field_label,
    fits_from,
    select_options,
    select_text,
)
from leadboard.state import Disqualify

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
    """

    def compose_fields(self) -> ComposeResult:
        self.reasons = [o for o in self.meta.disqualification_reasons if not o.hidden]
        yield field_label("Reason (required)", first=True, for_id="reason")
        yield Select[str](
            select_options((o.label, o.value) for o in self.reasons),
            prompt=CHOOSE_PROMPT.format("a reason"),
            id="reason",
        )
        yield field_label("Note: why this lead is disqualified (required)", for_id="note")
        yield TextArea(id="note")

    def evaluate(self) -> Disqualify:
        reason = select_text(self.query_one("#reason", Select))
        note = self.query_one("#note", TextArea).text
        command = Disqualify(lead_id=self.lead.id, reason=reason, note=note)
        probe_reason = self.reasons[0].value if self.reasons else reason
        return self.checked(
            command,
            probes=[
                command.model_copy(update={"reason": probe_reason}),
                command.model_copy(update={"note": PROBE_TEXT}),
            ],
        )
