"""One lead's timeline on demand: the calls and notes on the lead and on its contact.

HubSpot shows a lead its contact's activity too, and leadboard logs each call and note on both,
so both are read: v4 batch association reads (lead → calls/notes, contact → calls/notes), then one
batch read per kind. Bodies arrive as HubSpot HTML and are stored as clean text, without the
`lb:<op id>` marker the push appends (the raw properties keep it, so an op can be matched to
what it created). Activities HubSpot no longer links to the lead or its contact are dropped.
"""

from __future__ import annotations

import json

from leadboard.store import Store
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull_related import LEAD_TO_PRIMARY_CONTACT, as_wire, primary
from leadboard.sync.remote import RemoteObject, markers_in, strip_marker
from leadboard.text import html_to_text

CALL_PROPERTIES = (
    "hs_timestamp",
    "hs_call_title",
    "hs_call_body",
    "hs_call_direction",
    "hs_call_disposition",
    "hs_call_duration",
    "hs_call_status",
    "hubspot_owner_id",
)
NOTE_PROPERTIES = ("hs_timestamp", "hs_note_body", "hubspot_owner_id")
KINDS = (
    ("call", "calls", CALL_PROPERTIES, "hs_call_body"),
    ("note", "notes", NOTE_PROPERTIES, "hs_note_body"),
)


def pull_timeline(store: Store, gateway: HubSpotGateway, lead_id: str) -> int:
    """Fetch and store the lead's calls and notes (and its contact's); return how many are stored."""
    row = store.db.conn.execute("SELECT contact_id FROM leads WHERE id = ?", [lead_id]).fetchone()
    contact_id: str | None = row[0] if row else None
    if not contact_id:
        links = gateway.batch_read_associations("leads", "contacts", [lead_id])
        contact_id = primary(links.get(lead_id, ()), LEAD_TO_PRIMARY_CONTACT)

    fetched: list[tuple[str, list[RemoteObject], set[str], set[str], str]] = []
    for kind, object_type, properties, body in KINDS:
        on_lead = {a.to_id for a in gateway.batch_read_associations("leads", object_type, [lead_id])[lead_id]}
        on_contact: set[str] = set()
        if contact_id:
            found = gateway.batch_read_associations("contacts", object_type, [contact_id])
            on_contact = {a.to_id for a in found[contact_id]}
        ids = sorted(on_lead | on_contact, key=lambda i: (len(i), i))
        objects = list(gateway.batch_read(object_type, ids, properties).found.values()) if ids else []
        fetched.append((kind, objects, on_lead, on_contact, body))

    stored = 0
    with store.transaction() as conn:
        for kind, objects, on_lead, on_contact, body in fetched:
            for lead_link, contact_link in ((True, True), (True, False), (False, True)):
                group = [
                    as_wire(o)
                    for o in objects
                    if (o.id in on_lead) == lead_link and (o.id in on_contact) == contact_link
                ]
                if group:
                    stored += store.upsert_activities(
                        kind, group, lead_id if lead_link else None, contact_id if contact_link else None
                    )
            conn.executemany(
                "UPDATE activities SET body_text = ? WHERE id = ?",
                [(_body_text(o.get(body)), o.id) for o in objects if markers_in(o.get(body))],
            )
            conn.execute(
                "DELETE FROM activities WHERE kind = ? "
                "AND (lead_id = ? OR (? IS NOT NULL AND contact_id = ?)) "
                "AND id NOT IN (SELECT value FROM json_each(?))",
                [kind, lead_id, contact_id, contact_id, json.dumps([o.id for o in objects])],
            )
    return stored


def _body_text(body: str | None) -> str:
    """HubSpot's HTML body as clean text, without a trailing sync marker (in HTML or in text form)."""
    return strip_marker(html_to_text(strip_marker(body or "")))
