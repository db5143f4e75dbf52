"""The HubSpot gateway against the sandbox portal: the real hubspot-api-client over real HTTP.

One small portal per module for reads and creates; faults are armed per test and cleared after.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sync.errors import (
    Ambiguous,
    AuthFailed,
    Cancelled,
    Dropped,
    GatewayError,
    MissingScopes,
    NotFound,
    Offline,
    OwnerNotFound,
    RateLimited,
    Rejected,
    ServerError,
)
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.ratelimit import RateLimiter

CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
STAGE_IDS = [
    "new-stage-id",
    "attempting-stage-id",
    "connected-stage-id",
    "qualified-stage-id",
    "unqualified-stage-id",
]
SECRET = "pat-na1-7f3c9e21-5b4d-4a8e-9c61-0d2e8f4a7b19"
WHEN = "2026-09-01T14:00:00.000Z"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    settings = PortalSettings(seed=11, rep_leads=24, owners=3, other_leads=110, search_lag=0.0)
    with running_sandbox(settings) as handle:
        handle.add_token(SECRET)
        yield handle


@pytest.fixture(scope="module")
def limiter() -> RateLimiter:
    """One limiter for the module, as the app shares one: gateways come and go, budgets don't."""
    return RateLimiter()


@pytest.fixture
def gateway(sandbox: SandboxHandle, limiter: RateLimiter) -> Iterator[HubSpotGateway]:
    gw = HubSpotGateway(sandbox.base_url, SECRET, limiter=limiter, timeout=(2.0, 2.0))
    yield gw
    sandbox.faults.clear()
    limiter.clear_pause()
    gw.close()


def rep_leads(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    owner = sandbox.portal.rep_owner_id
    return [
        lead
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") == owner
    ]


def lead_and_contact(gateway: HubSpotGateway, sandbox: SandboxHandle, index: int = 0) -> tuple[str, str]:
    lead_id = sorted(lead["id"] for lead in rep_leads(sandbox))[index]
    contact_id = gateway.list_associations("leads", lead_id, "contacts")[0].to_id
    return lead_id, contact_id


def new_note(gateway: HubSpotGateway, sandbox: SandboxHandle, marker: str, index: int = 0) -> str:
    lead_id, contact_id = lead_and_contact(gateway, sandbox, index)
    return gateway.create_note(
        marker=marker,
        body_html="<p>Spoke to Carla</p>",
        timestamp=WHEN,
        owner_id=sandbox.portal.rep_owner_id,
        contact_id=contact_id,
        lead_id=lead_id,
    )


# -- reads ---------------------------------------------------------------------------------------


def test_owner_is_found_by_email_in_any_case(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    owner = gateway.find_owner_by_email(sandbox.rep_email.upper())
    assert owner.id == sandbox.portal.rep_owner_id
    assert owner.email == sandbox.rep_email
    assert owner.name.strip()


def test_unknown_owner_email_says_which_email(gateway: HubSpotGateway) -> None:
    with pytest.raises(OwnerNotFound) as caught:
        gateway.find_owner_by_email("nobody@nowhere.example")
    assert "nobody@nowhere.example" in str(caught.value)
    assert isinstance(caught.value, NotFound)


def test_metadata_comes_from_the_portal(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    (pipeline,) = gateway.lead_pipelines()
    assert [s.id for s in pipeline.stages] == STAGE_IDS

    props = gateway.lead_properties()
    assert set(props) == {"hs_lead_type", "hs_lead_label", "hs_lead_disqualification_reason"}
    for name, definition in props.items():
        portal_values = [o["value"] for o in sandbox.portal.get_property("leads", name)["options"]]
        assert [o.value for o in definition.options] == portal_values
    reasons = gateway.property_options("leads", "hs_lead_disqualification_reason")
    assert [o.value for o in reasons] == [o.value for o in props["hs_lead_disqualification_reason"].options]

    outcomes = {d.label: d.id for d in gateway.call_dispositions()}
    assert outcomes["Connected"] == CONNECTED

    details = gateway.account_details()
    assert details.time_zone == sandbox.portal.account_details()["timeZone"]
    assert details.portal_id == sandbox.portal.account_details()["portalId"]


def test_when_the_legacy_dispositions_path_is_gone_the_call_outcomes_come_from_the_property(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    """/calling/v1/dispositions has no date version; a 404 there must not leave the rep without outcomes.

    Today HubSpot's property lists no options (externalOptions), so the portal's answer after the
    retirement is played by an injected one.
    """
    listed = gateway.call_dispositions()
    prop = sandbox.portal.get_property("calls", "hs_call_disposition")
    options = [
        {"label": d.label, "value": d.id, "displayOrder": i, "hidden": False} for i, d in enumerate(listed)
    ]
    sandbox.faults.inject("status", status=404, path="/calling/v1/dispositions")
    sandbox.faults.inject(
        "status", status=200, body={**prop, "options": options}, path="/hs_call_disposition$"
    )
    mark = len(sandbox.request_log())
    assert gateway.call_dispositions() == listed
    paths = [r.path.split("?")[0] for r in sandbox.request_log()[mark:]]
    assert paths == ["/calling/v1/dispositions", "/crm/properties/2026-09/calls/hs_call_disposition"]


def test_an_owner_is_found_by_user_id(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    me = gateway.find_owner_by_email(sandbox.rep_email)
    assert me.user_id is not None
    assert gateway.owner_by_user_id(me.user_id) == me
    with pytest.raises(NotFound):
        gateway.owner_by_user_id(999_999_999)


def test_search_pages_through_every_lead_the_rep_owns(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    owner = sandbox.portal.rep_owner_id
    mine = [{"filters": [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner}]}]
    sorts = [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = gateway.search_leads(mine, sorts, ["hs_lead_name", "hs_pipeline_stage"], after=after, limit=10)
        pages += 1
        seen.extend(obj.id for obj in page.results)
        assert all(obj.get("hs_pipeline_stage") in STAGE_IDS for obj in page.results)
        after = page.next_after
        if after is None:
            break
    expected = {lead["id"] for lead in rep_leads(sandbox)}
    assert page.total == len(expected)
    assert sorted(seen) == sorted(expected)
    assert pages == -(-len(expected) // 10)


def test_batch_read_chunks_by_100_and_reports_missing_ids(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    contact_ids = [c["id"] for c in sandbox.portal.objects("contacts")][:130]
    assert len(contact_ids) == 130
    sandbox.clear_request_log()
    batch = gateway.batch_read("contacts", [*contact_ids, "987654321"], ["email", "firstname"])
    assert set(batch.found) == set(contact_ids)
    assert batch.missing == ("987654321",)
    reads = [r for r in sandbox.request_log() if r.path.endswith("/batch/read")]
    assert len(reads) == 2
    some = sandbox.portal.objects("contacts")[0]
    assert batch.found[some["id"]].get("email") == some["properties"]["email"]


def test_batch_association_read_matches_per_lead_reads(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    lead_ids = sorted(lead["id"] for lead in rep_leads(sandbox))
    by_lead = gateway.batch_read_associations("leads", "contacts", [*lead_ids, "987654321"])
    assert by_lead["987654321"] == ()
    for lead_id in lead_ids[:3]:
        single = gateway.list_associations("leads", lead_id, "contacts")
        assert [a.to_id for a in by_lead[lead_id]] == [a.to_id for a in single]
        assert 578 in single[0].type_ids  # the primary contact


def test_missing_lead_is_not_found(gateway: HubSpotGateway) -> None:
    with pytest.raises(NotFound):
        gateway.get_lead("987654321", ["hs_lead_name"])


# -- writes --------------------------------------------------------------------------------------


def test_update_lead_changes_the_remote_value(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    lead_id, _ = lead_and_contact(gateway, sandbox, 1)
    saved = gateway.update_lead(lead_id, {"hs_lead_type": "UPSELL", "hs_lead_label": "HOT"})
    assert saved.get("hs_lead_type") == "UPSELL"
    again = gateway.get_lead(
        lead_id, ["hs_lead_type", "hs_lead_label"], properties_with_history=["hs_lead_type"]
    )
    assert again.get("hs_lead_type") == "UPSELL"
    assert again.get("hs_lead_label") == "HOT"
    assert again.history["hs_lead_type"][0].value == "UPSELL"


def test_each_create_is_associated_with_the_lead_and_the_contact(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    lead_id, contact_id = lead_and_contact(gateway, sandbox, 2)
    owner = sandbox.portal.rep_owner_id
    common: dict[str, Any] = {"owner_id": owner, "contact_id": contact_id, "lead_id": lead_id}
    created = {
        "notes": gateway.create_note(
            marker="op-note-1", body_html="<p>Left a voicemail</p>", timestamp=WHEN, **common
        ),
        "calls": gateway.create_call(
            marker="op-call-1",
            body_html="<p>Wants a quote</p>",
            timestamp=WHEN,
            disposition_id=CONNECTED,
            duration_ms=95_000,
            **common,
        ),
        "deals": gateway.create_deal(
            marker="op-deal-1",
            name="Atlas renewal",
            amount="1200.50",
            close_date="2026-10-01T00:00:00.000Z",
            pipeline="default",
            stage="appointmentscheduled",
            **common,
        ),
        "tasks": gateway.create_task(
            marker="op-task-1", subject="Send the proposal", body_html="<p>By Friday</p>", due=WHEN, **common
        ),
    }
    for object_type, object_id in created.items():
        from_lead = {a.to_id for a in gateway.list_associations("leads", lead_id, object_type)}
        from_contact = {a.to_id for a in gateway.list_associations("contacts", contact_id, object_type)}
        assert object_id in from_lead, object_type
        assert object_id in from_contact, object_type

    call = gateway.get_object(
        "calls",
        created["calls"],
        ["hs_call_disposition", "hs_call_duration", "hs_call_body", "leadboard_op_id"],
    )
    assert call.get("hs_call_disposition") == CONNECTED
    assert call.get("hs_call_duration") == "95000"
    assert call.get("hs_call_body") == "<p>Wants a quote</p>"  # the op id is in a hidden property
    assert call.get("leadboard_op_id") == "op-call-1"
    deal_links = gateway.list_associations("deals", created["deals"], "leads")
    assert {1038, 583} <= set(deal_links[0].type_ids)


def test_find_created_finds_the_marker_and_nothing_else(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    lead_id, _ = lead_and_contact(gateway, sandbox, 3)
    note_id = new_note(gateway, sandbox, "01J9ZMARKER00000000000001", 3)
    new_note(gateway, sandbox, "01J9ZMARKER0000000000000", 3)  # a prefix of the first marker
    assert gateway.find_created("note", "01J9ZMARKER00000000000001", lead_id) == note_id
    assert gateway.find_created("note", "never-used", lead_id) is None
    assert gateway.find_created("call", "01J9ZMARKER00000000000001", lead_id) is None
    other_lead, _ = lead_and_contact(gateway, sandbox, 4)
    assert gateway.find_created("note", "01J9ZMARKER00000000000001", other_lead) is None


def test_every_call_shares_one_api_client_and_one_connection(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    for _ in range(5):
        gateway.find_owner_by_email(sandbox.rep_email)
        gateway.lead_pipelines()
        gateway.account_details()
    api_client = gateway._api_client
    assert api_client is gateway._api_client
    pool = api_client.rest_client.pool_manager.connection_from_url(sandbox.base_url)
    assert pool.num_connections == 1


# -- errors --------------------------------------------------------------------------------------


def test_wrong_token_is_auth_failed(sandbox: SandboxHandle, limiter: RateLimiter) -> None:
    gw = HubSpotGateway(sandbox.base_url, "pat-na1-00000000-wrong", limiter=limiter, timeout=(2.0, 2.0))
    with pytest.raises(AuthFailed) as caught:
        gw.lead_pipelines()
    assert caught.value.status == 401
    assert "leadboard login" in str(caught.value)


def test_injected_401_is_auth_failed(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("status", status=401, path="/crm/owners/2026-09")
    with pytest.raises(AuthFailed):
        gateway.find_owner_by_email(sandbox.rep_email)


def test_missing_scope_names_the_scope(sandbox: SandboxHandle, limiter: RateLimiter) -> None:
    token = "pat-na1-11111111-leads-only"
    sandbox.add_token(token, {"crm.objects.leads.read"})
    gw = HubSpotGateway(sandbox.base_url, token, limiter=limiter, timeout=(2.0, 2.0))
    with pytest.raises(MissingScopes) as caught:
        gw.find_owner_by_email(sandbox.rep_email)
    assert "crm.objects.owners.read" in caught.value.scopes
    assert "crm.objects.owners.read" in str(caught.value)


def test_injected_403_with_legacy_scope_key(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    body = {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call.",
        "correlationId": "c-1",
        "category": "MISSING_SCOPES",
        "errors": [
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredScopes": ["crm.objects.contacts.write"]},
            }
        ],
    }
    sandbox.faults.inject("status", status=403, body=body, method="POST", path="/crm/objects/2026-09/notes")
    with pytest.raises(MissingScopes) as caught:
        new_note(gateway, sandbox, "op-403")
    assert caught.value.scopes == ("crm.objects.contacts.write",)


def test_bad_option_is_rejected_naming_the_property(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    lead_id, _ = lead_and_contact(gateway, sandbox, 5)
    with pytest.raises(Rejected) as caught:
        gateway.update_lead(lead_id, {"hs_lead_disqualification_reason": "NOT_A_REASON\x1b]52;c;aGk=\x07"})
    error = caught.value
    assert error.status == 400
    assert error.category == "VALIDATION_ERROR"
    assert "INVALID_OPTION" in error.codes
    assert "hs_lead_disqualification_reason" in error.properties
    assert "NOT_A_REASON" in str(error)
    assert "\x1b" not in str(error) and "\x07" not in str(error)


def test_injected_400_and_409_are_rejected(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("status", status=400, method="POST", path="/crm/objects/2026-09/notes")
    with pytest.raises(Rejected) as caught:
        new_note(gateway, sandbox, "op-400")
    assert caught.value.status == 400
    sandbox.faults.inject("status", status=409, method="PATCH")
    with pytest.raises(Rejected):
        gateway.update_lead(lead_and_contact(gateway, sandbox)[0], {"hs_lead_label": "WARM"})


def test_injected_503_is_a_transient_server_error(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("status", status=503, path="/crm/pipelines/2026-09")
    with pytest.raises(ServerError) as caught:
        gateway.lead_pipelines()
    assert caught.value.transient and not caught.value.is_create
    sandbox.faults.inject("status", status=502, method="POST", path="/crm/objects/2026-09/notes$")
    with pytest.raises(ServerError) as on_create:
        new_note(gateway, sandbox, "op-502")
    assert on_create.value.is_create


def test_429_with_retry_after_pauses_the_limiter(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    sandbox.faults.inject("status", status=429, headers={"Retry-After": "3"}, path="/crm/pipelines/2026-09")
    with pytest.raises(RateLimited) as caught:
        gateway.lead_pipelines()
    assert caught.value.policy == "TEN_SECONDLY_ROLLING"
    assert caught.value.retry_after == 3.0
    assert not caught.value.daily
    pause = gateway.limiter.pause
    assert pause is not None and 2.0 < pause.remaining <= 3.0


def test_429_without_retry_after_falls_back_per_policy(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    secondly = {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c-2",
        "policyName": "SECONDLY",
        "category": "RATE_LIMITS",
    }
    sandbox.faults.inject("status", status=429, body=secondly, path="/crm/pipelines/2026-09")
    with pytest.raises(RateLimited) as caught:
        gateway.lead_pipelines()
    assert caught.value.retry_after is None
    pause = gateway.limiter.pause
    assert pause is not None and pause.reason == "SECONDLY" and pause.remaining <= 1.0


def test_daily_429_pauses_until_midnight_and_later_calls_fail_fast(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    daily = {
        "status": "error",
        "message": "You have reached your daily limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c-3",
        "policyName": "DAILY",
        "category": "RATE_LIMITS",
    }
    sandbox.faults.inject("status", status=429, body=daily, path="/crm/pipelines/2026-09")
    with pytest.raises(RateLimited) as caught:
        gateway.lead_pipelines()
    assert caught.value.daily
    assert "daily" in str(caught.value)
    sandbox.clear_request_log()
    with pytest.raises(RateLimited) as local:
        gateway.lead_pipelines()
    assert not local.value.sent and local.value.policy == "DAILY"
    assert sandbox.request_log() == []


def test_the_sandbox_rate_limit_surfaces_as_rate_limited() -> None:
    tight = RateLimits(burst_max=2, burst_window=30.0)
    with running_sandbox(
        PortalSettings(seed=3, rep_leads=3, owners=2, other_leads=0), rate_limits=tight
    ) as sb:
        gw = HubSpotGateway(sb.base_url, sb.token, timeout=(2.0, 2.0))
        gw.lead_pipelines()
        gw.lead_pipelines()
        with pytest.raises(RateLimited) as caught:
            gw.lead_pipelines()
    assert caught.value.sent and caught.value.policy == "TEN_SECONDLY_ROLLING"
    assert gw.limiter.pause is not None


def test_drop_before_commit_is_ambiguous_and_nothing_was_created(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    lead_id, _ = lead_and_contact(gateway, sandbox, 6)
    sandbox.faults.inject("drop_before", method="POST", path="/crm/objects/2026-09/notes$")
    with pytest.raises(Ambiguous) as caught:
        new_note(gateway, sandbox, "op-drop-before", 6)
    assert caught.value.is_create and caught.value.method == "POST"
    assert gateway.find_created("note", "op-drop-before", lead_id) is None


def test_drop_after_commit_is_ambiguous_and_the_note_exists(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    lead_id, _ = lead_and_contact(gateway, sandbox, 7)
    sandbox.faults.inject("drop_after_commit", method="POST", path="/crm/objects/2026-09/notes$")
    with pytest.raises(Ambiguous) as caught:
        new_note(gateway, sandbox, "op-drop-after", 7)
    assert caught.value.is_create
    found = gateway.find_created_all("note", "op-drop-after", lead_id)
    assert len(found) == 1


def test_a_read_slower_than_the_timeout_is_ambiguous(sandbox: SandboxHandle, limiter: RateLimiter) -> None:
    gw = HubSpotGateway(sandbox.base_url, SECRET, limiter=limiter, timeout=(2.0, 0.3))
    sandbox.faults.inject("delay", seconds=1.0, path="/calling/v1/dispositions")
    with pytest.raises(Ambiguous) as caught:
        gw.call_dispositions()
    assert not caught.value.is_create
    assert {d.id for d in gw.call_dispositions()} >= {CONNECTED}


def test_a_create_slower_than_the_timeout_is_ambiguous_and_lands(
    sandbox: SandboxHandle, limiter: RateLimiter
) -> None:
    gw = HubSpotGateway(sandbox.base_url, SECRET, limiter=limiter, timeout=(2.0, 0.3))
    lead_id, _ = lead_and_contact(gw, sandbox, 8)
    sandbox.faults.inject("delay", seconds=0.8, method="POST", path="/crm/objects/2026-09/notes$")
    with pytest.raises(Ambiguous) as caught:
        new_note(gw, sandbox, "op-slow", 8)
    assert caught.value.is_create
    found = None
    for _ in range(30):  # the server finishes the write after the client gave up
        found = gw.find_created("note", "op-slow", lead_id)
        if found:
            break
        time.sleep(0.1)
    assert found is not None


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_closed_port_is_offline() -> None:
    gw = HubSpotGateway(f"http://127.0.0.1:{closed_port()}", SECRET, timeout=(1.0, 1.0))
    with pytest.raises(Offline) as caught:
        gw.find_owner_by_email("demo.rep@leadboard.example")
    assert "refused" in str(caught.value)
    assert caught.value.transient


def test_calls_wait_for_the_limiter(sandbox: SandboxHandle) -> None:
    tiny = RateLimiter(general_limit=2, general_window=60.0)
    gw = HubSpotGateway(sandbox.base_url, SECRET, limiter=tiny, max_rate_wait=0.05)
    sandbox.clear_request_log()
    gw.lead_pipelines()
    gw.lead_pipelines()
    with pytest.raises(RateLimited) as caught:
        gw.lead_pipelines()
    assert not caught.value.sent
    assert len(sandbox.request_log()) == 2


def test_a_cancelled_gateway_sends_nothing(sandbox: SandboxHandle) -> None:
    cancel = threading.Event()
    cancel.set()
    gw = HubSpotGateway(sandbox.base_url, SECRET, cancel=cancel)
    sandbox.clear_request_log()
    with pytest.raises(Cancelled):
        gw.lead_pipelines()
    assert sandbox.request_log() == []


# -- the token never shows -----------------------------------------------------------------------


def failures(gateway: HubSpotGateway, sandbox: SandboxHandle) -> list[Callable[[], object]]:
    def inject_then(kind: str, call: Callable[[], object], **kwargs: Any) -> Callable[[], object]:
        def run() -> object:
            sandbox.faults.inject(kind, **kwargs)  # type: ignore[arg-type]
            return call()

        return run

    lead_id, _ = lead_and_contact(gateway, sandbox, 9)
    pipelines = gateway.lead_pipelines
    return [
        inject_then("status", pipelines, status=401, path="/crm/pipelines/2026-09"),
        inject_then("status", pipelines, status=429, path="/crm/pipelines/2026-09"),
        inject_then("status", pipelines, status=500, path="/crm/pipelines/2026-09"),
        inject_then("drop_before", pipelines, path="/crm/pipelines/2026-09"),
        inject_then(
            "drop_after_commit",
            lambda: new_note(gateway, sandbox, "op-leak", 9),
            method="POST",
            path="notes$",
        ),
        lambda: gateway.update_lead(lead_id, {"hs_lead_type": "NOT_AN_OPTION"}),
        lambda: gateway.update_lead(lead_id, {"not_a_property": "x"}),
        lambda: HubSpotGateway(
            f"http://127.0.0.1:{closed_port()}", SECRET, timeout=(1.0, 1.0)
        ).lead_pipelines(),
    ]


def test_the_token_never_appears_in_errors_tracebacks_or_logs(
    gateway: HubSpotGateway, sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert SECRET not in repr(gateway) and SECRET not in str(gateway)
    seen: list[type[GatewayError]] = []
    for fail in failures(gateway, sandbox):
        gateway.limiter.clear_pause()
        with pytest.raises(GatewayError) as caught:
            fail()
        error = caught.value
        seen.append(type(error))
        shown = [str(error), repr(error), *traceback.format_exception(error)]
        shown += traceback.TracebackException.from_exception(error, capture_locals=True).format()
        assert not any(SECRET in text for text in shown), type(error).__name__
        assert error.__cause__ is None and error.__context__ is None
    assert set(seen) >= {AuthFailed, RateLimited, ServerError, Dropped, Rejected, Offline}
    logged = "\n".join(caplog.text.splitlines())
    assert SECRET not in logged
    assert SECRET[4:] not in logged


def test_hubspot_echoing_the_token_is_redacted(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    lead_id, _ = lead_and_contact(gateway, sandbox, 9)
    with pytest.raises(Rejected) as caught:
        gateway.update_lead(lead_id, {"hs_lead_type": SECRET})
    assert "[redacted]" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)


def test_a_note_over_hubspots_limit_is_refused_before_sending(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    lead_id, contact_id = lead_and_contact(gateway, sandbox, 10)
    sandbox.clear_request_log()
    with pytest.raises(Rejected) as caught:
        gateway.create_note(
            marker="op-huge",
            body_html="<p>" + "x" * 100_000 + "</p>",
            timestamp=WHEN,
            owner_id=None,
            contact_id=contact_id,
            lead_id=lead_id,
        )
    assert "hs_note_body" in caught.value.properties
    assert "65,536" in str(caught.value)
    assert sandbox.request_log() == []


def test_associate_links_an_existing_note_to_another_lead(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    note_id = new_note(gateway, sandbox, "op-assoc", 11)
    other_lead, _ = lead_and_contact(gateway, sandbox, 12)
    assert note_id not in {a.to_id for a in gateway.list_associations("leads", other_lead, "notes")}
    gateway.associate("notes", note_id, "leads", other_lead, 855)
    gateway.associate("notes", note_id, "leads", other_lead, 855)  # repeating it is harmless
    links = [a for a in gateway.list_associations("leads", other_lead, "notes") if a.to_id == note_id]
    assert len(links) == 1 and 854 in links[0].type_ids


def test_archived_leads_are_listed_and_readable_only_as_archived(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    owner = sandbox.portal.rep_owner_id
    theirs = next(
        lead["id"]
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") != owner
    )
    sandbox.portal.archive_object("leads", theirs)
    archived: set[str] = set()
    after: str | None = None
    while True:
        page = gateway.list_archived_leads(["hs_lead_name"], after=after, limit=50)
        archived.update(obj.id for obj in page.results)
        assert all(obj.archived for obj in page.results)
        after = page.next_after
        if after is None:
            break
    assert theirs in archived
    with pytest.raises(NotFound):
        gateway.get_lead(theirs)
    assert gateway.get_lead(theirs, archived=True).archived
    assert gateway.batch_read("leads", [theirs]).missing == (theirs,)


def test_a_misshapen_success_is_a_server_error_or_for_a_create_unknown(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    sandbox.faults.inject("status", status=204, path="/crm/pipelines/2026-09")
    with pytest.raises(ServerError):
        gateway.lead_pipelines()
    sandbox.faults.inject(
        "status", status=201, body={"status": "ok"}, method="POST", path="/crm/objects/2026-09/notes$"
    )
    with pytest.raises(Ambiguous) as caught:
        new_note(gateway, sandbox, "op-no-id")
    assert caught.value.is_create
