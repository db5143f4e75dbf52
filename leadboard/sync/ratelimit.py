"""A client-side rate limiter, so a rep's sync never meets HubSpot's 429s in the first place.

HubSpot allows a private app 190 requests per rolling 10 s (Professional/Enterprise) and search 5/s
(4/s in older docs), and the search answers carry no rate-limit headers to steer by. So we keep our
own books with margin: two sliding windows (general ≤150 per 10 s, search ≤4 per 1 s; a search
spends from both) and one queue-wide pause that a 429 sets. Every gateway call acquires first.

Thread-safe; the clock and the sleep are injectable so tests run on a fake clock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from leadboard.sync.errors import Cancelled, RateLimited
from leadboard.time_words import within

Kind = Literal["general", "search"]

GENERAL_LIMIT = 150
HUBSPOT_GENERAL_MAX = 190  # what GENERAL_LIMIT keeps a margin under; a smaller Max scales it down
GENERAL_WINDOW = 10.0
SEARCH_LIMIT = 4
SEARCH_WINDOW = 1.0

# When HubSpot gives no Retry-After: wait out the window the policy names (research §9).
POLICY_FALLBACK_SECONDS = {"TEN_SECONDLY_ROLLING": 10.0, "SECONDLY": 1.0}
DEFAULT_FALLBACK_SECONDS = 10.0
# A Retry-After is honoured as given (a long one ends the push run instead of blocking it), up to a day.
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0
MIN_PAUSE_SECONDS = 1.0
# Longest single sleep, so a pause that another thread clears or extends is noticed soon.
MAX_SLEEP_SLICE = 0.5


@dataclass(frozen=True)
class BudgetReading:
    """HubSpot's `X-HubSpot-RateLimit-*` headers from the latest answer that carried them: the
    app's shared window (every rep on one app spends from it) and, where sent, the daily budget."""

    maximum: int
    remaining: int
    interval: float  # seconds
    at: float  # limiter clock
    daily: int | None = None
    daily_remaining: int | None = None

    @property
    def share_left(self) -> float:
        """The part of the shared window left, 0.0 to 1.0."""
        return min(1.0, max(0.0, self.remaining / self.maximum)) if self.maximum > 0 else 1.0


def read_budget(headers: Mapping[str, str] | None, at: float) -> BudgetReading | None:
    """The rate-limit headers of one answer, or None when it carried none (search answers)."""
    if not headers:
        return None
    found = {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-hubspot-ratelimit-")}
    maximum = _header_int(found, "x-hubspot-ratelimit-max")
    remaining = _header_int(found, "x-hubspot-ratelimit-remaining")
    if maximum is None or remaining is None:
        return None
    interval_ms = _header_int(found, "x-hubspot-ratelimit-interval-milliseconds")
    return BudgetReading(
        maximum=maximum,
        remaining=remaining,
        interval=(interval_ms or 10_000) / 1000,
        at=at,
        daily=_header_int(found, "x-hubspot-ratelimit-daily"),
        daily_remaining=_header_int(found, "x-hubspot-ratelimit-daily-remaining"),
    )


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = str(headers.get(name, "")).strip()
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class Pause:
    """The queue-wide pause: no request leaves before `until` (limiter clock)."""

    until: float
    reason: str
    remaining: float


def seconds_until_midnight(now: datetime) -> float:
    """Real seconds from an aware `now` to the next midnight in `now`'s own time zone.

    Compared in UTC: same-zone aware subtraction ignores a DST change in between.
    """
    tomorrow = (now + timedelta(days=1)).date()
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=now.tzinfo)
    return max(0.0, (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds())


def _local_now() -> datetime:
    return datetime.now().astimezone()


def _default_sleep(seconds: float, cancel: threading.Event | None) -> None:
    if cancel is not None:
        cancel.wait(seconds)
    else:
        time.sleep(seconds)


class RateLimiter:
    """Two sliding-window budgets and a pause; `acquire` blocks until a request may go out."""

    def __init__(
        self,
        *,
        general_limit: int = GENERAL_LIMIT,
        general_window: float = GENERAL_WINDOW,
        search_limit: int = SEARCH_LIMIT,
        search_window: float = SEARCH_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float, threading.Event | None], None] = _default_sleep,
        wall_clock: Callable[[], datetime] = _local_now,
        portal_timezone: tzinfo | None = None,
    ) -> None:
        if general_limit < 1 or search_limit < 1 or general_window <= 0 or search_window <= 0:
            raise ValueError("limits must be positive")
        self._limits: dict[Kind, tuple[int, float]] = {
            "general": (general_limit, general_window),
            "search": (search_limit, search_window),
        }
        self._sent: dict[Kind, deque[float]] = {"general": deque(), "search": deque()}
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._portal_timezone = portal_timezone
        self._lock = threading.Lock()
        self._pause_until = float("-inf")
        self._pause_reason = ""
        self._budget: BudgetReading | None = None
        self._rate_limits_met = 0
        self._yield_below: float | None = None

    def now(self) -> float:
        return self._clock()

    def set_portal_timezone(self, zone: tzinfo | None) -> None:
        """HubSpot resets the daily budget at midnight in the portal's zone (account details)."""
        with self._lock:
            self._portal_timezone = zone

    # -- budgets ----------------------------------------------------------------------------------

    def _buckets(self, kind: Kind) -> tuple[Kind, ...]:
        return ("general", "search") if kind == "search" else ("general",)

    def _wait_needed(self, kind: Kind, now: float) -> tuple[float, str]:
        """Seconds until `kind` may go out, and why; caller holds the lock."""
        if now < self._pause_until:
            return self._pause_until - now, self._pause_reason
        wait, reason = 0.0, ""
        budget = self._budget
        if (
            self._yield_below is not None
            and budget is not None
            and now - budget.at <= budget.interval
            and budget.share_left < self._yield_below
        ):
            # A background pull gives way: the rest of the shared window is the reps' pushes. The
            # reading goes stale after one window, and the next answer says how much is left then.
            wait, reason = budget.at + budget.interval - now, "the shared window, left to pushes"
        for bucket in self._buckets(kind):
            limit, window = self._limits[bucket]
            sent = self._sent[bucket]
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) >= limit:
                bucket_wait = sent[len(sent) - limit] + window - now
                if bucket_wait > wait:
                    wait, reason = bucket_wait, f"local {bucket} budget"
        return wait, reason

    def try_acquire(self, kind: Kind = "general") -> float:
        """Take a slot now and return 0.0, or take nothing and return the seconds to wait."""
        with self._lock:
            now = self._clock()
            wait, _ = self._wait_needed(kind, now)
            if wait <= 0:
                for bucket in self._buckets(kind):
                    self._sent[bucket].append(now)
                return 0.0
            return wait

    def acquire(
        self,
        kind: Kind = "general",
        *,
        cancel: threading.Event | None = None,
        max_wait: float | None = None,
    ) -> None:
        """Block until a `kind` request may go out, and count it.

        Raises `Cancelled` when `cancel` is set, and `RateLimited(sent=False)` at once when the wait
        would exceed `max_wait` (e.g. a DAILY pause), so a worker never sleeps for hours.
        """
        waited = 0.0
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Stopped while waiting for HubSpot's rate limit.")
            with self._lock:
                now = self._clock()
                wait, reason = self._wait_needed(kind, now)
                if wait <= 0:
                    for bucket in self._buckets(kind):
                        self._sent[bucket].append(now)
                    return
            if max_wait is not None and waited + wait > max_wait:
                raise RateLimited(
                    f"Waiting for HubSpot's rate limit ({reason}); "
                    f"trying again {within(timedelta(seconds=wait))}.",
                    policy=reason,
                    retry_after=wait,
                    sent=False,
                    status=None,
                )
            step = min(wait, MAX_SLEEP_SLICE)
            start = self._clock()
            self._sleep(step, cancel)
            waited += max(self._clock() - start, 0.0)

    # -- HubSpot's own books ----------------------------------------------------------------------

    def observe(self, headers: Mapping[str, str] | None) -> None:
        """Read the rate-limit headers of an answer: the shared window's state for the pacing
        (pacing.py), and a smaller `Max` than ours (an OAuth app's 110) lowers our general budget
        so one rep's full sync stays under it. An exhausted window holds requests a moment."""
        reading = read_budget(headers, self._clock())
        if reading is None:
            return
        with self._lock:
            self._budget = reading
            limit, window = self._limits["general"]
            fitted = max(1, reading.maximum * GENERAL_LIMIT // HUBSPOT_GENERAL_MAX)
            if fitted < limit:
                self._limits["general"] = (fitted, window)
        if reading.remaining == 0:
            self.pause_for(max(MIN_PAUSE_SECONDS, reading.interval / 10), "HubSpot's shared window")

    @contextmanager
    def yielding(self, reserve: float) -> Iterator[None]:
        """While inside, every request (each page of a pull) waits whenever HubSpot's latest headers
        say less than `reserve` of the shared window is left, and goes once it has recovered."""
        with self._lock:
            self._yield_below = reserve
        try:
            yield
        finally:
            with self._lock:
                self._yield_below = None

    @property
    def budget(self) -> BudgetReading | None:
        """The latest reading of HubSpot's headers, or None before any answer carried them."""
        with self._lock:
            return self._budget

    # -- the queue-wide pause ---------------------------------------------------------------------

    def pause_until(self, until: float, reason: str) -> None:
        """Hold every request until `until` (limiter clock). Never shortens a longer pause."""
        with self._lock:
            if until > self._pause_until:
                self._pause_until = until
                self._pause_reason = reason

    def pause_for(self, seconds: float, reason: str) -> None:
        self.pause_until(self._clock() + max(seconds, 0.0), reason)

    def pause_seconds_for(self, policy: str | None, retry_after: float | None) -> float:
        """How long a 429 should hold the queue: until local (portal) midnight for DAILY, else
        Retry-After clamped to 1 s – 1 day, else the policy's window (10 s rolling, 1 s secondly)."""
        if policy == "DAILY":
            now = self._wall_clock()
            if self._portal_timezone is not None:
                now = now.astimezone(self._portal_timezone)
            return max(seconds_until_midnight(now), MIN_PAUSE_SECONDS)
        if retry_after is not None:
            return min(max(retry_after, MIN_PAUSE_SECONDS), MAX_RETRY_AFTER_SECONDS)
        return POLICY_FALLBACK_SECONDS.get(policy or "", DEFAULT_FALLBACK_SECONDS)

    def pause_for_rate_limit(self, policy: str | None, retry_after: float | None) -> float:
        """Pause the queue as a 429 with this policy and Retry-After asks; returns the seconds."""
        seconds = self.pause_seconds_for(policy, retry_after)
        with self._lock:
            self._rate_limits_met += 1
        self.pause_for(seconds, policy or "RATE_LIMITED")
        return seconds

    @property
    def rate_limits_met(self) -> int:
        """How many 429s HubSpot answered so far, retried or not: the pacing's news that the shared
        allowance is short (search answers carry no headers to say it sooner)."""
        with self._lock:
            return self._rate_limits_met

    def pause_until_epoch(self, until_ms: int, reason: str, *, now_ms: int) -> None:
        """Carry a pause saved in the cache (epoch ms) over to this limiter's clock: a DAILY limit
        met by the last command still holds for the next one."""
        if until_ms > now_ms:
            self.pause_for((until_ms - now_ms) / 1000, reason)

    def clear_pause(self) -> None:
        """Lift the pause (e.g. the rep asked to retry now)."""
        with self._lock:
            self._pause_until = float("-inf")
            self._pause_reason = ""

    @property
    def pause(self) -> Pause | None:
        """The current pause for status displays, or None."""
        with self._lock:
            now = self._clock()
            if now >= self._pause_until:
                return None
            return Pause(self._pause_until, self._pause_reason, self._pause_until - now)
