"""Leads through the real hubspot-api-client: what a client user sees from every leads endpoint."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from tests.sandbox.contract_support import (
    ISO_MS_Z,
    LEAD_PIPELINE,
    LEAD_PROPERTIES,
    LEAD_TO_CONTACT,
    LEAD_TO_PRIMARY_CONTACT,
    api_error,
    assoc,
    last_json,
    lead_input,
    raw_get,
)

_names = itertools.count(1)


def unique_name(prefix: str = "Contract lead") -> str:
    return f"{prefix} {next(_names)}"


def create_lead(client: Any, contact_id: str, **properties: str) -> Any:
    lead = client.crm.objects.leads.basic_api.create(lead_input(unique_name(), contact_id, **properties))
    assert lead is not None, "create must answer 201, or the client returns None"
    return lead


def all_lead_ids_by_listing(client: Any) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = client.crm.objects.leads.basic_api.get_page(limit=100, after=after)
        ids.extend(str(lead.id) for lead in page.results)
        if page.paging is None or page.paging.next is None:
            return ids
        after = page.paging.next.after


def test_listing_pages_through_every_lead_once(client: Any) -> None:
    basic = client.crm.objects.leads.basic_api
    first = basic.get_page(limit=5, properties=LEAD_PROPERTIES)
    assert first is not None and len(first.results) == 5
    assert first.paging.next.after, "a first page of 5 out of dozens must point to the next one"
    assert all(lead.properties["hs_lead_name"] for lead in first.results)
    ids = all_lead_ids_by_listing(client)
    assert len(ids) == len(set(ids)), "list paging repeated a lead"
    total = client.crm.objects.leads.search_api.do_search({"limit": 1}).total
    assert len(ids) == total, "listing and search disagree on how many leads exist"


def test_get_by_id_returns_the_requested_properties_and_the_contact(
    client: Any, contact_ids: list[str]
) -> None:
    created = create_lead(client, contact_ids[0], hs_lead_label="WARM")
    lead = client.crm.objects.leads.basic_api.get_by_id(
        created.id, properties=["hs_lead_name", "hs_lead_label", "hs_pipeline"], associations=["contacts"]
    )
    assert lead.id == created.id
    assert lead.properties["hs_lead_name"] == created.properties["hs_lead_name"]
    assert lead.properties["hs_lead_label"] == "WARM"
    assert lead.properties["hs_pipeline"] == LEAD_PIPELINE
    associated = [str(a.id) for a in lead.associations["contacts"].results]
    assert contact_ids[0] in associated


def test_a_created_lead_is_201_and_reads_back(client: Any, contact_ids: list[str], rep_owner_id: str) -> None:
    basic = client.crm.objects.leads.basic_api
    body = lead_input("Ana Costa", contact_ids[1], hs_lead_type="NEW_BUSINESS", hubspot_owner_id=rep_owner_id)
    lead = basic.create(body)
    assert lead is not None and lead.id.isdigit()
    assert lead.properties["hs_lead_name"] == "Ana Costa"
    assert isinstance(lead.created_at, datetime) and lead.created_at.tzinfo is not None
    read = basic.get_by_id(lead.id, properties=LEAD_PROPERTIES)
    assert read.properties["hs_lead_type"] == "NEW_BUSINESS"
    assert read.properties["hubspot_owner_id"] == rep_owner_id
    assert read.properties["hs_pipeline"] == LEAD_PIPELINE, "a new lead lands in the default lead pipeline"
    assert read.properties["hs_pipeline_stage"] == "new-stage-id"
    links = client.crm.associations.v4.basic_api.get_page("leads", lead.id, "contacts")
    type_ids = {
        t.type_id for r in links.results if str(r.to_object_id) == contact_ids[1] for t in r.association_types
    }
    assert LEAD_TO_PRIMARY_CONTACT in type_ids


def test_a_lead_without_a_name_is_refused_with_the_reason(client: Any, contact_ids: list[str]) -> None:
    body = {"properties": {"hs_lead_type": "NEW_BUSINESS"}, "associations": [assoc(contact_ids[0], 578)]}
    status, error = api_error(client.crm.objects.leads.basic_api.create, body)
    assert status == 400
    assert error["category"] == "VALIDATION_ERROR"
    assert "hs_lead_name" in error["message"]


def test_a_lead_without_a_primary_contact_is_refused_with_the_reason(
    client: Any, contact_ids: list[str]
) -> None:
    create = client.crm.objects.leads.basic_api.create
    status, error = api_error(create, {"properties": {"hs_lead_name": unique_name()}, "associations": []})
    assert status == 400 and error["category"] == "VALIDATION_ERROR"
    assert "contact" in error["message"].lower()
    # 608 is an ordinary contact link; a lead needs its primary contact (578).
    body = {
        "properties": {"hs_lead_name": unique_name()},
        "associations": [assoc(contact_ids[0], LEAD_TO_CONTACT)],
    }
    status, error = api_error(create, body)
    assert status == 400 and "contact" in error["message"].lower()


def test_an_update_changes_the_lead_and_moves_its_last_modified_date(
    client: Any, contact_ids: list[str]
) -> None:
    basic = client.crm.objects.leads.basic_api
    lead = create_lead(client, contact_ids[0])
    before = basic.get_by_id(lead.id, properties=["hs_lastmodifieddate"]).properties["hs_lastmodifieddate"]
    updated = basic.update(
        lead.id, {"properties": {"hs_pipeline_stage": "attempting-stage-id", "hs_lead_label": "HOT"}}
    )
    assert updated is not None and updated.id == lead.id
    assert updated.properties["hs_pipeline_stage"] == "attempting-stage-id"
    read = basic.get_by_id(lead.id, properties=["hs_pipeline_stage", "hs_lead_label", "hs_lastmodifieddate"])
    assert read.properties["hs_pipeline_stage"] == "attempting-stage-id"
    assert read.properties["hs_lead_label"] == "HOT"
    assert read.properties["hs_lastmodifieddate"] > before, "hs_lastmodifieddate must move on every write"
    assert read.updated_at >= lead.updated_at


def test_an_archived_lead_is_204_gone_and_listed_as_archived(client: Any, contact_ids: list[str]) -> None:
    basic = client.crm.objects.leads.basic_api
    lead = create_lead(client, contact_ids[2])
    assert basic.archive(lead.id) is None
    status, error = api_error(basic.get_by_id, lead.id)
    assert status == 404 and error["category"] == "OBJECT_NOT_FOUND"
    recycled = basic.get_by_id(lead.id, archived=True)
    assert recycled.archived is True and recycled.archived_at is not None
    archived = basic.get_page(limit=100, archived=True)
    assert lead.id in {str(x.id) for x in archived.results}
    assert all(x.archived for x in archived.results)
    found = client.crm.objects.leads.search_api.do_search(
        {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": lead.id}]}
            ]
        }
    )
    assert found.total == 0, "archived records never appear in search"


def test_batch_read_returns_every_requested_lead(client: Any, contact_ids: list[str]) -> None:
    ids = [create_lead(client, contact_ids[0]).id for _ in range(3)]
    body = {"inputs": [{"id": i} for i in ids], "properties": ["hs_lead_name"], "propertiesWithHistory": []}
    batch = client.crm.objects.leads.batch_api.read(body)
    assert batch is not None and batch.status == "COMPLETE"
    assert {str(r.id) for r in batch.results} == set(ids)
    assert all(r.properties["hs_lead_name"] for r in batch.results)


def test_batch_read_with_a_missing_id_is_207_naming_it(client: Any, contact_ids: list[str]) -> None:
    real = create_lead(client, contact_ids[0]).id
    body = {"inputs": [{"id": real}, {"id": "999999999"}], "properties": [], "propertiesWithHistory": []}
    batch = client.crm.objects.leads.batch_api.read(body)
    assert type(batch).__name__.endswith("WithErrors"), "a partial failure must be 207, not 200"
    assert [str(r.id) for r in batch.results] == [real]
    assert batch.num_errors == 1 and batch.errors[0].category == "OBJECT_NOT_FOUND"
    assert "999999999" in str(batch.errors[0].context) + batch.errors[0].message


def test_batch_update_changes_every_input_and_reports_missing_ones(
    client: Any, contact_ids: list[str]
) -> None:
    batch_api = client.crm.objects.leads.batch_api
    ids = [create_lead(client, contact_ids[1]).id for _ in range(2)]
    inputs = [{"id": i, "properties": {"hs_lead_label": "COLD"}} for i in ids]
    done = batch_api.update({"inputs": inputs})
    assert done is not None and done.status == "COMPLETE"
    assert {str(r.id) for r in done.results} == set(ids)
    assert all(r.properties["hs_lead_label"] == "COLD" for r in done.results)
    partial = batch_api.update(
        {"inputs": [*inputs[:1], {"id": "999999998", "properties": {"hs_lead_label": "HOT"}}]}
    )
    assert type(partial).__name__.endswith("WithErrors") and partial.num_errors == 1
    assert [str(r.id) for r in partial.results] == ids[:1]


def test_search_by_owner_sorted_by_last_modified(client: Any, rep_owner_id: str) -> None:
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": rep_owner_id}]}
        ],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": LEAD_PROPERTIES,
        "limit": 200,
    }
    page = client.crm.objects.leads.search_api.do_search(body)
    assert page is not None and page.total == len(page.results) > 0
    assert page.paging is None, "no next page when everything fits"
    assert {r.properties["hubspot_owner_id"] for r in page.results} == {rep_owner_id}
    stamps = [r.properties["hs_lastmodifieddate"] for r in page.results]
    assert stamps == sorted(stamps)


def test_an_unknown_property_is_400_property_doesnt_exist(client: Any, contact_ids: list[str]) -> None:
    basic = client.crm.objects.leads.basic_api
    lead = create_lead(client, contact_ids[0])
    status, error = api_error(basic.update, lead.id, {"properties": {"hs_lead_favourite_colour": "blue"}})
    assert status == 400 and error["category"] == "VALIDATION_ERROR"
    assert "PROPERTY_DOESNT_EXIST" in error["message"]
    assert [e["code"] for e in error["errors"]] == ["PROPERTY_DOESNT_EXIST"]
    assert error["errors"][0]["context"]["propertyName"] == ["hs_lead_favourite_colour"]
    status, error = api_error(basic.create, lead_input(unique_name(), contact_ids[0], no_such_thing="x"))
    assert status == 400 and "PROPERTY_DOESNT_EXIST" in error["message"]


def test_a_value_outside_an_enumeration_is_400_invalid_option(client: Any, contact_ids: list[str]) -> None:
    basic = client.crm.objects.leads.basic_api
    lead = create_lead(client, contact_ids[0])
    # The docs' own example spells it with a space; HubSpot stores NEW_BUSINESS and refuses the other.
    status, error = api_error(basic.update, lead.id, {"properties": {"hs_lead_type": "NEW BUSINESS"}})
    assert status == 400 and error["category"] == "VALIDATION_ERROR"
    assert "INVALID_OPTION" in error["message"]
    assert "NEW_BUSINESS" in error["message"], "the message lists the allowed options"
    status, error = api_error(basic.update, lead.id, {"properties": {"hs_lead_label": "warm"}})
    assert status == 400 and "INVALID_OPTION" in error["message"], "enumeration values are case-sensitive"
    unchanged = basic.get_by_id(lead.id, properties=["hs_lead_type", "hs_lead_label"])
    assert unchanged.properties["hs_lead_label"] != "warm"


def test_property_values_are_strings_and_timestamps_iso_with_ms_and_z(
    client: Any, sandbox: Any, contact_ids: list[str]
) -> None:
    lead = create_lead(client, contact_ids[0])
    client.crm.objects.leads.basic_api.get_by_id(
        lead.id, properties=[*LEAD_PROPERTIES, "hs_lead_disqualification_reason"]
    )
    wire = last_json(sandbox, "GET", f"/crm/v3/objects/leads/{lead.id}")
    assert ISO_MS_Z.match(wire["createdAt"]) and ISO_MS_Z.match(wire["updatedAt"])
    for name, value in wire["properties"].items():
        assert value is None or isinstance(value, str), f"{name} came back as {type(value).__name__}"
    assert wire["properties"]["hs_object_id"] == lead.id
    assert ISO_MS_Z.match(wire["properties"]["hs_lastmodifieddate"])
    assert ISO_MS_Z.match(wire["properties"]["createdate"])
    assert wire["properties"]["hs_lead_disqualification_reason"] is None, (
        "requested-but-empty comes back null"
    )
    search = client.crm.objects.leads.search_api.do_search({"properties": ["hs_lead_name"], "limit": 20})
    assert search.results
    page = last_json(sandbox, "POST", "/crm/v3/objects/leads/search")
    for result in page["results"]:
        assert all(v is None or isinstance(v, str) for v in result["properties"].values())
        assert ISO_MS_Z.match(result["createdAt"]) and ISO_MS_Z.match(
            result["properties"]["hs_lastmodifieddate"]
        )


def test_query_arrays_work_comma_separated_as_well_as_repeated(
    client: Any, sandbox: Any, contact_ids: list[str]
) -> None:
    lead = create_lead(client, contact_ids[0], hs_lead_label="COLD")
    path = f"/crm/v3/objects/leads/{lead.id}?properties=hs_lead_name,hs_lead_label&associations=contacts"
    status, body, _ = raw_get(sandbox.base_url, path, sandbox.token)
    assert status == 200
    assert body["properties"]["hs_lead_label"] == "COLD"
    assert body["properties"]["hs_lead_name"] == lead.properties["hs_lead_name"]
    assert contact_ids[0] in {str(a["id"]) for a in body["associations"]["contacts"]["results"]}


def test_a_batch_of_more_than_100_inputs_is_refused(client: Any) -> None:
    body = {"inputs": [{"id": str(i)} for i in range(101)], "properties": [], "propertiesWithHistory": []}
    status, error = api_error(client.crm.objects.leads.batch_api.read, body)
    assert status == 400 and error["category"] == "VALIDATION_ERROR"


def test_a_new_lead_carries_its_contacts_details(client: Any, contact_ids: list[str]) -> None:
    contact = client.crm.contacts.basic_api.get_by_id(
        contact_ids[1], properties=["email", "firstname", "lastname"]
    )
    lead = create_lead(client, contact_ids[1])
    derived = ["hs_primary_contact_id", "hs_associated_contact_email", "hs_associated_contact_firstname"]
    read = client.crm.objects.leads.basic_api.get_by_id(
        lead.id, properties=[*derived, "hs_associated_contact_lastname"]
    )
    assert read.properties["hs_primary_contact_id"] == contact_ids[1]
    assert read.properties["hs_associated_contact_email"] == contact.properties["email"]
    assert read.properties["hs_associated_contact_firstname"] == contact.properties["firstname"]
    assert read.properties["hs_associated_contact_lastname"] == contact.properties["lastname"]


def test_an_association_change_moves_the_leads_last_modified_date(
    client: Any, contact_ids: list[str]
) -> None:
    basic = client.crm.objects.leads.basic_api
    lead = create_lead(client, contact_ids[0])
    before = basic.get_by_id(lead.id, properties=["hs_lastmodifieddate"]).properties["hs_lastmodifieddate"]
    client.crm.associations.v4.basic_api.create_default("leads", lead.id, "contacts", contact_ids[2])
    after = basic.get_by_id(lead.id, properties=["hs_lastmodifieddate"]).properties["hs_lastmodifieddate"]
    assert after > before, "an incremental pull must see association changes (research: emulator checklist)"
