"""HubSpot's request limits on a Professional portal: per private-app token, or per OAuth app.

The sync engine has to live within these limits against the real HubSpot, so the sandbox enforces
them the same way: a rolling ten-second burst window with `X-HubSpot-RateLimit-*` headers on every
non-search response, a separate per-second window for search (which HubSpot answers without rate
limit headers), and a daily budget. A request turned away with 429 spends no budget.

An OAuth app's tokens share one budget, keyed by the client id: 110 requests per 10 s, with no
daily budget or daily headers (research/hubspot-2026.md §4). The search allowance (5 a second) is
the account's: every token and app of the portal spends from one (research/hubspot-api.md).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class RateLimits:
    """The limits the sandbox enforces; tests shrink the windows instead of sleeping ten seconds."""

    enabled: bool = True
    burst_max: int = 190  # per private-app token or service key
    app_burst_max: int = 110  # per OAuth app: all of one client id's tokens share it
    burst_window: float = 10.0
    search_max: int = 5
    search_window: float = 1.0
    daily_max: int = 650_000
    #: Simulated other reps on the same app (or token): how many requests of every burst window,
    #: and searches of every search window, they keep in use. The headers count them, and a window
    #: they fill turns everyone else away with HubSpot's 429.
    other_load: int = 0
    other_search_load: int = 0

    @classmethod
    def off(cls) -> RateLimits:
        return cls(enabled=False)


@dataclass
class LimitDecision:
    """What the request budgets say about one request: headers to add, or the 429 to answer instead."""

    headers: dict[str, str] = field(default_factory=dict)
    rejected_body: dict[str, Any] | None = None
    retry_after: int = 0

    @property
    def allowed(self) -> bool:
        return self.rejected_body is None

    def rejection_headers(self) -> dict[str, str]:
        return {**self.headers, "Retry-After": str(self.retry_after)}


#: The key of the account-wide search window among the per-token and per-app budgets.
ACCOUNT_SEARCH = "account:search"


@dataclass
class _TokenUsage:
    burst: deque[float] = field(default_factory=deque)
    search: deque[float] = field(default_factory=deque)
    day: str = ""
    daily_used: int = 0


def rate_limit_body(policy: str) -> dict[str, Any]:
    """HubSpot's 429 body for a policy (`TEN_SECONDLY_ROLLING`, `SECONDLY` or `DAILY`).

    HubSpot's own body carries `errorType` and `policyName`; `category` is added so the body also
    satisfies the OpenAPI `Error` schema, which requires it.
    """
    return {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
        "requestId": str(uuid.uuid4()),
        "category": "RATE_LIMITS",
    }


class RequestBudgets:
    """HubSpot's per-token request budgets, as the server enforces them (429s included).

    Thread-safe; `check` both decides and, when it allows, spends budget. Not to be confused with
    the product's client-side `leadboard.sync.ratelimit.RateLimiter`, which keeps leadboard under them.
    """

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.time) -> None:
        """`clock` is wall time in seconds (the portal's clock, so tests can move both at once)."""
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._usage: dict[str, _TokenUsage] = {}

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def configure(self, limits: RateLimits) -> None:
        """Swap the limits (e.g. turn them off) and forget what was spent under the old ones."""
        with self._lock:
            self._limits = limits
            self._usage.clear()

    def check(self, token: str, *, search: bool, app: str | None = None) -> LimitDecision:
        """Spend one request of `token`'s budget, or of OAuth app `app`'s shared one when given."""
        limits = self._limits
        if not limits.enabled:
            return LimitDecision()
        now = self._clock()
        today = time.strftime("%Y-%m-%d", time.localtime(now))
        with self._lock:
            usage = self._usage.setdefault(f"app:{app}" if app is not None else token, _TokenUsage())
            if app is not None:
                limits = replace(limits, burst_max=limits.app_burst_max, daily_max=0)
            if usage.day != today:
                usage.day, usage.daily_used = today, 0
            if limits.daily_max and usage.daily_used >= limits.daily_max:
                return self._reject("DAILY", self._headers(usage, limits, search), _seconds_to_midnight(now))
            if search:  # one allowance for the whole account, whichever token or app asks
                return self._check_window(
                    self._usage.setdefault(ACCOUNT_SEARCH, _TokenUsage()).search,
                    limits.search_max,
                    limits.search_window,
                    now,
                    usage,
                    limits,
                    "SECONDLY",
                    search=True,
                    others=limits.other_search_load,
                )
            return self._check_window(
                usage.burst,
                limits.burst_max,
                limits.burst_window,
                now,
                usage,
                limits,
                "TEN_SECONDLY_ROLLING",
                search=False,
                others=limits.other_load,
            )

    def _check_window(
        self,
        window: deque[float],
        maximum: int,
        length: float,
        now: float,
        usage: _TokenUsage,
        limits: RateLimits,
        policy: str,
        *,
        search: bool,
        others: int = 0,
    ) -> LimitDecision:
        while window and window[0] <= now - length:
            window.popleft()
        if len(window) + others >= maximum:
            wait = window[0] + length - now if window else length
            return self._reject(policy, self._headers(usage, limits, search), max(1, math.ceil(wait)))
        window.append(now)
        usage.daily_used += 1
        return LimitDecision(headers=self._headers(usage, limits, search))

    @staticmethod
    def _headers(usage: _TokenUsage, limits: RateLimits, search: bool) -> dict[str, str]:
        if search:
            return {}
        headers = {
            "X-HubSpot-RateLimit-Max": str(limits.burst_max),
            "X-HubSpot-RateLimit-Remaining": str(
                max(0, limits.burst_max - len(usage.burst) - limits.other_load)
            ),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(round(limits.burst_window * 1000)),
        }
        if limits.daily_max:  # an OAuth app's budget (daily_max 0) has no daily headers
            headers["X-HubSpot-RateLimit-Daily"] = str(limits.daily_max)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, limits.daily_max - usage.daily_used))
        return headers

    @staticmethod
    def _reject(policy: str, headers: dict[str, str], retry_after: int) -> LimitDecision:
        return LimitDecision(headers=headers, rejected_body=rate_limit_body(policy), retry_after=retry_after)


def _seconds_to_midnight(now: float) -> int:
    local = time.localtime(now)
    return max(1, 86_400 - (local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec))
