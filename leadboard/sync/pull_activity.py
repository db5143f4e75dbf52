"""Calls and notes of the leads a pull changed, so first touch comes from HubSpot's own record.

Two caches synced from the same portal must agree on every lead's SLA state (issue 12), so the
first touch cannot rest on what this machine happened to push or open: every pull reads the calls
and notes on the leads it found changed and on their contacts (a note or call bumps its lead's
`hs_lastmodifieddate`, so changed leads are the only ones that can have new ones). Batched, never
a request per lead: per 1,000 leads one association read per kind for the leads and one for their
contacts, then one batch read per 100 activities the cache does not hold yet. A quiet pull (no
changed lead) sends none of these.

New activities by someone other than the rep (a colleague's call or note) become feed events on
incremental pulls; the rep's own (its owner is the rep, or it carries leadboard's op marker) do not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from leadboard.activity import FeedEvent
from leadboard.cache.lead_columns import refresh_lead_columns
from leadboard.cache.store import Store
from leadboard.op_markers import markers_in, strip_marker
from leadboard.state import parse_hubspot_time
from leadboard.sync.hubspot import ASSOCIATION_BATCH_MAX, HubSpotGateway
from leadboard.sync.pull_feed import OwnerBook
from leadboard.sync.pull_related import as_wire, read_requests
from leadboard.sync.pull_timeline import CALL_PROPERTIES, NOTE_PROPERTIES
from leadboard.sync.remote import RemoteObject

__all__ = ["TOUCH_KINDS", "pull_activities"]

#: (cache kind, HubSpot object type, properties) of the activities that count as a touch.
TOUCH_KINDS = (("call", "calls", CALL_PROPERTIES), ("note", "notes", NOTE_PROPERTIES))
_BODY = {"call": "hs_call_body", "note": "hs_note_body"}


def pull_activities(
    store: Store,
    gateway: HubSpotGateway,
    lead_ids: Sequence[str],
    owner_id: str,
    since_ms: int | None,
    owners: OwnerBook,
) -> tuple[list[FeedEvent], int]:
    """Read and store the calls and notes of these leads and their contacts; return the feed events
    (none when `since_ms` is None: a first pull) and the requests sent."""
    events: list[FeedEvent] = []
    requests = 0
    for start in range(0, len(lead_ids), ASSOCIATION_BATCH_MAX):
        batch = list(lead_ids[start : start + ASSOCIATION_BATCH_MAX])
        found, sent = _batch(store, gateway, batch, owner_id, since_ms, owners)
        events += found
        requests += sent
    return events, requests


def _batch(
    store: Store,
    gateway: HubSpotGateway,
    lead_ids: list[str],
    owner_id: str,
    since_ms: int | None,
    owners: OwnerBook,
) -> tuple[list[FeedEvent], int]:
    conn = store.db.conn
    contact_of = {
        str(lead): str(contact)
        for lead, contact in conn.execute(
            "SELECT id, contact_id FROM leads WHERE contact_id IS NOT NULL "
            "AND id IN (SELECT value FROM json_each(?))",
            [json.dumps(lead_ids)],
        )
    }
    names = dict(
        conn.execute(
            "SELECT id, name FROM leads WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(lead_ids)]
        ).fetchall()
    )
    contacts = sorted(set(contact_of.values()))
    requests = 0
    events: list[FeedEvent] = []
    with store.transaction():
        for kind, object_type, properties in TOUCH_KINDS:
            on_lead = gateway.batch_read_associations("leads", object_type, lead_ids)
            requests += 1
            on_contact = (
                gateway.batch_read_associations("contacts", object_type, contacts) if contacts else {}
            )
            requests += 1 if contacts else 0
            links: dict[str, tuple[str | None, str | None]] = {}  # activity id: (lead, contact)
            for lead_id in lead_ids:
                for assoc in on_lead.get(lead_id, ()):
                    links[assoc.to_id] = (lead_id, contact_of.get(lead_id))
            for contact_id in contacts:
                for assoc in on_contact.get(contact_id, ()):
                    links.setdefault(assoc.to_id, (None, contact_id))
            known = {
                str(r[0])
                for r in conn.execute(
                    "SELECT id FROM activities WHERE id IN (SELECT value FROM json_each(?))",
                    [json.dumps(sorted(links))],
                )
            }
            missing = sorted((i for i in links if i not in known), key=lambda i: (len(i), i))
            if not missing:
                continue
            objects = list(gateway.batch_read(object_type, missing, properties).found.values())
            requests += read_requests(len(missing))
            _store(store, kind, objects, links)
            events += _events(owners, kind, objects, links, names, owner_id, since_ms)
        refresh_lead_columns(
            conn,
            "id IN (SELECT value FROM json_each(?)) OR contact_id IN (SELECT value FROM json_each(?))",
            [json.dumps(lead_ids), json.dumps(contacts)],
        )
    return events, requests


def _store(
    store: Store, kind: str, objects: list[RemoteObject], links: dict[str, tuple[str | None, str | None]]
) -> None:
    groups: dict[tuple[str | None, str | None], list[RemoteObject]] = {}
    for obj in objects:
        groups.setdefault(links[obj.id], []).append(obj)
    for (lead_id, contact_id), group in groups.items():
        store.upsert_activities(kind, (as_wire(o) for o in group), lead_id, contact_id)
    marked = [(o.id, o.get(_BODY[kind]) or "") for o in objects if markers_in(o.get(_BODY[kind]))]
    if marked:
        from leadboard.note_html import html_to_text

        store.db.conn.executemany(
            "UPDATE activities SET body_text = ? WHERE id = ?",
            [(strip_marker(html_to_text(strip_marker(body))), i) for i, body in marked],
        )


def _events(
    owners: OwnerBook,
    kind: str,
    objects: list[RemoteObject],
    links: dict[str, tuple[str | None, str | None]],
    names: dict[str, str],
    owner_id: str,
    since_ms: int | None,
) -> list[FeedEvent]:
    if since_ms is None:
        return []
    theirs = [
        o
        for o in objects
        if o.get("hubspot_owner_id") != owner_id and not markers_in(o.get(_BODY[kind])) and links[o.id][0]
    ]
    who = owners.names(o.get("hubspot_owner_id") or "" for o in theirs)
    events = []
    for obj in theirs:
        when = parse_hubspot_time(obj.get("hs_timestamp") or obj.created_at)
        at = int(when.timestamp() * 1000) if when else since_ms
        if at < since_ms:
            continue
        lead_id = links[obj.id][0] or ""
        actor = who.get(obj.get("hubspot_owner_id") or "")
        events.append(FeedEvent("activity", lead_id, names.get(lead_id, ""), at, kind, actor))
    return events
