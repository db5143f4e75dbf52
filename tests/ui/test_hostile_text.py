"""Hostile names and notes from HubSpot through the board, the lead screen and the palette.

Names carry markup brackets, `[@click=app.quit]`, ANSI and OSC escapes (OSC 52 clipboard, OSC 8
links), bidi overrides, emoji and wide characters. They must show literally, crash nothing, run no
action, and no escape or C1 control may reach the terminal: the rendered strips are checked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.style import Style as RichStyle

from leadboard.cache.read_model import BoardLead
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.domain import PortalMeta
from leadboard.screens.board import BoardScreen
from leadboard.screens.lead import LeadScreen
from leadboard.widgets.lead_rows import draw_line, lead_lines
from tests.ui.board_support import (
    FIXED_NOW,
    HOSTILE_NAME,
    HOSTILE_NOTE,
    board_app,
    fill_cache,
    screen_text,
    settle,
)

#: ESC, every other C0 control but tab and newline, DEL, C1, and the bidi embeddings/overrides/isolates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def rendered_text(app: Any) -> str:
    """Every character the compositor would send for the current screen (styles are not text)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_safe(app: Any) -> None:
    found = UNSAFE.findall(rendered_text(app))
    assert found == [], f"unsafe characters reached the screen: {found!r}"


@pytest.fixture
def hostile_cache(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.sqlite"
    store = fill_cache(path, 6, hostile=True)
    store.upsert_activities(
        "note",
        [
            {
                "id": "9001",
                "properties": {
                    "hs_note_body": f"<p>{HOSTILE_NOTE}</p><p>&#27;[31mentity escape</p>",
                    "hs_timestamp": "2026-02-20T10:00:00.000Z",
                },
            }
        ],
        lead_id="1",
        contact_id="c1",
    )
    op = store.outbox.enqueue(AddNote(lead_id="1", text="typed [@click=app.quit]here[/] \x1b[2J"))
    assert store.outbox.claim_next() is not None
    store.outbox.finish_failed(
        op.op_id, "HubSpot said \x1b]52;c;cGF5bG9hZA==\x07 [red]no[/red]", http_status=400
    )
    store.close()
    return path


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
async def test_hostile_names_show_literally_on_the_board(hostile_cache: Path, size: tuple[int, int]) -> None:
    app = board_app(hostile_cache)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen) and board.select_lead("1")
        await settle(app, pilot)
        text = screen_text(app)
        assert "[@click=app.quit]Evil[/] [b]Corp" in text
        assert_safe(app)
        await pilot.click(board.columns[0], offset=(6, 1))  # clicking the name runs no action
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, BoardScreen)


async def test_hostile_notes_and_errors_show_literally_on_the_lead_screen(hostile_cache: Path) -> None:
    app = board_app(hostile_cache)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen) and board.select_lead("1")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LeadScreen)
        text = screen_text(app)
        assert "Call me [bold]now[/bold]" in text and "[@click=app.quit]x" in text
        assert "entity escape" in text
        assert "typed [@click=app.quit]here[/]" in text
        assert "HubSpot said  [red]no[/red]" in text
        assert "🚀" in text and "漢字" in text
        assert_safe(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.is_running


async def test_palette_lists_hostile_leads_literally(hostile_cache: Path) -> None:
    app = board_app(hostile_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Evil")
        await settle(app, pilot)
        assert "[@click=app.quit]Evil[/]" in screen_text(app)
        assert_safe(app)
        await pilot.press("enter")
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert board.current_lead is not None and board.current_lead.id == "1"


async def test_a_rep_note_with_markup_is_queued_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    fill_cache(path, 3).close()
    app = board_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("n", *"[b]x[/b] [@click=app.quit]", "ctrl+s")
        await settle(app, pilot)
        assert app.is_running
    with Store.open(path) as store:
        (op,) = store.outbox.ops()
    assert op.command.text == "[b]x[/b] [@click=app.quit]"  # type: ignore[attr-defined]


def a_lead(name: str, company: str, label: str) -> BoardLead:
    return BoardLead(
        id="1",
        name=name,
        stage_id="new-stage-id",
        remote_stage_id="new-stage-id",
        lead_type=None,
        remote_lead_type=None,
        label=label or None,
        owner_id=None,
        created_at=None,
        last_touch_at=None,
        contact_name=None,
        contact_email=None,
        company_name=company or None,
        closed=False,
        archived=False,
        n_pending=1,
        n_failed=0,
        n_conflict=0,
        n_blocked=0,
    )


ANY_TEXT = st.one_of(st.text(max_size=60), st.just(HOSTILE_NAME), st.just(HOSTILE_NOTE))


@settings(max_examples=150, deadline=None)
@given(name=ANY_TEXT, company=ANY_TEXT, label=st.text(max_size=12), width=st.integers(1, 70))
def test_any_name_is_drawn_within_its_column_and_safe(
    name: str, company: str, label: str, width: int
) -> None:
    """Whatever HubSpot sends (wide characters, emoji, escapes, line breaks), each of a lead's two
    lines is drawn exactly as wide as the column, cut with "…" when longer, with nothing unsafe."""
    for parts in lead_lines(a_lead(name, company, label), PortalMeta(), FIXED_NOW):
        strip = draw_line(parts, width, lambda style: RichStyle(bold=style == "bold"), RichStyle())
        text = strip.text
        assert strip.cell_length == width and cell_len(text) == width
        assert "\n" not in text and "\t" not in text
        assert UNSAFE.findall(text) == []
        plain = "".join(part for part, _ in parts)
        if cell_len(plain) > width:
            assert text.endswith("…")
        else:
            assert text.startswith(plain)
