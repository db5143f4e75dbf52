"""Search semantics, called on the portal directly: filters, case rules, sort, paging, limits, lag."""

from __future__ import annotations

from typing import Any

import pytest

from leadboard.sandbox.hubspot_errors import HubSpotError
from leadboard.sandbox.portal import Portal
from leadboard.sandbox.records import parse_instant
from tests.sandbox.portal_support import FakeClock, first_contact_id, new_lead, rep_filter, small_portal


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def portal(clock: FakeClock) -> Portal:
    return small_portal(clock)


def search_all(portal: Portal, body: dict[str, Any], limit: int = 200) -> list[dict[str, Any]]:
    """Page to the end the way a client does; returns every result."""
    results: list[dict[str, Any]] = []
    after = "0"
    while True:
        page = portal.search("leads", {**body, "limit": limit, "after": after})
        results.extend(page["results"])
        if "paging" not in page:
            return results
        after = page["paging"]["next"]["after"]


def ids_where(portal: Portal, predicate: Any) -> set[str]:
    return {o["id"] for o in portal.objects("leads") if predicate(o["properties"])}


def found(portal: Portal, *groups: list[dict[str, Any]], **extra: Any) -> set[str]:
    body = {"filterGroups": [{"filters": g} for g in groups], **extra}
    return {r["id"] for r in search_all(portal, body)}


def f(name: str, operator: str, value: Any = None, **more: Any) -> dict[str, Any]:
    spec = {"propertyName": name, "operator": operator, **more}
    if value is not None:
        spec["value"] = value
    return spec


def test_filters_and_within_a_group_and_or_across_groups(portal: Portal) -> None:
    rep = portal.rep_owner_id
    stage = next(
        o["properties"]["hs_pipeline_stage"]
        for o in portal.objects("leads")
        if o["properties"]["hubspot_owner_id"] == rep
    )
    both = found(portal, [rep_filter(portal), f("hs_pipeline_stage", "EQ", stage)])
    assert both == ids_where(
        portal, lambda p: p["hubspot_owner_id"] == rep and p["hs_pipeline_stage"] == stage
    )
    either = found(portal, [rep_filter(portal)], [f("hs_pipeline_stage", "EQ", stage)])
    assert either == ids_where(
        portal, lambda p: p["hubspot_owner_id"] == rep or p["hs_pipeline_stage"] == stage
    )
    assert both and either > both


def test_each_operator_matches_what_it_says(portal: Portal) -> None:
    all_ids = ids_where(portal, lambda p: True)
    label = "hs_lead_label"
    assert found(portal, [f(label, "NEQ", "HOT")]) == ids_where(portal, lambda p: p.get(label) != "HOT")
    assert found(portal, [f(label, "IN", values=["HOT", "COLD"])]) == ids_where(
        portal, lambda p: p.get(label) in ("HOT", "COLD")
    )
    assert found(portal, [f(label, "NOT_IN", values=["HOT"])]) == all_ids - found(
        portal, [f(label, "EQ", "HOT")]
    )
    assert found(portal, [f(label, "HAS_PROPERTY")]) == ids_where(portal, lambda p: label in p)
    assert found(portal, [f(label, "NOT_HAS_PROPERTY")]) == ids_where(portal, lambda p: label not in p)
    created = sorted(parse_instant(o["properties"]["createdate"]) or 0 for o in portal.objects("leads"))
    middle = created[len(created) // 2]
    lt = found(portal, [f("createdate", "LT", str(middle))])
    lte = found(portal, [f("createdate", "LTE", str(middle))])
    gt = found(portal, [f("createdate", "GT", str(middle))])
    gte = found(portal, [f("createdate", "GTE", str(middle))])
    assert len(lte) == len(lt) + 1 and len(gte) == len(gt) + 1 and lt | gte == all_ids and not lt & gte
    between = found(portal, [f("createdate", "BETWEEN", str(created[2]), highValue=str(created[5]))])
    assert len(between) == 4


def test_datetimes_compare_as_instants_whether_ms_or_iso(portal: Portal) -> None:
    lead = portal.objects("leads")[3]
    stamp = lead["properties"]["createdate"]
    ms = str(parse_instant(stamp))
    assert found(portal, [f("createdate", "EQ", ms)]) == {lead["id"]}
    assert found(portal, [f("createdate", "EQ", stamp)]) == {lead["id"]}
    assert found(portal, [f("createdate", "GTE", stamp)]) == found(portal, [f("createdate", "GTE", ms)])


def test_enumerations_are_case_sensitive_and_text_is_not(portal: Portal, clock: FakeClock) -> None:
    assert found(portal, [f("hs_lead_label", "EQ", "hot")]) == set()
    assert found(portal, [f("hs_lead_label", "EQ", "HOT")])
    lead = new_lead(portal, first_contact_id(portal), hs_lead_name="Zoë Xanthópoulos – 2026-09")
    clock.advance(3)
    assert found(portal, [f("hs_lead_name", "EQ", "zoë xanthópoulos – 2026-09")]) == {lead["id"]}
    assert found(portal, [f("hs_lead_name", "CONTAINS_TOKEN", "XANTHÓPOULOS")]) == {lead["id"]}
    assert found(portal, [f("hs_lead_name", "CONTAINS_TOKEN", "xanth*")]) >= {lead["id"]}
    assert lead["id"] not in found(portal, [f("hs_lead_name", "NOT_CONTAINS_TOKEN", "zoë")])


def test_sort_by_a_property_and_default_creation_order(portal: Portal) -> None:
    body = {"filterGroups": [{"filters": [rep_filter(portal)]}], "properties": ["hs_lastmodifieddate"]}
    default = search_all(portal, body)
    created = [r["createdAt"] for r in default]
    assert created == sorted(created)
    desc = search_all(
        portal, {**body, "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}]}
    )
    stamps = [r["properties"]["hs_lastmodifieddate"] for r in desc]
    assert stamps == sorted(stamps, reverse=True)
    plain = search_all(portal, {**body, "sorts": ["hs_lastmodifieddate"]})
    assert [r["properties"]["hs_lastmodifieddate"] for r in plain] == sorted(stamps)
    with pytest.raises(HubSpotError):
        portal.search("leads", {**body, "sorts": ["createdate", "hs_lastmodifieddate"]})


def test_paging_to_the_end_sees_each_match_once_with_total(portal: Portal) -> None:
    body = {"filterGroups": [{"filters": [rep_filter(portal)]}], "sorts": ["hs_lastmodifieddate"]}
    first = portal.search("leads", {**body, "limit": 5})
    expected = ids_where(portal, lambda p: p["hubspot_owner_id"] == portal.rep_owner_id)
    assert first["total"] == len(expected)
    assert first["paging"]["next"]["after"] == "5"
    pages = search_all(portal, body, limit=5)
    assert len(pages) == len(expected) and {r["id"] for r in pages} == expected
    last = portal.search("leads", {**body, "limit": 5, "after": str(len(expected) - 2)})
    assert len(last["results"]) == 2 and "paging" not in last


def test_default_and_requested_properties(portal: Portal) -> None:
    plain = portal.search("leads", {"limit": 1})["results"][0]
    assert set(plain["properties"]) == {"createdate", "hs_lastmodifieddate", "hs_object_id"}
    asked = portal.search(
        "leads", {"limit": 1, "properties": ["hs_lead_name", "hs_lead_disqualification_note"]}
    )
    props = asked["results"][0]["properties"]
    assert set(props) == {
        "hs_lead_name",
        "hs_lead_disqualification_note",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }
    notes = portal.search("notes", {"limit": 1})["results"][0]
    assert set(notes["properties"]) == {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}


def test_limits_on_page_size_offset_and_filters(portal: Portal) -> None:
    def rejected(body: dict[str, Any]) -> int:
        with pytest.raises(HubSpotError) as caught:
            portal.search("leads", body)
        assert caught.value.body["category"] == "VALIDATION_ERROR"
        return caught.value.status

    assert rejected({"limit": 201}) == 400
    assert portal.search("leads", {"limit": 200, "after": "9800"})["results"] == []
    assert rejected({"limit": 200, "after": "9801"}) == 400
    assert rejected({"limit": 1, "after": "10000"}) == 400
    six = [f("hs_lead_label", "HAS_PROPERTY")] * 6
    assert portal.search("leads", {"filterGroups": [{"filters": six}] * 3})["total"] >= 0
    assert rejected({"filterGroups": [{"filters": six + six[:1]}]}) == 400
    assert rejected({"filterGroups": [{"filters": six}] * 3 + [{"filters": six[:1]}]}) == 400
    assert rejected({"filterGroups": [{"filters": six[:1]}] * 6}) == 400
    assert rejected({"filterGroups": [{"filters": [f("nope", "EQ", "1")]}]}) == 400
    assert rejected({"filterGroups": [{"filters": [f("hs_lead_label", "LIKE", "x")]}]}) == 400


def test_ten_thousand_cap_with_a_large_result_set() -> None:
    portal = small_portal(rep_leads=0, other_leads=10_050, owners=2, search_lag=0.0)
    in_pipeline = {"propertyName": "hs_pipeline", "operator": "EQ", "value": "lead-pipeline-id"}
    body = {"filterGroups": [{"filters": [in_pipeline]}], "sorts": ["hs_lastmodifieddate"], "limit": 200}
    total = portal.search("leads", body)["total"]
    assert total > 10_000
    last = portal.search("leads", {**body, "after": "9800"})
    assert len(last["results"]) == 200 and last["paging"]["next"]["after"] == "10000"
    with pytest.raises(HubSpotError) as caught:
        portal.search("leads", {**body, "after": "10000"})
    assert caught.value.status == 400


def test_new_and_changed_records_appear_only_after_the_lag(portal: Portal, clock: FakeClock) -> None:
    lead = new_lead(portal, first_contact_id(portal), hs_lead_name="Lagging Lead")
    by_name = [f("hs_lead_name", "EQ", "Lagging Lead")]
    assert found(portal, by_name) == set()
    clock.advance(1.9)
    assert found(portal, by_name) == set()
    clock.advance(0.2)
    assert found(portal, by_name) == {lead["id"]}

    portal.update_object("leads", lead["id"], {"properties": {"hs_lead_label": "HOT"}})
    hot = [f("hs_lead_label", "EQ", "HOT"), *by_name]
    assert found(portal, hot) == set()
    stale = portal.search("leads", {"filterGroups": [{"filters": by_name}], "properties": ["hs_lead_label"]})
    assert stale["results"][0]["properties"]["hs_lead_label"] is None
    clock.advance(2.0)
    assert found(portal, hot) == {lead["id"]}

    portal.archive_object("leads", lead["id"])
    assert found(portal, by_name) == {lead["id"]}
    clock.advance(2.0)
    assert found(portal, by_name) == set()


def test_free_text_query_and_association_pseudo_property(portal: Portal, clock: FakeClock) -> None:
    contact = portal.objects("contacts")[0]
    lead = new_lead(portal, contact["id"], hs_lead_name="Quintessa Rowe")
    clock.advance(3)
    assert {r["id"] for r in portal.search("leads", {"query": "quintes"})["results"]} == {lead["id"]}
    linked = found(portal, [f("associations.contact", "EQ", contact["id"])])
    assert lead["id"] in linked
    assert all(
        contact["id"]
        in {str(a["toObjectId"]) for a in portal.association_page("leads", i, "contacts")["results"]}
        for i in linked
    )
