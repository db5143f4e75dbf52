"""One background pull whose cost follows what changed: probe, then leads, then membership.

    report = pull_cycle(store, gateway, meta, full=False)

- The probe (pull_probe.py) goes first: one search. When HubSpot's answer is the one the last
  complete pull left, the pull ends there: "anything new?" costs one request.
- Otherwise the leads pull (pull.py): everything on a first or `full` pull, else since the cursor,
  taken from the probe's page when it holds every change since then (no second search).
- Membership: after a full pull it is known (the ids just read, nothing listed twice); after an
  incremental one it is checked only when the cache holds more of my leads than HubSpot counts:
  departures (leads changed since the cursor that now have another owner) first, the full listing
  only when they do not explain it, or once a day as a safety net.

Gateway errors propagate; nothing is remembered then, so the next cycle asks again.
"""

from __future__ import annotations

from collections.abc import Callable

from leadboard.cache.activity_feed import record_events
from leadboard.cache.read_model import KEY_LAST_PULL
from leadboard.cache.store import Store, now_ms
from leadboard.state import PortalMeta
from leadboard.sync import pull_probe
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull import KEY_CURSOR, KEY_PULL_STARTED, LOOKBACK_MS, PullReport, pull_leads
from leadboard.sync.pull_feed import LeadChanges, OwnerBook
from leadboard.sync.pull_membership import KEY_RECONCILE_ADVISED, departures, reconcile_membership
from leadboard.sync.pull_search import SearchTally

#: sync_state: when membership was last checked against a full listing (epoch ms).
KEY_LAST_RECONCILE = "last_reconcile_at"
#: The safety net: a full listing this often even when the counts agree (once a working day).
RECONCILE_EVERY_MS = 24 * 3600 * 1000

Progress = Callable[[int, int | None], None]


def pull_cycle(
    store: Store,
    gateway: HubSpotGateway,
    meta: PortalMeta,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> PullReport:
    """Probe, pull what changed, keep membership; returns the leads pull's report (requests all in)."""
    owner_id = meta.owner_id
    if not owner_id:
        raise ValueError("The rep's HubSpot owner is not known yet: pull the portal metadata first.")
    answer = pull_probe.probe(gateway, owner_id)
    cursor = store.get_state(KEY_CURSOR)
    # The fingerprint is remembered only when a whole cycle completed (and forgotten when one
    # starts), so a match also says no pull broke off since; it holds for a rep with no lead yet.
    complete = store.get_state(KEY_PULL_STARTED) is None
    safety_due = _older_than(store.get_state(KEY_LAST_RECONCILE), RECONCILE_EVERY_MS)
    advised = store.get_state(KEY_RECONCILE_ADVISED) is not None
    if not full and complete and not safety_due and not advised and pull_probe.unchanged(store, answer):
        store.set_state(KEY_LAST_PULL, str(now_ms()))
        return PullReport(
            requests=1,
            leads_seen=0,
            leads_changed=0,
            contacts=0,
            companies=0,
            full=False,
            cursor=_int(cursor),
        )

    pull_probe.forget(store)
    # A few changes since the last pull are in the probe's page already: no second search.
    prefetched = (
        pull_probe.changed_since(answer, int(cursor) - LOOKBACK_MS)
        if not full and complete and cursor is not None and cursor.lstrip("-").isdigit()
        else None
    )
    report = pull_leads(
        store, gateway, meta, full=full, progress=progress, check_departures=False, prefetched=prefetched
    )
    report.requests += 1  # the probe
    if report.listed is not None:
        membership = reconcile_membership(store, gateway, meta, listed=report.listed)
        report.requests += membership.requests
        report.events += membership.events
        _checked(store, owner_id, answer)
    else:
        left = pull_probe.surplus(store, owner_id, answer) > 0
        if left and cursor is not None:
            tally = SearchTally()
            since = int(cursor) - LOOKBACK_MS
            moved, complete = departures(store, gateway, owner_id, since, tally=tally)
            owners = OwnerBook(store, gateway)
            changes = LeadChanges(store, meta, since, owners)
            changes.left(moved, now_ms())
            with store.transaction():
                store.mark_leads_reassigned(moved)
                record_events(store.db.conn, changes.events)
            report.events += changes.events
            report.requests += tally.requests + owners.requests
            report.reassigned = sorted({*report.reassigned, *moved})
            advised = advised or not complete
        if safety_due or advised or pull_probe.surplus(store, owner_id, answer) > 0:
            membership = reconcile_membership(store, gateway, meta)
            report.requests += membership.requests
            report.events += membership.events
            report.reassigned = sorted({*report.reassigned, *membership.reassigned})
            _checked(store, owner_id, answer)
    pull_probe.remember(store, answer)
    return report


def _checked(store: Store, owner_id: str, answer: pull_probe.Probe) -> None:
    store.set_state(KEY_LAST_RECONCILE, str(now_ms()))
    pull_probe.accept_offset(store, owner_id, answer)


def _older_than(stamp: str | None, age_ms: int) -> bool:
    return stamp is None or not stamp.isdigit() or now_ms() - int(stamp) > age_ms


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None
