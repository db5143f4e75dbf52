"""Pulling leads from the sandbox portal over real HTTP into a real cache file.

Each test gets its own small portal (HubSpot's limits off), because most of them change it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadboard.sync.errors import RateLimited
from leadboard.sync.pull import KEY_CURSOR, LOOKBACK_MS, PullReport, pull_leads
from tests.sync.pull_support import (
    SEARCH_PATH,
    SECONDLY_429,
    associated,
    cached_ids,
    cached_lead,
    consume_next,
    other_owner,
    pull_setup,
    rep_leads,
    search_bodies,
    small_portal,
)

CLOSED = {"qualified-stage-id", "unqualified-stage-id"}


def test_first_pull_stores_exactly_my_leads_with_their_contacts_and_companies(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        report = pull_leads(store, gateway, meta)

        truth = rep_leads(sandbox)
        assert cached_ids(store) == set(truth)
        assert {lead["properties"]["hs_pipeline_stage"] for lead in truth.values()} & CLOSED
        for lead_id, lead in truth.items():
            row = cached_lead(store, lead_id)
            assert row["stage_id"] == lead["properties"]["hs_pipeline_stage"]
            assert row["name"] == lead["properties"]["hs_lead_name"]
            contacts = associated(sandbox, "leads", lead_id, "contacts")
            assert row["contact_id"] == next(c for c, types in contacts.items() if 578 in types)
            companies = associated(sandbox, "leads", lead_id, "companies")
            assert row["company_id"] == next((c for c, t in companies.items() if 580 in t), None)
            contact = sandbox.portal.get_object("contacts", row["contact_id"])
            first, email = store.db.conn.execute(
                "SELECT first_name, email FROM contacts WHERE id = ?", [row["contact_id"]]
            ).fetchone()
            assert (first, email) == (contact["properties"]["firstname"], contact["properties"]["email"])
        assert store.db.conn.execute(
            "SELECT count(*) FROM leads l JOIN companies c ON c.id = l.company_id"
        ).fetchone()[0] == sum(1 for lid in truth if associated(sandbox, "leads", lid, "companies"))

        # One search page, two association batches, one contact batch, one company batch; no activity
        # read: in this portal every lead with activity has HubSpot's first outreach date, which settles
        # its first touch (sync/pull_activity.py), and a lead with none has no activity to read.
        assert not [
            lead
            for lead in truth.values()
            if lead["properties"].get("hs_last_activity_date")
            and not lead["properties"].get("hs_lead_first_outreach_date")
        ]
        log = sandbox.request_log()
        assert [(r.method, r.path) for r in log] == [
            ("POST", SEARCH_PATH),
            ("POST", "/crm/associations/2026-09/leads/contacts/batch/read"),
            ("POST", "/crm/associations/2026-09/leads/companies/batch/read"),
            ("POST", "/crm/objects/2026-09/contacts/batch/read"),
            ("POST", "/crm/objects/2026-09/companies/batch/read"),
        ]
        assert report == PullReport(
            requests=5,
            leads_seen=len(truth),
            leads_changed=len(truth),
            contacts=report.contacts,
            companies=report.companies,
            full=True,
            cursor=report.cursor,
        )
        assert report.contacts == store.db.conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        (search,) = search_bodies(sandbox)
        assert search["filterGroups"] == [
            {"filters": [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": meta.owner_id}]}
        ]
        assert search["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
        assert search["limit"] == 200 and "hs_pipeline_stage" in search["properties"]


def test_incremental_pull_picks_up_a_hubspot_edit_and_reads_only_its_relations(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        lead_id = next(
            i
            for i, lead in rep_leads(sandbox).items()
            if lead["properties"]["hs_pipeline_stage"] == "new-stage-id"
        )
        sandbox.portal.remote_edit(
            "leads", lead_id, {"hs_pipeline_stage": "connected-stage-id", "hs_lead_name": "Renamed upstream"}
        )
        sandbox.clear_request_log()

        report = pull_leads(store, gateway, meta)

        row = cached_lead(store, lead_id)
        assert (row["stage_id"], row["name"]) == ("connected-stage-id", "Renamed upstream")
        assert not report.full and report.leads_changed == 1
        inputs = {
            r.path: [i["id"] for i in json.loads(r.request_body)["inputs"]]
            for r in sandbox.request_log()
            if r.path.endswith("/batch/read")
        }
        assert inputs["/crm/associations/2026-09/leads/contacts/batch/read"] == [lead_id]
        assert inputs["/crm/associations/2026-09/leads/companies/batch/read"] == [lead_id]
        assert inputs["/crm/objects/2026-09/contacts/batch/read"] == [row["contact_id"]]
        assert report.requests == len(sandbox.request_log())


def test_incremental_pull_with_nothing_changed_sends_at_most_two_requests(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        first = pull_leads(store, gateway, meta)
        before = store.db.conn.execute("SELECT * FROM leads ORDER BY id").fetchall()
        sandbox.clear_request_log()

        report = pull_leads(store, gateway, meta)

        log = sandbox.request_log()
        assert len(log) <= 2 and all(r.path == SEARCH_PATH for r in log)
        assert report.requests == len(log) and report.leads_changed == 0
        assert store.db.conn.execute("SELECT * FROM leads ORDER BY id").fetchall() == before
        assert report.cursor == first.cursor


def test_a_lead_reassigned_in_hubspot_leaves_the_board_at_the_next_pull(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        lead_id = sorted(rep_leads(sandbox))[3]
        colleague = other_owner(sandbox)
        assert lead_id in {lead.id for lead in store.board(view="all")}
        sandbox.portal.reassign_lead(lead_id, colleague)

        report = pull_leads(store, gateway, meta)

        assert report.reassigned == [lead_id]
        row = cached_lead(store, lead_id)
        assert row["owner_id"] == colleague and row["gone_reason"].startswith("reassigned to ")
        assert lead_id not in {lead.id for lead in store.board(view="all")}


def test_reanchoring_past_the_result_cap_reads_every_lead_once(tmp_path: Path) -> None:
    """The sandbox's cap is HubSpot's 10,000; the same logic runs here with a cap of 21 and pages of 7."""
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        report = pull_leads(store, gateway, meta, page_size=7, cap=21)

        truth = rep_leads(sandbox)
        assert cached_ids(store) == set(truth) and report.leads_seen == len(truth) > 21
        bodies = search_bodies(sandbox)
        assert all(int(b.get("after", 0)) + b["limit"] <= 21 for b in bodies)
        anchors = [
            f["value"] for b in bodies for f in b["filterGroups"][0]["filters"] if f["operator"] == "GTE"
        ]
        assert len(anchors) >= 2 and anchors == sorted(anchors, key=int)


def test_a_cap_full_of_one_timestamp_falls_back_to_listing_by_id(tmp_path: Path) -> None:
    clock = _Clock(1_790_000_000.0)
    with pull_setup(tmp_path, small_portal(clock=clock)) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        clock.now += 60
        edited = sorted(rep_leads(sandbox))[:25]
        for lead_id in edited:  # the clock stands still: all 25 share one hs_lastmodifieddate
            sandbox.portal.remote_edit("leads", lead_id, {"hs_lead_name": f"Same instant {lead_id}"})

        report = pull_leads(store, gateway, meta, page_size=5, cap=10)

        assert all(cached_lead(store, i)["name"] == f"Same instant {i}" for i in edited)
        assert report.leads_changed == 25
        sorts = {b["sorts"][0]["propertyName"] for b in search_bodies(sandbox)}
        assert sorts == {"hs_lastmodifieddate", "hs_object_id"}


class _Clock:
    """The portal's clock, moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("lookback_ms", "caught"), [(LOOKBACK_MS, True), (0, False)])
def test_an_edit_still_in_the_search_index_lag_is_caught_by_the_lookback(
    tmp_path: Path, lookback_ms: int, caught: bool
) -> None:
    """HubSpot stamps X before Y, but indexes X late and Y at once, so the pull that sees Y moves
    the cursor past X's timestamp. The next pull finds X only because it starts a few minutes
    before the cursor. (The sandbox indexes in write order, so Y is written first with a later
    clock reading.)"""
    clock = _Clock(1_790_000_000.0)  # behind the real clock, so the cursor is HubSpot's max seen
    with pull_setup(tmp_path, small_portal(clock=clock)) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta, lookback_ms=lookback_ms)
        late, prompt = sorted(rep_leads(sandbox))[:2]
        start = clock.now + 60
        clock.now = start + 1
        sandbox.portal.remote_edit("leads", prompt, {"hs_lead_name": "Indexed at once"})
        clock.now = start
        sandbox.portal.settings.search_lag = 30.0
        sandbox.portal.remote_edit("leads", late, {"hs_lead_name": "Indexed late"})
        clock.now = start + 2

        pull_leads(store, gateway, meta, lookback_ms=lookback_ms)
        assert cached_lead(store, prompt)["name"] == "Indexed at once"
        assert cached_lead(store, late)["name"] != "Indexed late"  # not searchable yet
        clock.now = start + 40

        pull_leads(store, gateway, meta, lookback_ms=lookback_ms)
        assert (cached_lead(store, late)["name"] == "Indexed late") is caught


def test_a_429_mid_pull_keeps_the_cursor_and_the_next_pull_completes(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        consume_next(sandbox, SEARCH_PATH)
        sandbox.faults.inject("status", path=SEARCH_PATH, status=429, body=SECONDLY_429)
        with pytest.raises(RateLimited):
            pull_leads(store, gateway, meta, page_size=10)
        assert store.get_state(KEY_CURSOR) is None
        assert 0 < len(cached_ids(store)) < len(rep_leads(sandbox))

        report = pull_leads(store, gateway, meta, page_size=10)

        assert cached_ids(store) == set(rep_leads(sandbox))
        assert store.db.conn.execute("SELECT count(*) FROM leads WHERE contact_id IS NULL").fetchone()[0] == 0
        assert store.get_state(KEY_CURSOR) == str(report.cursor)


def test_a_429_after_the_leads_were_written_still_gets_their_contacts_next_time(tmp_path: Path) -> None:
    """The cached lead already has HubSpot's timestamp, yet the pull that broke off never read its
    contact: the next pull must fetch the relations again instead of skipping it as unchanged."""
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        cursor = store.get_state(KEY_CURSOR)
        contact = sandbox.portal.create_object(
            "contacts", {"properties": {"firstname": "Nova", "lastname": "Quint", "email": "nova@q.example"}}
        )
        lead = sandbox.portal.create_object(
            "leads",
            {
                "properties": {"hs_lead_name": "Nova Quint", "hubspot_owner_id": meta.owner_id},
                "associations": [
                    {
                        "to": {"id": contact["id"]},
                        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}],
                    }
                ],
            },
        )
        assoc_path = "/crm/associations/2026-09/leads/contacts/batch/read"
        sandbox.faults.inject("status", path=assoc_path, status=429, body=SECONDLY_429)
        with pytest.raises(RateLimited):
            pull_leads(store, gateway, meta)
        assert cached_lead(store, lead["id"])["name"] == "Nova Quint"
        assert store.get_state(KEY_CURSOR) == cursor

        pull_leads(store, gateway, meta)

        assert cached_lead(store, lead["id"])["contact_id"] == contact["id"]
        assert store.db.conn.execute(
            "SELECT first_name FROM contacts WHERE id = ?", [contact["id"]]
        ).fetchone() == ("Nova",)


def test_a_lead_without_a_company_shows_its_contacts_company(tmp_path: Path) -> None:
    """No direct company and no `associatedcompanyid` on the contact: a contact → company read finds it."""
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        portal = sandbox.portal
        company = portal.create_object("companies", {"properties": {"name": "Via Contact GmbH"}})["id"]
        contact = portal.create_object(
            "contacts", {"properties": {"firstname": "Ida", "email": "ida@v.example"}}
        )
        spec = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]
        portal.associate_labelled("contacts", contact["id"], "companies", company, spec)
        assert not portal.get_object("contacts", contact["id"])["properties"].get("associatedcompanyid")
        lead = portal.create_object(
            "leads",
            {
                "properties": {"hs_lead_name": "Ida's lead", "hubspot_owner_id": meta.owner_id},
                "associations": [
                    {
                        "to": {"id": contact["id"]},
                        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}],
                    }
                ],
            },
        )["id"]

        pull_leads(store, gateway, meta)

        assert cached_lead(store, lead)["company_id"] is None
        assert any(
            r.path == "/crm/associations/2026-09/contacts/companies/batch/read" for r in sandbox.request_log()
        )
        detail = store.lead_detail(lead)
        assert detail is not None and detail.company is not None and detail.company.name == "Via Contact GmbH"
