"""First paint of the board from a warm cache of 10,000 leads, as a ratio to a minimal Textual app.

First paint means the same thing for both apps: the first frame Textual renders that holds the
app's content. For the minimal app that is its first frame (its one Static is composed before
it); for the board it is the first compositor frame rendered after its columns hold leads from
the cache (a column with options). Each child process overrides `App._display`, which Textual
calls once per frame with the compositor's update (headless too: the update is rendered there,
only not written to a terminal), and stops at the first such frame. Frames after it, such as
the footer filling in its keys, are not counted for either app.

Each run is a fresh Python process (cold imports, like a rep starting `leadboard`), headless, at
160x50. Both are run alternately, several times; medians are printed. Target: ratio at most 1.5.
Sync is off (first paint never waits for the network anyway). Each process also reports, from
inside, when its imports were done and how much CPU time it had used by first paint: the
wall-clock ratio swings with the load of a shared machine, the CPU ratio much less, and the split
shows what the imports cost against everything after them.

Children may write bytecode (`PYTHONDONTWRITEBYTECODE` is dropped for them), so after the warm-up
run leadboard's modules load from `.pyc` files, as they do from an installed package.

A second figure is the full start-up a rep sees: the `leadboard` console script (else `python -m
leadboard`) with a config file and a token file pointing at the same cache, in a 160x50
pseudo-terminal with Textual's real driver, timed from spawn until the terminal receives a frame
that shows a lead. It adds the CLI, the settings and token look-ups and writing frames to a
terminal. The command line has no switch to turn sync off, so the config points the portal at a
closed local port (nothing leaves the machine); the first sync only starts after first paint. The
minimal app is run the same way for comparison.

    .venv/bin/python benchmarks/board_paint.py [--leads 10000] [--runs 7] [--no-entry-point]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from leadboard.startup import NOT_BEFORE_FIRST_PAINT

ROOT = Path(__file__).resolve().parents[1]
SIZE = (160, 50)

#: Printed by each headless child: "<imports done> <painted> <cpu seconds at paint>" (time.time()).
MINIMAL = """
import sys, time
from textual.app import App
from textual.widgets import Static
imported = time.time()

class Minimal(App[None]):
    reported = False

    def compose(self):
        yield Static("hello")

    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if renderable is None or self.reported or not screen.query(Static):
            return
        self.reported = True
        print(imported, time.time(), time.process_time(), flush=True)
        self.exit()

if sys.argv[1:] == ["--terminal"]:
    Minimal.reported = True  # drawn on a real terminal until ctrl+q; the parent watches the screen
    Minimal().run()
else:
    Minimal().run(headless=True, size=SIZE)
"""

BOARD_TEMPLATE = """
import sys, time
from pathlib import Path
from leadboard.app import LeadboardApp
from leadboard.config import Settings
imported = time.time()

class Timed(LeadboardApp):
    reported = False

    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if renderable is None or self.reported or type(screen).__name__ != "BoardScreen":
            return
        if not any(column.option_count for column in screen.query("StageColumn")):
            return
        self.reported = True
        stamp, cpu = time.time(), time.process_time()
        heavy = sorted({m.split(".")[0] if not m.startswith("leadboard") else m for m in sys.modules
                        if m.startswith(HEAVY)})
        print("loaded before paint:", " ".join(heavy) or "none", flush=True)
        print(imported, stamp, cpu, flush=True)
        self.exit()

HEAVY = {heavy!r}
Timed(Settings(db=Path(sys.argv[1])), None, sync=False).run(headless=True, size=SIZE)
"""
# What must stay off the first-paint path (checked in the board's own process, at its paint).
HEAVY = NOT_BEFORE_FIRST_PAINT

BOARD = BOARD_TEMPLATE.replace("{heavy!r}", repr(HEAVY)).replace("SIZE", repr(SIZE))
MINIMAL = MINIMAL.replace("SIZE", repr(SIZE))
#: What the terminal shows once the board's columns hold leads (names from `fill_cache`).
LEAD_ON_SCREEN = re.compile(rb"Lead \d+ Person")
HELLO_ON_SCREEN = re.compile(rb"hello")
#: Nothing listens here, so the sync the board starts after first paint fails without any traffic.
CLOSED_PORTAL = "http://127.0.0.1:9"
_notes: set[str] = set()


def child_env() -> dict[str, str]:
    env = dict(os.environ, TEXTUAL_ANIMATION="none")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed_start(code: str, *args: str) -> tuple[float, float, float]:
    """A fresh headless process's (seconds to first paint, of which imports, CPU seconds by then)."""
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env=child_env()
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"a timed child failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    _notes.update(line for line in lines[:-1] if line.startswith("loaded before paint"))
    imported, painted, cpu = (float(x) for x in lines[-1].split())
    return painted - started, imported - started, cpu


def entry_point() -> list[str]:
    """What a rep runs: the console script next to this Python, else `python -m leadboard`."""
    script = Path(sys.executable).parent / "leadboard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "leadboard"]


def rep_home(home: Path, cache: Path) -> dict[str, str]:
    """A config file and a 0600 token file in their usual places under `home`, and the environment
    that points leadboard at them (and at nothing of the developer's own)."""
    config_dir = home / "config" / "leadboard"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(
        f'portal = "{CLOSED_PORTAL}"\nemail = "rep@example.test"\ndb = {json.dumps(str(cache))}\n'
    )
    token_file = config_dir / "credentials.json"
    token_file.write_text(json.dumps({"tokens": {CLOSED_PORTAL: "pat-na1-benchmark-not-a-real-token"}}))
    token_file.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADBOARD_")}
    env.pop("HUBSPOT_ACCESS_TOKEN", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",  # the token file, never a real keyring
        TERM="xterm-256color",
        COLORTERM="truecolor",
    )
    return env


def terminal_start(command: list[str], env: dict[str, str], shown: re.Pattern[bytes]) -> float:
    """Seconds from spawning `command` in a pseudo-terminal until the terminal receives `shown`;
    then ctrl+q, reading on so the app can finish writing, and a terminate if it does not quit."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    started = time.time()
    proc = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    received = b""
    painted: float | None = None
    try:
        while painted is None and time.time() - started < 60:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                received += chunk
                if shown.search(received):
                    painted = time.time() - started
        os.write(master, b"\x11")  # ctrl+q
        quit_by = time.time() + 10
        while proc.poll() is None and time.time() < quit_by:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(10)
        os.close(master)
    if painted is None:
        tail = re.sub(rb"\x1b\[[0-9;?$>=<]*[A-Za-z]", b"", received[-3000:]).decode("utf-8", "replace")
        raise SystemExit(
            f"{' '.join(command)} never showed {shown.pattern!r}; its terminal ended with:\n{tail}"
        )
    return painted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-entry-point", action="store_true", help="skip the `leadboard` start-up in a terminal"
    )
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.ui.board_support import fill_cache

    with_terminal = not options.no_entry_point and os.name == "posix"
    minimal: list[tuple[float, float, float]] = []
    board: list[tuple[float, float, float]] = []
    minimal_tty: list[float] = []
    board_tty: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "board.sqlite"
        fill_cache(cache, options.leads).close()
        env = rep_home(Path(tmp) / "home", cache)
        timed_start(BOARD, str(cache))  # warm the OS file cache and write the bytecode once
        timed_start(MINIMAL)
        if with_terminal:
            terminal_start(entry_point(), env, LEAD_ON_SCREEN)
        for _ in range(options.runs):  # interleaved, so machine load hits both alike
            minimal.append(timed_start(MINIMAL))
            board.append(timed_start(BOARD, str(cache)))
            if with_terminal:
                minimal_tty.append(
                    terminal_start([sys.executable, "-c", MINIMAL, "--terminal"], env, HELLO_ON_SCREEN)
                )
                board_tty.append(terminal_start(entry_point(), env, LEAD_ON_SCREEN))
        shutil.rmtree(Path(tmp) / "home", ignore_errors=True)

    def median(runs: list[tuple[float, float, float]], i: int) -> float:
        return statistics.median(run[i] for run in runs)

    ratios = sorted(b[0] / m[0] for m, b in zip(minimal, board, strict=True))
    print("per-run ratios:           " + " ".join(f"{r:.2f}" for r in ratios))
    for note in sorted(_notes):
        print(f"{note} (of {', '.join(HEAVY)})")
    print(f"leads in cache:           {options.leads:,}")
    m, b = median(minimal, 0), median(board, 0)
    print(f"minimal app first paint:  {m * 1000:.0f} ms (median of {options.runs}, headless)")
    print(f"board first paint:        {b * 1000:.0f} ms (median of {options.runs}, headless, the app only)")
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
    if with_terminal:
        mt, bt = statistics.median(minimal_tty), statistics.median(board_tty)
        print(
            f"full start-up, terminal:  `leadboard` to a lead on screen {bt * 1000:.0f} ms, "
            f"minimal app {mt * 1000:.0f} ms, ratio {bt / mt:.2f} (median of {options.runs}; CLI, config, "
            "token file, real driver; sync pointed at a closed port)"
        )
    print(f"load average:             {os.getloadavg()[0]:.2f} (2 shared cores: figures swing with it)")


if __name__ == "__main__":
    main()
