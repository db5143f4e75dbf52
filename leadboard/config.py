"""leadboard's settings: a TOML file, overridden by environment variables, overridden by flags.

Every command calls `load_settings(...)` with its `--portal/--email/--db` flags, so the board, the
CLI and scripts agree on one precedence: flag > `LEADBOARD_*` variable > file > default. A bad
value stops the command with one `ConfigError` line that names the file (or variable, or flag),
the key and what is wrong, never with a traceback. The token is not a setting: see credentials.py.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import platformdirs

if TYPE_CHECKING:
    pass

from leadboard.logs import redact, register_secret
from leadboard.secret import Secret
from leadboard.setting_checks import Checker, Invalid, text, whole_number
from leadboard.sla_settings import SlaSettings

APP_NAME = "leadboard"
CONFIG_ENV = "LEADBOARD_CONFIG"
DEFAULT_PORTAL = "https://api.hubapi.com"
MIN_SYNC_INTERVAL = 30
MAX_SYNC_INTERVAL = 86_400
MIN_SYNC_BOUND = 10
ENV_OVERRIDES = {
    "portal": "LEADBOARD_PORTAL",
    "email": "LEADBOARD_EMAIL",
    "db": "LEADBOARD_DB",
    "api_version": "LEADBOARD_API_VERSION",
}
# HubSpot's date-versioned API (research/hubspot-2026.md §1): a version ships each March and
# September; 2026-03 is the first. A portal that must stay on an older one sets `api_version`.
DEFAULT_API_VERSION = "2026-09"
FIRST_API_VERSION = "2026-03"
_API_VERSION_SHAPE = re.compile(r"^\d{4}-(03|09)$")

#: `[auth]` keys that the environment may set (the company's user-level app, see AuthSettings).
AUTH_ENV_OVERRIDES = {"client_id": "LEADBOARD_CLIENT_ID", "client_secret": "LEADBOARD_CLIENT_SECRET"}
#: The loopback port `leadboard login` listens on unless `[auth] redirect_port` says otherwise; the
#: admin registers `http://127.0.0.1:PORT/callback` on the app with this port.
DEFAULT_REDIRECT_PORT = 7823

_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class ConfigError(Exception):
    """A setting that leadboard cannot use; the message is meant for the rep, as is."""


def config_path() -> Path:
    """The config file: `$LEADBOARD_CONFIG`, else `<user config dir>/leadboard/config.toml`."""
    override = os.environ.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def default_db_path() -> Path:
    """The cache's default home: `<user data dir>/leadboard/cache.sqlite`."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "cache.sqlite"


# --- The user-level app -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthSettings:
    """The company's user-level HubSpot app that `leadboard login` signs a rep in with.

    An admin creates it once and hands out its client id and secret; the secret is a `Secret`, so
    it never shows in a repr, a log line or a traceback. `redirect_port` must match the redirect
    URL registered on the app (`http://127.0.0.1:PORT/callback`); 0 picks a free port (the sandbox
    accepts any loopback port). `authorize_url` overrides where the browser is sent.
    """

    client_id: str | None = None
    client_secret: Secret | None = field(default=None, repr=False)
    redirect_port: int = DEFAULT_REDIRECT_PORT
    authorize_url: str | None = None

    @classmethod
    def parse(cls, value: Any) -> AuthSettings:
        if isinstance(value, AuthSettings):
            return value
        checker = Checker()
        table = checker.table(value, (), ("client_id", "client_secret", "redirect_port", "authorize_url"))
        found: dict[str, Any] = {}
        checks: dict[str, Callable[[Any], Any]] = {
            "client_id": _client_id,
            "client_secret": _client_secret,
            "redirect_port": _port,
            "authorize_url": _https_or_loopback_url,
        }
        for key, check in checks.items():
            if key in table:
                found[key] = checker.field((key,), check, table[key])
        checker.done()
        return cls(**found)

    @property
    def configured(self) -> bool:
        """Both halves of the app's credentials are known."""
        return bool(self.client_id and self.client_secret)


def _client_id(value: Any) -> str:
    client_id = text(value).strip()
    if not client_id or any(ch.isspace() or not ch.isprintable() for ch in client_id):
        raise ValueError("must be the app's client id (no spaces)")
    return client_id


def _client_secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    secret = text(value).strip()
    if not secret or any(ch.isspace() or not ch.isprintable() for ch in secret):
        raise ValueError("must be the app's client secret (no spaces)")
    register_secret(secret)
    return Secret(secret)


def _port(value: Any) -> int:
    port = whole_number(value)
    if not 0 <= port <= 65535:
        raise ValueError("must be a port number between 1 and 65535 (0: any free port)")
    return port


def _https_or_loopback_url(value: Any) -> str:
    return _http_url(value)


# --- The settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncBounds:
    """`[sync]`: how far the adaptive interval may move from `sync_interval` (sync/pacing.py):
    down to `floor` while HubSpot keeps changing, up to `ceiling` while the app's shared budget is
    short. The interval itself is kept between them."""

    floor: int = 30
    ceiling: int = 900

    @classmethod
    def parse(cls, value: Any) -> SyncBounds:
        if isinstance(value, SyncBounds):
            return value
        checker = Checker()
        table = checker.table(value, (), ("floor", "ceiling"))
        found = {k: checker.field((k,), _sane_bound, table[k]) for k in ("floor", "ceiling") if k in table}
        checker.done()
        bounds = cls(**found)
        if bounds.floor > bounds.ceiling:
            raise ValueError("floor must not be above ceiling")
        return bounds


@dataclass(frozen=True)
class Settings:
    """Everything a leadboard command needs to know besides the token.

    Built by `load_settings` (checked, from the file, the environment and flags) or directly by code
    and tests; either way `portal` and `db` are kept in one normal form.
    """

    portal: str = DEFAULT_PORTAL
    email: str | None = None
    db: Path = field(default_factory=default_db_path)
    sync_interval: int = 180  # seconds between background pulls
    sync: SyncBounds = field(default_factory=SyncBounds)
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    sla: SlaSettings = field(default_factory=SlaSettings)
    api_version: str = DEFAULT_API_VERSION  # HubSpot's date version in every path
    auth: AuthSettings = field(default_factory=AuthSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "portal", self.portal.strip().rstrip("/"))
        object.__setattr__(self, "db", Path(self.db).expanduser().absolute())

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> Settings:
        """Check a whole table of raw values (from TOML, the environment, flags); raises `Invalid`
        with every problem found."""
        checker = Checker()
        table = checker.table(values, (), SETTING_NAMES)
        found: dict[str, Any] = {}
        for name, check in _FIELD_CHECKS.items():
            if name in table:
                found[name] = checker.field((name,), check, table[name])
        checker.done()
        return cls(**found)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (`dataclasses.replace`, kept normal by __post_init__)."""
        return dataclasses.replace(self, **changes)


def _http_url(value: Any) -> str:
    url = text(value).strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL such as https://api.hubapi.com")
    if parts.username or parts.password:
        raise ValueError("must not contain a user name or password")
    if parts.query or parts.fragment:
        raise ValueError("must be a base URL without ?query or #fragment")
    if parts.scheme.lower() == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            "must use https://: plain http:// would send the HubSpot token in clear over the network"
            " (http:// is only allowed for this machine: localhost, 127.0.0.0/8 or ::1)"
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    """Only a server on this machine may be reached over plain http (the sandbox, a local proxy)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _sane_interval(value: Any) -> int:
    number = whole_number(value)
    # Below 30 s the pulls alone would eat into HubSpot's per-10-second request budget.
    if not MIN_SYNC_INTERVAL <= number <= MAX_SYNC_INTERVAL:
        raise ValueError(f"must be between {MIN_SYNC_INTERVAL} and {MAX_SYNC_INTERVAL} seconds")
    return number


def _sane_bound(value: Any) -> int:
    number = whole_number(value)
    # A quiet pull costs one search: every 10 s is still a small part of HubSpot's 5 a second.
    if not MIN_SYNC_BOUND <= number <= MAX_SYNC_INTERVAL:
        raise ValueError(f"must be between {MIN_SYNC_BOUND} and {MAX_SYNC_INTERVAL} seconds")
    return number


def _email_shape(value: Any) -> str | None:
    if value is None:
        return None
    email = text(value).strip()
    if not _EMAIL_SHAPE.match(email):
        raise ValueError("must be an email address like rep@example.com")
    return email


def _db_path(value: Any) -> Path:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must be a file path")
    if not isinstance(value, str | Path):
        raise ValueError("must be a file path")
    return Path(value).expanduser().absolute()


def _api_version(value: Any) -> str:
    version = text(value).strip()
    if not _API_VERSION_SHAPE.match(version) or version < FIRST_API_VERSION:
        raise ValueError(
            f"must be a HubSpot API version like {DEFAULT_API_VERSION!r}: YYYY-03 or YYYY-09, "
            f"{FIRST_API_VERSION} or later"
        )
    return version


def _theme_name(value: Any) -> str:
    name = text(value)
    if not name:
        raise ValueError("must name a theme (at least 1 character)")
    return name


def _keymap(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError("must be a table of binding ids and keys")
    for binding_id, keys in value.items():
        if not isinstance(keys, str):
            raise ValueError(f'{binding_id!r} must be keys as text, like "ctrl+q"')
        if not keys.strip():
            raise ValueError(f"{binding_id!r} has no keys; remove it to keep the default")
    return {str(k): v for k, v in value.items()}


_FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "portal": _http_url,
    "email": _email_shape,
    "db": _db_path,
    "sync_interval": _sane_interval,
    "sync": SyncBounds.parse,
    "theme": _theme_name,
    "keymap": _keymap,
    "sla": SlaSettings.parse,
    "api_version": _api_version,
    "auth": AuthSettings.parse,
}
SETTING_NAMES = tuple(_FIELD_CHECKS)


def load_settings(
    portal: str | None = None, email: str | None = None, db: str | Path | None = None
) -> Settings:
    """Read the settings every command uses: flags > `LEADBOARD_*` env > config file > defaults.

    A missing config file means defaults. Raises ConfigError for anything unusable.
    """
    path = config_path()
    values = read_config_file(path)
    if "db" in values and isinstance(values["db"], str):
        values["db"] = _relative_to(path.parent, values["db"])
    sources: dict[str, str] = {}
    flags = {"portal": portal, "email": email, "db": db}
    for key, env_name in ENV_OVERRIDES.items():
        env_value = os.environ.get(env_name)
        if flags.get(key) is not None:
            values[key] = str(flags[key])
            sources[key] = f"--{key}"
        elif env_value is not None and env_value.strip():
            values[key] = env_value
            sources[key] = env_name
    for key, env_name in AUTH_ENV_OVERRIDES.items():
        env_value = os.environ.get(env_name, "")
        if env_value.strip():
            auth = values.get("auth")
            values["auth"] = {**(auth if isinstance(auth, dict) else {}), key: env_value}
            sources[f"auth.{key}"] = env_name
    try:
        return Settings.parse(values)
    except Invalid as exc:
        raise ConfigError(_describe(exc, path, sources)) from None


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The raw TOML table of the config file (empty when the file does not exist)."""
    import tomllib  # here, not at the top: the board's own start (app only) never reads the file

    path = path or config_path()
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def save_setting(key: str | tuple[str, ...], value: Any) -> Path:
    """Remember one setting (e.g. `theme`, `keymap.quit`) in the config file; return its path.

    A dotted string names a nested key; pass a tuple such as `("keymap", "app.quit")` when a
    part itself contains a dot. The file is re-read, the value set, the whole file validated
    (so nothing unusable is written), then replaced atomically. Other keys are kept; comments
    are not (tomli-w cannot keep them).
    """
    path = config_path()
    data = read_config_file(path)
    parts = list(key) if isinstance(key, tuple) else key.split(".")
    if not parts or not all(p.strip() for p in parts):
        raise ConfigError(f"{key!r} is not a setting name")
    table = data
    for depth, part in enumerate(parts[:-1], start=1):
        child = table.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{path}: {'.'.join(parts[:depth])} is not a table")
        table = child
    table[parts[-1]] = value
    checked = dict(data)
    if isinstance(checked.get("db"), str):
        checked["db"] = _relative_to(path.parent, checked["db"])
    try:
        Settings.parse(checked)
    except Invalid as exc:
        raise ConfigError(_describe(exc, path, {})) from None
    import tomli_w  # only when a setting is saved, never on the way to the board

    _write_atomically(path, tomli_w.dumps(data).encode("utf-8"))
    return path


def _relative_to(base: Path, raw: str) -> str:
    """A relative `db` in the file means relative to the file, not to wherever leadboard was started."""
    if not raw.strip():
        return raw  # left for the validator to refuse
    expanded = Path(raw).expanduser()
    return str(expanded if expanded.is_absolute() else base / expanded)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the mode the rep gave an existing file; a new one holds their email, so only they read it.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _describe(exc: Invalid, path: Path, sources: Mapping[str, str]) -> str:
    """One line per problem, each naming where the value came from and the key."""
    lines = []
    for problem in exc.problems:
        loc = list(problem.loc)
        key = ".".join(loc) or "(top level)"
        origin = (sources.get(".".join(loc[:2])) or sources.get(loc[0])) if loc else None
        where = origin if origin else f"{path}: {key}"
        if problem.unknown:
            lines.append(f"{where}: unknown setting{_hint_for_unknown(loc)}")
            continue
        shown = "" if loc and loc[-1] == "client_secret" else _shown_input(problem.input)
        lines.append(f"{where}: {problem.message}{shown}")
    return "\n".join(lines)


def _hint_for_unknown(loc: list[str]) -> str:
    if loc and loc[-1].lower() in ("token", "access_token", "hubspot_access_token", "api_key"):
        return "; leadboard never reads a token from the config file: run `leadboard login` instead"
    if len(loc) == 1:
        return f"; known settings are {', '.join(SETTING_NAMES)}"
    return ""


def _shown_input(value: Any) -> str:
    """Echo short scalar inputs so the rep sees what was read; never long or nested ones."""
    if isinstance(value, str | int | float | bool):
        text = redact(repr(value))
        return f" (got {text})" if len(text) <= 80 else ""
    return ""
