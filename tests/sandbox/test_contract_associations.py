"""Associations v4 through the real client: per-record reads, PUTs, batch reads and writes, labels."""

from __future__ import annotations

from typing import Any

from tests.sandbox.contract_support import (
    LEAD_TO_PRIMARY_CONTACT,
    NOTE_TO_CONTACT,
    NOTE_TO_LEAD,
    api_error,
    lead_input,
)

WHEN = "2026-09-01T14:03:00.000Z"


def new_lead(client: Any, contact_id: str, name: str = "Association lead") -> str:
    lead = client.crm.objects.leads.basic_api.create(lead_input(name, contact_id))
    assert lead is not None
    return str(lead.id)


def bare_note(client: Any) -> str:
    note = client.crm.objects.notes.basic_api.create(
        {"properties": {"hs_timestamp": WHEN, "hs_note_body": "x"}, "associations": []}
    )
    assert note is not None
    return str(note.id)


def types_between(client: Any, from_type: str, from_id: str, to_type: str, to_id: str) -> set[int]:
    page = client.crm.associations.v4.basic_api.get_page(from_type, from_id, to_type, limit=500)
    return {t.type_id for r in page.results if str(r.to_object_id) == to_id for t in r.association_types}


def test_a_lead_lists_its_primary_contact_with_type_578(client: Any, contact_ids: list[str]) -> None:
    lead_id = new_lead(client, contact_ids[0])
    page = client.crm.associations.v4.basic_api.get_page("leads", lead_id, "contacts")
    assert page is not None and page.results
    (link,) = [r for r in page.results if str(r.to_object_id) == contact_ids[0]]
    spec = {(t.category, t.type_id) for t in link.association_types}
    assert ("HUBSPOT_DEFINED", LEAD_TO_PRIMARY_CONTACT) in spec
    # The same pair seen from the contact's side, by object type id.
    back = client.crm.associations.v4.basic_api.get_page("0-1", contact_ids[0], "0-136")
    assert lead_id in {str(r.to_object_id) for r in back.results}


def test_put_default_links_a_note_to_a_lead(client: Any, contact_ids: list[str]) -> None:
    lead_id, note_id = new_lead(client, contact_ids[1]), bare_note(client)
    result = client.crm.associations.v4.basic_api.create_default("notes", note_id, "leads", lead_id)
    assert result is not None, "PUT …/associations/default must answer 200"
    assert result.status == "COMPLETE" and result.results
    assert {(str(r._from.id), str(r.to.id)) for r in result.results} >= {(note_id, lead_id)}
    assert types_between(client, "notes", note_id, "leads", lead_id) == {NOTE_TO_LEAD}


def test_put_labelled_links_with_the_given_type_and_answers_201(client: Any, contact_ids: list[str]) -> None:
    note_id = bare_note(client)
    spec = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}]
    pair = client.crm.associations.v4.basic_api.create("notes", note_id, "contacts", contact_ids[2], spec)
    assert pair is not None, "a labelled PUT must answer 201, or the client returns None"
    assert (str(pair.from_object_id), str(pair.to_object_id)) == (note_id, contact_ids[2])
    assert (pair.from_object_type_id, pair.to_object_type_id) == ("0-46", "0-1")
    assert types_between(client, "notes", note_id, "contacts", contact_ids[2]) == {NOTE_TO_CONTACT}


def test_a_labelled_put_without_a_body_is_400(client: Any, contact_ids: list[str]) -> None:
    note_id = bare_note(client)
    status, error = api_error(
        client.crm.associations.v4.basic_api.create, "notes", note_id, "contacts", contact_ids[0], []
    )
    assert status == 400 and error["category"] == "VALIDATION_ERROR"


def test_batch_read_returns_each_leads_contacts_and_omits_leads_without_any(
    client: Any, contact_ids: list[str]
) -> None:
    leads = [new_lead(client, contact_ids[0]), new_lead(client, contact_ids[1])]
    note_id = bare_note(client)
    batch = client.crm.associations.v4.batch_api.get_page(
        "leads", "contacts", {"inputs": [{"id": i} for i in leads]}
    )
    assert batch is not None and batch.status == "COMPLETE"
    by_lead = {str(r._from.id): {str(t.to_object_id) for t in r.to} for r in batch.results}
    assert by_lead[leads[0]] >= {contact_ids[0]} and by_lead[leads[1]] >= {contact_ids[1]}
    empty = client.crm.associations.v4.batch_api.get_page("notes", "leads", {"inputs": [{"id": note_id}]})
    assert empty.results == [], "inputs with no associations are left out of results"


def test_batch_create_and_associate_default(client: Any, contact_ids: list[str]) -> None:
    lead_id = new_lead(client, contact_ids[0])
    labelled, default = bare_note(client), bare_note(client)
    batch = client.crm.associations.v4.batch_api
    spec = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_LEAD}]
    created = batch.create(
        "notes", "leads", {"inputs": [{"from": {"id": labelled}, "to": {"id": lead_id}, "types": spec}]}
    )
    assert created is not None, "batch create must answer 201"
    assert created.status == "COMPLETE" and [str(r.from_object_id) for r in created.results] == [labelled]
    linked = batch.create_default(
        "notes", "leads", {"inputs": [{"from": {"id": default}, "to": {"id": lead_id}}]}
    )
    assert linked is not None and linked.status == "COMPLETE"
    assert types_between(client, "notes", labelled, "leads", lead_id) == {NOTE_TO_LEAD}
    assert types_between(client, "notes", default, "leads", lead_id) == {NOTE_TO_LEAD}
    both = client.crm.associations.v4.basic_api.get_page("leads", lead_id, "notes")
    assert {labelled, default} <= {str(r.to_object_id) for r in both.results}


def test_labels_name_the_lead_to_contact_types(client: Any) -> None:
    labels = client.crm.associations.v4.schema.definitions_api.get_all("leads", "contacts")
    assert labels is not None and labels.results
    type_ids = {r.type_id for r in labels.results}
    assert {LEAD_TO_PRIMARY_CONTACT, 608} <= type_ids
    assert all(
        r.category in {"HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED"} for r in labels.results
    )
