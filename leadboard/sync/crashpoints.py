"""Named crash points inside the push, so tests can kill a real process exactly where it hurts.

`LEADBOARD_CRASH_AT=<name>[:<nth>]` makes the process `os._exit(70)` the nth time (default: the
first) it reaches the named point: no cleanup, no `finally`, no SQLite commit, like `kill -9`.
Unset (always, outside tests) every point costs one dictionary lookup.

The points, in the order an op meets them:

    after_claim                    the op is committed in_flight; nothing sent yet
    after_send                     a write request is on the wire: the process dies while HubSpot
                                   handles it (or, if the answer is quicker, as soon as it arrives)
    after_response_before_commit   HubSpot answered a write; its result is not yet in SQLite
    between_steps                  a compound op recorded one step; the next has not started
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

ENV = "LEADBOARD_CRASH_AT"
#: How long `after_send` lets a request be in the air before killing the process (seconds).
DELAY_ENV = "LEADBOARD_CRASH_DELAY"
EXIT_CODE = 70
POINTS: tuple[str, ...] = ("after_claim", "after_send", "after_response_before_commit", "between_steps")

_hits: dict[str, int] = {}
_lock = threading.Lock()


def armed() -> tuple[str, int] | None:
    """The (point, nth) the environment asks for, or None."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    name, _, nth = raw.partition(":")
    return name.strip(), int(nth) if nth.strip().isdigit() else 1


def _reached(name: str) -> bool:
    """Count a visit to `name`; True when this visit is the one the environment asks to crash at."""
    target = armed()
    if target is None or target[0] != name:
        return False
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        return _hits[name] == target[1]


def _die() -> None:
    os._exit(EXIT_CODE)


def crash_point(name: str) -> None:
    """Exit the process here if the environment names this point (and this is the nth visit)."""
    if _reached(name):
        _die()


@contextmanager
def request_in_flight(name: str = "after_send") -> Iterator[None]:
    """Around a write request: when armed, the process dies while the request is in the air.

    A timer kills it `LEADBOARD_CRASH_DELAY` seconds (default 0.2) after sending; a test makes the
    server slower than that (a `delay` fault) so the request is truly unanswered. If the answer
    comes first, the process dies the moment it arrives, still before anything is committed.
    """
    if not _reached(name):
        yield
        return
    delay = float(os.environ.get(DELAY_ENV, "0.2") or 0.2)

    def die_later() -> None:
        time.sleep(delay)
        _die()

    timer = threading.Thread(target=die_later, daemon=True)
    timer.start()
    try:
        yield
    finally:
        _die()
