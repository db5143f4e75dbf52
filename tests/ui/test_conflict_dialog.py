"""The conflict dialog (#13 item 6): the safe choice has the focus, "Take theirs" keeps the rep's
note as a note on the lead, and "Edit and retry" resends an edited change over HubSpot's value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, OptionList, Select, TextArea

from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.move_stage import MoveStage
from leadboard.screens.board import BoardScreen
from leadboard.screens.move_stage import MoveStageModal
from leadboard.screens.ops import OpScreen
from tests.ui.board_support import board_app, conflicted_move, fill_cache, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
NOTE = "Picked up, asked to call back Thursday."


async def open_conflict(app: Any, pilot: Any) -> OpScreen:
    await settle(app, pilot)
    board = app.screen
    assert isinstance(board, BoardScreen) and board.select_lead("1")
    await pilot.press("enter")
    await settle(app, pilot)
    app.screen.query_one("#lead-ops", OptionList).focus()
    await pilot.press("enter")
    await settle(app, pilot)
    dialog = app.screen
    assert isinstance(dialog, OpScreen)
    return dialog


def conflict_cache(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "conflict.sqlite"
    fill_cache(db, 6).close()
    return db, conflicted_move(db, "1", note=NOTE)


@SIZES
async def test_take_theirs_has_the_focus_and_keeps_the_note(tmp_path: Path, size: tuple[int, int]) -> None:
    db, op_id = conflict_cache(tmp_path)
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        dialog = await open_conflict(app, pilot)
        focused = dialog.focused
        assert isinstance(focused, Button) and focused.id == "take-theirs"
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, OpScreen)
    with Store.open(db) as store:
        assert store.outbox.get(op_id).state == "cancelled"
        notes = [op for op in store.outbox.ops(lead_id="1") if op.kind == "add_note"]
    assert [(op.command, op.state) for op in notes] == [(AddNote(lead_id="1", text=NOTE), "pending")]


@SIZES
async def test_edit_and_retry_resends_the_edited_change(tmp_path: Path, size: tuple[int, int]) -> None:
    db, op_id = conflict_cache(tmp_path)
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        dialog = await open_conflict(app, pilot)
        edit = dialog.query_one("#edit", Button)
        edit.press()
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, MoveStageModal)
        assert modal.query_one("#note", TextArea).text == NOTE  # what the rep typed, to edit
        modal.query_one("#stage", Select).value = "connected-stage-id"
        modal.query_one("#note", TextArea).load_text("Call back Thursday, they are keen.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, (MoveStageModal, OpScreen))
    with Store.open(db) as store:
        op = store.outbox.get(op_id)
    assert op.state == "pending"
    assert op.command == MoveStage(
        lead_id="1", stage_id="connected-stage-id", note="Call back Thursday, they are keen."
    )
    assert op.base["hs_pipeline_stage"] == "connected-stage-id"  # HubSpot's value, now seen
