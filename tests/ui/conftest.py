"""A tiny host app for the command modals, and a portal that looks like the sandbox's defaults.

The host stands in for the board: it pushes one modal with a callback that collects what the modal
returns, and it has app-level single-letter command keys (like the real app's `r` and `?`) so tests
can show that letters typed in a modal never reach them (Textual stops non-priority bindings at a
modal screen; the tests hold it to that).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea

from leadboard.state import (
    CONNECTED_DISPOSITION_ID,
    Disposition,
    Option,
    PortalMeta,
    Stage,
)

#: "Now" for every modal under test: a Sunday afternoon in a UTC+1 zone, so nothing depends on the clock.
FIXED_NOW = datetime(2026, 11, 22, 15, 30, tzinfo=timezone(timedelta(hours=1)))

HOSTILE_NAME = "[@click=app.quit]Acme[/] [b]bold\x1b[31m red\x1b]8;;http://x\x07 \u202etxet"
HOSTILE_LABEL = "[b]Gone[/b] [@click=app.quit]quit\x1b[2J"


def portal_meta(*, hostile: bool = False) -> PortalMeta:
    """The sandbox portal's stages, types, reasons and outcomes (optionally with a hostile option)."""
    stages = (
        Stage(id="new-stage-id", label="New", display_order=0),
        Stage(id="attempting-stage-id", label="Attempting", display_order=1),
        Stage(id="connected-stage-id", label="Connected", display_order=2),
        Stage(id="qualified-stage-id", label="Qualified", display_order=3, closed=True),
        Stage(id="unqualified-stage-id", label="Disqualified", display_order=4, closed=True),
    )
    reasons = [
        Option(value="BAD_TIMING", label="Bad Timing", display_order=0),
        Option(value="BUDGET_CONSTRAINTS", label="Budget Constraints", display_order=1),
        Option(value="NOT_A_GOOD_FIT", label="Not a Good Fit", display_order=2),
        Option(value="NO_INTEREST", label="Not Interested", display_order=3),
        Option(value="OLD_REASON", label="Retired reason", display_order=4, hidden=True),
    ]
    dispositions = [
        Disposition(id="9d9162e7-6cf3-4944-bf63-4dff82258764", label="Busy"),
        Disposition(id=CONNECTED_DISPOSITION_ID, label="Connected"),
        Disposition(id="b2cf5968-551e-4856-9783-52b3da59a7d0", label="Left voicemail"),
        Disposition(id="73a0d17f-1163-4015-bdd5-ec830791da20", label="No answer"),
        Disposition(id="deleted-disposition", label="Deleted outcome", deleted=True),
    ]
    types = [
        Option(value="NEW_BUSINESS", label="New business", display_order=0),
        Option(value="UPSELL", label="Upsell", display_order=1),
        Option(value="RE_ATTEMPTING", label="Re-attempting", display_order=2),
    ]
    if hostile:
        reasons.insert(0, Option(value="HOSTILE", label=HOSTILE_LABEL, display_order=-1))
        dispositions.insert(0, Disposition(id="hostile-disposition", label=HOSTILE_LABEL))
        types.insert(0, Option(value="HOSTILE_TYPE", label=HOSTILE_LABEL, display_order=-1))
    return PortalMeta(
        stages=stages,
        lead_types=tuple(types),
        disqualification_reasons=tuple(reasons),
        dispositions=tuple(dispositions),
        owner_id="1001",
    )


@dataclass(frozen=True)
class LeadRow:
    """The four facts a modal reads about a lead (`state.LeadFacts`)."""

    id: str = "4001"
    name: str = "Dana Whitfield – Acme Corp"
    stage_id: str | None = "new-stage-id"
    lead_type: str | None = "NEW_BUSINESS"


ModalFactory = Callable[[], ModalScreen[Any]]


class ModalHost(App[None]):
    """Pushes one modal on mount and records every result it is dismissed with."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "board_key('x')", "Disqualify", id="test-disqualify"),
        Binding("c", "board_key('c')", "Log call", id="test-log-call"),
    ]

    def __init__(self, factory: ModalFactory) -> None:
        super().__init__()
        self.factory = factory
        self.results: list[Any] = []
        self.board_keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("the board would be here")

    def on_mount(self) -> None:
        self.push_screen(self.factory(), callback=self.results.append)

    def action_board_key(self, key: str) -> None:
        self.board_keys.append(key)


def still_cursors(app: App[Any]) -> None:
    """Stop cursor blink so snapshots do not depend on when they were taken."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False
    for button in app.screen.query(Button):
        button.active_effect_duration = 0


@pytest.fixture
def meta() -> PortalMeta:
    return portal_meta()


def screen_text(app: App[Any]) -> str:
    """What the terminal shows right now, as plain text lines (what a rep would read)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, color_system=None)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
