"""Shared pieces of the pull tests: a small running portal, a real gateway and a real cache file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from leadboard.cache.store import Store
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import PortalMeta
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull import pull_metadata
from leadboard.sync.ratelimit import RateLimiter

SEARCH_PATH = "/crm/objects/2026-09/leads/search"
SECONDLY_429 = {
    "status": "error",
    "message": "You have reached your secondly limit.",
    "errorType": "RATE_LIMIT",
    "correlationId": "c-429",
    "policyName": "SECONDLY",
    "category": "RATE_LIMITS",
}


def small_portal(**overrides: Any) -> PortalSettings:
    """~42 rep leads (30 open, 12 closed), 3 owners, others' leads, no search lag unless asked."""
    values: dict[str, Any] = {
        "seed": 5,
        "rep_leads": 30,
        "owners": 3,
        "other_leads": 40,
        "search_lag": 0.0,
    }
    values.update(overrides)
    return PortalSettings(**values)


@contextmanager
def pull_setup(
    tmp_path: Path, settings: PortalSettings | None = None
) -> Iterator[tuple[SandboxHandle, HubSpotGateway, Store, PortalMeta]]:
    """A running portal (HubSpot limits off), a gateway to it, an empty cache, and pulled metadata."""
    with running_sandbox(settings or small_portal(), rate_limits=False) as sandbox:
        gateway = HubSpotGateway(sandbox.base_url, sandbox.token, limiter=RateLimiter(), timeout=(2.0, 10.0))
        store = Store.open(tmp_path / "cache.db")
        try:
            meta = pull_metadata(store, gateway, sandbox.rep_email)
            sandbox.clear_request_log()
            yield sandbox, gateway, store, meta
        finally:
            store.close()
            gateway.close()
            sandbox.faults.clear()


def rep_leads(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    """The rep's leads as the portal holds them (ground truth), by id."""
    owner = sandbox.portal.rep_owner_id
    return {
        lead["id"]: lead
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") == owner
    }


def associated(sandbox: SandboxHandle, from_type: str, from_id: str, to_type: str) -> dict[str, set[int]]:
    """The portal's associations of one record: {to id: type ids}."""
    page = sandbox.portal.association_page(from_type, from_id, to_type)
    return {str(r["toObjectId"]): {int(t["typeId"]) for t in r["associationTypes"]} for r in page["results"]}


def cached_lead(store: Store, lead_id: str) -> dict[str, Any]:
    keys = (
        "id", "name", "stage_id", "owner_id", "contact_id", "company_id", "archived", "gone_reason",
        "last_modified_at",
    )  # fmt: skip
    row = store.db.conn.execute(f"SELECT {', '.join(keys)} FROM leads WHERE id = ?", [lead_id]).fetchone()
    assert row is not None, f"lead {lead_id} is not in the cache"
    return dict(zip(keys, row, strict=True))


def cached_ids(store: Store) -> set[str]:
    return {str(r[0]) for r in store.db.conn.execute("SELECT id FROM leads")}


def other_owner(sandbox: SandboxHandle) -> str:
    owners = sandbox.portal.list_owners()["results"]
    return next(str(o["id"]) for o in owners if o["id"] != sandbox.portal.rep_owner_id)


def search_bodies(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    return [json.loads(r.request_body) for r in sandbox.request_log() if r.path == SEARCH_PATH]


def consume_next(sandbox: SandboxHandle, path: str) -> None:
    """Let the next request on `path` through untouched, so a fault armed after this hits the second."""
    sandbox.faults.inject("delay", path=path, seconds=0.0)
