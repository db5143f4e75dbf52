"""The board driven by keys and mouse over a real SQLite cache (sync off: nothing leaves the machine).

Every command path goes through its modal and the outbox; the refusals keep Save disabled and queue
nothing. Sizes: 80x24 (one stage at a time, with tabs) and 160x50 (all stages side by side).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input, RadioSet, Select, Tab, TextArea

from leadboard.cache.outbox import Op
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.config import read_config_file
from leadboard.screens.add_note import AddNoteModal
from leadboard.screens.board import PAGE_ROWS, BoardScreen
from leadboard.screens.disqualify import DisqualifyModal
from leadboard.screens.lead import LeadScreen
from leadboard.screens.log_call import LogCallModal
from leadboard.screens.move_stage import MoveStageModal
from leadboard.screens.qualify import QualifyModal
from leadboard.screens.set_type import SetLeadTypeModal
from leadboard.widgets.stage_column import StageColumn
from tests.ui.board_support import board_app, cache_path, fill_cache, screen_text, settle

__all__ = ["cache_path"]

SMALL, LARGE = (80, 24), (160, 50)
BOTH_SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x50"])
NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"


def queued(db: Path) -> list[Op]:
    with Store.open(db) as store:
        return store.outbox.ops()


def board_of(app: object) -> BoardScreen:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, BoardScreen)
    return screen


async def newest_first(app: Any, pilot: Any) -> None:
    """The board opens most urgent first; these tests walk the leads newest first.

    `s` switches to newest and the highlight stays on its lead across a sort, so `home` goes to the top.
    """
    await pilot.press("s")
    await settle(app, pilot)
    await pilot.press("home")
    assert board_of(app).sort == "newest"


@BOTH_SIZES
async def test_columns_follow_the_pipeline_with_counts_and_lead_lines(
    cache_path: Path, size: tuple[int, int]
) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        assert [str(c.border_title) for c in board.columns] == ["New · 3", "Attempting · 3", "Connected · 3"]
        text = screen_text(app)
        assert "Lead 007 Person" in text  # New holds 1, 4, 7: newest first
        assert "Company 7 · New business · 22 d old" in text
        if size == SMALL:  # one wide column has room for the last touch; a third of 160 columns cuts it
            assert "touched 1 d ago" in text
        if size == SMALL:
            assert [c.display for c in board.columns] == [True, False, False]
            assert "Attempting 3" in text  # the stage switcher
        else:
            assert all(c.display for c in board.columns)
            assert "Lead 009 Person" in text  # Connected is on screen too


async def test_type_missing_is_visible_and_markers_show_pending(cache_path: Path) -> None:
    with Store.open(cache_path) as store:
        store.outbox.enqueue(AddNote(lead_id="4", text="left a voicemail"))
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "type?" in text  # lead 1 has no type
        assert "↑ pending Lead 004 Person" in text


@BOTH_SIZES
async def test_keys_move_within_and_between_columns(cache_path: Path, size: tuple[int, int]) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        assert board.current_lead is not None and board.current_lead.id == "1"
        await pilot.press("j")
        assert board.current_lead.id == "4"
        await pilot.press("down", "k")
        assert board.current_lead.id == "4"
        await pilot.press("l")
        assert board.active_index == 1 and board.current_lead.id == "2"
        await pilot.press("right", "left", "h")
        assert board.active_index == 0
        await pilot.press("up")
        assert board.current_lead.id == "1"
        if size == SMALL:
            await pilot.press("l")
            assert [c.display for c in board.columns] == [False, True, False]


async def test_enter_opens_the_lead_and_escape_comes_back(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LeadScreen) and app.screen.lead_id == "4"
        assert "pat4@example.test" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert board_of(app).current_lead.id == "4"  # type: ignore[union-attr]


async def test_click_selects_and_double_click_opens(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        second = board.columns[1]
        await pilot.click(second, offset=(4, 3))  # the second lead of Attempting (two lines each)
        await settle(app, pilot)
        assert board.active_index == 1 and board.current_lead is not None
        assert board.current_lead.id == "5" and isinstance(app.screen, BoardScreen)
        await pilot.click(second, offset=(4, 3), times=2)
        await settle(app, pilot)
        assert isinstance(app.screen, LeadScreen) and app.screen.lead_id == "5"


@BOTH_SIZES
async def test_every_command_queues_through_its_modal(cache_path: Path, size: tuple[int, int]) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await newest_first(app, pilot)
        board = board_of(app)
        # n: a note on lead 7
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, AddNoteModal)
        await pilot.press(*"hi [b]")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        # t: set the type of lead 7
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, SetLeadTypeModal)
        app.screen.query_one(RadioSet).query("RadioButton")[1].value = True
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        # m: move lead 7 to Connected with a note
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, MoveStageModal)
        app.screen.query_one("#stage", Select).value = "connected-stage-id"
        app.screen.query_one("#note", TextArea).load_text("they called back")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert "7" in {lead.id for lead in board.columns[2].leads}  # moved at once, from SQLite
        assert "7" not in {lead.id for lead in board.columns[0].leads}
        moved = next(lead for lead in board.columns[2].leads if lead.id == "7")
        assert moved.marker == "pending"
        # c: log a call on lead 4 (now the highlighted one in New), decline the suggested move
        assert board.current_lead is not None and board.current_lead.id == "4"
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, LogCallModal)
        app.screen.query_one("#outcome", Select).value = NO_ANSWER
        app.screen.query_one("#note", TextArea).load_text("no answer")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, MoveStageModal)
        assert app.screen.query_one("#stage", Select).value == "attempting-stage-id"
        await pilot.press("ctrl+s")  # accept the suggestion: New → Attempting
        await settle(app, pilot)
        # Q: qualify lead 1? It has no type, so go to Attempting and qualify lead 8 (typed)
        await pilot.press("l")
        lead = board.current_lead
        assert lead is not None and lead.lead_type
        await pilot.press("Q")
        await settle(app, pilot)
        assert isinstance(app.screen, QualifyModal)
        app.screen.query_one("#note", TextArea).load_text("budget confirmed")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        qualified = lead.id
        assert qualified not in {x.id for c in board.columns for x in c.leads}
        # X: disqualify the next one
        target = board.current_lead
        assert target is not None
        await pilot.press("X")
        await settle(app, pilot)
        assert isinstance(app.screen, DisqualifyModal)
        app.screen.query_one("#reason", Select).value = "BAD_TIMING"
        app.screen.query_one("#note", TextArea).load_text("next year")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert target.id not in {x.id for c in board.columns for x in c.leads}
    kinds = [(op.kind, op.lead_id, op.state) for op in queued(cache_path)]
    assert kinds == [
        ("add_note", "7", "pending"),
        ("set_lead_type", "7", "pending"),
        ("move_stage", "7", "pending"),
        ("log_call", "4", "pending"),
        ("move_stage", "4", "pending"),
        ("qualify", qualified, "pending"),
        ("disqualify", target.id, "pending"),
    ]
    assert queued(cache_path)[0].command.text == "hi [b]"


@BOTH_SIZES
async def test_refusals_keep_save_disabled_and_queue_nothing(cache_path: Path, size: tuple[int, int]) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        # Disqualify without a reason, then with a blank note: Save stays disabled.
        await pilot.press("X")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, DisqualifyModal)
        modal.query_one("#note", TextArea).load_text("not a fit")
        await pilot.pause()
        assert modal.query_one("#save", Button).disabled
        assert "reason" in str(modal.refusal)
        modal.query_one("#reason", Select).value = "BAD_TIMING"
        modal.query_one("#note", TextArea).load_text("   \n  ")
        await pilot.pause()
        assert modal.query_one("#save", Button).disabled
        await pilot.press("ctrl+s")
        assert app.screen is modal
        await pilot.press("escape")
        await settle(app, pilot)
        # A manual move without a note cannot be saved.
        await pilot.press("m")
        await settle(app, pilot)
        move = app.screen
        assert isinstance(move, MoveStageModal)
        move.query_one("#stage", Select).value = "attempting-stage-id"
        await pilot.pause()
        assert move.query_one("#save", Button).disabled and "note" in str(move.refusal)
        await pilot.press("ctrl+s", "escape")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
    assert queued(cache_path) == []


async def test_qualify_without_a_type_asks_for_the_type_in_its_own_form(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        assert board.select_lead("1")
        await pilot.press("Q")
        await settle(app, pilot)
        assert isinstance(app.screen, QualifyModal)
        assert app.screen.query_one("#lead-type").has_focus  # no detour through `t` and back
        assert "lead type" in str(app.screen.refusal)
        assert app.screen.query_one("#save", Button).disabled


async def test_closed_leads_grey_out_the_open_only_commands(cache_path: Path) -> None:
    with Store.open(cache_path) as store:
        from leadboard.commands.disqualify import Disqualify

        store.outbox.enqueue(Disqualify(lead_id="7", reason="BAD_TIMING", note="gone"))
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        board = board_of(app)
        assert [c.stage.label for c in board.columns] == ["Qualified", "Disqualified"]
        await pilot.press("l")
        assert board.current_lead is not None and board.current_lead.id == "7"
        assert board.check_action("disqualify", ()) is False  # hidden in the closed view
        assert board.check_action("log_call", ()) is False
        assert board.check_action("add_note", ()) is True
        await pilot.press("X", "c")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)


async def test_filter_as_you_type_and_escape_clears(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        await pilot.press("slash", *"pat5@")
        await settle(app, pilot)
        assert [[x.id for x in c.leads] for c in board.columns] == [[], ["5"], []]
        assert board.query_one("#filter", Input).has_focus
        board.query_one("#filter", Input).value = "COMPANY 7"  # company name, any case
        await settle(app, pilot)
        assert [[x.id for x in c.leads] for c in board.columns] == [["7"], [], []]
        await pilot.press("enter")  # back to the list, filter kept
        assert isinstance(app.focused, StageColumn)
        await pilot.press("escape")
        await settle(app, pilot)
        assert sum(len(c.leads) for c in board.columns) == 9
        assert not board.query_one("#filter", Input).has_class("-shown")


async def test_a_long_stage_reads_a_page_and_the_rest_as_the_rep_goes_down(tmp_path: Path) -> None:
    path = tmp_path / "long.sqlite"
    fill_cache(path, 3 * (PAGE_ROWS + 20)).close()  # PAGE_ROWS + 20 leads in each stage
    with Store.open(path) as store:
        new_stage = [x.id for x in store.board() if x.stage_id == "new-stage-id"]
    total = PAGE_ROWS + 20
    assert len(new_stage) == total
    app = board_app(path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        column = board.columns[0]
        assert str(column.border_title) == f"New · {total}"  # the stage's count, not the rows read
        assert not board.query("#stage-tabs")  # the wide layout mounts no tabs
        await pilot.resize_terminal(*SMALL)  # the narrow layout's tabs, mounted when it turns narrow
        await settle(app, pilot)
        assert str(board.query_one("#tab-0", Tab).label) == f"New {total}"
        await pilot.resize_terminal(*LARGE)
        await settle(app, pilot)
        assert [x.id for x in column.leads] == new_stage[:PAGE_ROWS]  # one page read, in order
        assert column.virtual_size.height == 2 * total  # the scrollbar is the whole stage's
        for _ in range(PAGE_ROWS + 5):  # j held down: faster than the reads, past the last row read
            board.action_cursor_down()
        await settle(app, pilot)
        assert board.current_lead is not None and board.current_lead.id == new_stage[PAGE_ROWS + 5]
        await pilot.press("end")
        await settle(app, pilot)
        assert board.current_lead is not None and board.current_lead.id == new_stage[-1]
        assert [x.id for x in column.leads] == new_stage[column.start :]  # the rows around the end
        app.refresh_views()  # a sync or a command re-reads the rows the rep is at; the highlight stays
        await settle(app, pilot)
        assert board.current_lead.id == new_stage[-1]
        await pilot.press("slash", "1")  # a filter reads one page again
        await settle(app, pilot)
        assert len(column.leads) <= PAGE_ROWS


async def test_sort_cycles_and_highlight_survives_a_refresh(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = board_of(app)
        assert board.sort == "urgent" and "most urgent first" in str(board.columns[0].border_subtitle)
        assert [x.id for x in board.columns[0].leads] == ["1", "4", "7"]  # by SLA deadline; 7 has none
        await newest_first(app, pilot)
        assert [x.id for x in board.columns[0].leads] == ["7", "4", "1"]
        await pilot.press("s")
        await settle(app, pilot)
        assert [x.id for x in board.columns[0].leads] == ["1", "4", "7"]
        assert "oldest first" in str(board.columns[0].border_subtitle)
        assert board.current_lead is not None and board.current_lead.id == "7"  # kept across the sort
        await pilot.press("k")
        assert board.current_lead.id == "4"
        with Store.open(cache_path) as store:  # a change made elsewhere (the CLI, a sync)
            store.upsert_leads([])
            store.outbox.enqueue(AddNote(lead_id="1", text="from the CLI"))
        app.refresh_views()
        await settle(app, pilot)
        assert board.current_lead.id == "4"
        assert board.columns[0].leads[0].marker == "pending"
        await pilot.press("s", "s", "s", "s")
        await settle(app, pilot)
        assert board_of(app).sort == "newest" and board.current_lead.id == "4"


async def test_keymap_theme_keys_panel_and_links(cache_path: Path) -> None:
    app = board_app(cache_path, keymap={"log-call": "L"})
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        await newest_first(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("L")
        await settle(app, pilot)
        assert isinstance(app.screen, LogCallModal)
        await pilot.press("escape", "question_mark")
        await settle(app, pilot)
        assert app.screen.query("KeysPanel")
        await pilot.press("question_mark")
        assert not app.screen.query("KeysPanel")
        await pilot.press("y")  # no portal id before the first sync: it says so
        await settle(app, pilot)
        assert "portal id" in str(list(app._notifications)[-1].message)
        with Store.open(cache_path) as store:
            store.set_state("portal_id", "4242")
        await pilot.press("y")
        await settle(app, pilot)
        assert app.clipboard == "https://app.hubspot.com/contacts/4242/record/0-136/7"
        app.theme = "nord"
        await settle(app, pilot)
    assert read_config_file()["theme"] == "nord"


async def test_palette_jumps_to_a_lead(cache_path: Path) -> None:
    app = board_app(cache_path)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Lead 008")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        board = board_of(app)
        assert board.current_lead is not None and board.current_lead.id == "8"
