"""First paint of the board from a warm cache of 10,000 leads, as a ratio to a minimal Textual app.

Each run is a fresh Python process (cold imports, like a rep starting `leadboard`), headless. The
board's time is from process start until its columns show leads from the cache; the minimal app's
time is from process start until its first frame (`on_ready`). Medians of several runs; target:
ratio at most 1.5. Sync is off (first paint never waits for the network anyway).

    .venv/bin/python benchmarks/board_paint.py [--leads 10000] [--runs 5]
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

MINIMAL = """
import sys, time
from textual.app import App
from textual.widgets import Static

class Minimal(App[None]):
    def compose(self):
        yield Static("hello")
    def on_ready(self):
        print(time.time(), flush=True)
        self.exit()

Minimal().run(headless=True, size=(160, 50))
"""

BOARD_TEMPLATE = """
import sys, time
from pathlib import Path
from leadboard.app import LeadboardApp
from leadboard.config import Settings

class Timed(LeadboardApp):
    def board_painted(self):
        super().board_painted()
        self.call_after_refresh(self._report)
    def _report(self):
        stamp = time.time()
        heavy = sorted({m.split(".")[0] if not m.startswith("leadboard") else m for m in sys.modules
                        if m.startswith(HEAVY)})
        print("loaded before paint:", " ".join(heavy) or "none", flush=True)
        print(stamp, flush=True)
        self.exit()

HEAVY = {heavy!r}
Timed(Settings(db=Path(sys.argv[1])), None, sync=False).run(headless=True, size=(160, 50))
"""


IMPORT_TEXTUAL = """
import time
from textual.app import App
from textual.widgets import Static
print(time.time(), flush=True)
"""

IMPORT_BOARD = """
import time
from leadboard.app import LeadboardApp
from leadboard.config import Settings
import leadboard.screens.board, leadboard.read_model
print(time.time(), flush=True)
"""
# What must stay off the first-paint path (checked in the board's own process, after its paint).
HEAVY = ("hubspot", "urllib3", "sqlite_utils", "filelock", "leadboard.store", "leadboard.sync")


BOARD = BOARD_TEMPLATE.replace("{heavy!r}", repr(HEAVY))
_notes: set[str] = set()


def timed_start(code: str, *args: str) -> float:
    """Seconds from launching a Python process until it prints the time of its first paint."""
    env = dict(os.environ, TEXTUAL_ANIMATION="none")
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    lines = done.stdout.strip().splitlines()
    _notes.update(line for line in lines[:-1] if line.startswith("loaded before paint"))
    return float(lines[-1]) - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.ui.board_support import fill_cache

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "board.sqlite"
        fill_cache(cache, options.leads).close()
        timed_start(BOARD, str(cache))  # warm the OS file cache and the bytecode cache once
        timed_start(MINIMAL)
        minimal, board, textual_imports, board_imports = [], [], [], []
        for _ in range(options.runs):  # interleaved, so machine load hits both alike
            minimal.append(timed_start(MINIMAL))
            board.append(timed_start(BOARD, str(cache)))
            textual_imports.append(timed_start(IMPORT_TEXTUAL))
            board_imports.append(timed_start(IMPORT_BOARD))
    m, b = statistics.median(minimal), statistics.median(board)
    ratios = sorted(bb / mm for mm, bb in zip(minimal, board, strict=True))
    print("per-run ratios:           " + " ".join(f"{r:.2f}" for r in ratios))
    for note in sorted(_notes):
        print(f"{note} (of {', '.join(HEAVY)})")
    print(f"leads in cache:           {options.leads:,}")
    print(f"minimal app first paint:  {m * 1000:.0f} ms (median of {options.runs})")
    print(f"board first paint:        {b * 1000:.0f} ms (median of {options.runs})")
    print(f"ratio:                    {b / m:.2f} (target <= 1.5)")
    ti, bi = statistics.median(textual_imports), statistics.median(board_imports)
    print(f"of which imports:          textual {ti * 1000:.0f} ms; leadboard's board path {bi * 1000:.0f} ms")
    print(
        f"ratio without imports:     {(b - bi) / (m - ti):.2f} (start-up after imports: "
        f"{(b - bi) * 1000:.0f} ms vs {(m - ti) * 1000:.0f} ms)"
    )
    print(f"load average:             {os.getloadavg()[0]:.2f} (2 shared cores: figures swing with it)")


if __name__ == "__main__":
    main()
