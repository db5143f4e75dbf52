"""The board of a rep whose sign-in cannot create leadboard's op id property: the status line asks
for an admin's `leadboard setup` instead of showing a failure, and after the admin ran it `r` sends
the note exactly once (against the real sandbox over HTTP, a portal leadboard never wrote to)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadboard.app import LeadboardApp
from leadboard.config import Settings
from leadboard.op_markers import OP_ID_PROPERTY
from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.screens.board import BoardScreen
from leadboard.sync.errors import NOT_SET_UP
from leadboard.sync.hubspot import OP_ID_OBJECT_TYPES
from tests.sync.push_support import gateway_for
from tests.sync.test_hidden_markers import rep_token_without_schema_scopes
from tests.ui.board_support import screen_text, settle, until_idle


@pytest.fixture(scope="module")
def new_portal() -> Iterator[SandboxHandle]:
    portal = PortalSettings(rep_leads=6, owners=2, other_leads=4, search_lag=0.0, app_properties=False)
    with running_sandbox(portal, rate_limits=RateLimits.off()) as handle:
        yield handle


def notes_saying(sandbox: SandboxHandle, text: str) -> list[dict[str, str]]:
    return [n["properties"] for n in sandbox.portal.objects("notes") if text in str(n["properties"])]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
async def test_the_board_asks_for_an_admin_then_r_sends_the_note_once_setup_ran(
    new_portal: SandboxHandle, tmp_path: Path, size: tuple[int, int]
) -> None:
    new_portal.portal.reset()
    token = rep_token_without_schema_scopes(new_portal)
    settings = Settings(portal=new_portal.base_url, email=new_portal.rep_email, db=tmp_path / "cache.sqlite")
    text = f"Sent the deck ({size[0]}x{size[1]})"
    app = LeadboardApp(settings, token)
    async with app.run_test(size=size) as pilot:
        await until_idle(app, pilot)
        assert isinstance(app.screen, BoardScreen) and app.screen.current_lead is not None
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press(*text, "ctrl+s")
        await until_idle(app, pilot)
        assert NOT_SET_UP in screen_text(app)
        assert "failed" not in screen_text(app)
        assert notes_saying(new_portal, text) == []

        with gateway_for(new_portal) as admin:  # the admin's `leadboard setup`
            for object_type in OP_ID_OBJECT_TYPES:
                admin.create_op_id_property(object_type)
        await pilot.press("r")
        await until_idle(app, pilot)
        assert NOT_SET_UP not in screen_text(app)
    notes = notes_saying(new_portal, text)
    assert len(notes) == 1 and notes[0][OP_ID_PROPERTY] and "lb:" not in notes[0]["hs_note_body"]
