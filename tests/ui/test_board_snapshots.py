"""A few pictures of the board (wide and narrow) and the lead screen; the modals have their own.

Snapshots churn on Textual upgrades: regenerate with `pytest --snapshot-update` and look at them.
The cache, the clock and the time zone are fixed so nothing depends on when they are taken; the
SLA counts in UTC by configuration, as the machine's zone is read once per process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from leadboard.app import LeadboardApp
from leadboard.commands.add_note import AddNote
from leadboard.screens.board import BoardScreen
from leadboard.sla_settings import SlaSettings
from tests.ui.board_support import FIXED_NOW, board_app, fill_cache, settle

UTC_SLA = SlaSettings.parse({"time_zone": "UTC"})


def snap_app(db: Path) -> LeadboardApp:
    return board_app(db, sla=UTC_SLA)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def snapshot_cache(tmp_path: Path) -> Path:
    path = tmp_path / "snap.sqlite"
    store = fill_cache(path, 12)
    store.outbox.enqueue(AddNote(lead_id="4", text="left a voicemail"), now=int(FIXED_NOW.timestamp() * 1000))
    store.close()
    return path


async def _settled(pilot: Pilot[Any]) -> None:
    await settle(pilot.app, pilot)


def test_board_wide(snap_compare: Any, snapshot_cache: Path) -> None:
    assert snap_compare(snap_app(snapshot_cache), terminal_size=(160, 40), run_before=_settled)


def test_board_narrow(snap_compare: Any, snapshot_cache: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("l", "j")
        await settle(pilot.app, pilot)

    assert snap_compare(snap_app(snapshot_cache), terminal_size=(80, 24), run_before=run_before)


def test_lead_screen(snap_compare: Any, snapshot_cache: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot.app, pilot)
        board = pilot.app.screen
        assert isinstance(board, BoardScreen) and board.select_lead("4")
        await pilot.press("enter")
        await settle(pilot.app, pilot)

    assert snap_compare(snap_app(snapshot_cache), terminal_size=(100, 32), run_before=run_before)
