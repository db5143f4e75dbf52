"""Outbox → HubSpot: one op at a time, in order per lead, each change exactly once.

The protocol (research/sync-reliability.md, recommendations A–C): `outbox.claim_next` commits the op
`in_flight` before anything is sent; ops.py makes its writes; the result (done + remote ids + the lead
as HubSpot returned it) is committed in one transaction after the answer. What HubSpot says goes
through `_on_error` (DESIGN.md "Errors" and the table in errors.py):

    Offline, 5xx            back to pending with backoff + jitter; the run stops when offline
    Dropped (no answer)     as Ambiguous below, and the report says offline (the network, not HubSpot)
    Ambiguous / 5xx create  unknown: the next attempt reconciles (marker, or re-read) before any re-send
    429                     the whole queue pauses (not an attempt, not a failure), then resumes
    401                     pushing stops; ops stay pending; status "token needs attention"
    403                     failed, naming the missing scopes
    portal not set up       waits (not failed, not an attempt's fault) until an admin runs
                            `leadboard setup`; rechecked every SETUP_RECHECK, at once on an explicit sync
    400 and other 4xx       failed with HubSpot's message; the rep's text stays in the op
    404 on the lead         blocked: archived or deleted

Call from a worker thread that holds `store.push_lock()` (the engine does) and has run
`store.outbox.recover_after_crash()` since taking it.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from leadboard.cache.outbox import Op
from leadboard.cache.read_model import KEY_AUTH_STATE, KEY_RATE_PAUSE_UNTIL
from leadboard.cache.store import Store, now_ms
from leadboard.commands.registry import partial_push_words
from leadboard.state import PortalMeta
from leadboard.sync.crashpoints import crash_point
from leadboard.sync.errors import (
    Ambiguous,
    AuthFailed,
    Cancelled,
    Dropped,
    GatewayError,
    MissingScopes,
    NotFound,
    Offline,
    PortalNotSetUp,
    RateLimited,
    ServerError,
    SignInAgain,
)
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.ops import OpRunner, WaitBeforeResend, steps_for

logger = logging.getLogger("leadboard.sync.push")

#: Before re-sending a create whose outcome is unknown and that was not found: HubSpot may still
#: commit the first request late (research §2, "wait at least about 60–120 s").
DEFAULT_RECONCILE_GRACE = 90.0
#: The longest 429 pause the push waits out itself; a longer one (a DAILY limit) ends the run.
DEFAULT_MAX_PAUSE_WAIT = 60.0
BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0
#: Server errors in a row after which the run stops (HubSpot is having a bad moment).
MAX_SERVER_ERRORS_IN_A_ROW = 3
#: How long a create waits before checking again whether an admin has set the portal up.
SETUP_RECHECK_MS = 10 * 60 * 1000


@dataclass
class PushReport:
    """What one push run did. The first six fields are the contract; the rest feed the status line."""

    done: int = 0
    failed: int = 0
    conflicts: int = 0
    blocked: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    offline: bool = False
    auth_failed: bool = False
    rate_limited_until: int | None = None  # epoch ms
    missing_scopes: tuple[str, ...] = ()
    #: A create waits for an admin's `leadboard setup` (errors.NOT_SET_UP); these scopes were missing.
    not_set_up: bool = False


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: half the step fixed, half random, so retries never bunch up."""
    step = min(BACKOFF_CAP, BACKOFF_BASE * float(2 ** min(max(attempts - 1, 0), 20)))
    jitter = rng.uniform(0, step / 2) if rng is not None else random.uniform(0, step / 2)
    return step / 2 + jitter


def next_due(store: Store) -> int | None:
    """When the earliest claimable op becomes due (epoch ms; 0 = now), or None when none waits."""
    return store.outbox.next_due()


Action = Literal["continue", "stop"]


class Pusher:
    """One push run's state: the op runner, the report and the run's stop conditions."""

    def __init__(
        self,
        store: Store,
        gateway: HubSpotGateway,
        meta: PortalMeta,
        *,
        stop: threading.Event,
        reconcile_grace: float,
        max_pause_wait: float,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.stop = stop
        self.max_pause_wait = max_pause_wait
        self.clock = clock
        self.runner = OpRunner(store, gateway, meta, grace_ms=int(reconcile_grace * 1000), clock=clock)
        self.report = PushReport()
        self._server_errors = 0
        self._auth_cleared = False

    def run(self, *, wait: float) -> PushReport:
        self._clear_stale_pause()
        outbox = self.store.outbox
        while not self.stop.is_set():
            op = outbox.claim_next(now=self.clock())
            if op is None:
                if self._wait_for_next(wait):
                    continue
                break
            crash_point("after_claim")
            if self._push_one(op) == "stop":
                break
        return self.report

    def _wait_for_next(self, wait: float) -> bool:
        """Sleep until the next deferred op is due if that is within `wait` seconds; False if not."""
        due = next_due(self.store)
        if due is None or wait <= 0:
            return False
        delay = max(due - self.clock(), 0) / 1000
        if delay > wait:
            return False
        return not self.stop.wait(delay + 0.01)

    def _push_one(self, op: Op) -> Action:
        report = self.report
        try:
            outcome = self.runner.run(op)
        except WaitBeforeResend as waiting:
            self.store.outbox.defer(
                op.op_id,
                until=waiting.until,
                ambiguous=True,
                counts_as_attempt=False,
                error="Checking whether HubSpot saved this before sending it again.",
            )
            report.deferred += 1
            return "continue"
        except GatewayError as exc:
            return self._on_error(op, exc)
        except Exception as exc:  # a bug: keep the op (and the rep's text) visible, never in_flight
            logger.exception("op %s (%s) failed unexpectedly", op.op_id, op.kind)
            message = (
                f"leadboard hit an internal error while sending this ({type(exc).__name__}). "
                "Your change is kept: retry it, and report the problem if it happens again."
            )
            self.store.outbox.finish_failed(op.op_id, message)
            report.failed += 1
            report.errors.append(message)
            return "continue"
        self._server_errors = 0
        self._note_success()
        report.offline = False  # HubSpot answered after all
        if outcome == "done":
            report.done += 1
        elif outcome == "conflict":
            report.conflicts += 1
        else:
            report.blocked += 1
        logger.info("op %s (%s, lead %s): %s", op.op_id, op.kind, op.lead_id, outcome)
        return "continue"

    # --- errors ------------------------------------------------------------------------------------

    def _on_error(self, op: Op, exc: GatewayError) -> Action:
        outbox, report, now = self.store.outbox, self.report, self.clock()
        message = str(exc)
        logger.info("op %s (%s): %s: %s", op.op_id, op.kind, type(exc).__name__, message)
        if isinstance(exc, RateLimited):
            return self._rate_limited(op, exc)
        if isinstance(exc, Cancelled):
            outbox.defer(op.op_id, until=now, counts_as_attempt=False, error=None)
            return "stop"
        if isinstance(exc, AuthFailed):
            outbox.defer(op.op_id, until=now, counts_as_attempt=False, error=message, http_status=exc.status)
            # "sign-in" (engine.AUTH_SIGN_IN): the rep's OAuth sign-in ended, only `leadboard login` helps.
            self.store.set_state(KEY_AUTH_STATE, "sign-in" if isinstance(exc, SignInAgain) else "invalid")
            report.auth_failed = True
            report.errors.append(message)
            return "stop"
        if isinstance(exc, Offline):
            outbox.defer(op.op_id, until=now + self._backoff_ms(op), error=message)
            report.offline = True
            report.deferred += 1
            return "stop"
        if isinstance(exc, Ambiguous | ServerError):
            # No answer (or a 5xx to a create): it may have landed, so the op is unknown until checked.
            unknown = isinstance(exc, Ambiguous) or exc.is_create
            outbox.defer(
                op.op_id,
                until=now + self._backoff_ms(op),
                ambiguous=unknown,
                error=message,
                http_status=exc.status,
                no_answer=isinstance(exc, Dropped),
            )
            report.deferred += 1
            report.offline = report.offline or isinstance(exc, Dropped)
            self._server_errors += 1
            return "stop" if self._server_errors >= MAX_SERVER_ERRORS_IN_A_ROW else "continue"
        self._note_success()  # HubSpot answered: the token works
        if isinstance(exc, PortalNotSetUp):
            # Only someone allowed to create leadboard's property can end this wait: the change waits
            # with its text, and nothing was created (HubSpot's 400 makes nothing).
            outbox.defer(op.op_id, until=now + SETUP_RECHECK_MS, error=str(exc), http_status=exc.status)
            logger.info("%s (%s)", exc.refusal, ", ".join(exc.scopes) or "no permission to edit properties")
            report.not_set_up = True
            report.deferred += 1
            return "continue"
        if isinstance(exc, MissingScopes) and exc.scopes:
            scopes = ", ".join(exc.scopes)
            message = (
                f"HubSpot refused this: the access token lacks the scopes {scopes}. An admin adds them "
                "to leadboard's app in HubSpot, then you run `leadboard login` again and retry."
            )
            report.missing_scopes = tuple(dict.fromkeys(report.missing_scopes + exc.scopes))
        elif isinstance(exc, MissingScopes):
            # A 403 without scopes: the signed-in user may not change this record (another owner's
            # lead, a team they are not on). Only HubSpot's permissions, or the owner, can change that.
            message = f"{message} You may only change what your HubSpot user may edit; the change is kept."
        elif isinstance(exc, NotFound):
            reason = f"{message} Your change was not sent; discard it or retry later."
            outbox.finish_blocked(op.op_id, self._with_steps(op, reason))
            report.blocked += 1
            return "continue"
        message = self._with_steps(op, message)
        outbox.finish_failed(op.op_id, message, http_status=exc.status, correlation_id=exc.correlation_id)
        report.failed += 1
        report.errors.append(message)
        return "continue"

    def _with_steps(self, op: Op, message: str) -> str:
        """A compound op that stopped part way says which of its steps reached HubSpot (they stay)."""
        current = self.store.outbox.get(op.op_id)
        steps = partial_push_words(steps_for(current), current.step)
        return f"{message} {steps}" if steps else message

    def _rate_limited(self, op: Op, exc: RateLimited) -> Action:
        """Pause the whole queue: defer the op (not an attempt), wait the pause out, carry on."""
        pause = self.gateway.limiter.pause
        seconds = pause.remaining if pause is not None else (exc.retry_after or 1.0)
        until = self.clock() + int(seconds * 1000)
        self.store.outbox.defer(
            op.op_id, until=until, counts_as_attempt=False, error=str(exc), http_status=exc.status
        )
        self.store.set_state(KEY_RATE_PAUSE_UNTIL, str(until))
        self.report.rate_limited_until = until
        self.report.deferred += 1
        if exc.daily:  # the account's whole day is spent: the rep must know nothing goes before midnight
            self.report.errors.append(str(exc))
            return "stop"
        if seconds > self.max_pause_wait:  # the change stays pending and goes when the window recovers
            return "stop"
        logger.info("HubSpot rate limit: the queue waits %.1f s", seconds)
        if self.stop.wait(seconds):
            return "stop"
        self.store.set_state(KEY_RATE_PAUSE_UNTIL, None)
        self.report.rate_limited_until = None
        return "continue"

    def _backoff_ms(self, op: Op) -> int:
        return int(backoff_seconds(op.attempts) * 1000)

    def _note_success(self) -> None:
        if not self._auth_cleared:
            self._auth_cleared = True
            if self.store.get_state(KEY_AUTH_STATE) == "invalid":
                self.store.set_state(KEY_AUTH_STATE, "ok")

    def _clear_stale_pause(self) -> None:
        value = self.store.get_state(KEY_RATE_PAUSE_UNTIL)
        if value is not None and (not value.isdigit() or int(value) <= self.clock()):
            self.store.set_state(KEY_RATE_PAUSE_UNTIL, None)


def push_ready(
    store: Store,
    gateway: HubSpotGateway,
    meta: PortalMeta,
    *,
    stop: threading.Event | None = None,
    reconcile_grace: float = DEFAULT_RECONCILE_GRACE,
    max_pause_wait: float = DEFAULT_MAX_PAUSE_WAIT,
    wait: float = 0.0,
) -> PushReport:
    """Push every op that is ready, one at a time in per-lead order, and report what happened.

    Never raises for network or HubSpot trouble (that is in the report and the ops). `wait` > 0 keeps
    the run going through deferrals due within that many seconds (backoff, the reconcile grace), so a
    caller can drain the queue; 429 pauses up to `max_pause_wait` are always waited out. `stop`
    ends the run promptly, leaving every op as it was.
    """
    pusher = Pusher(
        store,
        gateway,
        meta,
        stop=stop or threading.Event(),
        reconcile_grace=reconcile_grace,
        max_pause_wait=max_pause_wait,
    )
    return pusher.run(wait=wait)
