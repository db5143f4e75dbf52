"""Running the sandbox: on an ephemeral port from Python (`running_sandbox`) or from the CLI.

uvicorn runs in a background thread on a socket we bind ourselves, so the caller knows the port
before the first request. Two optional helper threads share the portal with it: one saves the
portal to `--data` at most once a second after writes, one makes HubSpot-side changes (`--live`).
"""

from __future__ import annotations

import logging
import random
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, cast

import uvicorn

from leadboard.sandbox.context import SandboxContext
from leadboard.sandbox.faults import FaultInjector, RequestLog, RequestRecord
from leadboard.sandbox.front_door import TRANSPORT_KEY
from leadboard.sandbox.limits import RateLimits, RequestBudgets
from leadboard.sandbox.oauth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TOKEN_TTL,
    OAuthClient,
    OAuthServer,
)
from leadboard.sandbox.portal import Portal
from leadboard.sandbox.server import create_app
from leadboard.sandbox.settings import PortalSettings
from leadboard.sandbox.write_rules import WriteRules, demo_rules

DEFAULT_TOKEN = "pat-sandbox-0000-demo"

logger = logging.getLogger("leadboard.sandbox")

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn[standard] ships httptools
    _PROTOCOL: type[Any] | str = "h11"
else:

    class _FaultableHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's HTTP protocol, exposing each request's transport so a fault can drop it."""

        def on_message_begin(self) -> None:
            super().on_message_begin()
            cast(dict[str, Any], self.scope)[TRANSPORT_KEY] = self.transport

    _PROTOCOL = _FaultableHttpToolsProtocol


@dataclass
class SandboxHandle:
    """A running sandbox, for tests, benchmarks and `leadboard demo`."""

    base_url: str
    token: str
    rep_email: str
    portal: Portal
    faults: FaultInjector
    context: SandboxContext = field(repr=False)
    client_id: str = DEFAULT_CLIENT_ID  # the user-level app registered for OAuth
    client_secret: str = field(repr=False, default=DEFAULT_CLIENT_SECRET)
    configured_limits: RateLimits = field(repr=False, default_factory=RateLimits)

    def request_log(self) -> list[RequestRecord]:
        """Every HubSpot API request served so far, in order (the admin path is not logged)."""
        return self.context.log.snapshot()

    def clear_request_log(self) -> None:
        self.context.log.clear()

    def add_token(self, token: str, scopes: set[str] | None = None) -> None:
        """Accept another token; `scopes=None` grants every scope."""
        self.context.tokens.add(token, scopes)

    def revoke_token(self, token: str) -> None:
        self.context.tokens.revoke(token)

    def set_rate_limits(self, enabled: bool | RateLimits) -> None:
        """Turn HubSpot's limits on (as configured at start) or off, or replace them."""
        if isinstance(enabled, RateLimits):
            limits = enabled
        elif enabled:
            limits = RateLimits(**{**self.configured_limits.__dict__, "enabled": True})
        else:
            limits = RateLimits.off()
        self.context.budgets.configure(limits)


class _Saver:
    """Writes the portal to its data file at most once per `interval` after writes, and at the end."""

    def __init__(self, portal: Portal, path: Path, interval: float = 1.0) -> None:
        self._portal = portal
        self._path = path
        self._interval = interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leadboard-sandbox-saver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def mark_dirty(self) -> None:
        self._dirty.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if self._dirty.is_set():
                self._dirty.clear()
                self._save()

    def _save(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._portal.save(self._path)
        except Exception:
            logger.exception("Could not save the sandbox portal to %s", self._path)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._save()


class _LiveEvents:
    """Now and then, a HubSpot-side change (new lead, reply, reassignment) so the board's sync shows."""

    def __init__(self, portal: Portal, interval: float, on_change: Any, seed: int) -> None:
        self._portal = portal
        self._interval = interval
        self._on_change = on_change
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leadboard-sandbox-live", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval * self._rng.uniform(0.75, 1.25)):
            try:
                description = self._portal.live_tick(self._rng)
            except Exception:
                logger.exception("A live sandbox event failed")
                continue
            if description:
                logger.info("live: %s", description)
                self._on_change()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class SandboxStartError(RuntimeError):
    """The sandbox could not start (port taken, unreadable data file); the message says why."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise SandboxStartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.setblocking(False)
    return sock


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _load_portal(settings: PortalSettings, data_file: Path | None) -> Portal:
    if data_file is not None and data_file.exists():
        try:
            return Portal.load(data_file, settings)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SandboxStartError(f"cannot load the portal from {data_file}: {exc}") from exc
    return Portal(settings)


def demo_settings() -> PortalSettings:
    """The demo portal: the default seed, with one admin rule a rep meets (a new deal needs an amount)."""
    return PortalSettings(rules=demo_rules())


@contextmanager
def running_sandbox(
    settings: PortalSettings | None = None,
    *,
    token: str = DEFAULT_TOKEN,
    rate_limits: bool | RateLimits = True,
    host: str = "127.0.0.1",
    port: int = 0,
    data_file: str | Path | None = None,
    live: bool = False,
    live_interval: float = 20.0,
    request_log_size: int | None = 50_000,
    oauth_client: OAuthClient | None = None,
) -> Iterator[SandboxHandle]:
    """Serve a sandbox portal in a background thread until the block ends.

    `rate_limits` is a switch, or a `RateLimits` with shorter windows for tests. `oauth_client` is
    the user-level app the portal accepts (default: the sandbox's own client id and secret).
    """
    settings = settings if settings is not None else PortalSettings()
    path = Path(data_file) if data_file is not None else None
    configured = rate_limits if isinstance(rate_limits, RateLimits) else RateLimits()
    active = configured if rate_limits is not False else RateLimits.off()
    portal = _load_portal(settings, path)
    client = oauth_client if oauth_client is not None else OAuthClient()
    context = SandboxContext(
        portal=portal,
        budgets=RequestBudgets(active, clock=settings.clock),
        log=RequestLog(request_log_size),
        oauth=OAuthServer(client, token_ttl=settings.token_ttl, clock=settings.clock),
    )
    context.tokens.add(token)

    with ExitStack() as stack:
        if path is not None:
            saver = _Saver(portal, path)
            saver.start()
            stack.callback(saver.stop)
            context.on_write = saver.mark_dirty
        sock = _bind(host, port)
        stack.callback(sock.close)
        bound_port = sock.getsockname()[1]
        context.base_url = _base_url(host, bound_port)
        server = _start_server(create_app(context), sock)
        stack.callback(_stop_server, server)
        if live:
            events = _LiveEvents(portal, live_interval, context.on_write, seed=settings.seed)
            events.start()
            stack.callback(events.stop)
        yield SandboxHandle(
            base_url=context.base_url,
            token=token,
            rep_email=settings.rep_email,
            portal=portal,
            faults=context.faults,
            context=context,
            client_id=client.client_id,
            client_secret=client.client_secret,
            configured_limits=configured,
        )


@dataclass
class _ServerThread:
    server: uvicorn.Server
    thread: threading.Thread


def _start_server(app: Any, sock: socket.socket) -> _ServerThread:
    config = uvicorn.Config(
        app,
        http=_PROTOCOL,
        ws="none",
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_keep_alive=75,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="leadboard-sandbox-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            raise RuntimeError("the sandbox server did not start; see the log above")
        time.sleep(0.005)
    return _ServerThread(server, thread)


def _stop_server(running: _ServerThread) -> None:
    running.server.should_exit = True
    running.thread.join(timeout=15)
    if running.thread.is_alive():  # pragma: no cover - only if uvicorn hangs
        logger.warning("The sandbox server did not stop within 15 s")


def serve_forever(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    rep_email: str | None = None,
    seed: int = 7,
    rep_leads: int = 150,
    owners: int = 6,
    data_file: str | Path | None = None,
    rate_limits: bool = True,
    search_lag: float = 1.0,
    live: bool = False,
    rules: WriteRules | None = None,
    token_ttl: float = DEFAULT_TOKEN_TTL,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    redirect_uris: tuple[str, ...] = (),
    other_load: int = 0,
    other_search_load: int = 0,
) -> None:
    """What `leadboard sandbox` runs: print how to connect, then serve until Ctrl+C (or SIGTERM)."""
    overrides: dict[str, Any] = {"rep_email": rep_email} if rep_email else {}
    if rules is not None:
        overrides["rules"] = rules
    settings = PortalSettings(
        seed=seed, rep_leads=rep_leads, owners=owners, search_lag=search_lag, token_ttl=token_ttl, **overrides
    )
    client = OAuthClient(client_id, client_secret, redirect_uris)
    _log_to_stderr()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with running_sandbox(
            settings,
            token=token or DEFAULT_TOKEN,
            rate_limits=(
                RateLimits(other_load=other_load, other_search_load=other_search_load)
                if rate_limits
                else False
            ),
            host=host,
            port=port,
            data_file=data_file,
            live=live,
            request_log_size=2_000,
            oauth_client=client,
        ) as handle:
            print(f"url: {handle.base_url}", flush=True)
            print(f"token: {handle.token}", flush=True)
            print(f"email: {handle.rep_email}", flush=True)
            print(f"authorize: {handle.base_url}/oauth/authorize", flush=True)
            print(f"client id: {client.client_id}", flush=True)
            print(f"client secret: {client.client_secret}", flush=True)
            redirects = ["http://127.0.0.1:PORT/callback", "http://localhost:PORT/callback", *redirect_uris]
            print(f"redirect uris: {' '.join(redirects)}", flush=True)
            print("Serving the sandbox portal; press Ctrl+C to stop.", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("Sandbox stopped.", file=sys.stderr, flush=True)
    except SandboxStartError as exc:
        raise SystemExit(f"leadboard sandbox: {exc}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    sandbox_logger = logging.getLogger("leadboard.sandbox")
    sandbox_logger.addHandler(handler)
    sandbox_logger.setLevel(logging.INFO)
