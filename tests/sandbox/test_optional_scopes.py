"""HubSpot's `optional_scope`, as the sandbox's OAuth grants it: to a user whose permissions cover the
scope (the schema write scopes need the right to edit properties), silently left out for any other
user, who still installs the app. Over real HTTP: the authorize form, the token, introspection and
a property create."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sandbox.users import portal_users
from tests.sandbox.oauth_support import (
    authorize_params,
    client_fields,
    exchange,
    pkce_pair,
    redirect_query,
    request,
)
from tests.sandbox.server_support import TIMEOUT, small_settings

REQUIRED = "crm.objects.leads.read crm.objects.contacts.write crm.objects.owners.read"
OPTIONAL = "crm.schemas.contacts.write crm.schemas.deals.write"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(app_properties=False), rate_limits=False) as handle:
        yield handle


def install(handle: SandboxHandle, user_id: int, **params: str) -> dict[str, Any]:
    """Submit the authorize form as `user_id` with these parameters; the token answer as JSON."""
    verifier, challenge = pkce_pair()
    fields = {**authorize_params(handle, challenge, **params), "user_id": str(user_id), "decision": "connect"}
    reply = request(handle, "POST", "/oauth/authorize", fields)
    assert reply.status == 303, reply.data
    answer = exchange(handle, redirect_query(reply)["code"], verifier)
    assert answer.status == 200, answer.data
    result: dict[str, Any] = answer.json()
    return result


def introspected(handle: SandboxHandle, token: str) -> dict[str, Any]:
    reply = request(handle, "POST", "/oauth/2026-09/token/introspect", client_fields(handle, token=token))
    assert reply.status == 200, reply.data
    result: dict[str, Any] = reply.json()
    return result


def create_property(handle: SandboxHandle, token: str) -> int:
    """POST leadboard's op id property on notes with this token; the HTTP status."""
    body = (
        b'{"name": "leadboard_op_id", "label": "leadboard op id", "type": "string", "fieldType": "text",'
        b' "groupName": "engagement", "hidden": true, "formField": false}'
    )
    reply = urllib3.PoolManager().request(
        "POST",
        f"{handle.base_url}/crm/properties/2026-09/notes",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        retries=False,
        timeout=TIMEOUT,
    )
    return reply.status


def test_the_page_marks_the_optional_scopes(sandbox: SandboxHandle) -> None:
    _, challenge = pkce_pair()
    page = request(
        sandbox,
        "GET",
        "/oauth/authorize",
        authorize_params(sandbox, challenge, scope=REQUIRED, optional_scope=OPTIONAL),
    )
    text = page.data.decode()
    assert page.status == 200
    assert "crm.schemas.deals.write (optional: only if your permissions allow it)" in text
    assert "crm.objects.leads.read (optional" not in text


def test_optional_scopes_go_to_an_admin_and_are_left_out_for_a_rep_who_still_installs(
    sandbox: SandboxHandle,
) -> None:
    sandbox.portal.reset()
    users = portal_users(sandbox.portal)
    rep = next(u for u in users if not u.edit_properties)
    admin = next(u for u in users if u.edit_properties)

    for_rep = install(sandbox, rep.user_id, scope=REQUIRED, optional_scope=OPTIONAL)
    assert for_rep["scopes"] == REQUIRED.split()
    assert introspected(sandbox, for_rep["access_token"])["scopes"] == REQUIRED.split()
    assert create_property(sandbox, for_rep["access_token"]) == 403

    for_admin = install(sandbox, admin.user_id, scope=REQUIRED, optional_scope=OPTIONAL)
    assert for_admin["scopes"] == REQUIRED.split() + OPTIONAL.split()
    assert introspected(sandbox, for_admin["access_token"])["scopes"] == REQUIRED.split() + OPTIONAL.split()
    assert create_property(sandbox, for_admin["access_token"]) == 201


def test_a_rep_given_the_scope_outright_still_may_not_edit_properties(sandbox: SandboxHandle) -> None:
    sandbox.portal.reset()
    rep = next(u for u in portal_users(sandbox.portal) if not u.edit_properties)
    answer = install(sandbox, rep.user_id, scope=f"{REQUIRED} crm.schemas.contacts.write")
    assert create_property(sandbox, answer["access_token"]) == 403
