"""Qualify a lead: a note, and a deal (name, amount, close date) unless the rep turns the deal off.

A lead with no type gets a required lead-type field first: the command carries the chosen type and
writes it with the stage, so the rep never has to cancel (and lose the note) to set it elsewhere.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Self

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Switch, TextArea

from leadboard.commands.base import LeadCommand
from leadboard.commands.qualify import Deal, Qualify
from leadboard.screens.command_modal import (
    CHOOSE_PROMPT,
    PROBE_TEXT,
    CommandModal,
    field_label,
    fits_from,
    select_options,
    select_text,
)
from leadboard.state import CommandRefused, LeadFacts, PortalMeta
from leadboard.text import clean_untrusted
from leadboard.typed_input import CLOSE_DATE_FORMAT, parse_amount, parse_close_date
from leadboard.widgets.pasted_text import NoteArea, PlainInput

__all__ = ["QualifyModal"]

#: How far out the deal's close date starts; the rep edits it.
DEFAULT_CLOSE_IN = timedelta(days=30)


class QualifyModal(CommandModal[Qualify]):
    """`Q` on the board: close the lead as qualified and, by default, open a deal for it."""

    HEADING = "Qualify"
    #: The lead type when the form asks for it (it comes first), else the note.
    AUTO_FOCUS = "#lead-type, #note"
    VERTICAL_BREAKPOINTS = fits_from(40)
    DEFAULT_CSS = """
    QualifyModal #deal-switch-row {
        height: auto;
        margin-top: 1;
    }
    QualifyModal #deal-switch-row Label {
        padding: 1 1 0 1;
    }
    QualifyModal.-no-deal #deal {
        display: none;
    }
    QualifyModal #deal {
        height: auto;
    }
    """

    def __init__(
        self,
        meta: PortalMeta,
        lead: LeadFacts,
        *,
        now: datetime | None = None,
    ) -> None:
        super().__init__(meta, lead)
        today = (now or datetime.now().astimezone()).date()
        self.default_close: date = today + DEFAULT_CLOSE_IN
        #: The form asks for the type only when the lead (with its waiting changes) has none.
        self.asks_type = not lead.lead_type

    @classmethod
    def for_lead(cls, meta: PortalMeta, lead: LeadFacts, *, now: datetime) -> Self:
        return cls(meta, lead, now=now)

    def prefill(self, command: LeadCommand) -> None:
        super().prefill(command)
        assert isinstance(command, Qualify)
        if self.asks_type and command.lead_type:
            self.query_one("#lead-type", Select).value = command.lead_type
        deal = command.deal
        self.query_one("#with-deal", Switch).value = deal is not None
        if deal is not None:
            self.query_one("#deal-name", Input).value = deal.name
            self.query_one("#amount", Input).value = "" if deal.amount is None else f"{deal.amount:g}"
            self.query_one("#close-date", Input).value = deal.close_date.isoformat()

    def compose_fields(self) -> ComposeResult:
        if self.asks_type:
            yield field_label("Lead type (required: this lead has none yet)", first=True, for_id="lead-type")
            yield Select(
                select_options((o.label, o.value) for o in self.meta.lead_types if not o.hidden),
                prompt=CHOOSE_PROMPT.format("a lead type"),
                id="lead-type",
            )
        yield field_label(
            "Note: why this lead is qualified (required)", first=not self.asks_type, for_id="note"
        )
        yield NoteArea(id="note")
        with Horizontal(id="deal-switch-row"):
            yield Switch(value=True, id="with-deal")
            yield Label("Create a deal (turn off for no deal)")
        with Vertical(id="deal"):
            yield field_label("Deal name", for_id="deal-name")
            yield PlainInput(clean_untrusted(self.lead.name).strip(), id="deal-name")
            yield field_label("Amount (blank: no amount)", for_id="amount")
            yield PlainInput(placeholder="e.g. 12000", id="amount")
            yield field_label("Close date (YYYY-MM-DD)", for_id="close-date")
            yield PlainInput(self.default_close.strftime(CLOSE_DATE_FORMAT), id="close-date")

    @on(Switch.Changed, "#with-deal")
    def _deal_switched(self, event: Switch.Changed) -> None:
        """ "No deal" hides the deal's fields, so they are neither shown nor a stop in the tab order."""
        self.set_class(not event.value, "-no-deal")

    def unchecked(self) -> tuple[Qualify, list[str]]:
        """The command as the fields stand, unchecked, and what could not be read (amount, date)."""
        with_deal = self.query_one("#with-deal", Switch).value
        note = self.query_one("#note", TextArea).text
        input_errors: list[str] = []
        deal: Deal | None = None
        if with_deal:
            amount: float | None = None
            close_date = self.default_close
            try:
                amount = parse_amount(self.query_one("#amount", Input).value)
            except CommandRefused as refused:
                input_errors.append(str(refused))
            try:
                close_date = parse_close_date(self.query_one("#close-date", Input).value)
            except CommandRefused as refused:
                input_errors.append(str(refused))
            name = self.query_one("#deal-name", Input).value
            deal = Deal(name=name, amount=amount, close_date=close_date)
        lead_type = select_text(self.query_one("#lead-type", Select)) if self.asks_type else ""
        return Qualify(lead_id=self.lead.id, note=note, deal=deal, lead_type=lead_type or None), input_errors

    def draft(self) -> Qualify:
        return self.unchecked()[0]

    def evaluate(self) -> Qualify:
        command, input_errors = self.unchecked()
        probes = [command.model_copy(update={"note": PROBE_TEXT})]
        some_type = next((o.value for o in self.meta.lead_types if not o.hidden), None)
        if self.asks_type and some_type is not None:
            probes.append(command.model_copy(update={"lead_type": some_type}))
        return self.checked(command, probes=probes, input_errors=input_errors)
