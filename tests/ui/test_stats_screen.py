"""The stats screen over a cache filled from a seeded portal: what the rep reads at 80x24 and 160x50."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Label

from leadboard.cache.store import Store
from leadboard.sandbox.portal import Portal
from leadboard.screens.stats import StatsScreen
from leadboard.sla_settings import SlaSettings
from tests.stats_support import CLOCK_SLA, NOW, expected_numbers, fill_cache, seeded_portal
from tests.ui.conftest import screen_text


class StatsHost(App[None]):
    """Stands in for the board: the stats screen is pushed over it, and escape comes back here."""

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.clock_threads: list[int] = []
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Label("the board would be here")

    def on_mount(self) -> None:
        screen = StatsScreen(self.db_path, SlaSettings.parse(CLOCK_SLA), clock=self.clock)
        self.push_screen(screen, callback=self.results.append)

    def clock(self) -> datetime:
        self.clock_threads.append(threading.get_ident())
        return NOW


@pytest.fixture(scope="module")
def portal() -> Portal:
    return seeded_portal()


@pytest.fixture
def cache(tmp_path: Path, portal: Portal) -> Path:
    path = tmp_path / "cache.sqlite"
    with Store.open(path) as store:
        fill_cache(store, portal)
    return path


async def settle(app: App[Any], pilot: Pilot[Any]) -> str:
    """Wait until the report (or the reason it failed) is on screen, however loaded the machine is."""
    for _ in range(400):  # at most ~20 s; a loaded 2-core CI machine can be slow to start the worker
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        body = app.screen.query("#stats-body")
        if body and not body.first().loading:
            break
    # The answer changes the layout (a wrapped title, filled panels): read the screen once it holds still.
    text = screen_text(app)
    for _ in range(40):
        await pilot.pause(0.05)
        settled, text = text, screen_text(app)
        if settled == text:
            break
    return text


def funnel_count(text: str, label: str) -> int:
    line = next(line for line in text.splitlines() if line.strip("│ ").startswith(label + " "))
    return int(line.strip("│ ").split()[1])


async def test_period_switch_and_escape_at_80x24(cache: Path, portal: Portal) -> None:
    app = StatsHost(cache)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await settle(app, pilot)
        month = expected_numbers(portal, 30)
        assert f"Last 30 days: {month.leads} leads created" in text
        for step in ("New", "Attempting", "Connected", "Qualified", "Disqualified"):
            assert funnel_count(text, step) == month.funnel[step.lower()]
        assert "median" in text and "breached" in text
        title = next(line for line in text.splitlines() if "Last 30 days" in line)
        assert title.rstrip().endswith("Europe/Paris)")  # the period's title fits on one line

        await pilot.press("7")
        text = await settle(app, pilot)
        week = expected_numbers(portal, 7)
        assert f"Last 7 days: {week.leads} leads created" in text
        assert funnel_count(text, "New") == week.leads

        await pilot.press("9")
        text = await settle(app, pilot)
        quarter = expected_numbers(portal, 90)
        assert f"Last 90 days: {quarter.leads} leads created" in text
        assert funnel_count(text, "Disqualified") == quarter.funnel["disqualified"]

        await pilot.press("p")  # cycles back to the first period
        assert "Last 7 days" in await settle(app, pilot)

        await pilot.press("3", "0")  # the footer says "30 days": typing 30 works
        text = await settle(app, pilot)
        assert f"Last 30 days: {month.leads} leads created" in text
        assert "7 7 days 3 30 days 9 90 days" in " ".join(text.splitlines()[-1].split())  # compact < 100 cols

        assert app.clock_threads and threading.get_ident() not in app.clock_threads
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatsScreen)
        assert app.results == [None]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
async def test_each_period_key_the_footer_shows_switches_to_that_period(
    cache: Path, size: tuple[int, int]
) -> None:
    """The footer names each period with the one key that switches to it (7, 3, 9), never "30"."""
    app = StatsHost(cache)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        footer = " ".join(screen_text(app).splitlines()[-1].split())
        for key, days in (("9", 90), ("7", 7), ("3", 30)):
            assert f"{key} {days} days" in footer
            await pilot.press(key)
            assert f"Last {days} days:" in await settle(app, pilot)


async def test_wide_layout_puts_panels_side_by_side_at_160x50(cache: Path, portal: Portal) -> None:
    app = StatsHost(cache)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.click("#days-90")
        text = await settle(app, pilot)
        assert "Last 90 days" in text
        lines = text.splitlines()
        assert any("Funnel" in line and "Speed to lead" in line for line in lines)
        assert any("By source" in line and "By lead type" in line for line in lines)
        quarter = expected_numbers(portal, 90)
        for reason, count in quarter.reasons.items():
            assert any(reason in line and f" {count} " in line for line in lines), reason
        assert "Demo request" in text and "Pricing page" in text
        assert "most in a day" in text


async def test_an_unreadable_cache_says_so_instead_of_spinning(tmp_path: Path) -> None:
    app = StatsHost(tmp_path)  # a folder, not a cache file
    async with app.run_test(size=(80, 24)) as pilot:
        text = await settle(app, pilot)
        words = " ".join(text.split())  # the message wraps wherever the temp path's length puts it
        assert "Cannot read the stats" in words and "is not a file" in words
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatsScreen)


async def test_an_empty_cache_shows_zeros(tmp_path: Path) -> None:
    app = StatsHost(tmp_path / "new.sqlite")
    async with app.run_test(size=(80, 24)) as pilot:
        text = await settle(app, pilot)
        assert "Last 30 days: 0 leads created" in text
        assert funnel_count(text, "New") == 0
        assert "0 touched, 0 not touched yet" in text
