"""End to end: sandbox portal → board → log a call → disqualify with a reason and a note.

The real app, the real sync engine and hubspot-api-client over HTTP to the sandbox, a real SQLite
cache. Afterwards the sandbox must hold the call, the reason, `hs_lead_disqualification_note` and
the timeline note, each exactly once, and the lead must have left the board.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select, TextArea

from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.board import BoardScreen
from leadboard.screens.disqualify import DisqualifyModal
from leadboard.screens.log_call import LogCallModal
from leadboard.screens.move_stage import MoveStageModal
from tests.ui.board_support import sandbox, sandbox_app, screen_text, settle, until_idle

__all__ = ["sandbox"]

NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"


def _bodies(handle: SandboxHandle, kind: str, prop: str, marker: str) -> list[dict[str, Any]]:
    return [o for o in handle.portal.objects(kind) if marker in (o["properties"].get(prop) or "")]


def _associated(handle: SandboxHandle, lead_id: str, to_type: str) -> set[str]:
    page = handle.portal.association_page("leads", lead_id, to_type)
    return {str(r["toObjectId"]) for r in page["results"]}


async def test_log_a_call_then_disqualify_reaches_the_sandbox_once(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    app = sandbox_app(sandbox, tmp_path / "cache.sqlite")
    call_note = f"Rang, no answer {uuid.uuid4().hex[:8]}"
    dq_note = f"Bought a competitor last week {uuid.uuid4().hex[:8]}"
    async with app.run_test(size=(160, 50)) as pilot:
        await until_idle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert [c.stage.label for c in board.columns] == ["New", "Attempting", "Connected"]
        lead = board.current_lead
        assert lead is not None and board.active_index == 0
        lead_id = lead.id

        await pilot.press("c")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        modal.query_one("#outcome", Select).value = NO_ANSWER
        modal.query_one("#note", TextArea).focus()
        await pilot.press(*call_note)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        # The process suggests New → Attempting after a call: the move modal opens prefilled.
        suggestion = app.screen
        assert isinstance(suggestion, MoveStageModal)
        assert suggestion.query_one("#stage", Select).value == "attempting-stage-id"
        await pilot.press("escape")  # the rep declines the move
        await until_idle(app, pilot)
        assert isinstance(app.screen, BoardScreen)

        board.select_lead(lead_id)
        await pilot.press("X")
        await settle(app, pilot)
        dq = app.screen
        assert isinstance(dq, DisqualifyModal)
        dq.query_one("#reason", Select).value = "NOT_A_GOOD_FIT"
        dq.query_one("#note", TextArea).focus()
        await pilot.press(*dq_note)
        await pilot.press("ctrl+s")
        await until_idle(app, pilot)

        assert isinstance(app.screen, BoardScreen)
        on_board = {lead.id for column in board.columns for lead in column.leads}
        assert lead_id not in on_board
        assert "Saved in HubSpot" in " ".join(str(n.message) for n in app._notifications)
        assert not any(n.severity == "error" for n in app._notifications)
        assert lead_id not in screen_text(app)

    calls = _bodies(sandbox, "calls", "hs_call_body", call_note)
    assert len(calls) == 1
    assert calls[0]["properties"]["hs_call_disposition"] == NO_ANSWER
    assert calls[0]["id"] in _associated(sandbox, lead_id, "calls")
    notes = _bodies(sandbox, "notes", "hs_note_body", dq_note)
    assert len(notes) == 1
    assert notes[0]["id"] in _associated(sandbox, lead_id, "notes")
    remote = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead_id)["properties"]
    assert remote["hs_pipeline_stage"] == "unqualified-stage-id"
    assert remote["hs_lead_disqualification_reason"] == "NOT_A_GOOD_FIT"
    assert remote["hs_lead_disqualification_note"] == dq_note


def test_board_without_a_token_says_how_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadboard.cli.launch import run_board
    from leadboard.config import Settings

    code = run_board(Settings(email="rep@example.com", db=tmp_path / "cache.sqlite"))
    err = capsys.readouterr().err
    assert code == 1
    assert "leadboard login" in err and "leadboard demo" in err
