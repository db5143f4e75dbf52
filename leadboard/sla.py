"""Speed-to-lead arithmetic: when a lead's first touch is due, and where it stands now. Pure.

The targets come from `[sla]` in the config (`sla_settings.SlaSettings`): one table by lead label
(`hs_lead_label`: hot/warm/cold) and one by entry source (the lead's `lead_source`). A key applies
when it equals the lead's value, or names its first word(s), compared case-insensitively with
spaces, dashes and underscores alike: `demo` applies to `DEMO_REQUEST`, `pricing` to `PRICING_PAGE`.

**When several rules apply** (label HOT and source CONTENT, say), **the strictest wins**: every
applicable target is turned into a deadline and the earliest deadline is the lead's. A lead no
rule applies to (no label, a source nobody configured) gets `[sla] default` (3 business days unless
configured); only with `default = "none"` does it have no SLA (`sla_deadline` returns None).

Units (`SlaTarget.unit`):
- `minutes`, `hours`: clock time from the lead's creation, day and night (a hot lead created at
  22:00 with "1 hour" is due at 23:00). Write "1 business hour" to wait for the morning instead.
- `business_hours`: only time inside the `[sla.business_hours]` window counts, in the configured
  time zone. A lead created out of hours (evening, weekend) starts its clock at the next opening.
- `business_days`: one business day is one full window (8 h with the default 09:00–17:00), so a
  lead created at 10:00 on a Tuesday is due at 10:00 on Wednesday, and one created on Saturday is
  due at 17:00 on Monday.

All arithmetic is done on UTC instants; wall-clock windows are placed on each local date with
`zoneinfo`, so days when clocks spring forward or fall back count the hours that really pass.
The only thing read from the machine is its local zone, when the config names none (`local_zone`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

from leadboard.sla_settings import BusinessHours, SlaSettings, SlaTarget
from leadboard.time_words import compact, duration

__all__ = [
    "DUE_SOON_MIN",
    "DUE_SOON_SHARE",
    "SOURCE_PROPERTY",
    "SlaFacts",
    "SlaLead",
    "SlaState",
    "add_business_time",
    "describe",
    "describe_short",
    "local_zone",
    "rule_applies",
    "sla_deadline",
    "sla_state",
    "sla_window",
    "state_from",
    "urgency_key",
    "zone_for",
]

#: The lead property that names the entry source (a custom enumeration in the portal).
SOURCE_PROPERTY = "lead_source"
#: A lead is "due soon" when what is left is at most this share of its allowance...
DUE_SOON_SHARE = 0.25
#: ...or at most this long, whichever is longer (a one-hour target turns due-soon at 30 minutes).
DUE_SOON_MIN = timedelta(minutes=30)
#: How far ahead the business calendar is searched; more than any target needs (10 years).
_MAX_DAYS = 3_660
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEPARATORS = re.compile(r"[^0-9a-z]+")

SlaStatus = Literal["none", "untouched", "met", "breached"]
SlaLevel = Literal["none", "done", "ok", "due_soon", "breached"]


class SlaLead(Protocol):
    """What the SLA reads about a lead: when it was created, its label and its entry source."""

    @property
    def created_at(self) -> datetime | None: ...
    @property
    def label(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SlaFacts:
    """A ready-made `SlaLead` (the board's rows keep `created_at` in epoch ms; see `from_ms`)."""

    created_at: datetime | None
    label: str | None = None
    source: str | None = None

    @classmethod
    def from_ms(cls, created_ms: int | None, label: str | None, source: str | None) -> SlaFacts:
        created = None if created_ms is None else datetime.fromtimestamp(created_ms / 1000, UTC)
        return cls(created, label, source)


@dataclass(frozen=True, slots=True)
class SlaState:
    """Where one lead stands against its first-touch target at `now`.

    `status`: "none" (no rule applies), "untouched" (not touched, not yet due), "met" (touched by the
    deadline) or "breached" (touched late, or still untouched after the deadline).
    `remaining`: time left before the deadline (untouched leads not yet due), else None.
    `overdue`: time past the deadline (breached leads: until the touch, or until now), else None.
    """

    status: SlaStatus
    created_at: datetime | None = None
    deadline: datetime | None = None
    first_touch: datetime | None = None
    remaining: timedelta | None = None
    overdue: timedelta | None = None
    due_soon: bool = False
    target: SlaTarget | None = None
    rule: str | None = None  # e.g. "label hot", "source demo"

    @property
    def touched(self) -> bool:
        return self.first_touch is not None

    @property
    def level(self) -> SlaLevel:
        """One word for styling: "breached" and "due_soon" stand out; "done" once touched."""
        if self.status == "none":
            return "none"
        if self.touched:
            return "done"
        if self.status == "breached":
            return "breached"
        return "due_soon" if self.due_soon else "ok"


# --- zones --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def local_zone() -> tzinfo:
    """The machine's zone as a real `ZoneInfo` (so DST rules apply), read once; UTC if unknown.

    Looks at `$TZ`, then where `/etc/localtime` points, then the file itself.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # here: the board's first paint needs no zone

    env = os.environ.get("TZ", "").strip().lstrip(":")
    if env:
        try:
            return ZoneInfo(env)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    link = Path("/etc/localtime")
    try:
        target = str(link.resolve())
        if "zoneinfo/" in target:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    try:
        with link.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        return UTC


def zone_for(settings: SlaSettings) -> tzinfo:
    """The zone business hours are counted in: the configured one, else the machine's."""
    return settings.zone() or local_zone()


# --- business-time arithmetic -------------------------------------------------------------------------


def _window(day: date, hours: BusinessHours, zone: tzinfo) -> tuple[datetime, datetime]:
    """That local day's opening and closing instants, in UTC."""
    opens = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
    closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
    return opens, closes


def add_business_time(start: datetime, amount: timedelta, hours: BusinessHours, zone: tzinfo) -> datetime:
    """The instant when `amount` of time inside business hours has passed since `start`.

    With `amount` zero this is the clock's start: `start` itself inside the window, else the next
    opening. Time used up exactly at closing gives the closing instant. The result is in `zone`.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    cursor = start.astimezone(UTC)
    remaining = amount
    day = cursor.astimezone(zone).date()
    working = {_WEEKDAYS.index(d) for d in hours.days}
    for _ in range(_MAX_DAYS):
        if day.weekday() in working:
            opens, closes = _window(day, hours, zone)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(zone)
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("no business hours found within ten years")  # pragma: no cover (days is never empty)


def _window_length(hours: BusinessHours) -> timedelta:
    today = date(2000, 1, 3)  # the nominal length; the clock face, not a particular day
    return datetime.combine(today, hours.end) - datetime.combine(today, hours.start)


def _deadline_for(target: SlaTarget, created: datetime, settings: SlaSettings, zone: tzinfo) -> datetime:
    if target.unit in ("minutes", "hours"):
        step = (
            timedelta(minutes=target.amount) if target.unit == "minutes" else timedelta(hours=target.amount)
        )
        return (created.astimezone(UTC) + step).astimezone(zone)
    hours = settings.business_hours
    if target.unit == "business_hours":
        allowance = timedelta(hours=target.amount)
    else:
        allowance = _window_length(hours) * target.amount
    return add_business_time(created, allowance, hours, zone)


def _utc(moment: datetime) -> datetime:
    """`moment` in UTC (naive taken as UTC), for comparing and subtracting safely."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- rules --------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return _SEPARATORS.sub("_", text.casefold()).strip("_")


def rule_applies(key: str, value: str | None) -> bool:
    """Whether a config key (`demo`) names a lead's value (`DEMO_REQUEST`); see the module doc."""
    if not value or not key:
        return False
    k, v = _norm(key), _norm(value)
    return bool(k) and (v == k or v.startswith(k + "_"))


def _applicable(lead: SlaLead, settings: SlaSettings) -> list[tuple[str, SlaTarget]]:
    rules = [(f"label {k}", t) for k, t in settings.by_label.items() if rule_applies(k, lead.label)]
    rules += [(f"source {k}", t) for k, t in settings.by_source.items() if rule_applies(k, lead.source)]
    if not rules and settings.default is not None:
        rules.append(("default", settings.default))
    return rules


def _strictest(
    lead: SlaLead, settings: SlaSettings, zone: tzinfo | None
) -> tuple[str, SlaTarget, datetime, datetime] | None:
    """(rule, target, clock start, deadline) of the rule with the earliest deadline, or None."""
    created = lead.created_at
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    zone = zone or zone_for(settings)
    best: tuple[str, SlaTarget, datetime, datetime] | None = None
    for rule, target in _applicable(lead, settings):
        deadline = _deadline_for(target, created, settings, zone)
        if best is None or _utc(deadline) < _utc(best[3]):
            starts = (
                created
                if target.unit in ("minutes", "hours")
                else add_business_time(created, timedelta(0), settings.business_hours, zone)
            )
            best = (rule, target, starts, deadline)
    return best


def sla_deadline(lead: SlaLead, settings: SlaSettings, zone: tzinfo | None = None) -> datetime | None:
    """When the lead's first touch is due under the strictest applicable rule; None with no rule.

    `zone` overrides the configured (or the machine's) zone, for tests and callers that resolved it.
    """
    found = _strictest(lead, settings, zone)
    return None if found is None else found[3]


def sla_window(
    lead: SlaLead, settings: SlaSettings, zone: tzinfo | None = None
) -> tuple[datetime, datetime] | None:
    """(clock start, deadline) in UTC under the strictest applicable rule; None with no rule.

    What the cache stores per lead (`sla_deadline`, and the allowance `deadline - start` that
    `state_from` needs to tell "due soon"), so the board never runs the rules for 10,000 leads.
    """
    found = _strictest(lead, settings, zone)
    return None if found is None else (_utc(found[2]), _utc(found[3]))


def state_from(
    deadline: datetime | None,
    first_touch: datetime | None,
    now: datetime,
    allowance: timedelta | None = None,
) -> SlaState:
    """The SLA state from a stored deadline and first touch: cheap, for the rows the board shows.

    Same rules as `sla_state` (which derives the deadline from the settings first). Without
    `allowance` (deadline minus clock start) "due soon" means within `DUE_SOON_MIN`.
    """
    # Each state is built once (no `dataclasses.replace`): `leadboard leads` asks 50,000 times.
    if deadline is None:
        return SlaState("none", first_touch=first_touch)
    due = _utc(deadline)
    if first_touch is not None:
        touched = _utc(first_touch)
        if touched <= due:
            return SlaState("met", deadline=deadline, first_touch=first_touch)
        return SlaState("breached", deadline=deadline, first_touch=first_touch, overdue=touched - due)
    moment = _utc(now)
    if moment > due:
        return SlaState("breached", deadline=deadline, overdue=moment - due)
    remaining = due - moment
    share = max(allowance, timedelta(0)) * DUE_SOON_SHARE if allowance is not None else timedelta(0)
    return SlaState(
        "untouched", deadline=deadline, remaining=remaining, due_soon=remaining <= max(share, DUE_SOON_MIN)
    )


def level_from_ms(
    deadline_ms: int | None, first_touch_ms: int | None, now_ms: int, allowance_ms: int | None = None
) -> SlaLevel:
    """`state_from(...).level` from the stored epoch milliseconds, without building datetimes or a
    state: `leadboard leads` asks for 50,000 of them."""
    if deadline_ms is None:
        return "none"
    if first_touch_ms is not None:
        return "done"
    if now_ms > deadline_ms:
        return "breached"
    return "due_soon" if (deadline_ms - now_ms) * 1000 <= _due_soon_us(allowance_ms) else "ok"


@lru_cache(maxsize=64)
def _due_soon_us(allowance_ms: int | None) -> int:
    """How near its deadline (in microseconds) an untouched lead allowed `allowance_ms` is due soon:
    worked out once per allowance (a handful of rules), with `state_from`'s timedelta arithmetic."""
    share = (
        max(timedelta(milliseconds=allowance_ms), timedelta(0)) * DUE_SOON_SHARE
        if allowance_ms is not None
        else timedelta(0)
    )
    return max(share, DUE_SOON_MIN) // timedelta(microseconds=1)


def sla_state(
    lead: SlaLead,
    first_touch: datetime | None,
    now: datetime,
    settings: SlaSettings,
    zone: tzinfo | None = None,
) -> SlaState:
    """The lead's SLA state at `now`, given its first touch (None if untouched)."""
    found = _strictest(lead, settings, zone)
    if found is None:
        return SlaState("none", created_at=lead.created_at, first_touch=first_touch)
    rule, target, starts, deadline = found
    base = SlaState(
        "untouched",
        created_at=lead.created_at,
        deadline=deadline,
        first_touch=first_touch,
        target=target,
        rule=rule,
    )
    # In UTC: Python compares and subtracts two datetimes of the *same* zone by wall clock.
    due, started = _utc(deadline), _utc(starts)
    if first_touch is not None:
        touched = _utc(first_touch)
        if touched <= due:
            return replace(base, status="met")
        return replace(base, status="breached", overdue=touched - due)
    if _utc(now) > due:
        return replace(base, status="breached", overdue=_utc(now) - due)
    remaining = due - _utc(now)
    allowance = max(due - started, timedelta(0))
    due_soon = remaining <= max(allowance * DUE_SOON_SHARE, DUE_SOON_MIN)
    return replace(base, remaining=remaining, due_soon=due_soon)


def urgency_key(state: SlaState, lead_id: str = "") -> tuple[int, float, str]:
    """Sort key for the board, most urgent first: untouched leads by deadline (so the longest
    breached lead leads, then the next to breach), then untouched leads without an SLA (oldest
    first), then touched leads (oldest first). `lead_id` breaks ties so the order is stable."""
    created = state.created_at.timestamp() if state.created_at else float("inf")
    if state.touched:
        return (2, created, lead_id)
    if state.deadline is not None:
        return (0, state.deadline.timestamp(), lead_id)
    return (1, created, lead_id)


# --- words --------------------------------------------------------------------------------------------


def describe_short(state: SlaState) -> str:
    """`describe` for the first line of a board card, where the lead's name has to fit beside it:
    a breach is "3 h late" (largest unit only; the glyph and colour already say it is a breach)."""
    if state.status == "breached" and not state.touched and state.overdue is not None:
        return f"{compact(state.overdue, seconds=False)} late"
    return describe(state)


def describe(state: SlaState) -> str:
    """The state in plain words for the board: "due in 42 min", "breached 3 h ago", "touched"."""
    if state.status == "none":
        return "no SLA"
    if state.touched:
        if state.status == "breached" and state.overdue is not None:
            return f"touched {duration(state.overdue, seconds=False)} late"
        return "touched"
    if state.status == "breached" and state.overdue is not None:
        return f"breached {duration(state.overdue, seconds=False)} ago"
    if state.remaining is not None:
        return f"due in {duration(state.remaining, seconds=False)}"
    return "untouched"  # pragma: no cover (every untouched state has `remaining`)
