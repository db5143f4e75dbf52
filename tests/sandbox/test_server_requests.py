"""Cross-cutting HTTP behaviour: routing, query forms, bad requests, internal errors, the request log."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
import urllib3

from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.sandbox.server_support import call, contact_id, first_lead_id, make_client, small_settings


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(), rate_limits=False) as handle:
        yield handle


def _still_serving(handle: SandboxHandle) -> None:
    assert call(handle, "GET", "/crm/v3/owners").status == 200


def _hubspot_error(reply: Any, status: int, category: str) -> dict[str, Any]:
    assert reply.status == status, reply.data
    assert reply.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = reply.json()
    assert body["status"] == "error" and body["category"] == category
    assert body["message"] and body["correlationId"]
    assert "Traceback" not in reply.data.decode()
    return body


def test_owners_answer_with_and_without_the_clients_trailing_slash(sandbox: SandboxHandle) -> None:
    plain = call(sandbox, "GET", "/crm/v3/owners?limit=100")
    slashed = call(sandbox, "GET", "/crm/v3/owners/?limit=100&archived=False")
    assert plain.status == slashed.status == 200
    assert [o["id"] for o in plain.json()["results"]] == [o["id"] for o in slashed.json()["results"]]
    page = make_client(sandbox).crm.owners.owners_api.get_page(email=sandbox.rep_email)
    assert [o.email for o in page.results] == [sandbox.rep_email]
    assert sandbox.request_log()[-1].path == "/crm/v3/owners/"


def test_query_arrays_work_comma_separated_and_repeated(sandbox: SandboxHandle) -> None:
    lead_id = first_lead_id(sandbox)
    base = f"/crm/v3/objects/leads/{lead_id}"
    comma = call(sandbox, "GET", f"{base}?properties=hs_lead_name,hs_pipeline_stage&archived=false")
    repeated = call(
        sandbox, "GET", f"{base}?properties=hs_lead_name&properties=hs_pipeline_stage&archived=False"
    )
    assert comma.status == repeated.status == 200
    for reply in (comma, repeated):
        assert {"hs_lead_name", "hs_pipeline_stage"} <= set(reply.json()["properties"])
    assert comma.json()["properties"] == repeated.json()["properties"]
    listed = call(
        sandbox, "GET", "/crm/v3/objects/leads?limit=2&properties=hs_lead_name&associations=contacts"
    )
    assert listed.status == 200 and len(listed.json()["results"]) == 2


@pytest.mark.parametrize("query", ["limit=ten", "archived=maybe"])
def test_bad_query_values_get_a_400(sandbox: SandboxHandle, query: str) -> None:
    _hubspot_error(call(sandbox, "GET", f"/crm/v3/objects/leads?{query}"), 400, "VALIDATION_ERROR")
    _still_serving(sandbox)


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"properties": ', b"\xff\xfe\x00", b"[1, 2", b'"just a string"', b"[]", b"null"],
)
def test_malformed_or_mistyped_json_gets_a_400(sandbox: SandboxHandle, raw: bytes) -> None:
    reply = call(sandbox, "POST", "/crm/v3/objects/leads/search", raw=raw)
    _hubspot_error(reply, 400, "VALIDATION_ERROR")
    _still_serving(sandbox)


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"limit": ' + b"9" * 5_000 + b"}",
        b'{"a": ' * 5_000 + b"1" + b"}" * 5_000,
    ],
    ids=["deeply nested array", "5000-digit number", "deeply nested objects"],
)
def test_json_python_cannot_read_gets_hubspots_400_not_a_500(sandbox: SandboxHandle, raw: bytes) -> None:
    reply = call(sandbox, "POST", "/crm/v3/objects/leads/search", raw=raw)
    body = _hubspot_error(reply, 400, "VALIDATION_ERROR")
    assert "Invalid input JSON" in body["message"]
    _still_serving(sandbox)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_declared_json_gets_a_415(
    sandbox: SandboxHandle, content_type: str | None
) -> None:
    raw = b'{"filterGroups": [], "limit": 1}'
    reply = call(sandbox, "POST", "/crm/v3/objects/leads/search", raw=raw, content_type=content_type)
    body = _hubspot_error(reply, 415, "VALIDATION_ERROR")
    assert "application/json" in body["message"]
    declared = call(
        sandbox,
        "POST",
        "/crm/v3/objects/leads/search",
        raw=raw,
        content_type="Application/JSON; charset=UTF-8",
    )
    assert declared.status == 200


def test_a_batch_without_an_inputs_array_gets_a_400(sandbox: SandboxHandle) -> None:
    reply = call(sandbox, "POST", "/crm/v3/objects/leads/batch/read", body={"inputs": {"id": "1"}})
    _hubspot_error(reply, 400, "VALIDATION_ERROR")


def test_an_empty_body_on_a_create_gets_a_400(sandbox: SandboxHandle) -> None:
    body = _hubspot_error(call(sandbox, "POST", "/crm/v3/objects/leads", raw=b""), 400, "VALIDATION_ERROR")
    assert "Invalid JSON input" in body["message"]


def test_a_labelled_association_put_without_a_body_gets_hubspots_400(sandbox: SandboxHandle) -> None:
    lead_id = first_lead_id(sandbox)
    path = f"/crm/v4/objects/leads/{lead_id}/associations/contacts/{contact_id(sandbox)}"
    body = _hubspot_error(call(sandbox, "PUT", path), 400, "VALIDATION_ERROR")
    assert body["message"] == "Invalid JSON input: a request body was expected, but none found"
    _hubspot_error(call(sandbox, "PUT", path, body={"types": []}), 400, "VALIDATION_ERROR")


def test_an_oversized_body_is_refused_and_the_server_keeps_serving(sandbox: SandboxHandle) -> None:
    huge = b'{"filterGroups": [], "query": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    reply = call(sandbox, "POST", "/crm/v3/objects/leads/search", raw=huge)
    assert reply.status == 413
    assert reply.json()["category"] == "VALIDATION_ERROR"
    assert sandbox.request_log()[-1].request_body == b""
    _still_serving(sandbox)


@pytest.mark.parametrize(
    "path", ["/crm/v3/nothing-here", "/", "/crm/v3/objects/leads/1/2/3", "/crm/v3/objects/leads/batch/upsert"]
)
def test_unknown_paths_get_hubspots_404(sandbox: SandboxHandle, path: str) -> None:
    method = "POST" if path.endswith("upsert") else "GET"
    _hubspot_error(call(sandbox, method, path, body={"inputs": []}), 404, "OBJECT_NOT_FOUND")


def test_only_the_sandbox_prefix_is_the_admin_path(
    sandbox: SandboxHandle,
) -> None:
    assert call(sandbox, "GET", "/_sandboxes", token=None).status == 401
    assert call(sandbox, "GET", "/_sandbox/nothing", token=None).status == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/crm/v3/owners"), ("PUT", "/crm/v3/objects/leads"), ("POST", "/crm/v3/owners/1")],
)
def test_wrong_methods_get_a_hubspot_style_405(sandbox: SandboxHandle, method: str, path: str) -> None:
    reply = call(sandbox, method, path)
    _hubspot_error(reply, 405, "VALIDATION_ERROR")
    assert "Allow" in reply.headers
    _still_serving(sandbox)


def test_an_unexpected_error_becomes_a_hubspot_500_and_is_logged(
    sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(object_type: str) -> dict[str, Any]:
        raise RuntimeError("a bug in the portal")

    monkeypatch.setattr(sandbox.portal, "list_pipelines", broken)
    with caplog.at_level("ERROR", logger="leadboard.sandbox"):
        reply = call(sandbox, "GET", "/crm/v3/pipelines/leads")
    body = _hubspot_error(reply, 500, "INTERNAL_ERROR")
    assert "a bug in the portal" not in body["message"]
    assert any(r.exc_info and "a bug in the portal" in str(r.exc_info[1]) for r in caplog.records)
    _still_serving(sandbox)


def test_the_log_holds_the_exact_bytes_exchanged(sandbox: SandboxHandle) -> None:
    sandbox.clear_request_log()
    lead_id = first_lead_id(sandbox)
    sent = b'{"properties":{"hs_lead_name":"Logged exactly"}}'
    reply = call(sandbox, "PATCH", f"/crm/v3/objects/leads/{lead_id}?idProperty=hs_object_id", raw=sent)
    assert reply.status == 200
    call(sandbox, "GET", "/_sandbox/info", token=None)  # the admin path is not HubSpot's and not logged
    (record,) = sandbox.request_log()
    assert (record.method, record.path, record.query) == (
        "PATCH",
        f"/crm/v3/objects/leads/{lead_id}",
        "idProperty=hs_object_id",
    )
    assert record.status == 200 and record.fault is None
    assert record.request_body == sent
    assert record.response_body == reply.data
    assert record.response_headers["content-type"] == reply.headers["Content-Type"]
    assert int(record.response_headers["content-length"]) == len(reply.data)


def test_the_log_is_readable_and_clearable_over_http(sandbox: SandboxHandle) -> None:
    sandbox.clear_request_log()
    call(sandbox, "GET", "/crm/v3/owners?limit=1")
    call(sandbox, "GET", "/crm/v3/owners/unknown-owner")
    logged = call(sandbox, "GET", "/_sandbox/requests", token=None).json()["results"]
    assert [(r["method"], r["path"], r["query"], r["status"]) for r in logged] == [
        ("GET", "/crm/v3/owners", "limit=1", 200),
        ("GET", "/crm/v3/owners/unknown-owner", "", 404),
    ]
    assert '"results"' in logged[0]["response_body"]
    assert logged[0]["user_id"] is None  # the sandbox's static token is account-level: no user acts
    assert call(sandbox, "DELETE", "/_sandbox/requests", token=None).status == 204
    assert sandbox.request_log() == []


def test_info_and_reset_on_the_admin_path(sandbox: SandboxHandle) -> None:
    info = call(sandbox, "GET", "/_sandbox/info", token=None).json()
    assert info["baseUrl"] == sandbox.base_url
    assert info["repEmail"] == sandbox.rep_email
    assert info["repOwnerId"] == sandbox.portal.rep_owner_id
    assert info["counts"]["leads"] == len(sandbox.portal.objects("leads"))
    lead_id = first_lead_id(sandbox)
    call(
        sandbox,
        "PATCH",
        f"/crm/v3/objects/leads/{lead_id}",
        body={"properties": {"hs_lead_name": "Before reset"}},
    )
    assert call(sandbox, "POST", "/_sandbox/reset", token=None).status == 200
    name = sandbox.portal.get_object("leads", lead_id, properties=["hs_lead_name"])["properties"][
        "hs_lead_name"
    ]
    assert name != "Before reset"


def test_keep_alive_connections_survive_errors(sandbox: SandboxHandle) -> None:
    pool = urllib3.PoolManager(maxsize=1)
    statuses = [
        call(sandbox, "POST", "/crm/v3/objects/leads/search", raw=b"{bad", pool=pool).status,
        call(sandbox, "GET", "/nowhere", pool=pool).status,
        call(sandbox, "GET", "/crm/v3/owners", token=None, pool=pool).status,
        call(sandbox, "GET", "/crm/v3/owners", pool=pool).status,
    ]
    assert statuses == [400, 404, 401, 200]


async def test_the_admin_path_refuses_callers_from_other_machines(sandbox: SandboxHandle) -> None:
    """With `--host 0.0.0.0` the admin path must not be open to the network (it needs no token)."""
    from leadboard.sandbox.server import create_app

    app = create_app(sandbox.context)
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b'{"kind": "status", "status": 500}', "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    def scope(client: tuple[str, int]) -> dict[str, Any]:
        return {
            "type": "http",
            "http_version": "1.1",
            "method": "POST",
            "path": "/_sandbox/faults",
            "raw_path": b"/_sandbox/faults",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", b"application/json")],
            "client": client,
            "server": ("0.0.0.0", 8765),
            "scheme": "http",
        }

    sandbox.faults.clear()
    try:
        await app(scope(("192.0.2.7", 50000)), receive, send)
        assert sent[0]["status"] == 403
        assert sandbox.faults.pending() == []
        sent.clear()
        await app(scope(("127.0.0.1", 50000)), receive, send)
        assert sent[0]["status"] == 201
        assert len(sandbox.faults.pending()) == 1
    finally:
        sandbox.faults.clear()
