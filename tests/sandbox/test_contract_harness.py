"""The OpenAPI harness itself: it must accept what HubSpot sends and reject what HubSpot never would.

Without these, a harness that silently validated nothing would make every contract test pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.openapi_contract import ContractViolation, Exchange, SpecIndex, api_path

JSON = {"Content-Type": "application/json"}
LEAD = {
    "id": "512",
    "properties": {"hs_object_id": "512", "hs_lead_name": "Jane Doe"},
    "createdAt": "2019-10-30T03:30:17.883Z",
    "updatedAt": "2019-12-07T16:50:06.678Z",
    "archived": False,
}
ERROR = {
    "status": "error",
    "message": "bad",
    "correlationId": "8a3f6c3a-5d1e-4c1a-9f0e-2b7d6c4e9a10",
    "category": "VALIDATION_ERROR",
}


@pytest.fixture(scope="module")
def specs(hubspot_specs_dir: Path) -> SpecIndex:
    return SpecIndex.load(hubspot_specs_dir)


def exchange(
    method: str, path: str, status: int, body: Any = None, headers: dict[str, str] | None = None
) -> Exchange:
    raw = b"" if body is None else json.dumps(body).encode()
    return Exchange(method, path, status, raw, JSON if headers is None else headers)


def test_a_lead_create_answered_201_validates(specs: SpecIndex) -> None:
    assert specs.problems(exchange("POST", "/crm/v3/objects/leads", 201, LEAD)) == []


def test_a_create_answered_200_is_rejected_because_the_client_would_return_none(specs: SpecIndex) -> None:
    problems = specs.problems(exchange("POST", "/crm/v3/objects/leads", 200, LEAD))
    assert problems and "status 200 is not declared" in problems[0] and "201" in problems[0]


def test_a_numeric_id_and_missing_required_keys_are_rejected(specs: SpecIndex) -> None:
    with pytest.raises(ContractViolation, match="required property"):
        specs.check(exchange("GET", "/crm/v3/objects/leads/512", 200, {"id": 512, "properties": {}}))


def test_a_timestamp_that_is_not_a_date_time_is_rejected(specs: SpecIndex) -> None:
    bad = {**LEAD, "createdAt": "yesterday"}
    assert specs.problems(exchange("GET", "/crm/v3/objects/leads/512", 200, bad))


def test_a_204_must_have_no_body(specs: SpecIndex) -> None:
    assert specs.problems(exchange("DELETE", "/crm/v3/objects/leads/512", 204, None, headers={})) == []
    assert specs.problems(exchange("DELETE", "/crm/v3/objects/leads/512", 204, {"ok": True}))


def test_error_bodies_are_checked_against_the_error_schema(specs: SpecIndex) -> None:
    assert specs.problems(exchange("POST", "/crm/v3/objects/leads/search", 400, ERROR)) == []
    missing_correlation = {k: v for k, v in ERROR.items() if k != "correlationId"}
    assert specs.problems(exchange("POST", "/crm/v3/objects/leads/search", 400, missing_correlation))
    not_a_uuid = {**ERROR, "correlationId": "abc"}
    assert specs.problems(exchange("POST", "/crm/v3/objects/leads/search", 400, not_a_uuid))


def test_a_non_json_content_type_is_rejected(specs: SpecIndex) -> None:
    problems = specs.problems(
        exchange("GET", "/crm/v3/objects/leads/512", 200, LEAD, {"Content-Type": "text/plain"})
    )
    assert problems and "Content-Type" in problems[0]


def test_a_path_hubspot_does_not_serve_is_reported(specs: SpecIndex) -> None:
    problems = specs.problems(exchange("GET", "/crm/v3/objects/leads/512/frobnicate", 200, LEAD))
    assert problems and "no HubSpot spec file defines" in problems[0]


def test_the_sandbox_base_url_and_query_are_stripped() -> None:
    base = "http://127.0.0.1:8765"
    assert api_path(f"{base}/crm/v3/objects/leads?limit=10", base) == "/crm/v3/objects/leads"


def test_client_spellings_map_to_the_spec_spelling(specs: SpecIndex) -> None:
    assert api_path("/crm/v3/owners/") == "/crm/v3/owners"
    assert (
        api_path("/crm/v4/associations/leads/contacts/labels") == "/crm/associations/v4/leads/contacts/labels"
    )
    assert api_path("/crm/v3/objects/deals/9") == "/crm/v3/objects/0-3/9"
    owners = {
        "results": [
            {
                "id": "1",
                "type": "PERSON",
                "createdAt": LEAD["createdAt"],
                "updatedAt": LEAD["updatedAt"],
                "archived": False,
            }
        ]
    }
    assert specs.problems(exchange("GET", "/crm/v3/owners/", 200, owners)) == []


def test_the_most_concrete_path_wins_over_the_generic_objects_file(specs: SpecIndex) -> None:
    routes = specs.routes_for("GET", "/crm/v3/objects/leads/512")
    assert [(r.spec_file, r.template) for r in routes] == [
        ("crm-leads-v3.json", "/crm/v3/objects/leads/{leadsId}")
    ]
    generic = specs.routes_for("GET", "/crm/v3/objects/0-136/512")
    assert [r.spec_file for r in generic] == ["crm-objects-v3.json"]


def test_a_207_batch_with_errors_validates(specs: SpecIndex) -> None:
    body = {
        "status": "COMPLETE",
        "results": [LEAD],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "no",
                "context": {"ids": ["9"]},
                "errors": [],
                "links": {},
            }
        ],
        "startedAt": LEAD["createdAt"],
        "completedAt": LEAD["updatedAt"],
    }
    assert specs.problems(exchange("POST", "/crm/v3/objects/leads/batch/read", 207, body)) == []


def test_dispositions_are_checked_against_the_research_shape(specs: SpecIndex) -> None:
    good = [{"id": "f240bbac-87c9-4f6e-bf70-924b57d47db7", "label": "Connected", "deleted": False}]
    assert specs.problems(exchange("GET", "/calling/v1/dispositions", 200, good)) == []
    assert specs.problems(exchange("GET", "/calling/v1/dispositions", 200, {"results": good}))
    assert specs.problems(exchange("GET", "/calling/v1/dispositions", 200, [{"id": "x", "label": "y"}]))


def test_admin_paths_are_not_hubspot_api_and_are_skipped(specs: SpecIndex) -> None:
    assert specs.problems(exchange("GET", "/_sandbox/info", 200, {"anything": 1})) == []


def test_empty_properties_may_be_null_but_never_numbers(specs: SpecIndex) -> None:
    empty = {**LEAD, "properties": {**LEAD["properties"], "hs_lead_label": None}}  # type: ignore[dict-item]
    assert specs.problems(exchange("GET", "/crm/v3/objects/leads/512", 200, empty)) == []
    number = {**LEAD, "properties": {**LEAD["properties"], "hs_lead_call_count": 3}}  # type: ignore[dict-item]
    assert specs.problems(exchange("GET", "/crm/v3/objects/leads/512", 200, number))


def test_association_reads_accept_the_documented_numeric_ids_and_null_labels(specs: SpecIndex) -> None:
    types = [{"category": "HUBSPOT_DEFINED", "typeId": 608, "label": None}]
    page = {"results": [{"toObjectId": 1029, "associationTypes": types}]}
    assert specs.problems(exchange("GET", "/crm/v4/objects/leads/1/associations/contacts", 200, page)) == []
    wrong = {"results": [{"toObjectId": {"id": 1029}, "associationTypes": types}]}
    assert specs.problems(exchange("GET", "/crm/v4/objects/leads/1/associations/contacts", 200, wrong))


def test_dated_paths_are_checked_against_the_2026_09_files(specs: SpecIndex) -> None:
    assert specs.problems(exchange("GET", "/crm/objects/2026-09/notes/512", 200, LEAD)) == []
    problems = specs.problems(exchange("GET", "/crm/objects/2026-09/notes/512", 200, {"id": 512}))
    assert problems and "2026-09/crm-" in problems[0]
    assert specs.problems(exchange("POST", "/crm/objects/2026-09/notes", 200, LEAD))  # a create is 201


def test_a_2026_03_path_is_checked_as_its_2026_09_twin(specs: SpecIndex) -> None:
    assert api_path("/crm/owners/2026-03/12?idProperty=userId") == "/crm/owners/2026-09/12"
    assert api_path("/crm/objects/2026-03/notes/5") == "/crm/objects/2026-09/notes/5"
    assert api_path("/crm/objects/2026-03/leads/5") == "/crm/objects/2026-03/leads/5"  # its own file
    assert specs.problems(exchange("GET", "/crm/pipelines/2026-03/leads", 200, {"results": [{"id": 1}]}))
