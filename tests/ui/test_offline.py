"""A dropped connection is "offline", and `r` sends what waited as soon as HubSpot answers (#13 item 9).

Against the real sandbox over HTTP: its fault injection drops every connection (the request is read,
no answer comes back), the way a network that goes away mid-request looks to the client. The status
line said "1 change waiting" as if all were well, and the change then sat out its backoff (minutes
after a few failures) even when the rep pressed `r` with the network back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leadboard.cache.store import Store, now_ms
from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.board import BoardScreen
from leadboard.sync.engine import GRACE_ENV
from tests.ui.board_support import sandbox, sandbox_app, screen_text, settle, until_idle

__all__ = ["sandbox"]

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
#: Where a change stands after a few minutes of failed attempts: its next one is minutes away.
LONG_BACKOFF_MS = 240_000


def notes_saying(sandbox: SandboxHandle, text: str) -> list[object]:
    return [o for o in sandbox.portal.objects("notes") if text in (o["properties"].get("hs_note_body") or "")]


@SIZES
async def test_a_dropped_connection_shows_offline_and_r_sends_the_change_once_it_is_back(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setenv(GRACE_ENV, "0")  # the note is looked for before it is sent again; no wait after
    db = tmp_path / "cache.sqlite"
    text = f"Voicemail left ({size[0]}x{size[1]})"
    app = sandbox_app(sandbox, db)
    try:
        async with app.run_test(size=size) as pilot:
            await until_idle(app, pilot)
            board = app.screen
            assert isinstance(board, BoardScreen) and board.current_lead is not None  # the most urgent

            sandbox.faults.inject("drop_before", times=10_000)  # the network goes away
            await pilot.press("n")
            await settle(app, pilot)
            await pilot.press(*text, "ctrl+s")
            await until_idle(app, pilot)
            assert "offline: 1 change waiting" in screen_text(app)
            await pilot.press("r")  # still down: it stays offline, and the change stays counted
            await until_idle(app, pilot)
            assert "offline: 1 change waiting" in screen_text(app)

            with Store.open(db) as store:  # as after minutes of failed attempts
                store.db.conn.execute("UPDATE outbox SET next_attempt_at = ?", [now_ms() + LONG_BACKOFF_MS])
            sandbox.faults.clear()  # the network is back
            await pilot.press("r")
            await until_idle(app, pilot)
            shown = screen_text(app)
            assert "offline" not in shown and "waiting" not in shown
        assert len(notes_saying(sandbox, text)) == 1
        with Store.open(db) as store:
            assert [op.state for op in store.outbox.ops()] == ["done"]
    finally:
        sandbox.faults.clear()
