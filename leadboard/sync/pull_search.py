"""Reading every lead a search matches, past HubSpot's 10,000-result cap, each id once.

HubSpot's search pages by offset and answers 400 past 10,000 results for one query, so a long
result set is read as a series of queries (research/hubspot-api.md §7, "Incremental sync recipe"):

- `by_modified`: sorted by `hs_lastmodifieddate` ascending; when the next page would cross the cap,
  the query restarts with `GTE` the last timestamp seen. Leads at that very timestamp come back
  again and are dropped by id. Should a whole cap's worth share one timestamp (no progress
  possible), the rest is listed by id instead, which always advances.
- `by_id`: sorted by `hs_object_id`, restarting with `GT` the last id (Airbyte's "ID windowing").

`page_size` and `cap` are parameters so tests can exercise the restarts on a small portal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from leadboard.state import parse_hubspot_time
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.remote import RemoteObject

SEARCH_PAGE = 200
SEARCH_CAP = 10_000
MODIFIED = "hs_lastmodifieddate"
OBJECT_ID = "hs_object_id"

Filter = Mapping[str, str]


@dataclass
class SearchTally:
    """Requests sent and the size HubSpot reported for the first query (for progress)."""

    requests: int = 0
    total: int | None = None
    restarts: int = 0


@dataclass
class _Cut:
    hit: bool = False
    last: list[RemoteObject] = field(default_factory=list)


def modified_ms(obj: RemoteObject) -> int | None:
    """The object's `hs_lastmodifieddate` (else `updatedAt`) in epoch milliseconds."""
    when = parse_hubspot_time(obj.get(MODIFIED) or obj.updated_at)
    return None if when is None else int(when.timestamp() * 1000)


def _pages(
    gateway: HubSpotGateway,
    filters: Sequence[Filter],
    sort_by: str,
    properties: Sequence[str],
    page_size: int,
    cap: int,
    tally: SearchTally,
    cut: _Cut,
) -> Iterator[tuple[RemoteObject, ...]]:
    """The pages of one query, stopping (and setting `cut.hit`) where the next would cross `cap`."""
    after: int | None = None
    while True:
        page = gateway.search_leads(
            [{"filters": [dict(f) for f in filters]}],
            [{"propertyName": sort_by, "direction": "ASCENDING"}],
            properties,
            after=after,
            limit=page_size,
        )
        tally.requests += 1
        if tally.total is None:
            tally.total = page.total
        if page.results:
            cut.last = list(page.results)
        yield page.results
        if page.next_after is None or not page.results:
            return
        after = int(page.next_after)
        if after + page_size > cap:
            cut.hit = True
            return


def by_id(
    gateway: HubSpotGateway,
    filters: Sequence[Filter],
    properties: Sequence[str],
    *,
    page_size: int = SEARCH_PAGE,
    cap: int = SEARCH_CAP,
    tally: SearchTally | None = None,
) -> Iterator[list[RemoteObject]]:
    """Every lead matching `filters` (AND), in id order, one page at a time."""
    tally = tally if tally is not None else SearchTally()
    last_id: str | None = None
    while True:
        window = list(filters)
        if last_id is not None:
            window.append({"propertyName": OBJECT_ID, "operator": "GT", "value": last_id})
        cut = _Cut()
        for results in _pages(gateway, window, OBJECT_ID, properties, page_size, cap, tally, cut):
            yield list(results)
        if not cut.hit or not cut.last:
            return
        last_id = cut.last[-1].id
        tally.restarts += 1


def by_modified(
    gateway: HubSpotGateway,
    filters: Sequence[Filter],
    since_ms: int | None,
    properties: Sequence[str],
    *,
    page_size: int = SEARCH_PAGE,
    cap: int = SEARCH_CAP,
    tally: SearchTally | None = None,
) -> Iterator[list[RemoteObject]]:
    """Every lead matching `filters` changed at or after `since_ms` (all when None), oldest change
    first, each id once; one list per page (it may be empty after dropping repeats)."""
    tally = tally if tally is not None else SearchTally()
    seen: set[str] = set()
    anchor = since_ms
    while True:
        window = list(filters)
        if anchor is not None:
            window.append({"propertyName": MODIFIED, "operator": "GTE", "value": str(anchor)})
        cut = _Cut()
        for results in _pages(gateway, window, MODIFIED, properties, page_size, cap, tally, cut):
            yield _first_sightings(results, seen)
        if not cut.hit:
            return
        tally.restarts += 1
        last = modified_ms(cut.last[-1]) if cut.last else None
        if last is None or (anchor is not None and last <= anchor):
            # A full window at one timestamp: list the rest by id, which always advances.
            for rest in by_id(gateway, window, properties, page_size=page_size, cap=cap, tally=tally):
                yield _first_sightings(rest, seen)
            return
        anchor = last


def _first_sightings(results: Sequence[RemoteObject], seen: set[str]) -> list[RemoteObject]:
    fresh = [obj for obj in results if obj.id not in seen]
    seen.update(obj.id for obj in fresh)
    return fresh
