"""The client-side rate limiter on a fake clock: budgets, the 429 pause, cancellation, threads."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from leadboard.sync.errors import Cancelled, RateLimited
from leadboard.sync.ratelimit import RateLimiter, seconds_until_midnight


class FakeClock:
    """Time that moves only when the limiter sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float, cancel: threading.Event | None) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(clock: FakeClock, **kwargs: object) -> RateLimiter:
    return RateLimiter(clock=clock, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


def max_in_window(times: list[float], window: float) -> int:
    """The most events inside any half-open window of `window` seconds."""
    best, recent = 0, deque[float]()
    for t in times:
        recent.append(t)
        while recent[0] <= t - window:
            recent.popleft()
        best = max(best, len(recent))
    return best


def test_a_burst_never_exceeds_the_general_budget() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    sent: list[float] = []
    for _ in range(400):
        rl.acquire("general")
        sent.append(clock.now)
    assert sent[149] == sent[0]  # the first 150 go at once
    assert sent[150] >= sent[0] + 10.0
    assert max_in_window(sent, 10.0) <= 150
    assert clock.now - sent[0] < 30.0  # and no slower than the budget needs


def test_search_keeps_to_four_a_second_and_spends_the_general_budget() -> None:
    clock = FakeClock()
    rl = limiter(clock, general_limit=10)
    sent: list[float] = []
    for _ in range(12):
        rl.acquire("search")
        sent.append(clock.now)
    assert max_in_window(sent, 1.0) <= 4
    assert max_in_window(sent, 10.0) <= 10
    assert sent[10] >= sent[0] + 10.0  # the 11th search waited for the shared general budget


def test_general_calls_do_not_use_the_search_budget() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    for _ in range(20):
        assert rl.try_acquire("general") == 0.0
    assert rl.try_acquire("search") == 0.0


def test_a_pause_holds_every_kind_and_is_never_shortened() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.pause_for(10.0, "TEN_SECONDLY_ROLLING")
    rl.pause_for(2.0, "SECONDLY")
    pause = rl.pause
    assert pause is not None and pause.reason == "TEN_SECONDLY_ROLLING" and pause.remaining == 10.0
    assert rl.try_acquire("general") == pytest.approx(10.0)
    assert rl.try_acquire("search") == pytest.approx(10.0)
    start = clock.now
    rl.acquire("search")
    assert clock.now == pytest.approx(start + 10.0)
    assert rl.pause is None


def test_clear_pause_lets_requests_go_at_once() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.pause_for(60.0, "TEN_SECONDLY_ROLLING")
    rl.clear_pause()
    assert rl.try_acquire("general") == 0.0


@pytest.mark.parametrize(
    ("policy", "retry_after", "expected"),
    [
        ("TEN_SECONDLY_ROLLING", None, 10.0),
        ("SECONDLY", None, 1.0),
        (None, None, 10.0),
        ("TEN_SECONDLY_ROLLING", 3.0, 3.0),
        ("TEN_SECONDLY_ROLLING", 0.0, 1.0),
        ("SECONDLY", 3600.0, 3600.0),
        ("SECONDLY", 10 * 86400.0, 86400.0),
    ],
)
def test_429_pause_uses_retry_after_clamped_else_the_policy_window(
    policy: str | None, retry_after: float | None, expected: float
) -> None:
    clock = FakeClock()
    rl = limiter(clock)
    assert rl.pause_for_rate_limit(policy, retry_after) == expected
    pause = rl.pause
    assert pause is not None and pause.remaining == pytest.approx(expected)


def test_daily_429_pauses_until_the_next_local_midnight() -> None:
    clock = FakeClock()
    berlin = ZoneInfo("Europe/Berlin")
    late = datetime(2026, 9, 1, 23, 59, 30, tzinfo=berlin)
    rl = limiter(clock, wall_clock=lambda: late)
    assert rl.pause_for_rate_limit("DAILY", 5.0) == pytest.approx(30.0)
    assert rl.pause is not None and rl.pause.reason == "DAILY"


def test_daily_reset_follows_the_portal_time_zone() -> None:
    clock = FakeClock()
    utc_noon = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    rl = limiter(clock, wall_clock=lambda: utc_noon, portal_timezone=ZoneInfo("America/New_York"))
    # 12:00 UTC is 08:00 in New York (EDT): 16 hours to the portal's midnight.
    assert rl.pause_for_rate_limit("DAILY", None) == pytest.approx(16 * 3600)


def test_seconds_until_midnight_across_a_dst_change() -> None:
    # Europe/Berlin leaves summer time on 2026-10-25: that day has 25 hours.
    start = datetime(2026, 10, 25, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert seconds_until_midnight(start) == pytest.approx(25 * 3600)
    assert seconds_until_midnight(datetime(2026, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=2)))) == 3600


def test_a_long_pause_fails_fast_when_the_caller_will_not_wait() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.pause_for(5 * 3600, "DAILY")
    with pytest.raises(RateLimited) as caught:
        rl.acquire("general", max_wait=30.0)
    assert not caught.value.sent
    assert caught.value.policy == "DAILY" and caught.value.daily
    assert caught.value.retry_after == pytest.approx(5 * 3600)
    assert clock.sleeps == []


def test_a_short_wait_within_max_wait_is_waited_out() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.pause_for(2.0, "SECONDLY")
    rl.acquire("general", max_wait=30.0)
    assert sum(clock.sleeps) == pytest.approx(2.0)


def test_a_set_cancel_event_stops_the_wait() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        rl.acquire("general", cancel=cancel)


def test_cancel_wakes_a_thread_blocked_in_a_pause() -> None:
    rl = RateLimiter()  # real clock and sleep
    rl.pause_for(60.0, "TEN_SECONDLY_ROLLING")
    cancel = threading.Event()
    outcome: list[BaseException] = []

    def worker() -> None:
        try:
            rl.acquire("general", cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.05)
    cancel.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_concurrent_takers_get_exactly_the_budget() -> None:
    clock = FakeClock()
    rl = limiter(clock, general_limit=150)
    granted: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        mine = sum(1 for _ in range(50) if rl.try_acquire("general") == 0.0)
        with lock:
            granted.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 150


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(general_limit=0)
