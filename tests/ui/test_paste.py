"""Pasting into a form (#13 items 18 and 19), through a real `events.Paste` as the terminal sends it.

18: a paste with an escape sequence or a bidi override is inserted cleaned and in its order, so the
    terminal never gets them back from the field and HubSpot never gets them in the note.
19: a paste that would make a note longer than HubSpot takes is not kept in the field (each later
    keystroke re-checked all of it, seconds a key): the rep is told, and the form works on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from leadboard.app import LeadboardApp
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.screens.add_note import AddNoteModal
from leadboard.screens.board import BoardScreen
from leadboard.screens.log_call import LogCallModal
from tests.ui.board_support import board_app, fill_cache, screen_text, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
LEAD = "2"
HOSTILE_PASTE = "AAA \x1b[2J BBB \u202eCCC\u202c \x1b]52;c;ZXZpbA==\x07DDD"


async def open_form(app: LeadboardApp, pilot: Pilot[int], key: str) -> None:
    board = app.screen
    assert isinstance(board, BoardScreen) and board.select_lead(LEAD)
    await pilot.press(key)
    await settle(app, pilot)


async def paste(app: LeadboardApp, pilot: Pilot[int], text: str) -> None:
    app.post_message(events.Paste(text))
    await settle(app, pilot)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "board.sqlite"
    fill_cache(path).close()
    return path


@SIZES
async def test_a_pasted_escape_or_bidi_override_is_dropped_and_the_rest_kept_in_order(
    db: Path, size: tuple[int, int]
) -> None:
    app = board_app(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await open_form(app, pilot, "n")
        modal = app.screen
        assert isinstance(modal, AddNoteModal)
        await pilot.press(*"Note: ")
        await paste(app, pilot, HOSTILE_PASTE)
        note = modal.query_one("#note", TextArea)
        assert note.text == "Note: AAA  BBB CCC DDD"  # what the field holds is what it shows
        shown = screen_text(app)
        assert "AAA  BBB CCC DDD" in shown
        assert "\u202e" not in shown and "\x1b" not in shown
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    with Store.open(db) as store:
        assert [op.command for op in store.outbox.ops(lead_id=LEAD)] == [
            AddNote(lead_id=LEAD, text="Note: AAA  BBB CCC DDD")
        ]


async def test_a_one_line_field_takes_the_first_line_of_a_paste_cleaned(db: Path) -> None:
    app = board_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_form(app, pilot, "c")
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        field = modal.query_one("#time", Input)
        field.focus()
        field.value = ""
        await paste(app, pilot, "\u202e09:\x1b[31m30\nsecond line")
        assert field.value == "09:30"


@SIZES
async def test_a_paste_too_long_for_a_note_is_not_kept_and_the_form_works_on(
    db: Path, size: tuple[int, int]
) -> None:
    app = board_app(db)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        await open_form(app, pilot, "n")
        modal = app.screen
        assert isinstance(modal, AddNoteModal)
        await pilot.press(*"Called ")
        await paste(app, pilot, "pasted log line\n" * 65_536)  # 1 MB
        note = modal.query_one("#note", TextArea)
        assert note.text == "Called "
        shown = screen_text(app)
        assert "Too long" in shown and "Not pasted" in shown
        await pilot.press(*"back")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
    with Store.open(db) as store:
        assert [op.command for op in store.outbox.ops(lead_id=LEAD)] == [
            AddNote(lead_id=LEAD, text="Called back")
        ]
