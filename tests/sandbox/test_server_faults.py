"""Fault injection: what a client sees for each fault kind, and what the portal holds afterwards."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.sandbox.server_support import (
    call,
    contact_id,
    first_lead_id,
    lead_body,
    leads_named,
    make_client,
    small_settings,
)


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(), rate_limits=False) as handle:
        yield handle


@pytest.fixture
def sandbox(shared_sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    """One server for the module (starting one costs more than these tests); no fault outlives a test."""
    shared_sandbox.faults.clear()
    yield shared_sandbox
    shared_sandbox.faults.clear()


def _create_lead(handle: SandboxHandle, name: str) -> Any:
    client = make_client(handle)
    return client.crm.objects.leads.basic_api.create(lead_body(name, contact_id(handle)))


def test_drop_after_commit_fails_the_client_but_the_lead_exists(sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("drop_after_commit", method="POST", path=r"^/crm/v3/objects/leads$")
    with pytest.raises(urllib3.exceptions.HTTPError):
        _create_lead(sandbox, "Committed but unanswered")
    assert len(leads_named(sandbox, "Committed but unanswered")) == 1
    record = sandbox.request_log()[-1]
    assert record.fault == "drop_after_commit" and record.method == "POST"
    # The log keeps the answer the client never got, so a test can see what was committed.
    assert record.status == 201
    assert json.loads(record.response_body)["properties"]["hs_lead_name"] == "Committed but unanswered"
    # The fault was used up: the next create is answered normally.
    created = _create_lead(sandbox, "Answered")
    assert created is not None and created.properties["hs_lead_name"] == "Answered"


def test_drop_before_fails_the_client_and_nothing_is_written(sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("drop_before", method="POST", path="/crm/v3/objects/leads")
    with pytest.raises(urllib3.exceptions.HTTPError):
        _create_lead(sandbox, "Never arrived")
    assert leads_named(sandbox, "Never arrived") == []
    record = sandbox.request_log()[-1]
    assert (record.fault, record.status, record.response_body) == ("drop_before", 0, b"")


def test_a_status_fault_answers_hubspots_body_without_handling(sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("status", method="POST", path="/crm/v3/objects/leads$", status=503, times=2)
    for _ in range(2):
        reply = call(sandbox, "POST", "/crm/v3/objects/leads", body=lead_body("Not now", contact_id(sandbox)))
        assert reply.status == 503
        assert reply.json()["status"] == "error" and reply.json()["correlationId"]
    assert leads_named(sandbox, "Not now") == []
    assert (
        call(sandbox, "POST", "/crm/v3/objects/leads", body=lead_body("Now", contact_id(sandbox))).status
        == 201
    )


def test_a_status_fault_can_carry_its_own_body_and_headers(sandbox: SandboxHandle) -> None:
    body = {"status": "error", "message": "Locked", "correlationId": "x", "category": "LOCKED"}
    sandbox.faults.inject("status", path="/owners", status=423, body=body, headers={"X-Why": "migration"})
    reply = call(sandbox, "GET", "/crm/v3/owners")
    assert reply.status == 423
    assert reply.json() == body
    assert reply.headers["X-Why"] == "migration"


def test_an_injected_429_looks_like_hubspots_and_the_client_gets_an_api_exception(
    sandbox: SandboxHandle,
) -> None:
    sandbox.faults.inject("status", status=429)
    client = make_client(sandbox)
    with pytest.raises(Exception) as raised:
        client.crm.objects.leads.search_api.do_search({"filterGroups": [], "limit": 1})
    assert getattr(raised.value, "status", None) == 429
    assert json.loads(raised.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"  # type: ignore[attr-defined]
    assert raised.value.headers["Retry-After"] == "1"  # type: ignore[attr-defined]


def test_a_delay_is_served_normally_and_does_not_block_other_requests(sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("delay", path="/crm/v3/pipelines/", seconds=1.5)
    delayed: list[int] = []
    worker = threading.Thread(
        target=lambda: delayed.append(call(sandbox, "GET", "/crm/v3/pipelines/leads").status)
    )
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while sandbox.faults.pending():  # the fault is used up once the delayed request has arrived
            assert time.monotonic() < deadline, "the delayed request never reached the sandbox"
            time.sleep(0.01)
        # While the delayed request sleeps, other requests are answered.
        assert call(sandbox, "GET", "/crm/v3/owners").status == 200
        assert worker.is_alive(), "the delayed request finished before an undelayed one"
    finally:
        worker.join(timeout=10)
    assert delayed == [200]
    faulted = [r for r in sandbox.request_log() if r.fault == "delay"]
    assert [r.path for r in faulted] == ["/crm/v3/pipelines/leads"]


def test_faults_match_on_method_and_path_only(sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("status", method="PATCH", path=r"/crm/v3/objects/leads/\d+$", status=500)
    lead_id = first_lead_id(sandbox)
    assert call(sandbox, "GET", f"/crm/v3/objects/leads/{lead_id}").status == 200
    assert call(sandbox, "GET", "/crm/v3/owners").status == 200
    patched = call(
        sandbox, "PATCH", f"/crm/v3/objects/leads/{lead_id}", body={"properties": {"hs_lead_name": "X"}}
    )
    assert patched.status == 500
    assert patched.json()["category"]
    assert sandbox.faults.pending() == []


def test_faults_can_be_armed_listed_and_cleared_over_http(sandbox: SandboxHandle) -> None:
    armed = call(
        sandbox, "POST", "/_sandbox/faults", body={"kind": "status", "status": 502, "times": 3}, token=None
    )
    assert armed.status == 201
    assert armed.json()["results"][0]["remaining"] == 3
    assert call(sandbox, "GET", "/crm/v3/owners").status == 502
    assert call(sandbox, "GET", "/_sandbox/faults", token=None).json()["results"][0]["remaining"] == 2
    assert call(sandbox, "DELETE", "/_sandbox/faults", token=None).status == 204
    assert call(sandbox, "GET", "/crm/v3/owners").status == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "explode"},
        {"kind": "status", "times": 0},
        {"kind": "status", "status": 99},
        {"kind": "delay", "seconds": "soon"},
        {"kind": "status", "path": "(unclosed"},
        {"kind": "status", "colour": "red"},
        {"status": 500},
    ],
)
def test_nonsense_faults_are_refused_with_400(sandbox: SandboxHandle, spec: dict[str, Any]) -> None:
    reply = call(sandbox, "POST", "/_sandbox/faults", body=spec, token=None)
    assert reply.status == 400
    assert reply.json()["message"]
    assert sandbox.faults.pending() == []


def test_the_client_surfaces_drop_after_commit_on_update_too(sandbox: SandboxHandle) -> None:
    lead_id = first_lead_id(sandbox)
    sandbox.faults.inject("drop_after_commit", method="PATCH")
    client = make_client(sandbox)
    with pytest.raises(urllib3.exceptions.HTTPError):
        client.crm.objects.leads.basic_api.update(
            lead_id, {"properties": {"hs_lead_name": "Renamed in the dark"}}
        )
    assert (
        sandbox.portal.get_object("leads", lead_id, properties=["hs_lead_name"])["properties"]["hs_lead_name"]
        == "Renamed in the dark"
    )
