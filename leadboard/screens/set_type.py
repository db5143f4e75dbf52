"""Set the lead type (`hs_lead_type`): it is chosen by hand, and qualify needs it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import RadioButton, RadioSet

from leadboard.commands.base import LeadCommand
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.screens.command_modal import CommandModal, field_label, fits_from, literal

__all__ = ["SetLeadTypeModal"]


class SetLeadTypeModal(CommandModal[SetLeadType]):
    """`t` on the board: one of the portal's lead types, the current one preselected."""

    HEADING = "Set the lead type"
    AUTO_FOCUS = "#lead-type"
    VERTICAL_BREAKPOINTS = fits_from(24)

    def prefill(self, command: LeadCommand) -> None:
        assert isinstance(command, SetLeadType)
        choices = [o.value for o in self.choices]
        if command.lead_type in choices:
            buttons = list(self.query_one("#lead-type", RadioSet).query(RadioButton))
            buttons[choices.index(command.lead_type)].value = True

    def compose_fields(self) -> ComposeResult:
        self.choices = [o for o in self.meta.lead_types if not o.hidden]
        yield field_label("Lead type", first=True, for_id="lead-type")
        with RadioSet(id="lead-type"):
            for option in self.choices:
                yield RadioButton(literal(option.label), value=option.value == self.lead.lead_type)

    def chosen_value(self) -> str:
        index = self.query_one("#lead-type", RadioSet).pressed_index
        return self.choices[index].value if 0 <= index < len(self.choices) else ""

    def draft(self) -> SetLeadType:
        return SetLeadType(lead_id=self.lead.id, lead_type=self.chosen_value())

    def evaluate(self) -> SetLeadType:
        return self.checked(self.draft())
