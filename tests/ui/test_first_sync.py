"""A floor of boards opened at nine does not pull in step (#14 item 2).

A board with a cache has something to show at once, so its first background sync waits a random
part of the interval (`Pacer.first_delay`, drawn from the random source the app is given); a board
with no cache has nothing to show, and the rep's changes waiting go first: either syncs at once.
Against the real sandbox over HTTP.
"""

from __future__ import annotations

import random
from pathlib import Path

from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.board import BoardScreen
from leadboard.sync.pacing import Pacer, PacingSettings
from tests.ui.board_support import sandbox, sandbox_app, until_idle

__all__ = ["sandbox"]


def searches(sandbox: SandboxHandle) -> int:
    return sum(1 for record in sandbox.request_log() if record.path.endswith("/search"))


async def test_a_board_with_a_cache_waits_the_pacers_first_delay_before_its_first_sync(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    db = tmp_path / "cache.sqlite"
    yesterday = sandbox_app(sandbox, db)
    async with yesterday.run_test() as pilot:
        await until_idle(yesterday, pilot)
    sandbox.clear_request_log()

    app = sandbox_app(sandbox, db, rng=random.Random(3))
    async with app.run_test() as pilot:
        await until_idle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen) and board.current_lead is not None  # the cache, at once
        assert searches(sandbox) == 0  # nothing pulled yet
        assert app.next_sync_in == Pacer(PacingSettings.of(app.settings), rng=random.Random(3)).first_delay()
        assert app.next_sync_in is not None and 0 < app.next_sync_in < app.settings.sync_interval


async def test_a_board_with_no_cache_syncs_at_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    sandbox.clear_request_log()
    app = sandbox_app(sandbox, tmp_path / "new.sqlite", rng=random.Random(3))
    async with app.run_test() as pilot:
        await until_idle(app, pilot)
        board = app.screen
        assert searches(sandbox) > 0
        assert isinstance(board, BoardScreen) and board.current_lead is not None  # pulled and shown
        first_delay = Pacer(PacingSettings.of(app.settings), rng=random.Random(3)).first_delay()
        assert app.next_sync_in is not None and app.next_sync_in != first_delay  # the next pull's timer


async def test_a_board_with_changes_waiting_syncs_at_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    yesterday = sandbox_app(sandbox, db)
    async with yesterday.run_test() as pilot:
        await until_idle(yesterday, pilot)
    with Store.open(db) as store:  # written while the board was closed (`leadboard note`)
        lead_id = next(lead.id for lead in store.board())
        store.outbox.enqueue(AddNote(lead_id=lead_id, text="Left before the board opened"))

    app = sandbox_app(sandbox, db, rng=random.Random(3))
    async with app.run_test() as pilot:
        await until_idle(app, pilot)
        assert app.sync_status.engine is not None and app.sync_status.engine.pending == 0  # it went
