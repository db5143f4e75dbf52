"""First paint of the board from a warm cache of 10,000 leads, as a ratio to a minimal Textual app.

Each run is a fresh Python process (cold imports, like a rep starting `leadboard`), headless. The
board's time is from process start until its columns show leads from the cache and that frame is
drawn; the minimal app's time is from process start until its first frame (`on_ready`). Both are
run alternately, several times; medians are printed. Target: ratio at most 1.5. Sync is off (first
paint never waits for the network anyway).

Each process also reports, from inside, when its imports were done and how much CPU time it had
used by its first paint: the wall-clock ratio swings with the load of a shared machine, the CPU
ratio much less, and the split shows what the imports cost against everything after them.

    .venv/bin/python benchmarks/board_paint.py [--leads 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Printed by each child: "<imports done> <painted> <cpu seconds at paint>" (times from time.time()).
MINIMAL = """
import time
from textual.app import App
from textual.widgets import Static
imported = time.time()

class Minimal(App[None]):
    def compose(self):
        yield Static("hello")
    def on_ready(self):
        print(imported, time.time(), time.process_time(), flush=True)
        self.exit()

Minimal().run(headless=True, size=(160, 50))
"""

BOARD_TEMPLATE = """
import sys, time
from pathlib import Path
from leadboard.app import LeadboardApp
from leadboard.config import Settings
imported = time.time()

class Timed(LeadboardApp):
    def board_painted(self):
        super().board_painted()
        self.call_after_refresh(self._report)
    def _report(self):
        stamp, cpu = time.time(), time.process_time()
        heavy = sorted({m.split(".")[0] if not m.startswith("leadboard") else m for m in sys.modules
                        if m.startswith(HEAVY)})
        print("loaded before paint:", " ".join(heavy) or "none", flush=True)
        print(imported, stamp, cpu, flush=True)
        self.exit()

HEAVY = {heavy!r}
Timed(Settings(db=Path(sys.argv[1])), None, sync=False).run(headless=True, size=(160, 50))
"""
# What must stay off the first-paint path (checked in the board's own process, after its paint).
HEAVY = ("hubspot", "urllib3", "sqlite_utils", "filelock", "leadboard.store", "leadboard.sync")


BOARD = BOARD_TEMPLATE.replace("{heavy!r}", repr(HEAVY))
_notes: set[str] = set()


def timed_start(code: str, *args: str) -> tuple[float, float, float]:
    """A fresh process's (seconds to first paint, of which imports, CPU seconds used by then)."""
    env = dict(os.environ, TEXTUAL_ANIMATION="none")
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    lines = done.stdout.strip().splitlines()
    _notes.update(line for line in lines[:-1] if line.startswith("loaded before paint"))
    imported, painted, cpu = (float(x) for x in lines[-1].split())
    return painted - started, imported - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.ui.board_support import fill_cache

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "board.sqlite"
        fill_cache(cache, options.leads).close()
        timed_start(BOARD, str(cache))  # warm the OS file cache and the bytecode cache once
        timed_start(MINIMAL)
        minimal, board = [], []
        for _ in range(options.runs):  # interleaved, so machine load hits both alike
            minimal.append(timed_start(MINIMAL))
            board.append(timed_start(BOARD, str(cache)))

    def median(runs: list[tuple[float, float, float]], i: int) -> float:
        return statistics.median(run[i] for run in runs)

    ratios = sorted(b[0] / m[0] for m, b in zip(minimal, board, strict=True))
    print("per-run ratios:           " + " ".join(f"{r:.2f}" for r in ratios))
    for note in sorted(_notes):
        print(f"{note} (of {', '.join(HEAVY)})")
    print(f"leads in cache:           {options.leads:,}")
    m, b = median(minimal, 0), median(board, 0)
    print(f"minimal app first paint:  {m * 1000:.0f} ms (median of {options.runs})")
    print(f"board first paint:        {b * 1000:.0f} ms (median of {options.runs})")
    print(f"ratio:                    {b / m:.2f} (target <= 1.5)")
    mi, bi = median(minimal, 1), median(board, 1)
    print(f"  of which imports:       minimal {mi * 1000:.0f} ms, board {bi * 1000:.0f} ms")
    ma = statistics.median(run[0] - run[1] for run in minimal)
    ba = statistics.median(run[0] - run[1] for run in board)
    print(f"  after imports:          minimal {ma * 1000:.0f} ms, board {ba * 1000:.0f} ms")
    mc, bc = median(minimal, 2), median(board, 2)
    print(
        f"CPU time to first paint:  minimal {mc * 1000:.0f} ms, board {bc * 1000:.0f} ms, ratio {bc / mc:.2f}"
    )
    print(f"load average:             {os.getloadavg()[0]:.2f} (2 shared cores: figures swing with it)")


if __name__ == "__main__":
    main()
