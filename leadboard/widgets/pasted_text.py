"""Text fields that take a paste safely: the note area of every form, and the one-line fields.

Why: a paste is text from anywhere (a web page, a terminal, a PDF). Textual inserts it as it came,
so an escape sequence or a bidi override in it went into the field and was written to the terminal
with the field (U+202E reversed what followed on screen), and a paste of a megabyte stayed in the
note, where every later keystroke re-checked all of it (about half a second to seconds a key).

So a paste is cleaned the way untrusted text is everywhere (`clean_untrusted`: escape sequences,
control and bidi characters gone, line breaks made "\\n", the rest in its order) before it is
inserted, and a paste that would make a note longer than HubSpot takes is not inserted at all:
the rep is told, and the note stays as it was and as quick as it was.

What is not ours: Textual's input parser (8.x) ends a bracketed paste's text at an ESC inside it
and turns the rest into key presses, which reach the field *before* the paste (`AAA ESC[2J BBB`
arrives as the keys `^[2J BBB`, then the paste `AAA `). A widget cannot put that back in order;
the keys it types are plain characters, so nothing unsafe reaches the screen or HubSpot.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea

from leadboard.domain import NOTE_HTML_LIMIT
from leadboard.text import clean_untrusted

__all__ = ["NOTE_PASTE_LIMIT", "NoteArea", "PlainInput", "clean_paste"]

#: The longest note a paste may leave: a note's HTML is never shorter than its text, so a longer one
#: could never be saved (the form's check says by how much for notes just over).
NOTE_PASTE_LIMIT = NOTE_HTML_LIMIT


def clean_paste(text: str) -> str:
    """Pasted text as it may be inserted: no escape sequences, control or bidi characters; order kept."""
    return clean_untrusted(text)


class NoteArea(TextArea):
    """A note's multi-line field: pastes are cleaned, and refused when they would make it too long."""

    def on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # instead of TextArea's own paste, which inserts the text as it came
        event.stop()
        if self.read_only:
            return
        text = clean_paste(event.text)
        if not text:
            return
        length = len(self.text) - len(self.selected_text) + len(text)
        if length > NOTE_PASTE_LIMIT:
            self.notify(
                f"Not pasted: that would make the note {length:,} characters long, and HubSpot takes "
                f"at most {NOTE_PASTE_LIMIT:,}. Paste a shorter part.",
                title="Too long",
                severity="warning",
                markup=False,
            )
            return
        result = self.replace(text, *self.selection)
        self.move_cursor(result.end_location)


class PlainInput(Input):
    """A one-line field: a paste's first line, cleaned (restrictions and max length still apply)."""

    def on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # instead of Input's own paste, which inserts the line as it came
        event.stop()
        lines = event.text.splitlines()
        line = clean_paste(lines[0]) if lines else ""
        if not line:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(line)
        else:
            self.replace(line, *selection)
