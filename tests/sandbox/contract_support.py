"""Small helpers shared by the contract tests: HubSpot's type ids, request bodies, error bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import urllib3

# Association type ids (research/hubspot-api.md §5), all HUBSPOT_DEFINED.
LEAD_TO_PRIMARY_CONTACT = 578
LEAD_TO_CONTACT = 608
LEAD_TO_PRIMARY_COMPANY = 580
LEAD_TO_DEAL = 1037
NOTE_TO_CONTACT = 202
NOTE_TO_LEAD = 855
CALL_TO_CONTACT = 194
CALL_TO_LEAD = 597
TASK_TO_LEAD = 647
DEAL_TO_LEAD = 1038
CONTACT_TO_LEAD = 609

LEAD_PIPELINE = "lead-pipeline-id"
LEAD_STAGES = (
    "new-stage-id",
    "attempting-stage-id",
    "connected-stage-id",
    "qualified-stage-id",
    "unqualified-stage-id",
)
CONNECTED_DISPOSITION = "f240bbac-87c9-4f6e-bf70-924b57d47db7"

# ISO-8601 with milliseconds and Z, as HubSpot writes every timestamp.
ISO_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

LEAD_PROPERTIES = [
    "hs_lead_name",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_lead_type",
    "hs_lead_label",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
    "createdate",
]


def assoc(to_id: str, type_id: int) -> dict[str, Any]:
    """One inline association, as the create endpoints take it."""
    return {
        "to": {"id": str(to_id)},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def lead_input(name: str, contact_id: str, **properties: str) -> dict[str, Any]:
    """A lead create body HubSpot accepts: a name and the primary-contact association (578)."""
    return {
        "properties": {"hs_lead_name": name, **properties},
        "associations": [assoc(contact_id, LEAD_TO_PRIMARY_CONTACT)],
    }


def api_error(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """Run a client call that must fail; return the HTTP status and the parsed HubSpot error body.

    Each hubspot module has its own ApiException class, so this duck-types on `.status`/`.body`.
    """
    try:
        result = call(*args, **kwargs)
    except Exception as exc:
        status = getattr(exc, "status", None)
        body = getattr(exc, "body", None)
        if not isinstance(status, int) or body is None:
            raise
        return status, json.loads(body)
    pytest.fail(f"expected the sandbox to refuse this call, but it returned {result!r}")


def raw_get(base_url: str, path: str, token: str | None) -> tuple[int, Any, dict[str, str]]:
    """GET an endpoint the generated client does not wrap; return status, parsed JSON and headers."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = urllib3.request("GET", base_url + path, headers=headers, timeout=10.0, retries=False)
    body = json.loads(response.data) if response.data else None
    return response.status, body, dict(response.headers)


def last_json(handle: Any, method: str, path_suffix: str) -> Any:
    """The JSON body of the last logged response to `method …path_suffix` (to see the raw wire shape)."""
    for record in reversed(handle.request_log()):
        if record.method.upper() == method.upper() and record.path.split("?")[0].endswith(path_suffix):
            return json.loads(record.response_body)
    pytest.fail(f"no {method} …{path_suffix} in the sandbox's request log")
