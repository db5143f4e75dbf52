"""Times and durations in words: the units, where each one starts, direction, the rep's zone and DST.

Every boundary is tested on both sides (59 s / 60 s, 59 min / 60 min, 23 h / 24 h, 59 d / 60 d),
because a rep notices "60 s" or "24 h" where "1 min" or "1 d" belongs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadboard.time_words import (
    UNDER_A_MINUTE,
    RepCalendar,
    ago,
    calendar_day,
    compact,
    day,
    duration,
    moment,
    relative,
    within,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(seconds=59, milliseconds=999), "59 s"),
        (timedelta(seconds=60), "1 min"),
        (timedelta(seconds=119), "1 min"),
        (timedelta(minutes=42, seconds=59), "42 min"),
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(minutes=60), "1 h"),
        (timedelta(hours=2, minutes=10), "2 h 10 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(hours=24), "1 d"),
        (timedelta(days=3), "3 d"),
        (timedelta(days=2, hours=4, minutes=30), "2 d 4 h"),
        (timedelta(days=59, hours=23), "59 d 23 h"),
        (timedelta(days=60), "2 mo"),
        (timedelta(days=364), "12 mo"),
        (timedelta(days=365), "1 y"),
        (timedelta(days=800), "2 y"),
    ],
)
def test_a_duration_reads_in_its_two_largest_units(span: timedelta, words: str) -> None:
    assert duration(span) == words


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=59), "59 s"),
        (timedelta(seconds=60), "1 min"),
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(minutes=60), "1 h"),
        (timedelta(hours=3, minutes=59), "3 h"),
        (timedelta(hours=23, minutes=59), "23 h"),
        (timedelta(hours=24), "1 d"),
        (timedelta(days=28, hours=1), "28 d"),
        (timedelta(days=59), "59 d"),
        (timedelta(days=60), "2 mo"),
        (timedelta(days=400), "1 y"),
    ],
)
def test_the_compact_form_keeps_the_largest_unit_only(span: timedelta, words: str) -> None:
    assert compact(span) == words
    assert duration(span).startswith(words)  # the same units, just fewer of them


def test_words_not_refreshed_every_second_say_under_a_minute() -> None:
    assert duration(timedelta(seconds=59), seconds=False) == UNDER_A_MINUTE == "under 1 min"
    assert compact(timedelta(seconds=1), seconds=False) == "under 1 min"
    assert duration(timedelta(seconds=60), seconds=False) == "1 min"


def test_a_negative_span_reads_as_its_size() -> None:
    """An overdue span may come in as a negative time left: the number is the same, the sentence
    around it says which way it goes."""
    assert duration(timedelta(minutes=-5)) == "5 min"
    assert duration(-timedelta(hours=2, minutes=10)) == "2 h 10 min"
    assert compact(timedelta(days=-28, hours=-1)) == "28 d"


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=-3), "just now"),  # a clock a little ahead of ours is not "in 3 s"
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "1 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(minutes=60), "1 h ago"),
        (timedelta(hours=2, minutes=10), "2 h ago"),
        (timedelta(hours=23, minutes=59), "23 h ago"),
        (timedelta(hours=24), "1 d ago"),
    ],
)
def test_ago(span: timedelta, words: str) -> None:
    assert ago(span) == words


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=-1), "now"),
        (timedelta(milliseconds=500), "now"),
        (timedelta(seconds=8), "in 8 s"),
        (timedelta(seconds=59), "in 59 s"),
        (timedelta(seconds=60), "in 1 min"),
        (timedelta(hours=2, minutes=10), "in 2 h"),
    ],
)
def test_within(span: timedelta, words: str) -> None:
    assert within(span) == words


def test_relative_goes_both_ways() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert relative(now - timedelta(minutes=5), now) == "5 min ago"
    assert relative(now + timedelta(hours=2), now) == "in 2 h"
    assert relative(now, now) == "just now"
    assert relative(datetime(2026, 3, 2, 11, 0), now) == "1 h ago"  # naive is taken as UTC


def test_relative_counts_real_time_across_a_dst_change() -> None:
    """Paris springs forward on 29 Mar 2026 (02:00 → 03:00): 01:30 to 03:30 on the wall is one hour."""
    before = datetime(2026, 3, 29, 1, 30, tzinfo=PARIS)
    after = datetime(2026, 3, 29, 3, 30, tzinfo=PARIS)
    assert relative(before, after) == "1 h ago"
    assert relative(after, before) == "in 1 h"


@pytest.mark.parametrize(
    ("which", "words"),
    [
        (date(2026, 3, 2), "today"),
        (date(2026, 3, 1), "yesterday"),
        (date(2026, 3, 3), "tomorrow"),
        (date(2026, 2, 22), "Sun 22 Feb"),
        (date(2026, 3, 5), "Thu 5 Mar"),
        (date(2027, 2, 22), "22 Feb 2027"),
        (date(2025, 12, 31), "31 Dec 2025"),
    ],
)
def test_a_day_as_the_rep_says_it(which: date, words: str) -> None:
    assert calendar_day(which, today=date(2026, 3, 2)) == words


def test_yesterday_across_new_year() -> None:
    assert calendar_day(date(2025, 12, 31), today=date(2026, 1, 1)) == "yesterday"


def test_a_moment_is_on_the_reps_calendar_and_clock() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert moment(datetime(2026, 3, 2, 9, 5, tzinfo=UTC), now, UTC) == "today 09:05"
    assert moment(datetime(2026, 3, 1, 23, 59, tzinfo=UTC), now, UTC) == "yesterday 23:59"
    assert moment(datetime(2026, 2, 22, 9, 0, tzinfo=UTC), now, UTC) == "Sun 22 Feb 09:00"
    assert moment(datetime(2027, 2, 22, 9, 0, tzinfo=UTC), now, UTC) == "22 Feb 2027 09:00"


def test_the_reps_zone_decides_the_day_and_the_hour() -> None:
    """03:30 UTC on 2 Mar is 22:30 on 1 Mar in New York: for a rep there it was yesterday evening,
    although in UTC it is today."""
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
    when = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    assert moment(when, now, UTC) == "today 03:30"
    assert moment(when, now, NEW_YORK) == "yesterday 22:30"
    assert day(when, now, NEW_YORK) == "yesterday"


def test_a_moment_after_a_dst_change_shows_the_new_offset() -> None:
    """Paris is UTC+1 until 29 Mar 2026 01:00 UTC and UTC+2 after; the time shown follows."""
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert moment(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), now, PARIS) == "today 01:30"
    assert moment(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), now, PARIS) == "today 03:30"
    assert moment(datetime(2026, 3, 28, 22, 30, tzinfo=UTC), now, PARIS) == "yesterday 23:30"


def test_just_after_midnight_in_the_reps_zone_yesterday_is_the_day_before() -> None:
    now = datetime(2026, 3, 29, 22, 5, tzinfo=UTC)  # 00:05 on 30 Mar in Paris (UTC+2)
    assert moment(datetime(2026, 3, 29, 21, 55, tzinfo=UTC), now, PARIS) == "yesterday 23:55"


def test_a_rep_calendar_keeps_now_and_zone_for_a_screen() -> None:
    calendar = RepCalendar(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), NEW_YORK)
    when = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert calendar.moment(when) == "today 09:00"
    assert calendar.day(when) == "today"
