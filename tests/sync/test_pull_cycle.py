"""What a sync costs against the sandbox: a first sync lists each lead once, a quiet background
sync is one search, and leads that leave are still found without re-listing them all."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadboard.config import Settings
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sync.engine import SyncEngine
from leadboard.sync.pull_probe import PROBE_PAGE

SEARCH_PATH = "/crm/objects/2026-09/leads/search"
PORTAL = PortalSettings(seed=9, rep_leads=300, owners=3, other_leads=40, search_lag=0.0)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(PORTAL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def engine(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[SyncEngine]:
    sandbox.portal.reset()
    sandbox.clear_request_log()
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=tmp_path / "cache.sqlite")
    eng = SyncEngine(settings, sandbox.token, timeout=(2.0, 2.0))
    yield eng
    eng.close()


def my_lead_ids(sandbox: SandboxHandle) -> list[str]:
    owner = sandbox.portal.rep_owner_id
    return [
        str(lead["id"])
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") == owner
    ]


def searches(sandbox: SandboxHandle) -> list[dict[str, object]]:
    return [json.loads(r.request_body or b"{}") for r in sandbox.request_log() if r.path == SEARCH_PATH]


def test_a_first_sync_lists_each_lead_once(engine: SyncEngine, sandbox: SandboxHandle) -> None:
    mine = my_lead_ids(sandbox)

    report = engine.sync()

    assert report.error is None
    assert engine.store().owned_lead_ids(engine.meta().owner_id or "") == set(mine)  # type: ignore[union-attr]
    pages = math.ceil(len(mine) / 200)
    # The pages of the pull and one "anything new?" search; no second listing of every id.
    assert len(searches(sandbox)) == pages + 1


def test_a_background_sync_with_nothing_new_is_one_search(engine: SyncEngine, sandbox: SandboxHandle) -> None:
    engine.sync()
    sandbox.clear_request_log()

    report = engine.sync(background=True)

    log = sandbox.request_log()
    assert report.error is None
    assert [(r.method, r.path) for r in log] == [("POST", SEARCH_PATH)]
    assert json.loads(log[0].request_body or b"{}")["limit"] == PROBE_PAGE  # one short page


def test_a_hubspot_edit_after_a_quiet_sync_still_arrives(engine: SyncEngine, sandbox: SandboxHandle) -> None:
    engine.sync()
    engine.sync(background=True)
    lead_id = my_lead_ids(sandbox)[5]
    sandbox.portal.remote_edit("leads", lead_id, {"hs_lead_name": "Renamed in HubSpot"})

    report = engine.sync(background=True)

    assert report.pull is not None and report.pull.leads_changed == 1
    assert engine.store().lead_properties(lead_id)["hs_lead_name"] == "Renamed in HubSpot"


def test_reassigned_and_archived_leads_leave_the_board_without_a_full_relisting(
    engine: SyncEngine, sandbox: SandboxHandle
) -> None:
    engine.sync()
    owner = engine.meta().owner_id or ""  # type: ignore[union-attr]
    mine = my_lead_ids(sandbox)
    colleague = next(o["id"] for o in sandbox.portal.list_owners()["results"] if o["id"] != owner)
    sandbox.portal.reassign_lead(mine[3], colleague)
    sandbox.clear_request_log()

    engine.sync(background=True)

    assert mine[3] not in engine.store().owned_lead_ids(owner)
    # The probe (its page holds the leads changed since the cursor: no second search for them) and
    # one page of departures: no id listing.
    sorted_by = [s["sorts"][0]["propertyName"] for s in searches(sandbox)]  # type: ignore[index]
    assert sorted_by == ["hs_lastmodifieddate"] * 2

    sandbox.portal.archive_object("leads", mine[4])
    engine.sync(background=True)

    assert mine[4] not in engine.store().owned_lead_ids(owner)
