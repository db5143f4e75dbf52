"""What the rep feels at 10,000 leads versus 100: moving the highlight, opening a lead, filtering.

In one process, headless (`run_test`), sync off, a cache of N leads each. For each size it times:
a key press that moves the highlight (j, median of many), opening a lead (enter until the lead
screen shows its details) and typing one more character into the filter, or deleting one, from a
quiet board (as a typist's keystrokes come), until the board has applied the new read and drawn
the frame that shows it (a keystroke shows its rows first; each stage's count, which walks every
matching lead, is read and drawn after that frame). Keystrokes that leave the rows on screen as
they were ("l" then "le": every lead matches) are cheaper than those that change them, so the
median of the latter is printed too. Targets: key and open at 10,000 within 1.2x of 100; the filter
within 50 ms, and at 50,000 (`--large 50000`) within 1.2x of 100. The board's own reads (the
rows a keystroke shows first, the counts after, both as one read) are split out, next to what
reading every row would cost.

    .venv/bin/python benchmarks/board_keys.py [--small 100] [--large 10000] [--presses 40]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leadboard.cache.read_model import BoardPage  # noqa: E402
from leadboard.cache.store import Store  # noqa: E402
from leadboard.screens.board import DEFAULT_SORT, PAGE_ROWS, BoardScreen, read_board  # noqa: E402
from leadboard.screens.lead import LeadScreen  # noqa: E402
from tests.ui.board_support import board_app, fill_cache, settle  # noqa: E402


async def until(pilot: Any, done: Any) -> None:
    """Yield to the app until `done()`; a benchmark may poll (tests never do)."""
    while not done():
        await asyncio.sleep(0.0005)


#: Typed into the filter one keystroke at a time, then deleted back to "lead ".
TYPED = ("l", "le", "lea", "lead", "lead ", "lead 1", "lead 12", "lead 123")
FILTER_TYPING = (*TYPED, *reversed(TYPED[4:-1]))


def watch_drawn(board: BoardScreen) -> list[float]:
    """When each read the board shows has been drawn: the end of the first frame after the board
    applied it (a refresh callback registered as the read is shown, so it runs after that frame)."""
    drawn: list[float] = []
    show = board._show

    async def show_and_mark(page: BoardPage) -> bool:
        changed = await show(page)
        board.call_after_refresh(lambda: drawn.append(time.perf_counter()))
        return changed

    setattr(board, "_show", show_and_mark)  # noqa: B010 (an instance's method, for this benchmark)
    return drawn


def shown_ids(board: BoardScreen) -> list[list[str]]:
    """The leads each column lists."""
    return [[lead.id for lead in column.leads] for column in board.columns]


async def measure(cache: Path, presses: int) -> dict[str, float]:
    app = board_app(cache)
    figures: dict[str, list[float]] = {
        "key": [],
        "open": [],
        "filter": [],
        "filter_changed": [],
        "filter_read": [],
        "filter_rows": [],
        "filter_counts": [],
        "filter_all": [],
    }
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        # As in a rep's session: `LeadboardApp.run` freezes what start-up built, so full collections
        # skip it (run_test does not, as tests share a process). Collect this process's own garbage
        # (filling the cache) first, so it is not frozen in.
        gc.collect()
        gc.freeze()
        board = app.screen
        assert isinstance(board, BoardScreen)
        for i in range(presses):
            key = "j" if (i // 10) % 2 == 0 else "k"  # walk down and up, staying near the top
            started = time.perf_counter()
            await pilot.press(key)
            figures["key"].append(time.perf_counter() - started)
        for _ in range(5):
            started = time.perf_counter()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, LeadScreen) and app.screen.detail is not None)
            figures["open"].append(time.perf_counter() - started)
            await pilot.press("escape")
            await settle(app, pilot)
        drawn = watch_drawn(board)
        await pilot.press("slash")
        field = board.query_one("#filter")
        for text in FILTER_TYPING:
            await settle(app, pilot)  # each keystroke starts from a quiet board, as a typist's would
            shown, count = shown_ids(board), len(drawn)
            started = time.perf_counter()
            field.value = text  # type: ignore[attr-defined]
            await until(pilot, lambda count=count: len(drawn) > count)
            took = drawn[count] - started
            figures["filter"].append(took)
            if shown_ids(board) != shown:
                figures["filter_changed"].append(took)
    with Store.open(cache) as store:  # the board's read alone, and every row, for the split (after the
        for text in FILTER_TYPING:  # timed keystrokes: reading every row leaves garbage to collect)
            started = time.perf_counter()
            read_board("open", text, DEFAULT_SORT, PAGE_ROWS, store)
            figures["filter_read"].append(time.perf_counter() - started)
            started = time.perf_counter()  # what a keystroke reads before its rows show
            read_board("open", text, DEFAULT_SORT, PAGE_ROWS, store, count=False)
            figures["filter_rows"].append(time.perf_counter() - started)
            started = time.perf_counter()  # and the counts it reads after
            store.board_counts(needle=text)
            figures["filter_counts"].append(time.perf_counter() - started)
            started = time.perf_counter()
            store.board(needle=text, sort=DEFAULT_SORT)
            figures["filter_all"].append(time.perf_counter() - started)
    gc.unfreeze()
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--presses", type=int, default=40)
    options = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for leads in (options.small, options.large):
            cache = Path(tmp) / f"board-{leads}.sqlite"
            fill_cache(cache, leads).close()
            results[leads] = asyncio.run(measure(cache, options.presses))
    small, large = results[options.small], results[options.large]
    print(f"{'':26}{options.small:>10,}{options.large:>10,}   ratio  target")
    for name, label, target in (
        ("key", "key press (j/k), median", "<= 1.2"),
        ("open", "open a lead, median", "<= 1.2"),
    ):
        ratio = large[name] / small[name]
        print(f"{label:26}{small[name] * 1000:>8.1f}ms{large[name] * 1000:>8.1f}ms  {ratio:5.2f}  {target}")
    print(
        f"{'filter keystroke, median':26}{small['filter'] * 1000:>8.1f}ms{large['filter'] * 1000:>8.1f}ms"
        f"  {large['filter'] / small['filter']:5.2f}  <= 50 ms at 10,000; ratio <= 1.2 at 50,000"
    )
    print(
        f"{'  when the rows change':26}"
        f"{small['filter_changed'] * 1000:>8.1f}ms{large['filter_changed'] * 1000:>8.1f}ms"
    )
    print(
        f"{'  rows read before shown':26}"
        f"{small['filter_rows'] * 1000:>8.1f}ms{large['filter_rows'] * 1000:>8.1f}ms"
        f"   ({PAGE_ROWS} rows per stage; the stage counts are read after the frame:)"
    )
    print(
        f"{'  stage counts, after':26}"
        f"{small['filter_counts'] * 1000:>8.1f}ms{large['filter_counts'] * 1000:>8.1f}ms"
    )
    print(
        f"{'  both in one read':26}"
        f"{small['filter_read'] * 1000:>8.1f}ms{large['filter_read'] * 1000:>8.1f}ms"
        f"   (as every other board read: after a sync, a command)"
    )
    print(
        f"{'  every row, for scale':26}"
        f"{small['filter_all'] * 1000:>8.1f}ms{large['filter_all'] * 1000:>8.1f}ms   (not read by the board)"
    )
    print("(a Pilot key press includes Pilot's own wait for the app to go idle)")
    print(f"load average: {os.getloadavg()[0]:.2f} (2 shared cores: figures swing with it)")


if __name__ == "__main__":
    main()
