"""Contacts, companies, notes, calls, deals and tasks through the real client."""

from __future__ import annotations

from typing import Any

from tests.sandbox.contract_support import (
    CALL_TO_CONTACT,
    CALL_TO_LEAD,
    CONNECTED_DISPOSITION,
    DEAL_TO_LEAD,
    NOTE_TO_CONTACT,
    NOTE_TO_LEAD,
    TASK_TO_LEAD,
    api_error,
    assoc,
    lead_input,
)

WHEN = "2026-09-01T14:03:00.000Z"


def a_lead(client: Any, contact_id: str) -> str:
    lead = client.crm.objects.leads.basic_api.create(lead_input("Timeline lead", contact_id))
    assert lead is not None
    return str(lead.id)


def linked_ids(client: Any, from_type: str, from_id: str, to_type: str) -> dict[str, set[int]]:
    page = client.crm.associations.v4.basic_api.get_page(from_type, from_id, to_type)
    return {str(r.to_object_id): {t.type_id for t in r.association_types} for r in page.results}


def test_contacts_get_batch_read_and_search(client: Any, contact_ids: list[str]) -> None:
    contacts = client.crm.contacts
    one = contacts.basic_api.get_by_id(contact_ids[0], properties=["firstname", "lastname", "email"])
    assert one.id == contact_ids[0]
    assert one.properties["email"] and "@" in one.properties["email"]
    assert one.properties["firstname"] and one.properties["lastname"]
    batch = contacts.batch_api.read(
        {"inputs": [{"id": i} for i in contact_ids[:3]], "properties": ["email"], "propertiesWithHistory": []}
    )
    assert batch.status == "COMPLETE" and {str(r.id) for r in batch.results} == set(contact_ids[:3])
    email = one.properties["email"]
    found = contacts.search_api.do_search(
        {
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}],
            "properties": ["email"],
        }
    )
    assert found.total >= 1 and contact_ids[0] in {str(r.id) for r in found.results}


def test_companies_get_batch_read_and_search(client: Any) -> None:
    companies = client.crm.companies
    first = companies.search_api.do_search({"properties": ["name", "domain"], "limit": 3})
    assert first.total >= 3 and len(first.results) == 3
    ids = [str(r.id) for r in first.results]
    one = companies.basic_api.get_by_id(ids[0], properties=["name", "domain"])
    assert one.properties["name"] == first.results[0].properties["name"]
    batch = companies.batch_api.read(
        {"inputs": [{"id": i} for i in ids], "properties": ["name"], "propertiesWithHistory": []}
    )
    assert {str(r.id) for r in batch.results} == set(ids)
    assert all(r.properties["name"] for r in batch.results)


def test_a_note_is_created_with_201_and_reads_back_and_searches(client: Any, contact_ids: list[str]) -> None:
    lead_id = a_lead(client, contact_ids[0])
    notes = client.crm.objects.notes
    text = "<p>Spoke to Carla</p><p>Send proposal</p>"
    body = {
        "properties": {"hs_timestamp": WHEN, "hs_note_body": text},
        "associations": [assoc(contact_ids[0], NOTE_TO_CONTACT), assoc(lead_id, NOTE_TO_LEAD)],
    }
    note = notes.basic_api.create(body)
    assert note is not None, "note create must answer 201, or the client returns None"
    assert note.properties["hs_note_body"] == text
    read = notes.basic_api.get_by_id(note.id, properties=["hs_note_body", "hs_timestamp"])
    assert read.properties["hs_note_body"] == text
    assert read.properties["hs_timestamp"] == WHEN
    batch = notes.batch_api.read(
        {"inputs": [{"id": note.id}], "properties": ["hs_note_body"], "propertiesWithHistory": []}
    )
    assert [str(r.id) for r in batch.results] == [str(note.id)]
    found = notes.search_api.do_search(
        {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": note.id}]}
            ]
        }
    )
    assert found.total == 1
    assert NOTE_TO_LEAD in linked_ids(client, "notes", note.id, "leads").get(lead_id, set())
    assert NOTE_TO_CONTACT in linked_ids(client, "notes", note.id, "contacts").get(contact_ids[0], set())


def test_a_call_is_created_with_201_and_reads_back_and_searches(client: Any, contact_ids: list[str]) -> None:
    lead_id = a_lead(client, contact_ids[1])
    calls = client.crm.objects.calls
    properties = {
        "hs_timestamp": WHEN,
        "hs_call_title": "Call with Ana",
        "hs_call_body": "<p>Wants a quote</p>",
        "hs_call_direction": "OUTBOUND",
        "hs_call_disposition": CONNECTED_DISPOSITION,
        "hs_call_duration": "95000",
        "hs_call_status": "COMPLETED",
    }
    call = calls.basic_api.create(
        {
            "properties": properties,
            "associations": [assoc(contact_ids[1], CALL_TO_CONTACT), assoc(lead_id, CALL_TO_LEAD)],
        }
    )
    assert call is not None, "call create must answer 201, or the client returns None"
    read = calls.basic_api.get_by_id(call.id, properties=list(properties))
    for name, value in properties.items():
        assert read.properties[name] == value, name
    batch = calls.batch_api.read(
        {"inputs": [{"id": call.id}], "properties": ["hs_call_title"], "propertiesWithHistory": []}
    )
    assert batch.results[0].properties["hs_call_title"] == "Call with Ana"
    found = calls.search_api.do_search(
        {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "hs_call_disposition",
                            "operator": "EQ",
                            "value": CONNECTED_DISPOSITION,
                        }
                    ]
                }
            ]
        }
    )
    assert str(call.id) in {str(r.id) for r in found.results} or found.total > len(found.results)
    assert CALL_TO_LEAD in linked_ids(client, "calls", call.id, "leads").get(lead_id, set())


def test_a_call_with_an_unknown_direction_is_refused(client: Any, contact_ids: list[str]) -> None:
    body = {"properties": {"hs_timestamp": WHEN, "hs_call_direction": "SIDEWAYS"}, "associations": []}
    status, error = api_error(client.crm.objects.calls.basic_api.create, body)
    assert status == 400 and "INVALID_OPTION" in error["message"]


def test_a_deal_is_created_and_reads_back_in_a_deal_pipeline(client: Any, contact_ids: list[str]) -> None:
    lead_id = a_lead(client, contact_ids[2])
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals")
    assert pipelines.results, "the portal has a deal pipeline"
    pipeline = pipelines.results[0]
    assert pipeline.stages and all(s.id and s.label for s in pipeline.stages)
    stage = pipeline.stages[0].id
    deal = client.crm.deals.basic_api.create(
        {
            "properties": {
                "dealname": "Costa Ltd: 20 seats",
                "amount": "12000",
                "closedate": "2026-10-31T00:00:00.000Z",
                "pipeline": pipeline.id,
                "dealstage": stage,
            },
            "associations": [assoc(lead_id, DEAL_TO_LEAD)],
        }
    )
    assert deal is not None, "deal create must answer 201, or the client returns None"
    read = client.crm.deals.basic_api.get_by_id(
        deal.id, properties=["dealname", "amount", "pipeline", "dealstage"]
    )
    assert read.properties["dealname"] == "Costa Ltd: 20 seats"
    assert read.properties["amount"] == "12000"
    assert (read.properties["pipeline"], read.properties["dealstage"]) == (pipeline.id, stage)
    assert lead_id in linked_ids(client, "deals", deal.id, "leads")


def test_a_task_is_created_and_reads_back(client: Any, contact_ids: list[str]) -> None:
    lead_id = a_lead(client, contact_ids[0])
    tasks = client.crm.objects.tasks
    properties = {"hs_timestamp": WHEN, "hs_task_subject": "Call Ana back", "hs_task_status": "NOT_STARTED"}
    task = tasks.basic_api.create({"properties": properties, "associations": [assoc(lead_id, TASK_TO_LEAD)]})
    assert task is not None, "task create must answer 201, or the client returns None"
    read = tasks.basic_api.get_by_id(task.id, properties=list(properties))
    assert read.properties["hs_task_subject"] == "Call Ana back"
    assert read.properties["hs_task_status"] == "NOT_STARTED"


def test_object_type_ids_work_wherever_names_do(client: Any, contact_ids: list[str]) -> None:
    generic = client.crm.objects
    by_id = generic.basic_api.get_by_id("0-1", contact_ids[0], properties=["email"])
    by_name = client.crm.contacts.basic_api.get_by_id(contact_ids[0], properties=["email"])
    assert by_id.properties["email"] == by_name.properties["email"]
    leads = generic.search_api.do_search("0-136", {"limit": 1})
    assert leads.total == client.crm.objects.leads.search_api.do_search({"limit": 1}).total
