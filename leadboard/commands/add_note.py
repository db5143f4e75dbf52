"""Add a note to the lead and its contact: allowed on open and closed leads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from leadboard.commands.base import LeadCommand, clean_note
from leadboard.domain import CommandRefused, PortalMeta
from leadboard.state import LeadFacts
from leadboard.text import clean_untrusted

__all__ = ["AddNote"]


class AddNote(LeadCommand):
    """A note on the lead and its contact; allowed on open and closed leads."""

    kind: Literal["add_note"] = "add_note"
    text: str

    @property
    def typed(self) -> str:
        return self.text

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        if not clean_untrusted(self.text).strip():
            raise CommandRefused("The note is empty: write what happened.")
        return self.model_copy(update={"text": clean_note(self.text, self.spec.doing)})

    def describe(self, meta: PortalMeta) -> str:
        return "add a note"
