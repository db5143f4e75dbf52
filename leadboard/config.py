"""leadboard's settings: a TOML file, overridden by environment variables, overridden by flags.

Every command calls `load_settings(...)` with its `--portal/--email/--db` flags, so the board, the
CLI and scripts agree on one precedence: flag > `LEADBOARD_*` variable > file > default. A bad
value stops the command with one `ConfigError` line that names the file (or variable, or flag),
the key and what is wrong, never with a traceback. The token is not a setting: see credentials.py.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from leadboard.logs import redact

APP_NAME = "leadboard"
CONFIG_ENV = "LEADBOARD_CONFIG"
DEFAULT_PORTAL = "https://api.hubapi.com"
MIN_SYNC_INTERVAL = 30
MAX_SYNC_INTERVAL = 86_400
ENV_OVERRIDES = {"portal": "LEADBOARD_PORTAL", "email": "LEADBOARD_EMAIL", "db": "LEADBOARD_DB"}

_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_SLA_TARGET = re.compile(
    r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hours?|bh|business\s+hours?|bd|business\s+days?)\s*$", re.IGNORECASE
)
_SLA_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "bh": "business_hours", "bd": "business_days"}

SlaUnit = Literal["minutes", "hours", "business_hours", "business_days"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


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


class SlaTarget(BaseModel):
    """A time-to-first-touch target such as "1 hour" or "3 business days".

    `hours` and `minutes` are clock time; `business_hours` and `business_days` count only the
    `[sla.business_hours]` window.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: int = Field(gt=0)
    unit: SlaUnit

    @model_validator(mode="before")
    @classmethod
    def _parse_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _SLA_TARGET.match(value)
        if match is None:
            raise ValueError(
                'expected a duration like "45 minutes", "1 hour", "4 business hours" or "1 business day"'
            )
        amount, word = int(match.group(1)), re.sub(r"\s+", " ", match.group(2).lower())
        unit = _SLA_UNITS.get(word) or word.rstrip("s").replace(" ", "_") + "s"
        return {"amount": amount, "unit": unit}

    def __str__(self) -> str:
        words = self.unit.replace("_", " ")
        return f"{self.amount} {words[:-1] if self.amount == 1 else words}"


def _default_by_label() -> dict[str, SlaTarget]:
    return {
        "hot": SlaTarget(amount=1, unit="hours"),
        "warm": SlaTarget(amount=1, unit="business_days"),
        "cold": SlaTarget(amount=3, unit="business_days"),
    }


def _default_by_source() -> dict[str, SlaTarget]:
    return {"demo": SlaTarget(amount=1, unit="hours"), "pricing": SlaTarget(amount=1, unit="hours")}


class BusinessHours(BaseModel):
    """The working window that business hours and business days are counted in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time = time(9, 0)
    end: time = time(17, 0)
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

    @field_validator("days", mode="before")
    @classmethod
    def _lower_days(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(d.strip().lower()[:3] if isinstance(d, str) else d for d in value)
        return value

    @model_validator(mode="after")
    def _check_window(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end:%H:%M}) must be after start ({self.start:%H:%M})")
        if not self.days:
            raise ValueError("days must name at least one working day")
        if len(set(self.days)) != len(self.days):
            raise ValueError("days lists a day twice")
        return self


class SlaSettings(BaseModel):
    """Speed-to-lead targets by lead label and by entry source (issue 5 reads these).

    A table given in the file is merged over the defaults, so `[sla.by_label] hot = "30 minutes"`
    changes only hot. Keys are matched case-insensitively (stored lower-case).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    by_label: dict[str, SlaTarget] = Field(default_factory=_default_by_label)
    by_source: dict[str, SlaTarget] = Field(default_factory=_default_by_source)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    time_zone: str | None = None  # None: the machine's local zone

    @field_validator("by_label", "by_source", mode="before")
    @classmethod
    def _merge_over_defaults(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, Mapping):
            return value
        defaults = _default_by_label() if info.field_name == "by_label" else _default_by_source()
        merged: dict[str, Any] = dict(defaults)
        merged.update({str(k).strip().lower(): v for k, v in value.items()})
        return merged

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError('unknown time zone; use an IANA name like "Europe/Berlin"') from None
        return value

    def zone(self) -> ZoneInfo | None:
        """The configured zone, or None for the machine's local time."""
        return ZoneInfo(self.time_zone) if self.time_zone else None


class Settings(BaseModel):
    """Everything a leadboard command needs to know besides the token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    portal: str = DEFAULT_PORTAL
    email: str | None = None
    db: Path = Field(default_factory=default_db_path)
    sync_interval: int = 180  # seconds between background pulls
    theme: str = Field(default="textual-dark", min_length=1)
    keymap: dict[str, str] = Field(default_factory=dict)
    sla: SlaSettings = Field(default_factory=SlaSettings)

    @field_validator("portal")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL such as https://api.hubapi.com")
        if parts.username or parts.password:
            raise ValueError("must not contain a user name or password")
        if parts.query or parts.fragment:
            raise ValueError("must be a base URL without ?query or #fragment")
        return value.rstrip("/")

    @field_validator("sync_interval")
    @classmethod
    def _sane_interval(cls, value: int) -> int:
        # Below 30 s the pulls alone would eat into HubSpot's per-10-second request budget.
        if not MIN_SYNC_INTERVAL <= value <= MAX_SYNC_INTERVAL:
            raise ValueError(f"must be between {MIN_SYNC_INTERVAL} and {MAX_SYNC_INTERVAL} seconds")
        return value

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not _EMAIL_SHAPE.match(value):
            raise ValueError("must be an email address like rep@example.com")
        return value

    @field_validator("db", mode="before")
    @classmethod
    def _expand_db(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must be a file path")
        if isinstance(value, str | Path):
            return Path(value).expanduser().absolute()
        return value

    @field_validator("keymap")
    @classmethod
    def _non_blank_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for binding_id, keys in value.items():
            if not keys.strip():
                raise ValueError(f"{binding_id!r} has no keys; remove it to keep the default")
        return value


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
        if flags[key] is not None:
            values[key] = str(flags[key])
            sources[key] = f"--{key}"
        elif env_value is not None and env_value.strip():
            values[key] = env_value
            sources[key] = env_name
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, sources)) from None


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The raw TOML table of the config file (empty when the file does not exist)."""
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
        Settings.model_validate(checked)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, {})) from None
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


def _describe(exc: ValidationError, path: Path, sources: Mapping[str, str]) -> str:
    """One line per problem, each naming where the value came from and the key."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = [str(p) for p in error["loc"]]
        key = ".".join(loc) or "(top level)"
        origin = sources.get(loc[0]) if loc else None
        where = origin if origin else f"{path}: {key}"
        if error["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown setting{_hint_for_unknown(loc)}")
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}{_shown_input(error.get('input'))}")
    return "\n".join(lines)


def _hint_for_unknown(loc: list[str]) -> str:
    if loc and loc[-1].lower() in ("token", "access_token", "hubspot_access_token", "api_key"):
        return "; leadboard never reads a token from the config file: run `leadboard login` instead"
    if len(loc) == 1:
        return f"; known settings are {', '.join(Settings.model_fields)}"
    return ""


def _shown_input(value: Any) -> str:
    """Echo short scalar inputs so the rep sees what was read; never long or nested ones."""
    if isinstance(value, str | int | float | bool):
        text = redact(repr(value))
        return f" (got {text})" if len(text) <= 80 else ""
    return ""
