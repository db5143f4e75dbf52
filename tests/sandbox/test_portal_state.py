"""The portal's seed, metadata, persistence and live events."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from leadboard.sandbox.catalog import required_scopes
from leadboard.sandbox.hubspot_errors import HubSpotError
from leadboard.sandbox.portal import Portal, PortalSettings
from tests.sandbox.portal_support import FakeClock, first_contact_id, new_lead, small_portal


def test_same_seed_gives_the_same_portal_and_another_seed_does_not() -> None:
    a, b = small_portal(FakeClock()), small_portal(FakeClock())
    assert a.to_json() == b.to_json()
    c = small_portal(FakeClock(), seed=12)
    assert c.objects("contacts") != a.objects("contacts")


def test_seed_has_the_demo_rep_and_realistic_leads() -> None:
    clock = FakeClock()
    portal = small_portal(clock, rep_leads=40, other_leads=60, owners=4)
    owners = portal.list_owners()["results"]
    assert len(owners) == 4 and all(o["id"] != str(o["userId"]) for o in owners)
    rep = portal.list_owners(email="DEMO.REP@leadboard.example")["results"]
    assert [o["id"] for o in rep] == [portal.rep_owner_id]
    leads = [o["properties"] for o in portal.objects("leads")]
    mine = [p for p in leads if p["hubspot_owner_id"] == portal.rep_owner_id]
    stages = Counter(p["hs_pipeline_stage"] for p in mine)
    assert sum(stages[s] for s in ("new-stage-id", "attempting-stage-id", "connected-stage-id")) == 40
    assert set(Counter(p["hs_pipeline_stage"] for p in leads)) == {
        "new-stage-id",
        "attempting-stage-id",
        "connected-stage-id",
        "qualified-stage-id",
        "unqualified-stage-id",
    }
    ninety_days_ago = (clock.now - 91 * 86_400) * 1000
    assert all(int(p["hs_object_id"]) > 0 for p in leads)
    assert all(json.dumps(p["createdate"]) and p["createdate"] >= _iso(ninety_days_ago) for p in leads)
    assert any("hs_lead_type" not in p for p in leads) and any("hs_lead_label" in p for p in leads)
    disqualified = [p for p in leads if p["hs_pipeline_stage"] == "unqualified-stage-id"]
    assert all(
        p.get("hs_lead_disqualification_reason") and p.get("hs_lead_disqualification_note")
        for p in disqualified
    )
    assert all(p.get("hs_associated_contact_email") for p in leads)
    contacts = [o["properties"] for o in portal.objects("contacts")]
    assert all(
        p.get("firstname") and p.get("email") and p.get("jobtitle") and p.get("country") for p in contacts
    )
    assert any(not p["firstname"].isascii() or not p["lastname"].isascii() for p in contacts)
    assert portal.objects("calls") and portal.objects("notes")
    assert all(n["properties"]["hs_note_body"].startswith("<") for n in portal.objects("notes"))


def _iso(ms: float) -> str:
    from leadboard.sandbox.records import iso

    return iso(int(ms))


def test_returning_contacts_have_a_closed_and_an_open_lead() -> None:
    portal = small_portal(FakeClock(), rep_leads=60, other_leads=10)
    by_contact: dict[str, list[str]] = {}
    for lead in portal.objects("leads"):
        contact = lead["properties"]["hs_primary_contact_id"]
        by_contact.setdefault(contact, []).append(lead["properties"]["hs_pipeline_stage"])
    returning = [stages for stages in by_contact.values() if len(stages) > 1]
    assert returning
    assert all("unqualified-stage-id" in s and "new-stage-id" in s for s in returning)


def test_default_portal_has_a_few_thousand_leads_and_150_open_for_the_rep() -> None:
    portal = Portal(PortalSettings(clock=FakeClock()))
    leads = portal.objects("leads")
    assert 2_000 <= len(leads) <= 5_000
    open_mine = [
        lead
        for lead in leads
        if lead["properties"]["hubspot_owner_id"] == portal.rep_owner_id
        and lead["properties"]["hs_pipeline_stage"]
        in ("new-stage-id", "attempting-stage-id", "connected-stage-id")
    ]
    assert len(open_mine) == 150


def test_pipelines_properties_dispositions_and_account() -> None:
    portal = small_portal(FakeClock())
    pipeline = portal.get_pipeline("0-136", "lead-pipeline-id")
    assert [(s["id"], s["label"]) for s in pipeline["stages"]] == [
        ("new-stage-id", "New"),
        ("attempting-stage-id", "Attempting"),
        ("connected-stage-id", "Connected"),
        ("qualified-stage-id", "Qualified"),
        ("unqualified-stage-id", "Disqualified"),
    ]
    assert portal.list_stages("leads", "lead-pipeline-id")["results"] == pipeline["stages"]
    assert portal.list_pipelines("deals")["results"][0]["id"] == "default"
    with pytest.raises(HubSpotError) as caught:
        portal.get_pipeline("leads", "nope")
    assert caught.value.status == 404
    reasons = portal.get_property("leads", "hs_lead_disqualification_reason")["options"]
    assert {"label": "Not Interested", "value": "NO_INTEREST"}.items() <= next(
        o for o in reasons if o["value"] == "NO_INTEREST"
    ).items()
    assert {o["value"] for o in portal.get_property("leads", "hs_lead_type")["options"]} == {
        "NEW_BUSINESS",
        "UPSELL",
        "RE_ATTEMPTING",
    }
    disposition = portal.get_property("calls", "hs_call_disposition")
    assert disposition["externalOptions"] is True and disposition["options"] == []
    names = {p["name"] for p in portal.list_properties("contacts")["results"]}
    assert {"firstname", "lastname", "email"} <= names
    assert len(portal.dispositions()) == 6
    assert portal.account_details()["portalId"] > 0
    assert required_scopes("0-46", True) == ["crm.objects.contacts.write"]
    assert required_scopes("leads", False) == ["crm.objects.leads.read"]


def test_save_and_load_round_trip_everything(tmp_path: Path) -> None:
    clock = FakeClock()
    portal = small_portal(clock)
    lead = new_lead(portal, first_contact_id(portal), hs_lead_label="COLD")
    clock.advance(1)
    portal.update_object("leads", lead["id"], {"properties": {"hs_lead_label": "HOT"}})
    portal.archive_object("leads", portal.objects("leads")[0]["id"])
    path = tmp_path / "saved" / "portal.json"
    portal.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["portal.json"]
    loaded = Portal.load(path, PortalSettings(clock=clock, search_lag=2.0))
    assert loaded.to_json() == portal.to_json()
    assert loaded.rep_owner_id == portal.rep_owner_id
    history = loaded.get_object("leads", lead["id"], properties_with_history=["hs_lead_label"])
    assert [h["value"] for h in history["propertiesWithHistory"]["hs_lead_label"]] == ["HOT", "COLD"]
    fresh = new_lead(loaded, first_contact_id(loaded))
    assert int(fresh["id"]) > max(int(o["id"]) for o in portal.objects("leads", include_archived=True))
    label = {"propertyName": "hs_lead_label", "operator": "EQ", "value": "HOT"}
    hot = loaded.search("leads", {"filterGroups": [{"filters": [label]}], "limit": 200})["results"]
    assert lead["id"] in {r["id"] for r in hot}


def test_load_refuses_a_file_that_is_not_a_portal(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError):
        Portal.load(path)


def test_reset_reseeds_from_the_settings() -> None:
    clock = FakeClock()
    portal = small_portal(clock)
    before = portal.to_json()
    new_lead(portal, first_contact_id(portal))
    portal.reset()
    assert portal.to_json() == before


def test_live_ticks_make_hubspot_side_changes() -> None:
    clock = FakeClock()
    portal = small_portal(clock, search_lag=0.0)
    rng = random.Random(3)
    kinds: Counter[str] = Counter()
    for _ in range(30):
        before = {o["id"]: o["properties"] for o in portal.objects("leads")}
        clock.advance(60)
        description = portal.live_tick(rng)
        assert description and "\n" not in description
        after = {o["id"]: o["properties"] for o in portal.objects("leads")}
        created = set(after) - set(before)
        changed = [i for i in before if after[i] != before[i]]
        if created:
            (new_id,) = created
            assert after[new_id]["hubspot_owner_id"] == portal.rep_owner_id
            assert after[new_id]["hs_pipeline_stage"] == "new-stage-id"
            assert after[new_id]["hs_primary_contact_id"]
            kinds["new"] += 1
        else:
            (lead_id,) = changed
            was, now = before[lead_id], after[lead_id]
            assert now["hs_lastmodifieddate"] > was["hs_lastmodifieddate"]
            if now["hubspot_owner_id"] != was["hubspot_owner_id"]:
                assert was["hubspot_owner_id"] == portal.rep_owner_id
                assert now["hs_updated_by_user_id"]  # a colleague, by name in HubSpot's record
                kinds["reassigned"] += 1
            elif now["hs_pipeline_stage"] == was["hs_pipeline_stage"]:
                assert now["hs_last_activity_date"] != was.get("hs_last_activity_date")
                assert "left a note" in description or "booked a meeting" in description
                kinds["colleague's note" if "left a note" in description else "colleague's meeting"] += 1
            else:
                assert "hs_updated_by_user_id" not in now  # HubSpot's automation: no user
                kinds["replied" if now["hs_pipeline_stage"] == "connected-stage-id" else "emailed"] += 1
                assert now["hs_pipeline_stage"] in ("connected-stage-id", "attempting-stage-id")
    assert {"new", "reassigned", "replied", "emailed", "colleague's note"} <= set(kinds)


def test_a_named_live_event_with_a_seed_happens_the_same_way_every_time() -> None:
    told = [
        small_portal(FakeClock(), search_lag=0.0).live_event("prospect_replies", seed=9) for _ in range(2)
    ]
    assert told[0] and told[0] == told[1]
    with pytest.raises(ValueError, match="unknown live event"):
        small_portal(FakeClock(), search_lag=0.0).live_event("earthquake")
