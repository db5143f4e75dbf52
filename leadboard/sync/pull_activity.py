"""Activities of the leads a pull changed: what first touch needs of HubSpot's record, and the feed's.

Two caches synced from the same portal must agree on every lead's SLA state (issue 12), so first
touch rests on HubSpot's record, read by ONE rule on first and incremental pulls alike, applied to
the leads a pull found changed (an activity bumps its lead's `hs_lastmodifieddate`):

- a lead whose HubSpot record has a first outreach date (`hs_lead_first_outreach_date`: its first
  call, email sent or meeting) is settled by it: nothing is read for its first touch, and a note
  made before that outreach does not count (cache/lead_columns.py applies the same rule);
- a lead with no activity at all (no `hs_last_activity_date`, every activity counter 0) is not read;
- the others (activity, but no outreach yet: a note, a reply) are read: on the lead, its notes and
  the kinds its counters (`hs_lead_call_count`, `hs_lead_email_count`, `hs_lead_meeting_count`)
  say it has; on its contact, calls, notes, emails and meetings. The earliest call, note, meeting or
  sent email by the lead's owner is its first touch.

Incremental pulls also read, for the feed, the changed leads whose `hs_last_activity_date` falls in
the pull's window: on the lead only, notes and the kinds its counters name. What the feed reads can
add rows but never changes a first touch: the rule above ignores activities of settled leads.

Batched, never a request per lead: per 1,000 leads one association read per kind that any of them
needs, on the leads and on their contacts, then one batch read per 100 activities not cached yet.
A quiet pull (no changed lead) sends none of these. New activities by someone other than the rep
(a colleague's call, note or meeting) and a prospect's reply become feed events on incremental
pulls; the rep's own (its owner is the rep, or it carries leadboard's op marker) do not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from leadboard.activity import FeedEvent
from leadboard.cache.lead_columns import refresh_lead_columns
from leadboard.cache.store import Store
from leadboard.op_markers import markers_in, strip_marker
from leadboard.state import parse_hubspot_time
from leadboard.sync.hubspot import ASSOCIATION_BATCH_MAX, HubSpotGateway
from leadboard.sync.pull_feed import OwnerBook
from leadboard.sync.pull_related import as_wire, read_requests
from leadboard.sync.pull_timeline import (
    CALL_PROPERTIES,
    EMAIL_PROPERTIES,
    MEETING_PROPERTIES,
    NOTE_PROPERTIES,
)
from leadboard.sync.remote import RemoteObject

__all__ = ["TOUCH_KINDS", "pull_activities"]

#: (cache kind, HubSpot object type, properties, the lead's counter of that kind or None) of the
#: activities that can touch a lead.
TOUCH_KINDS = (
    ("call", "calls", CALL_PROPERTIES, "hs_lead_call_count"),
    ("note", "notes", NOTE_PROPERTIES, None),
    ("email", "emails", EMAIL_PROPERTIES, "hs_lead_email_count"),
    ("meeting", "meetings", MEETING_PROPERTIES, "hs_lead_meeting_count"),
)
_BODY = {
    "call": "hs_call_body",
    "note": "hs_note_body",
    "email": "hs_email_html",
    "meeting": "hs_meeting_body",
}
#: A prospect's reply: an email HubSpot logged as received.
_REPLY = "INCOMING_EMAIL"


@dataclass(frozen=True, slots=True)
class _Lead:
    id: str
    contact_id: str | None
    name: str
    settled: bool  # HubSpot's first outreach date says its first touch
    last_activity_ms: int | None
    counts: dict[str, int]

    @property
    def active(self) -> bool:
        return self.last_activity_ms is not None or any(self.counts.values())

    def has(self, counter: str | None) -> bool:
        """Whether the lead may hold activities of the kind `counter` counts (notes have none)."""
        return counter is None or self.counts.get(counter, 0) > 0


def pull_activities(
    store: Store,
    gateway: HubSpotGateway,
    lead_ids: Sequence[str],
    owner_id: str,
    since_ms: int | None,
    owners: OwnerBook,
) -> tuple[list[FeedEvent], int]:
    """Read and store what the rule above asks of these leads; return the feed events (none when
    `since_ms` is None: a first pull) and the requests sent."""
    leads = _leads(store, lead_ids)
    touch = [lead for lead in leads if not lead.settled and lead.active]
    feed = [] if since_ms is None else [lead for lead in leads if (lead.last_activity_ms or -1) >= since_ms]
    wanted = {lead.id: lead for lead in (*touch, *feed)}
    touch_ids = {lead.id for lead in touch}
    events: list[FeedEvent] = []
    requests = 0
    ordered = sorted(wanted.values(), key=lambda lead: (len(lead.id), lead.id))
    for start in range(0, len(ordered), ASSOCIATION_BATCH_MAX):
        batch = ordered[start : start + ASSOCIATION_BATCH_MAX]
        found, sent = _batch(store, gateway, batch, touch_ids, owner_id, since_ms, owners)
        events += found
        requests += sent
    return events, requests


def _leads(store: Store, lead_ids: Sequence[str]) -> list[_Lead]:
    counters = [c for _, _, _, c in TOUCH_KINDS if c is not None]
    rows = store.db.conn.execute(
        "SELECT id, contact_id, name, first_outreach_at, last_activity_at, props_json FROM leads "
        "WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(lead_ids))],
    ).fetchall()
    leads = []
    for lead_id, contact_id, name, outreach, last_activity, props_json in rows:
        props = json.loads(props_json or "{}")
        counts = {c: _count(props.get(c)) for c in counters}
        leads.append(
            _Lead(
                str(lead_id),
                None if contact_id is None else str(contact_id),
                str(name or ""),
                outreach is not None,
                last_activity,
                counts,
            )
        )
    return leads


def _count(value: object) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


def _batch(
    store: Store,
    gateway: HubSpotGateway,
    leads: list[_Lead],
    touch_ids: set[str],
    owner_id: str,
    since_ms: int | None,
    owners: OwnerBook,
) -> tuple[list[FeedEvent], int]:
    conn = store.db.conn
    names = {lead.id: lead.name for lead in leads}
    contact_of = {lead.id: lead.contact_id for lead in leads if lead.contact_id}
    contacts = sorted({lead.contact_id for lead in leads if lead.contact_id and lead.id in touch_ids})
    requests = 0
    events: list[FeedEvent] = []
    with store.transaction():
        for kind, object_type, properties, counter in TOUCH_KINDS:
            on_leads = [lead.id for lead in leads if lead.has(counter)]
            on_lead = gateway.batch_read_associations("leads", object_type, on_leads) if on_leads else {}
            on_contact = (
                gateway.batch_read_associations("contacts", object_type, contacts) if contacts else {}
            )
            requests += bool(on_leads) + bool(contacts)
            links: dict[str, tuple[str | None, str | None]] = {}  # activity id: (lead, contact)
            for lead_id in on_leads:
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
            [json.dumps(sorted(names)), json.dumps(contacts)],
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
    """A reply on the lead, whoever HubSpot made its owner; a colleague's call, note, email or meeting."""
    if since_ms is None:
        return []
    replies = [o for o in objects if kind == "email" and o.get("hs_email_direction") == _REPLY]
    reply_ids = {o.id for o in replies}
    theirs = [
        o
        for o in objects
        if o.id not in reply_ids
        and o.get("hubspot_owner_id") != owner_id
        and not markers_in(o.get(_BODY[kind]))
    ]
    who = owners.names(o.get("hubspot_owner_id") or "" for o in theirs)
    events = []
    for obj in (*replies, *theirs):
        lead_id = links[obj.id][0]
        if not lead_id:
            continue
        when = parse_hubspot_time(obj.get("hs_timestamp") or obj.created_at)
        at = int(when.timestamp() * 1000) if when else since_ms
        if at < since_ms:
            continue
        if obj.id in reply_ids:
            events.append(FeedEvent("activity", lead_id, names.get(lead_id, ""), at, "reply"))
        else:
            actor = who.get(obj.get("hubspot_owner_id") or "")
            events.append(FeedEvent("activity", lead_id, names.get(lead_id, ""), at, kind, actor))
    return events
