"""Keystroke latency in the note form after a huge paste (#13 item 19: ~3.5 s a key, once).

Headless (`run_test`), sync off, the board's test cache. It opens the Add note form, posts one
bracketed paste of `--size` characters (a real `events.Paste`, as the terminal's paste arrives),
then types `--keys` characters one at a time and times each (and as many before the paste, the
baseline), from the key until the app is idle
again (the TextArea has taken it, the form re-checked the note and the frame is drawn). It prints
how long the paste took, how much of it the note kept, and the per-key median and worst.

    .venv/bin/python benchmarks/note_paste.py [--size 1048576] [--keys 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402
from textual.widgets import TextArea  # noqa: E402

from leadboard.screens.add_note import AddNoteModal  # noqa: E402
from leadboard.screens.board import BoardScreen  # noqa: E402
from tests.ui.board_support import board_app, fill_cache, settle  # noqa: E402


def pasted_text(size: int) -> str:
    """Lines of ordinary prose, `size` characters in all."""
    line = "Call notes pasted from another tool, line after line of them. "
    text = (line * (size // len(line) + 1))[:size]
    return "\n".join(text[i : i + 200] for i in range(0, len(text), 200))[:size]


async def timed_key(pilot: Any) -> float:
    """One keystroke, until the app is idle again (Pilot's own pause is part of every figure)."""
    start = time.perf_counter()
    await pilot.press("x")
    await pilot.pause()
    return time.perf_counter() - start


async def measure(size: int, keys: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "board.sqlite"
        fill_cache(db).close()
        app = board_app(db)
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(app, pilot)
            board = app.screen
            assert isinstance(board, BoardScreen) and board.select_lead("2")
            await pilot.press("n")
            await settle(app, pilot)
            modal = app.screen
            assert isinstance(modal, AddNoteModal)
            note = modal.query_one("#note", TextArea)
            before = [await timed_key(pilot) for _ in range(keys)]
            start = time.perf_counter()
            app.post_message(events.Paste(pasted_text(size)))
            await settle(app, pilot)
            paste_s = time.perf_counter() - start
            kept = len(note.text)
            latencies = [await timed_key(pilot) for _ in range(keys)]
            return {
                "paste_s": paste_s,
                "kept": kept,
                "before_ms": statistics.median(before) * 1000,
                "median_ms": statistics.median(latencies) * 1000,
                "worst_ms": max(latencies) * 1000,
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--keys", type=int, default=10)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.size, args.keys))
    print(f"paste of {args.size:,} characters: handled in {figures['paste_s']:.2f} s")
    print(f"note keeps {int(figures['kept']):,} characters")
    print(f"keystroke before the paste: median {figures['before_ms']:.1f} ms (Pilot's own wait included)")
    print(f"keystroke after it: median {figures['median_ms']:.1f} ms, worst {figures['worst_ms']:.1f} ms")


if __name__ == "__main__":
    main()
