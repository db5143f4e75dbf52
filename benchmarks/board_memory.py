"""Memory (RSS) of the running board with 10,000 leads in the cache; target under 150 MB.

A fresh process runs the board headless over a warm cache (sync off), waits for the first paint,
walks down a column, opens a lead, filters and clears the filter, then prints its own peak and
current RSS from /proc (Linux).

    .venv/bin/python benchmarks/board_memory.py [--leads 10000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import asyncio, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.ui.board_support import board_app, settle

def rss() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value = line.split(":")
            fields[name] = int(value.split()[0]) // 1024
    return fields

async def main() -> None:
    app = board_app(Path(sys.argv[1]))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        painted = rss()["VmRSS"]
        await pilot.press(*"jjjjjjjjjj", "end")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("escape", "slash", *"lead 1", "escape")
        await settle(app, pilot)
        now = rss()
        print(painted, now["VmRSS"], now["VmHWM"], flush=True)

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.ui.board_support import fill_cache

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "board.sqlite"
        fill_cache(cache, options.leads).close()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(cache), str(ROOT)], capture_output=True, text=True, check=True
        )
    painted, after, peak = (int(x) for x in done.stdout.split())
    print(f"leads in cache:              {options.leads:,}")
    print(f"RSS after first paint:       {painted} MB")
    print(f"RSS after keys, open, filter: {after} MB")
    print(f"peak RSS:                    {peak} MB (target < 150 MB)")


if __name__ == "__main__":
    main()
