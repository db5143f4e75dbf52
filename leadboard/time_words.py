"""Times and durations in the words a rep reads, the same on every card, screen and command. Pure.

One vocabulary: `s`, `min`, `h`, `d`, then `mo` (30 days) from 60 days and `y` (365 days) from a
year, always a space between number and unit ("5 min", never "5m"). Spans are cut down, never
rounded up: 59 s is "59 s", 119 s is "1 min". Negative spans read as their size; the caller's
sentence says which way they go ("late", "ago", "in").

- `duration`: the two largest units down to minutes, "45 s", "5 min", "2 h 10 min", "3 d 4 h".
- `compact`: the largest unit alone, for a card where the name has to fit beside it: "28 d".
- `ago`, `within`, `relative`: a moment from now, "5 min ago", "just now", "in 8 s", "in 2 h".
- `moment`, `day`, `calendar_day`: a moment on the rep's calendar, in the rep's zone: "today 14:05",
  "yesterday 09:30", "Mon 22 Feb 09:00", "5 Mar 2024 16:00". `RepCalendar` holds the rep's now and
  zone for a screen that shows many moments.

Words painted once and not refreshed by a ticking clock (board cards, SLA sentences) pass
`seconds=False`: under a minute then reads "under 1 min" instead of a count that is already stale.
Weekday and month names are English and fixed, not the machine's locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

__all__ = [
    "UNDER_A_MINUTE",
    "RepCalendar",
    "ago",
    "calendar_day",
    "compact",
    "day",
    "duration",
    "moment",
    "relative",
    "within",
]

#: What a span shorter than a minute reads when seconds are not shown.
UNDER_A_MINUTE = "under 1 min"

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_MONTH = 30 * _DAY
_YEAR = 365 * _DAY
#: Days are counted up to this many; longer spans read in months, then years.
_MONTHS_FROM = 60 * _DAY
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _whole_seconds(span: timedelta) -> int:
    return abs(int(span.total_seconds()))


def _long(seconds: int) -> str | None:
    """Months or years for spans of 60 days and more (one unit: a month is only roughly 30 days)."""
    if seconds >= _YEAR:
        return f"{seconds // _YEAR} y"
    if seconds >= _MONTHS_FROM:
        return f"{seconds // _MONTH} mo"
    return None


def duration(span: timedelta, *, seconds: bool = True) -> str:
    """How long, in the two largest units down to minutes: "45 s", "5 min", "2 h 10 min", "3 d 4 h"."""
    total = _whole_seconds(span)
    if total < _MINUTE:
        return f"{total} s" if seconds else UNDER_A_MINUTE
    if long := _long(total):
        return long
    days, rest = divmod(total, _DAY)
    hours, rest = divmod(rest, _HOUR)
    minutes = rest // _MINUTE
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def compact(span: timedelta, *, seconds: bool = True) -> str:
    """The largest unit alone, same units as `duration`: "45 s", "12 min", "3 h", "28 d", "7 mo"."""
    total = _whole_seconds(span)
    if total < _MINUTE:
        return f"{total} s" if seconds else UNDER_A_MINUTE
    if long := _long(total):
        return long
    for size, unit in ((_DAY, "d"), (_HOUR, "h")):
        if total >= size:
            return f"{total // size} {unit}"
    return f"{total // _MINUTE} min"


def ago(span: timedelta) -> str:
    """How long ago, from the time that has passed: "just now" under a minute, else "5 min ago".

    A negative span (a clock a little ahead of ours) is "just now" too, never a time to come.
    """
    if span.total_seconds() < _MINUTE:
        return "just now"
    return f"{compact(span)} ago"


def within(span: timedelta) -> str:
    """How soon, from the time left: "in 8 s", "in 5 min", "in 2 h"; "now" once nothing is left."""
    if span.total_seconds() < 1:
        return "now"
    return f"in {compact(span)}"


def _utc(when: datetime) -> datetime:
    """`when` in UTC (naive taken as UTC): aware datetimes of one zone subtract by wall clock."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def relative(when: datetime, now: datetime) -> str:
    """`when` from `now`: "5 min ago", "just now", "in 2 h" (real time passed, across DST changes)."""
    span = _utc(now) - _utc(when)
    return ago(span) if span >= timedelta(0) else within(-span)


def calendar_day(which: date, today: date) -> str:
    """A day as the rep says it: "today", "yesterday", "tomorrow", "Mon 22 Feb", "5 Mar 2024"."""
    offset = (which - today).days
    if offset == 0:
        return "today"
    if offset == -1:
        return "yesterday"
    if offset == 1:
        return "tomorrow"
    month = _MONTHS[which.month - 1]
    if which.year != today.year:
        return f"{which.day} {month} {which.year}"
    return f"{_WEEKDAYS[which.weekday()]} {which.day} {month}"


def day(when: datetime, now: datetime, zone: tzinfo) -> str:
    """The day of `when` on the rep's calendar (`zone`), as `calendar_day` words."""
    return calendar_day(_utc(when).astimezone(zone).date(), _utc(now).astimezone(zone).date())


def moment(when: datetime, now: datetime, zone: tzinfo) -> str:
    """`when` on the rep's calendar and clock (`zone`): "today 14:05", "Mon 22 Feb 09:00"."""
    local = _utc(when).astimezone(zone)
    return f"{day(when, now, zone)} {local:%H:%M}"


@dataclass(frozen=True, slots=True)
class RepCalendar:
    """The rep's "now" and time zone, taken once for a screen that shows many moments."""

    now: datetime
    zone: tzinfo

    def moment(self, when: datetime) -> str:
        return moment(when, self.now, self.zone)

    def day(self, when: datetime) -> str:
        return day(when, self.now, self.zone)
