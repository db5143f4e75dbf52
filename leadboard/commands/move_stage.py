"""Move an open lead to another open stage by hand, with a note saying what happened."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from leadboard.commands.base import LeadCommand, clean_note
from leadboard.domain import PROP_STAGE, CommandRefused, PortalMeta, Stage
from leadboard.state import LeadFacts, choices_text, move_targets, resolve_stage
from leadboard.text import clean_untrusted

__all__ = ["MoveStage"]


class MoveStage(LeadCommand):
    """Move an open lead to another open stage by hand; the note says what happened."""

    kind: Literal["move_stage"] = "move_stage"
    stage_id: str
    note: str

    @property
    def typed(self) -> str:
        return self.note

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        """A note and another open stage: closing a lead is qualify or disqualify, not a move."""
        note = clean_note(self.note, self.spec.doing)
        target = _resolve_move_target(meta, lead, self.stage_id)
        if target.id == meta.qualified_stage_id:
            raise CommandRefused(
                f"To move a lead to {target.label}, qualify it: that needs a note and a deal."
            )
        if target.id == meta.unqualified_stage_id:
            raise CommandRefused(
                f"To move a lead to {target.label}, disqualify it: that needs a reason and a note."
            )
        if target.id == lead.stage_id:
            raise CommandRefused(f"The lead is already in {target.label}: choose another stage.")
        return self.model_copy(update={"stage_id": target.id, "note": note})

    def property_changes(self, meta: PortalMeta) -> dict[str, str]:
        return {PROP_STAGE: self.stage_id}

    def note_headline(self, meta: PortalMeta) -> str | None:
        return f"Moved to {meta.stage_label(self.stage_id)}."

    def describe(self, meta: PortalMeta) -> str:
        return f"move to {meta.stage_label(self.stage_id)}"


def _resolve_move_target(meta: PortalMeta, lead: LeadFacts, text: str) -> Stage:
    """The stage the rep named for a move; blank or unknown is refused listing the stages one can
    move to (`move_targets`). Closed stages still resolve, so the refusal can say what to do instead."""
    targets = move_targets(meta, lead.stage_id)
    if not text.strip():
        raise CommandRefused(
            f"Choose a stage: one of {choices_text(s.label for s in targets)}.", short="Choose a stage."
        )
    try:
        return resolve_stage(meta, text)
    except CommandRefused:
        raise CommandRefused(
            f"'{clean_untrusted(text.strip())}' is not a stage here: "
            f"choose one of {choices_text(s.label for s in targets)}."
        ) from None
