"""An admin's write rules (HubSpot 2026-09): each kind refuses a write with HubSpot's 400 VALIDATION_ERROR.

The rules are set the ways a tester sets them: over `/_sandbox/rules`, in `PortalSettings`, and with
`leadboard sandbox` flags. Every refusal is checked against the 2026-09 spec's `Error` schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # the spec check needs only validate()
import pytest
from click.testing import CliRunner

from leadboard.cli.main import main
from leadboard.sandbox.runner import SandboxHandle, demo_settings, running_sandbox
from leadboard.sandbox.write_rules import demo_rules, parse_create_form, parse_required_when
from tests.sandbox.server_support import call, contact_id, first_lead_id, small_settings

DISQUALIFIED = "unqualified-stage-id"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(), rate_limits=False) as handle:
        yield handle


@pytest.fixture(scope="module")
def error_schema(hubspot_specs_dir: Path) -> dict[str, Any]:
    """HubSpot's 2026-09 `Error` schema, with its `ErrorDetail` resolved."""
    spec = json.loads((hubspot_specs_dir / "2026-09" / "crm-objects-2026-09.json").read_text())
    schemas = spec["components"]["schemas"]
    return {**schemas["Error"], "components": {"schemas": schemas}}


def _refusal(reply: Any, schema: dict[str, Any]) -> dict[str, Any]:
    assert reply.status == 400, reply.data
    body: dict[str, Any] = reply.json()
    jsonschema.validate(body, schema)
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    return body


def _named_properties(body: dict[str, Any]) -> list[str]:
    return [name for error in body["errors"] for name in error["context"].get("propertyName", [])]


def _open_lead(handle: SandboxHandle) -> str:
    """A lead still being worked: no disqualification, no note."""
    for lead in handle.portal.objects("leads"):
        props = lead["properties"]
        if props.get("hs_pipeline_stage") == "new-stage-id" and not props.get(
            "hs_lead_disqualification_note"
        ):
            return str(lead["id"])
    raise AssertionError("the small portal has no new lead")


def _add_rule(handle: SandboxHandle, rule: dict[str, Any]) -> None:
    reply = call(handle, "POST", "/_sandbox/rules", body=rule, token=None)
    assert reply.status == 201, reply.data


def _note_body(contact: str) -> dict[str, Any]:
    return {
        "properties": {"hs_note_body": "<p>hi</p>", "hs_timestamp": "2026-11-02T10:00:00Z"},
        "associations": [
            {
                "to": {"id": contact},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}],
            }
        ],
    }


def test_a_property_required_at_a_stage_refuses_the_update_and_names_it(
    sandbox: SandboxHandle, error_schema: dict[str, Any]
) -> None:
    _add_rule(
        sandbox,
        {
            "kind": "required_when",
            "objectType": "leads",
            "property": "hs_lead_disqualification_reason",
            "whenProperty": "hs_pipeline_stage",
            "whenValue": DISQUALIFIED,
        },
    )
    lead = _open_lead(sandbox)
    path = f"/crm/v3/objects/leads/{lead}"
    refused = call(sandbox, "PATCH", path, body={"properties": {"hs_pipeline_stage": DISQUALIFIED}})
    body = _refusal(refused, error_schema)
    assert "hs_lead_disqualification_reason" in body["message"]
    assert _named_properties(body) == ["hs_lead_disqualification_reason"]
    stored = sandbox.portal.get_object("leads", lead, properties=["hs_pipeline_stage"])
    assert stored["properties"]["hs_pipeline_stage"] == "new-stage-id"

    reason = {"hs_pipeline_stage": DISQUALIFIED, "hs_lead_disqualification_reason": "NOT_A_GOOD_FIT"}
    assert call(sandbox, "PATCH", path, body={"properties": reason}).status == 200
    # A write that does not touch the rule's properties is not refused for it.
    assert call(sandbox, "PATCH", path, body={"properties": {"hs_lead_label": "WARM"}}).status == 200


def test_a_rule_on_any_value_and_the_batch_update_path(
    sandbox: SandboxHandle, error_schema: dict[str, Any]
) -> None:
    sandbox.portal.settings.rules.require_when("leads", "hs_lead_disqualification_note", "hs_lead_type")
    lead = _open_lead(sandbox)
    batch = {"inputs": [{"id": lead, "properties": {"hs_lead_type": "NEW_BUSINESS"}}]}
    body = _refusal(call(sandbox, "POST", "/crm/v3/objects/leads/batch/update", body=batch), error_schema)
    assert _named_properties(body) == ["hs_lead_disqualification_note"]


def test_required_fields_of_the_create_form_refuse_a_create_without_them(
    sandbox: SandboxHandle, error_schema: dict[str, Any]
) -> None:
    _add_rule(sandbox, {"kind": "create_form", "objectType": "deals", "properties": ["amount"]})
    deals_before = len(sandbox.portal.objects("deals"))
    deal = {"properties": {"dealname": "Acme renewal", "pipeline": "default"}}
    body = _refusal(call(sandbox, "POST", "/crm/v3/objects/deals", body=deal), error_schema)
    assert "Amount (amount) is required to create a deal" in body["message"]
    assert _named_properties(body) == ["amount"]
    assert len(sandbox.portal.objects("deals")) == deals_before

    deal["properties"]["amount"] = "1200"
    assert call(sandbox, "POST", "/crm/v3/objects/deals", body=deal).status == 201
    # Updates are not create forms: an existing deal can be edited without its amount.
    created = sandbox.portal.objects("deals")[-1]["id"]
    patch = {"properties": {"dealname": "Acme renewal 2"}}
    assert call(sandbox, "PATCH", f"/crm/v3/objects/deals/{created}", body=patch).status == 200


def test_a_user_who_may_not_edit_associations_is_refused_on_every_association_write(
    sandbox: SandboxHandle, error_schema: dict[str, Any]
) -> None:
    sandbox.add_token("pat-no-associations")
    _add_rule(sandbox, {"kind": "no_association_edits", "token": "pat-no-associations"})
    lead, contact = first_lead_id(sandbox), contact_id(sandbox)
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("PUT", f"/crm/v4/objects/leads/{lead}/associations/default/contacts/{contact}", None),
        ("POST", "/crm/v4/associations/leads/contacts/batch/create", {"inputs": []}),
        ("POST", "/crm/v3/objects/notes", _note_body(contact)),
        # A date-versioned path is held to the same rule.
        ("PUT", f"/crm/objects/2026-09/leads/{lead}/associations/default/contacts/{contact}", None),
    ]
    for method, path, payload in writes:
        reply = call(sandbox, method, path, body=payload, token="pat-no-associations")
        body = _refusal(reply, error_schema)
        assert "permission to edit associations" in body["message"]
    # Reads, and writes without associations, still work for that user; other tokens are not affected.
    read = {"inputs": [{"id": lead}]}
    assert call(
        sandbox,
        "POST",
        "/crm/v4/associations/leads/contacts/batch/read",
        body=read,
        token="pat-no-associations",
    ).status in (200, 207)
    plain = {"properties": {"hs_lead_label": "HOT"}}
    assert (
        call(
            sandbox, "PATCH", f"/crm/v3/objects/leads/{lead}", body=plain, token="pat-no-associations"
        ).status
        == 200
    )
    assert call(sandbox, "POST", "/crm/v3/objects/notes", body=_note_body(contact)).status == 201


def test_the_admin_path_lists_refuses_bad_rules_and_clears(sandbox: SandboxHandle) -> None:
    _add_rule(sandbox, {"kind": "create_form", "objectType": "deal", "properties": ["amount"]})
    listed = call(sandbox, "GET", "/_sandbox/rules", token=None).json()["results"]
    assert listed == [{"kind": "create_form", "objectType": "deals", "properties": ["amount"]}]
    bad = call(
        sandbox,
        "POST",
        "/_sandbox/rules",
        body={"kind": "create_form", "objectType": "deals", "properties": ["no_such_thing"]},
        token=None,
    )
    assert bad.status == 400 and "no_such_thing" in bad.json()["message"]
    assert call(sandbox, "DELETE", "/_sandbox/rules", token=None).status == 204
    assert call(sandbox, "GET", "/_sandbox/rules", token=None).json()["results"] == []
    deal = {"properties": {"dealname": "No amount, no rule"}}
    assert call(sandbox, "POST", "/crm/v3/objects/deals", body=deal).status == 201


def test_the_demo_portal_requires_an_amount_on_a_new_deal() -> None:
    assert demo_settings().rules.to_json() == demo_rules().to_json()
    assert demo_rules().to_json() == [
        {"kind": "create_form", "objectType": "deals", "properties": ["amount"]}
    ]


def test_the_sandbox_flags_describe_each_rule_kind() -> None:
    assert parse_required_when(
        "leads.hs_lead_disqualification_note:hs_pipeline_stage=unqualified-stage-id"
    ) == ("leads", "hs_lead_disqualification_note", "hs_pipeline_stage", "unqualified-stage-id")
    assert parse_required_when("deals.amount:dealname") == ("deals", "amount", "dealname", None)
    assert parse_create_form("deals.amount,closedate") == ("deals", ["amount", "closedate"])
    result = CliRunner().invoke(main, ["sandbox", "--require-on-create", "deals.nope", "--port", "0"])
    assert result.exit_code == 2 and "nope" in result.output
    result = CliRunner().invoke(main, ["sandbox", "--require-when", "leads-without-a-condition"])
    assert result.exit_code == 2 and "TYPE.PROPERTY:WHEN_PROPERTY" in result.output
