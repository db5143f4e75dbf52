"""End on a 20,000-row stage at 50,000 leads: the longest frozen frame, and memory after going Home.

A fresh process runs the board headless (160x50, sync off) over a warm cache of N leads whose
first stage holds `--stage` of them (start-up's objects frozen out of the collector, as `leadboard`
does). After the first paint it presses End and waits until the
stage's last lead is highlighted and drawn (the key posted as a terminal sends it: Pilot's press
would wait for the process to look idle, up to 2 s, which the watcher below never lets it), then
Home until the first is, and prints:
- how long End took (until the frame after the last lead is highlighted), and the longest the
  event loop was frozen from the key until 200 ms after that frame: a watcher task that wakes every
  millisecond records the longest gap between its wake-ups (a frame cannot be drawn while the loop
  is blocked, so this is the longest frozen frame); the same watcher over one idle second first
  says how much of that the machine's load alone accounts for;
- RSS after the first paint, after End, and after Home (after a garbage collection), from /proc.
Goals: frozen frame at most 100 ms; RSS after Home at most 150 MB and near its start.

    .venv/bin/python benchmarks/board_long_stage.py [--leads 50000] [--stage 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import asyncio, gc, sys, time
from pathlib import Path
from textual import events
sys.path.insert(0, sys.argv[2])
from tests.ui.board_support import board_app, settle

def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0

async def until(done) -> None:
    while not done():
        await asyncio.sleep(0.001)

async def main() -> None:
    first_id, last_id = sys.argv[3], sys.argv[4]
    app = board_app(Path(sys.argv[1]))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        # As in a rep's session: `LeadboardApp.run` freezes what start-up built, so full collections
        # skip it (run_test does not, as tests share a process).
        gc.collect()
        gc.freeze()
        painted = rss()
        board = app.screen
        gaps = []
        running = True

        async def watch() -> None:
            last = time.perf_counter()
            while running:
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(1.0)  # the board idle: what the machine's load alone freezes
        idle = max(gaps)
        gaps.clear()
        started, cpu = time.perf_counter(), time.process_time()
        # The key as a terminal sends it: Pilot's press waits until the process looks idle (at most
        # 1 s, twice), which the watcher's wake-ups every millisecond never let it: 2 s of nothing.
        app.post_message(events.Key("end", None))
        lead = lambda: board.current_lead.id if board.current_lead is not None else None
        await until(lambda: lead() == last_id)
        drawn = []
        app.call_after_refresh(lambda: drawn.append(time.perf_counter()))
        await until(lambda: drawn)
        took, cpu = drawn[0] - started, time.process_time() - cpu
        await asyncio.sleep(0.2)  # frames after the last lead is shown count too
        running = False
        await watcher
        await settle(app, pilot)
        gc.collect()
        at_end = rss()
        await pilot.press("home")
        await until(lambda: lead() == first_id)
        await settle(app, pilot)
        gc.collect()
        home = rss()
        print(took, max(gaps), painted, at_end, home, idle, cpu, flush=True)

asyncio.run(main())
"""


def long_stage_cache(path: Path, leads: int, stage: int) -> tuple[str, str]:
    """The board tests' cache of `leads`, with the first `stage` of them moved to the first stage;
    returns the first and last lead ids of that stage in the board's order."""
    sys.path.insert(0, str(ROOT))
    from leadboard.cache.store import Store
    from tests.ui.board_support import fill_cache

    fill_cache(path, leads).close()
    conn = sqlite3.connect(path)
    with conn:
        for column in ("stage_id", "board_stage"):
            conn.execute(
                f"UPDATE leads SET {column} = CASE WHEN CAST(id AS INTEGER) <= ? THEN 'new-stage-id' "
                f"WHEN {column} = 'new-stage-id' THEN 'attempting-stage-id' ELSE {column} END",
                [stage],
            )
    conn.close()
    with Store.open(path) as store:
        ids = [lead.id for lead in store.board() if lead.stage_id == "new-stage-id"]
    assert len(ids) == stage, len(ids)
    return ids[0], ids[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--stage", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "board.sqlite"
        first, last = long_stage_cache(cache, options.leads, options.stage)
        for _ in range(options.runs):
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(cache), str(ROOT), first, last],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append([float(x) for x in done.stdout.split()])
    took, frozen, painted, at_end, home, idle, cpu = (statistics.median(r[i] for r in runs) for i in range(7))
    print(f"leads in cache: {options.leads:,}; first stage: {options.stage:,} (medians of {len(runs)} runs)")
    print(
        f"End until the last lead is drawn:  {took * 1000:7.0f} ms ({cpu * 1000:.0f} ms of CPU, all threads)"
    )
    print(f"longest frozen frame meanwhile:     {frozen * 1000:7.0f} ms (goal <= 100 ms)")
    print(f"  the same watcher, board idle 1 s: {idle * 1000:7.0f} ms (the machine's load alone)")
    print(f"RSS after first paint:              {painted:7.0f} MB")
    print(f"RSS after End:                      {at_end:7.0f} MB")
    print(f"RSS after Home:                     {home:7.0f} MB (goal <= 150 MB, near the first paint)")
    print(f"load average: {os.getloadavg()[0]:.2f} (2 shared cores: figures swing with it)")


if __name__ == "__main__":
    main()
