"""Deterministic seed data: owners, contacts, companies, leads across every stage, calls and notes.

Everything comes from one `random.Random(settings.seed)` and the portal clock, so the same seed and
clock give the same portal. It writes through the portal's fast path (no validation, index at
once), because `rep_leads=10000` must seed in a few seconds.

Lead ages follow the stage, as in a portal someone works every day (`STAGE_AGES`): New leads are
mostly hours to a few days old (a share arrived in the last two hours, so the board shows live SLA
countdowns and fresh breaches; a few stale ones slipped through), Attempting leads are days to
weeks old, Connected ones older, closed ones spread over the 90 days the stats look back on.
Activity matches the stage: a New lead has none; every other lead was first called after it was
created, a Connected or Qualified one has a Connected call, and a few Disqualified ones were closed
straight from New.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadboard.sandbox.catalog import DEAL_PIPELINE_ID, DISPOSITIONS, LEAD_PIPELINE_ID
from leadboard.sandbox.properties import DISQUALIFICATION_REASONS, INDUSTRIES, LEAD_SOURCES
from leadboard.sandbox.property_create import custom_property
from leadboard.sandbox.records import iso

if TYPE_CHECKING:
    from leadboard.sandbox.core import PortalCore

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
PORTAL_LEADS = 2_500  # "a few thousand" leads in all, by default
MIN_OTHER_LEADS = 500

FIRST_NAMES = [
    "Ana",
    "Carla",
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Aoife",
    "Chloé",
    "Mateo",
    "Priya",
    "Jonas",
    "Emma",
    "Noah",
    "Olivia",
    "Liam",
    "Sofía",
    "Hannah",
    "Yusuf",
    "Mei",
    "Björn",
    "Inés",
    "Tomás",
    "Amélie",
    "Kenji",
    "Fatima",
    "Lars",
    "Nadia",
    "Omar",
    "Giulia",
    "Pedro",
    "Ingrid",
    "Dmitri",
    "Élodie",
    "Sean",
    "Marta",
    "Ravi",
    "Anja",
    "Mariana",
    "Felix",
    "Elif",
]
LAST_NAMES = [
    "Doe",
    "Müller",
    "García",
    "Núñez",
    "Kowalski",
    "Jørgensen",
    "O'Brien",
    "Dubois",
    "Rossi",
    "Patel",
    "Schmidt",
    "Smith",
    "Johnson",
    "Fernández",
    "Ivanova",
    "Yılmaz",
    "Nakamura",
    "Lindqvist",
    "Costa",
    "Silva",
    "Novák",
    "Brennan",
    "Moreau",
    "Kim",
    "Haddad",
    "van Dijk",
    "Schäfer",
    "Larsen",
    "Bianchi",
    "Álvarez",
    "Chen",
    "Wright",
]
JOB_TITLES = [
    "Head of Operations",
    "VP Sales",
    "Marketing Manager",
    "CTO",
    "Procurement Lead",
    "Founder & CEO",
    "IT Director",
    "Office Manager",
    "Finance Controller",
    "Customer Success Lead",
    "Logistics Coordinator",
    "Product Owner",
]
COUNTRIES = [
    ("Germany", "Berlin", "+49 30"),
    ("Spain", "Madrid", "+34 91"),
    ("France", "Lyon", "+33 4"),
    ("Ireland", "Dublin", "+353 1"),
    ("Poland", "Kraków", "+48 12"),
    ("Denmark", "Aarhus", "+45 86"),
    ("United Kingdom", "Manchester", "+44 161"),
    ("Netherlands", "Utrecht", "+31 30"),
    ("Italy", "Milano", "+39 02"),
    ("United States", "Austin", "+1 512"),
    ("Sweden", "Göteborg", "+46 31"),
    ("Portugal", "Porto", "+351 22"),
]
COMPANY_WORDS = [
    "Nordlicht",
    "Bluepeak",
    "Ferrocarril",
    "Atlas",
    "Brightwave",
    "Kestrel",
    "Lumen",
    "Orbis",
    "Quanta",
    "Riverstone",
    "Solvia",
    "Tessellate",
    "Umbra",
    "Vireo",
    "Westwind",
    "Zephyr",
    "Halcyon",
    "Ironbark",
]
COMPANY_SUFFIXES = ["GmbH", "Logistics", "Labs", "S.L.", "Analytics", "Systems", "& Co", "Health", "SAS"]
OWNER_NAMES = [
    ("Sam", "Okafor"),
    ("Lea", "Hoffmann"),
    ("Marco", "Bianchi"),
    ("Julia", "Nowak"),
    ("Ben", "Carter"),
    ("Aisha", "Rahman"),
    ("Tom", "Lindgren"),
    ("Eva", "Martín"),
]
TEAMS = [("178588", "Inbound SDRs"), ("178590", "EMEA Sales"), ("178593", "Outbound")]
NOTE_LINES = [
    "Left a voicemail, will try again on Thursday.",
    "Asked for pricing for 25 seats; sending the deck.",
    "Spoke briefly: busy this week, call back Monday morning.",
    "Interested in the integration with their ERP. Wants a demo with IT.",
    "Gatekeeper says the decision sits with the CFO.",
    'Replied to the follow-up email: "let\'s talk next week".',
]
DQ_NOTES = [
    "Chose a competitor last quarter; revisit at renewal.",
    "No budget until next fiscal year.",
    "Student project, not a buyer.",
    "Bounced email and the phone number is wrong.",
]
NOTE_HTML_OPEN = '<div style="" dir="auto" data-top-level="true"><p style="margin:0;">'
OPEN_STAGES = [("new-stage-id", 40), ("attempting-stage-id", 35), ("connected-stage-id", 25)]
#: How old a lead in each stage is: (share, youngest, oldest) bands, picked by share, then uniform.
STAGE_AGES: dict[str, list[tuple[float, int, int]]] = {
    "new-stage-id": [
        (0.30, MINUTE_MS, 2 * HOUR_MS),  # just arrived: due in N min, or breached minutes ago
        (0.60, 2 * HOUR_MS, 3 * DAY_MS),
        (0.10, 3 * DAY_MS, 30 * DAY_MS),  # stale: slipped through
    ],
    "attempting-stage-id": [(1.0, DAY_MS, 21 * DAY_MS)],
    "connected-stage-id": [(1.0, 3 * DAY_MS, 45 * DAY_MS)],
    "qualified-stage-id": [(1.0, DAY_MS, 90 * DAY_MS)],
    "unqualified-stage-id": [(1.0, 12 * HOUR_MS, 90 * DAY_MS)],
}
#: First touch after creation: log-uniform between these (median about 1.5 hours).
FIRST_TOUCH_MS = (3 * MINUTE_MS, 2 * DAY_MS)
#: Share of Disqualified leads closed straight from New, never called (bad data, not a buyer).
DISQUALIFIED_UNTOUCHED = 0.25


@dataclass
class PlannedLead:
    """A lead to create: who owns it, where it stands and when it was created."""

    owner_id: str
    stage: str
    created_ms: int
    returning_of: int | None = None  # index of an earlier lead whose contact comes back


@dataclass
class PlannedActivity:
    """A lead's calls (epoch ms, first = first touch), when it entered its stage, its last event."""

    calls: list[int]
    stage_ms: int
    last_ms: int


def _age_in(stage: str, rng: random.Random) -> int:
    """How long ago a lead now in `stage` was created (ms), drawn from its `STAGE_AGES` bands."""
    bands = STAGE_AGES[stage]
    _, youngest, oldest = rng.choices(bands, [share for share, _, _ in bands])[0]
    return rng.randrange(youngest, oldest)


def _within(rng: random.Random, room: int, cap: int | None = None) -> int:
    """A delay in [0, room) (and under `cap`): later steps never pass the portal's clock."""
    bound = room if cap is None else min(room, cap)
    return rng.randrange(max(1, bound))


def seed_portal(portal: PortalCore) -> None:
    """Fill an empty portal from its settings (deterministic for a given seed and clock)."""
    settings = portal.settings
    rng = random.Random(settings.seed)
    now_ms = int(settings.clock() * 1000)
    _seed_owners(portal, rng, now_ms)
    if settings.app_properties:
        _seed_app_properties(portal)
    Seeder(portal, rng, now_ms).run()


#: What leadboard creates (its sync/creates.py `op_id_property_definition`), with HubSpot's groups.
APP_PROPERTY_GROUPS = {
    "notes": "engagement",
    "calls": "engagement",
    "tasks": "engagement",
    "deals": "dealinformation",
}


def _seed_app_properties(portal: PortalCore) -> None:
    """leadboard's hidden op id property, as an earlier leadboard created it through the API."""
    for object_type, group in APP_PROPERTY_GROUPS.items():
        defs = portal._properties[object_type]
        definition = {
            "name": "leadboard_op_id",
            "label": "leadboard op id",
            "type": "string",
            "fieldType": "text",
            "groupName": group,
            "hidden": True,
            "formField": False,
        }
        defs["leadboard_op_id"] = custom_property(definition, defs)


def _seed_owners(portal: PortalCore, rng: random.Random, now_ms: int) -> None:
    count = max(2, portal.settings.owners)
    base_id, base_user = 41_629_779 + rng.randrange(1000), 9_586_504 + rng.randrange(1000)
    owners: list[dict[str, Any]] = []
    names = [("Demo", "Rep"), *rng.sample(OWNER_NAMES, k=min(len(OWNER_NAMES), count - 1))]
    while len(names) < count:
        names.append((rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
    for i, (first, last) in enumerate(names[:count]):
        email = (
            portal.settings.rep_email if i == 0 else f"{_ascii(first)}.{_ascii(last)}{i}@leadboard.example"
        )
        created = iso(now_ms - (400 + i * 17) * DAY_MS)
        team_id, team_name = TEAMS[i % len(TEAMS)]
        owners.append(
            {
                "id": str(base_id + i * 7919),
                "email": email,
                "type": "PERSON",
                "firstName": first,
                "lastName": last,
                "userId": base_user + i * 131,
                "userIdIncludingInactive": base_user + i * 131,
                "createdAt": created,
                "updatedAt": created,
                "archived": False,
                "teams": [{"id": team_id, "name": team_name, "primary": True}],
            }
        )
    portal._owners = owners
    portal._rep_owner_id = owners[0]["id"]


def _ascii(text: str) -> str:
    """A name as an email local part: accents dropped (José → jose, Łukasz → lukasz)."""
    special = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i", "đ": "d"})
    folded = unicodedata.normalize("NFKD", text.lower().translate(special))
    return "".join(c for c in folded if c.isascii() and c.isalnum())


class Seeder:
    """Builds the portal's records in creation order, so ids follow creation dates."""

    def __init__(self, portal: PortalCore, rng: random.Random, now_ms: int) -> None:
        self.portal, self.rng, self.now = portal, rng, now_ms
        self.companies: list[int] = []
        self.rep = portal._rep_owner_id
        self.others = [o["id"] for o in portal._owners[1:]]

    def run(self) -> None:
        for _ in range(max(8, self._lead_total() // 3)):
            self._company(self.now - self.rng.randrange(120 * DAY_MS, 400 * DAY_MS))
        plans = self._plan()
        contacts: dict[int, int] = {}
        for index, plan in enumerate(plans):
            if plan.returning_of is not None and plan.returning_of in contacts:
                contact_id = contacts[plan.returning_of]
            else:
                contact_id = self._contact(plan.created_ms - self.rng.randrange(1, 3_600_000))
            contacts[index] = contact_id
            self._lead(plan, contact_id)

    def _lead_total(self) -> int:
        settings = self.portal.settings
        rep_total = settings.rep_leads + settings.rep_leads * 2 // 5
        others = settings.other_leads
        if others is None:
            others = max(MIN_OTHER_LEADS, PORTAL_LEADS - rep_total)
        return rep_total + others

    def _plan(self) -> list[PlannedLead]:
        settings, rng = self.portal.settings, self.rng
        plans: list[PlannedLead] = []

        def planned(owner_id: str, stage: str) -> PlannedLead:
            return PlannedLead(owner_id, stage, self.now - _age_in(stage, rng))

        for _ in range(settings.rep_leads):
            stage = rng.choices([s for s, _ in OPEN_STAGES], [w for _, w in OPEN_STAGES])[0]
            plans.append(planned(self.rep, stage))
        for _ in range(settings.rep_leads * 2 // 5):
            stage = rng.choice(["qualified-stage-id", "unqualified-stage-id", "unqualified-stage-id"])
            plans.append(planned(self.rep, stage))
        others = settings.other_leads
        if others is None:
            others = max(MIN_OTHER_LEADS, PORTAL_LEADS - len(plans))
        stages = [s for s, _ in OPEN_STAGES] + ["qualified-stage-id", "unqualified-stage-id"]
        for _ in range(others):
            owner = rng.choice(self.others)
            plans.append(planned(owner, rng.choice(stages)))
        plans.sort(key=lambda p: p.created_ms)
        # Returning contacts: an early closed lead of the rep whose contact gets a new open lead later.
        closed = [
            i for i, p in enumerate(plans) if p.owner_id == self.rep and p.stage == "unqualified-stage-id"
        ]
        for i in closed[: max(1, len(closed) // 12)]:
            later = [
                j
                for j, p in enumerate(plans)
                if j > i
                and p.owner_id == self.rep
                and p.stage == "new-stage-id"
                and plans[j].returning_of is None
            ]
            if later:
                plans[later[-1]].returning_of = i
        return plans

    def _company(self, created_ms: int) -> int:
        rng = self.rng
        word, suffix = rng.choice(COMPANY_WORDS), rng.choice(COMPANY_SUFFIXES)
        country, city, prefix = rng.choice(COUNTRIES)
        domain = f"{_ascii(word)}{rng.randrange(10, 999)}.example"
        record = self.portal._insert(
            "companies",
            {
                "name": f"{word} {suffix}",
                "domain": domain,
                "website": f"https://www.{domain}",
                "industry": rng.choice(INDUSTRIES)[0],
                "phone": f"{prefix} {rng.randrange(100000, 9999999)}",
                "city": city,
                "country": country,
                "numberofemployees": str(rng.choice([8, 25, 60, 140, 450, 1200, 5000])),
            },
            created_ms,
            index_now=True,
        )
        self.companies.append(record.id)
        return record.id

    def _contact(self, created_ms: int) -> int:
        rng, portal = self.rng, self.portal
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company_id = rng.choice(self.companies)
        company = portal._records["companies"][company_id].props
        country, city, prefix = rng.choice(COUNTRIES)
        email = f"{_ascii(first)}.{_ascii(last)}{rng.randrange(1, 9999)}@{company['domain']}"
        record = portal._insert(
            "contacts",
            {
                "firstname": first,
                "lastname": last,
                "email": email,
                "phone": f"{prefix} {rng.randrange(1000000, 99999999)}",
                "jobtitle": rng.choice(JOB_TITLES),
                "company": company["name"],
                "city": city,
                "country": country,
                "lifecyclestage": "lead",
                "associatedcompanyid": str(company_id),
            },
            created_ms,
            index_now=True,
        )
        portal._link("contacts", record.id, "companies", company_id, 1, None)
        return record.id

    def _lead(self, plan: PlannedLead, contact_id: int) -> None:
        rng, portal = self.rng, self.portal
        contact = portal._records["contacts"][contact_id].props
        name = f"{contact['firstname']} {contact['lastname']}"
        if plan.returning_of is not None or rng.random() < 0.15:
            name += " – " + iso(plan.created_ms)[:7]
        props = {
            "hs_lead_name": name,
            "hs_pipeline": LEAD_PIPELINE_ID,
            "hs_pipeline_stage": plan.stage,
            "hubspot_owner_id": plan.owner_id,
            "hs_lead_label": rng.choice(["HOT", "WARM", "WARM", "COLD", ""]),
            "hs_lead_type": rng.choice(["NEW_BUSINESS", "NEW_BUSINESS", "UPSELL", "RE_ATTEMPTING", ""]),
            "lead_source": rng.choice([s for s, _ in LEAD_SOURCES]),
        }
        if plan.returning_of is not None:
            props["hs_lead_type"] = "RE_ATTEMPTING"
        if plan.stage == "qualified-stage-id" and not props["hs_lead_type"]:
            props["hs_lead_type"] = "NEW_BUSINESS"
        if plan.stage == "unqualified-stage-id":
            props["hs_lead_disqualification_reason"] = rng.choice(DISQUALIFICATION_REASONS)[0]
            props["hs_lead_disqualification_note"] = rng.choice(DQ_NOTES)
        # The rep's leads carry a full timeline; colleagues' leads mostly just a first call.
        full = plan.owner_id == self.rep or rng.random() < 0.2
        activity = self._activity(plan, full=full)
        props["hs_v2_date_entered_current_stage"] = iso(activity.stage_ms)
        lead = portal._insert("leads", props, plan.created_ms, index_now=None)
        portal._link("leads", lead.id, "contacts", contact_id, 578, None)
        company = portal._assoc.target_with("contacts", contact_id, "companies", 1)
        if company is not None:
            portal._link("leads", lead.id, "companies", company, 580, None)
        if activity.calls:
            self._timeline(lead.id, contact_id, plan, activity, with_note=full)
        if plan.stage == "qualified-stage-id":
            self._deal(lead.id, contact_id, plan, activity.stage_ms, name)
        portal._recompute_lead(lead)
        portal._stamp(lead, max(activity.last_ms, lead.updated_ms))
        portal._index.put_now(lead)

    def _activity(self, plan: PlannedLead, *, full: bool) -> PlannedActivity:
        """When the lead was called and entered its stage, in line with the stage (all <= now).

        The first call (the first touch) follows creation by minutes to a day or two; a lead
        enters Attempting with that call, Connected with its Connected call, and Qualified or
        Disqualified some days after its last call. Without `full`, one call stands for them all.
        """
        rng, created, now = self.rng, plan.created_ms, self.now
        stage = plan.stage
        untouched = stage == "new-stage-id" or (
            stage == "unqualified-stage-id" and rng.random() < DISQUALIFIED_UNTOUCHED
        )
        if untouched:
            entered = (
                created if stage == "new-stage-id" else created + _within(rng, now - created, 7 * DAY_MS)
            )
            return PlannedActivity([], entered, entered)
        low, high = (math.log(ms) for ms in FIRST_TOUCH_MS)
        first = created + min(int(math.exp(rng.uniform(low, high))), (now - created) // 2)
        count = rng.randint(1, 3) if full else 1
        if stage == "attempting-stage-id":
            last = first + _within(rng, now - first)  # still trying, up to today
        else:
            last = first + _within(rng, now - first, 14 * DAY_MS)
        last = last if count > 1 else first
        calls = [first + (last - first) * n // max(1, count - 1) for n in range(count)]
        if stage == "attempting-stage-id":
            entered = first
        elif stage == "connected-stage-id":
            entered = last
        else:
            entered = last + _within(rng, now - last, 7 * DAY_MS)
        return PlannedActivity(calls, entered, max(entered, last))

    def _timeline(
        self, lead_id: int, contact_id: int, plan: PlannedLead, activity: PlannedActivity, *, with_note: bool
    ) -> None:
        rng, portal = self.rng, self.portal
        for n, at in enumerate(activity.calls):
            last = n == len(activity.calls) - 1
            connected = last and plan.stage in ("connected-stage-id", "qualified-stage-id")
            disposition = (
                DISPOSITIONS[1][0]
                if connected
                else rng.choice([DISPOSITIONS[0][0], DISPOSITIONS[3][0], DISPOSITIONS[4][0]])
            )
            body = rng.choice(NOTE_LINES)
            call = portal._insert(
                "calls",
                {
                    "hs_timestamp": iso(at),
                    "hs_call_title": "Call with "
                    + portal._records["contacts"][contact_id].props["firstname"],
                    "hs_call_body": f"<p>{_escape(body)}</p>",
                    "hs_body_preview": body,
                    "hs_call_direction": "OUTBOUND",
                    "hs_call_disposition": disposition,
                    "hs_call_duration": str(
                        rng.randrange(20_000, 900_000) if connected else rng.randrange(0, 40_000)
                    ),
                    "hs_call_status": "COMPLETED",
                    "hubspot_owner_id": plan.owner_id,
                },
                at,
                index_now=True,
            )
            portal._link("calls", call.id, "contacts", contact_id, 194, None)
            portal._link("calls", call.id, "leads", lead_id, 597, None)
        if not with_note:
            return
        until_ms = activity.last_ms
        text = rng.choice(DQ_NOTES if plan.stage == "unqualified-stage-id" else NOTE_LINES)
        note = portal._insert(
            "notes",
            {
                "hs_timestamp": iso(until_ms),
                "hs_note_body": f"{NOTE_HTML_OPEN}{_escape(text)}</p></div>",
                "hs_body_preview": text,
                "hubspot_owner_id": plan.owner_id,
            },
            until_ms,
            index_now=True,
        )
        portal._link("notes", note.id, "contacts", contact_id, 202, None)
        portal._link("notes", note.id, "leads", lead_id, 855, None)

    def _deal(self, lead_id: int, contact_id: int, plan: PlannedLead, at_ms: int, name: str) -> None:
        rng, portal = self.rng, self.portal
        deal = portal._insert(
            "deals",
            {
                "dealname": f"{name} – new business",
                "amount": str(rng.choice([2400, 4800, 9600, 18000, 36000])),
                "closedate": iso(at_ms + 30 * DAY_MS),
                "pipeline": DEAL_PIPELINE_ID,
                "dealstage": "appointmentscheduled",
                "dealtype": "newbusiness",
                "hubspot_owner_id": plan.owner_id,
            },
            at_ms,
            index_now=True,
        )
        portal._link("leads", lead_id, "deals", deal.id, 582, None)
        portal._link("deals", deal.id, "contacts", contact_id, 3, None)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
