"""HubSpot's error bodies for 401, 403, 404 and 429, as the real client receives them.

The server's auth, scope and limit behaviour is tested with the server; here the point is that each
body validates against the spec's Error schema (the autouse check does that) and still tells a
client user what went wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.conftest import make_client
from tests.sandbox.contract_support import api_error


def test_a_wrong_token_is_401_invalid_authentication(sandbox: Any) -> None:
    stranger = make_client(sandbox, token="pat-na1-00000000-0000-0000-0000-000000000000")
    status, error = api_error(stranger.crm.objects.leads.basic_api.get_page, limit=1)
    assert status == 401 and error["category"] == "INVALID_AUTHENTICATION"
    assert error["message"] and error["correlationId"]


def test_a_call_outside_the_tokens_scopes_is_403_naming_them(sandbox: Any) -> None:
    sandbox.add_token("pat-na1-contacts-only", {"crm.objects.contacts.read"})
    narrow = make_client(sandbox, token="pat-na1-contacts-only")
    assert narrow.crm.contacts.basic_api.get_page(limit=1).results
    status, error = api_error(narrow.crm.objects.leads.basic_api.get_page, limit=1)
    assert status == 403 and error["category"] == "MISSING_SCOPES"
    required = error["errors"][0]["context"]["requiredGranularScopes"]
    assert "crm.objects.leads.read" in required


def test_an_unknown_record_is_404_object_not_found(client: Any) -> None:
    status, error = api_error(client.crm.objects.leads.basic_api.get_by_id, "987654321")
    assert status == 404 and error["category"] == "OBJECT_NOT_FOUND"


def test_a_burst_of_searches_is_429_with_a_policy_name(start_sandbox: Callable[..., Any]) -> None:
    limited = start_sandbox()
    limited.set_rate_limits(True)
    search = make_client(limited).crm.objects.leads.search_api.do_search
    refusals: list[str] = []
    for _ in range(12):
        try:
            search({"limit": 1})
        except Exception as exc:
            if getattr(exc, "status", None) != 429:
                raise
            refusals.append(str(getattr(exc, "body", "")))
    assert refusals, "more than 5 searches in a second must be throttled"
    body = json.loads(refusals[0])
    assert body["status"] == "error" and body["policyName"] in {"SECONDLY", "TEN_SECONDLY_ROLLING"}
