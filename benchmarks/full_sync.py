"""A rep's first `leadboard sync` of a big portal, with HubSpot's rate limits on, then an idle day.

The sandbox enforces HubSpot's limits (190 requests per 10 s, search 5/s) and answers 429 past
them. The first sync is the real command, `leadboard sync` in its own process (membership check
included), against the sandbox. Printed:

- requests made (from the sandbox's request log) against the minimum HubSpot's page and batch
  sizes allow: metadata calls + ceil(leads/200) search pages + association batches of 1,000
  (lead → contacts, lead → companies, and contact → companies where a lead has no company and its
  contact no `associatedcompanyid`) + object batches of 100 for the distinct contacts and companies
  + the activities of the leads whose first touch HubSpot's record does not settle (activity but no
  first outreach date) and of their contacts (association batches, object batches of 100);
  the ratio (target: within 10%),
- wall time against the rate-limit floor (requests ÷ 19/s and search pages ÷ 5/s, HubSpot's; and
  the same for leadboard's own, stricter budget),
- 429s the sandbox served (target 0: the limiter should keep every request under the limits),
- the requests of a background sync with nothing changed (target 1),
- an idle board's requests per 10-hour working day (target ≤ 300 at 150 leads, ≤ 400 at 10,000),
  from the real engine with time compressed: `--cycles` background syncs are run back to back and
  their requests counted, then the time-driven work is run once each by making it due (the
  metadata refresh, every 6 h; the membership safety net, every 24 h); the day is
  cycles-per-day × requests per quiet cycle + refreshes due in 10 h × their cost, with cycles per
  day = 10 h ÷ the interval the engine's pacing settled on.

Run: `python benchmarks/full_sync.py [--leads 10000] [--seed 7] [--cycles 20]`. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from leadboard.cache.store import Store
from leadboard.config import Settings
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sync.engine import METADATA_MAX_AGE_MS, SyncEngine
from leadboard.sync.hubspot import ASSOCIATION_BATCH_MAX, BATCH_READ_MAX, SEARCH_PAGE_MAX
from leadboard.sync.pull_cycle import KEY_LAST_RECONCILE, RECONCILE_EVERY_MS
from leadboard.sync.pull_meta import METADATA_REQUESTS
from leadboard.sync.ratelimit import GENERAL_LIMIT, GENERAL_WINDOW, SEARCH_LIMIT, SEARCH_WINDOW

SEARCH_PATH = "/crm/objects/2026-09/leads/search"
HUBSPOT_PER_SECOND = 19.0  # 190 per 10 s
HUBSPOT_SEARCH_PER_SECOND = 5.0
DAY_SECONDS = 10 * 3600  # a working day
KEY_META_SAVED = "meta_saved_at"


def open_leads_for(total: int) -> int:
    """The sandbox's `rep_leads` (open ones; it adds 2/5 as many closed) giving `total` owned leads."""
    guess = round(total * 5 / 7)
    return min(range(max(1, guess - 3), guess + 4), key=lambda r: abs(r + r * 2 // 5 - total))


def minimum_requests(sandbox: SandboxHandle) -> tuple[int, dict[str, int]]:
    """The fewest requests a first sync can make, from the portal's ground truth."""
    portal = sandbox.portal
    owner = portal.rep_owner_id
    mine = [lead for lead in portal.objects("leads") if lead["properties"].get("hubspot_owner_id") == owner]
    leads = [lead["id"] for lead in mine]
    # first touch from HubSpot's record (pull_activity.py): only a lead with activity and no first
    # outreach date is read; on the lead the kinds its counters name (notes always), on its contact all
    unsettled = {
        lead["id"]: lead["properties"]
        for lead in mine
        if lead["properties"].get("hs_last_activity_date")
        and not lead["properties"].get("hs_lead_first_outreach_date")
    }
    counters = {
        "calls": "hs_lead_call_count",
        "emails": "hs_lead_email_count",
        "meetings": "hs_lead_meeting_count",
    }
    contacts: set[str] = set()
    companies: set[str] = set()
    activities: dict[str, set[str]] = {"calls": set(), "notes": set(), "emails": set(), "meetings": set()}
    on_leads: dict[str, int] = dict.fromkeys(activities, 0)
    unsettled_contacts = 0
    via_contact = 0
    for lead_id in leads:
        props = unsettled.get(lead_id)
        for kind, found in activities.items():
            if props is None or (kind in counters and not int(props.get(counters[kind]) or 0)):
                continue
            on_leads[kind] += 1
            found.update(
                str(r["toObjectId"]) for r in portal.association_page("leads", lead_id, kind)["results"]
            )
        lead_contacts = [
            str(r["toObjectId"]) for r in portal.association_page("leads", lead_id, "contacts")["results"]
        ]
        lead_companies = [
            str(r["toObjectId"]) for r in portal.association_page("leads", lead_id, "companies")["results"]
        ]
        contacts.update(lead_contacts[:1])
        for contact_id in lead_contacts[:1] if props is not None else []:
            unsettled_contacts += 1
            for kind, found in activities.items():
                page = portal.association_page("contacts", contact_id, kind)["results"]
                found.update(str(r["toObjectId"]) for r in page)
        if lead_companies:
            companies.add(lead_companies[0])
        elif lead_contacts:
            contact = portal.get_object("contacts", lead_contacts[0], properties=["associatedcompanyid"])
            company = contact["properties"].get("associatedcompanyid")
            if company:
                companies.add(str(company))
            else:
                via_contact += 1
    parts = {
        "metadata": METADATA_REQUESTS,
        "search pages": math.ceil(len(leads) / SEARCH_PAGE_MAX),
        "association batches": 2 * math.ceil(len(leads) / ASSOCIATION_BATCH_MAX)
        + math.ceil(via_contact / ASSOCIATION_BATCH_MAX),
        "contact batches": math.ceil(len(contacts) / BATCH_READ_MAX),
        "company batches": math.ceil(len(companies) / BATCH_READ_MAX),
        # per kind, the unsettled leads' and their contacts' association batches, object batches
        "activity batches": sum(
            math.ceil(on_leads[kind] / ASSOCIATION_BATCH_MAX)
            + math.ceil(unsettled_contacts / ASSOCIATION_BATCH_MAX)
            + math.ceil(len(found) / BATCH_READ_MAX)
            for kind, found in activities.items()
        ),
        "leads": len(leads),
        "contacts": len(contacts),
        "companies": len(companies),
    }
    total = sum(v for k, v in parts.items() if k not in ("leads", "contacts", "companies"))
    return total, parts


def run_sync_command(sandbox: SandboxHandle, db: Path) -> subprocess.CompletedProcess[str]:
    """`leadboard sync` in its own process, as a rep runs it."""
    env = {
        **os.environ,
        "HUBSPOT_ACCESS_TOKEN": sandbox.token,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "LEADBOARD_CONFIG": str(db.with_suffix(".toml")),
    }
    command = [sys.executable, "-c", "from leadboard.cli.main import main; main()"]
    args = ["--portal", sandbox.base_url, "--email", sandbox.rep_email, "--db", str(db), "sync"]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, check=False)


def first_sync(sandbox: SandboxHandle, db: Path, minimum: int, parts: dict[str, int]) -> None:
    sandbox.clear_request_log()
    began = time.perf_counter()
    result = run_sync_command(sandbox, db)
    wall = time.perf_counter() - began
    if result.returncode != 0:
        print(f"`leadboard sync` exited {result.returncode}: {result.stdout}{result.stderr}")
    log = sandbox.request_log()
    statuses = Counter(r.status for r in log)
    searches = sum(1 for r in log if r.path == SEARCH_PATH)
    made = len(log)
    with Store.open(db) as store:
        cached = store.db.conn.execute("SELECT count(*) FROM leads").fetchone()[0]
    print(
        f"\nfirst `leadboard sync`: {parts['leads']:,} leads, {parts['contacts']:,} contacts, "
        f"{parts['companies']:,} companies"
    )
    print(f"  cached               {cached:6,d} leads")
    print(f"  requests made        {made:6d}  (membership check included; the command's own process)")
    print(
        f"  minimum possible     {minimum:6d}  = "
        + " + ".join(
            f"{parts[k]} {k}"
            for k in (
                "metadata",
                "search pages",
                "association batches",
                "contact batches",
                "company batches",
                "activity batches",
            )
        )
    )
    print(f"  ratio                {made / minimum:6.3f}  (goal <= 1.02)")
    print(
        "  by path: "
        + ", ".join(
            f"{path.removeprefix('/crm/')} {n}" for path, n in Counter(r.path for r in log).most_common()
        )
    )
    floor_hubspot = max(made / HUBSPOT_PER_SECOND, searches / HUBSPOT_SEARCH_PER_SECOND)
    floor_ours = max(made / (GENERAL_LIMIT / GENERAL_WINDOW), searches / (SEARCH_LIMIT / SEARCH_WINDOW))
    print(f"  wall time            {wall:6.1f} s  (the process's start-up included)")
    print(
        f"  rate-limit floor     {floor_hubspot:6.1f} s  HubSpot's: {made} ÷ 19/s = "
        f"{made / HUBSPOT_PER_SECOND:.1f} s, {searches} search pages ÷ 5/s = "
        f"{searches / HUBSPOT_SEARCH_PER_SECOND:.1f} s"
    )
    print(
        f"                       {floor_ours:6.1f} s  leadboard's limiter ({GENERAL_LIMIT}/"
        f"{GENERAL_WINDOW:.0f} s, search {SEARCH_LIMIT}/s; the first {GENERAL_LIMIT} go at once)"
    )
    print(f"  429s served          {statuses.get(429, 0):6d}  (target 0)")


def idle_day(sandbox: SandboxHandle, db: Path, cycles: int, leads: int) -> None:
    """Background syncs of the real engine with nothing changing, time compressed (see the docstring)."""
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=db)
    engine = SyncEngine(settings, sandbox.token)
    try:
        sandbox.clear_request_log()
        for _ in range(cycles):
            engine.sync(background=True)
        quiet_log = sandbox.request_log()
        per_cycle = len(quiet_log) / cycles
        interval = engine.pacer.interval

        store = engine.store()
        sandbox.clear_request_log()
        store.set_state(KEY_META_SAVED, "0")
        engine.sync(background=True)
        metadata_cost = len(sandbox.request_log()) - per_cycle
        sandbox.clear_request_log()
        store.set_state(KEY_LAST_RECONCILE, "0")
        engine.sync(background=True)
        reconcile_cost = len(sandbox.request_log()) - per_cycle
    finally:
        engine.close()

    day_cycles = DAY_SECONDS / interval
    metadata_runs = math.ceil(DAY_SECONDS / (METADATA_MAX_AGE_MS / 1000))
    reconcile_runs = math.ceil(DAY_SECONDS / (RECONCILE_EVERY_MS / 1000))
    day = day_cycles * per_cycle + metadata_runs * metadata_cost + reconcile_runs * reconcile_cost
    goal = 300 if leads <= 150 else 400
    print("\nbackground sync, nothing changed (the real engine, one board):")
    print(
        f"  requests per sync    {per_cycle:6.2f}  over {cycles} syncs (target 1; "
        f"{sum(1 for r in quiet_log if r.status == 429)} 429s, retried): "
        + ", ".join(sorted({f"{r.method} {r.path}" for r in quiet_log}))
    )
    print(
        f"idle board, 10-hour day at {leads:,} leads: {day:,.0f} requests (goal <= {goal})\n"
        f"  = {day_cycles:.0f} syncs (10 h ÷ {interval:.0f} s, the engine's settled interval)"
        f" × {per_cycle:.2f}"
        f" + {metadata_runs} metadata refreshes × {metadata_cost:.0f}"
        f" + {reconcile_runs} membership safety net × {reconcile_cost:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000, help="leads the rep owns (open + closed)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cycles", type=int, default=20, help="quiet background syncs to count")
    args = parser.parse_args()

    started = time.perf_counter()
    settings = PortalSettings(seed=args.seed, rep_leads=open_leads_for(args.leads), search_lag=0.0)
    with running_sandbox(settings, rate_limits=True) as sandbox, tempfile.TemporaryDirectory() as tmp:
        print(
            f"portal seeded and serving in {time.perf_counter() - started:.1f} s; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        minimum, parts = minimum_requests(sandbox)
        db = Path(tmp) / "cache.db"
        first_sync(sandbox, db, minimum, parts)
        idle_day(sandbox, db, args.cycles, parts["leads"])


if __name__ == "__main__":
    main()
