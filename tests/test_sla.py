"""SLA arithmetic: business hours, time zones, DST days, out-of-hours leads, rule choice, words.

Every expected instant is worked out by hand in the comment beside it, as wall-clock time in the
zone under test, so a reader can check it with a calendar.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadboard.config import load_settings
from leadboard.sla import (
    SlaFacts,
    SlaState,
    add_business_time,
    describe,
    describe_short,
    local_zone,
    rule_applies,
    sla_deadline,
    sla_state,
    sla_window,
    state_from,
    urgency_key,
    zone_for,
)
from leadboard.sla_settings import BusinessHours, SlaSettings

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def settings(zone: str = "Europe/Paris", **values: object) -> SlaSettings:
    return SlaSettings.parse({"time_zone": zone, **values})


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold)


def lead(created: datetime, label: str | None = None, source: str | None = None) -> SlaFacts:
    return SlaFacts(created_at=created, label=label, source=source)


# --- the default targets ------------------------------------------------------------------------------


def test_hot_lead_is_due_one_clock_hour_after_creation() -> None:
    created = at(PARIS, 2025, 6, 10, 10, 0)  # a Tuesday
    assert sla_deadline(lead(created, "HOT"), settings()) == at(PARIS, 2025, 6, 10, 11, 0)


def test_hot_clock_hour_runs_at_night_too() -> None:
    created = at(PARIS, 2025, 6, 10, 22, 30)
    assert sla_deadline(lead(created, "HOT"), settings()) == at(PARIS, 2025, 6, 10, 23, 30)


def test_warm_lead_is_due_one_business_day_later_at_the_same_time() -> None:
    created = at(PARIS, 2025, 6, 10, 10, 0)  # Tue 10:00 → 7 h on Tue, 1 h on Wed
    assert sla_deadline(lead(created, "WARM"), settings()) == at(PARIS, 2025, 6, 11, 10, 0)


def test_cold_lead_created_friday_afternoon_counts_only_working_days() -> None:
    created = at(PARIS, 2025, 6, 13, 15, 0)  # Fri 15:00: 3 × 8 h = 2 (Fri) + 8 (Mon) + 8 (Tue) + 6 (Wed)
    assert sla_deadline(lead(created, "COLD"), settings()) == at(PARIS, 2025, 6, 18, 15, 0)


def test_lead_created_on_a_weekend_starts_its_clock_on_monday_morning() -> None:
    created = at(PARIS, 2025, 6, 14, 11, 0)  # Saturday
    assert sla_deadline(lead(created, "WARM"), settings()) == at(PARIS, 2025, 6, 16, 17, 0)


def test_lead_created_in_the_evening_starts_its_clock_at_the_next_opening() -> None:
    rules = settings(by_label={"hot": "2 business hours"})
    created = at(PARIS, 2025, 6, 10, 20, 0)  # Tue 20:00 → Wed 09:00 + 2 h
    assert sla_deadline(lead(created, "HOT"), rules) == at(PARIS, 2025, 6, 11, 11, 0)


def test_lead_created_before_opening_and_exactly_at_closing() -> None:
    rules = settings(by_label={"hot": "1 business hour"})
    early = at(PARIS, 2025, 6, 10, 7, 0)
    assert sla_deadline(lead(early, "HOT"), rules) == at(PARIS, 2025, 6, 10, 10, 0)
    closing = at(PARIS, 2025, 6, 10, 17, 0)
    assert sla_deadline(lead(closing, "HOT"), rules) == at(PARIS, 2025, 6, 11, 10, 0)


def test_time_used_up_exactly_at_closing_is_due_at_closing() -> None:
    rules = settings(by_label={"warm": "2 business hours"})
    created = at(PARIS, 2025, 6, 10, 15, 0)
    assert sla_deadline(lead(created, "WARM"), rules) == at(PARIS, 2025, 6, 10, 17, 0)


def test_minutes_and_custom_business_hours_and_working_days() -> None:
    rules = settings(
        "Asia/Dubai",
        by_label={"hot": "45 minutes", "warm": "3 business hours"},
        business_hours={"start": "08:30", "end": "12:30", "days": ["Sun", "mon", "tue", "wed", "thu"]},
    )
    dubai = ZoneInfo("Asia/Dubai")
    assert sla_deadline(lead(at(dubai, 2025, 6, 10, 9, 0), "HOT"), rules) == at(dubai, 2025, 6, 10, 9, 45)
    # Friday 2025-06-13: not a working day here → Sunday 08:30 + 3 h.
    friday = at(dubai, 2025, 6, 13, 10, 0)
    assert sla_deadline(lead(friday, "WARM"), rules) == at(dubai, 2025, 6, 15, 11, 30)
    # One business day here is the 4-hour window: Thu 11:30 → 1 h Thu + 3 h Sun.
    rules_bd = settings(
        "Asia/Dubai", by_label={"cold": "1 business day"}, business_hours=rules.business_hours
    )
    thursday = at(dubai, 2025, 6, 12, 11, 30)
    assert sla_deadline(lead(thursday, "COLD"), rules_bd) == at(dubai, 2025, 6, 15, 11, 30)


# --- DST ------------------------------------------------------------------------------------------------


def test_clock_hour_across_spring_forward_in_new_york() -> None:
    created = at(NEW_YORK, 2025, 3, 9, 1, 30)  # EST; at 02:00 clocks jump to 03:00
    deadline = sla_deadline(lead(created, "HOT"), settings("America/New_York"))
    assert deadline is not None
    assert deadline.astimezone(UTC) - created.astimezone(UTC) == timedelta(hours=1)
    assert (deadline.hour, deadline.minute) == (3, 30)
    assert deadline.utcoffset() == timedelta(hours=-4)


def test_clock_hour_across_fall_back_in_new_york() -> None:
    created = at(NEW_YORK, 2025, 11, 2, 1, 30)  # the first 01:30 (EDT); 02:00 EDT becomes 01:00 EST
    deadline = sla_deadline(lead(created, "HOT"), settings("America/New_York"))
    assert deadline is not None
    assert deadline.astimezone(UTC) - created.astimezone(UTC) == timedelta(hours=1)
    assert (deadline.hour, deadline.minute, deadline.fold) == (1, 30, 1)
    assert deadline.utcoffset() == timedelta(hours=-5)


def test_the_repeated_fall_back_hour_is_compared_in_real_time() -> None:
    """01:15 EST comes 30 minutes *after* 01:45 EDT, though its wall clock reads earlier."""
    created = at(NEW_YORK, 2025, 11, 2, 0, 45)  # EDT → due 01:45 EDT (fold 0)
    rules = settings("America/New_York")
    touch = at(NEW_YORK, 2025, 11, 2, 1, 15, fold=1)  # EST
    state = sla_state(lead(created, "HOT"), touch, touch, rules)
    assert (state.status, state.overdue, describe(state)) == (
        "breached",
        timedelta(minutes=30),
        "touched 30 min late",
    )
    later = at(NEW_YORK, 2025, 11, 2, 1, 50, fold=1)
    untouched = sla_state(lead(created, "HOT"), None, later, rules)
    assert (untouched.status, describe(untouched)) == ("breached", "breached 1 h 5 min ago")


def test_business_hours_spanning_the_jump_count_real_hours() -> None:
    """A window that contains the night's transition is an hour shorter (spring) or longer (fall)."""
    all_day = {"start": "00:00", "end": "23:59", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    rules = settings("America/New_York", by_label={"hot": "4 business hours"}, business_hours=all_day)
    spring = at(NEW_YORK, 2025, 3, 9, 0, 0)  # 00:00 EST + 4 real hours = 05:00 EDT
    assert sla_deadline(lead(spring, "HOT"), rules) == at(NEW_YORK, 2025, 3, 9, 5, 0)
    fall = at(NEW_YORK, 2025, 11, 2, 0, 0)  # 00:00 EDT + 4 real hours = 03:00 EST
    assert sla_deadline(lead(fall, "HOT"), rules) == at(NEW_YORK, 2025, 11, 2, 3, 0)


def test_business_hours_over_a_paris_dst_weekend_keep_the_wall_clock_window() -> None:
    rules = settings(by_label={"hot": "4 business hours"})
    spring = at(PARIS, 2025, 3, 28, 16, 0)  # Fri CET: 1 h Friday, 3 h Monday (now CEST)
    deadline = sla_deadline(lead(spring, "HOT"), rules)
    assert deadline == at(PARIS, 2025, 3, 31, 12, 0)
    assert deadline is not None and deadline.utcoffset() == timedelta(hours=2)
    fall = at(PARIS, 2025, 10, 24, 16, 0)  # Fri CEST → Mon 12:00 CET
    deadline = sla_deadline(lead(fall, "HOT"), rules)
    assert deadline == at(PARIS, 2025, 10, 27, 12, 0)
    assert deadline is not None and deadline.astimezone(UTC).hour == 11


def test_add_business_time_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2025, 1, 1), timedelta(hours=1), BusinessHours(), PARIS)


def test_business_hour_zero_is_the_clock_start() -> None:
    hours = BusinessHours(start=time(9), end=time(17))
    sunday = at(PARIS, 2025, 6, 15, 12, 0)
    assert add_business_time(sunday, timedelta(0), hours, PARIS) == at(PARIS, 2025, 6, 16, 9, 0)
    inside = at(PARIS, 2025, 6, 16, 12, 0)
    assert add_business_time(inside, timedelta(0), hours, PARIS) == inside


# --- which rule -----------------------------------------------------------------------------------------


def test_strictest_rule_wins_between_label_and_source() -> None:
    created = at(PARIS, 2025, 6, 10, 10, 0)
    rules = settings()
    hot_content = sla_state(lead(created, "HOT", "CONTENT"), None, created, rules)
    assert (hot_content.rule, hot_content.deadline) == ("label hot", at(PARIS, 2025, 6, 10, 11, 0))
    cold_demo = sla_state(lead(created, "COLD", "DEMO_REQUEST"), None, created, rules)
    assert (cold_demo.rule, cold_demo.deadline) == ("source demo", at(PARIS, 2025, 6, 10, 11, 0))
    warm_pricing = sla_state(lead(created, "warm", "PRICING_PAGE"), None, created, rules)
    assert warm_pricing.rule == "source pricing"
    warm_event = sla_state(lead(created, "WARM", "EVENT"), None, created, rules)
    assert (warm_event.rule, warm_event.deadline) == ("label warm", at(PARIS, 2025, 6, 11, 10, 0))


def test_strictest_means_earliest_deadline_not_smallest_number() -> None:
    rules = settings(by_label={"hot": "4 hours"}, by_source={"demo": "1 business hour"})
    tuesday = at(PARIS, 2025, 6, 10, 10, 0)  # business: 11:00; clock: 14:00 → business
    assert sla_deadline(lead(tuesday, "HOT", "DEMO_REQUEST"), rules) == at(PARIS, 2025, 6, 10, 11, 0)
    friday_late = at(PARIS, 2025, 6, 13, 16, 30)  # business: Mon 09:30; clock: Fri 20:30 → clock
    assert sla_deadline(lead(friday_late, "HOT", "DEMO_REQUEST"), rules) == at(PARIS, 2025, 6, 13, 20, 30)


def test_no_applicable_rule_means_the_default_sla_or_none_when_it_is_off() -> None:
    created = at(PARIS, 2025, 6, 10, 10, 0)  # a Tuesday: three business days later is Friday 10:00
    for facts in (lead(created), lead(created, None, "CONTENT"), lead(created, "LUKEWARM", "EVENT")):
        state = sla_state(facts, None, created + timedelta(days=30), settings())
        assert state.status == "breached" and state.rule == "default"
        assert state.deadline == at(PARIS, 2025, 6, 13, 10, 0)
        tighter = sla_state(facts, None, created, settings(default="4 hours"))
        assert tighter.deadline == at(PARIS, 2025, 6, 10, 14, 0)
        off = sla_state(facts, None, created + timedelta(days=30), settings(default="none"))
        assert off.status == "none" and off.deadline is None
        assert describe(off) == "no SLA"
    assert sla_deadline(SlaFacts(created_at=None, label="HOT"), settings()) is None


def test_an_untouched_two_week_old_lead_without_rules_outranks_one_due_in_two_days() -> None:
    now = at(PARIS, 2025, 6, 24, 10, 0)
    old = sla_state(lead(now - timedelta(days=14)), None, now, settings())
    due_soon = sla_state(lead(now - timedelta(hours=1), "COLD"), None, now, settings())
    assert due_soon.status == "untouched" and old.status == "breached"
    assert urgency_key(old, "old") < urgency_key(due_soon, "soon")


def test_rule_keys_name_whole_leading_words_case_insensitively() -> None:
    assert rule_applies("demo", "DEMO_REQUEST")
    assert rule_applies("Demo request", "DEMO_REQUEST")
    assert rule_applies("pricing", "pricing page")
    assert rule_applies("hot", "HOT")
    assert not rule_applies("demo", "DEMOLITION")
    assert not rule_applies("request", "DEMO_REQUEST")
    assert not rule_applies("hot", None)


def test_missing_config_gives_the_default_targets(isolated_dirs: Path) -> None:
    sla = load_settings().sla
    assert {k: str(v) for k, v in sla.by_label.items()} == {
        "hot": "1 hour",
        "warm": "1 business day",
        "cold": "3 business days",
    }
    assert {k: str(v) for k, v in sla.by_source.items()} == {"demo": "1 hour", "pricing": "1 hour"}
    created = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
    assert sla_deadline(lead(created, "HOT"), sla) == created + timedelta(hours=1)


def test_a_config_table_changes_only_what_it_names(isolated_dirs: Path) -> None:
    path = isolated_dirs / "config" / "leadboard" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[sla]\ntime_zone = "America/New_York"\n[sla.by_label]\nhot = "30 minutes"\n'
        "[sla.business_hours]\nstart = 08:00:00\nend = 16:00:00\n",
        encoding="utf-8",
    )
    sla = load_settings().sla
    created = at(NEW_YORK, 2025, 6, 10, 15, 0)  # Tue 15:00
    assert sla_deadline(lead(created, "HOT"), sla) == at(NEW_YORK, 2025, 6, 10, 15, 30)
    assert sla_deadline(lead(created, "WARM"), sla) == at(NEW_YORK, 2025, 6, 11, 15, 0)


def test_without_a_configured_zone_the_machines_zone_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    local_zone.cache_clear()
    try:
        assert zone_for(SlaSettings()) == ZoneInfo("Asia/Tokyo")
        created = datetime(2025, 6, 10, 20, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # after 17:00 in Tokyo
        deadline = sla_deadline(lead(created, "WARM"), SlaSettings())
        assert deadline == datetime(2025, 6, 11, 17, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    finally:
        local_zone.cache_clear()


def test_naive_creation_time_is_taken_as_utc() -> None:
    naive = datetime(2025, 6, 10, 10, 0)
    assert sla_deadline(lead(naive, "HOT"), settings("UTC")) == datetime(2025, 6, 10, 11, 0, tzinfo=UTC)


# --- state, words and order ----------------------------------------------------------------------------


def test_state_over_time_for_a_hot_lead() -> None:
    created = at(PARIS, 2025, 6, 10, 10, 0)
    facts, rules = lead(created, "HOT"), settings()

    early = sla_state(facts, None, created + timedelta(minutes=18), rules)
    assert (early.status, early.due_soon, early.level) == ("untouched", False, "ok")
    assert describe(early) == "due in 42 min"

    soon = sla_state(facts, None, created + timedelta(minutes=31), rules)
    assert (soon.due_soon, soon.level, describe(soon)) == (True, "due_soon", "due in 29 min")

    late = sla_state(facts, None, created + timedelta(hours=4), rules)
    assert (late.status, late.level, describe(late)) == ("breached", "breached", "breached 3 h ago")

    met = sla_state(facts, created + timedelta(minutes=40), created + timedelta(hours=4), rules)
    assert (met.status, met.level, describe(met)) == ("met", "done", "touched")

    touched_late = sla_state(facts, created + timedelta(minutes=80), created + timedelta(hours=4), rules)
    assert (touched_late.status, describe(touched_late)) == ("breached", "touched 20 min late")
    assert touched_late.overdue == timedelta(minutes=20)


def test_touch_exactly_at_the_deadline_meets_it() -> None:
    created = at(PARIS, 2025, 6, 10, 10, 0)
    state = sla_state(
        lead(created, "HOT"), created + timedelta(hours=1), created + timedelta(days=1), settings()
    )
    assert state.status == "met"


def test_due_soon_scales_with_a_long_allowance() -> None:
    created = at(PARIS, 2025, 6, 9, 9, 0)  # Mon 09:00, cold: due Wed 17:00 (56 h later, 14 h is 25 %)
    facts, rules = lead(created, "COLD"), settings()
    tuesday = sla_state(facts, None, at(PARIS, 2025, 6, 10, 12, 0), rules)
    assert (tuesday.due_soon, describe(tuesday)) == (False, "due in 1 d 5 h")
    wednesday = sla_state(facts, None, at(PARIS, 2025, 6, 11, 8, 0), rules)
    assert (wednesday.due_soon, describe(wednesday)) == (True, "due in 9 h")


def test_urgency_puts_the_longest_breach_first_then_the_next_due() -> None:
    now = at(PARIS, 2025, 6, 10, 12, 0)
    rules = settings()
    cases = {
        "touched": sla_state(lead(now - timedelta(hours=9), "HOT"), now - timedelta(hours=8), now, rules),
        "no-sla-new": sla_state(lead(now - timedelta(hours=1)), None, now, rules),
        "due-tomorrow": sla_state(lead(now - timedelta(minutes=5), "WARM"), None, now, rules),
        "breached-2h": sla_state(lead(now - timedelta(hours=3), "HOT"), None, now, rules),
        "no-sla-old": sla_state(lead(now - timedelta(days=2)), None, now, rules),
        "due-in-10": sla_state(lead(now - timedelta(minutes=50), "HOT"), None, now, rules),
        "breached-5h": sla_state(lead(now - timedelta(hours=6), "HOT"), None, now, rules),
    }
    order = sorted(cases, key=lambda name: urgency_key(cases[name], name))
    assert order == [
        "breached-5h",
        "breached-2h",
        "due-in-10",
        "due-tomorrow",
        "no-sla-old",
        "no-sla-new",
        "touched",
    ]


def test_state_with_no_rule_sorts_without_a_creation_date() -> None:
    unknown = SlaState("none")
    assert urgency_key(unknown, "x") == (1, float("inf"), "x")


@pytest.mark.parametrize(
    ("overdue", "words"),
    [
        (timedelta(days=28, hours=1), "28 d late"),
        (timedelta(hours=3, minutes=59), "3 h late"),
        (timedelta(minutes=12), "12 min late"),
        (timedelta(seconds=30), "under 1 min late"),
    ],
)
def test_a_breach_on_a_board_card_is_said_short_so_the_name_fits(overdue: timedelta, words: str) -> None:
    deadline = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    state = state_from(deadline, None, deadline + overdue)
    assert describe_short(state) == words
    assert describe(state).startswith("breached")  # the lead screen and the queue keep the long form
    due = state_from(deadline, None, deadline - timedelta(minutes=20))
    assert describe_short(due) == describe(due)


# --- from stored columns (the board's rows) -------------------------------------------------------


def test_sla_window_is_the_clock_start_and_deadline_in_utc() -> None:
    # warm = 1 business day (09:00-17:00 Paris); created Saturday 14:00 Paris: the clock starts
    # Monday 09:00 (08:00 UTC) and the deadline is Monday 17:00 (16:00 UTC)
    lead = SlaFacts(at(PARIS, 2026, 3, 7, 14, 0), "WARM")
    start, deadline = sla_window(lead, settings()) or (None, None)
    assert start == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert deadline == datetime(2026, 3, 9, 16, 0, tzinfo=UTC) == sla_deadline(lead, settings())
    assert sla_window(SlaFacts(at(PARIS, 2026, 3, 7, 14, 0)), settings(default="none")) is None  # no rule


def test_state_from_a_deadline_matches_the_rules_and_uses_the_allowance_for_due_soon() -> None:
    deadline = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    eight_hours = timedelta(hours=8)
    # 1 h 30 left of 8 h: due soon by share (25 % = 2 h), not by the 30-minute floor
    early = deadline - timedelta(minutes=90)
    assert state_from(deadline, None, early, eight_hours).due_soon is True
    assert state_from(deadline, None, early).due_soon is False  # no allowance known: the floor only
    assert describe(state_from(deadline, None, early, eight_hours)) == "due in 1 h 30 min"
    late = deadline + timedelta(hours=3)
    assert describe(state_from(deadline, None, late)) == "breached 3 h ago"
    assert state_from(deadline, deadline - timedelta(hours=1), late).status == "met"
    assert describe(state_from(deadline, deadline + timedelta(minutes=5), late)) == "touched 5 min late"
    assert state_from(None, None, late).status == "none"
    lead = SlaFacts(at(PARIS, 2026, 3, 7, 14, 0), "WARM")
    full = sla_state(lead, None, early, settings())
    assert state_from(full.deadline, None, early, eight_hours) == replace(
        full, created_at=None, target=None, rule=None
    )


def test_the_level_from_stored_milliseconds_is_the_level_of_the_state() -> None:
    """`leadboard leads` reads each lead's SLA level straight from the stored columns: it must say
    what `state_from(...).level` says, at every side of the deadline and of "due soon"."""
    from leadboard.sla import level_from_ms

    deadline = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    deadline_ms = int(deadline.timestamp() * 1000)
    minute = 60_000
    offsets = (-600, -121, -120, -119, -31, -30, -29, -1, 0, 1, 45)
    allowances = (None, 0, 20 * minute, 8 * 60 * minute, -minute)
    touches = (None, deadline_ms - minute, deadline_ms + minute)
    seen = set()
    for offset in offsets:
        now_ms = deadline_ms + offset * minute
        now = datetime.fromtimestamp(now_ms / 1000, UTC)
        for allowance in allowances:
            for touch in touches:
                expected = state_from(
                    deadline,
                    None if touch is None else datetime.fromtimestamp(touch / 1000, UTC),
                    now,
                    None if allowance is None else timedelta(milliseconds=allowance),
                ).level
                assert level_from_ms(deadline_ms, touch, now_ms, allowance) == expected, (
                    offset,
                    allowance,
                    touch,
                )
                seen.add(expected)
    assert level_from_ms(None, None, deadline_ms) == state_from(None, None, deadline).level == "none"
    assert seen == {"done", "ok", "due_soon", "breached"}
