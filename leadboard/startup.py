"""What keeps the board's start fast, in one place, each measure with what it saves.

`benchmarks/board_paint.py` measures the first paint against a minimal Textual app (target ≤ 1.5x);
`tests/test_boundaries.py` holds the import rule below. Measures that must act where they are
name this module:

- The first board read starts in `LeadboardApp.__init__`, before Textual's own set-up, on the cache
  thread through a plain read-only connection (`read_model.open_for_first_read`: no sqlite-utils,
  no migration check), so the columns' rows are ready when the board is composed.
- The board composes its columns from that read: the first frame already holds the leads, instead
  of an empty frame and a redraw.
- Modules the first frame does not use are imported inside the functions that need them: the
  command line's commands (`cli/main.py`), the rules and models (`commands/`, `state.py`), notes'
  HTML, Textual's Tabs and Input, tomllib, zoneinfo and logging.handlers.
"""

from __future__ import annotations

import gc

#: Kept off the board's first frame (imported after it; the boundary test and the paint benchmark
#: check it): the commands' rules need pydantic (~100 ms of imports), the writable store
#: sqlite-utils and filelock, the sync the HubSpot client and urllib3 (~150 ms).
NOT_BEFORE_FIRST_PAINT: tuple[str, ...] = (
    "pydantic",
    "sqlite_utils",
    "filelock",
    "hubspot",
    "urllib3",
    "leadboard.state",
    "leadboard.cache.store",
    "leadboard.sync",
)

#: Seconds between the first frame and the first sync (and the SLA settings' check): both import
#: sqlite-utils or the HubSpot client, which held the GIL while Textual's writer thread sent that
#: frame, so it reached the terminal ~35 ms later.
AFTER_FIRST_PAINT = 0.1


def freeze_imports() -> None:
    """Move what the imports built out of the collector's sight: it lives as long as the process,
    and otherwise a full collection scans it all just before the first frame (12-17 ms of the
    board's first paint at 10,000 leads)."""
    gc.freeze()


def freeze_long_lived() -> None:
    """The same for what start-up built since (the board's widgets, or the sync engine and the HubSpot
    client after the first sync), so no later keystroke waits on a full collection that scans it
    (tens of ms). The young generations are collected first (cheap), so fresh garbage is not
    frozen in."""
    gc.collect(1)
    gc.freeze()
