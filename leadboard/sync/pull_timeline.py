"""One lead's timeline on demand: the calls, notes, tasks, emails and meetings on the lead and its contact.

HubSpot shows a lead its contact's activity too, and leadboard logs each call and note on both,
so both are read: v4 batch association reads (lead → each kind, contact → the same), then one batch
read per kind. Tasks matter for recycling (issue 5): the follow-up task a disqualify left on the
contact shows on the contact's later lead. `Store.replace_timeline` stores the bodies as clean text
(an email's HTML is stripped like a note's) without the `lb:<op id>` marker the push appends, and
drops activities HubSpot no longer links to the lead or its contact.
"""

from __future__ import annotations

from leadboard.cache.store import Store
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull_related import LEAD_TO_PRIMARY_CONTACT, as_wire, primary
from leadboard.sync.remote import RemoteObject

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
EMAIL_PROPERTIES = (
    "hs_timestamp",
    "hs_email_direction",
    "hs_email_subject",
    "hs_email_html",
    "hs_email_text",
    "hs_email_status",
    "hubspot_owner_id",
)
MEETING_PROPERTIES = (
    "hs_timestamp",
    "hs_meeting_title",
    "hs_meeting_body",
    "hs_meeting_start_time",
    "hs_meeting_outcome",
    "hubspot_owner_id",
)
TASK_PROPERTIES = ("hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hubspot_owner_id")
KINDS = (
    ("call", "calls", CALL_PROPERTIES),
    ("note", "notes", NOTE_PROPERTIES),
    ("task", "tasks", TASK_PROPERTIES),
    ("email", "emails", EMAIL_PROPERTIES),
    ("meeting", "meetings", MEETING_PROPERTIES),
)


def pull_timeline(store: Store, gateway: HubSpotGateway, lead_id: str) -> int:
    """Fetch and store the lead's calls, notes, tasks, emails and meetings (and its contact's); return
    how many are stored."""
    contact_id = store.lead_contact_id(lead_id)
    if not contact_id:
        links = gateway.batch_read_associations("leads", "contacts", [lead_id])
        contact_id = primary(links.get(lead_id, ()), LEAD_TO_PRIMARY_CONTACT)

    fetched: list[tuple[str, list[RemoteObject], set[str], set[str]]] = []
    for kind, object_type, properties in KINDS:
        on_lead = {a.to_id for a in gateway.batch_read_associations("leads", object_type, [lead_id])[lead_id]}
        on_contact: set[str] = set()
        if contact_id:
            found = gateway.batch_read_associations("contacts", object_type, [contact_id])
            on_contact = {a.to_id for a in found[contact_id]}
        ids = sorted(on_lead | on_contact, key=lambda i: (len(i), i))
        objects = list(gateway.batch_read(object_type, ids, properties).found.values()) if ids else []
        fetched.append((kind, objects, on_lead, on_contact))

    with store.transaction():  # every kind at once: the lead screen never shows half a refresh
        return sum(
            store.replace_timeline(
                kind, lead_id, contact_id, map(as_wire, objects), on_lead=on_lead, on_contact=on_contact
            )
            for kind, objects, on_lead, on_contact in fetched
        )
