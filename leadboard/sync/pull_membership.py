"""Leads that stopped being the rep's: reassigned, archived, merged or deleted in HubSpot.

Search only finds what *is* mine, so leaving is found two ways:

- `departures` (one search page when quiet; the engine asks only when a lead left): leads changed since the
  cursor that now belong to someone else. Reassigning bumps `hs_lastmodifieddate`, so the next
  pull sees it; archiving does not (and archived leads never appear in search).
- `reconcile_membership`: list all my lead ids (or take those a full pull just read); only when
  that listing completed, batch-read the local ones missing from it and classify each. The engine
  runs it when the probe's count says a lead left and departures did not explain it
  (pull_probe.py), and as a safety net once a day.

A lead that left is kept in the cache (its ops need the reason): `owner_id` is the new owner and
`gone_reason` says "reassigned to …"; archived, merged and deleted ones get `archived = 1` and
`gone_reason` "archived" / "merged into <id>" / "deleted".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from leadboard.activity import FeedEvent
from leadboard.cache.activity_feed import record_events
from leadboard.cache.remote_tables import now_ms
from leadboard.cache.store import Store
from leadboard.state import LEAD_PROPERTIES, PROP_OWNER, PortalMeta
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull_feed import LeadChanges, OwnerBook
from leadboard.sync.pull_related import as_wire, read_requests
from leadboard.sync.pull_search import (
    MODIFIED,
    OBJECT_ID,
    SEARCH_CAP,
    SEARCH_PAGE,
    SearchTally,
    by_id,
    by_modified,
)
from leadboard.sync.remote import RemoteObject

MERGED_IDS = "hs_merged_object_ids"
#: sync_state: set (epoch ms) when a pull's departures check gave up; cleared by a completed reconcile.
KEY_RECONCILE_ADVISED = "reconcile_advised"
#: Past this many pages of other owners' changes the departures check stops and advises a reconcile.
DEPARTURE_PAGES = 5


@dataclass
class ReconcileReport:
    """`checked`: the cached leads of mine compared with HubSpot's listing (`listed` ids)."""

    checked: int
    reassigned: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)
    listed: int = 0
    requests: int = 0
    events: list[FeedEvent] = field(default_factory=list)


def departures(
    store: Store,
    gateway: HubSpotGateway,
    owner_id: str,
    since_ms: int,
    *,
    page_size: int = SEARCH_PAGE,
    cap: int = SEARCH_CAP,
    tally: SearchTally,
) -> tuple[dict[str, str], bool]:
    """Cached leads of mine that HubSpot now gives another owner: `({lead id: new owner}, complete)`.

    `complete` is False when other owners changed more than `DEPARTURE_PAGES` pages of leads.
    """
    mine = store.owned_lead_ids(owner_id)
    moved: dict[str, str] = {}
    others = [{"propertyName": PROP_OWNER, "operator": "NEQ", "value": owner_id}]
    query = by_modified(
        gateway, others, since_ms, (PROP_OWNER, MODIFIED), page_size=page_size, cap=cap, tally=tally
    )
    for pages, results in enumerate(query, start=1):
        for obj in results:
            if obj.id in mine:
                moved[obj.id] = obj.get(PROP_OWNER) or ""
        if pages >= DEPARTURE_PAGES:
            return moved, False
    return moved, True


def reconcile_membership(
    store: Store,
    gateway: HubSpotGateway,
    meta: PortalMeta,
    *,
    page_size: int = SEARCH_PAGE,
    cap: int = SEARCH_CAP,
    listed: AbstractSet[str] | None = None,
) -> ReconcileReport:
    """List all my lead ids; if (and only if) the listing completes, classify the cached ones missing
    from it. A gateway error during the listing propagates and nothing is marked. `listed`: the ids
    a full pull just read, so they are not listed a second time."""
    owner_id = _owner(meta)
    tally = SearchTally()
    if listed is None:
        walked: set[str] = set()
        mine = [{"propertyName": PROP_OWNER, "operator": "EQ", "value": owner_id}]
        for results in by_id(gateway, mine, (OBJECT_ID,), page_size=page_size, cap=cap, tally=tally):
            walked.update(obj.id for obj in results)
        listed = walked
    cached = store.owned_lead_ids(owner_id)
    report = ReconcileReport(checked=len(cached), listed=len(listed), requests=tally.requests)
    missing = sorted(cached - listed, key=_id_order)
    if not missing:
        store.set_state(KEY_RECONCILE_ADVISED, None)
        return report

    properties = (*LEAD_PROPERTIES, MERGED_IDS)
    live = gateway.batch_read("leads", missing, properties)
    report.requests += read_requests(len(missing))
    still_mine, moved, merged = classify(missing, live.found.values(), owner_id)
    unaccounted = [i for i in missing if i not in still_mine and i not in moved and i not in merged]
    archived: set[str] = set()
    if unaccounted:
        binned = gateway.batch_read("leads", unaccounted, properties, archived=True)
        report.requests += read_requests(len(unaccounted))
        archived = set(binned.found)

    owners = OwnerBook(store, gateway)
    changes = LeadChanges(store, meta, None, owners)
    gone = {
        **{old: f"merged into {new}" for old, new in merged.items()},
        **{i: "archived" if i in archived else "deleted" for i in unaccounted},
    }
    changes.left({i: obj.get(PROP_OWNER) or "" for i, obj in moved.items()}, now_ms())
    changes.gone(gone, now_ms())
    with store.transaction():
        store.upsert_leads(as_wire(obj) for obj in [*still_mine.values(), *moved.values()])
        store.mark_leads_reassigned({i: obj.get(PROP_OWNER) or "" for i, obj in moved.items()})
        store.mark_leads_gone(gone)
        record_events(store.db.conn, changes.events)
        store.set_state(KEY_RECONCILE_ADVISED, None)
    report.reassigned = sorted(moved, key=_id_order)
    report.archived = sorted(unaccounted, key=_id_order)
    report.merged = merged
    report.events = changes.events
    report.requests += owners.requests
    return report


def classify(
    requested: Sequence[str], found: Iterable[RemoteObject], owner_id: str
) -> tuple[dict[str, RemoteObject], dict[str, RemoteObject], dict[str, str]]:
    """Sort a batch read of leads missing from my listing into (still mine, reassigned, merged).

    HubSpot answers a merged-away id with the surviving record, whose id differs and whose
    `hs_merged_object_ids` (";"-separated) names the old one.
    """
    wanted = set(requested)
    still_mine: dict[str, RemoteObject] = {}
    moved: dict[str, RemoteObject] = {}
    merged: dict[str, str] = {}
    for obj in found:
        if obj.id in wanted:
            (still_mine if obj.get(PROP_OWNER) == owner_id else moved)[obj.id] = obj
        for old in (obj.get(MERGED_IDS) or "").split(";"):
            old = old.strip()
            if old in wanted and old != obj.id:
                merged[old] = obj.id
    for old in merged:
        still_mine.pop(old, None)
        moved.pop(old, None)
    return still_mine, moved, merged


def _owner(meta: PortalMeta) -> str:
    if not meta.owner_id:
        raise ValueError("The rep's HubSpot owner is not known yet: pull the portal metadata first.")
    return meta.owner_id


def _id_order(lead_id: str) -> tuple[int, str]:
    return (int(lead_id) if lead_id.isdigit() else 0, lead_id)
