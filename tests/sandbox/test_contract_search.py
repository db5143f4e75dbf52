"""Search semantics over HTTP: paging to the end, filter logic, the 10,000 cap and the indexing lag."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.sandbox.conftest import make_client
from tests.sandbox.contract_support import api_error, lead_input


def owner_filter(owner_id: str) -> dict[str, Any]:
    return {"filters": [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner_id}]}


def search_all(client: Any, body: dict[str, Any]) -> tuple[list[Any], set[int], int]:
    """Page a search to its end; return every result, the totals reported, and the page count."""
    results: list[Any] = []
    totals: set[int] = set()
    pages = 0
    after: str | None = None
    while True:
        page = client.crm.objects.leads.search_api.do_search({**body, **({"after": after} if after else {})})
        pages += 1
        totals.add(page.total)
        results.extend(page.results)
        if page.paging is None or page.paging.next is None:
            return results, totals, pages
        after = page.paging.next.after
        assert after.isdigit(), "search paging is an integer offset"


def test_paging_a_search_to_the_end_sees_every_lead_once(client: Any, rep_owner_id: str) -> None:
    body = {
        "filterGroups": [owner_filter(rep_owner_id)],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}],
        "properties": ["hs_lead_name", "hubspot_owner_id", "hs_lastmodifieddate"],
        "limit": 7,
    }
    results, totals, pages = search_all(client, body)
    ids = [str(r.id) for r in results]
    assert len(ids) == len(set(ids)), "a lead was served on two pages"
    assert totals == {len(ids)}, "total must be the same on every page and match what paging delivers"
    assert pages == -(-len(ids) // 7) and pages > 1
    stamps = [r.properties["hs_lastmodifieddate"] for r in results]
    assert stamps == sorted(stamps, reverse=True)
    listed = client.crm.objects.leads.basic_api.get_page(limit=100, properties=["hubspot_owner_id"])
    everything = list(listed.results)
    while listed.paging is not None and listed.paging.next is not None:
        listed = client.crm.objects.leads.basic_api.get_page(
            limit=100, after=listed.paging.next.after, properties=["hubspot_owner_id"]
        )
        everything.extend(listed.results)
    mine = {str(r.id) for r in everything if r.properties["hubspot_owner_id"] == rep_owner_id}
    assert set(ids) == mine, "search by owner must find exactly the rep's leads"


def test_filters_and_within_a_group_and_or_across_groups(client: Any, rep_owner_id: str) -> None:
    search = client.crm.objects.leads.search_api.do_search
    stage = {"propertyName": "hs_pipeline_stage", "operator": "EQ", "value": "new-stage-id"}
    mine = search({"filterGroups": [owner_filter(rep_owner_id)], "limit": 1}).total
    new = search({"filterGroups": [{"filters": [stage]}], "limit": 1}).total
    both = search(
        {"filterGroups": [{"filters": [*owner_filter(rep_owner_id)["filters"], stage]}], "limit": 1}
    ).total
    either = search({"filterGroups": [owner_filter(rep_owner_id), {"filters": [stage]}], "limit": 1}).total
    assert 0 < both < min(mine, new), "the seed must give the rep some new leads and others some too"
    assert either == mine + new - both


def test_too_many_filter_groups_is_a_validation_error(client: Any) -> None:
    group = {"filters": [{"propertyName": "hs_lead_label", "operator": "EQ", "value": "HOT"}]}
    status, error = api_error(client.crm.objects.leads.search_api.do_search, {"filterGroups": [group] * 6})
    assert status == 400 and error["category"] == "VALIDATION_ERROR"


def test_a_limit_above_200_is_refused(client: Any) -> None:
    status, error = api_error(client.crm.objects.leads.search_api.do_search, {"limit": 201})
    assert status == 400 and error["category"] == "VALIDATION_ERROR"


def test_search_stops_at_10000_results(start_sandbox: Callable[..., Any]) -> None:
    big = start_sandbox(rep_leads=10, other_leads=10_100, owners=2)
    client = make_client(big)
    search = client.crm.objects.leads.search_api.do_search
    body = {"properties": ["hs_lead_name"], "limit": 200}
    last_allowed = search({**body, "after": "9800"})
    assert last_allowed.total > 10_000, "total reports every match, even past the cap"
    assert len(last_allowed.results) == 200
    status, error = api_error(search, {**body, "after": "10000"})
    assert status == 400 and error["category"] == "VALIDATION_ERROR"
    status, _ = api_error(search, {**body, "after": "9801"})
    assert status == 400, "offset + limit past 10,000 is refused, not truncated"


def test_a_new_lead_reaches_search_only_after_the_indexing_lag(start_sandbox: Callable[..., Any]) -> None:
    lagged = start_sandbox(search_lag=0.3)
    client = make_client(lagged)
    contact = client.crm.contacts.basic_api.get_page(limit=1).results[0].id
    lead = client.crm.objects.leads.basic_api.create(lead_input("Lagging Lead", str(contact)))
    assert lead is not None
    by_id = {
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": lead.id}]}]
    }
    search = client.crm.objects.leads.search_api.do_search
    assert search(by_id).total == 0, "a brand-new lead must not be searchable yet"
    assert client.crm.objects.leads.basic_api.get_by_id(lead.id).id == lead.id, "but it reads back at once"
    time.sleep(0.5)
    assert search(by_id).total == 1
    client.crm.objects.leads.basic_api.update(
        lead.id, {"properties": {"hs_pipeline_stage": "connected-stage-id"}}
    )
    connected = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "hs_object_id", "operator": "EQ", "value": lead.id},
                    {"propertyName": "hs_pipeline_stage", "operator": "EQ", "value": "connected-stage-id"},
                ]
            }
        ]
    }
    assert search(connected).total == 0, "an update also reaches search only after the lag"
    time.sleep(0.5)
    assert search(connected).total == 1


def every_lead(client: Any, properties: list[str]) -> list[Any]:
    """All leads by the list endpoint: the ground truth search results are checked against."""
    basic = client.crm.objects.leads.basic_api
    page = basic.get_page(limit=100, properties=properties)
    leads = list(page.results)
    while page.paging is not None and page.paging.next is not None:
        page = basic.get_page(limit=100, after=page.paging.next.after, properties=properties)
        leads.extend(page.results)
    return leads


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def test_each_operator_matches_what_the_list_endpoint_shows(client: Any) -> None:
    props = ["hs_lead_name", "hs_lead_label", "hs_lead_type", "hs_pipeline_stage", "hs_lastmodifieddate"]
    leads = every_lead(client, props)
    assert len(leads) <= 200, "keep the portal small enough for one search page"

    def value(lead: Any, name: str) -> str | None:
        return lead.properties.get(name) or None

    stamps = sorted(epoch_ms(v) for lead in leads if (v := value(lead, "hs_lastmodifieddate")))
    low, high = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    token = next(
        n.split()[0] for lead in leads if (n := value(lead, "hs_lead_name")) and n.split()[0].isalpha()
    )
    cases: list[tuple[dict[str, Any], Callable[[Any], bool]]] = [
        (
            {"propertyName": "hs_lead_label", "operator": "EQ", "value": "HOT"},
            lambda x: value(x, "hs_lead_label") == "HOT",
        ),
        (
            {
                "propertyName": "hs_pipeline_stage",
                "operator": "IN",
                "values": ["new-stage-id", "connected-stage-id"],
            },
            lambda x: value(x, "hs_pipeline_stage") in {"new-stage-id", "connected-stage-id"},
        ),
        (
            {"propertyName": "hs_lead_type", "operator": "HAS_PROPERTY"},
            lambda x: value(x, "hs_lead_type") is not None,
        ),
        (
            {"propertyName": "hs_lead_type", "operator": "NOT_HAS_PROPERTY"},
            lambda x: value(x, "hs_lead_type") is None,
        ),
        (
            {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(high)},
            lambda x: epoch_ms(x.properties["hs_lastmodifieddate"]) >= high,
        ),
        (
            {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": str(low)},
            lambda x: epoch_ms(x.properties["hs_lastmodifieddate"]) < low,
        ),
        (
            {
                "propertyName": "hs_lastmodifieddate",
                "operator": "BETWEEN",
                "value": str(low),
                "highValue": str(high),
            },
            lambda x: low <= epoch_ms(x.properties["hs_lastmodifieddate"]) <= high,
        ),
        (
            {"propertyName": "hs_lead_name", "operator": "CONTAINS_TOKEN", "value": token.lower()},
            lambda x: token.lower() in (value(x, "hs_lead_name") or "").lower().split(),
        ),
    ]
    search = client.crm.objects.leads.search_api.do_search
    for condition, expected in cases:
        page = search({"filterGroups": [{"filters": [condition]}], "limit": 200})
        want = {str(lead.id) for lead in leads if expected(lead)}
        assert want, f"the seed gives no lead for {condition}; the check would be empty"
        assert {str(r.id) for r in page.results} == want and page.total == len(want), condition


def test_enumerations_match_case_sensitively_and_text_case_insensitively(client: Any) -> None:
    search = client.crm.objects.leads.search_api.do_search
    hot = search(
        {"filterGroups": [{"filters": [{"propertyName": "hs_lead_label", "operator": "EQ", "value": "HOT"}]}]}
    )
    assert hot.total > 0
    lower = search(
        {"filterGroups": [{"filters": [{"propertyName": "hs_lead_label", "operator": "EQ", "value": "hot"}]}]}
    )
    assert lower.total == 0, "enumeration values are case-sensitive"
    some = search({"properties": ["hs_lead_name"], "limit": 1}).results[0]
    name = some.properties["hs_lead_name"]
    by_name = {"propertyName": "hs_lead_name", "operator": "EQ", "value": name.upper()}
    found = search({"filterGroups": [{"filters": [by_name]}], "limit": 200})
    assert str(some.id) in {str(r.id) for r in found.results}, "text matching ignores case"


def test_search_returns_the_default_properties_and_oldest_first_by_default(client: Any, sandbox: Any) -> None:
    search = client.crm.objects.leads.search_api.do_search
    plain = search({"limit": 50})
    assert plain.results
    for result in plain.results:
        assert set(result.properties) == {"createdate", "hs_lastmodifieddate", "hs_object_id"}
    created = [r.properties["createdate"] for r in plain.results]
    assert created == sorted(created), "with no sort, results come oldest first"
    named = search({"properties": ["hs_lead_name"], "limit": 5})
    for result in named.results:
        assert {"hs_lead_name", "createdate", "hs_lastmodifieddate", "hs_object_id"} <= set(result.properties)
