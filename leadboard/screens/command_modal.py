"""The frame every command modal shares: fields, an inline "why Save is disabled" line, Save/Cancel.

A modal never decides what the lead process allows. On every change it builds the command from its
fields and runs `leadboard.state.check_command`; a `CommandRefused` disables Save and its sentence
is shown, as plain text, under the fields. So the board, the CLI and the sync refuse the same
things with the same words. Escape dismisses with None: nothing is queued.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar, Generic, Self, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioSet, Select, Static, Switch, TextArea

from leadboard.commands.add_note import AddNote
from leadboard.commands.base import LeadCommand, check_command
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.screens.keys import FORM_BINDINGS
from leadboard.state import CommandRefused, LeadFacts, PortalMeta
from leadboard.text import clean_untrusted

__all__ = [
    "CHOOSE_PROMPT",
    "PROBE_TEXT",
    "CommandModal",
    "FieldScroll",
    "field_label",
    "fits_from",
    "literal",
    "select_options",
    "select_text",
]

ResultT = TypeVar("ResultT")
CommandT = TypeVar("CommandT", MoveStage, LogCall, AddNote, SetLeadType, Qualify, Disqualify)

#: What a probe puts in a text field it is not testing, so that field cannot be the refusal.
PROBE_TEXT = "ok"
#: A Select's "nothing chosen" line. It starts with a dash so type-to-search (which also matches this
#: line) never prefers it to an option: typing "c" finds "Connected", not "Choose…".
CHOOSE_PROMPT = "– choose {} –"

MODAL_CSS = """
CommandModal {
    align: center middle;
}
CommandModal > #dialog {
    width: 78;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: thick $primary 70%;
    border-title-color: $text;
    border-title-style: bold;
    background: $surface;
    padding: 0 1;
}
CommandModal #lead-line {
    color: $text-muted;
    width: 100%;
    height: auto;
    margin-bottom: 1;
}
CommandModal #fields {
    height: auto;
}
CommandModal.-short > #dialog {
    height: 100%;
}
CommandModal.-short #fields {
    height: 1fr;
}
CommandModal .field-label {
    color: $text-muted;
    margin-top: 1;
    padding-left: 1;
}
CommandModal .field-label.-first {
    margin-top: 0;
}
CommandModal TextArea {
    height: 6;
}
CommandModal #why {
    height: auto;
    width: 100%;
    color: $text-warning;
    margin-top: 1;
    padding-left: 1;
}
CommandModal #why.-ready {
    color: $text-success;
}
CommandModal #buttons {
    height: auto;
    width: 100%;
    align-horizontal: right;
    margin-top: 1;
}
CommandModal #buttons Button {
    margin-left: 2;
}
"""


def literal(text: str) -> Content:
    """Untrusted text as plain `Content`: escape sequences stripped, brackets shown as typed."""
    return Content(clean_untrusted(text))


def field_label(text: str, *, first: bool = False, for_id: str = "") -> Label:
    """The caption above a field (our own words, shown as plain text all the same)."""
    classes = "field-label -first" if first else "field-label"
    return Label(Content(text), classes=classes, id=f"{for_id}-label" if for_id else None)


def select_options(pairs: Iterable[tuple[str, str]]) -> list[tuple[Text, str]]:
    """(label, value) pairs for a `Select`, labels as `rich.text.Text` so brackets are not markup."""
    return [(Text(clean_untrusted(label)), value) for label, value in pairs]


def select_text(select: Select[str]) -> str:
    """The chosen value of a `Select`, or "" when nothing is chosen (`Select.NULL`)."""
    value = select.value
    return "" if value is Select.NULL or value == Select.NULL else str(value)


def fits_from(rows: int) -> list[tuple[int, str]]:
    """Breakpoints for a modal that needs `rows` terminal rows: shorter, it fills the height and scrolls."""
    return [(0, "-short"), (rows, "-roomy")]


class FieldScroll(VerticalScroll, can_focus=False):
    """Scrolls the fields on a short terminal without becoming a stop in the tab order itself."""


class CommandModal(ModalScreen[ResultT | None], Generic[ResultT]):
    """Base of the command modals: subclasses compose fields and build (checked) results.

    Subclasses set `HEADING` and `AUTO_FOCUS` (the first field), implement `compose_fields` and
    `evaluate`; `evaluate` returns the typed result or raises `CommandRefused`.
    """

    DEFAULT_CSS = MODAL_CSS
    HEADING: ClassVar[str] = "Command"
    VERTICAL_BREAKPOINTS = fits_from(30)
    BINDINGS: ClassVar[list[BindingType]] = [*FORM_BINDINGS]

    def __init__(self, meta: PortalMeta, lead: LeadFacts) -> None:
        super().__init__()
        self.meta = meta
        self.lead = lead
        self.result: ResultT | None = None
        self.refusal: str | None = "Not checked yet."
        #: What the rep typed last time and cancelled (or the outbox refused): filled in on mount.
        self.resume: LeadCommand | None = None
        #: The draft as the form opened (prefilled, resumed): cancelling it unchanged keeps no draft.
        self.opened_as: LeadCommand | None = None

    @classmethod
    def for_lead(cls, meta: PortalMeta, lead: LeadFacts, *, now: datetime) -> Self:
        """How the app opens a command's modal (`CommandSpec.modal`): every modal is offered the same
        arguments and takes what it needs (a call's time, today for a deal's close date)."""
        return cls(meta, lead)

    def prefill(self, command: LeadCommand) -> None:
        """Fill the mounted fields with what the rep typed before ("edit and retry"); subclasses fill
        their own fields after this one's note."""
        if self.query("#note"):
            self.query_one("#note", TextArea).load_text(command.typed)

    def draft(self) -> LeadCommand | None:
        """The command as the fields stand, unchecked, kept by the app when the rep cancels so that
        nothing typed is lost; None for a modal that keeps no draft."""
        return None

    def edited_draft(self) -> LeadCommand | None:
        """The draft if the rep changed anything since the form opened, else None: an untouched form
        (a call's time as it was prefilled, the move offered after a call) leaves nothing to keep."""
        draft = self.draft()
        return draft if draft is not None and draft != self.opened_as else None

    # --- what subclasses provide ------------------------------------------------------------------

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError
        yield  # pragma: no cover

    def evaluate(self) -> ResultT:
        raise NotImplementedError

    def clock(self) -> datetime | None:
        """The "now" the lead process checks against (a call's time, a follow-up date); None = the
        real clock. A modal that shows times from its own `now` returns it, so what it shows and
        what it refuses agree."""
        return None

    # --- layout -----------------------------------------------------------------------------------

    def lead_line(self) -> Content:
        """Which lead this is for: name, stage and type, all shown literally."""
        lead = self.lead
        stage = self.meta.stage_label(lead.stage_id)
        lead_type = self.meta.option_label(self.meta.lead_types, lead.lead_type) or "type?"
        name = lead.name or f"lead {lead.id}"
        return literal(f"{name} · {stage} · {lead_type}")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = Content(self.HEADING)
            yield Static(self.lead_line(), id="lead-line")
            with FieldScroll(id="fields"):
                yield from self.compose_fields()
            yield Static(id="why")
            with Horizontal(id="buttons"):
                yield Button("Save", id="save", variant="primary", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.resume is not None:
            self.prefill(self.resume)
        self.opened_as = self.draft()
        self.revalidate()

    # --- checking ---------------------------------------------------------------------------------

    def checked(
        self,
        command: CommandT,
        probes: Iterable[CommandT] = (),
        input_errors: Iterable[str] = (),
    ) -> CommandT:
        """Run the lead process on `command`; on refusal, name everything that is missing.

        `check_command` stops at the first problem. `probes` are copies of `command` with every
        field but one filled with a harmless value, so their refusals name the other missing fields
        in the process's own words. `input_errors` (unreadable times, amounts…) come last.
        """
        messages: list[str] = []
        result: CommandT | None = None
        now = self.clock()
        try:
            checked = check_command(command, self.lead, self.meta, now=now)
            if not isinstance(checked, type(command)):  # pragma: no cover - check_command keeps the kind
                raise TypeError(f"check_command changed a {command.kind} into a {checked.kind}")
            result = checked
        except CommandRefused as refused:
            # The form's own dropdowns list the choices, so the short sentence says what is missing.
            messages.append(refused.short)
            for probe in probes:
                try:
                    check_command(probe, self.lead, self.meta, now=now)
                except CommandRefused as also:
                    messages.append(also.short)
        messages.extend(input_errors)
        unique = list(dict.fromkeys(m for m in messages if m))
        if unique or result is None:
            raise CommandRefused(" ".join(unique) or "This cannot be saved yet.")
        return result

    def revalidate(self) -> None:
        """Rebuild the result from the fields; enable Save only when the process accepts it."""
        try:
            self.result = self.evaluate()
            self.refusal = None
        except CommandRefused as refused:
            self.result = None
            self.refusal = str(refused)
        why = self.query_one("#why", Static)
        why.update(literal(self.refusal or "Ready to save."))
        why.set_class(self.refusal is None, "-ready")
        self.query_one("#save", Button).disabled = self.result is None

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(RadioSet.Changed)
    @on(Switch.Changed)
    def _field_changed(self) -> None:
        self.revalidate()

    # --- actions ----------------------------------------------------------------------------------

    def action_save(self) -> None:
        """Dismiss with the result when valid; otherwise keep the modal and its reason on screen."""
        self.revalidate()
        if self.result is not None:
            self.dismiss(self.result)
        else:
            self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _enter_in_a_line(self, event: Input.Submitted) -> None:
        """Enter in a one-line field saves, as in any form; an incomplete form stays open."""
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
