"""The contact's phone and email from the keyboard (#13 item 10): `p` and `e` copy them, `P` and `E`
open a `tel:` / `mailto:` link where the system can, and say so where it cannot or there is none.

What the rep sees is read from the notifications on screen (the toasts' text) and what was copied
from the app's clipboard (`App.clipboard`, what `copy_to_clipboard` last sent to the terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from leadboard.app import LeadboardApp
from leadboard.contact_links import contact_link
from leadboard.screens.board import BoardScreen
from leadboard.screens.keys_panel import KeysPanel
from leadboard.screens.lead import LeadScreen
from tests.ui.board_support import board_app, fill_cache, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The board's cache; lead 3's contact has no phone."""
    path = tmp_path / "board.sqlite"
    with fill_cache(path) as store:
        store.upsert_contacts(
            [
                {
                    "id": "c3",
                    "properties": {"firstname": "Pat", "lastname": "Person3", "email": "pat3@example.test"},
                }
            ]
        )
    return path


@pytest.fixture
def no_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal with no desktop session (over SSH, in a container): nothing can take a tel: link."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def notices(app: LeadboardApp) -> str:
    """The notifications on screen, as the rep reads them (one line)."""
    return " ".join(" ".join(str(toast.render()).split()) for toast in app.screen.query("Toast"))


async def press_on(app: LeadboardApp, pilot: Pilot[int], lead_id: str, key: str) -> None:
    board = app.screen
    assert isinstance(board, BoardScreen) and board.select_lead(lead_id)
    await pilot.press(key)
    await settle(app, pilot)


@SIZES
async def test_p_and_e_copy_the_contacts_phone_and_email(db: Path, size: tuple[int, int]) -> None:
    app = board_app(db)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        await press_on(app, pilot, "2", "p")
        assert app.clipboard == "+1 555 0102"
        assert "Copied Pat Person2's phone number: +1 555 0102" in notices(app)
        await press_on(app, pilot, "2", "e")
        assert app.clipboard == "pat2@example.test"
        assert "Copied Pat Person2's email address: pat2@example.test" in notices(app)


@SIZES
async def test_a_contact_with_no_phone_is_named_and_nothing_is_copied(
    db: Path, size: tuple[int, int]
) -> None:
    app = board_app(db)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        await press_on(app, pilot, "3", "p")
        assert app.clipboard == ""
        assert "Pat Person3 has no phone number in HubSpot." in notices(app)


async def test_capital_p_says_when_nothing_here_opens_a_tel_link(db: Path, no_desktop: None) -> None:
    app = board_app(db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await press_on(app, pilot, "2", "P")
        shown = notices(app)
        assert "Nothing on this system opens tel: links." in shown
        assert "Pat Person2's phone number is +1 555 0102 (p copies it)." in shown
        await press_on(app, pilot, "3", "P")
        assert "Pat Person3 has no phone number in HubSpot." in notices(app)


async def test_the_lead_screen_has_the_same_keys_and_question_mark_lists_them(db: Path) -> None:
    app = board_app(db)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(app, pilot)
        await press_on(app, pilot, "4", "enter")
        assert isinstance(app.screen, LeadScreen)
        await pilot.press("e")
        await settle(app, pilot)
        assert app.clipboard == "pat4@example.test"
        await pilot.press("question_mark")
        await settle(app, pilot)
        words = app.screen.query_one(KeysPanel).plain_text()
    for key, what in [("p", "phone"), ("e", "email"), ("P", "Call"), ("E", "Email")]:
        assert any(line.split()[:1] == [key] and what in line for line in words.splitlines()), (key, words)


def test_links_carry_only_what_a_dialler_or_mail_client_takes() -> None:
    assert contact_link("phone", "+1 (555) 010-2 ext. 12") == "tel:+15550102;ext=12"
    assert contact_link("phone", "call me maybe") is None
    assert contact_link("email", "pat2@example.test") == "mailto:pat2@example.test"
    assert contact_link("email", "pat@example.test?cc=boss@evil.test") is None
    assert contact_link("email", "not an address") is None
