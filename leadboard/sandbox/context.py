"""Everything one running sandbox shares between its HTTP layers, its admin path and its runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from leadboard.sandbox.auth import TokenRegistry
from leadboard.sandbox.faults import FaultInjector, RequestLog
from leadboard.sandbox.limits import RateLimits, RequestBudgets
from leadboard.sandbox.oauth import OAuthClient, OAuthServer
from leadboard.sandbox.portal import Portal

MAX_BODY_BYTES = 1024 * 1024


def _nothing() -> None:
    return None


@dataclass
class SandboxContext:
    """The portal plus the server-side state around it (tokens, limits, faults, the request log)."""

    portal: Portal
    tokens: TokenRegistry = field(default_factory=TokenRegistry)
    budgets: RequestBudgets = field(default_factory=lambda: RequestBudgets(RateLimits()))
    oauth: OAuthServer = field(default_factory=lambda: OAuthServer(OAuthClient()))
    faults: FaultInjector = field(default_factory=FaultInjector)
    log: RequestLog = field(default_factory=RequestLog)
    max_body_bytes: int = MAX_BODY_BYTES
    base_url: str = ""
    # Called after every successful write through the API, so the runner can persist the portal.
    on_write: Callable[[], None] = _nothing
