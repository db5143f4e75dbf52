"""Bearer tokens and scopes: HubSpot's 401 and 403 bodies, and tokens managed while serving."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from leadboard.sandbox.runner import DEFAULT_TOKEN, SandboxHandle, running_sandbox
from tests.sandbox.server_support import call, first_lead_id, small_settings


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(), rate_limits=False) as handle:
        yield handle


def test_the_demo_token_is_accepted(sandbox: SandboxHandle) -> None:
    assert sandbox.token == DEFAULT_TOKEN
    assert call(sandbox, "GET", "/crm/v3/owners").status == 200


@pytest.mark.parametrize("token", [None, "pat-na1-not-this-one", ""])
def test_a_missing_or_wrong_token_gets_hubspots_401(sandbox: SandboxHandle, token: str | None) -> None:
    reply = call(sandbox, "GET", "/crm/v3/objects/leads", token=token)
    assert reply.status == 401
    body = reply.json()
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["status"] == "error" and body["correlationId"] and body["message"]
    assert "pat-na1-not-this-one" not in reply.data.decode()


def test_a_basic_auth_header_is_not_a_bearer_token(sandbox: SandboxHandle) -> None:
    import urllib3

    response = urllib3.request(
        "GET",
        sandbox.base_url + "/crm/v3/owners",
        headers={"Authorization": f"Basic {sandbox.token}"},
        retries=False,
    )
    assert response.status == 401


def test_the_client_raises_unauthorized_for_a_wrong_token(sandbox: SandboxHandle) -> None:
    from hubspot import HubSpot

    client = HubSpot(access_token="pat-na1-wrong", host=sandbox.base_url)
    with pytest.raises(Exception) as raised:
        client.crm.objects.leads.basic_api.get_page(limit=1)
    assert getattr(raised.value, "status", None) == 401
    assert type(raised.value).__name__ == "UnauthorizedException"


def test_a_call_outside_the_tokens_scopes_gets_403_naming_the_scopes(sandbox: SandboxHandle) -> None:
    sandbox.add_token("pat-read-only", {"crm.objects.leads.read", "crm.objects.owners.read"})
    assert call(sandbox, "GET", "/crm/v3/objects/leads", token="pat-read-only").status == 200
    lead_id = first_lead_id(sandbox)
    refused = call(
        sandbox,
        "PATCH",
        f"/crm/v3/objects/leads/{lead_id}",
        body={"properties": {"hs_lead_name": "Nope"}},
        token="pat-read-only",
    )
    assert refused.status == 403
    body = refused.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.leads.write"]
    assert (
        sandbox.portal.get_object("leads", lead_id, properties=["hs_lead_name"])["properties"]["hs_lead_name"]
        != "Nope"
    )


def test_notes_and_calls_need_the_contacts_scopes(sandbox: SandboxHandle) -> None:
    sandbox.add_token("pat-leads-only", {"crm.objects.leads.read"})
    refused = call(sandbox, "GET", "/crm/v3/objects/notes", token="pat-leads-only")
    assert refused.status == 403
    assert refused.json()["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.contacts.read"]


def test_associations_need_scopes_for_both_objects(sandbox: SandboxHandle) -> None:
    sandbox.add_token("pat-leads-rw", {"crm.objects.leads.read", "crm.objects.leads.write"})
    lead_id = first_lead_id(sandbox)
    refused = call(
        sandbox, "GET", f"/crm/v4/objects/leads/{lead_id}/associations/contacts", token="pat-leads-rw"
    )
    assert refused.status == 403
    scopes = refused.json()["errors"][0]["context"]["requiredGranularScopes"]
    assert "crm.objects.contacts.read" in scopes


def test_owners_need_the_owners_scope_and_the_client_sees_forbidden(sandbox: SandboxHandle) -> None:
    from hubspot import HubSpot

    sandbox.add_token("pat-no-owners", {"crm.objects.leads.read"})
    client = HubSpot(access_token="pat-no-owners", host=sandbox.base_url)
    with pytest.raises(Exception) as raised:
        client.crm.owners.owners_api.get_page(limit=5)
    assert getattr(raised.value, "status", None) == 403
    body = json.loads(raised.value.body)  # type: ignore[attr-defined]
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.owners.read"]


def test_a_revoked_token_is_refused(sandbox: SandboxHandle) -> None:
    sandbox.add_token("pat-temporary")
    assert call(sandbox, "GET", "/crm/v3/owners", token="pat-temporary").status == 200
    sandbox.revoke_token("pat-temporary")
    assert call(sandbox, "GET", "/crm/v3/owners", token="pat-temporary").status == 401


def test_tokens_can_be_managed_over_the_admin_path(sandbox: SandboxHandle) -> None:
    added = call(
        sandbox,
        "POST",
        "/_sandbox/tokens",
        body={"token": "pat-admin-made", "scopes": ["crm.objects.leads.read"]},
    )
    assert added.status == 201
    assert call(sandbox, "GET", "/crm/v3/objects/leads", token="pat-admin-made").status == 200
    assert call(sandbox, "GET", "/crm/v3/owners", token="pat-admin-made").status == 403
    assert call(sandbox, "DELETE", "/_sandbox/tokens/pat-admin-made", token=None).status == 204
    assert call(sandbox, "GET", "/crm/v3/objects/leads", token="pat-admin-made").status == 401
    bad = call(sandbox, "POST", "/_sandbox/tokens", body={"token": "", "scopes": "all"}, token=None)
    assert bad.status == 400


def test_the_client_works_end_to_end_with_a_scoped_token(sandbox: SandboxHandle) -> None:
    sandbox.add_token("pat-board", {"crm.objects.leads.read", "crm.objects.owners.read"})
    from hubspot import HubSpot

    board = HubSpot(access_token="pat-board", host=sandbox.base_url)
    page = board.crm.objects.leads.basic_api.get_page(limit=3)
    assert len(page.results) == 3
