"""leadboard's settings: a TOML file, overridden by environment variables, overridden by flags.

Every command calls `load_settings(...)` with its `--portal/--email/--db` flags, so the board, the
CLI and scripts agree on one precedence: flag > `LEADBOARD_*` variable > file > default. A bad
value stops the command with one `ConfigError` line that names the file (or variable, or flag),
the key and what is wrong, never with a traceback. The token is not a setting: see credentials.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

import platformdirs

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

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
SLA_UNITS: tuple[SlaUnit, ...] = ("minutes", "hours", "business_hours", "business_days")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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


# --- Checking values -----------------------------------------------------------------------------------
#
# Plain dataclasses checked by hand rather than pydantic models: every command and the board load the
# settings at start-up, and importing pydantic and building its models there cost more than the
# board's whole first frame (benchmarks/board_paint.py). The checks collect every problem with
# where it is (`loc`), so a bad file is reported whole, one line per problem.


@dataclass(frozen=True)
class _Problem:
    loc: tuple[str, ...]
    message: str
    input: Any = None
    unknown: bool = False


class _Invalid(ValueError):
    """Problems found while checking a table of settings."""

    def __init__(self, problems: list[_Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(p.loc)}: {p.message}" for p in problems))
        self.problems = problems


class _Checker:
    """Collects problems while a table is checked, each with its location."""

    def __init__(self) -> None:
        self.problems: list[_Problem] = []

    def table(self, value: Any, loc: tuple[str, ...], known: tuple[str, ...]) -> Mapping[str, Any]:
        """`value` as a table with only `known` keys (unknown ones are reported)."""
        if not isinstance(value, Mapping):
            self.problems.append(_Problem(loc, "must be a table", value))
            return {}
        for key in value:
            if key not in known:
                self.problems.append(_Problem((*loc, str(key)), "unknown setting", value[key], unknown=True))
        return value

    def field(self, loc: tuple[str, ...], check: Callable[[Any], Any], value: Any) -> Any:
        """`check(value)`, or `_MISSING` with the problem noted when it raises ValueError."""
        try:
            return check(value)
        except _Invalid as exc:
            self.problems += [_Problem((*loc, *p.loc), p.message, p.input, p.unknown) for p in exc.problems]
        except ValueError as exc:
            self.problems.append(_Problem(loc, str(exc), value))
        return _MISSING

    def done(self) -> None:
        if self.problems:
            raise _Invalid(self.problems)


_MISSING: Any = object()


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a valid integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise ValueError("must be a valid integer")


def _time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError('must be a time of day like "09:00" or 09:00:00')


# --- The settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaTarget:
    """A time-to-first-touch target such as "1 hour" or "3 business days".

    `hours` and `minutes` are clock time; `business_hours` and `business_days` count only the
    `[sla.business_hours]` window.
    """

    amount: int
    unit: SlaUnit

    @classmethod
    def parse(cls, value: Any) -> SlaTarget:
        """From the file's words ("4 business hours", "1h") or a stored `{"amount", "unit"}` table."""
        if isinstance(value, SlaTarget):
            return value
        if isinstance(value, str):
            match = _SLA_TARGET.match(value)
            if match is None:
                raise ValueError(
                    'expected a duration like "45 minutes", "1 hour", "4 business hours" or "1 business day"'
                )
            amount, word = int(match.group(1)), re.sub(r"\s+", " ", match.group(2).lower())
            value = {
                "amount": amount,
                "unit": _SLA_UNITS.get(word) or word.rstrip("s").replace(" ", "_") + "s",
            }
        checker = _Checker()
        table = checker.table(value, (), ("amount", "unit"))
        amount = checker.field(("amount",), _positive, table.get("amount"))
        unit = checker.field(("unit",), _sla_unit, table.get("unit"))
        checker.done()
        return cls(amount=amount, unit=unit)

    def __str__(self) -> str:
        words = self.unit.replace("_", " ")
        return f"{self.amount} {words[:-1] if self.amount == 1 else words}"


def _positive(value: Any) -> int:
    number = _whole_number(value)
    if number <= 0:
        raise ValueError("must be greater than 0")
    return number


def _sla_unit(value: Any) -> SlaUnit:
    if value not in SLA_UNITS:
        raise ValueError(f"must be one of {', '.join(repr(u) for u in SLA_UNITS)}")
    return cast("SlaUnit", value)


def _default_by_label() -> dict[str, SlaTarget]:
    return {
        "hot": SlaTarget(amount=1, unit="hours"),
        "warm": SlaTarget(amount=1, unit="business_days"),
        "cold": SlaTarget(amount=3, unit="business_days"),
    }


def _default_by_source() -> dict[str, SlaTarget]:
    return {"demo": SlaTarget(amount=1, unit="hours"), "pricing": SlaTarget(amount=1, unit="hours")}


@dataclass(frozen=True)
class BusinessHours:
    """The working window that business hours and business days are counted in."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end:%H:%M}) must be after start ({self.start:%H:%M})")
        if not self.days:
            raise ValueError("days must name at least one working day")
        if len(set(self.days)) != len(self.days):
            raise ValueError("days lists a day twice")

    @classmethod
    def parse(cls, value: Any) -> BusinessHours:
        """From the file's `[sla.business_hours]` table: times as TOML times or "HH:MM", days by
        name in any case ("Monday", "TUE", "wed")."""
        if isinstance(value, BusinessHours):
            return value
        checker = _Checker()
        table = checker.table(value, (), ("start", "end", "days"))
        found: dict[str, Any] = {}
        for key in ("start", "end"):
            if key in table:
                found[key] = checker.field((key,), _time_of_day, table[key])
        if "days" in table:
            found["days"] = checker.field(("days",), _weekdays, table["days"])
        checker.done()
        return cls(**found)  # the window itself is checked by __post_init__


def _weekdays(value: Any) -> tuple[Weekday, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError('must be a list of days like ["mon", "tue"]')
    checker = _Checker()
    days = tuple(checker.field((str(i),), _weekday, day) for i, day in enumerate(value))
    checker.done()
    return days


def _weekday(value: Any) -> Weekday:
    day = value.strip().lower()[:3] if isinstance(value, str) else value
    if day not in WEEKDAYS:
        raise ValueError(f"must be one of {', '.join(repr(d) for d in WEEKDAYS)}")
    return cast("Weekday", day)


@dataclass(frozen=True)
class SlaSettings:
    """Speed-to-lead targets by lead label and by entry source (issue 5 reads these).

    A table given in the file is merged over the defaults, so `[sla.by_label] hot = "30 minutes"`
    changes only hot. Keys are matched case-insensitively (stored lower-case).
    """

    by_label: dict[str, SlaTarget] = field(default_factory=_default_by_label)
    by_source: dict[str, SlaTarget] = field(default_factory=_default_by_source)
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    time_zone: str | None = None  # None: the machine's local zone

    @classmethod
    def parse(cls, value: Any) -> SlaSettings:
        """From the file's `[sla]` table (or `to_json`'s output, read back)."""
        if isinstance(value, SlaSettings):
            return value
        checker = _Checker()
        table = checker.table(value, (), ("by_label", "by_source", "business_hours", "time_zone"))
        found: dict[str, Any] = {}
        for key, defaults in (("by_label", _default_by_label), ("by_source", _default_by_source)):
            if key in table:
                found[key] = checker.field((key,), partial(_targets, defaults()), table[key])
        if "business_hours" in table:
            found["business_hours"] = checker.field(
                ("business_hours",), BusinessHours.parse, table["business_hours"]
            )
        if "time_zone" in table:
            found["time_zone"] = checker.field(("time_zone",), _known_zone, table["time_zone"])
        checker.done()
        return cls(**found)

    def zone(self) -> ZoneInfo | None:
        """The configured zone, or None for the machine's local time."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.time_zone) if self.time_zone else None

    def to_json(self) -> str:
        """Compact JSON the cache keeps (to know which rules its stored deadlines follow)."""
        hours = self.business_hours
        data = {
            "by_label": {k: {"amount": t.amount, "unit": t.unit} for k, t in self.by_label.items()},
            "by_source": {k: {"amount": t.amount, "unit": t.unit} for k, t in self.by_source.items()},
            "business_hours": {
                "start": hours.start.isoformat(),
                "end": hours.end.isoformat(),
                "days": list(hours.days),
            },
            "time_zone": self.time_zone,
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SlaSettings:
        return cls.parse(json.loads(text))


def _targets(defaults: dict[str, SlaTarget], value: Any) -> dict[str, SlaTarget]:
    if not isinstance(value, Mapping):
        raise ValueError("must be a table")
    checker = _Checker()
    merged = dict(defaults)
    for key, target in value.items():
        name = str(key).strip().lower()
        merged[name] = checker.field((name,), SlaTarget.parse, target)
    checker.done()
    return merged


def _known_zone(value: Any) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only when a zone is configured

    if value is None:
        return None
    try:
        ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('unknown time zone; use an IANA name like "Europe/Berlin"') from None
    return str(value)


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
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    sla: SlaSettings = field(default_factory=SlaSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "portal", self.portal.strip().rstrip("/"))
        object.__setattr__(self, "db", Path(self.db).expanduser().absolute())

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> Settings:
        """Check a whole table of raw values (from TOML, the environment, flags); raises `_Invalid`
        with every problem found."""
        checker = _Checker()
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
    url = _text(value).strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL such as https://api.hubapi.com")
    if parts.username or parts.password:
        raise ValueError("must not contain a user name or password")
    if parts.query or parts.fragment:
        raise ValueError("must be a base URL without ?query or #fragment")
    return url.rstrip("/")


def _sane_interval(value: Any) -> int:
    number = _whole_number(value)
    # Below 30 s the pulls alone would eat into HubSpot's per-10-second request budget.
    if not MIN_SYNC_INTERVAL <= number <= MAX_SYNC_INTERVAL:
        raise ValueError(f"must be between {MIN_SYNC_INTERVAL} and {MAX_SYNC_INTERVAL} seconds")
    return number


def _email_shape(value: Any) -> str | None:
    if value is None:
        return None
    email = _text(value).strip()
    if not _EMAIL_SHAPE.match(email):
        raise ValueError("must be an email address like rep@example.com")
    return email


def _db_path(value: Any) -> Path:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must be a file path")
    if not isinstance(value, str | Path):
        raise ValueError("must be a file path")
    return Path(value).expanduser().absolute()


def _theme_name(value: Any) -> str:
    name = _text(value)
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
    "theme": _theme_name,
    "keymap": _keymap,
    "sla": SlaSettings.parse,
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
        if flags[key] is not None:
            values[key] = str(flags[key])
            sources[key] = f"--{key}"
        elif env_value is not None and env_value.strip():
            values[key] = env_value
            sources[key] = env_name
    try:
        return Settings.parse(values)
    except _Invalid as exc:
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
    except _Invalid as exc:
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


def _describe(exc: _Invalid, path: Path, sources: Mapping[str, str]) -> str:
    """One line per problem, each naming where the value came from and the key."""
    lines = []
    for problem in exc.problems:
        loc = list(problem.loc)
        key = ".".join(loc) or "(top level)"
        origin = sources.get(loc[0]) if loc else None
        where = origin if origin else f"{path}: {key}"
        if problem.unknown:
            lines.append(f"{where}: unknown setting{_hint_for_unknown(loc)}")
            continue
        lines.append(f"{where}: {problem.message}{_shown_input(problem.input)}")
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
