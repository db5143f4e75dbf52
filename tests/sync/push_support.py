"""Helpers for the push, engine, crash and stateful tests: a tiny sandbox portal and a cache filled
from it through the real gateway (metadata via the pull's own `pull_metadata`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from leadboard.cache.store import Store
from leadboard.op_markers import OP_ID_PROPERTY, markers_in
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle
from leadboard.state import LEAD_PROPERTIES, PortalMeta
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull_meta import pull_metadata
from leadboard.sync.remote import CREATED_KINDS

OPEN_STAGES = ("new-stage-id", "attempting-stage-id", "connected-stage-id")
TINY_PORTAL = PortalSettings(seed=5, rep_leads=12, owners=2, other_leads=4, search_lag=0.0)


def gateway_for(sandbox: SandboxHandle, **kwargs: Any) -> HubSpotGateway:
    return HubSpotGateway(sandbox.base_url, sandbox.token, timeout=(2.0, 2.0), **kwargs)


def refresh_leads(store: Store, gateway: HubSpotGateway, ids: Iterable[str]) -> None:
    """Read leads and their primary contacts from HubSpot into the cache (a pull in miniature)."""
    wanted = list(ids)
    batch = gateway.batch_read("leads", wanted, list(LEAD_PROPERTIES))
    store.upsert_leads(
        {"id": o.id, "properties": dict(o.properties), "createdAt": o.created_at, "updatedAt": o.updated_at}
        for o in batch.found.values()
    )
    links = gateway.batch_read_associations("leads", "contacts", batch.found)
    store.link_leads((lead, assoc[0].to_id if assoc else None, None) for lead, assoc in links.items())


def fill_cache(path: Path, sandbox: SandboxHandle, gateway: HubSpotGateway) -> tuple[Store, PortalMeta]:
    """A cache holding the portal's metadata and every lead the rep owns, as HubSpot has them now."""
    store = Store.open(path)
    meta = pull_metadata(store, gateway, sandbox.rep_email)
    refresh_leads(store, gateway, rep_lead_ids(sandbox, meta.owner_id))
    return store, meta


def rep_lead_ids(sandbox: SandboxHandle, owner_id: str | None = None) -> list[str]:
    owner = owner_id or sandbox.portal.rep_owner_id
    return [
        lead["id"]
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") == owner
    ]


def open_lead_ids(sandbox: SandboxHandle) -> list[str]:
    """The rep's open leads (New, Attempting or Connected) in HubSpot, in id order."""
    owner = sandbox.portal.rep_owner_id
    return [
        lead["id"]
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") == owner
        and lead["properties"].get("hs_pipeline_stage") in OPEN_STAGES
    ]


def remote_lead(sandbox: SandboxHandle, lead_id: str) -> dict[str, Any]:
    found = [o for o in sandbox.portal.objects("leads", include_archived=True) if o["id"] == lead_id]
    assert found, f"lead {lead_id} is not in the portal"
    return found[0]


def created_with_marker(sandbox: SandboxHandle, kind: str, op_id: str) -> list[dict[str, Any]]:
    """Every remote note/call/deal/task carrying this op's id (archived ones too), in leadboard's
    hidden property or, as older versions wrote it, at the end of its body."""
    object_type, prop = CREATED_KINDS[kind]
    return [
        o
        for o in sandbox.portal.objects(object_type, include_archived=True)
        if o["properties"].get(OP_ID_PROPERTY) == op_id or op_id in markers_in(o["properties"].get(prop))
    ]


def next_stage(stage_id: str | None) -> str:
    """An open stage other than `stage_id`, for a move."""
    return "connected-stage-id" if stage_id != "connected-stage-id" else "attempting-stage-id"
