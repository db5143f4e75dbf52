"""The sandbox's OAuth over real HTTP: the authorize form, PKCE, refresh, revoke, expiry, permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.sandbox.oauth_support import (
    authorize,
    authorize_params,
    client_fields,
    exchange,
    pkce_pair,
    redirect_query,
    request,
    sign_in,
)
from tests.sandbox.server_support import FakeClock, call, small_settings


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sandbox(clock: FakeClock) -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(clock=clock, token_ttl=60), rate_limits=False) as handle:
        yield handle


def _users(handle: SandboxHandle) -> list[dict[str, Any]]:
    owners: list[dict[str, Any]] = handle.portal.list_owners()["results"]
    return owners


def _lead_owned_by(handle: SandboxHandle, owner_id: str) -> str:
    leads = handle.portal.objects("leads")
    return next(str(r["id"]) for r in leads if r["properties"].get("hubspot_owner_id") == owner_id)


def test_the_authorize_page_lists_the_users_and_escapes_what_it_echoes(sandbox: SandboxHandle) -> None:
    _, challenge = pkce_pair()
    params = authorize_params(sandbox, challenge, state='"><script>alert(1)</script>')
    reply = request(sandbox, "GET", "/oauth/authorize", params)
    page = reply.data.decode()
    assert reply.status == 200
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert sandbox.rep_email in page
    assert 'value="connect"' in page and 'value="deny"' in page


def test_connect_redirects_with_a_code_and_the_state(sandbox: SandboxHandle) -> None:
    _, challenge = pkce_pair()
    reply = authorize(sandbox, _users(sandbox)[0]["userId"], challenge)
    assert reply.status == 303
    query = redirect_query(reply)
    assert query["state"] == "st-123" and query["code"]


def test_deny_redirects_with_access_denied(sandbox: SandboxHandle) -> None:
    _, challenge = pkce_pair()
    reply = authorize(sandbox, _users(sandbox)[0]["userId"], challenge, decision="deny")
    assert reply.status == 303
    assert redirect_query(reply) == {"error": "access_denied", "state": "st-123"}


@pytest.mark.parametrize(
    "override",
    [{"client_id": "someone-else"}, {"redirect_uri": "https://evil.example/callback"}],
    ids=["unknown client", "unknown redirect"],
)
def test_an_unknown_client_or_redirect_gets_a_page_not_a_redirect(
    sandbox: SandboxHandle, override: dict[str, str]
) -> None:
    _, challenge = pkce_pair()
    reply = request(sandbox, "GET", "/oauth/authorize", authorize_params(sandbox, challenge, **override))
    assert reply.status == 400 and "Location" not in reply.headers
    assert "<" not in next(iter(override.values()))  # the value itself is echoed, escaped
    posted = request(
        sandbox,
        "POST",
        "/oauth/authorize",
        {**authorize_params(sandbox, challenge, **override), "decision": "connect"},
    )
    assert posted.status == 400 and "Location" not in posted.headers


def test_the_code_needs_the_right_verifier_and_works_once(sandbox: SandboxHandle) -> None:
    verifier, challenge = pkce_pair()
    user = _users(sandbox)[0]
    code = redirect_query(authorize(sandbox, user["userId"], challenge))["code"]
    wrong = exchange(sandbox, code, "not-the-verifier-" + "x" * 40)
    assert wrong.status == 400 and wrong.json()["error"] == "invalid_grant"
    code = redirect_query(authorize(sandbox, user["userId"], challenge))["code"]
    first = exchange(sandbox, code, verifier)
    assert first.status == 200
    tokens = first.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 60
    assert tokens["user_id"] == user["userId"] and tokens["refresh_token"]
    again = exchange(sandbox, code, verifier)
    assert again.status == 400 and again.json()["error"] == "invalid_grant"
    assert call(sandbox, "GET", "/crm/v3/owners", token=tokens["access_token"]).status == 200


def test_a_wrong_client_secret_is_invalid_client(sandbox: SandboxHandle) -> None:
    fields = {
        **client_fields(sandbox),
        "client_secret": "wrong",
        "grant_type": "refresh_token",
        "refresh_token": "x",
    }
    reply = request(sandbox, "POST", "/oauth/2026-09/token", fields)
    assert reply.status == 401 and reply.json()["error"] == "invalid_client"


def test_an_access_token_expires_and_the_refresh_token_renews_it(
    sandbox: SandboxHandle, clock: FakeClock
) -> None:
    tokens = sign_in(sandbox, _users(sandbox)[0]["userId"])
    clock.advance(61)
    expired = call(sandbox, "GET", "/crm/v3/owners", token=tokens["access_token"])
    assert expired.status == 401 and expired.json()["category"] == "INVALID_AUTHENTICATION"
    fields = client_fields(sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    renewed = request(sandbox, "POST", "/oauth/2026-09/token", fields)
    assert renewed.status == 200
    assert call(sandbox, "GET", "/crm/v3/owners", token=renewed.json()["access_token"]).status == 200


def test_introspect_names_the_user_and_revoke_ends_the_refresh_token(sandbox: SandboxHandle) -> None:
    user = _users(sandbox)[0]
    tokens = sign_in(sandbox, user["userId"])
    info = request(
        sandbox,
        "POST",
        "/oauth/2026-09/token/introspect",
        client_fields(sandbox, token=tokens["access_token"]),
    )
    assert info.status == 200
    assert info.json()["active"] is True and info.json()["user_id"] == user["userId"]
    assert info.json()["user"] == user["email"]
    revoked = request(
        sandbox, "POST", "/oauth/2026-09/token/revoke", client_fields(sandbox, token=tokens["refresh_token"])
    )
    assert revoked.status == 200
    fields = client_fields(sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    refused = request(sandbox, "POST", "/oauth/2026-09/token", fields)
    assert refused.status == 400 and refused.json()["error"] == "invalid_grant"
    assert call(sandbox, "GET", "/crm/v3/owners", token=tokens["access_token"]).status == 401
    after = request(
        sandbox,
        "POST",
        "/oauth/2026-09/token/introspect",
        client_fields(sandbox, token=tokens["access_token"]),
    )
    assert after.json() == {"active": False}


def test_a_rep_may_edit_their_own_lead_but_not_another_owners(sandbox: SandboxHandle) -> None:
    rep, manager = _users(sandbox)[0], _users(sandbox)[1]
    token = sign_in(sandbox, rep["userId"])["access_token"]
    own, other = _lead_owned_by(sandbox, rep["id"]), _lead_owned_by(sandbox, manager["id"])
    body = {"properties": {"hs_lead_name": "Renamed by the rep"}}
    sandbox.clear_request_log()
    edited = call(sandbox, "PATCH", f"/crm/v3/objects/leads/{own}", body=body, token=token)
    assert edited.status == 200
    assert edited.json()["properties"]["hs_updated_by_user_id"] == str(rep["userId"])
    refused = call(sandbox, "PATCH", f"/crm/objects/2026-09/leads/{other}", body=body, token=token)
    assert refused.status == 403
    batch = {"inputs": [{"id": other, "properties": {"hs_lead_name": "x"}}]}
    assert call(sandbox, "POST", "/crm/v3/objects/leads/batch/update", body=batch, token=token).status == 403
    assert [r.user_id for r in sandbox.request_log()] == [rep["userId"]] * 3
    manager_token = sign_in(sandbox, manager["userId"])["access_token"]
    assert (
        call(sandbox, "PATCH", f"/crm/v3/objects/leads/{own}", body=body, token=manager_token).status == 200
    )


def test_the_static_token_still_edits_any_lead_without_a_user(sandbox: SandboxHandle) -> None:
    other = _lead_owned_by(sandbox, _users(sandbox)[1]["id"])
    body = {"properties": {"hs_lead_name": "Renamed by the integration"}}
    reply = call(sandbox, "PATCH", f"/crm/v3/objects/leads/{other}", body=body)
    assert reply.status == 200


def test_all_tokens_of_one_app_share_its_burst_budget() -> None:
    limits = RateLimits(app_burst_max=3, burst_max=5)
    with running_sandbox(small_settings(), rate_limits=limits) as handle:
        rep, other = _users(handle)[0], _users(handle)[1]
        first, second = sign_in(handle, rep["userId"]), sign_in(handle, other["userId"])
        replies = [
            call(handle, "GET", "/crm/v3/owners", token=t["access_token"])
            for t in (first, second, first, second)
        ]
        assert [r.status for r in replies] == [200, 200, 200, 429]
        assert replies[0].headers["X-HubSpot-RateLimit-Max"] == "3"
        assert replies[1].headers["X-HubSpot-RateLimit-Remaining"] == "1"
        assert "X-HubSpot-RateLimit-Daily" not in replies[0].headers
        static = call(handle, "GET", "/crm/v3/owners")
        assert static.status == 200 and static.headers["X-HubSpot-RateLimit-Max"] == "5"
