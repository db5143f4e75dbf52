"""Time the board's read model on a cache of 10,000 leads (issue 3: "well under 100 ms").

Fills a fresh cache with 10,000 open leads owned by the rep (plus 2,000 of other owners and 1,000
closed), contacts and companies, and 200 open ops, then prints the median of several runs for the
full board read, a filtered read, the closed view and one lead's detail.

    .venv/bin/python benchmarks/read_model.py [--leads 10000] [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.cache_fixtures

from leadboard.state import AddNote, MoveStage  # noqa: E402
from leadboard.store import Store  # noqa: E402
from tests.cache_fixtures import ME, OTHER_OWNER, default_meta, hubspot_lead  # noqa: E402

STAGES = ["new-stage-id", "attempting-stage-id", "connected-stage-id"]


def fill(store: Store, leads: int) -> None:
    store.save_portal_meta(default_meta())
    objects = [
        hubspot_lead(
            str(i),
            f"Lead {i} Person{i % 977}",
            stage=STAGES[i % 3],
            created=f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}T{i % 24:02d}:00:00.000Z",
            hs_last_activity_date=f"2026-01-{i % 28 + 1:02d}T10:00:00.000Z" if i % 2 else "",
        )
        for i in range(1, leads + 1)
    ]
    objects += [hubspot_lead(f"o{i}", f"Other {i}", owner=OTHER_OWNER) for i in range(leads // 5)]
    objects += [
        hubspot_lead(f"q{i}", f"Closed {i}", stage="qualified-stage-id", owner=ME) for i in range(leads // 10)
    ]
    store.upsert_leads(objects)
    store.upsert_companies(
        {"id": f"co{i}", "properties": {"name": f"Company {i} Holdings", "domain": f"c{i}.test"}}
        for i in range(leads // 4)
    )
    store.upsert_contacts(
        (
            {
                "id": f"c{i}",
                "properties": {"firstname": "Pat", "lastname": f"Person{i}", "email": f"pat{i}@c{i}.test"},
            }
            for i in range(1, leads + 1)
        ),
        company_ids={f"c{i}": f"co{i % (leads // 4)}" for i in range(1, leads + 1)},
    )
    store.link_leads((str(i), f"c{i}", None) for i in range(1, leads + 1))
    for i in range(1, 201):
        lead = str(i * (leads // 200) // 3 * 3 + 1)  # never already in Connected
        if i % 2:
            store.outbox.enqueue(AddNote(lead_id=lead, text=f"note {i}"))
        else:
            store.outbox.enqueue(MoveStage(lead_id=lead, stage_id="Connected", note="talked"))


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm the page cache and the statement cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        start = time.perf_counter()
        fill(store, args.leads)
        print(f"filled {args.leads:,} leads in {time.perf_counter() - start:.1f} s")
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("board, open leads (newest)", lambda: store.board()),
            ("board, sorted by last touch", lambda: store.board(sort="last_touch")),
            ("board, filtered 'person97'", lambda: store.board(needle="person97")),
            ("board, filtered by company 'holdings'", lambda: store.board(needle="holdings")),
            ("closed view", lambda: store.board(view="closed")),
            ("one lead's detail", lambda: store.lead_detail(str(args.leads // 2))),
            ("sync status", lambda: store.sync_status()),
        ]
        for label, fn in cases:
            elapsed, result = median_ms(fn, args.runs)
            rows = f"{len(result):,} rows" if isinstance(result, list) else ""
            print(f"{label:<40} {elapsed:8.2f} ms  {rows}")
        store.close()


if __name__ == "__main__":
    main()
