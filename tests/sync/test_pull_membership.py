"""Membership reconcile: leads that left me without a search showing it (archived) or before a pull."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadboard.sync.errors import ServerError
from leadboard.sync.pull import pull_leads, reconcile_membership
from leadboard.sync.pull_membership import KEY_RECONCILE_ADVISED, classify
from leadboard.sync.remote import RemoteObject
from tests.sync.pull_support import (
    SEARCH_PATH,
    cached_lead,
    consume_next,
    other_owner,
    pull_setup,
    rep_leads,
    search_bodies,
)


def test_reconcile_finds_reassigned_and_archived_leads(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        moved, binned, kept = sorted(rep_leads(sandbox))[:3]
        colleague = other_owner(sandbox)
        sandbox.portal.reassign_lead(moved, colleague)
        sandbox.portal.archive_object("leads", binned)
        store.set_state(KEY_RECONCILE_ADVISED, "1")
        sandbox.clear_request_log()

        report = reconcile_membership(store, gateway, meta)

        assert report.reassigned == [moved] and report.archived == [binned] and report.merged == {}
        assert report.listed == len(rep_leads(sandbox)) and report.checked == report.listed + 2
        assert report.requests == len(sandbox.request_log())
        assert (cached_lead(store, moved)["owner_id"], cached_lead(store, moved)["archived"]) == (
            colleague,
            0,
        )
        assert cached_lead(store, moved)["gone_reason"].startswith("reassigned to ")
        assert (cached_lead(store, binned)["archived"], cached_lead(store, binned)["gone_reason"]) == (
            1,
            "archived",
        )
        assert cached_lead(store, kept)["gone_reason"] is None
        on_board = {lead.id for lead in store.board(view="all")}
        assert kept in on_board and moved not in on_board and binned not in on_board
        assert store.get_state(KEY_RECONCILE_ADVISED) is None
        # The listing asks for ids only, in id order.
        assert {tuple(b["properties"]) for b in search_bodies(sandbox)} == {("hs_object_id",)}


def test_reconcile_lists_past_the_cap_by_id_windows(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        sandbox.clear_request_log()

        report = reconcile_membership(store, gateway, meta, page_size=5, cap=15)

        assert report.listed == len(rep_leads(sandbox)) > 15
        assert report.reassigned == report.archived == []
        windows = [
            f["value"] for b in search_bodies(sandbox) for f in b["filterGroups"][0]["filters"]
            if f["propertyName"] == "hs_object_id"
        ]  # fmt: skip
        assert len(windows) >= 2 and windows == sorted(windows, key=int)


def test_a_listing_that_fails_part_way_closes_nothing(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        moved, binned = sorted(rep_leads(sandbox))[:2]
        sandbox.portal.reassign_lead(moved, other_owner(sandbox))
        sandbox.portal.archive_object("leads", binned)
        before = store.db.conn.execute("SELECT * FROM leads ORDER BY id").fetchall()
        consume_next(sandbox, SEARCH_PATH)
        sandbox.faults.inject("status", path=SEARCH_PATH, status=502)

        with pytest.raises(ServerError):
            reconcile_membership(store, gateway, meta, page_size=10)

        assert store.db.conn.execute("SELECT * FROM leads ORDER BY id").fetchall() == before
        # The same reconcile, once the listing completes, does close them.
        report = reconcile_membership(store, gateway, meta, page_size=10)
        assert (report.reassigned, report.archived) == ([moved], [binned])


def _lead(lead_id: str, owner: str, merged: str | None = None) -> RemoteObject:
    props = {"hubspot_owner_id": owner, "hs_merged_object_ids": merged}
    return RemoteObject(id=lead_id, properties=props)


def test_classify_tells_merged_from_reassigned_and_still_mine() -> None:
    """HubSpot answers a merged-away id with the surviving record (the sandbox has no merges)."""
    found = [_lead("99", "7", merged="10;55"), _lead("11", "8"), _lead("12", "7")]

    still_mine, moved, merged = classify(["10", "11", "12", "13"], found, owner_id="7")

    assert set(still_mine) == {"12"}
    assert set(moved) == {"11"}
    assert merged == {"10": "99"}
