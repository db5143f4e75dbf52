"""HubSpot-side events for the demo's live mode: new leads, replies, emails, meetings, reassignments, notes.

Each event goes through the portal's normal write paths, so it bumps `hs_lastmodifieddate`, keeps
history and waits out the search lag exactly like a change made by a colleague in HubSpot; a
colleague's change is stamped with their user id (`hs_updated_by_user_id`), HubSpot's automation
with none. What happens is chosen only by the `random.Random` passed in, never by the wall clock,
so tests drive it step by step (`live_event` by name, or `live_tick` with a seeded generator).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from leadboard.sandbox.acting import acting_user_id
from leadboard.sandbox.records import iso
from leadboard.sandbox.seed import COUNTRIES, FIRST_NAMES, JOB_TITLES, LAST_NAMES, _ascii

if TYPE_CHECKING:
    from leadboard.sandbox.core import PortalCore
    from leadboard.sandbox.records import Record

_SUBJECTS = ("Quick question about your team's pipeline", "Following up on your demo request", "Pricing")
_REPLIES = (
    "Thanks for reaching out, can we talk on Thursday?",
    "Yes, interested. Send over the pricing please.",
    "Happy to chat next week.",
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def live_tick(portal: PortalCore, rng: random.Random) -> str | None:
    """Make one event happen; a one-line description of it, or None if nothing could happen."""
    events = list(LIVE_EVENTS.values())
    weights = [weight for _, weight in events]
    for _ in range(3):
        event = rng.choices([e for e, _ in events], weights)[0]
        described = event(portal, rng)
        if described is not None:
            return described
    return None


def live_event(portal: PortalCore, name: str, rng: random.Random) -> str | None:
    """Make the named event happen (a key of `LIVE_EVENTS`); its description, or None."""
    if name not in LIVE_EVENTS:
        raise ValueError(f"unknown live event {name!r}: one of {', '.join(LIVE_EVENTS)}")
    return LIVE_EVENTS[name][0](portal, rng)


@contextmanager
def _acting_as(owner: dict[str, Any] | None) -> Any:
    """Writes inside are stamped as this owner's HubSpot user (None: HubSpot's automation)."""
    token = acting_user_id.set(int(owner["userId"]) if owner and owner.get("userId") else None)
    try:
        yield
    finally:
        acting_user_id.reset(token)


def _colleagues(portal: PortalCore) -> list[dict[str, Any]]:
    return [o for o in portal._owners if o["id"] != portal._rep_owner_id and not o["archived"]]


def _rep_open_leads(portal: PortalCore, stages: tuple[str, ...]) -> list[int]:
    rep = portal._rep_owner_id
    return [
        r.id
        for r in portal._records["leads"].values()
        if not r.archived
        and r.props.get("hubspot_owner_id") == rep
        and r.props.get("hs_pipeline_stage") in stages
    ]


def new_lead(portal: PortalCore, rng: random.Random) -> str | None:
    """A new contact arrives and gets a lead in New, owned by the demo rep."""
    now = portal._now_ms()
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    country, city, prefix = rng.choice(COUNTRIES)
    contact = portal._insert(
        "contacts",
        {
            "firstname": first,
            "lastname": last,
            "email": f"{_ascii(first)}.{_ascii(last)}{rng.randrange(10_000, 99_999)}@inbound.example",
            "phone": f"{prefix} {rng.randrange(1_000_000, 99_999_999)}",
            "jobtitle": rng.choice(JOB_TITLES),
            "city": city,
            "country": country,
            "lifecyclestage": "lead",
        },
        now,
    )
    lead = portal._insert(
        "leads",
        {
            "hs_lead_name": f"{first} {last}",
            "hs_pipeline": "lead-pipeline-id",
            "hs_pipeline_stage": "new-stage-id",
            "hubspot_owner_id": portal._rep_owner_id,
            "hs_lead_label": rng.choice(["HOT", "WARM", "COLD"]),
            "lead_source": rng.choice(["DEMO_REQUEST", "PRICING_PAGE", "CONTENT", "EVENT"]),
            "hs_v2_date_entered_current_stage": iso(now),
        },
        now,
    )
    portal._link("leads", lead.id, "contacts", contact.id, 578, now)
    return f"New lead {lead.id} for {first} {last} arrived in New"


def _log_activity(
    portal: PortalCore, object_type: str, props: dict[str, str], lead: Record, now: int
) -> Record:
    """Create an email or meeting on the lead and its contacts, as HubSpot logs one (both links)."""
    to_lead, to_contact = _ACTIVITY_LINKS[object_type]
    record = portal._insert(object_type, {"hs_timestamp": iso(now), **props}, now)
    portal._link(object_type, record.id, "leads", lead.id, to_lead, now)
    for contact_id in list(portal._live_targets("leads", lead.id, "contacts")):
        portal._link(object_type, record.id, "contacts", contact_id, to_contact, now)
    portal._after_change(record, now)
    return record


#: (→ lead, → contact) association type ids of the activities live events log (catalog.py).
_ACTIVITY_LINKS = {"emails": (599, 198), "meetings": (601, 200), "notes": (855, 202)}


def prospect_replies(portal: PortalCore, rng: random.Random) -> str | None:
    """A prospect replies to an email: HubSpot logs the reply (INCOMING_EMAIL) on the lead and its
    contact, and moves the lead to Connected."""
    candidates = _rep_open_leads(portal, ("new-stage-id", "attempting-stage-id"))
    if not candidates:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    name = lead.props.get("hs_lead_name", "")
    now = portal._now_ms()
    with _acting_as(None):
        _log_activity(
            portal,
            "emails",
            {
                "hs_email_direction": "INCOMING_EMAIL",
                "hs_email_status": "SENT",
                "hs_email_subject": "Re: " + rng.choice(_SUBJECTS),
                "hs_email_html": f"<div><p>{rng.choice(_REPLIES)}</p><p>{_escape(name)}</p></div>",
                "hs_email_text": rng.choice(_REPLIES),
                "hubspot_owner_id": lead.props.get("hubspot_owner_id", ""),
            },
            lead,
            now,
        )
        portal._write(lead, {"hs_pipeline_stage": "connected-stage-id"}, now, source="AUTOMATION_PLATFORM")
    return f"Lead {lead.id} ({name}) replied and moved to Connected"


def owner_sends_email(portal: PortalCore, rng: random.Random) -> str | None:
    """The rep's email goes out from HubSpot (a sequence): HubSpot logs it (EMAIL, by the lead's owner)
    on the lead and its contact, which sets the lead's first outreach, and moves the New lead to
    Attempting."""
    candidates = _rep_open_leads(portal, ("new-stage-id",))
    if not candidates:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    now = portal._now_ms()
    subject = rng.choice(_SUBJECTS)
    with _acting_as(None):
        _log_activity(
            portal,
            "emails",
            {
                "hs_email_direction": "EMAIL",
                "hs_email_status": "SENT",
                "hs_email_subject": subject,
                "hs_email_html": f"<p>Hi {_escape(lead.props.get('hs_lead_name', ''))},</p><p>{subject}?</p>",
                "hubspot_owner_id": portal._rep_owner_id,
            },
            lead,
            now,
        )
        portal._write(lead, {"hs_pipeline_stage": "attempting-stage-id"}, now, source="AUTOMATION_PLATFORM")
    return f"An email went to lead {lead.id} ({lead.props.get('hs_lead_name', '')}): moved to Attempting"


def _colleague_and_open_lead(portal: PortalCore, rng: random.Random) -> tuple[dict[str, Any], Any] | None:
    """A colleague and one of the rep's open leads, both picked by `rng`; None when either is lacking."""
    candidates = _rep_open_leads(portal, ("new-stage-id", "attempting-stage-id", "connected-stage-id"))
    colleagues = _colleagues(portal)
    if not candidates or not colleagues:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    return rng.choice(colleagues), lead


def colleague_meeting(portal: PortalCore, rng: random.Random) -> str | None:
    """A colleague books a meeting with the contact of one of the rep's open leads."""
    picked = _colleague_and_open_lead(portal, rng)
    if picked is None:
        return None
    owner, lead = picked
    now = portal._now_ms()
    with _acting_as(owner):
        _log_activity(
            portal,
            "meetings",
            {
                "hs_meeting_title": "Intro call with " + lead.props.get("hs_lead_name", ""),
                "hs_meeting_body": "<p>Booked from the partner event.</p>",
                "hs_meeting_start_time": iso(now),
                "hs_meeting_end_time": iso(now + 30 * 60 * 1000),
                "hs_meeting_outcome": "SCHEDULED",
                "hubspot_owner_id": owner["id"],
            },
            lead,
            now,
        )
    who = f"{owner['firstName']} {owner['lastName']}"
    return f"{who} booked a meeting on lead {lead.id} ({lead.props.get('hs_lead_name', '')})"


def colleague_note(portal: PortalCore, rng: random.Random) -> str | None:
    """A colleague leaves a note on one of the rep's open leads (and its contact)."""
    picked = _colleague_and_open_lead(portal, rng)
    if picked is None:
        return None
    owner, lead = picked
    now = portal._now_ms()
    with _acting_as(owner):
        _log_activity(
            portal,
            "notes",
            {
                "hs_note_body": "<p>Met them at the partner event; they asked about pricing.</p>",
                "hubspot_owner_id": owner["id"],
            },
            lead,
            now,
        )
    who = f"{owner['firstName']} {owner['lastName']}"
    return f"{who} left a note on lead {lead.id} ({lead.props.get('hs_lead_name', '')})"


def reassign_to_colleague(portal: PortalCore, rng: random.Random) -> str | None:
    """A manager hands one of the rep's open leads to a colleague."""
    candidates = _rep_open_leads(portal, ("new-stage-id", "attempting-stage-id", "connected-stage-id"))
    colleagues = _colleagues(portal)
    if not candidates or not colleagues:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    owner = rng.choice(colleagues)
    with _acting_as(owner):  # the manager: here, the colleague who takes it
        portal._write(lead, {"hubspot_owner_id": owner["id"]}, portal._now_ms(), source="CRM_UI")
    who = f"{owner['firstName']} {owner['lastName']}"
    return f"Lead {lead.id} ({lead.props.get('hs_lead_name', '')}) was reassigned to {who}"


#: Every live event by name, with how often `live_tick` picks it.
LIVE_EVENTS: dict[str, tuple[Callable[[PortalCore, random.Random], str | None], int]] = {
    "new_lead": (new_lead, 4),
    "prospect_replies": (prospect_replies, 3),
    "owner_sends_email": (owner_sends_email, 2),
    "colleague_note": (colleague_note, 2),
    "colleague_meeting": (colleague_meeting, 1),
    "reassign_to_colleague": (reassign_to_colleague, 1),
}
