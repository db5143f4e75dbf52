"""Add a note to a lead and its contact; allowed on open and closed leads alike."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import TextArea

from leadboard.commands.add_note import AddNote
from leadboard.screens.command_modal import CommandModal, field_label, fits_from
from leadboard.widgets.pasted_text import NoteArea

__all__ = ["AddNoteModal"]


class AddNoteModal(CommandModal[AddNote]):
    """`n` on the board: write a note (plain text; brackets and tags are kept as typed)."""

    HEADING = "Add a note"
    AUTO_FOCUS = "#note"
    VERTICAL_BREAKPOINTS = fits_from(24)

    def compose_fields(self) -> ComposeResult:
        yield field_label("Note", first=True, for_id="note")
        yield NoteArea(id="note")

    def draft(self) -> AddNote:
        return AddNote(lead_id=self.lead.id, text=self.query_one("#note", TextArea).text)

    def evaluate(self) -> AddNote:
        return self.checked(self.draft())
