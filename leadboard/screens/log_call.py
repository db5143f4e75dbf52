"""Log a call made outside HubSpot: outcome, direction, duration, time and a note.

The result carries the stage move the lead process suggests after this call
(`state.suggest_stage_after_call`), so the host can open `MoveStageModal.after_call` prefilled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from leadboard.commands.base import LeadCommand
from leadboard.commands.log_call import CallDirection, LogCall
from leadboard.screens.command_modal import (
    CHOOSE_PROMPT,
    PROBE_TEXT,
    CommandModal,
    field_label,
    fits_from,
    select_options,
    select_text,
)
from leadboard.state import CommandRefused, LeadFacts, PortalMeta, Stage, suggest_stage_after_call
from leadboard.typed_input import format_call_time, parse_call_time, parse_minutes
from leadboard.widgets.pasted_text import NoteArea, PlainInput

__all__ = ["LogCallModal", "LoggedCall"]

DIRECTIONS: list[tuple[str, CallDirection]] = [("Outbound", "OUTBOUND"), ("Inbound", "INBOUND")]


@dataclass(frozen=True)
class LoggedCall:
    """A checked `LogCall`, and the stage the process suggests moving the lead to next (or None)."""

    command: LogCall
    suggested_stage: Stage | None


class LogCallModal(CommandModal[LoggedCall]):
    """`c` on the board: record a call with its outcome and what was said."""

    HEADING = "Log a call"
    AUTO_FOCUS = "#outcome"
    VERTICAL_BREAKPOINTS = fits_from(46)

    def __init__(self, meta: PortalMeta, lead: LeadFacts, *, now: datetime | None = None) -> None:
        super().__init__(meta, lead)
        self.now = now or datetime.now().astimezone()

    @classmethod
    def for_lead(cls, meta: PortalMeta, lead: LeadFacts, *, now: datetime) -> Self:
        return cls(meta, lead, now=now)

    def prefill(self, command: LeadCommand) -> None:
        super().prefill(command)
        assert isinstance(command, LogCall)
        if command.outcome_id:  # a draft may have none yet
            self.query_one("#outcome", Select).value = command.outcome_id
        self.query_one("#direction", Select).value = command.direction
        minutes = command.duration_seconds // 60
        self.query_one("#duration", Input).value = str(minutes) if minutes else ""
        self.query_one("#time", Input).value = format_call_time(command.at.astimezone())

    def clock(self) -> datetime:
        return self.now

    def compose_fields(self) -> ComposeResult:
        outcomes = [(d.label, d.id) for d in self.meta.dispositions if not d.deleted]
        yield field_label("Outcome", first=True, for_id="outcome")
        yield Select[str](select_options(outcomes), prompt=CHOOSE_PROMPT.format("an outcome"), id="outcome")
        yield field_label("Direction", for_id="direction")
        yield Select[str](select_options(DIRECTIONS), allow_blank=False, value="OUTBOUND", id="direction")
        yield field_label("Duration in minutes (blank: not recorded)", for_id="duration")
        yield PlainInput(placeholder="e.g. 5", restrict=r"[0-9]*", max_length=4, id="duration")
        yield field_label("When (14:05 for today, or 2026-11-22 14:05)", for_id="time")
        yield PlainInput(format_call_time(self.now), id="time")
        yield field_label("Note: what happened on the call", for_id="note")
        yield NoteArea(id="note")

    def unchecked(self) -> tuple[LogCall, list[str]]:
        """The call as the fields stand, unchecked, and what could not be read (duration, time)."""
        outcome = select_text(self.query_one("#outcome", Select))
        inbound = select_text(self.query_one("#direction", Select)) == "INBOUND"
        direction: CallDirection = "INBOUND" if inbound else "OUTBOUND"
        note = self.query_one("#note", TextArea).text
        input_errors: list[str] = []
        at = self.now
        duration = 0
        try:
            duration = parse_minutes(self.query_one("#duration", Input).value)
        except CommandRefused as refused:
            input_errors.append(str(refused))
        try:
            at = parse_call_time(self.query_one("#time", Input).value, self.now)
        except CommandRefused as refused:
            input_errors.append(str(refused))
        command = LogCall(
            lead_id=self.lead.id,
            outcome_id=outcome,
            note=note,
            direction=direction,
            duration_seconds=duration,
            at=at,
        )
        return command, input_errors

    def draft(self) -> LogCall:
        return self.unchecked()[0]

    def evaluate(self) -> LoggedCall:
        command, input_errors = self.unchecked()
        probe_outcome = next((d.id for d in self.meta.dispositions if not d.deleted), command.outcome_id)
        checked = self.checked(
            command,
            probes=[
                command.model_copy(update={"outcome_id": probe_outcome}),
                command.model_copy(update={"note": PROBE_TEXT}),
                # Both filled: names what the process says about the rest (a time in the future).
                command.model_copy(update={"outcome_id": probe_outcome, "note": PROBE_TEXT}),
            ],
            input_errors=input_errors,
        )
        suggestion = suggest_stage_after_call(self.meta, self.lead.stage_id, checked.outcome_id)
        return LoggedCall(command=checked, suggested_stage=suggestion)
