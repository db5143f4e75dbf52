"""HubSpot-side events for the demo's live mode: new leads, replies, emails, reassignments, notes.

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


def prospect_replies(portal: PortalCore, rng: random.Random) -> str | None:
    """A prospect replies to an email: HubSpot moves the lead to Connected."""
    candidates = _rep_open_leads(portal, ("new-stage-id", "attempting-stage-id"))
    if not candidates:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    with _acting_as(None):
        portal._write(
            lead, {"hs_pipeline_stage": "connected-stage-id"}, portal._now_ms(), source="AUTOMATION_PLATFORM"
        )
    return f"Lead {lead.id} ({lead.props.get('hs_lead_name', '')}) replied and moved to Connected"


def owner_sends_email(portal: PortalCore, rng: random.Random) -> str | None:
    """The rep's email goes out from HubSpot (a sequence): HubSpot moves the New lead to Attempting."""
    candidates = _rep_open_leads(portal, ("new-stage-id",))
    if not candidates:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    with _acting_as(None):
        portal._write(
            lead, {"hs_pipeline_stage": "attempting-stage-id"}, portal._now_ms(), source="AUTOMATION_PLATFORM"
        )
    return f"An email went to lead {lead.id} ({lead.props.get('hs_lead_name', '')}): moved to Attempting"


def colleague_note(portal: PortalCore, rng: random.Random) -> str | None:
    """A colleague leaves a note on one of the rep's open leads (and its contact)."""
    candidates = _rep_open_leads(portal, ("new-stage-id", "attempting-stage-id", "connected-stage-id"))
    colleagues = _colleagues(portal)
    if not candidates or not colleagues:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    owner = rng.choice(colleagues)
    now = portal._now_ms()
    with _acting_as(owner):
        note = portal._insert(
            "notes",
            {
                "hs_timestamp": iso(now),
                "hs_note_body": "<p>Met them at the partner event; they asked about pricing.</p>",
                "hubspot_owner_id": owner["id"],
            },
            now,
        )
        portal._link("notes", note.id, "leads", lead.id, 855, now)
        for contact_id in list(portal._live_targets("leads", lead.id, "contacts")):
            portal._link("notes", note.id, "contacts", contact_id, 202, now)
        portal._after_change(note, now)
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
    "reassign_to_colleague": (reassign_to_colleague, 1),
}
