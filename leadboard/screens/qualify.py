"""Qualify a lead: a note, and a deal (name, amount, close date) unless the rep turns the deal off.

Refused while the lead has no type; the inline line says so and points at the set-type key.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Self

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Switch, TextArea

from leadboard.commands.base import LeadCommand, check_command
from leadboard.commands.qualify import Deal, Qualify
from leadboard.screens.command_modal import (
    PROBE_TEXT,
    CommandModal,
    field_label,
    fits_from,
)
from leadboard.screens.parsing import CLOSE_DATE_FORMAT, parse_amount, parse_close_date
from leadboard.state import CommandRefused, LeadFacts, PortalMeta
from leadboard.text import clean_untrusted

__all__ = ["QualifyModal"]

#: How far out the deal's close date starts; the rep edits it.
DEFAULT_CLOSE_IN = timedelta(days=30)


class QualifyModal(CommandModal[Qualify]):
    """`Q` on the board: close the lead as qualified and, by default, open a deal for it."""

    HEADING = "Qualify"
    AUTO_FOCUS = "#note"
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
        set_type_key: str = "t",
    ) -> None:
        super().__init__(meta, lead)
        today = (now or datetime.now().astimezone()).date()
        self.default_close: date = today + DEFAULT_CLOSE_IN
        self.set_type_key = set_type_key

    @classmethod
    def for_lead(cls, meta: PortalMeta, lead: LeadFacts, *, now: datetime, set_type_key: str) -> Self:
        return cls(meta, lead, now=now, set_type_key=set_type_key)

    def prefill(self, command: LeadCommand) -> None:
        super().prefill(command)
        assert isinstance(command, Qualify)
        deal = command.deal
        self.query_one("#with-deal", Switch).value = deal is not None
        if deal is not None:
            self.query_one("#deal-name", Input).value = deal.name
            self.query_one("#amount", Input).value = "" if deal.amount is None else f"{deal.amount:g}"
            self.query_one("#close-date", Input).value = deal.close_date.isoformat()

    def compose_fields(self) -> ComposeResult:
        yield field_label("Note: why this lead is qualified (required)", first=True, for_id="note")
        yield TextArea(id="note")
        with Horizontal(id="deal-switch-row"):
            yield Switch(value=True, id="with-deal")
            yield Label("Create a deal (turn off for no deal)")
        with Vertical(id="deal"):
            yield field_label("Deal name", for_id="deal-name")
            yield Input(clean_untrusted(self.lead.name).strip(), id="deal-name")
            yield field_label("Amount (blank: no amount)", for_id="amount")
            yield Input(placeholder="e.g. 12000", id="amount")
            yield field_label("Close date (YYYY-MM-DD)", for_id="close-date")
            yield Input(self.default_close.strftime(CLOSE_DATE_FORMAT), id="close-date")

    @on(Switch.Changed, "#with-deal")
    def _deal_switched(self, event: Switch.Changed) -> None:
        """ "No deal" hides the deal's fields, so they are neither shown nor a stop in the tab order."""
        self.set_class(not event.value, "-no-deal")

    def evaluate(self) -> Qualify:
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
        command = Qualify(lead_id=self.lead.id, note=note, deal=deal)
        if not self.lead.lead_type:
            try:
                check_command(command, self.lead, self.meta)
            except CommandRefused as refused:
                raise CommandRefused(
                    f"{refused} Cancel, then press {self.set_type_key} on the board to set it."
                ) from None
        return self.checked(
            command,
            probes=[command.model_copy(update={"note": PROBE_TEXT})],
            input_errors=input_errors,
        )
