"""Move an open lead to another open stage by hand, with a note saying what happened."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, TextArea

from leadboard.commands.base import LeadCommand
from leadboard.commands.move_stage import MoveStage
from leadboard.screens.command_modal import (
    CHOOSE_PROMPT,
    PROBE_TEXT,
    CommandModal,
    field_label,
    fits_from,
    select_options,
    select_text,
)
from leadboard.screens.log_call import LoggedCall
from leadboard.state import LeadFacts, PortalMeta, move_targets
from leadboard.widgets.pasted_text import NoteArea

__all__ = ["MoveStageModal"]


class MoveStageModal(CommandModal[MoveStage]):
    """`m` on the board; also opened prefilled after a call when the process suggests a move."""

    HEADING = "Move to another stage"
    AUTO_FOCUS = "#stage"
    VERTICAL_BREAKPOINTS = fits_from(28)

    def __init__(
        self, meta: PortalMeta, lead: LeadFacts, *, stage_id: str | None = None, note: str = ""
    ) -> None:
        super().__init__(meta, lead)
        self.targets = move_targets(meta, lead.stage_id)
        self.initial_stage = stage_id if any(s.id == stage_id for s in self.targets) else None
        self.initial_note = note

    @classmethod
    def after_call(cls, meta: PortalMeta, lead: LeadFacts, logged: LoggedCall) -> MoveStageModal:
        """The move the process suggests after `logged`, prefilled with the stage and the call's own
        note (what the rep wrote about the call, never boilerplate that would pass the "a move needs
        a note" rule by itself); the rep can still edit or cancel."""
        target = logged.suggested_stage
        return cls(meta, lead, stage_id=target.id if target else None, note=logged.command.note)

    def prefill(self, command: LeadCommand) -> None:
        super().prefill(command)
        assert isinstance(command, MoveStage)
        if any(s.id == command.stage_id for s in self.targets):
            self.query_one("#stage", Select).value = command.stage_id

    def compose_fields(self) -> ComposeResult:
        current = self.meta.stage_label(self.lead.stage_id)
        yield field_label(f"Move from {current} to", first=True, for_id="stage")
        options = select_options((s.label, s.id) for s in self.targets)
        yield Select[str](
            options,
            prompt=CHOOSE_PROMPT.format("a stage"),
            value=self.initial_stage if self.initial_stage else Select.NULL,
            id="stage",
        )
        yield field_label("Note: what happened (required)", for_id="note")
        yield NoteArea(self.initial_note, id="note")

    def draft(self) -> MoveStage:
        stage_id = select_text(self.query_one("#stage", Select))
        return MoveStage(lead_id=self.lead.id, stage_id=stage_id, note=self.query_one("#note", TextArea).text)

    def evaluate(self) -> MoveStage:
        command = self.draft()
        stage_id = command.stage_id
        probe_stage = self.targets[0].id if self.targets else stage_id
        return self.checked(
            command,
            probes=[
                command.model_copy(update={"stage_id": probe_stage}),
                command.model_copy(update={"note": PROBE_TEXT}),
            ],
        )
