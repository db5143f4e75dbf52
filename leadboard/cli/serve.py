"""`leadboard serve` and `leadboard demo --serve`: the same board in a browser tab.

textual-serve runs one board process per browser connection and draws it with xterm.js. It has no
authentication of its own, so every path it serves sits under a random secret made at each start
(`http://127.0.0.1:PORT/SECRET/`, printed and opened as Jupyter does): a request whose path does not
start with that secret gets 403 and nothing of the board, and the page's own links (its scripts,
its websocket) carry the secret because the routes are registered under it. The routes use
textual-serve's public handlers on an aiohttp app of our own, so the check sits in front of all of
them and the secret never reaches a log line (no access log).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import secrets
import shlex
import signal
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import click
from aiohttp import web
from aiohttp.typedefs import Middleware

from leadboard.config import Settings
from leadboard.secret import secret_text

__all__ = ["ServePlan", "board_command", "remote_host_warning", "run_serve", "serve_board", "serve_demo"]

log = logging.getLogger(__name__)

#: How long a board process gets to quit after `leadboard serve` is stopped.
QUIT_TIMEOUT = 10.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ServePlan:
    """What to serve and where: the shell command of each board process, the address, the browser."""

    command: str
    host: str = "127.0.0.1"
    port: int = 8766
    open_browser: bool = True


def board_command(settings: Settings) -> str:
    """The shell line textual-serve runs per tab: this Python, this leadboard, these settings.

    textual-serve hands the line to a shell, so each part is quoted; `exec` makes the board the
    process the server waits for, with no shell left in between."""
    parts = [sys.executable, "-m", "leadboard", "--portal", settings.portal, "--db", str(settings.db)]
    if settings.email:
        parts += ["--email", settings.email]
    return "exec " + shlex.join(parts)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def remote_host_warning(host: str, allow_remote: bool) -> str | None:
    """The warning for a non-loopback `host` the rep asked for; click's usage error when not asked."""
    if is_loopback(host):
        return None
    if not allow_remote:
        raise click.UsageError(
            f"--host {host} would let other machines reach your board. leadboard serves on 127.0.0.1 "
            "only unless you also pass --allow-remote."
        )
    return (
        f"serving on {host}: anyone on that network who has the URL can act as you in HubSpot. "
        "Plain HTTP: the secret in the URL crosses the network unencrypted."
    )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _refusing_without(secret: str) -> Middleware:
    """The middleware: 403 unless the path's first segment is the secret (compared in constant time)."""
    expected = secret.encode()

    @web.middleware
    async def require_secret(request: web.Request, handler: Handler) -> web.StreamResponse:
        first = request.path.lstrip("/").partition("/")[0]
        if not hmac.compare_digest(first.encode(), expected):
            return web.Response(
                status=403, text="403 Forbidden: open the full URL that `leadboard serve` printed.\n"
            )
        response = await handler(request)
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    return require_secret


def _web_app(plan: ServePlan, secret: str) -> tuple[web.Application, set[asyncio.Task[object]]]:
    """textual-serve's handlers under `/<secret>/`; the set holds the tabs' running websocket tasks."""
    import aiohttp_jinja2
    import jinja2
    from textual_serve.server import Server

    server = Server(plan.command, host=plan.host, port=plan.port, title="leadboard")
    sessions: set[asyncio.Task[object]] = set()

    async def tab(request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        sessions.add(task)
        try:
            return await server.handle_websocket(request)
        finally:
            sessions.discard(task)

    async def quit_tabs(_app: web.Application) -> None:
        """Each tab's handler tells its board to quit when cancelled, then waits for it to end."""
        running = list(sessions)
        for task in running:
            task.cancel()
        if running:
            _done, pending = await asyncio.wait(running, timeout=QUIT_TIMEOUT)
            if pending:
                log.warning("%d board process(es) did not quit in %.0f s", len(pending), QUIT_TIMEOUT)

    app = web.Application(middlewares=[_refusing_without(secret)])
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(server.templates_path))
    prefix = f"/{secret}"
    app.add_routes(
        [
            web.get(f"{prefix}/", server.handle_index, name="index"),
            web.get(f"{prefix}/ws", tab, name="websocket"),
            web.get(f"{prefix}/download/{{key}}", server.handle_download, name="download"),
            web.static(f"{prefix}/static", Path(server.statics_path), name="static"),
        ]
    )
    app.on_shutdown.append(quit_tabs)
    app["textual_serve"] = server
    return app, sessions


async def _serve(plan: ServePlan, secret: str, on_ready: Callable[[str], None]) -> None:
    app, _sessions = _web_app(plan, secret)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, plan.host, plan.port)
        try:
            await site.start()
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {plan.host}:{plan.port}: {exc.strerror or exc}"
            ) from None
        port = int(runner.addresses[0][1])
        base = f"http://{_url_host(plan.host)}:{port}"
        app["textual_serve"].public_url = base  # the page's script and websocket links point here
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        on_ready(f"{base}/{secret}/")
        await stop.wait()
    finally:
        await runner.cleanup()


def run_serve(plan: ServePlan, *, warning: str | None = None) -> None:
    """Serve until Ctrl+C or SIGTERM; then every tab's board quits and the port is closed."""
    from leadboard.logs import register_secret

    secret = secrets.token_urlsafe(32)
    register_secret(secret)

    def ready(url: str) -> None:
        if warning:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(f"leadboard is serving your board at:\n\n    {url}\n")
        click.echo("Anyone with this URL can use the board as you: keep it to yourself. Ctrl+C stops it.")
        sys.stdout.flush()
        if plan.open_browser:
            with contextlib.suppress(webbrowser.Error):
                webbrowser.open(url)

    asyncio.run(_serve(plan, secret, ready))


def serve_board(
    *,
    host: str,
    port: int,
    open_browser: bool,
    allow_remote: bool,
    given: tuple[str | None, str | None, str | None],
) -> int:
    """`leadboard serve`: check what the board needs before any tab opens, then serve it."""
    from leadboard.cli.launch import board_start_problem
    from leadboard.config import ConfigError, load_settings
    from leadboard.logs import setup_logging

    warning = remote_host_warning(host, allow_remote)
    portal, email, db = given
    try:
        settings = load_settings(portal=portal, email=email, db=db)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    problem = board_start_problem(settings)
    if problem is not None:
        raise click.ClickException(problem)
    setup_logging()
    run_serve(ServePlan(board_command(settings), host, port, open_browser), warning=warning)
    return 0


def serve_demo(*, reset: bool, port: int, open_browser: bool) -> int:
    """`leadboard demo --serve`: one demo portal for every tab, each tab its own board on it.

    The demo rep signs in through the portal's OAuth once, as plain `leadboard demo` does, and the
    sign-in is stored as `leadboard login` stores it: each tab's board finds it there, as a rep's
    board does, and refreshes it under the shared lock. The tabs inherit the demo app's client id
    and secret (a refresh needs them) and no access token: a HUBSPOT_ACCESS_TOKEN of the rep's own
    is taken out, or it would win over the sign-in and reach the sandbox."""
    import os

    from leadboard.cli.credentials import TOKEN_ENV
    from leadboard.cli.launch import DemoStartError, signed_in_demo
    from leadboard.config import AUTH_ENV_OVERRIDES

    try:
        with signed_in_demo(reset=reset) as (settings, _tokens):
            os.environ.pop(TOKEN_ENV, None)
            os.environ[AUTH_ENV_OVERRIDES["client_id"]] = settings.auth.client_id or ""
            os.environ[AUTH_ENV_OVERRIDES["client_secret"]] = secret_text(settings.auth.client_secret) or ""
            run_serve(ServePlan(board_command(settings), "127.0.0.1", port, open_browser))
    except DemoStartError as exc:
        click.echo(f"leadboard: {exc}", err=True)
        return 1
    return 0
