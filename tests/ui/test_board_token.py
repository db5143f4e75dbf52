"""A returning rep's board opens from the cache before the token is looked up (on the sync thread).

`leadboard` with a cache passes no token to the app: the first sync builds the engine with the
stored token. These tests run the app as `run_board` builds it, with a real cache and the real
credential store (a token file; no keyring), and check what the rep sees when that token is
missing or unreadable: the leads, and a clear word on what to do, never a crash or the token.
"""

from __future__ import annotations

from pathlib import Path

from leadboard.app import LeadboardApp
from leadboard.cli.credentials import store_token, token_file_path
from leadboard.cli.launch import _engine_with_stored_token
from leadboard.config import Settings
from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.board import BoardScreen
from tests.ui.board_support import FIXED_NOW, fill_cache, sandbox, screen_text, settle, until_idle

__all__ = ["sandbox"]

TOKEN = "pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789"
#: Nothing listens here: no request may leave the machine (none should be made without a token).
CLOSED_PORTAL = "http://127.0.0.1:9"


def returning_rep(db: Path) -> LeadboardApp:
    fill_cache(db, 12).close()
    settings = Settings(portal=CLOSED_PORTAL, email="rep@example.com", db=db)
    return LeadboardApp(settings, None, clock=lambda: FIXED_NOW, engine_factory=_engine_with_stored_token)


async def test_without_a_stored_token_the_board_shows_the_leads_and_says_to_log_in(tmp_path: Path) -> None:
    app = returning_rep(tmp_path / "cache.sqlite")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert sum(column.total for column in app.screen.columns) == 12
        text = screen_text(app)
        assert "token needs attention" in text
        assert any("leadboard login" in str(n.message) for n in app._notifications)


async def test_a_token_file_others_can_read_is_refused_on_the_board_with_the_fix(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    store_token(Settings(portal=CLOSED_PORTAL, db=db), TOKEN)
    token_file_path().chmod(0o644)
    app = returning_rep(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        messages = [str(n.message) for n in app._notifications]
        assert any(f"chmod 600 {token_file_path()}" in m for m in messages), messages
        assert all(TOKEN not in m for m in messages)
        assert TOKEN not in screen_text(app)


async def test_after_leadboard_login_the_next_sync_uses_the_new_token(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    """The rep reads the notice, runs `leadboard login` in another terminal and presses r: the board
    picks the token up without a restart and syncs."""
    db = tmp_path / "cache.sqlite"
    fill_cache(db, 3).close()
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=db)
    app = LeadboardApp(settings, None, engine_factory=_engine_with_stored_token)
    async with app.run_test(size=(160, 50)) as pilot:
        await until_idle(app, pilot)
        assert "token needs attention" in screen_text(app)
        store_token(settings, sandbox.token)  # what `leadboard login` does
        await pilot.press("r")
        await until_idle(app, pilot)
        text = screen_text(app)
        assert "token needs attention" not in text
        assert "synced" in text
        assert sandbox.token not in text


async def test_an_unreadable_token_file_is_reported_once_not_on_every_sync(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    store_token(Settings(portal=CLOSED_PORTAL, db=db), TOKEN)
    token_file_path().chmod(0o644)
    app = returning_rep(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        for _ in range(2):  # the rep presses r again (a periodic sync does the same)
            await pilot.press("r")
            await settle(app, pilot)
        fixes = [n for n in app._notifications if "chmod 600" in str(n.message)]
        assert len(fixes) == 1
