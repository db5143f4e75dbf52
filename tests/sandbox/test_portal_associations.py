"""v4 associations on the portal: both directions, labels, batches, and their effect on leads."""

from __future__ import annotations

import pytest

from leadboard.sandbox.hubspot_errors import HubSpotError
from leadboard.sandbox.portal import Portal
from tests.sandbox.portal_support import FakeClock, first_contact_id, new_lead, small_portal

NOTE = {
    "properties": {"hs_timestamp": "2026-09-01T14:03:00.000Z", "hs_note_body": "<p>hi</p>"},
    "associations": [],
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def portal(clock: FakeClock) -> Portal:
    return small_portal(clock)


def type_ids(portal: Portal, from_type: str, from_id: str, to_type: str) -> dict[int, list[int]]:
    page = portal.association_page(from_type, from_id, to_type)
    return {r["toObjectId"]: [t["typeId"] for t in r["associationTypes"]] for r in page["results"]}


def test_inline_lead_contact_link_reads_from_both_sides_with_inverse_ids(portal: Portal) -> None:
    contact_id = first_contact_id(portal)
    lead = new_lead(portal, contact_id)
    from_lead = portal.association_page("leads", lead["id"], "contacts")["results"]
    assert from_lead == [
        {
            "toObjectId": int(contact_id),
            "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": 578, "label": "Primary"},
                {"category": "HUBSPOT_DEFINED", "typeId": 608, "label": None},
            ],
        }
    ]
    assert type_ids(portal, "0-1", contact_id, "0-136")[int(lead["id"])] == [579, 609]


def test_note_linked_from_the_note_side_shows_on_the_lead_and_bumps_it(
    portal: Portal, clock: FakeClock
) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    note = portal.create_object("notes", NOTE)
    clock.advance(4)
    created = portal.associate_labelled(
        "notes",
        note["id"],
        "leads",
        lead["id"],
        [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 855}],
    )
    assert created == {
        "fromObjectTypeId": "0-46",
        "fromObjectId": int(note["id"]),
        "toObjectTypeId": "0-136",
        "toObjectId": int(lead["id"]),
        "labels": [],
    }
    assert type_ids(portal, "leads", lead["id"], "notes") == {int(note["id"]): [854]}
    bumped = portal.get_object("leads", lead["id"], properties=["hs_last_activity_date"])
    assert bumped["updatedAt"] > lead["updatedAt"]
    assert bumped["properties"]["hs_last_activity_date"] == "2026-09-01T14:03:00.000Z"


def test_default_association_answers_both_directions(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    call = portal.create_object("calls", {"properties": {"hs_timestamp": "1790000000000"}})
    body = portal.associate_default("calls", call["id"], "leads", lead["id"])
    specs = [
        (r["from"]["id"], r["to"]["id"], r["associationSpec"]["associationTypeId"]) for r in body["results"]
    ]
    assert specs == [(call["id"], lead["id"], 597), (lead["id"], call["id"], 596)]
    assert body["status"] == "COMPLETE"
    count = portal.get_object("leads", lead["id"], properties=["hs_lead_call_count"])["properties"]
    assert count["hs_lead_call_count"] == "1"


def test_wrong_type_ids_and_missing_records_are_rejected(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    note = portal.create_object("notes", NOTE)
    wrong = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]
    with pytest.raises(HubSpotError) as caught:
        portal.associate_labelled("notes", note["id"], "leads", lead["id"], wrong)
    assert caught.value.status == 400
    with pytest.raises(HubSpotError) as caught:
        portal.associate_labelled("notes", note["id"], "leads", lead["id"], [])
    assert caught.value.status == 400
    with pytest.raises(HubSpotError) as caught:
        portal.associate_default("notes", note["id"], "leads", "999999999")
    assert caught.value.status == 404


def test_remove_associations_drops_both_directions(portal: Portal) -> None:
    contact_id = first_contact_id(portal)
    lead = new_lead(portal, contact_id)
    portal.remove_associations("contacts", contact_id, "leads", lead["id"])
    assert type_ids(portal, "leads", lead["id"], "contacts") == {}
    assert int(lead["id"]) not in type_ids(portal, "contacts", contact_id, "leads")
    props = portal.get_object("leads", lead["id"], properties=["hs_primary_contact_id"])["properties"]
    assert props["hs_primary_contact_id"] is None


def test_batch_read_omits_inputs_without_links_and_reports_missing_ones(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    lonely = portal.create_object("notes", NOTE)
    status, body = portal.batch_read_associations(
        "notes", "leads", {"inputs": [{"id": lonely["id"]}, {"id": "999999999"}]}
    )
    assert status == 207 and body["results"] == [] and body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    status, body = portal.batch_read_associations("leads", "contacts", {"inputs": [{"id": lead["id"]}]})
    assert status == 200 and body["results"][0]["from"] == {"id": lead["id"]}
    assert isinstance(body["results"][0]["to"][0]["toObjectId"], int)
    too_many = {"inputs": [{"id": "1"}] * 1_001}
    with pytest.raises(HubSpotError):
        portal.batch_read_associations("leads", "contacts", too_many)


def test_batch_create_and_archive_associations(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    notes = [portal.create_object("notes", NOTE) for _ in range(2)]
    spec = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 855}]
    inputs = [{"from": {"id": n["id"]}, "to": {"id": lead["id"]}, "types": spec} for n in notes]
    inputs.append({"from": {"id": "999999999"}, "to": {"id": lead["id"]}, "types": spec})
    status, body = portal.batch_create_associations("notes", "leads", {"inputs": inputs})
    assert status == 207 and len(body["results"]) == 2 and body["numErrors"] == 1
    assert set(type_ids(portal, "leads", lead["id"], "notes")) == {int(n["id"]) for n in notes}
    portal.batch_archive_associations(
        "leads", "notes", {"inputs": [{"from": {"id": lead["id"]}, "to": [{"id": notes[0]["id"]}]}]}
    )
    assert set(type_ids(portal, "notes", notes[0]["id"], "leads")) == set()
    assert set(type_ids(portal, "leads", lead["id"], "notes")) == {int(notes[1]["id"])}
    status, body = portal.batch_associate_default(
        "notes",
        "contacts",
        {"inputs": [{"from": {"id": notes[0]["id"]}, "to": {"id": first_contact_id(portal)}}]},
    )
    assert status == 200 and body["results"][0]["associationSpec"]["associationTypeId"] == 202


def test_labels_list_the_pairs_types(portal: Portal) -> None:
    labels = portal.association_labels("leads", "contacts")["results"]
    assert {(r["typeId"], r["label"]) for r in labels} == {(608, None), (578, "Primary")}
    assert {r["typeId"] for r in portal.association_labels("0-48", "0-1")["results"]} == {194}


def test_v3_associations_on_get_use_type_names(portal: Portal) -> None:
    contact_id = first_contact_id(portal)
    lead = new_lead(portal, contact_id)
    got = portal.get_object("leads", lead["id"], associations=["contacts", "notes"])
    assert got["associations"] == {
        "contacts": {
            "results": [
                {"id": contact_id, "type": "lead_to_primary_contact"},
                {"id": contact_id, "type": "lead_to_contact"},
            ]
        }
    }


def test_archived_records_hide_their_links(portal: Portal) -> None:
    lead = new_lead(portal, first_contact_id(portal))
    call = portal.create_object(
        "calls",
        {
            "properties": {"hs_timestamp": "1790000000000"},
            "associations": [
                {
                    "to": {"id": lead["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 597}],
                }
            ],
        },
    )
    assert type_ids(portal, "leads", lead["id"], "calls") == {int(call["id"]): [596]}
    portal.archive_object("calls", call["id"])
    assert type_ids(portal, "leads", lead["id"], "calls") == {}
    props = portal.get_object("leads", lead["id"], properties=["hs_lead_call_count"])["properties"]
    assert props["hs_lead_call_count"] == "0"
