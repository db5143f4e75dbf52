"""Resolve one change that did not reach HubSpot: keep mine, take theirs, edit and retry, or discard.

Opened from the lead screen. What is offered depends on the change's state (see outbox.py):
a conflict → take theirs (cancel mine, its text kept as a note; focused: the safe choice), keep
mine (push over HubSpot's value) or edit and retry; failed or blocked → retry, or edit and retry
(the command's own modal, filled with what the rep typed, checked as if this change were not
there); any of them → discard, after a confirmation that defaults to no.
Nothing is deleted: a discarded change stays in the outbox as cancelled.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from leadboard.cache.outbox import Op
from leadboard.commands.base import Command
from leadboard.commands.registry import partial_push_words
from leadboard.screens.app_api import AppApi, app_api
from leadboard.screens.lead import op_summary, rep_calendar
from leadboard.state import PROP_DQ_NOTE, PROP_REASON, PROP_STAGE, PROP_TYPE, CommandRefused, PortalMeta
from leadboard.text import clean_untrusted

__all__ = ["OpScreen", "conflict_lines"]


def _value_label(meta: PortalMeta, prop: str, value: str | None) -> str:
    if value in (None, ""):
        return "(empty)"
    if prop == PROP_STAGE:
        return meta.stage_label(value)
    if prop == PROP_TYPE:
        return meta.option_label(meta.lead_types, value) or value
    if prop == PROP_REASON:
        return meta.option_label(meta.disqualification_reasons, value) or value
    return str(value)


_PROP_WORDS = {PROP_STAGE: "Stage", PROP_TYPE: "Lead type", PROP_REASON: "Reason", PROP_DQ_NOTE: "DQ note"}


def conflict_lines(op: Op, meta: PortalMeta) -> Text:
    """Each conflicting property: what the rep saw, what they set, what HubSpot has now."""
    text = Text(end="")
    for prop, sides in (op.conflict or {}).items():
        name = _PROP_WORDS.get(prop, prop)
        text.append(f"{name}\n", style="bold")
        for side, words in (("base", "you saw"), ("mine", "you set"), ("theirs", "HubSpot has")):
            text.append(f"  {words:<12}", style="dim")
            text.append(clean_untrusted(_value_label(meta, prop, sides.get(side))).replace("\n", " ") + "\n")
    return text


class OpScreen(ModalScreen[None]):
    """One change: its state, last error and text, and the ways to resolve it."""

    DEFAULT_CSS = """
    OpScreen { align: center middle; }
    OpScreen > #op-dialog {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning 70%; background: $surface; padding: 0 1;
    }
    OpScreen #op-body { height: auto; max-height: 20; }
    OpScreen #op-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    OpScreen #op-buttons Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="op-close", tooltip="Close without changing anything"),
    ]

    def __init__(self, op: Op, meta: PortalMeta) -> None:
        super().__init__()
        self.op = op
        self.meta = meta

    @property
    def lb_app(self) -> AppApi:
        return app_api(self.app)

    def compose(self) -> ComposeResult:
        op = self.op
        with Vertical(id="op-dialog") as dialog:
            dialog.border_title = Content("A change that is not in HubSpot")
            with VerticalScroll(id="op-body"):
                yield Static(op_summary(op, self.meta, rep_calendar(self.lb_app)), id="op-summary")
                if op.state == "conflict":
                    yield Static(conflict_lines(op, self.meta), id="op-conflict")
            with Horizontal(id="op-buttons"):
                if op.state == "conflict":
                    # the safe choice first, focused: HubSpot's value stays, the rep's text is kept
                    yield Button("Take theirs", id="take-theirs", variant="primary")
                    yield Button("Keep mine", id="keep-mine")
                    yield Button("Edit and retry", id="edit")
                if op.state in ("failed", "blocked"):
                    yield Button("Retry", id="retry", variant="primary")
                    yield Button("Edit and retry", id="edit")
                if op.state in ("pending", "failed", "conflict", "blocked"):
                    yield Button("Discard", id="discard", variant="error")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        """The first button has the focus: the safe choice (take theirs, retry), never "Keep mine"
        or "Discard" by accident."""
        self.query_one("#op-buttons Button", Button).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "close":
            self.dismiss(None)
        elif button == "discard":
            self._confirm_discard()
        elif button == "edit":
            self._edit_and_retry()
        else:
            self._resolve(button)

    @work(group="resolve", exit_on_error=False)
    async def _resolve(self, how: str, command: Command | None = None) -> None:
        op_id = self.op.op_id

        def run(store: Any) -> Op:
            outbox = store.outbox
            if how == "keep-mine":
                return cast(Op, outbox.keep_mine(op_id))
            if how == "take-theirs":
                return cast(Op, outbox.take_theirs(op_id))
            if how == "discard":
                return cast(Op, outbox.discard(op_id))
            return cast(Op, outbox.retry(op_id, command))

        try:
            await self.lb_app.cache.read(run)
        except CommandRefused as refused:
            self.notify(str(refused), severity="error", timeout=30, markup=False)
            return
        words = {
            "keep-mine": "Keeping your change; sending it again",
            "take-theirs": self._took_theirs_words(),
            "discard": "Discarded the change",
            "retry": "Sending it again",
        }
        self.notify(words.get(how, "Sending it again"), timeout=3, markup=False)
        self.lb_app.refresh_views(self.op.lead_id)
        if how in ("keep-mine", "take-theirs", "retry", "edit"):
            self.lb_app.start_sync("push")
        self.dismiss(None)

    def _took_theirs_words(self) -> str:
        if clean_untrusted(self.op.command.typed).strip():
            return "Took HubSpot's value; what you wrote is kept as a note on the lead"
        return "Took HubSpot's value; your change is cancelled"

    def _confirm_discard(self) -> None:
        """Ask first; "Keep it" has the focus. A callback, not a waiting worker: nothing hangs on it."""
        from leadboard.screens.confirm import ConfirmModal

        typed = self.op.command.typed
        message = "This change will not be sent to HubSpot."
        if reached := partial_push_words(self.op.command.push_steps(), self.op.step):
            message = (
                f"The rest of this change will not be sent to HubSpot. {reached} What is in HubSpot stays."
            )
        if typed:
            message += f" What you typed will no longer be sent:\n\n{typed[:300]}"
        self.app.push_screen(
            ConfirmModal("Discard this change?", message, yes="Discard", no="Keep it"),
            callback=self._discard_answered,
        )

    def _discard_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            self._resolve("discard")

    @work(group="resolve", exit_on_error=False)
    async def _edit_and_retry(self) -> None:
        op = self.op
        lead = await self.lb_app.cache.read(lambda store: store.outbox.lead_for_edit(op.op_id))
        if lead is None:
            self.notify("This lead is no longer in the cache.", severity="error", markup=False)
            return
        modal = self.lb_app.command_modal(op.command.spec.kind, lead)
        await self.app.push_screen(modal, callback=self._edited)
        modal.prefill(op.command)
        revalidate = getattr(modal, "revalidate", None)
        if revalidate is not None:
            revalidate()

    def _edited(self, result: Any) -> None:
        from leadboard.screens.log_call import LoggedCall

        if result is None:
            return
        command = result.command if isinstance(result, LoggedCall) else result
        self._resolve("edit", command)
