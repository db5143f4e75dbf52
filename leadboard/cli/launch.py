"""Opening the board: `leadboard` (a configured portal) and `leadboard demo` (a sandbox portal).

main.py calls `run_board(settings)` and `run_demo(reset=...)`; both return the process exit code.
A rep with a cache gets the board at once: the token is looked up on the sync thread after the
first frame (the keyring's import alone takes ~50 ms), and a missing one shows on the board as
"token needs attention" with what to run. Without a cache there is nothing to show yet, so the
token is checked first and a missing one is one clear line on the terminal.
The demo needs no account and no configuration: it starts a sandbox portal kept in the user data
dir (live HubSpot-side activity on), points a copy of the settings at it with its own cache, and
opens the board as the demo rep, signed in through the portal's OAuth (stored as `leadboard login`
stores a sign-in while the demo runs, removed when it ends); nothing else is kept but the demo
portal, the demo cache and (if the rep changes it) the theme.
"""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from leadboard.config import APP_NAME, ConfigError, Settings, load_settings
from leadboard.secret import Secret
from leadboard.sync.errors import GatewayError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from leadboard.sandbox.runner import SandboxHandle
    from leadboard.sync.engine import SyncEngine
    from leadboard.sync.tokens import TokenProvider

__all__ = [
    "DemoStartError",
    "board_start_problem",
    "demo_paths",
    "demo_sandbox",
    "run_board",
    "run_demo",
    "signed_in_demo",
]

DEMO_PORTAL_FILE = "demo-portal.json"
DEMO_CACHE_FILE = "demo-cache.sqlite"


def _say(text: str) -> None:
    print(f"leadboard: {text}", file=sys.stderr)


def _ensure_logging() -> None:
    """Log to the file, never to the terminal the board draws on (the CLI may have done this)."""
    if not logging.getLogger().handlers:
        from leadboard.logs import setup_logging

        setup_logging()


def _open_board(settings: Settings, token: Secret | TokenProvider | None) -> int:
    """Run the board; with no `token`, the sync thread looks it up when the first sync starts."""
    from leadboard.app import LeadboardApp
    from leadboard.logs import register_secret

    if token is not None:
        if isinstance(token, Secret):
            register_secret(token)
        app = LeadboardApp(settings, token)
    else:
        app = LeadboardApp(settings, None, engine_factory=_engine_with_stored_token)
    app.run()
    return app.return_code or 0


def _engine_with_stored_token(
    settings: Settings, _token: Secret | str | TokenProvider | None, on_status: Callable[[Any], None]
) -> SyncEngine:
    """The sync engine, built on the sync thread after the first frame, with the stored token.

    A token that cannot be read (a token file others can read, say) raises `CredentialsError`,
    whose sentence the board shows; no token at all gives an engine whose first request says
    "token needs attention" and to run `leadboard login`, while the board keeps working offline."""
    from leadboard.cli.oauth_tokens import resolve_provider
    from leadboard.sync.engine import SyncEngine

    return SyncEngine(settings, resolve_provider(settings), on_status=on_status)


def board_start_problem(settings: Settings) -> str | None:
    """Why the board cannot open for `settings` (no token, no email), or None when it can.

    A returning rep (a cache, and an email or a sign-in) always can: the token is looked up after the
    first frame."""
    return None if _returning(settings) else _first_start(settings)[1]


def _returning(settings: Settings) -> bool:
    """A cache that knows the rep already (it holds their owner), so the board opens before any lookup."""
    return settings.db.is_file() and (bool(settings.email) or _has_rep(settings.db))


def _has_rep(db: Path) -> bool:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT 1 FROM owners WHERE is_me = 1 LIMIT 1").fetchone()
    except sqlite3.Error:
        return False
    return row is not None


def _first_start(settings: Settings) -> tuple[TokenProvider | None, str | None]:
    """The credential for a first start without a cache, or the sentence that says what is missing."""
    from leadboard.cli.credentials import CredentialsError, resolve_token_source
    from leadboard.cli.oauth_tokens import provider_for

    try:
        resolved = resolve_token_source(settings)
    except CredentialsError as exc:
        return None, str(exc)
    if resolved is None:
        return None, (
            f"no HubSpot access token for {settings.portal}. Run `leadboard login` to store one, "
            "or `leadboard demo` to try leadboard with a sandbox portal (no account needed)."
        )
    if resolved.oauth is None and not settings.email:
        return None, (
            'leadboard needs your HubSpot email to find your leads: set `email = "you@company.com"` '
            "in the config file, LEADBOARD_EMAIL, or pass --email (or sign in as yourself: "
            "`leadboard login`)."
        )
    return provider_for(settings, resolved), None


def run_board(settings: Settings) -> int:
    """`leadboard`: the board for the configured portal and rep. 1 with a clear message if it can't."""
    if _returning(settings):
        _ensure_logging()
        return _open_board(settings, None)  # a returning rep: the cache first, the token after
    token, problem = _first_start(settings)
    if problem is not None:
        _say(problem)
        return 1
    _ensure_logging()
    return _open_board(settings, token)


def demo_paths() -> tuple[Path, Path]:
    """Where the demo keeps its portal and its cache: `<user data dir>/leadboard/`."""
    data_dir = platformdirs.user_data_path(APP_NAME, appauthor=False)
    return data_dir / DEMO_PORTAL_FILE, data_dir / DEMO_CACHE_FILE


def _forget_demo(portal_file: Path, cache_file: Path) -> None:
    for path in (portal_file, cache_file, *(Path(f"{cache_file}{s}") for s in ("-wal", "-shm", ".lock"))):
        path.unlink(missing_ok=True)


def _base_settings() -> Settings:
    """The rep's theme and keymap if their config is readable; defaults otherwise (the demo must start)."""
    try:
        return load_settings()
    except ConfigError as exc:
        _say(f"ignoring the config file for the demo: {exc}")
        return Settings()


class DemoStartError(RuntimeError):
    """The demo portal could not start; the message says why and what to try."""


@contextmanager
def demo_sandbox(*, reset: bool = False) -> Iterator[tuple[Settings, SandboxHandle]]:
    """The demo portal running for the block's length, with settings pointed at it (its app too).

    `reset` starts over. `DemoStartError` says why the portal could not start."""
    from leadboard.config import AuthSettings
    from leadboard.sandbox.runner import SandboxStartError, demo_settings, running_sandbox

    portal_file, cache_file = demo_paths()
    if reset:
        _forget_demo(portal_file, cache_file)
    base = _base_settings()
    _ensure_logging()
    with ExitStack() as stack:
        try:
            sandbox = stack.enter_context(running_sandbox(demo_settings(), data_file=portal_file, live=True))
        except SandboxStartError as exc:
            raise DemoStartError(
                f"the demo portal could not start: {exc}. Try `leadboard demo --reset`."
            ) from exc
        app = AuthSettings(client_id=sandbox.client_id, client_secret=Secret(sandbox.client_secret))
        settings = base.replace(portal=sandbox.base_url, email=sandbox.rep_email, db=cache_file, auth=app)
        yield settings, sandbox


@contextmanager
def signed_in_demo(*, reset: bool = False) -> Iterator[tuple[Settings, TokenProvider]]:
    """The demo portal with the demo rep signed in through its OAuth, as a real rep would be: the
    sign-in is stored like `leadboard login` stores it (and removed when the demo ends), and the
    board asks the same refreshing provider for each request. No email: the token says who it is."""
    from leadboard.cli.credentials import forget_oauth, store_oauth
    from leadboard.cli.demo_sign_in import DemoSignInError, sign_in_demo_rep
    from leadboard.cli.oauth_tokens import OAuthTokens

    with demo_sandbox(reset=reset) as (settings, sandbox):
        settings = settings.replace(email=None)
        owners = sandbox.portal.list_owners()["results"]
        rep = next(o for o in owners if str(o.get("email", "")).lower() == sandbox.rep_email.lower())
        try:
            credential = sign_in_demo_rep(settings, int(rep["userId"]))
        except (DemoSignInError, GatewayError) as exc:
            raise DemoStartError(f"the demo rep could not sign in to the demo portal: {exc}") from exc
        store_oauth(settings, credential)
        try:
            yield settings, OAuthTokens(settings, credential)
        finally:
            forget_oauth(settings)


def run_demo(*, reset: bool = False) -> int:
    """`leadboard demo`: a sandbox portal behind the board, as the demo rep. `reset` starts over."""
    try:
        with signed_in_demo(reset=reset) as (settings, tokens):
            return _open_board(settings, tokens)
    except DemoStartError as exc:
        _say(str(exc))
        return 1
