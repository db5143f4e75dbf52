"""The lead commands every screen that shows a lead offers: the board, the lead screen, the queue.

The keys (c, n, m, t, Q, X, o, y, p, e, P, E) and their binding ids live in `leadboard.screens.keys`;
the actions they run are written once here, one per command of the registry
(leadboard/commands/registry.py), then the links and the contact's phone and email. A screen names
the lead it shows (`current_lead`), may say what happens around a command (the queue advances after
one) by overriding `_lead_command`; its `check_action` greys out `OPEN_ONLY` on a closed lead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from leadboard.commands.registry import COMMANDS, OPEN_ONLY_ACTIONS, CommandKind

#: The screen actions of the rep's lead commands (the registry's), and those that need an open lead.
COMMAND_ACTIONS = frozenset(spec.action for spec in COMMANDS)
OPEN_ONLY = OPEN_ONLY_ACTIONS
#: The actions on the lead shown that are links, not commands: they need a lead too.
LINK_ACTIONS = frozenset(
    {"open_in_hubspot", "copy_link", "copy_phone", "copy_email", "call_phone", "write_email"}
)

if TYPE_CHECKING:
    from leadboard.cache.read_model import BoardLead
    from leadboard.screens.app_api import AppApi


class LeadActions:
    """Mixin for a `Screen`: the lead commands and links, on the lead the screen shows."""

    if TYPE_CHECKING:

        @property
        def current_lead(self) -> BoardLead | None: ...

        @property
        def lb_app(self) -> AppApi: ...

    def _lead_command(self, kind: CommandKind) -> None:
        if (lead := self.current_lead) is not None:
            self.lb_app.lead_command(kind, lead)

    def _shown_lead_id(self) -> str | None:
        """The lead the links (o, y) are for; a screen that knows it before the lead is read says so."""
        lead = self.current_lead
        return lead.id if lead is not None else None

    def action_open_in_hubspot(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.open_in_hubspot(lead_id)

    def action_copy_link(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.copy_link(lead_id)

    def action_copy_phone(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.reach_contact(lead_id, "phone", open_it=False)

    def action_copy_email(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.reach_contact(lead_id, "email", open_it=False)

    def action_call_phone(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.reach_contact(lead_id, "phone", open_it=True)

    def action_write_email(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.reach_contact(lead_id, "email", open_it=True)


def _command_action(kind: CommandKind) -> Callable[[LeadActions], None]:
    def action(self: LeadActions) -> None:
        self._lead_command(kind)

    action.__doc__ = f"Open the {kind} modal for the lead shown (the registry's action)."
    return action


# One `action_<action>` per registered command (`action_log_call`, `action_set_type`, …): Textual runs
# a binding's action by that name, so a new command in the registry gets its action here.
for _spec in COMMANDS:
    setattr(LeadActions, f"action_{_spec.action}", _command_action(_spec.kind))
