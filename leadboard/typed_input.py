"""Turning what the rep typed into a modal's fields into values, with a sentence when it can't be.

Pure (no Textual) so the tests and the CLI use the same readings. Failures raise `CommandRefused`,
the one refusal type the modals show inline. Only *reading* happens here: the lead-process rules
(a call may not be in the future, a follow-up needs a timing reason and a later day…) stay in
the command modules (`leadboard.commands`), so the board and the CLI refuse the same things.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from leadboard.state import CommandRefused
from leadboard.text import clean_untrusted

__all__ = [
    "CALL_TIME_FORMAT",
    "CLOSE_DATE_FORMAT",
    "FOLLOW_UP_MONTHS",
    "add_months",
    "format_call_time",
    "parse_amount",
    "parse_call_time",
    "parse_close_date",
    "parse_follow_up",
    "parse_minutes",
]

CALL_TIME_FORMAT = "%Y-%m-%d %H:%M"
CLOSE_DATE_FORMAT = "%Y-%m-%d"
#: The quick choices offered for a recycled lead's follow-up: in 1, 3 or 6 months.
FOLLOW_UP_MONTHS: tuple[int, ...] = (1, 3, 6)

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_STAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")
_AMOUNT = re.compile(r"^-?\d+(?:\.\d{1,2})?$")


def _shown(text: str) -> str:
    """The rep's input, cleaned and cut short, for quoting back in a refusal."""
    text = clean_untrusted(text).strip().replace("\n", " ")
    return text if len(text) <= 24 else text[:23] + "…"


def format_call_time(moment: datetime) -> str:
    """How a call time is shown in the time field: local wall-clock minutes."""
    return moment.strftime(CALL_TIME_FORMAT)


def parse_call_time(text: str, now: datetime) -> datetime:
    """Read "14:05" (today) or "2026-11-22 14:05" in `now`'s time zone; blank means `now`.

    Refused when it is not one of those shapes or not a real date or time. A time in the future is
    read as written: `check_command` refuses it, for the board and the CLI alike.
    """
    wanted = text.strip()
    if not wanted:
        return now
    clock = _CLOCK.match(wanted)
    stamp = _STAMP.match(wanted)
    try:
        if clock:
            hour, minute = int(clock[1]), int(clock[2])
            moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        elif stamp:
            year, month, day, hour, minute = (int(stamp[i]) for i in range(1, 6))
            moment = datetime(year, month, day, hour, minute, tzinfo=now.tzinfo)
        else:
            raise ValueError(wanted)
    except ValueError:
        raise CommandRefused(
            f"The call time '{_shown(wanted)}' is not a time I can read: "
            "write 14:05 for today, or 2026-11-22 14:05."
        ) from None
    return moment


def parse_minutes(text: str) -> int:
    """A call's duration in whole minutes as seconds; blank means 0 ("not recorded")."""
    wanted = text.strip()
    if not wanted:
        return 0
    if not wanted.isdigit():
        raise CommandRefused(f"The duration '{_shown(wanted)}' is not a number of minutes.")
    return int(wanted) * 60


def parse_amount(text: str) -> float | None:
    """A deal amount such as "12000", "12,000" or "12000.50"; blank means no amount.

    A minus sign is read, not refused here: whether an amount may be negative is `check_command`'s call.
    """
    wanted = text.strip().replace(",", "").replace("_", "")
    if not wanted:
        return None
    if not _AMOUNT.match(wanted):
        raise CommandRefused(
            f"The deal amount '{_shown(text)}' is not an amount: write a number such as 12000 or 12000.50."
        )
    return float(wanted)


def _read_date(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return datetime.strptime(text, CLOSE_DATE_FORMAT).date()


def parse_close_date(text: str) -> date:
    """A deal close date written YYYY-MM-DD."""
    wanted = text.strip()
    try:
        return _read_date(wanted)
    except ValueError:
        if not wanted:
            raise CommandRefused("The deal needs a close date, written YYYY-MM-DD.") from None
        raise CommandRefused(
            f"The close date '{_shown(wanted)}' is not a date: write it as YYYY-MM-DD, e.g. 2026-12-31."
        ) from None


def parse_follow_up(text: str) -> date | None:
    """A recycled lead's follow-up day written YYYY-MM-DD; blank means no follow-up."""
    wanted = text.strip()
    if not wanted:
        return None
    try:
        return _read_date(wanted)
    except ValueError:
        raise CommandRefused(
            f"The follow-up date '{_shown(wanted)}' is not a date: write it as YYYY-MM-DD, "
            "e.g. 2027-03-01, or leave it blank for no follow-up."
        ) from None


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
