"""What each command modal looks like: one SVG snapshot per modal, plus disqualify refusing.

`snap_compare` runs the app itself, so these are plain (sync) tests. "Now" is fixed and cursors do
not blink, so the pictures only change when the modals (or Textual) do. Update them with
`pytest tests/ui/test_modal_snapshots.py --snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Select, TextArea

from leadboard.screens.add_note import AddNoteModal
from leadboard.screens.confirm import ConfirmModal
from leadboard.screens.disqualify import DisqualifyModal
from leadboard.screens.log_call import LogCallModal
from leadboard.screens.move_stage import MoveStageModal
from leadboard.screens.qualify import QualifyModal
from leadboard.screens.set_type import SetLeadTypeModal
from tests.ui.conftest import FIXED_NOW, HOSTILE_NAME, LeadRow, ModalHost, portal_meta, still_cursors

SnapCompare = Callable[..., bool]
META = portal_meta()


def host(factory: Callable[[], ModalScreen[Any]]) -> ModalHost:
    return ModalHost(factory)


async def settle(pilot: Pilot[None]) -> None:
    still_cursors(pilot.app)
    await pilot.pause()


def fill(**fields: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before that sets Select values and TextArea texts by id, then settles."""

    async def run_before(pilot: Pilot[None]) -> None:
        for widget_id, value in fields.items():
            widget = pilot.app.screen.query_one(f"#{widget_id}")
            if isinstance(widget, Select):
                widget.value = value
            elif isinstance(widget, TextArea):
                widget.text = value
        await settle(pilot)

    return run_before


def test_log_call_at_80x24(snap_compare: SnapCompare) -> None:
    app = host(lambda: LogCallModal(META, LeadRow(), now=FIXED_NOW))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_log_call_filled_at_160x50(snap_compare: SnapCompare) -> None:
    app = host(lambda: LogCallModal(META, LeadRow(), now=FIXED_NOW))
    filled = fill(outcome="73a0d17f-1163-4015-bdd5-ec830791da20", note="No answer, left no message.")
    assert snap_compare(app, terminal_size=(160, 50), run_before=filled)


def test_move_stage(snap_compare: SnapCompare) -> None:
    app = host(lambda: MoveStageModal(META, LeadRow(), stage_id="attempting-stage-id"))
    assert snap_compare(app, terminal_size=(100, 30), run_before=settle)


def test_add_note(snap_compare: SnapCompare) -> None:
    app = host(lambda: AddNoteModal(META, LeadRow()))
    assert snap_compare(app, terminal_size=(100, 30), run_before=fill(note="Asked for a demo on Tuesday."))


def test_set_type_with_hostile_labels(snap_compare: SnapCompare) -> None:
    app = host(lambda: SetLeadTypeModal(portal_meta(hostile=True), LeadRow(name=HOSTILE_NAME)))
    assert snap_compare(app, terminal_size=(100, 30), run_before=settle)


def test_qualify(snap_compare: SnapCompare) -> None:
    app = host(lambda: QualifyModal(META, LeadRow(), now=FIXED_NOW))
    assert snap_compare(app, terminal_size=(100, 40), run_before=fill(note="Budget approved."))


def test_disqualify_ready(snap_compare: SnapCompare) -> None:
    app = host(lambda: DisqualifyModal(META, LeadRow()))
    filled = fill(reason="BAD_TIMING", note="Revisit next quarter.")
    assert snap_compare(app, terminal_size=(100, 30), run_before=filled)


def test_disqualify_for_bad_timing_with_a_follow_up_in_three_months(snap_compare: SnapCompare) -> None:
    app = host(lambda: DisqualifyModal(META, LeadRow(), now=FIXED_NOW))
    filled = fill(reason="BAD_TIMING", note="Budget frozen until spring.")

    async def run_before(pilot: Pilot[None]) -> None:
        await filled(pilot)
        await pilot.click("#in-3-months")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_disqualify_refusing_a_blank_note(snap_compare: SnapCompare) -> None:
    app = host(lambda: DisqualifyModal(META, LeadRow()))
    assert snap_compare(app, terminal_size=(80, 24), run_before=fill(reason="NO_INTEREST", note="   "))


def test_confirm(snap_compare: SnapCompare) -> None:
    app = host(lambda: ConfirmModal("Discard change?", "Discard the note that failed to reach HubSpot?"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
