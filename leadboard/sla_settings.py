"""The rep's speed-to-lead targets: by lead label, by entry source, in business hours or clock time.

Core settings with no I/O: the config file supplies them (`leadboard.config`), the cache keeps the
ones its stored deadlines follow, and `leadboard.sla` does the arithmetic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast

from leadboard.setting_checks import Checker, text, time_of_day, whole_number

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

_SLA_TARGET = re.compile(
    r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hours?|bh|business\s+hours?|bd|business\s+days?)\s*$", re.IGNORECASE
)
_SLA_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "bh": "business_hours", "bd": "business_days"}
SlaUnit = Literal["minutes", "hours", "business_hours", "business_days"]
SLA_UNITS: tuple[SlaUnit, ...] = ("minutes", "hours", "business_hours", "business_days")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
        checker = Checker()
        table = checker.table(value, (), ("amount", "unit"))
        amount = checker.field(("amount",), _positive, table.get("amount"))
        unit = checker.field(("unit",), _sla_unit, table.get("unit"))
        checker.done()
        return cls(amount=amount, unit=unit)

    def __str__(self) -> str:
        words = self.unit.replace("_", " ")
        return f"{self.amount} {words[:-1] if self.amount == 1 else words}"


def _positive(value: Any) -> int:
    number = whole_number(value)
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


def _default_target() -> SlaTarget:
    return SlaTarget(amount=3, unit="business_days")


def _optional_target(value: Any) -> SlaTarget | None:
    """A target, or None for `"none"`: leads no rule names then have no SLA."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    return SlaTarget.parse(value)


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
        checker = Checker()
        table = checker.table(value, (), ("start", "end", "days"))
        found: dict[str, Any] = {}
        for key in ("start", "end"):
            if key in table:
                found[key] = checker.field((key,), time_of_day, table[key])
        if "days" in table:
            found["days"] = checker.field(("days",), _weekdays, table["days"])
        checker.done()
        return cls(**found)  # the window itself is checked by __post_init__


def _weekdays(value: Any) -> tuple[Weekday, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError('must be a list of days like ["mon", "tue"]')
    checker = Checker()
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
    #: For a lead no label or source rule names, so "most urgent first" never ranks an untouched
    #: two-week-old lead below one due in two days; `default = "none"` leaves such leads without one.
    default: SlaTarget | None = field(default_factory=_default_target)

    @classmethod
    def parse(cls, value: Any) -> SlaSettings:
        """From the file's `[sla]` table (or `to_json`'s output, read back)."""
        if isinstance(value, SlaSettings):
            return value
        checker = Checker()
        table = checker.table(value, (), ("by_label", "by_source", "business_hours", "time_zone", "default"))
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
        if "default" in table:
            found["default"] = checker.field(("default",), _optional_target, table["default"])
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
            "default": None
            if self.default is None
            else {"amount": self.default.amount, "unit": self.default.unit},
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SlaSettings:
        return cls.parse(json.loads(text))


def _targets(defaults: dict[str, SlaTarget], value: Any) -> dict[str, SlaTarget]:
    if not isinstance(value, Mapping):
        raise ValueError("must be a table")
    checker = Checker()
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
        ZoneInfo(text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('unknown time zone; use an IANA name like "Europe/Berlin"') from None
    return str(value)
