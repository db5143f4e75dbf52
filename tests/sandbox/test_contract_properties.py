"""An app's own property (`POST /crm/properties/{version}/{type}`), as the 2026-09 spec describes it.

Through the real client and leadboard's gateway; the contract fixture checks every answer against
HubSpot's spec. leadboard keeps its op id in such a property, hidden from HubSpot's users.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from leadboard.sandbox.portal import Portal
from leadboard.sandbox.runner import SandboxHandle
from leadboard.sync.hubspot import HubSpotGateway
from tests.sandbox.conftest import make_client
from tests.sandbox.contract_support import api_error

WHEN = "2026-09-01T14:03:00.000Z"
DEFINITION = {
    "name": "crm_sync_ref",
    "label": "Sync reference",
    "type": "string",
    "fieldType": "text",
    "groupName": "engagement",
    "hidden": True,
    "formField": False,
}


def test_a_created_property_is_read_back_hidden_and_takes_values_search_can_filter_on(
    start_sandbox: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sandbox = start_sandbox(app_properties=False)
    client = make_client(sandbox)
    created = client.crm.properties.core_api.create("notes", property_create=DEFINITION)
    assert created.name == "crm_sync_ref" and created.hidden is True and created.hubspot_defined is False
    read = client.crm.properties.core_api.get_by_name("notes", "crm_sync_ref")
    assert read.hidden is True and read.form_field is False and read.group_name == "engagement"

    note = client.crm.objects.notes.basic_api.create(
        {"properties": {"hs_timestamp": WHEN, "hs_note_body": "<p>hi</p>", "crm_sync_ref": "ref-1"}}
    )
    found = client.crm.objects.notes.search_api.do_search(
        {
            "filterGroups": [
                {"filters": [{"propertyName": "crm_sync_ref", "operator": "EQ", "value": "ref-1"}]}
            ],
            "properties": ["crm_sync_ref"],
        }
    )
    assert [r.id for r in found.results] == [note.id]
    # A saved portal keeps the property, and the values it holds.
    sandbox.portal.save(tmp_path / "portal.json")
    loaded = Portal.load(tmp_path / "portal.json")
    assert loaded.get_property("notes", "crm_sync_ref")["hidden"] is True


def test_a_property_hubspot_would_refuse_is_refused(start_sandbox: Callable[..., SandboxHandle]) -> None:
    sandbox = start_sandbox(app_properties=False)
    client = make_client(sandbox)
    core = client.crm.properties.core_api
    client.crm.properties.core_api.create("notes", property_create=DEFINITION)
    status, body = api_error(core.create, "notes", property_create=DEFINITION)
    assert status == 409 and "already exists" in body["message"]
    status, _ = api_error(core.create, "notes", property_create={**DEFINITION, "name": "hs_mine"})
    assert status == 400
    status, _ = api_error(
        core.create, "notes", property_create={**DEFINITION, "name": "other_ref", "groupName": "nowhere"}
    )
    assert status == 400
    status, body = api_error(
        client.crm.objects.notes.basic_api.create,
        {"properties": {"hs_timestamp": WHEN, "unknown_prop": "x"}},
    )
    assert status == 400 and "PROPERTY_DOESNT_EXIST" in str(body)


def test_creating_a_property_needs_the_schema_write_scope(
    start_sandbox: Callable[..., SandboxHandle],
) -> None:
    sandbox = start_sandbox(app_properties=False)
    sandbox.add_token("pat-na1-reader", {"crm.objects.contacts.read", "crm.objects.contacts.write"})
    core = make_client(sandbox, "pat-na1-reader").crm.properties.core_api
    status, body = api_error(core.create, "calls", property_create=DEFINITION)
    assert status == 403 and "crm.schemas.contacts.write" in str(body)


def test_leadboards_gateway_creates_its_op_id_property_once(
    start_sandbox: Callable[..., SandboxHandle],
) -> None:
    sandbox = start_sandbox(app_properties=False)
    with HubSpotGateway(sandbox.base_url, sandbox.token, timeout=(2.0, 10.0)) as gateway:
        for object_type in ("notes", "calls", "tasks", "deals"):
            gateway.create_op_id_property(object_type)
            gateway.create_op_id_property(object_type)  # a second rep's 409 is fine
            definition = gateway.property_definition(object_type, "leadboard_op_id")
            assert definition.hidden and definition.type == "string"
    wire: dict[str, Any] = sandbox.portal.get_property("deals", "leadboard_op_id")
    assert wire["groupName"] == "dealinformation" and wire["formField"] is False
