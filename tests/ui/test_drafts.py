"""What a rep typed in a form survives cancel (#13 item 2): every form keeps a draft per lead and kind.

Each form is filled only part way (so it cannot be saved yet), cancelled, and opened again on the same
lead: what was typed is back. Completing and saving it queues one change and clears the draft, so
the next form of that kind opens as new. Qualify and Note are covered in test_qualify_type.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, RadioSet, Select, TextArea

from leadboard.app import LeadboardApp
from leadboard.cache.store import Store
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.screens.board import BoardScreen
from leadboard.screens.command_modal import CommandModal, select_text
from leadboard.screens.move_stage import MoveStageModal
from leadboard.state import CONNECTED_DISPOSITION_ID
from tests.cache_fixtures import NO_ANSWER
from tests.ui.board_support import board_app, fill_cache, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
LEAD = "2"
#: The disqualify form checks against the real clock: a day well inside the allowed window.
FOLLOW_UP = (date.today() + timedelta(days=60)).isoformat()  # fill_cache's lead 2: Attempting, type Upsell


async def open_form(app: LeadboardApp, pilot: Pilot[int], key: str) -> CommandModal[object]:
    board = app.screen_stack[0]
    assert isinstance(board, BoardScreen) and board.select_lead(LEAD)
    await pilot.press(key)
    await settle(app, pilot)
    modal = app.screen
    assert isinstance(modal, CommandModal)
    return modal


async def type_note(app: LeadboardApp, pilot: Pilot[int], modal: CommandModal[object], text: str) -> None:
    modal.query_one("#note", TextArea).focus()
    await pilot.press(*text)
    await settle(app, pilot)


async def cancel(app: LeadboardApp, pilot: Pilot[int]) -> None:
    await pilot.press("escape")
    await settle(app, pilot)
    assert isinstance(app.screen, BoardScreen)


async def save(app: LeadboardApp, pilot: Pilot[int], modal: CommandModal[object]) -> None:
    await settle(app, pilot)
    assert not modal.refusal, modal.refusal
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    if isinstance(app.screen, MoveStageModal):  # the move offered after a call: not this test's
        await cancel(app, pilot)
    assert isinstance(app.screen, BoardScreen)


def queued(db: Path) -> list[object]:
    with Store.open(db) as store:
        return [op.command for op in store.outbox.ops(lead_id=LEAD)]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "board.sqlite"
    fill_cache(path).close()
    return path


@SIZES
async def test_a_call_typed_without_an_outcome_comes_back_and_saving_clears_it(
    db: Path, size: tuple[int, int]
) -> None:
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        modal = await open_form(app, pilot, "c")
        modal.query_one("#duration", Input).value = "7"
        modal.query_one("#time", Input).value = "09:30"
        await type_note(app, pilot, modal, "Rang twice")
        await pilot.press("ctrl+s")  # no outcome yet: the form stays, and says so
        await settle(app, pilot)
        assert app.screen is modal and "needs an outcome" in (modal.refusal or "")
        await cancel(app, pilot)

        modal = await open_form(app, pilot, "c")
        assert modal.query_one("#note", TextArea).text == "Rang twice"
        assert modal.query_one("#duration", Input).value == "7"
        assert modal.query_one("#time", Input).value.endswith("09:30")
        modal.query_one("#outcome", Select).value = NO_ANSWER
        await save(app, pilot, modal)
        [call] = queued(db)
        assert isinstance(call, LogCall)
        assert (call.note, call.outcome_id, call.duration_seconds) == ("Rang twice", NO_ANSWER, 420)

        modal = await open_form(app, pilot, "c")  # saved: the next call starts blank
        assert modal.query_one("#note", TextArea).text == ""
        assert modal.query_one("#duration", Input).value == ""
        assert select_text(modal.query_one("#outcome", Select)) == ""


@SIZES
async def test_a_move_typed_without_a_stage_comes_back_and_saving_clears_it(
    db: Path, size: tuple[int, int]
) -> None:
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        modal = await open_form(app, pilot, "m")
        await type_note(app, pilot, modal, "Asked to be called back")
        assert modal.refusal and "stage" in modal.refusal
        await cancel(app, pilot)

        modal = await open_form(app, pilot, "m")
        assert modal.query_one("#note", TextArea).text == "Asked to be called back"
        modal.query_one("#stage", Select).value = "connected-stage-id"
        await save(app, pilot, modal)
        assert queued(db) == [
            MoveStage(lead_id=LEAD, stage_id="connected-stage-id", note="Asked to be called back")
        ]

        modal = await open_form(app, pilot, "m")
        assert modal.query_one("#note", TextArea).text == ""


@SIZES
async def test_a_disqualify_without_a_note_keeps_its_reason_and_follow_up(
    db: Path, size: tuple[int, int]
) -> None:
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        modal = await open_form(app, pilot, "X")
        modal.query_one("#reason", Select).value = "BAD_TIMING"
        await settle(app, pilot)
        modal.query_one("#follow-up", Input).value = FOLLOW_UP
        await settle(app, pilot)
        assert modal.refusal and "note" in modal.refusal
        await cancel(app, pilot)

        modal = await open_form(app, pilot, "X")
        assert select_text(modal.query_one("#reason", Select)) == "BAD_TIMING"
        assert modal.query_one("#follow-up", Input).value == FOLLOW_UP
        await type_note(app, pilot, modal, "Budget next year")
        await save(app, pilot, modal)
        [dq] = queued(db)
        assert isinstance(dq, Disqualify)
        assert (dq.reason, dq.note, str(dq.follow_up)) == ("BAD_TIMING", "Budget next year", FOLLOW_UP)


@SIZES
async def test_a_lead_type_chosen_and_cancelled_is_chosen_again(db: Path, size: tuple[int, int]) -> None:
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        modal = await open_form(app, pilot, "t")
        radios = modal.query_one("#lead-type", RadioSet)
        assert radios.pressed_index == 1  # Upsell, the lead's type
        list(radios.query(RadioButton))[0].value = True  # New business
        await settle(app, pilot)
        assert radios.pressed_index == 0
        await cancel(app, pilot)

        modal = await open_form(app, pilot, "t")
        await settle(app, pilot)
        assert modal.query_one("#lead-type", RadioSet).pressed_index == 0
        await save(app, pilot, modal)
        assert queued(db) == [SetLeadType(lead_id=LEAD, lead_type="NEW_BUSINESS")]
        assert app.drafts == {}


async def test_the_move_offered_after_a_call_keeps_what_the_rep_added(db: Path) -> None:
    """Declining the move offered after a call, once edited, leaves it as the lead's move draft."""
    app = board_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        modal = await open_form(app, pilot, "c")
        modal.query_one("#outcome", Select).value = CONNECTED_DISPOSITION_ID
        await type_note(app, pilot, modal, "Picked up")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, MoveStageModal)  # Connected is offered, with the call's note
        app.screen.query_one("#note", TextArea).focus()
        await pilot.press("end", *" then hung up")
        await cancel(app, pilot)
        modal = await open_form(app, pilot, "m")
        assert modal.query_one("#note", TextArea).text == "Picked up then hung up"
