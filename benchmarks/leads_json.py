"""`leadboard leads --json` (and the plain listing into a pipe) at N leads: time and peak memory.

Fills a cache of N open leads (the board tests' `fill_cache`), then runs the real console command
in a fresh process several times, its output into a pipe that is read and thrown away, and prints
the median wall and CPU time and the largest peak RSS of the child (`ru_maxrss`); the first run
on the fresh cache, which also stores the SLA deadlines, is printed apart. Goal at 50,000 leads:
at most 2 s and 80 MB. The time to read the same rows from SQLite alone is printed for scale.

    .venv/bin/python benchmarks/leads_json.py [--leads 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(args: list[str]) -> tuple[float, int, int, float]:
    """Wall seconds, peak RSS in MB, bytes written and CPU seconds (user + system) of one run of
    `args` (a fresh child)."""
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
    return took, usage.ru_maxrss // 1024, size, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    script = shutil.which("leadboard", path=str(Path(sys.executable).parent))
    assert script is not None, "the leadboard console script is not installed in the venv"
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "leads.sqlite"
        # Filled in another process: a child's peak RSS counts the memory of the process that forked
        # it, so this one stays small (a few MB) and the figures are the command's own.
        fill = (
            "from pathlib import Path; from tests.ui.board_support import fill_cache; "
            f"fill_cache(Path({str(cache)!r}), {options.leads}).close()"
        )
        subprocess.run([sys.executable, "-c", fill], check=True, env=os.environ | {"PYTHONPATH": str(ROOT)})
        # The first listing of a fresh cache stores the SLA deadlines for the config's [sla] (a
        # one-off write, as after any change of the settings): run it once before timing.
        warm = run_once([script, "leads", "--db", str(cache), "--json"])
        results: dict[str, list[tuple[float, int, int, float]]] = {"--json": [], "plain": []}
        for _ in range(options.runs):
            results["--json"].append(run_once([script, "leads", "--db", str(cache), "--json"]))
            results["plain"].append(run_once([script, "leads", "--db", str(cache)]))
        conn = sqlite3.connect(cache)
        started = time.perf_counter()
        cursor = conn.execute("SELECT * FROM leads")
        while cursor.fetchmany(1000):
            pass
        read = time.perf_counter() - started
        conn.close()
    print(f"leads in cache:          {options.leads:,}")
    for name, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[3] for r in runs)
        peak = max(r[1] for r in runs)
        print(
            f"leads {name:7}           {seconds:5.2f} s (median of {len(runs)}; CPU {cpu:.2f} s), "
            f"peak {peak} MB, {runs[0][2] / 1e6:.1f} MB written"
        )
    print(f"first listing of the fresh cache (stores the SLA deadlines): {warm[0]:.2f} s, peak {warm[1]} MB")
    print("goal at 50,000 (--json): <= 2 s, <= 80 MB")
    print(f"reading every lead row from SQLite alone: {read:.2f} s")
    print(f"load average: {os.getloadavg()[0]:.2f} (2 shared cores: figures swing with it)")


if __name__ == "__main__":
    main()
