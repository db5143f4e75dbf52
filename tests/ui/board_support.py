"""Fixtures and helpers for the board's tests: a realistic cache, the app, and what the screen shows.

`fill_cache` writes HubSpot-shaped leads, contacts and companies through the same store methods the
pull uses, spread over the three open stages. `board_app` builds the app over that cache with sync
off (tests that need HubSpot use the `sandbox` fixture instead). Time is fixed so ages never drift.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.widgets import Input, TextArea

from leadboard.app import LeadboardApp
from leadboard.cache.read_model import KEY_LAST_SYNC
from leadboard.cache.store import Store
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.move_stage import MoveStage
from leadboard.config import Settings
from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.portal import Portal, PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.cache_fixtures import default_meta, hubspot_lead
from tests.stats_support import fill_cache as fill_stats_from

#: "Now" for every board test: ages and "touched … ago" are computed against it.
FIXED_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
STAGES = ("new-stage-id", "attempting-stage-id", "connected-stage-id")
LABELS = ("HOT", "WARM", "COLD", "")

HOSTILE_NAME = "[@click=app.quit]Evil[/] [b]Corp\x1b[31m red\x1b]52;c;ZXZpbA==\x07 \u202eeman 🚀 漢字"
HOSTILE_NOTE = (
    "Call me [bold]now[/bold] \x1b[2J\x1b]8;;http://evil\x07link\x1b]8;;\x07 "
    "\u2066bidi\u2069 👍 [@click=app.quit]x"
)


def fill_cache(path: Path, leads: int = 9, *, hostile: bool = False) -> Store:
    """A cache with `leads` open leads of mine over New/Attempting/Connected (ids "1".."n"),
    each with a contact (and every other one a company); lead 1 has no type."""
    store = Store.open(path)
    store.save_portal_meta(default_meta())
    objects = []
    for i in range(1, leads + 1):
        name = HOSTILE_NAME if hostile and i == 1 else f"Lead {i:03d} Person"
        objects.append(
            hubspot_lead(
                str(i),
                name,
                stage=STAGES[(i - 1) % 3],
                lead_type="" if i == 1 else ("NEW_BUSINESS" if i % 2 else "UPSELL"),
                created=f"2026-02-{(i % 27) + 1:02d}T10:00:00.000Z",
                hs_lead_label=LABELS[i % 4],
                hs_last_activity_date="2026-03-01T09:00:00.000Z" if i % 2 else "",
            )
        )
    store.upsert_leads(objects)
    store.upsert_companies(
        {"id": f"co{i}", "properties": {"name": HOSTILE_NAME if hostile and i == 1 else f"Company {i}"}}
        for i in range(1, leads + 1, 2)
    )
    store.upsert_contacts(
        (
            {
                "id": f"c{i}",
                "properties": {
                    "firstname": "Pat",
                    "lastname": f"Person{i}",
                    "email": f"pat{i}@example.test",
                    "phone": f"+1 555 01{i:02d}",
                    "jobtitle": "Buyer",
                },
            }
            for i in range(1, leads + 1)
        ),
        company_ids={f"c{i}": f"co{i}" for i in range(1, leads + 1, 2)},
    )
    store.link_leads((str(i), f"c{i}", f"co{i}" if i % 2 else None) for i in range(1, leads + 1))
    return store


def board_app(db: Path, **settings: Any) -> LeadboardApp:
    """The app over the cache at `db`, with sync off and the clock fixed."""
    return LeadboardApp(Settings(db=db, **settings), None, sync=False, clock=lambda: FIXED_NOW)


async def settle(app: App[Any], pilot: Any) -> None:
    """Let workers finish and messages be handled (cache reads, repaints)."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app: App[Any]) -> str:
    """What the terminal shows right now, as plain text lines."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, color_system=None)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def still_cursors(app: App[Any]) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    path = tmp_path / "board.sqlite"
    fill_cache(path).close()
    return path


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    """A small sandbox portal over real HTTP, shared by a module's tests (each uses its own cache)."""
    portal = PortalSettings(rep_leads=6, owners=2, other_leads=4, search_lag=0.0)
    with running_sandbox(portal, rate_limits=RateLimits.off()) as handle:
        yield handle


def sandbox_app(handle: SandboxHandle, db: Path, **kwargs: Any) -> LeadboardApp:
    """The app pointed at the sandbox with the sandbox's token, syncing for real."""
    settings = Settings(portal=handle.base_url, email=handle.rep_email, db=db)
    return LeadboardApp(settings, handle.token, **kwargs)


async def until_idle(app: LeadboardApp, pilot: Any, rounds: int = 200) -> None:
    """Wait (by events, not sleeps) until no worker runs and no sync is running or queued."""
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.syncing and not app.workers and not app._push_waiting:
            break
    await settle(app, pilot)


def conflicted_move(db: Path, lead_id: str, *, note: str) -> str:
    """Move `lead_id` New → Attempting, then answer the push the way it answers when HubSpot has moved
    it to Connected meanwhile: the change is in conflict. Returns its op id."""
    at = int(FIXED_NOW.timestamp() * 1000)
    with Store.open(db) as store:
        op = store.outbox.enqueue(
            MoveStage(lead_id=lead_id, stage_id="attempting-stage-id", note=note), now=at
        )
        assert store.outbox.claim_next(now=at) is not None
        store.outbox.finish_conflict(op.op_id, {"hs_pipeline_stage": "connected-stage-id"})
        return op.op_id


def empty_cache(path: Path) -> Path:
    """A rep with no leads: the portal's stages are known and the last sync (just now) found none."""
    with Store.open(path) as store:
        store.save_portal_meta(default_meta())
        store.set_state(KEY_LAST_SYNC, str(int(time.time() * 1000)))  # the status line reads the wall clock
    return path


def with_closed_leads(path: Path) -> Path:
    """`fill_cache`'s open leads plus qualified and disqualified ones (ids "q1".., "d1"..), one of them
    with a disqualification still waiting to reach HubSpot."""
    store = fill_cache(path, 6)
    closed = [
        hubspot_lead(
            f"q{i}",
            f"Won Person {i}",
            stage="qualified-stage-id",
            lead_type="NEW_BUSINESS",
            created=f"2026-02-0{i}T10:00:00.000Z",
            hs_lastmodifieddate=f"2026-02-2{i}T10:00:00.000Z",
        )
        for i in range(1, 4)
    ] + [
        hubspot_lead(
            f"d{i}",
            f"Lost Person {i}",
            stage="unqualified-stage-id",
            lead_type="UPSELL",
            created=f"2026-01-1{i}T10:00:00.000Z",
            hs_lastmodifieddate=f"2026-02-1{i}T10:00:00.000Z",
            hs_lead_disqualification_reason=reason,
            hs_lead_disqualification_note="Revisit in the spring.",
        )
        for i, reason in enumerate(("BAD_TIMING", "NOT_A_GOOD_FIT"), start=1)
    ]
    store.upsert_leads(closed)
    at = int(FIXED_NOW.timestamp() * 1000)
    store.outbox.enqueue(
        Disqualify(lead_id="5", reason="BUDGET_CONSTRAINTS", note="No budget this year."), now=at
    )
    store.close()
    return path


def fill_stats_cache(path: Path, portal: Portal) -> Path:
    """The stats tests' cache, filled from their seeded portal (see `tests.stats_support`)."""
    with Store.open(path) as store:
        fill_stats_from(store, portal)
    return path
