"""Opening the board: `leadboard` (a configured portal) and `leadboard demo` (a sandbox portal).

cli.py calls `run_board(settings)` and `run_demo(reset=...)`; both return the process exit code.
The demo needs no account and no configuration: it starts a sandbox portal kept in the user data
dir (live HubSpot-side activity on), points a copy of the settings at it with its own cache, and
opens the board as the demo rep. The sandbox token lives in memory only; nothing is saved but the
demo portal, the demo cache and (if the rep changes it) the theme.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import platformdirs

from leadboard.config import APP_NAME, ConfigError, Settings, load_settings
from leadboard.secret import Secret

__all__ = ["demo_paths", "run_board", "run_demo"]

DEMO_PORTAL_FILE = "demo-portal.json"
DEMO_CACHE_FILE = "demo-cache.sqlite"


def _say(text: str) -> None:
    print(f"leadboard: {text}", file=sys.stderr)


def _ensure_logging() -> None:
    """Log to the file, never to the terminal the board draws on (the CLI may have done this)."""
    if not logging.getLogger().handlers:
        from leadboard.logs import setup_logging

        setup_logging()


def _open_board(settings: Settings, token: Secret) -> int:
    from leadboard.app import LeadboardApp
    from leadboard.logs import register_secret

    register_secret(token)
    app = LeadboardApp(settings, token)
    app.run()
    return app.return_code or 0


def run_board(settings: Settings) -> int:
    """`leadboard`: the board for the configured portal and rep. 1 with a clear message if it can't."""
    from leadboard.credentials import CredentialsError, resolve_token

    try:
        token = resolve_token(settings)
    except CredentialsError as exc:
        _say(str(exc))
        return 1
    if token is None:
        _say(
            f"no HubSpot access token for {settings.portal}. Run `leadboard login` to store one, "
            "or `leadboard demo` to try leadboard with a sandbox portal (no account needed)."
        )
        return 1
    if not settings.email:
        _say(
            'leadboard needs your HubSpot email to find your leads: set `email = "you@company.com"` '
            "in the config file, LEADBOARD_EMAIL, or pass --email."
        )
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


def run_demo(*, reset: bool = False) -> int:
    """`leadboard demo`: a sandbox portal behind the board, as the demo rep. `reset` starts over."""
    from leadboard.sandbox.runner import SandboxStartError, running_sandbox

    portal_file, cache_file = demo_paths()
    if reset:
        _forget_demo(portal_file, cache_file)
    base = _base_settings()
    _ensure_logging()
    try:
        with running_sandbox(data_file=portal_file, live=True) as sandbox:
            settings = base.replace(portal=sandbox.base_url, email=sandbox.rep_email, db=cache_file)
            return _open_board(settings, Secret(sandbox.token))
    except SandboxStartError as exc:
        _say(f"the demo portal could not start: {exc}. Try `leadboard demo --reset`.")
        return 1
