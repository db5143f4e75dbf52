"""What the rep sees on the board about who they act as: their OAuth sign-in, its end, signing in again.

The real app, built as `leadboard` builds it for a returning rep (the stored credential is looked
up on the sync thread), the real sandbox over HTTP with its OAuth, and the sign-in stored the way
`leadboard login` stores it. The sandbox's clock is the test's, so its access tokens expire when
the test says.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadboard.app import LeadboardApp
from leadboard.cli.credentials import OAuthCredential, store_oauth
from leadboard.cli.demo_sign_in import sign_in_demo_rep
from leadboard.cli.launch import _engine_with_stored_token
from leadboard.config import AuthSettings, Settings
from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.screens.board import BoardScreen
from leadboard.secret import Secret
from leadboard.widgets.sync_status import SyncStatusBar
from tests.cli.oauth_flow import rep_user_id, revoke_at_hubspot
from tests.sandbox.server_support import FakeClock, small_settings
from tests.ui.board_support import screen_text, until_idle

TOKEN_TTL = 600


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sandbox(clock: FakeClock) -> Iterator[SandboxHandle]:
    portal = small_settings(clock=clock, token_ttl=TOKEN_TTL, rep_leads=4, owners=2, other_leads=3)
    with running_sandbox(portal, rate_limits=RateLimits.off()) as handle:
        yield handle


def rep_settings(sandbox: SandboxHandle, db: Path) -> Settings:
    """A rep's settings with the company's app and no email: the sign-in says who they are."""
    app = AuthSettings(client_id=sandbox.client_id, client_secret=Secret(sandbox.client_secret))
    return Settings(portal=sandbox.base_url, db=db, auth=app)


def sign_in(settings: Settings, sandbox: SandboxHandle) -> OAuthCredential:
    """Connect as the sandbox's rep on its authorize form and store the sign-in as `leadboard login` does."""
    credential = sign_in_demo_rep(settings, rep_user_id(sandbox))
    store_oauth(settings, credential)
    return credential


def status_line(app: LeadboardApp) -> str:
    return str(app.screen.query_one(SyncStatusBar).line)


def notes_with(sandbox: SandboxHandle, text: str) -> int:
    return sum(text in (n["properties"].get("hs_note_body") or "") for n in sandbox.portal.objects("notes"))


async def test_a_revoked_sign_in_asks_to_sign_in_again_and_the_waiting_note_goes_once_after(
    sandbox: SandboxHandle, clock: FakeClock, tmp_path: Path
) -> None:
    settings = rep_settings(sandbox, tmp_path / "cache.sqlite")
    first = sign_in(settings, sandbox)
    app = LeadboardApp(settings, None, engine_factory=_engine_with_stored_token)
    text = "Called back while signed out"
    async with app.run_test(size=(160, 50)) as pilot:
        await until_idle(app, pilot)
        assert isinstance(app.screen, BoardScreen) and app.screen.current_lead is not None
        signed_in = f"signed in as {first.who}"
        assert first.who.startswith("Demo Rep (portal ")
        assert status_line(app).startswith("synced ") and status_line(app).endswith(signed_in)
        assert signed_in in screen_text(app)

        revoke_at_hubspot(sandbox, first.refresh_token.get_secret_value())
        clock.advance(TOKEN_TTL + 1)  # and the access token the board holds has expired at HubSpot
        await pilot.press("n", *text, "ctrl+s")
        await until_idle(app, pilot)
        assert status_line(app) == "sign in again: leadboard login · 1 change waiting"
        shown = screen_text(app)
        assert "sign in again: leadboard login · 1 change waiting" in shown
        assert "signed in as" not in shown
        assert notes_with(sandbox, text) == 0

        again = sign_in(settings, sandbox)  # `leadboard login` in another terminal
        assert again.refresh_token != first.refresh_token
        sandbox.clear_request_log()
        await pilot.press("r")
        await until_idle(app, pilot)
        assert status_line(app).startswith("synced ") and status_line(app).endswith(signed_in)
        await pilot.press("r")  # one more attempt sends nothing twice
        await until_idle(app, pilot)
        assert "sign in again" not in screen_text(app)

    assert notes_with(sandbox, text) == 1
    writes = [r for r in sandbox.request_log() if r.method == "POST" and "/notes" in r.path]
    assert writes and {r.user_id for r in writes} == {rep_user_id(sandbox)}  # as the rep, not a key


async def test_a_service_key_is_called_account_level_once_on_the_board(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=tmp_path / "cache.sqlite")
    app = LeadboardApp(settings, sandbox.token)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:  # toasts drawn as a rep sees them
        await until_idle(app, pilot)
        assert "signed in as" not in status_line(app)
        await pilot.press("r")
        await until_idle(app, pilot)
        shown = screen_text(app)
        assert shown.count("Account-level key") == 1  # said once, not on every sync
        toast = " ".join(line.split("▌", 1)[1].strip(" │╯─") for line in shown.splitlines() if "▌" in line)
        assert "not your own sign-in: HubSpot shows the key, not you, as the author" in toast
        assert sandbox.token not in shown
