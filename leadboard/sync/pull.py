"""The pull: HubSpot → the cache's remote tables. It never touches the outbox.

    meta = pull_metadata(store, gateway, settings.email)   # owner, pipeline, options, outcomes
    report = pull_leads(store, gateway, meta)              # full the first time, then incremental
    reconcile_membership(store, gateway, meta)             # at start and every N minutes
    pull_timeline(store, gateway, lead_id)                 # when the rep opens a lead

Leads: one owner-filtered search sorted by `hs_lastmodifieddate`, 200 a page, re-anchored past the
10,000 cap (pull_search.py). Incremental pulls start at the cursor minus a lookback, because
search indexes writes a few seconds late. Leads whose `hs_lastmodifieddate` equals the cached one
are skipped, so a quiet incremental pull costs one search (plus one for leads that left me, see
pull_membership.py). Contacts and companies are read in full batches for the changed leads only,
between search pages (pull_related.py). Data is written as it arrives; the cursor,
`min(max seen, sync start)`, only once all of it is in: a pull that fails part way leaves the
cursor where it was and a mark, so the next pull re-reads that range and fetches the related
objects of every lead in it again, not just of those it finds changed.

Gateway errors propagate unchanged; the engine classifies them (errors.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from leadboard.activity import FeedEvent
from leadboard.cache.activity_feed import record_events
from leadboard.cache.read_model import KEY_LAST_PULL
from leadboard.cache.remote_tables import LeadVersion, now_ms
from leadboard.cache.store import Store
from leadboard.state import LEAD_PROPERTIES, PROP_OWNER, PortalMeta
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull_activity import pull_activities
from leadboard.sync.pull_feed import LeadChanges, OwnerBook
from leadboard.sync.pull_membership import (
    KEY_RECONCILE_ADVISED,
    ReconcileReport,
    departures,
    reconcile_membership,
)
from leadboard.sync.pull_meta import pull_metadata
from leadboard.sync.pull_related import RelatedFetcher, as_wire
from leadboard.sync.pull_search import SEARCH_CAP, SEARCH_PAGE, SearchTally, by_modified, modified_ms
from leadboard.sync.pull_timeline import pull_timeline
from leadboard.sync.remote import RemoteObject

__all__ = [
    "KEY_CURSOR",
    "KEY_PULL_STARTED",
    "KEY_RECONCILE_ADVISED",
    "LOOKBACK_MS",
    "PullReport",
    "ReconcileReport",
    "pull_leads",
    "pull_metadata",
    "pull_timeline",
    "reconcile_membership",
]

#: How far before the cursor an incremental pull starts: search indexes writes late.
LOOKBACK_MS = 5 * 60 * 1000
#: sync_state: the lead cursor (epoch ms, HubSpot's clock), and the start of a pull not yet finished.
KEY_CURSOR = "leads_cursor"
KEY_PULL_STARTED = "leads_pull_started"

Progress = Callable[[int, int | None], None]


@dataclass
class PullReport:
    """What one `pull_leads` did. `requests` counts the HTTP requests it sent (association reads
    are counted without per-id paging); `reassigned` are my cached leads that now have another
    owner; `reconcile_advised` says the departures check gave up (too many changes) so the engine
    should run `reconcile_membership` soon."""

    requests: int
    leads_seen: int
    leads_changed: int
    contacts: int
    companies: int
    full: bool
    reassigned: list[str] = field(default_factory=list)
    cursor: int | None = None
    reconcile_advised: bool = False
    #: What changed on HubSpot's side (not the rep's own changes coming back), as stored in the feed.
    events: list[FeedEvent] = field(default_factory=list)
    #: On a full pull, every id HubSpot listed as mine: membership without listing them again.
    listed: frozenset[str] | None = field(default=None, compare=False, repr=False)


def pull_leads(
    store: Store,
    gateway: HubSpotGateway,
    meta: PortalMeta,
    *,
    full: bool = False,
    progress: Progress | None = None,
    lookback_ms: int = LOOKBACK_MS,
    page_size: int = SEARCH_PAGE,
    cap: int = SEARCH_CAP,
    check_departures: bool = True,
    prefetched: Sequence[RemoteObject] | None = None,
) -> PullReport:
    """Pull my leads changed since the cursor (all of them when `full` or on the first pull).

    `progress(leads seen, total or None)` is called after each search page. `page_size` and `cap`
    exist for tests of the re-anchoring; keep the defaults otherwise. `check_departures=False`
    leaves the departures search to the caller (the engine asks only when the probe's count says
    a lead left, pull_probe.py). `prefetched`: on an incremental pull, every lead of mine changed
    since the cursor less the lookback, already at hand (the probe's page): no search is sent.
    """
    if not meta.owner_id:
        raise ValueError("The rep's HubSpot owner is not known yet: pull the portal metadata first.")
    owner_id = meta.owner_id
    started = now_ms()
    cursor = _int(store.get_state(KEY_CURSOR))
    broke_off = store.get_state(KEY_PULL_STARTED) is not None
    full = full or cursor is None
    since = None if full or cursor is None else cursor - lookback_ms
    store.set_state(KEY_PULL_STARTED, str(started))
    owners = OwnerBook(store, gateway)
    changes = LeadChanges(store, meta, None if cursor is None else cursor - lookback_ms, owners)

    tally = SearchTally()
    related = RelatedFetcher(store, gateway)
    changed: list[str] = []
    listed: set[str] = set()
    seen = 0
    max_seen: int | None = None
    mine = [{"propertyName": PROP_OWNER, "operator": "EQ", "value": owner_id}]
    pages: Iterable[list[RemoteObject]] = (
        [list(prefetched)]
        if prefetched is not None and since is not None
        else by_modified(gateway, mine, since, LEAD_PROPERTIES, page_size=page_size, cap=cap, tally=tally)
    )
    for results in pages:
        seen += len(results)
        if full:
            listed.update(obj.id for obj in results)
        for obj in results:
            stamp = modified_ms(obj)
            if stamp is not None and (max_seen is None or stamp > max_seen):
                max_seen = stamp
        fresh = list(results) if full or broke_off else _changed(store, results)
        if fresh:
            changes.before(fresh)
            store.upsert_leads(as_wire(obj) for obj in fresh)
            changes.after(fresh)
            changed.extend(obj.id for obj in fresh)
            related.add(obj.id for obj in fresh)
        if progress is not None:
            progress(seen, tally.total)

    moved: dict[str, str] = {}
    complete = True
    departures_tally = SearchTally()
    if since is not None and check_departures:
        moved, complete = departures(
            store, gateway, owner_id, since, page_size=page_size, cap=cap, tally=departures_tally
        )

    related.finish()
    found, activity_requests = pull_activities(store, gateway, changed, owner_id, changes.since_ms, owners)
    changes.left(moved, now_ms())
    events = changes.events + found
    next_cursor = cursor if max_seen is None else min(max_seen, started)
    with store.transaction():
        store.mark_leads_reassigned(moved)
        record_events(store.db.conn, events)
        store.set_state(KEY_CURSOR, None if next_cursor is None else str(next_cursor))
        store.set_state(KEY_PULL_STARTED, None)
        store.set_state(KEY_LAST_PULL, str(now_ms()))
        if not complete:
            store.set_state(KEY_RECONCILE_ADVISED, str(started))
    return PullReport(
        requests=tally.requests
        + departures_tally.requests
        + related.requests
        + activity_requests
        + owners.requests,
        leads_seen=seen,
        leads_changed=len(changed),
        contacts=related.contacts,
        companies=related.companies,
        full=full,
        reassigned=sorted(moved),
        cursor=next_cursor,
        reconcile_advised=not complete,
        events=events,
        listed=frozenset(listed) if full else None,
    )


def _changed(store: Store, results: Sequence[RemoteObject]) -> list[RemoteObject]:
    """The results that differ from the cache: new, modified since, or cached as someone else's/gone."""
    cached = store.lead_versions(obj.id for obj in results)
    return [obj for obj in results if cached.get(obj.id) != _as_cached(obj)]


def _as_cached(obj: RemoteObject) -> LeadVersion:
    """How the cache holds a lead of mine that it has up to date."""
    return LeadVersion(modified_ms(obj), obj.get(PROP_OWNER), archived=False, gone_reason=None)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None
