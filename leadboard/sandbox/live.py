"""HubSpot-side events for the demo's live mode: new leads, replies, reassignments.

Each event goes through the portal's normal write paths, so it bumps `hs_lastmodifieddate`, keeps
history and waits out the search lag exactly like a change made by a colleague in HubSpot.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from leadboard.sandbox.records import iso
from leadboard.sandbox.seed import COUNTRIES, FIRST_NAMES, JOB_TITLES, LAST_NAMES, _ascii

if TYPE_CHECKING:
    from leadboard.sandbox.core import PortalCore


def live_tick(portal: PortalCore, rng: random.Random) -> str | None:
    """Make one event happen; a one-line description of it, or None if nothing could happen."""
    events = [new_lead, prospect_replies, reassign_to_colleague]
    weights = [4, 3, 1]
    for _ in range(3):
        event = rng.choices(events, weights)[0]
        described = event(portal, rng)
        if described is not None:
            return described
    return None


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
    portal._write(
        lead, {"hs_pipeline_stage": "connected-stage-id"}, portal._now_ms(), source="AUTOMATION_PLATFORM"
    )
    return f"Lead {lead.id} ({lead.props.get('hs_lead_name', '')}) replied and moved to Connected"


def reassign_to_colleague(portal: PortalCore, rng: random.Random) -> str | None:
    """A manager hands one of the rep's open leads to a colleague."""
    candidates = _rep_open_leads(portal, ("new-stage-id", "attempting-stage-id", "connected-stage-id"))
    colleagues = [o for o in portal._owners if o["id"] != portal._rep_owner_id and not o["archived"]]
    if not candidates or not colleagues:
        return None
    lead = portal._records["leads"][rng.choice(sorted(candidates))]
    owner = rng.choice(colleagues)
    portal._write(lead, {"hubspot_owner_id": owner["id"]}, portal._now_ms(), source="CRM_UI")
    who = f"{owner['firstName']} {owner['lastName']}"
    return f"Lead {lead.id} ({lead.props.get('hs_lead_name', '')}) was reassigned to {who}"
