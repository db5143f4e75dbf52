"""The lead commands every screen that shows a lead offers: the board, the lead screen, the queue.

The keys (c, n, m, t, Q, X, o, y) and their binding ids live in `leadboard.screens.keys`; the actions they
run are written once here. A screen names the lead it shows (`current_lead`) and may say what
happens around a command (the queue advances after one) by overriding `_lead_command`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

    def _lead_command(self, kind: str) -> None:
        if (lead := self.current_lead) is not None:
            self.lb_app.lead_command(kind, lead)

    def _shown_lead_id(self) -> str | None:
        """The lead the links (o, y) are for; a screen that knows it before the lead is read says so."""
        lead = self.current_lead
        return lead.id if lead is not None else None

    def action_log_call(self) -> None:
        self._lead_command("log_call")

    def action_add_note(self) -> None:
        self._lead_command("add_note")

    def action_move_stage(self) -> None:
        self._lead_command("move_stage")

    def action_set_type(self) -> None:
        self._lead_command("set_type")

    def action_qualify(self) -> None:
        self._lead_command("qualify")

    def action_disqualify(self) -> None:
        self._lead_command("disqualify")

    def action_open_in_hubspot(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.open_in_hubspot(lead_id)

    def action_copy_link(self) -> None:
        if (lead_id := self._shown_lead_id()) is not None:
            self.lb_app.copy_link(lead_id)
