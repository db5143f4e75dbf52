"""Qualify on a lead with no type (#13 item 2): the form offers the type, and a draft survives cancel.

The form used to say "Cancel, then press t", and the note typed so far was gone when the rep came back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Select, Switch, TextArea

from leadboard.app import LeadboardApp
from leadboard.cache.store import Store
from leadboard.domain import PROP_OWNER, PROP_STAGE, PROP_TYPE
from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.board import BoardScreen
from leadboard.screens.qualify import QualifyModal
from tests.ui.board_support import board_app, fill_cache, sandbox, sandbox_app, settle, until_idle

__all__ = ["sandbox"]

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
UNTYPED = "1"  # fill_cache's lead 1, in New, has no lead type


async def open_qualify(app: LeadboardApp, pilot: Pilot[int], board: BoardScreen) -> QualifyModal:
    assert board.select_lead(UNTYPED)
    await pilot.press("Q")
    await settle(app, pilot)
    modal = app.screen
    assert isinstance(modal, QualifyModal)
    return modal


@SIZES
async def test_qualify_a_lead_with_no_type_sets_the_type_and_the_stage_once(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    db = tmp_path / "board.sqlite"
    fill_cache(db).close()
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        modal = await open_qualify(app, pilot, board)
        lead_type = modal.query_one("#lead-type", Select)
        assert app.focused is lead_type  # the missing field comes first
        await pilot.press("enter", "down", "enter")  # open the list and pick the first type
        await settle(app, pilot)
        assert lead_type.value == "NEW_BUSINESS"
        await pilot.press("tab")
        assert modal.query_one("#note", TextArea).has_focus
        for key in "Budget ok":
            await pilot.press("space" if key == " " else key)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert all(lead.id != UNTYPED for column in board.columns for lead in column.leads)
    with Store.open(db) as store:
        ops = store.outbox.ops(lead_id=UNTYPED)
        meta = store.portal_meta()
    assert len(ops) == 1, ops
    assert ops[0].changes == {PROP_STAGE: meta.qualified_stage_id, PROP_TYPE: "NEW_BUSINESS"}
    label = meta.option_label(meta.lead_types, "NEW_BUSINESS")
    assert ops[0].command.describe(meta).startswith(f"qualify as {label} (deal: ")


@SIZES
async def test_the_note_survives_cancel_and_reopen(tmp_path: Path, size: tuple[int, int]) -> None:
    db = tmp_path / "board.sqlite"
    fill_cache(db).close()
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        modal = await open_qualify(app, pilot, board)
        modal.query_one("#note", TextArea).focus()
        for key in "Wants a demo":
            await pilot.press("space" if key == " " else key)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        modal = await open_qualify(app, pilot, board)
        assert modal.query_one("#note", TextArea).text == "Wants a demo"
    with Store.open(db) as store:
        assert store.outbox.ops(lead_id=UNTYPED) == []


async def test_qualify_with_the_type_reaches_the_sandbox_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """Through the real sync to the sandbox over HTTP: one PATCH writes the type and the stage."""
    rep = sandbox.portal.rep_owner_id
    lead_id = next(
        o["id"]
        for o in sandbox.portal.objects("leads")
        if o["properties"].get(PROP_OWNER) == rep
        and o["properties"].get(PROP_STAGE) not in ("qualified-stage-id", "unqualified-stage-id")
    )
    sandbox.portal.remote_edit("leads", lead_id, {PROP_TYPE: ""})
    app = sandbox_app(sandbox, tmp_path / "cache.sqlite")
    async with app.run_test(size=(160, 50)) as pilot:
        await until_idle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert board.select_lead(lead_id)
        sandbox.clear_request_log()
        await pilot.press("Q")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, QualifyModal)
        modal.query_one("#lead-type", Select).value = "UPSELL"
        modal.query_one("#with-deal", Switch).value = False
        modal.query_one("#note", TextArea).focus()
        await pilot.press(*"Signed up")
        await pilot.press("ctrl+s")
        await until_idle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert all(lead.id != lead_id for column in board.columns for lead in column.leads)
    patches = [
        r for r in sandbox.request_log() if r.method == "PATCH" and r.path.endswith(f"/leads/{lead_id}")
    ]
    assert len(patches) == 1
    remote = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead_id)["properties"]
    assert remote[PROP_TYPE] == "UPSELL"
    assert remote[PROP_STAGE] == "qualified-stage-id"
