"""How many search pages of 200 the sandbox serves per second, through the real hubspot-api-client.

A full pull of the demo rep's leads is a chain of `leads.search_api.do_search` pages
(`hubspot_owner_id EQ <rep>`, sorted by `hs_lastmodifieddate`, 200 a page, re-anchored past the
10,000-result cap). The sandbox must not be what limits that: the target is at least 100 pages/s
on 2 cores with rate limits off. Two client modes are timed:

- raw: `_preload_content=False` and `json.loads`, the path a bulk sync should take
  (research/library-notes.md §1f); this is the figure the target is judged on.
- models: the client's default deserialisation into SDK models, which adds client-side cost.

Run: `python benchmarks/sandbox_search.py [--leads 10000] [--rounds 3]`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hubspot import HubSpot

from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import running_sandbox

PAGE = 200
CAP = 10_000
TARGET_PAGES_PER_SECOND = 100.0
PROPERTIES = [
    "hs_lead_name",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_lead_type",
    "hs_lead_label",
    "hubspot_owner_id",
    "hs_lead_disqualification_reason",
    "hs_lead_disqualification_note",
    "hs_lastmodifieddate",
]


@dataclass
class Round:
    page_ms: list[float] = field(default_factory=list)
    leads: int = 0
    seconds: float = 0.0


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def fetch_page_raw(api: Any, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    response = api.do_search(body, _preload_content=False, _request_timeout=(3, 30))
    data = json.loads(response.data)
    after = (data.get("paging") or {}).get("next", {}).get("after")
    return data["results"], after


def fetch_page_models(api: Any, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    page = api.do_search(body, _request_timeout=(3, 30))
    results = [{"id": r.id, "properties": r.properties} for r in page.results]
    after = page.paging.next.after if page.paging is not None and page.paging.next is not None else None
    return results, after


def pull_all(api: Any, owner_id: str, fetch: Callable[..., tuple[list[dict[str, Any]], str | None]]) -> Round:
    """Page through every lead the owner has, re-anchoring on hs_lastmodifieddate before the cap."""
    seen: set[str] = set()
    measured = Round()
    anchor: int | None = None
    started = time.perf_counter()
    while True:
        filters = [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner_id}]
        if anchor is not None:
            filters.append({"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(anchor)})
        offset = 0
        last_stamp: str | None = None
        before = len(seen)
        while True:
            body = {
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
                "properties": PROPERTIES,
                "limit": PAGE,
                "after": str(offset),
            }
            t0 = time.perf_counter()
            results, after = fetch(api, body)
            measured.page_ms.append((time.perf_counter() - t0) * 1000)
            for lead in results:
                seen.add(str(lead["id"]))
                last_stamp = lead["properties"]["hs_lastmodifieddate"]
            if after is None:
                measured.leads, measured.seconds = len(seen), time.perf_counter() - started
                return measured
            offset = int(after)
            if offset + PAGE > CAP:
                break
        if last_stamp is None or len(seen) == before:
            raise RuntimeError(
                "re-anchoring made no progress: over 10,000 leads share one hs_lastmodifieddate"
            )
        anchor = epoch_ms(last_stamp)


def report(name: str, rounds: list[Round]) -> float:
    pages = [ms for r in rounds for ms in r.page_ms]
    seconds = sum(r.seconds for r in rounds)
    pages_per_s = len(pages) / seconds
    p95 = statistics.quantiles(pages, n=20)[-1] if len(pages) >= 20 else max(pages)
    print(
        f"{name:>6}: {len(pages) / len(rounds):.0f} pages a pull, {rounds[-1].leads} leads; "
        f"{pages_per_s:.1f} pages/s, {sum(r.leads for r in rounds) / seconds:.0f} leads/s, "
        f"median {statistics.median(pages):.1f} ms/page, p95 {p95:.1f} ms/page"
    )
    return pages_per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=10_000, help="leads the demo rep owns (default 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="full pulls per client mode (default 3)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    settings = PortalSettings(seed=args.seed, rep_leads=args.leads, other_leads=1_000, search_lag=0.0)
    t0 = time.perf_counter()
    with running_sandbox(settings, rate_limits=False) as sandbox:
        seed_seconds = time.perf_counter() - t0
        client = HubSpot(access_token=sandbox.token, host=sandbox.base_url)
        owner = client.crm.owners.owners_api.get_page(email=sandbox.rep_email).results[0]
        api = client.crm.objects.leads.search_api  # one api object: one connection pool, as a sync keeps
        print(
            f"sandbox {sandbox.base_url}: rep {sandbox.rep_email} (owner {owner.id}), {os.cpu_count()} CPUs"
        )
        print(f"seed + server start: {seed_seconds:.2f} s for {args.leads} rep leads (+1,000 others)")
        pull_all(api, str(owner.id), fetch_page_raw)  # warm-up: imports, connection, caches
        raw = report("raw", [pull_all(api, str(owner.id), fetch_page_raw) for _ in range(args.rounds)])
        models = report(
            "models", [pull_all(api, str(owner.id), fetch_page_models) for _ in range(args.rounds)]
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average during the run (1/5/15 min): {load}; other work on the 2 cores skews every figure")
    verdict = "MET" if raw >= TARGET_PAGES_PER_SECOND else "NOT MET"
    target = f">= {TARGET_PAGES_PER_SECOND:.0f} pages/s on 2 cores (raw mode)"
    print(f"target: {target}: {verdict} ({raw:.1f} pages/s)")
    if models < TARGET_PAGES_PER_SECOND:
        print(f"note: with SDK models the client itself caps a pull at {models:.1f} pages/s")


if __name__ == "__main__":
    main()
