"""The lead screen, resolving changes that did not reach HubSpot, and the status line's phrases.

Local tests use a seeded cache with sync off; the sync tests use the sandbox over real HTTP (a
conflict made by "another user" in HubSpot, a revoked token) or a closed port (offline).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import OptionList, TextArea

from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.move_stage import MoveStage
from leadboard.config import Settings
from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.add_note import AddNoteModal
from leadboard.screens.board import BoardScreen
from leadboard.screens.confirm import ConfirmModal
from leadboard.screens.lead import LeadScreen, activity_text
from leadboard.screens.ops import OpScreen
from leadboard.sla_settings import SlaSettings
from leadboard.time_words import RepCalendar
from leadboard.widgets.sync_status import SyncStatusBar
from tests.ui.board_support import (
    board_app,
    cache_path,
    fill_cache,
    sandbox,
    sandbox_app,
    screen_text,
    settle,
    until_idle,
)

__all__ = ["cache_path", "sandbox"]


def failed_note(db: Path, lead_id: str, text: str, error: str) -> str:
    """Queue a note and fail it the way the push does for a 400; return its op id."""
    with Store.open(db) as store:
        op = store.outbox.enqueue(AddNote(lead_id=lead_id, text=text))
        assert store.outbox.claim_next() is not None
        store.outbox.finish_failed(op.op_id, error, http_status=400)
        return op.op_id


def status_line(app: object) -> str:
    screen = getattr(app, "screen")  # noqa: B009
    return str(screen.query_one(SyncStatusBar).line)


async def open_lead(app: object, pilot: object, lead_id: str) -> LeadScreen:
    board = getattr(app, "screen")  # noqa: B009
    assert isinstance(board, BoardScreen) and board.select_lead(lead_id)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    screen = getattr(app, "screen")  # noqa: B009
    assert isinstance(screen, LeadScreen)
    return screen


async def test_lead_screen_shows_contact_properties_and_changes(cache_path: Path) -> None:
    failed_note(cache_path, "4", "Asked for [b]pricing[/b]", "Property values were not valid")
    app = board_app(cache_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await open_lead(app, pilot, "4")
        text = screen_text(app)
        for shown in ("Pat Person4", "Buyer", "pat4@example.test", "+1 555 0104", "Upsell", "Hot"):
            assert shown in text
        assert "Changes not yet in HubSpot (1" in text
        assert "Note · failed" in text and "Asked for [b]pricing[/b]" in text
        assert "why: Property values were not valid" in text
        assert "No calls or notes yet." in text


def add_follow_up_task(db: Path, lead_id: str, subject: str, status: str = "NOT_STARTED") -> None:
    """A follow-up task on the lead's contact, as an earlier lead's timing disqualify left it."""
    with Store.open(db) as store:
        contact_id = store.lead_contact_id(lead_id)
        assert contact_id is not None
        properties = {
            "hs_timestamp": "2027-02-22T09:00:00Z",
            "hs_task_subject": subject,
            "hs_task_body": "<p>Disqualified: Bad Timing. Re-attempt the contact.</p>",
            "hs_task_status": status,
        }
        store.upsert_activities("task", [{"id": "t1", "properties": properties}], None, contact_id)


async def test_a_follow_up_task_shows_on_the_timeline_as_a_task(cache_path: Path) -> None:
    add_follow_up_task(cache_path, "4", "Re-attempt \x1b[31mPat [b]now[/b]\n(disqualified: Bad Timing)")
    app = board_app(cache_path, sla=SlaSettings.parse({"time_zone": "America/New_York"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_lead(app, pilot, "4")
        text = screen_text(app)
    # Due 2027-02-22 09:00 UTC: 04:00 in the rep's New York, and not this year (the board's now is 2026).
    assert (
        "☐ 22 Feb 2027 04:00 · follow-up task · NOT_STARTED — "
        "Re-attempt Pat [b]now[/b] (disqualified: Bad Timing)" in text
    )
    assert "Disqualified: Bad Timing. Re-attempt the contact." in text
    assert "Timeline (1)" in text and "\x1b" not in text
    assert screen.current_lead is not None and screen.current_lead.first_touch is None


def test_a_completed_task_is_ticked() -> None:
    from leadboard.cache.read_model import Activity
    from leadboard.state import PortalMeta

    done = Activity("t2", "task", None, "", "Call back", None, None, None, status="COMPLETED")
    calendar = RepCalendar(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), UTC)
    assert activity_text(done, PortalMeta(), calendar).plain == "☑ — · follow-up task · COMPLETED — Call back"


async def test_failed_change_edit_and_retry_keeps_the_text(cache_path: Path) -> None:
    op_id = failed_note(cache_path, "4", "first words", "HubSpot refused it")
    app = board_app(cache_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_lead(app, pilot, "4")
        screen.query_one("#lead-ops", OptionList).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OpScreen)
        await pilot.click("#edit")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, AddNoteModal)
        assert modal.query_one("#note", TextArea).text == "first words"  # nothing the rep typed is lost
        modal.query_one("#note", TextArea).load_text("better words")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, LeadScreen)
    with Store.open(cache_path) as store:
        op = store.outbox.get(op_id)
    assert op.state == "pending" and op.command.text == "better words"  # type: ignore[attr-defined]


async def test_discard_asks_first_and_defaults_to_keeping(cache_path: Path) -> None:
    op_id = failed_note(cache_path, "4", "keep me?", "HubSpot refused it")
    app = board_app(cache_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_lead(app, pilot, "4")
        screen.query_one("#lead-ops", OptionList).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.click("#discard")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # the focused answer is "Keep it"
        await settle(app, pilot)
        with Store.open(cache_path) as store:
            assert store.outbox.get(op_id).state == "failed"
        await pilot.click("#discard")
        await settle(app, pilot)
        await pilot.click("#yes")
        await settle(app, pilot)
        assert isinstance(app.screen, LeadScreen)
        assert "Changes not yet in HubSpot: none" in screen_text(app)
    with Store.open(cache_path) as store:
        assert store.outbox.get(op_id).state == "cancelled"


async def test_conflict_with_hubspot_then_keep_mine(sandbox: SandboxHandle, tmp_path: Path) -> None:
    from leadboard.sync.engine import SyncEngine

    db = tmp_path / "cache.sqlite"
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=db)
    engine = SyncEngine(settings, sandbox.token)
    engine.sync()
    engine.close()
    with Store.open(db) as store:
        lead = next(x for x in store.board() if x.stage_id == "new-stage-id")
        store.outbox.enqueue(MoveStage(lead_id=lead.id, stage_id="attempting-stage-id", note="picked up"))
    sandbox.portal.remote_edit("leads", lead.id, {"hs_pipeline_stage": "connected-stage-id"})

    app = sandbox_app(sandbox, db)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_idle(app, pilot)
        assert status_line(app) == "1 conflict"
        assert any(n.title == "Conflict" for n in app._notifications)
        screen = await open_lead(app, pilot, lead.id)
        await until_idle(app, pilot)
        assert "Move stage · conflict" in screen_text(app)
        screen.query_one("#lead-ops", OptionList).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OpScreen)
        text = screen_text(app)
        assert "you set" in text and "Attempting" in text and "HubSpot has" in text and "Connected" in text
        await pilot.click("#keep-mine")
        await until_idle(app, pilot)
        assert status_line(app).startswith("synced")
    remote = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead.id)
    assert remote["properties"]["hs_pipeline_stage"] == "attempting-stage-id"


async def test_timeline_refreshes_from_hubspot_when_opened(sandbox: SandboxHandle, tmp_path: Path) -> None:
    app = sandbox_app(sandbox, tmp_path / "cache.sqlite")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_idle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        lead = board.current_lead
        assert lead is not None
        await open_lead(app, pilot, lead.id)
        await until_idle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LeadScreen) and screen.detail is not None
        with Store.open(tmp_path / "cache.sqlite") as store:
            cached = store.lead_detail(lead.id)
        assert cached is not None and len(screen.detail.timeline) == len(cached.timeline)
        assert "not refreshed" not in screen_text(app)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_status_says_offline_and_counts_waiting_changes(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    fill_cache(db).close()
    settings = Settings(portal=f"http://127.0.0.1:{closed_port()}", email="rep@example.com", db=db)
    from leadboard.app import LeadboardApp

    app = LeadboardApp(settings, "pat-na1-00000000-0000-0000-0000-000000000000")
    async with app.run_test(size=(100, 30)) as pilot:
        await until_idle(app, pilot)
        assert status_line(app) == "offline"
        assert app.screen.query(BoardScreen) or isinstance(app.screen, BoardScreen)
        await pilot.press("n")
        await settle(app, pilot)
        app.screen.query_one("#note", TextArea).load_text("written on the train")
        await pilot.press("ctrl+s")
        await until_idle(app, pilot)
        assert status_line(app) == "offline: 1 change waiting"
        await pilot.press("r")
        await until_idle(app, pilot)
        assert status_line(app) == "offline: 1 change waiting"


async def test_status_says_the_token_needs_attention(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=tmp_path / "cache.sqlite")
    from leadboard.app import LeadboardApp

    app = LeadboardApp(settings, "pat-na1-revoked-0000")
    async with app.run_test(size=(100, 30)) as pilot:
        await until_idle(app, pilot)
        assert status_line(app) == "token needs attention"
        assert "token needs attention" in screen_text(app)
