"""When the next background pull goes: a whole sales floor shares one HubSpot app's budget.

Every rep on one app spends from the same burst window (110 requests per 10 s for an OAuth app) and
the portal's search allowance (5 a second). No server coordinates the boards, so each one steers by
what HubSpot tells it: the `X-HubSpot-RateLimit-*` headers of every answer (read by the limiter,
ratelimit.py) and the 429s it absorbs. The rule, per board:

- the rep's own changes go first: a background pull waits a cycle when the shared window is nearly
  spent (`RESERVE`), so what is left goes to pushes;
- the interval grows by about a quarter when a pull met a 429 (absorbed: HubSpot's search allowance,
  5 a second per account, sends no headers, so a 429's `SECONDLY` policy is the only news of it) or
  when the window's headers run low, up to the ceiling; it comes back by a fixed step a cycle
  (additive increase of the rate, multiplicative decrease: AIMD). Every board steering this way
  converges, without a coordinator, to an interval just above what the shared allowance permits:
  a multiplicative cut costs a board with a long interval more than one with a short one, so the
  boards' intervals move towards one another, and few 429s are met;
- the stretch is randomised (±10 %) and every interval is shortened by up to 10 % at random (the
  interval is a promise: "refreshing every 4 min" is never slower), so boards that met the same
  429 part ways instead of coming back in lock-step; a first sync waits a random part of the
  interval, so boards opened at nine on Monday do not pull in step;
- a pull that found changes shortens the interval (×0.8, down to the floor) only while the board
  is not held back by the shared budget.

Thread-safe: the board's UI thread reads `interval`/`busy_words()` while the sync worker updates it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import timedelta

from leadboard.config import Settings
from leadboard.sync.ratelimit import BudgetReading
from leadboard.time_words import duration

#: Below this share of the shared window left, background pulls wait: the rest is the reps' pushes.
RESERVE = 0.15
#: Below this share, the interval stretches (a floor keeping the window three-quarters used is fine).
LOW = 0.25
STRETCH = 1.25
STRETCH_AFTER_429 = 1.25
#: The stretch is drawn from ±this share around its factor, so boards that met one 429 part ways.
STRETCH_SPREAD = 0.1
#: A stretched interval comes back by this share of the configured interval a cycle (additive).
RECOVER_STEP = 1 / 12
#: Below the configured interval (after lively pulls), quiet pulls bring it back by this factor.
RECOVER = 0.8
#: A pull that found changes shortens the next interval by this factor (down to the floor).
LIVELY = 0.8
JITTER = 0.1
#: A first sync (no cache yet, or a board just opened) waits up to this part of the interval.
FIRST_SYNC_SPREAD = 0.5
#: Slower than the configured interval by this factor reads as "HubSpot is busy".
BUSY_FACTOR = 1.2


@dataclass(frozen=True)
class PacingSettings:
    """`interval`: the configured seconds between pulls; `floor`/`ceiling`: how far it may move."""

    interval: float = 180.0
    floor: float = 30.0
    ceiling: float = 900.0

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.interval <= self.ceiling:
            raise ValueError("the sync floor, interval and ceiling must be positive and in that order")

    @classmethod
    def of(cls, settings: Settings) -> PacingSettings:
        """From `sync_interval` and `[sync]`; the interval wins where the bounds would exclude it."""
        interval = float(settings.sync_interval)
        return cls(
            interval, min(float(settings.sync.floor), interval), max(float(settings.sync.ceiling), interval)
        )


class Pacer:
    """The adaptive interval of one board's background pulls."""

    def __init__(self, settings: PacingSettings | None = None, *, rng: random.Random | None = None) -> None:
        self.settings = settings or PacingSettings()
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._interval = self.settings.interval
        self._stretched = False  # the last change of the interval was the shared budget's doing
        self._soon = False  # a first sync broke off: the next try goes within the floor

    @property
    def interval(self) -> float:
        with self._lock:
            return self._interval

    @property
    def busy(self) -> bool:
        """The board refreshes slower than configured because the shared budget is short."""
        with self._lock:
            return self._stretched and self._interval > self.settings.interval * BUSY_FACTOR

    def busy_words(self) -> str | None:
        """ "HubSpot is busy: refreshing every 4 min" while slowed by the shared budget, else None."""
        if not self.busy:
            return None
        return f"HubSpot is busy: refreshing every {duration(timedelta(seconds=self.interval))}"

    def next_delay(self) -> float:
        """Seconds until the next background pull: the interval, less up to `JITTER` of it."""
        with self._lock:
            soon, self._soon = self._soon, False
        if soon:
            return self.settings.floor * self._rng.uniform(0.5, 1.0)
        return self.interval * self._rng.uniform(1 - JITTER, 1.0)

    def retry_soon(self) -> None:
        """A first sync met HubSpot's limit before it finished: the rep has nothing to see yet, so
        the next try goes within the floor (at a random point of it), not after a whole interval."""
        with self._lock:
            self._soon = True

    def first_delay(self) -> float:
        """Seconds a first sync waits, so many boards started together spread out."""
        return self.settings.interval * FIRST_SYNC_SPREAD * self._rng.random()

    def may_pull(self, budget: BudgetReading | None, now: float) -> bool:
        """False when the shared window is nearly spent (a fresh reading): leave it to pushes."""
        return not _fresh(budget, now) or budget is None or budget.share_left >= RESERVE

    def after_pull(
        self, *, budget: BudgetReading | None, now: float, changed: bool, rate_limited: bool
    ) -> float:
        """Move the interval after a background pull (or one skipped for the reserve); returns it."""
        low = _fresh(budget, now) and budget is not None and budget.share_left < LOW
        base, floor, ceiling = self.settings.interval, self.settings.floor, self.settings.ceiling
        with self._lock:
            current = self._interval
            if rate_limited or low:
                factor = (STRETCH_AFTER_429 if rate_limited else STRETCH) * self._rng.uniform(
                    1 - STRETCH_SPREAD, 1 + STRETCH_SPREAD
                )
                current = min(ceiling, max(current, base) * factor)
                self._stretched = True
            elif current > base:
                current = max(base, current - base * RECOVER_STEP)
            elif changed:
                current = max(floor, current * LIVELY)
                self._stretched = False
            else:
                current = min(base, current / RECOVER)
                self._stretched = False
            self._interval = current
            return current


def _fresh(budget: BudgetReading | None, now: float) -> bool:
    """A reading says something about the window only within about one window of being taken."""
    return budget is not None and now - budget.at <= budget.interval
