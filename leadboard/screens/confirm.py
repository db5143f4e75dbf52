"""A yes/no question whose default answer is the safe one ("No" has the focus; escape says no)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from leadboard.text import clean_untrusted

__all__ = ["ConfirmModal"]


class ConfirmModal(ModalScreen[bool]):
    """Ask before something that cannot be undone, e.g. discarding a change that failed to push.

    `message` may quote HubSpot or the rep (a lead name, a note): it is always shown as plain text.
    Enter answers whichever button has the focus, which starts on the safe one.
    """

    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
    }
    ConfirmModal > #dialog {
        width: 64;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $error 70%;
        border-title-color: $text;
        border-title-style: bold;
        background: $surface;
        padding: 1 2 0 2;
    }
    ConfirmModal #message {
        width: 100%;
        height: auto;
        max-height: 12;
        overflow-y: auto;
    }
    ConfirmModal #buttons {
        height: auto;
        width: 100%;
        align-horizontal: right;
        margin-top: 1;
    }
    ConfirmModal #buttons Button {
        margin-left: 2;
    }
    """
    AUTO_FOCUS = "#no"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "No", id="confirm-no", tooltip="Keep things as they are"),
        Binding("left,right", "switch_button", "Switch", show=False, id="confirm-switch"),
    ]

    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.title_text = clean_untrusted(title)
        self.message = clean_untrusted(message)
        self.yes_label = clean_untrusted(yes)
        self.no_label = clean_untrusted(no)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = Content(self.title_text)
            yield Static(Content(self.message), id="message")
            with Horizontal(id="buttons"):
                yield Button(Content(self.yes_label), id="yes", variant="error")
                yield Button(Content(self.no_label), id="no", variant="primary")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_switch_button(self) -> None:
        target = "#yes" if self.focused is self.query_one("#no") else "#no"
        self.query_one(target, Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
