"""The token endpoints' answers, successes and RFC 6749 errors, against HubSpot's 2026-09 auth spec.

The conftest's autouse fixture validates every response served here (the authorize page is HTML
that HubSpot serves outside its API, so it is skipped).
"""

from __future__ import annotations

from leadboard.sandbox.runner import SandboxHandle
from tests.sandbox.oauth_support import client_fields, exchange, request, sign_in


def test_token_introspect_and_revoke_answers_match_the_spec(sandbox: SandboxHandle) -> None:
    user_id = sandbox.portal.list_owners()["results"][0]["userId"]
    tokens = sign_in(sandbox, user_id)
    fields = client_fields(sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert request(sandbox, "POST", "/oauth/2026-09/token", fields).status == 200
    info = request(
        sandbox,
        "POST",
        "/oauth/2026-09/token/introspect",
        client_fields(sandbox, token=tokens["access_token"]),
    )
    assert info.json()["active"] is True
    revoke = request(
        sandbox, "POST", "/oauth/2026-09/token/revoke", client_fields(sandbox, token=tokens["refresh_token"])
    )
    assert revoke.status == 200


def test_error_answers_carry_rfc6749_fields_and_hubspots_error_schema(sandbox: SandboxHandle) -> None:
    reused = exchange(sandbox, "no-such-code", "v" * 43)
    unknown_grant = request(
        sandbox, "POST", "/oauth/2026-09/token", client_fields(sandbox, grant_type="password")
    )
    bad_client = request(
        sandbox, "POST", "/oauth/2026-09/token/introspect", {"client_id": "x", "client_secret": "y"}
    )
    assert (reused.status, reused.json()["error"]) == (400, "invalid_grant")
    assert (unknown_grant.status, unknown_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (bad_client.status, bad_client.json()["error"]) == (401, "invalid_client")
    for reply in (reused, unknown_grant, bad_client):
        assert reply.json()["error_description"]
