"""`leadboard leads --json` (and the plain listing into a pipe) at N leads: time and peak memory.

Fills a cache of N open leads (the board tests' `fill_cache`), then runs the real console command
in a fresh process several times, its output into a pipe that is read and thrown away, and prints
the median wall time and the largest peak RSS of the child (`ru_maxrss`). Goal at 50,000 leads:
at most 2 s and 80 MB. The time to read the same rows from SQLite alone is printed for scale.

    .venv/bin/python benchmarks/leads_json.py [--leads 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(args: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in MB and bytes written, of one run of `args` (a fresh child)."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, env=env)
    assert child.stdout is not None
    size = 0
    while chunk := child.stdout.read(1 << 16):
        size += len(chunk)
    _pid, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - started
    assert os.waitstatus_to_exitcode(status) == 0, f"{args} failed"
    return took, usage.ru_maxrss // 1024, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from leadboard.cache.store import Store
    from tests.ui.board_support import fill_cache

    script = shutil.which("leadboard", path=str(Path(sys.executable).parent))
    assert script is not None, "the leadboard console script is not installed in the venv"
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "leads.sqlite"
        fill_cache(cache, options.leads).close()
        with Store.open(cache) as store:
            started = time.perf_counter()
            cursor = store.db.conn.execute("SELECT * FROM leads")
            while cursor.fetchmany(1000):
                pass
            read = time.perf_counter() - started
        results: dict[str, list[tuple[float, int, int]]] = {"--json": [], "plain": []}
        for _ in range(options.runs):
            results["--json"].append(run_once([script, "leads", "--db", str(cache), "--json"]))
            results["plain"].append(run_once([script, "leads", "--db", str(cache)]))
    print(f"leads in cache:          {options.leads:,}")
    for name, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        print(
            f"leads {name:7}           {seconds:5.2f} s (median of {len(runs)}), peak {peak} MB, "
            f"{runs[0][2] / 1e6:.1f} MB written"
        )
    print("goal at 50,000 (--json): <= 2 s, <= 80 MB")
    print(f"reading every lead row from SQLite alone: {read:.2f} s")
    print(f"load average: {os.getloadavg()[0]:.2f} (2 shared cores: figures swing with it)")


if __name__ == "__main__":
    main()
