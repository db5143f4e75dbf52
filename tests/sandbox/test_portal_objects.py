"""The portal's object endpoints, called directly: wire shape, validation, batches, archive."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from leadboard.sandbox.hubspot_errors import HubSpotError
from leadboard.sandbox.portal import Portal
from tests.sandbox.portal_support import FakeClock, first_contact_id, new_lead, small_portal

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def portal(clock: FakeClock) -> Portal:
    return small_portal(clock)


def error_of(call: Any, *args: Any, **kwargs: Any) -> HubSpotError:
    with pytest.raises(HubSpotError) as caught:
        call(*args, **kwargs)
    return caught.value


def codes(error: HubSpotError) -> list[str]:
    return [e.get("code", "") for e in error.body.get("errors", [])]


def test_created_lead_has_hubspots_wire_shape_and_system_properties(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal), hs_lead_type="UPSELL")
    assert set(lead) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert lead["id"].isdigit() and lead["archived"] is False
    props = lead["properties"]
    assert props["hs_object_id"] == lead["id"]
    assert ISO_MS.match(lead["createdAt"]) and ISO_MS.match(props["hs_lastmodifieddate"])
    assert props["createdate"] == props["hs_createdate"] == lead["createdAt"]
    assert props["hs_pipeline"] == "lead-pipeline-id" and props["hs_pipeline_stage"] == "new-stage-id"
    assert all(isinstance(v, str) for v in props.values())


def test_requested_but_empty_properties_come_back_as_null(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    got = portal.get_object("leads", lead["id"], properties=["hs_lead_name", "hs_lead_label"])
    assert got["properties"]["hs_lead_name"] == "Jane Doe"
    assert got["properties"]["hs_lead_label"] is None
    assert {"createdate", "hs_lastmodifieddate", "hs_object_id"} <= set(got["properties"])


def test_lead_derives_contact_and_company_fields_from_its_associations(portal: Portal) -> None:
    contact = portal.objects("contacts")[0]
    lead = new_lead(portal, contact["id"])
    props = portal.get_object(
        "leads",
        lead["id"],
        properties=[
            "hs_primary_contact_id",
            "hs_associated_contact_email",
            "hs_associated_contact_firstname",
            "hs_associated_contact_lastname",
            "hs_associated_company_name",
        ],
    )["properties"]
    assert props["hs_primary_contact_id"] == contact["id"]
    assert props["hs_associated_contact_email"] == contact["properties"]["email"]
    assert props["hs_associated_contact_firstname"] == contact["properties"]["firstname"]
    assert props["hs_associated_contact_lastname"] == contact["properties"]["lastname"]
    assert props["hs_associated_company_name"] == contact["properties"]["company"]


def test_contact_edit_flows_into_its_leads_and_bumps_them(portal: Portal, clock: FakeClock) -> None:
    contact_id = first_contact_id(portal)
    lead = new_lead(portal, contact_id)
    clock.advance(5)
    portal.remote_edit("contacts", contact_id, {"email": "new.address@example.com"})
    after = portal.get_object("leads", lead["id"], properties=["hs_associated_contact_email"])
    assert after["properties"]["hs_associated_contact_email"] == "new.address@example.com"
    assert after["updatedAt"] > lead["updatedAt"]


def test_every_write_moves_hs_lastmodifieddate(portal: Portal, clock: FakeClock) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    clock.advance(3)
    updated = portal.update_object(
        "leads", lead["id"], {"properties": {"hs_pipeline_stage": "attempting-stage-id"}}
    )
    assert updated["properties"]["hs_lastmodifieddate"] > lead["properties"]["hs_lastmodifieddate"]
    assert updated["updatedAt"] == updated["properties"]["hs_lastmodifieddate"]
    assert updated["properties"]["hs_v2_date_entered_current_stage"] == updated["updatedAt"]


def test_unknown_property_is_rejected_with_hubspots_body(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    error = error_of(portal.update_object, "leads", lead["id"], {"properties": {"testproperty": "x"}})
    assert error.status == 400
    assert error.body["category"] == "VALIDATION_ERROR"
    assert error.body["message"].startswith("Property values were not valid: [")
    assert json.loads(error.body["message"].split(": ", 1)[1])[0]["error"] == "PROPERTY_DOESNT_EXIST"
    assert error.body["errors"][0]["context"] == {"propertyName": ["testproperty"]}
    assert codes(error) == ["PROPERTY_DOESNT_EXIST"]
    assert error.body["correlationId"]


def test_enumeration_values_are_checked_case_sensitively(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    for bad in ("new_business", "New business", "NEW BUSINESS"):
        error = error_of(portal.update_object, "leads", lead["id"], {"properties": {"hs_lead_type": bad}})
        assert codes(error) == ["INVALID_OPTION"], bad
    label_not_value = {"hs_lead_disqualification_reason": "Not Interested"}
    assert codes(error_of(portal.update_object, "leads", lead["id"], {"properties": label_not_value})) == [
        "INVALID_OPTION"
    ]
    ok = portal.update_object(
        "leads", lead["id"], {"properties": {"hs_lead_disqualification_reason": "NO_INTEREST"}}
    )
    assert ok["properties"]["hs_lead_disqualification_reason"] == "NO_INTEREST"


def test_stage_must_belong_to_the_pipeline(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    error = error_of(
        portal.update_object, "leads", lead["id"], {"properties": {"hs_pipeline_stage": "closedwon"}}
    )
    assert codes(error) == ["INVALID_OPTION"]


def test_calculated_properties_cannot_be_written(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    for name in ("hs_lead_call_count", "hs_associated_contact_email", "hs_lastmodifieddate"):
        error = error_of(portal.update_object, "leads", lead["id"], {"properties": {name: "3"}})
        assert codes(error) == ["READ_ONLY_VALUE"], name


def test_owner_must_be_a_real_owner_id(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    user_id = str(portal.get_owner(portal.rep_owner_id)["userId"])
    assert codes(error_of(portal.reassign_lead, lead["id"], user_id)) == ["INVALID_OWNER_ID"]
    assert codes(error_of(portal.reassign_lead, lead["id"], "abc")) == ["INVALID_INTEGER"]
    assert (
        portal.reassign_lead(lead["id"], portal.rep_owner_id)["properties"]["hubspot_owner_id"]
        == portal.rep_owner_id
    )


def test_lead_create_needs_a_name_and_an_inline_primary_contact(portal: Portal) -> None:
    contact_id = first_contact_id(portal)
    no_name = error_of(new_lead, portal, contact_id, hs_lead_name="")
    assert no_name.status == 400 and no_name.body["category"] == "VALIDATION_ERROR"
    no_assoc = error_of(
        portal.create_object, "leads", {"properties": {"hs_lead_name": "X"}, "associations": []}
    )
    assert no_assoc.status == 400 and no_assoc.body["category"] == "VALIDATION_ERROR"
    assert "578" in no_assoc.body["message"]
    missing_contact = error_of(new_lead, portal, "999999999")
    assert missing_contact.status == 400


def test_activities_need_hs_timestamp_and_note_bodies_are_limited(portal: Portal) -> None:
    for object_type in ("notes", "calls", "tasks"):
        error = error_of(portal.create_object, object_type, {"properties": {}, "associations": []})
        assert error.status == 400 and error.body["category"] == "VALIDATION_ERROR", object_type
    stamp = "2026-09-01T14:03:00.000Z"
    long_body = {"properties": {"hs_timestamp": stamp, "hs_note_body": "x" * 65_537}, "associations": []}
    assert codes(error_of(portal.create_object, "notes", long_body)) == ["INVALID_LENGTH"]
    ok = portal.create_object(
        "notes", {"properties": {"hs_timestamp": "1790000000000", "hs_note_body": "x" * 65_536}}
    )
    expected = datetime.fromtimestamp(1_790_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert ok["properties"]["hs_timestamp"] == expected


def test_malformed_bodies_get_a_hubspot_400_not_an_exception(portal: Portal) -> None:
    lead_id = new_lead(portal, first_contact_id(portal))["id"]
    bad_calls = [
        lambda: portal.create_object("leads", []),
        lambda: portal.create_object("leads", {"properties": "x"}),
        lambda: portal.create_object("leads", {"properties": {"hs_lead_name": ["a"]}}),
        lambda: portal.create_object(
            "leads", {"properties": {"hs_lead_name": "a"}, "associations": [{"to": 5}]}
        ),
        lambda: portal.update_object("leads", lead_id, None),
        lambda: portal.batch_read("leads", {"inputs": "1"}),
        lambda: portal.batch_update("leads", {"inputs": [{"id": {"x": 1}}]}),
        lambda: portal.search("leads", {"filterGroups": [{"filters": [{"operator": "EQ"}]}]}),
        lambda: portal.search("leads", {"limit": "ten"}),
        lambda: portal.search("leads", {"sorts": [{"propertyName": "createdate", "direction": "UP"}]}),
        lambda: portal.batch_create_associations("leads", "contacts", {"inputs": [{"from": {}}]}),
        lambda: portal.associate_labelled("leads", lead_id, "contacts", "1", {"not": "a list"}),
    ]
    for index, call in enumerate(bad_calls):
        with pytest.raises(HubSpotError) as caught:
            call()
        assert caught.value.status == 400, index


def test_unknown_object_type_and_id_get_hubspot_errors(portal: Portal) -> None:
    assert error_of(portal.get_object, "widgets", "1").status == 400
    missing = error_of(portal.get_object, "leads", "999999999")
    assert missing.status == 404 and missing.body["category"] == "OBJECT_NOT_FOUND"
    assert portal.get_object("0-136", portal.objects("leads")[0]["id"])["id"]


def test_archived_records_leave_get_but_show_with_archived_true(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    portal.archive_object("leads", lead["id"])
    assert error_of(portal.get_object, "leads", lead["id"]).status == 404
    archived = portal.get_object("leads", lead["id"], archived=True)
    assert archived["archived"] is True and ISO_MS.match(archived["archivedAt"])
    listed = portal.list_objects("leads", archived=True, limit=100)["results"]
    assert [r["id"] for r in listed] == [lead["id"]]


def test_list_pages_by_next_id_and_sees_every_record_once(portal: Portal) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = portal.list_objects("leads", limit=7, after=after)
        seen.extend(r["id"] for r in page["results"])
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
        assert after == str(int(seen[-1]) + 1) or int(after) > int(seen[-1])
    assert seen == [o["id"] for o in portal.objects("leads")]
    assert error_of(portal.list_objects, "leads", limit=101).status == 400


def test_batch_read_reports_missing_ids_with_207(portal: Portal) -> None:
    ids = [o["id"] for o in portal.objects("leads")[:3]]
    status, body = portal.batch_read(
        "leads",
        {
            "inputs": [{"id": i} for i in [*ids, "424242424"]],
            "properties": ["hs_lead_name"],
            "propertiesWithHistory": [],
        },
    )
    assert status == 207
    assert sorted(r["id"] for r in body["results"]) == sorted(ids)
    assert body["numErrors"] == 1 and body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["424242424"]}
    assert body["status"] == "COMPLETE" and ISO_MS.match(body["startedAt"])
    status, body = portal.batch_read(
        "leads", {"inputs": [{"id": ids[0]}], "properties": [], "propertiesWithHistory": []}
    )
    assert status == 200 and "errors" not in body


def test_batch_update_applies_found_ids_and_reports_the_rest(portal: Portal) -> None:
    lead_id = portal.objects("leads")[0]["id"]
    inputs = [
        {"id": lead_id, "properties": {"hs_lead_label": "HOT"}},
        {"id": "1", "properties": {"hs_lead_label": "HOT"}},
    ]
    status, body = portal.batch_update("leads", {"inputs": inputs})
    assert status == 207 and body["numErrors"] == 1
    assert (
        portal.get_object("leads", lead_id, properties=["hs_lead_label"])["properties"]["hs_lead_label"]
        == "HOT"
    )
    bad = [{"id": lead_id, "properties": {"hs_lead_label": "hot"}}]
    assert error_of(portal.batch_update, "leads", {"inputs": bad}).status == 400


def test_batches_over_100_inputs_are_rejected(portal: Portal) -> None:
    inputs = [{"id": str(i)} for i in range(101)]
    for call in (portal.batch_read, portal.batch_archive, portal.batch_update, portal.batch_create):
        error = error_of(call, "leads", {"inputs": inputs, "properties": [], "propertiesWithHistory": []})
        assert error.status == 400 and error.body["category"] == "VALIDATION_ERROR"


def test_batch_create_is_all_or_nothing_unless_traced(portal: Portal) -> None:
    stamp = "2026-09-01T14:03:00.000Z"
    good = {"properties": {"hs_timestamp": stamp, "hs_note_body": "<p>hi</p>"}, "associations": []}
    bad = {"properties": {"hs_note_body": "no timestamp"}, "associations": []}
    before = len(portal.objects("notes"))
    assert error_of(portal.batch_create, "notes", {"inputs": [good, bad]}).status == 400
    assert len(portal.objects("notes")) == before
    status, body = portal.batch_create(
        "notes", {"inputs": [{**good, "objectWriteTraceId": "a"}, {**bad, "objectWriteTraceId": "b"}]}
    )
    assert status == 207 and body["errors"][0]["context"] == {"objectWriteTraceId": ["b"]}
    assert len(body["results"]) == 1 and len(portal.objects("notes")) == before + 1
    status, body = portal.batch_create("notes", {"inputs": [good]})
    assert status == 201


def test_properties_with_history_lists_past_values_newest_first(portal: Portal, clock: FakeClock) -> None:
    lead = new_lead(portal, first_contact_id(portal), hs_lead_label="COLD")
    clock.advance(1)
    portal.update_object("leads", lead["id"], {"properties": {"hs_lead_label": "HOT"}})
    got = portal.get_object("leads", lead["id"], properties_with_history=["hs_lead_label"])
    values = [h["value"] for h in got["propertiesWithHistory"]["hs_lead_label"]]
    assert values == ["HOT", "COLD"]


def test_clearing_a_value_with_empty_string(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal), hs_lead_label="COLD")
    portal.update_object("leads", lead["id"], {"properties": {"hs_lead_label": ""}})
    assert (
        portal.get_object("leads", lead["id"], properties=["hs_lead_label"])["properties"]["hs_lead_label"]
        is None
    )


def test_call_automation_moves_the_lead_only_when_enabled(clock: FakeClock) -> None:
    for automation, expected in ((False, "new-stage-id"), (True, "connected-stage-id")):
        portal = small_portal(clock, automation=automation)
        contact_id = first_contact_id(portal)
        lead = new_lead(portal, contact_id)
        portal.create_object(
            "calls",
            {
                "properties": {
                    "hs_timestamp": "2026-09-21T10:00:00Z",
                    "hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
                },
                "associations": [
                    {
                        "to": {"id": lead["id"]},
                        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 597}],
                    },
                ],
            },
        )
        stage = portal.get_object("leads", lead["id"], properties=["hs_pipeline_stage", "hs_lead_call_count"])
        assert stage["properties"]["hs_pipeline_stage"] == expected
        assert stage["properties"]["hs_lead_call_count"] == "1"


def test_writes_without_a_properties_object_are_rejected(portal: Portal) -> None:
    lead_id = portal.objects("leads")[0]["id"]
    assert error_of(portal.update_object, "leads", lead_id, {}).status == 400
    assert error_of(portal.create_object, "notes", {"associations": []}).status == 400


def test_owners_page_by_cursor_and_resolve_by_user_id(portal: Portal) -> None:
    first = portal.list_owners(limit=2)
    rest = portal.list_owners(limit=2, after=first["paging"]["next"]["after"])
    ids = [o["id"] for o in first["results"] + rest["results"]]
    assert len(ids) == 3 == len(set(ids)) and "paging" not in rest
    rep = portal.get_owner(portal.rep_owner_id)
    assert rep["teams"][0]["primary"] is True and rep["type"] == "PERSON"
    assert portal.get_owner(str(rep["userId"]), id_property="userId")["id"] == rep["id"]
    assert error_of(portal.get_owner, str(rep["userId"])).status == 404
    assert portal.list_owners(email="nobody@example.com")["results"] == []
