"""The command modals, driven by keyboard and mouse in a real Textual app (run_test + Pilot).

Each modal is pushed by a tiny host app whose callback collects the typed result. The refusals are
the lead process's own (`state.check_command`); these tests check the modal shows them, keeps Save
disabled and queues nothing, at 80x24 and at 160x50.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioSet, Select, Static, Switch, TextArea

from leadboard.commands.add_note import AddNote
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.screens.add_note import AddNoteModal
from leadboard.screens.command_modal import CommandModal
from leadboard.screens.confirm import ConfirmModal
from leadboard.screens.disqualify import DisqualifyModal
from leadboard.screens.log_call import LogCallModal, LoggedCall
from leadboard.screens.move_stage import MoveStageModal
from leadboard.screens.qualify import QualifyModal
from leadboard.screens.set_type import SetLeadTypeModal
from leadboard.state import CONNECTED_DISPOSITION_ID, CommandRefused, PortalMeta
from leadboard.typed_input import (
    add_months,
    parse_amount,
    parse_call_time,
    parse_close_date,
    parse_follow_up,
    parse_minutes,
)
from tests.ui.conftest import (
    FIXED_NOW,
    HOSTILE_NAME,
    LeadRow,
    ModalHost,
    portal_meta,
    screen_text,
    still_cursors,
)

SMALL = (80, 24)
LARGE = (160, 50)
BOTH_SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x50"])
NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"


@asynccontextmanager
async def opened(
    factory: Callable[[], ModalScreen[Any]], size: tuple[int, int] = SMALL
) -> AsyncIterator[tuple[ModalHost, Pilot[None]]]:
    """Run the host with the modal pushed and ready for keys."""
    app = ModalHost(factory)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        still_cursors(app)
        yield app, pilot


def modal(app: ModalHost) -> CommandModal[Any]:
    screen = app.screen
    assert isinstance(screen, CommandModal), f"expected a command modal on top, got {screen!r}"
    return screen


def why(app: ModalHost) -> str:
    return str(modal(app).query_one("#why", Static).content)


def save_disabled(app: ModalHost) -> bool:
    return modal(app).query_one("#save", Button).disabled


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def assert_refused_and_kept(app: ModalHost, pilot: Pilot[None], *missing: str) -> None:
    """Save is disabled, the inline line names each missing thing, and ctrl+s changes nothing."""
    assert save_disabled(app)
    line = why(app)
    for words in missing:
        assert words in line, f"{words!r} not in the inline reason {line!r}"
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, CommandModal), "ctrl+s closed a modal that cannot be saved"
    assert app.results == []
    assert why(app) == line


# --- parsing what the rep typed (pure) ----------------------------------------------------------------


def test_call_time_reads_clock_and_full_stamps_in_the_reps_zone() -> None:
    assert parse_call_time("14:05", FIXED_NOW) == FIXED_NOW.replace(hour=14, minute=5, second=0)
    assert parse_call_time(" 2026-11-21 09:15 ", FIXED_NOW) == datetime(
        2026, 11, 21, 9, 15, tzinfo=FIXED_NOW.tzinfo
    )
    assert parse_call_time("2026-11-21T09:15", FIXED_NOW).hour == 9
    assert parse_call_time("", FIXED_NOW) == FIXED_NOW


@pytest.mark.parametrize("typed", ["25:00", "14:5", "yesterday", "2026-02-30 10:00", "14h05"])
def test_unreadable_call_times_are_refused_with_the_shapes_it_takes(typed: str) -> None:
    with pytest.raises(CommandRefused, match="14:05 for today"):
        parse_call_time(typed, FIXED_NOW)


def test_a_call_time_in_the_future_is_read_as_written_for_the_process_to_refuse() -> None:
    assert parse_call_time("23:00", FIXED_NOW) == FIXED_NOW.replace(hour=23, minute=0, second=0)


def test_follow_up_dates_and_month_steps() -> None:
    assert parse_follow_up(" 2027-02-28 ") == date(2027, 2, 28)
    assert parse_follow_up("  ") is None
    for typed in ("2027-02-30", "next month", "27-02-01"):
        with pytest.raises(CommandRefused, match="is not a date: write it as YYYY-MM-DD"):
            parse_follow_up(typed)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 22), 1) == date(2026, 12, 22)


def test_amounts_dates_and_minutes() -> None:
    assert parse_amount("12,000.50") == 12000.5
    assert parse_amount("  ") is None
    assert parse_amount("-5") == -5.0  # negative is check_command's refusal, not a parse error
    with pytest.raises(CommandRefused, match="not an amount"):
        parse_amount("12k")
    assert parse_close_date("2026-12-31") == date(2026, 12, 31)
    with pytest.raises(CommandRefused, match="YYYY-MM-DD"):
        parse_close_date("31/12/2026")
    with pytest.raises(CommandRefused, match="close date"):
        parse_close_date("")
    assert parse_minutes("7") == 420
    assert parse_minutes("") == 0


# --- log call -----------------------------------------------------------------------------------------


@BOTH_SIZES
async def test_log_call_by_keyboard_returns_the_call_and_the_suggested_move(
    meta: PortalMeta, size: tuple[int, int]
) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW), size) as (app, pilot):
        assert app.focused is modal(app).query_one("#outcome")
        await pilot.press("enter", "c", "enter")  # open the outcomes, type "c" to find Connected, choose
        await pilot.press("tab", "tab")  # direction stays Outbound
        await type_text(pilot, "7")
        await pilot.press("tab")
        await type_text(pilot, "14:05")  # replaces the prefilled time (select on focus)
        await pilot.press("tab")
        await type_text(pilot, "Spoke")
        assert not save_disabled(app), why(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert isinstance(result, LoggedCall)
    assert result.command == LogCall(
        lead_id="4001",
        outcome_id=CONNECTED_DISPOSITION_ID,
        note="Spoke",
        direction="OUTBOUND",
        duration_seconds=420,
        at=FIXED_NOW.replace(hour=14, minute=5, second=0),
    )
    assert result.suggested_stage is not None and result.suggested_stage.id == "connected-stage-id"


async def test_log_call_save_button_with_inbound_default_time_and_no_duration(meta: PortalMeta) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        screen = modal(app)
        screen.query_one("#outcome", Select).value = NO_ANSWER
        screen.query_one("#direction", Select).value = "INBOUND"
        screen.query_one("#note", TextArea).text = "Rang back, no answer"
        await pilot.pause()
        assert await pilot.click("#save")
        await pilot.pause()
    [result] = app.results
    assert result.command.direction == "INBOUND"
    assert result.command.duration_seconds == 0
    assert result.command.at == FIXED_NOW
    assert result.command.outcome_id == NO_ANSWER
    # A lead in New that got no answer: the process suggests Attempting.
    assert result.suggested_stage is not None and result.suggested_stage.id == "attempting-stage-id"


@BOTH_SIZES
async def test_log_call_without_outcome_cannot_be_saved(meta: PortalMeta, size: tuple[int, int]) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW), size) as (app, pilot):
        modal(app).query_one("#note", TextArea).text = "hello"
        await pilot.pause()
        await assert_refused_and_kept(app, pilot, "needs an outcome")
        assert "Busy" not in why(app), "the outcome dropdown lists the choices; the line need not repeat them"
        assert "needs a note" not in why(app)
        assert "Deleted outcome" not in why(app)


async def test_log_call_with_unreadable_time_says_so_and_stays_disabled(meta: PortalMeta) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        screen = modal(app)
        screen.query_one("#outcome", Select).value = NO_ANSWER
        screen.query_one("#note", TextArea).text = "no answer"
        await pilot.pause()
        assert not save_disabled(app)
        screen.query_one("#time", Input).focus()
        await type_text(pilot, "2pm")
        await assert_refused_and_kept(app, pilot, "'2pm' is not a time", "14:05")


async def test_log_call_refuses_a_time_ahead_of_its_clock_in_the_process_words(meta: PortalMeta) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        screen = modal(app)
        screen.query_one("#time", Input).value = "15:36"
        await pilot.pause()
        # The outcome and note are missing too: all three are named at once.
        await assert_refused_and_kept(
            app, pilot, "needs an outcome", "needs a note", "The call time 2026-11-22 15:36 is in the future"
        )
        screen.query_one("#time", Input).value = "15:35"  # within five minutes: a clock a bit behind
        screen.query_one("#outcome", Select).value = NO_ANSWER
        screen.query_one("#note", TextArea).text = "no answer"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result.command.at == FIXED_NOW.replace(minute=35, second=0)


async def test_enter_in_a_one_line_field_saves_a_complete_form(meta: PortalMeta) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        modal(app).query_one("#duration", Input).focus()
        await pilot.press("3", "enter")  # incomplete: stays open
        await pilot.pause()
        assert isinstance(app.screen, LogCallModal) and app.results == []
        modal(app).query_one("#outcome", Select).value = NO_ANSWER
        modal(app).query_one("#note", TextArea).text = "n"
        await pilot.press("enter")
        await pilot.pause()
    [result] = app.results
    assert result.command.duration_seconds == 180


async def test_log_call_names_both_missing_fields_and_duration_takes_digits_only(meta: PortalMeta) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        assert "needs an outcome" in why(app) and "needs a note" in why(app)
        modal(app).query_one("#duration", Input).focus()
        await type_text(pilot, "5m")
        assert modal(app).query_one("#duration", Input).value == "5"


# --- move stage ---------------------------------------------------------------------------------------


async def test_move_stage_by_keyboard_offers_only_other_open_stages(meta: PortalMeta) -> None:
    lead = LeadRow(stage_id="attempting-stage-id")
    async with opened(lambda: MoveStageModal(meta, lead)) as (app, pilot):
        stage_select = modal(app).query_one("#stage", Select)
        offered = [value for _, value in stage_select._options if value != Select.NULL]
        assert offered == ["new-stage-id", "connected-stage-id"]
        await pilot.press("enter", "down", "down", "enter", "tab")
        await type_text(pilot, "Met")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [MoveStage(lead_id="4001", stage_id="connected-stage-id", note="Met")]


@BOTH_SIZES
async def test_move_without_a_note_cannot_be_saved(meta: PortalMeta, size: tuple[int, int]) -> None:
    async with opened(lambda: MoveStageModal(meta, LeadRow(), stage_id="attempting-stage-id"), size) as (
        app,
        pilot,
    ):
        await pilot.press("tab", "space", "space", "enter")  # whitespace only
        await assert_refused_and_kept(app, pilot, "needs a note")


async def test_move_without_a_stage_lists_only_the_stages_it_can_go_to(meta: PortalMeta) -> None:
    lead = LeadRow(stage_id="attempting-stage-id")
    async with opened(lambda: MoveStageModal(meta, lead)) as (app, pilot):
        modal(app).query_one("#note", TextArea).text = "Spoke to the assistant"
        await pilot.pause()
        await assert_refused_and_kept(app, pilot, "Choose a stage.")
        assert "Qualified" not in why(app) and "Disqualified" not in why(app)


async def test_move_after_a_call_is_prefilled_with_the_calls_note_and_saved_with_the_button(
    meta: PortalMeta,
) -> None:
    lead = LeadRow()
    call = LogCall(lead_id=lead.id, outcome_id=NO_ANSWER, note="Rang twice, no pick-up", at=FIXED_NOW)
    logged = LoggedCall(command=call, suggested_stage=meta.stage("attempting-stage-id"))
    async with opened(lambda: MoveStageModal.after_call(meta, lead, logged)) as (app, pilot):
        assert modal(app).query_one("#stage", Select).value == "attempting-stage-id"
        assert modal(app).query_one("#note", TextArea).text == "Rang twice, no pick-up"
        assert "Call logged" not in screen_text(app)
        assert not save_disabled(app), why(app)
        await pilot.click("#save")
        await pilot.pause()
    assert app.results == [
        MoveStage(lead_id="4001", stage_id="attempting-stage-id", note="Rang twice, no pick-up")
    ]


# --- add note -----------------------------------------------------------------------------------------


async def test_add_note_keeps_markup_as_typed_and_saves_with_ctrl_s_or_the_button(meta: PortalMeta) -> None:
    async with opened(lambda: AddNoteModal(meta, LeadRow())) as (app, pilot):
        assert save_disabled(app)
        await type_text(pilot, "[b]x")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [AddNote(lead_id="4001", text="[b]x")]

    async with opened(lambda: AddNoteModal(meta, LeadRow())) as (app, pilot):
        await type_text(pilot, "hi")
        await pilot.click("#save")
        await pilot.pause()
    assert app.results == [AddNote(lead_id="4001", text="hi")]


# --- set lead type ------------------------------------------------------------------------------------


async def test_set_type_preselects_the_current_type_and_saves_another(meta: PortalMeta) -> None:
    async with opened(lambda: SetLeadTypeModal(meta, LeadRow(lead_type="NEW_BUSINESS"))) as (app, pilot):
        radios = modal(app).query_one("#lead-type", RadioSet)
        assert app.focused is radios
        assert radios.pressed_index == 0
        await pilot.press("ctrl+s")  # unchanged: nothing to save
        await assert_refused_and_kept(app, pilot, "is New business now")
        await pilot.press("down", "enter", "ctrl+s")
        await pilot.pause()
    assert app.results == [SetLeadType(lead_id="4001", lead_type="UPSELL")]


async def test_set_type_on_an_untyped_lead_with_the_button(meta: PortalMeta) -> None:
    async with opened(lambda: SetLeadTypeModal(meta, LeadRow(lead_type=None))) as (app, pilot):
        assert modal(app).query_one("#lead-type", RadioSet).pressed_index == -1
        assert "Choose a lead type" in why(app)
        await pilot.press("enter")  # the first option is highlighted: press it
        await pilot.click("#save")
        await pilot.pause()
    assert app.results == [SetLeadType(lead_id="4001", lead_type="NEW_BUSINESS")]


# --- qualify ------------------------------------------------------------------------------------------


async def test_qualify_by_keyboard_with_a_prefilled_deal_at_80x24(meta: PortalMeta) -> None:
    async with opened(lambda: QualifyModal(meta, LeadRow(), now=FIXED_NOW), SMALL) as (app, pilot):
        assert app.focused is modal(app).query_one("#note")
        await type_text(pilot, "Fit")
        await pilot.press("tab", "tab", "tab")  # switch, deal name (kept), amount
        assert app.focused is modal(app).query_one("#amount")
        await type_text(pilot, "9,500")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [
        Qualify(
            lead_id="4001",
            note="Fit",
            deal=Deal(name="Dana Whitfield – Acme Corp", amount=9500.0, close_date=date(2026, 12, 22)),
        )
    ]


async def test_qualify_with_no_deal_hides_the_deal_and_saves_with_the_button(meta: PortalMeta) -> None:
    async with opened(lambda: QualifyModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        await type_text(pilot, "ok")
        await pilot.press("tab", "space")
        assert modal(app).query_one("#with-deal", Switch).value is False
        assert not modal(app).query_one("#deal").display
        await pilot.press("tab")  # the hidden deal fields are skipped: next stop is Save
        assert app.focused is modal(app).query_one("#save")
        await pilot.click("#save")
        await pilot.pause()
    assert app.results == [Qualify(lead_id="4001", note="ok", deal=None)]


async def test_qualify_a_lead_without_a_type_asks_for_it_in_the_form(meta: PortalMeta) -> None:
    async with opened(lambda: QualifyModal(meta, LeadRow(lead_type=None), now=FIXED_NOW), SMALL) as (
        app,
        pilot,
    ):
        assert app.focused is modal(app).query_one("#lead-type", Select)
        modal(app).query_one("#note", TextArea).focus()
        await type_text(pilot, "ok")
        await assert_refused_and_kept(app, pilot, "needs a lead type")
        modal(app).query_one("#lead-type", Select).value = "UPSELL"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [
        Qualify(
            lead_id="4001",
            note="ok",
            deal=Deal(name="Dana Whitfield – Acme Corp", close_date=date(2026, 12, 22)),
            lead_type="UPSELL",
        )
    ]


async def test_qualify_with_a_bad_deal_field_is_refused(meta: PortalMeta) -> None:
    async with opened(lambda: QualifyModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        await type_text(pilot, "ok")
        assert not save_disabled(app)
        for field, typed, missing in [
            ("#amount", "lots", "'lots' is not an amount"),
            ("#amount", "-5", "cannot be negative"),
            ("#close-date", "soon", "YYYY-MM-DD"),
            ("#deal-name", " ", "needs a deal name"),
        ]:
            box = modal(app).query_one(field, Input)
            kept = box.value
            box.focus()
            await pilot.pause()
            await type_text(pilot, typed)  # replaces the whole value (select on focus)
            await assert_refused_and_kept(app, pilot, missing)
            box.value = kept
            await pilot.pause()
            assert not save_disabled(app), why(app)


# --- disqualify ---------------------------------------------------------------------------------------


@BOTH_SIZES
async def test_disqualify_by_keyboard_stores_the_reason_value(
    meta: PortalMeta, size: tuple[int, int]
) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow()), size) as (app, pilot):
        assert app.focused is modal(app).query_one("#reason")
        await pilot.press("enter", "n", "o", "t", "space", "i", "enter", "tab")  # "Not Interested"
        await type_text(pilot, "No need")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [Disqualify(lead_id="4001", reason="NO_INTEREST", note="No need")]


async def test_disqualify_with_the_save_button(meta: PortalMeta) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow())) as (app, pilot):
        modal(app).query_one("#reason", Select).value = "BAD_TIMING"
        modal(app).query_one("#note", TextArea).text = "  Next quarter  "
        await pilot.pause()
        await pilot.click("#save")
        await pilot.pause()
    assert app.results == [Disqualify(lead_id="4001", reason="BAD_TIMING", note="Next quarter")]


@BOTH_SIZES
async def test_disqualify_without_a_reason_cannot_be_saved(meta: PortalMeta, size: tuple[int, int]) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow()), size) as (app, pilot):
        # Nothing filled in: the line names both missing parts, and no hidden reason is offered.
        await assert_refused_and_kept(app, pilot, "needs a reason", "needs a note")
        assert "Retired reason" not in why(app)
        assert "choose one of" not in why(app), "the reason dropdown already lists the portal's reasons"
        modal(app).query_one("#note", TextArea).text = "Nope"
        await pilot.pause()
        await assert_refused_and_kept(app, pilot, "needs a reason")
        assert "needs a note" not in why(app)


@BOTH_SIZES
async def test_disqualify_with_a_blank_note_cannot_be_saved(meta: PortalMeta, size: tuple[int, int]) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow()), size) as (app, pilot):
        await pilot.press("enter", "b", "enter", "tab", "space", "enter", "space")
        assert modal(app).query_one("#reason", Select).value == "BAD_TIMING"
        await assert_refused_and_kept(app, pilot, "needs a note")
        assert "needs a reason" not in why(app)


def follow_up_shown(app: ModalHost) -> bool:
    return modal(app).query_one("#follow-up-row").display


@BOTH_SIZES
async def test_a_timing_reason_offers_a_follow_up_date_filled_by_a_quick_choice(
    meta: PortalMeta, size: tuple[int, int]
) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow(), now=FIXED_NOW), size) as (app, pilot):
        assert not follow_up_shown(app)  # nothing chosen yet
        await pilot.press("enter", "b", "a", "d", "enter")  # "Bad Timing"
        await pilot.pause()
        assert follow_up_shown(app)
        await pilot.press("tab")
        await type_text(pilot, "Back from leave in February")
        await pilot.press("tab", "tab", "tab", "enter")  # note → date → "1 month" → "3 months"
        await pilot.pause()
        assert modal(app).query_one("#follow-up", Input).value == "2027-02-22"
        assert not save_disabled(app), why(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [
        Disqualify(
            lead_id="4001",
            reason="BAD_TIMING",
            note="Back from leave in February",
            follow_up=date(2027, 2, 22),
        )
    ]


async def test_a_timing_reason_with_the_date_left_blank_means_no_follow_up(meta: PortalMeta) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        modal(app).query_one("#reason", Select).value = "BAD_TIMING"
        modal(app).query_one("#note", TextArea).text = "Not this year"
        await pilot.pause()
        assert follow_up_shown(app) and modal(app).query_one("#follow-up", Input).value == ""
        await pilot.click("#save")
        await pilot.pause()
    assert app.results == [Disqualify(lead_id="4001", reason="BAD_TIMING", note="Not this year")]


async def test_a_follow_up_date_today_or_unreadable_is_refused(meta: PortalMeta) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        screen = modal(app)
        screen.query_one("#reason", Select).value = "BAD_TIMING"
        screen.query_one("#note", TextArea).text = "Later"
        screen.query_one("#follow-up", Input).value = "2026-11-22"
        await pilot.pause()
        await assert_refused_and_kept(
            app, pilot, "The follow-up date 2026-11-22 is not in the future", "choose a day after 2026-11-22"
        )
        screen.query_one("#follow-up", Input).value = "22/02/2027"
        await pilot.pause()
        await assert_refused_and_kept(app, pilot, "'22/02/2027' is not a date: write it as YYYY-MM-DD")


async def test_another_reason_hides_the_follow_up_and_sends_none(meta: PortalMeta) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow(), now=FIXED_NOW), LARGE) as (app, pilot):
        screen = modal(app)
        screen.query_one("#reason", Select).value = "BAD_TIMING"
        await pilot.pause()
        await pilot.click("#in-6-months")
        await pilot.pause()
        assert screen.query_one("#follow-up", Input).value == "2027-05-22"
        screen.query_one("#reason", Select).value = "NOT_A_GOOD_FIT"
        screen.query_one("#note", TextArea).text = "Wrong industry"
        await pilot.pause()
        assert not follow_up_shown(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [Disqualify(lead_id="4001", reason="NOT_A_GOOD_FIT", note="Wrong industry")]


async def test_closed_lead_is_refused_in_the_process_words(meta: PortalMeta) -> None:
    lead = LeadRow(stage_id="unqualified-stage-id")
    async with opened(lambda: DisqualifyModal(meta, lead)) as (app, pilot):
        await assert_refused_and_kept(app, pilot, "is closed (Disqualified)")


# --- escape, keys, focus ------------------------------------------------------------------------------


MODALS: dict[str, Callable[[PortalMeta], ModalScreen[Any]]] = {
    "log-call": lambda m: LogCallModal(m, LeadRow(), now=FIXED_NOW),
    "move-stage": lambda m: MoveStageModal(m, LeadRow(), stage_id="attempting-stage-id", note="x"),
    "add-note": lambda m: AddNoteModal(m, LeadRow()),
    "set-type": lambda m: SetLeadTypeModal(m, LeadRow(lead_type=None)),
    "qualify": lambda m: QualifyModal(m, LeadRow(), now=FIXED_NOW),
    "disqualify": lambda m: DisqualifyModal(m, LeadRow()),
}


@pytest.mark.parametrize("name", list(MODALS))
async def test_escape_cancels_with_none_even_after_typing(meta: PortalMeta, name: str) -> None:
    async with opened(lambda: MODALS[name](meta)) as (app, pilot):
        await pilot.press("a", "x", "c")
        assert app.board_keys == [], "a letter typed in a modal reached the board's command keys"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ModalScreen)
        assert app.results == [None]
        await pilot.press("x")  # the board's keys work again once the modal is gone
        assert app.board_keys == ["x"]


async def test_escape_first_closes_an_open_list_then_the_modal(meta: PortalMeta) -> None:
    async with opened(lambda: DisqualifyModal(meta, LeadRow())) as (app, pilot):
        reason = modal(app).query_one("#reason", Select)
        await pilot.press("enter")
        assert reason.expanded
        await pilot.press("escape")
        assert not reason.expanded and isinstance(app.screen, DisqualifyModal)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_tab_order_runs_through_the_fields_then_the_buttons(meta: PortalMeta) -> None:
    async with opened(lambda: LogCallModal(meta, LeadRow(), now=FIXED_NOW)) as (app, pilot):
        order = []
        for _ in range(6):
            order.append(app.focused.id if app.focused else None)
            await pilot.press("tab")
    # Save is disabled (nothing chosen yet), so it is no stop; the scroll area is not one either.
    assert order == ["outcome", "direction", "duration", "time", "note", "cancel"]


# --- untrusted text -----------------------------------------------------------------------------------


@BOTH_SIZES
async def test_hostile_names_and_labels_render_literally(size: tuple[int, int]) -> None:
    hostile = portal_meta(hostile=True)
    lead = LeadRow(name=HOSTILE_NAME)
    async with opened(lambda: DisqualifyModal(hostile, lead), size) as (app, pilot):
        await pilot.press("enter")  # open the reasons: the hostile label is the first one
        await pilot.pause()
        shown = screen_text(app)
        assert "[@click=app.quit]Acme[/] [b]bold red" in shown
        assert "[b]Gone[/b] [@click=app.quit]quit" in shown
        assert "\x1b" not in shown and "\u202e" not in shown
        await pilot.press("down", "enter", "tab")
        await type_text(pilot, "[/]")
        await pilot.click("#lead-line")  # a click on the name must not run its "action"
        await pilot.pause()
        assert app.is_running
        assert "[b]Gone[/b] [@click=app.quit]quit" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [Disqualify(lead_id="4001", reason="HOSTILE", note="[/]")]


async def test_hostile_labels_in_every_list_render_literally() -> None:
    hostile = portal_meta(hostile=True)
    lead = LeadRow(name=HOSTILE_NAME)
    for factory in (
        lambda: LogCallModal(hostile, lead, now=FIXED_NOW),
        lambda: SetLeadTypeModal(hostile, lead),
        lambda: QualifyModal(hostile, LeadRow(name=HOSTILE_NAME, lead_type=None), now=FIXED_NOW),
    ):
        async with opened(factory, LARGE) as (app, pilot):
            await pilot.press("enter")
            await pilot.pause()
            shown = screen_text(app)
            assert "[@click=app.quit]Acme[/]" in shown
            assert "[b]Gone[/b]" in shown and "[@click=app.quit]quit" in shown
            assert "\x1b" not in shown


# --- confirm ------------------------------------------------------------------------------------------


async def test_confirm_defaults_to_no_and_escape_says_no() -> None:
    def ask() -> ConfirmModal:
        return ConfirmModal("Discard?", f"Discard the failed note on {HOSTILE_NAME}?", yes="Discard")

    async with opened(ask) as (app, pilot):
        assert app.focused is app.screen.query_one("#no")
        assert "Discard the failed note on [@click=app.quit]Acme[/]" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [False]

    async with opened(ask) as (app, pilot):
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [False]

    async with opened(ask) as (app, pilot):
        await pilot.press("left", "enter")
        await pilot.pause()
    assert app.results == [True]

    async with opened(ask) as (app, pilot):
        await pilot.click("#yes")
        await pilot.pause()
    assert app.results == [True]
