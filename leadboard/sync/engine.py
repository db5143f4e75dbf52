"""The sync engine: metadata → pull → membership reconcile → push, and the status the rep sees.

Blocking by design: the CLI calls it directly and the board runs it in one Textual thread worker.
`status()` and `stop()` may be called from any thread; everything else from one worker thread at a
time. Network and HubSpot trouble never raises out of `sync()`: it ends up in the report and in
`status()` ("offline: 3 changes waiting", "token needs attention", ...). Pushing takes the cache's
single-pusher lock; a second leadboard on the same cache gets `SyncLockHeld` with a clear sentence.

    engine = SyncEngine(load_settings(), resolve_token(settings), on_status=print_status)
    report = engine.sync()            # SyncReport(pull, push, status, error)
    engine.status().line()            # "synced 2 min ago"
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from leadboard.cache.read_model import KEY_AUTH_STATE, KEY_LAST_PULL, KEY_LAST_SYNC, KEY_RATE_PAUSE_UNTIL
from leadboard.cache.store import Store, SyncLockHeld, now_ms
from leadboard.config import Settings
from leadboard.secret import Secret
from leadboard.state import PortalMeta
from leadboard.sync.errors import (
    NOT_SET_UP,
    SIGN_IN_AGAIN,
    AuthFailed,
    Cancelled,
    Dropped,
    GatewayError,
    MissingScopes,
    Offline,
    RateLimited,
    SignInAgain,
)
from leadboard.sync.pacing import RESERVE, Pacer, PacingSettings
from leadboard.sync.push import DEFAULT_MAX_PAUSE_WAIT, DEFAULT_RECONCILE_GRACE, PushReport, push_ready
from leadboard.sync.ratelimit import RateLimiter
from leadboard.time_words import ago, within

if TYPE_CHECKING:
    from leadboard.sync.hubspot import HubSpotGateway
    from leadboard.sync.pull import PullReport
    from leadboard.sync.tokens import TokenProvider

logger = logging.getLogger("leadboard.sync.engine")

#: Seconds before an unknown create is sent again; tests set it short. See push.DEFAULT_RECONCILE_GRACE.
GRACE_ENV = "LEADBOARD_RECONCILE_GRACE"
#: Reads turned away by a short 429 go again this often before the pull gives up (hubspot.py).
READ_RETRIES_AFTER_429 = 3
METADATA_MAX_AGE_MS = 6 * 3600 * 1000  # pipelines and options change rarely; refresh a few times a day
KEY_META_SAVED = "meta_saved_at"  # written by Store.save_portal_meta
#: KEY_AUTH_STATE's value when the rep's OAuth sign-in ended (a refresh was refused): only
#: `leadboard login` mends it, and every process on the cache (board, `leadboard status`) says so.
AUTH_SIGN_IN = "sign-in"

ProgressFn = Callable[[str, int, int | None], None]


class SetupNeeded(GatewayError):
    """Something leadboard needs before it can pull is not configured (the rep's email)."""


@dataclass(frozen=True)
class SyncStatus:
    """What the status line and `leadboard status` show."""

    last_sync_at: datetime | None
    syncing: bool
    pending: int
    failed: int
    conflicts: int
    blocked: int
    offline: bool
    rate_limited_until: datetime | None
    auth_needed: bool
    missing_scopes: tuple[str, ...]
    #: The last pull ended in an error: the board may be out of date, whatever the last good sync was.
    pull_failed: bool = False
    #: The auth trouble is an ended OAuth sign-in (not a wrong token): "sign in again: leadboard login".
    sign_in_again: bool = False
    #: "NAME (portal ID)" when the rep is signed in as themselves (OAuth); None for an account-level key.
    signed_in_as: str | None = None
    #: The credential is a service key or private-app token: HubSpot credits its changes to the key.
    account_level: bool = False
    #: Creates wait for an admin's `leadboard setup` (leadboard's op id property is missing and this
    #: credential may not create it): errors.NOT_SET_UP.
    not_set_up: bool = False
    #: "HubSpot is busy: refreshing every 4 min" while the app's shared budget slows the pulls.
    busy: str | None = None

    def line(self, now: datetime | None = None) -> str:
        """One quiet phrase, the most urgent first: what is wrong, else what waits, else when synced."""
        now = now or datetime.now(UTC)
        waiting = _count(self.pending, "change", "changes")
        if self.auth_needed:
            if self.sign_in_again:
                return SIGN_IN_AGAIN + (f" · {waiting} waiting" if self.pending else "")
            return "token needs attention" + (f": {waiting} waiting" if self.pending else "")
        if self.rate_limited_until is not None and self.rate_limited_until > now:
            # A 429 is HubSpot's shared budget, not the rep's doing: the changes wait and go after.
            seconds = max(1, round((self.rate_limited_until - now).total_seconds()))
            resuming = f"resuming {within(timedelta(seconds=seconds))}"
            if self.pending:
                return f"HubSpot is busy: {waiting} waiting, {resuming}"
            return f"HubSpot is busy: {resuming}"
        if self.offline:
            return f"offline: {waiting} waiting" if self.pending else "offline"
        if self.syncing:
            return "syncing…"
        attention = [
            _count(self.conflicts, "conflict", "conflicts"),
            _count(self.failed, "failed", "failed"),
            _count(self.blocked, "blocked", "blocked"),
        ]
        if self.missing_scopes:
            attention.append("token lacks " + ", ".join(self.missing_scopes))
        if self.pull_failed:
            attention.insert(0, "pull failed")
        if self.not_set_up:
            attention.insert(0, NOT_SET_UP)
        parts = [p for p in attention if p]
        if parts:
            return " · ".join(parts)
        if self.pending:
            return f"{waiting} waiting"
        synced = "not synced yet" if self.last_sync_at is None else f"synced {ago(now - self.last_sync_at)}"
        return f"{synced} · {self.busy}" if self.busy else synced


def _count(n: int, one: str, many: str) -> str:
    if n <= 0:
        return ""
    return f"{n} {one if n == 1 else many}"


def _when(epoch_ms: int | None) -> datetime | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, UTC)


@dataclass
class SyncReport:
    pull: PullReport | None
    push: PushReport | None
    status: SyncStatus
    error: str | None


class SyncEngine:
    """Blocking; the CLI calls it directly, the board from one thread worker. Thread-safe to call
    status()/stop() from another thread."""

    def __init__(
        self,
        settings: Settings,
        token: Secret | str | TokenProvider | None,
        *,
        on_status: Callable[[SyncStatus], None] | None = None,
        limiter: RateLimiter | None = None,
        reconcile_grace: float | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> None:
        self.settings = settings
        self._token = token
        self._on_status = on_status
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.pacer = Pacer(PacingSettings.of(settings))
        self._timeout = timeout
        env_grace = os.environ.get(GRACE_ENV, "").strip()
        self.reconcile_grace = (
            reconcile_grace
            if reconcile_grace is not None
            else float(env_grace)
            if env_grace
            else DEFAULT_RECONCILE_GRACE
        )
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._gateway: HubSpotGateway | None = None
        self._syncing = False
        self._offline = False
        self._auth_needed = False
        self._missing_scopes: tuple[str, ...] = ()
        self._pull_failed = False
        self._sign_in_again = False
        self._snapshot: SyncStatus | None = None

    # --- plumbing ----------------------------------------------------------------------------------

    def store(self) -> Store:
        """This thread's connection to the cache (SQLite connections are per thread)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(self.settings.db)
            self._local.store = store
        return store

    def gateway(self) -> HubSpotGateway:
        """The gateway, built once (AuthFailed when there is no token)."""
        if self._gateway is None:
            from leadboard.sync.hubspot import DEFAULT_TIMEOUT, HubSpotGateway

            token = self._token or ""
            self._gateway = HubSpotGateway(
                self.settings.portal,
                token,
                limiter=self.limiter,
                timeout=self._timeout or DEFAULT_TIMEOUT,
                cancel=self._stop,
                api_version=self.settings.api_version,
                read_retries_after_429=READ_RETRIES_AFTER_429,
            )
        return self._gateway

    def close(self) -> None:
        """Close this thread's cache connection and the gateway's pools."""
        store: Store | None = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None
        if self._gateway is not None:
            self._gateway.close()

    def stop(self) -> None:
        """Cancel waits (rate-limit pauses, backoff, limiter) promptly; later calls return at once."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    # --- status ------------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        """The current status. From a thread that has not used the engine (the board's UI thread),
        the last status the worker reported, so the UI thread never waits on SQLite."""
        snapshot = self._snapshot
        if snapshot is not None and getattr(self._local, "store", None) is None:
            return snapshot
        return self._read_status()

    def _read_status(self) -> SyncStatus:
        counts = self.store().sync_status()
        with self._lock:
            syncing, offline = self._syncing, self._offline
            auth = self._auth_needed or counts.auth_state in ("invalid", AUTH_SIGN_IN)
            sign_in = auth and (self._sign_in_again or counts.auth_state == AUTH_SIGN_IN)
            scopes = self._missing_scopes
            pull_failed = self._pull_failed
        return SyncStatus(
            last_sync_at=_when(counts.last_sync_at),
            syncing=syncing,
            pending=counts.waiting,
            failed=counts.failed,
            conflicts=counts.conflict,
            blocked=counts.blocked,
            offline=offline,
            rate_limited_until=_when(counts.rate_pause_until),
            auth_needed=auth,
            missing_scopes=scopes,
            pull_failed=pull_failed,
            sign_in_again=sign_in,
            signed_in_as=self._signed_in_as(),
            account_level=bool(self._token) and self._signed_in_as() is None,
            not_set_up=counts.waiting > 0 and self.store().outbox.waiting_with(NOT_SET_UP) > 0,
            busy=self.pacer.busy_words(),
        )

    def _signed_in_as(self) -> str | None:
        who = getattr(self._token, "who", None)
        return who if isinstance(who, str) else None

    def _set(self, **flags: Any) -> None:
        with self._lock:
            for name, value in flags.items():
                setattr(self, f"_{name}", value)
        self._emit()

    def _emit(self) -> None:
        self._snapshot = self._read_status()
        if self._on_status is not None:
            try:
                self._on_status(self._snapshot)
            except Exception:  # a UI callback must never break the sync
                logger.exception("the status callback failed")

    def _note_error(self, exc: GatewayError) -> None:
        """Turn a pull error into the status flags the rep sees."""
        if isinstance(exc, Offline | Dropped):  # no answer at all: the network, not HubSpot
            self._set(offline=True)
        elif isinstance(exc, AuthFailed):
            signed_out = isinstance(exc, SignInAgain)
            self.store().set_state(KEY_AUTH_STATE, AUTH_SIGN_IN if signed_out else "invalid")
            self._set(auth_needed=True, sign_in_again=signed_out)
        elif isinstance(exc, MissingScopes):
            self._set(missing_scopes=exc.scopes)
        elif isinstance(exc, RateLimited):
            pause = self.limiter.pause
            seconds = pause.remaining if pause is not None else (exc.retry_after or 1.0)
            self.store().set_state(KEY_RATE_PAUSE_UNTIL, str(now_ms() + int(seconds * 1000)))

    def _restore_pause(self) -> None:
        """A 429 pause saved by an earlier run (another command, before a restart) still holds: the
        limiter takes it over, so no request leaves before HubSpot's limit resets."""
        saved = self.store().get_state(KEY_RATE_PAUSE_UNTIL)
        if saved is not None and saved.isdigit():
            self.limiter.pause_until_epoch(int(saved), "HubSpot's limit", now_ms=now_ms())

    def _note_ok(self) -> None:
        """HubSpot answered: we are online and the token works."""
        store = self.store()
        if store.get_state(KEY_AUTH_STATE) in ("invalid", AUTH_SIGN_IN):
            store.set_state(KEY_AUTH_STATE, "ok")
        self._set(offline=False, auth_needed=False, sign_in_again=False, pull_failed=False)

    # --- the parts ---------------------------------------------------------------------------------

    def meta(self) -> PortalMeta | None:
        """The portal metadata from the cache, or None before the first metadata pull."""
        store = self.store()
        if store.get_state(KEY_META_SAVED) is None:
            return None
        return store.portal_meta()

    def pull(self, *, full: bool = False, progress: ProgressFn | None = None) -> PullReport:
        """Metadata when missing or stale, then the pull cycle (pull_cycle.py: one request when
        nothing changed). Raises GatewayError; `sync()` is the call that never raises."""
        from leadboard.sync import pull
        from leadboard.sync.pull_cycle import pull_cycle

        store, gateway = self.store(), self.gateway()
        self._restore_pause()
        meta = self.meta()
        saved = store.get_state(KEY_META_SAVED)
        if meta is None or meta.owner_id is None or full or _older_than(saved, METADATA_MAX_AGE_MS):
            # Signed in as a user (OAuth): the token says who the rep is; else the configured email.
            user_id = gateway.tokens.user_id
            email = self.settings.email
            if user_id is None and not email:
                raise SetupNeeded(
                    "leadboard needs your HubSpot email to find your leads: "
                    "set it with --email, LEADBOARD_EMAIL or `email = ...` in the config file "
                    "(or sign in as yourself with `leadboard login`)."
                )
            if progress is not None:
                progress("metadata", 0, None)
            meta = pull.pull_metadata(store, gateway, email, user_id=user_id)
        leads_progress = None if progress is None else (lambda n, total: progress("leads", n, total))
        report = pull_cycle(store, gateway, meta, full=full, progress=leads_progress)
        self._note_ok()
        return report

    def push(self, *, wait: float = 0.0, max_pause_wait: float = DEFAULT_MAX_PAUSE_WAIT) -> PushReport:
        """Push the ready ops under the single-pusher lock (`SyncLockHeld` if another process has it).

        `wait` > 0 keeps going through retries due within that many seconds (see `push_ready`); a 429
        pause longer than `max_pause_wait` ends the run (the CLI passes a short one)."""
        store = self.store()
        meta = store.portal_meta()
        self._restore_pause()
        with store.push_lock():
            recovered = store.outbox.recover_after_crash()
            if recovered:
                logger.info("%d change(s) were being sent when leadboard stopped; checking them", recovered)
            report = push_ready(
                store,
                self.gateway(),
                meta,
                stop=self._stop,
                reconcile_grace=self.reconcile_grace,
                max_pause_wait=max_pause_wait,
                wait=wait,
            )
        signed_out = report.auth_failed and store.get_state(KEY_AUTH_STATE) == AUTH_SIGN_IN
        self._set(
            offline=report.offline,
            auth_needed=report.auth_failed,
            sign_in_again=signed_out,
            missing_scopes=tuple(dict.fromkeys(self._missing_scopes + report.missing_scopes)),
        )
        return report

    def pull_timeline(self, lead_id: str) -> int:
        from leadboard.sync import pull

        return pull.pull_timeline(self.store(), self.gateway(), lead_id)

    def sync(
        self,
        *,
        full: bool = False,
        progress: ProgressFn | None = None,
        retry_offline: bool = True,
        background: bool = False,
    ) -> SyncReport:
        """Pull then push. Never raises for network or HubSpot trouble: see the report's `error`.

        `retry_offline`: when the pull worked, HubSpot is reachable, so changes deferred only because
        it was not (`Outbox.retry_offline_now`) are pushed now instead of after the rest of their
        backoff: the rep's `leadboard sync` (or `r` on the board) right after coming back online
        sends what waited. 429 pauses, 5xx backoffs, unknown and failed changes keep their rules.

        `background`: a pull the rep did not ask for (the board's timer, a board's first sync). It
        gives way to the reps' pushes when the app's shared window is nearly spent, before it starts
        and before each page (resuming once the window recovers), and a 429 it meets stretches the
        interval (pacing.py) instead of reaching the status line; `pacer.next_delay()` says when
        the next one should go."""
        if self.stopped:
            return SyncReport(None, None, self._read_status(), "Sync is stopping.")
        self._set(syncing=True, missing_scopes=())
        pull_report: PullReport | None = None
        push_report: PushReport | None = None
        error: str | None = None
        try:
            try:
                if background and not self._background_pull_may_go():
                    logger.info("pull deferred: HubSpot's shared window is nearly spent; pushes go first")
                else:
                    met = self.limiter.rate_limits_met
                    with self.limiter.yielding(RESERVE) if background else nullcontext():
                        pull_report = self.pull(full=full, progress=progress)  # page by page
                    if not pull_report.full:  # a first sync's 429s are its own size, not the floor's load
                        self._paced(
                            changed=pull_report.leads_changed > 0 or bool(pull_report.reassigned),
                            rate_limited=self.limiter.rate_limits_met > met,  # 429s the pull retried
                        )
            except GatewayError as exc:
                if isinstance(exc, RateLimited) and not exc.daily:
                    # The shared budget is short: slow down and let the push go; the rep sees no 429,
                    # at most "HubSpot is busy" while the pause lasts.
                    logger.info("pull met HubSpot's rate limit; the next one goes later")
                    if background and self.store().get_state(KEY_LAST_PULL) is None:
                        self.pacer.retry_soon()  # a first sync: its 429s are its size, not the floor's
                    elif background:
                        self._paced(changed=False, rate_limited=True)
                    else:
                        self._note_error(exc)
                else:
                    logger.info("pull: %s: %s", type(exc).__name__, exc)
                    self._set(pull_failed=not isinstance(exc, Cancelled))
                    self._note_error(exc)
                    error = str(exc)
                    if isinstance(exc, Offline | Dropped | AuthFailed | RateLimited | Cancelled):
                        return self._finish(pull_report, push_report, error)
            if progress is not None:
                progress("push", 0, None)
            if retry_offline and pull_report is not None:
                retried = self.store().outbox.retry_offline_now()
                if retried:
                    logger.info("HubSpot is reachable again: %d waiting change(s) go now", retried)
                # An admin may have run `leadboard setup` since: creates waiting for it try again.
                self.store().outbox.retry_waiting_with_now(NOT_SET_UP)
            try:
                push_report = self.push()
            except SyncLockHeld as exc:
                error = error or str(exc)
            except GatewayError as exc:  # building the gateway (no token)
                self._note_error(exc)
                error = error or str(exc)
            else:
                if push_report.errors and error is None:
                    error = push_report.errors[0]
                if pull_report is not None and not (push_report.offline or push_report.auth_failed):
                    self.store().set_state(KEY_LAST_SYNC, str(now_ms()))
            return self._finish(pull_report, push_report, error)
        finally:
            self._set(syncing=False)

    # --- pacing (pacing.py) ------------------------------------------------------------------------

    def _background_pull_may_go(self) -> bool:
        if self.pacer.may_pull(self.limiter.budget, self.limiter.now()):
            return True
        self._paced(changed=False)
        return False

    def _paced(self, *, changed: bool, rate_limited: bool = False) -> None:
        self.pacer.after_pull(
            budget=self.limiter.budget, now=self.limiter.now(), changed=changed, rate_limited=rate_limited
        )

    def _finish(self, pull: PullReport | None, push: PushReport | None, error: str | None) -> SyncReport:
        with self._lock:
            self._syncing = False
        return SyncReport(pull=pull, push=push, status=self._read_status(), error=error)


def _older_than(stamp: str | None, age_ms: int) -> bool:
    return stamp is None or not stamp.isdigit() or now_ms() - int(stamp) > age_ms
