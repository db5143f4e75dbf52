""" "Anything new?" in one search, and membership kept without re-listing the rep's whole history.

One search of my leads, newest change first, `limit 1`, answers both questions a background pull
asks. Its `total` is how many leads HubSpot gives me now and its one result is the newest change:

- any edit of a lead of mine bumps `hs_lastmodifieddate`, so the newest lead (id, stamp) moves;
- a lead assigned to me arrives with a bumped stamp and raises the total;
- a lead that leaves (reassigned, archived, merged, deleted) lowers the total, stamp or no stamp.

So when (total, newest id, newest stamp) equals what the last complete pull left, nothing changed
and the pull ends after that one request. The search asks for a short page (`PROBE_PAGE`) with
every lead property, not one result: when that page reaches back past the cursor (or holds all my
leads), it already is everything that changed, and the incremental pull uses it instead of a
second search; the search allowance (5 a second per account) is what a sales floor runs short of.
Otherwise the engine runs the incremental pull; then the
cache's count of my leads is compared with the total: when the cache holds more, something left,
and only then are departures looked for (pull_membership.py), the full listing being the last
resort. A writer the search index has not caught up with yet is seen by a later probe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from leadboard.cache.store import Store
from leadboard.state import LEAD_PROPERTIES, PROP_OWNER
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull_search import MODIFIED, modified_ms
from leadboard.sync.remote import RemoteObject

#: How many of my most recently changed leads the probe brings: a few minutes' changes of one rep.
PROBE_PAGE = 20

#: sync_state: the probe's answer when the cache was last complete ("total:id:stamp").
KEY_PROBE = "leads_probe"
#: sync_state: cached leads of mine minus HubSpot's total after the last full membership check, so a
#: difference the listing could not explain (a lead search does not return) does not re-list forever.
KEY_MEMBERSHIP_OFFSET = "membership_offset"


@dataclass(frozen=True)
class Probe:
    """HubSpot's count of my leads and its most recently modified one."""

    total: int
    newest_id: str | None
    newest_ms: int | None
    #: The page itself, newest change first.
    results: tuple[RemoteObject, ...] = field(default=(), compare=False, repr=False)

    def fingerprint(self) -> str:
        return f"{self.total}:{self.newest_id or ''}:{self.newest_ms if self.newest_ms is not None else ''}"


def probe(gateway: HubSpotGateway, owner_id: str) -> Probe:
    """One search: my leads, newest change first, a short page of them with every lead property."""
    page = gateway.search_leads(
        [{"filters": [{"propertyName": PROP_OWNER, "operator": "EQ", "value": owner_id}]}],
        [{"propertyName": MODIFIED, "direction": "DESCENDING"}],
        LEAD_PROPERTIES,
        limit=PROBE_PAGE,
    )
    newest = page.results[0] if page.results else None
    return Probe(
        total=page.total,
        newest_id=None if newest is None else newest.id,
        newest_ms=None if newest is None else modified_ms(newest),
        results=tuple(page.results),
    )


def changed_since(answer: Probe, since_ms: int) -> list[RemoteObject] | None:
    """My leads changed at or after `since_ms`, oldest change first, when the probe's page holds
    all of them (it reaches back past `since_ms`, or holds all my leads); else None."""
    results = answer.results
    oldest = modified_ms(results[-1]) if results else None
    if len(results) < answer.total and (oldest is None or oldest >= since_ms):
        return None
    fresh = [obj for obj in results if (modified_ms(obj) or 0) >= since_ms]
    return sorted(fresh, key=lambda obj: modified_ms(obj) or 0)


def unchanged(store: Store, answer: Probe) -> bool:
    """True when HubSpot's answer is the one the last complete pull left."""
    return store.get_state(KEY_PROBE) == answer.fingerprint()


def remember(store: Store, answer: Probe) -> None:
    store.set_state(KEY_PROBE, answer.fingerprint())


def forget(store: Store) -> None:
    """The cache may be incomplete (a pull broke off): the next probe must not say "nothing new"."""
    store.set_state(KEY_PROBE, None)


def surplus(store: Store, owner_id: str, answer: Probe) -> int:
    """How many more leads of mine the cache holds than HubSpot counts, beyond the accepted offset:
    above 0, some left (reassigned, archived, merged or deleted)."""
    offset = store.get_state(KEY_MEMBERSHIP_OFFSET)
    accepted = int(offset) if offset and offset.lstrip("-").isdigit() else 0
    return len(store.owned_lead_ids(owner_id)) - answer.total - accepted


def accept_offset(store: Store, owner_id: str, answer: Probe) -> None:
    """After a full membership check: what difference remains is HubSpot's, not a departure."""
    surplus_left = len(store.owned_lead_ids(owner_id)) - answer.total
    store.set_state(KEY_MEMBERSHIP_OFFSET, str(max(0, surplus_left)))
