"""`leadboard login` through the sandbox's OAuth, with `leadboard` in real processes and the test as
the rep's browser: loopback and pasted answers, every way a sign-in ends without one, the refresh
across an expiry in the middle of a push, two processes refreshing at once, a revoked grant, and
signing in again with the outbox kept."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import urllib3

from leadboard.cli.credentials import OAuthCredential, load_oauth, store_oauth, token_file_path
from leadboard.cli.oauth_tokens import OAuthTokens
from leadboard.config import load_settings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sync.errors import MissingScopes, SignInAgain
from leadboard.sync.hubspot import HubSpotGateway
from tests.cli.oauth_flow import (
    approve,
    finish,
    follow,
    leadboard,
    oauth_env,
    other_owner,
    printed_url,
    rep_user_id,
    start_login,
)
from tests.sandbox.server_support import FakeClock, small_settings

TOKEN_PATH = "/oauth/2026-09/token"


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sandbox(clock: FakeClock) -> Iterator[SandboxHandle]:
    settings = small_settings(clock=clock, token_ttl=600, rep_leads=4, owners=2, other_leads=3)
    with running_sandbox(settings, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def env(
    sandbox: SandboxHandle, isolated_dirs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The processes share this test's dirs and app, so the test reads the same token store they write."""
    monkeypatch.setenv("LEADBOARD_CLIENT_ID", sandbox.client_id)
    monkeypatch.setenv("LEADBOARD_CLIENT_SECRET", sandbox.client_secret)
    return oauth_env(sandbox, isolated_dirs, tmp_path / "cache.sqlite")


def signed_in(env: dict[str, str], sandbox: SandboxHandle) -> OAuthCredential:
    """`leadboard login` as the demo rep, the test answering as the browser; the stored sign-in."""
    login = start_login(env)
    status, page = follow(approve(printed_url(login), rep_user_id(sandbox)))
    code, out, err = finish(login)
    assert code == 0, err
    assert status == 200 and "You can close this tab" in page
    return stored(env)


def stored(env: dict[str, str]) -> OAuthCredential:
    return load_oauth(load_settings(portal=env["LEADBOARD_PORTAL"])) or pytest.fail("no sign-in stored")


def refreshes(sandbox: SandboxHandle) -> int:
    return sum(
        1
        for r in sandbox.request_log()
        if r.path == TOKEN_PATH and b"grant_type=refresh_token" in r.request_body
    )


def every_token(credential: OAuthCredential) -> list[str]:
    return [credential.access_token.get_secret_value(), credential.refresh_token.get_secret_value()]


def test_login_through_the_loopback_signs_the_rep_in_and_no_email_is_needed(
    env: dict[str, str], sandbox: SandboxHandle, isolated_dirs: Path, tmp_path: Path
) -> None:
    login = start_login(env)
    url = printed_url(login)
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["code_challenge_method"] == "S256" and len(query["state"]) >= 20
    assert "crm.objects.leads.write" in query["scope"].split()
    status, page = follow(approve(url, rep_user_id(sandbox)))
    code, out, err = finish(login)
    assert (code, err) == (0, "")
    assert status == 200 and "Signed in to leadboard" in page
    assert "Signed in as Demo Rep (portal " in out
    credential = stored(env)

    synced = leadboard(env, "sync")  # no LEADBOARD_EMAIL anywhere: the token says who the rep is
    assert synced.returncode == 0, synced.stderr
    status_run = leadboard(env, "status")
    assert status_run.stdout.splitlines()[1] == f"signed in as {credential.who}"
    assert credential.who.startswith("Demo Rep (portal ")

    shown = out + err + synced.stdout + synced.stderr + status_run.stdout + status_run.stderr
    cache = (tmp_path / "cache.sqlite").read_bytes()
    logs = b"".join(p.read_bytes() for p in (isolated_dirs / "state").rglob("*") if p.is_file())
    for token in every_token(credential):
        assert token not in shown
        assert token.encode() not in cache
        assert token.encode() not in logs


@pytest.mark.parametrize("pasted", ["address", "code"])
def test_login_takes_the_redirect_pasted_on_stdin(
    env: dict[str, str], sandbox: SandboxHandle, pasted: str
) -> None:
    login = start_login(env)
    location = approve(printed_url(login), rep_user_id(sandbox))
    text = location if pasted == "address" else dict(parse_qsl(urlsplit(location).query))["code"]
    code, out, err = finish(login, text + "\n")
    assert (code, err) == (0, "")
    assert "Signed in as Demo Rep" in out


def _with_state(location: str, state: str) -> str:
    parts = urlsplit(location)
    query = {**dict(parse_qsl(parts.query)), "state": state}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


@pytest.mark.parametrize("ending", ["deny", "wrong state", "timeout", "stdin closed"])
def test_a_sign_in_that_does_not_happen_is_one_line_and_exit_1(
    env: dict[str, str], sandbox: SandboxHandle, ending: str
) -> None:
    login = start_login(env, *(["--timeout", "2"] if ending == "timeout" else []))
    url = printed_url(login)
    stdin: str | None = None
    page = ""
    if ending == "deny":
        _, page = follow(approve(url, rep_user_id(sandbox), decision="deny"))
    elif ending == "wrong state":
        _, page = follow(_with_state(approve(url, rep_user_id(sandbox)), "forged-state"))
    elif ending == "stdin closed":
        stdin = ""
    else:
        assert login.stdin is not None  # kept open: only the clock ends this one
    code, _, err = finish(login, stdin) if ending != "timeout" else _wait(login)
    expected = {
        "deny": "you denied leadboard access in HubSpot",
        "wrong state": "its state does not match",
        "timeout": "timed out after 2 s",
        "stdin closed": "standard input closed",
    }[ending]
    assert code == 1
    assert len(err.splitlines()) == 1 and expected in err, err
    if ending in ("deny", "wrong state"):  # the browser's tab says so too, before the command exits
        assert page.startswith("leadboard did not sign you in:") and expected in page
    assert load_oauth(load_settings(portal=env["LEADBOARD_PORTAL"])) is None


def _wait(login: subprocess.Popen[str]) -> tuple[int, str, str]:
    code = login.wait(timeout=60)
    assert login.stdout is not None and login.stderr is not None
    return code, login.stdout.read(), login.stderr.read()


def test_an_access_token_that_expires_in_the_middle_of_a_push_is_refreshed_once(
    env: dict[str, str], sandbox: SandboxHandle, clock: FakeClock
) -> None:
    signed_in(env, sandbox)
    assert leadboard(env, "sync").returncode == 0
    lead = leadboard(env, "leads", "--json")
    lead_id = json.loads(lead.stdout)[0]["id"]
    texts = [f"expiry note {n} {clock.now}" for n in range(3)]
    for text in texts:
        assert leadboard(env, "note", lead_id, "--text", text, "--no-push").returncode == 0
    sandbox.clear_request_log()
    clock.advance(601)  # every access token the sandbox issued has expired; the stored one looks fresh
    pushed = leadboard(env, "sync")
    assert pushed.returncode == 0, pushed.stderr
    assert refreshes(sandbox) == 1
    assert sum(1 for r in sandbox.request_log() if r.status == 401) == 1
    notes = [n["properties"].get("hs_note_body", "") for n in sandbox.portal.objects("notes")]
    for text in texts:
        assert sum(text in body for body in notes) == 1


def test_processes_refreshing_together_send_one_refresh_and_all_end_with_a_working_token(
    env: dict[str, str], sandbox: SandboxHandle
) -> None:
    credential = signed_in(env, sandbox)
    settings = load_settings(portal=env["LEADBOARD_PORTAL"])
    expired = dataclasses.replace(credential, expires_at=0.0)
    store_oauth(settings, expired)  # due for a refresh
    board = OAuthTokens(settings, expired)  # a board that read the sign-in before the others ran
    sandbox.clear_request_log()
    doctors = [
        subprocess.Popen(
            [sys.executable, "-m", "leadboard", "doctor"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [d.communicate(timeout=120) for d in doctors]
    for out, _ in outputs:
        assert "ok    token accepted" in out, out
        assert "ok    token: signed in as yourself (user-level OAuth)" in out
        assert f"ok    signed in as: {credential.who}" in out
        assert "ok    scopes granted: all 8 leadboard needs" in out
        assert "a push also needs" not in out  # the grant already holds the write scopes
        assert "ok    access token: expires in" in out
    after = stored(env)
    assert after.access_token != credential.access_token and after.refresh_token == credential.refresh_token
    # The board's token has expired too: under the lock it finds the one the others stored and uses it,
    # both before a request and after a 401 to its old one.
    assert board.bearer() == after.access_token
    assert board.refresh_after(credential.access_token) == after.access_token
    assert refreshes(sandbox) == 1


def test_a_revoked_sign_in_asks_to_sign_in_again_and_the_waiting_change_goes_once_after(
    env: dict[str, str], sandbox: SandboxHandle
) -> None:
    credential = signed_in(env, sandbox)
    assert leadboard(env, "sync").returncode == 0
    board_tokens = OAuthTokens(load_settings(portal=env["LEADBOARD_PORTAL"]), credential)  # a board's
    lead_id = json.loads(leadboard(env, "leads", "--json").stdout)[0]["id"]
    revoke = urllib3.PoolManager().request(
        "POST",
        sandbox.base_url + TOKEN_PATH + "/revoke",
        body=urlencode(
            {
                "token": credential.refresh_token.get_secret_value(),
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
            }
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert revoke.status == 200  # as when the rep is removed or the app uninstalled

    text = "Called back after the revoke"
    noted = leadboard(env, "note", lead_id, "--text", text)
    assert noted.returncode == 4
    assert "sign in again: leadboard login" in noted.stderr
    status = leadboard(env, "status")
    assert status.returncode == 1
    assert status.stdout.splitlines()[0] == "sign in again: leadboard login · 1 change waiting"
    with pytest.raises(SignInAgain):  # the board's next request: a 401, then the refused refresh
        board_tokens.refresh_after(board_tokens.bearer())
    with pytest.raises(SignInAgain):  # and it stays so, without asking HubSpot again
        board_tokens.bearer()

    signed_in(env, sandbox)
    assert board_tokens.bearer() == stored(env).access_token  # the board's next attempt picks it up
    synced = leadboard(env, "sync")
    assert synced.returncode == 0, synced.stderr
    again = leadboard(env, "sync")
    assert again.returncode == 0
    notes = [n["properties"].get("hs_note_body", "") for n in sandbox.portal.objects("notes")]
    assert sum(text in body for body in notes) == 1


def test_a_write_to_another_owners_lead_reaches_the_rep_as_a_permission_message(
    env: dict[str, str], sandbox: SandboxHandle
) -> None:
    credential = signed_in(env, sandbox)
    settings = load_settings(portal=env["LEADBOARD_PORTAL"])
    owner = other_owner(sandbox)
    theirs = next(
        str(lead["id"])
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") == str(owner["id"])
    )
    gateway = HubSpotGateway(settings.portal, OAuthTokens(settings, credential), timeout=(2.0, 10.0))
    with pytest.raises(MissingScopes) as refused:
        gateway.update_lead(theirs, {"hs_lead_label": "HOT"})
    assert refused.value.scopes == ()
    assert "does not have permission to edit" in str(refused.value)
    assert "owned by another user" in str(refused.value)


def test_logout_revokes_the_sign_in_and_says_what_it_removed(
    env: dict[str, str], sandbox: SandboxHandle
) -> None:
    credential = signed_in(env, sandbox)
    out = leadboard(env, "logout")
    assert out.returncode == 0
    assert "Revoked at HubSpot." in out.stdout and str(token_file_path()) in out.stdout
    assert load_oauth(load_settings(portal=env["LEADBOARD_PORTAL"])) is None
    settings = load_settings(portal=env["LEADBOARD_PORTAL"])
    store_oauth(settings, dataclasses.replace(credential, expires_at=0.0))
    with pytest.raises(SignInAgain):
        OAuthTokens(settings, credential).refresh_after(credential.access_token)
