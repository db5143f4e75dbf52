"""The lead process rules: every refusal says what is missing, and labels come from the portal."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from leadboard.commands.add_note import AddNote
from leadboard.commands.base import COMMAND_ADAPTER, Command, check_command, property_changes
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.state import (
    CONNECTED_DISPOSITION_ID,
    LEAD_PROPERTIES,
    NOTE_HTML_LIMIT,
    CommandRefused,
    Lead,
    Option,
    PortalMeta,
    Stage,
    follow_up_due,
    is_timing_reason,
    move_targets,
    parse_hubspot_time,
    resolve_option,
    resolve_outcome,
    resolve_stage,
    suggest_stage_after_call,
    timing_reasons,
)
from tests.cache_fixtures import NO_ANSWER, default_meta, hubspot_lead

META = default_meta()


def lead(stage: str = "new-stage-id", lead_type: str = "", name: str = "Jane Doe") -> Lead:
    return Lead.from_hubspot(hubspot_lead("42", name, stage=stage, lead_type=lead_type))


def refusal(command: Command, on: Lead | None = None, meta: PortalMeta = META) -> str:
    with pytest.raises(CommandRefused) as caught:
        check_command(command, on or lead(), meta)
    return str(caught.value)


# --- metadata ---------------------------------------------------------------------------------------


def test_stages_come_from_the_pipeline_with_closed_decided_by_id() -> None:
    assert [s.label for s in META.open_stages] == ["New", "Attempting", "Connected"]
    assert {s.id for s in META.stages if s.closed} == {"qualified-stage-id", "unqualified-stage-id"}
    renamed = PortalMeta(
        stages=(
            Stage(id="1213103916", label="Fresh", display_order=0),
            Stage(id="qualified-stage-id", label="Won", display_order=1, closed=True),
        )
    )
    assert [s.label for s in renamed.open_stages] == ["Fresh"]
    assert not renamed.is_open("qualified-stage-id")


def test_hidden_options_are_not_offered() -> None:
    message = refusal(Disqualify(lead_id="42", reason="", note="no"))
    assert "Old reason" not in message


def test_lead_parses_hubspot_strings_blank_as_none_and_cleans_text() -> None:
    obj = hubspot_lead(
        "7",
        "Evil\x1b]52;c;aGk=\x07 Corp\u202e",
        lead_type="",
        hs_lead_first_outreach_date="1714557600000",
        hs_associated_company_name="Acme\x1b[2J",
        hs_lead_disqualification_note="",
    )
    parsed = Lead.from_hubspot(obj)
    assert parsed.name == "Evil Corp"
    assert parsed.company_name == "Acme"
    assert parsed.lead_type is None
    assert parsed.disqualification_note is None
    assert parsed.first_outreach_at == datetime.fromisoformat("2024-05-01T10:00:00+00:00")
    assert parsed.created_at == datetime.fromisoformat("2026-01-05T10:00:00+00:00")


def test_hubspot_times_parse_from_iso_epoch_or_blank() -> None:
    assert parse_hubspot_time("") is None
    assert parse_hubspot_time("2024-11-20T20:12:09.236Z") == datetime.fromisoformat(
        "2024-11-20T20:12:09.236+00:00"
    )
    assert parse_hubspot_time("1714557600000") == datetime.fromisoformat("2024-05-01T10:00:00+00:00")


# --- resolving input --------------------------------------------------------------------------------


def test_options_resolve_by_value_or_label_case_insensitively() -> None:
    reasons = META.disqualification_reasons
    assert resolve_option(reasons, "bad timing", "reason").value == "BAD_TIMING"
    assert resolve_option(reasons, "BUDGET_CONSTRAINTS", "reason").value == "BUDGET_CONSTRAINTS"
    assert resolve_option(reasons, "bounce cheques", "reason").value == "bounce cheques"
    assert resolve_option(reasons, "BOUNCED CHEQUES", "reason").value == "bounce cheques"


def test_unknown_option_is_refused_with_the_valid_choices() -> None:
    with pytest.raises(CommandRefused) as caught:
        resolve_option(META.lead_types, "enterprise", "lead type")
    assert str(caught.value) == (
        "'enterprise' is not a lead type here: choose one of New business, Upsell, Re-attempting."
    )


def test_stage_and_outcome_resolve_by_label_or_id() -> None:
    assert resolve_stage(META, "attempting").id == "attempting-stage-id"
    assert resolve_stage(META, "connected-stage-id").label == "Connected"
    assert resolve_outcome(META, "no ANSWER").id == NO_ANSWER
    with pytest.raises(CommandRefused, match="choose one of Busy, Connected, Left voicemail, No answer"):
        resolve_outcome(META, "hung up")


# --- move stage -------------------------------------------------------------------------------------


def test_move_needs_a_note() -> None:
    assert refusal(MoveStage(lead_id="42", stage_id="attempting", note="  \n\t")) == (
        "Moving a lead needs a note: write what happened."
    )


def test_move_to_a_closed_stage_goes_through_qualify_or_disqualify() -> None:
    assert "qualify it" in refusal(MoveStage(lead_id="42", stage_id="Qualified", note="x"))
    assert refusal(MoveStage(lead_id="42", stage_id="Disqualified", note="x")) == (
        "To move a lead to Disqualified, disqualify it: that needs a reason and a note."
    )


def test_move_to_the_same_stage_or_an_unknown_one_is_refused() -> None:
    assert refusal(MoveStage(lead_id="42", stage_id="New", note="x")) == (
        "The lead is already in New: choose another stage."
    )
    assert refusal(MoveStage(lead_id="42", stage_id="Won", note="x")) == (
        "'Won' is not a stage here: choose one of Attempting, Connected."
    )


def test_a_move_without_a_stage_lists_only_the_open_stages_it_can_go_to() -> None:
    assert refusal(MoveStage(lead_id="42", stage_id=" ", note="x")) == (
        "Choose a stage: one of Attempting, Connected."
    )
    assert refusal(MoveStage(lead_id="42", stage_id="", note="x"), lead("connected-stage-id")) == (
        "Choose a stage: one of New, Attempting."
    )
    assert [s.label for s in move_targets(META, "attempting-stage-id")] == ["New", "Connected"]


def test_closed_leads_take_no_stage_commands_but_take_notes_and_types() -> None:
    closed = lead(stage="unqualified-stage-id", name="Gone Ltd")
    expected = (
        "is not possible: 'Gone Ltd' is closed (Disqualified). You can still add a note or set its lead type."
    )
    assert refusal(MoveStage(lead_id="42", stage_id="attempting", note="x"), closed).endswith(expected)
    assert refusal(LogCall(lead_id="42", outcome_id="Busy", note="x"), closed).startswith("Logging a call")
    assert refusal(Qualify(lead_id="42", note="x"), closed).startswith("Qualify is not possible")
    assert refusal(Disqualify(lead_id="42", reason="Bad timing", note="x"), closed).startswith(
        "Disqualify is not"
    )
    assert check_command(AddNote(lead_id="42", text=" later "), closed, META) == AddNote(
        lead_id="42", text="later"
    )
    typed = check_command(SetLeadType(lead_id="42", lead_type="upsell"), closed, META)
    assert isinstance(typed, SetLeadType) and typed.lead_type == "UPSELL"


def test_a_checked_move_is_normalised() -> None:
    checked = check_command(
        MoveStage(lead_id="42", stage_id="Attempting", note="  called, no answer \n"), lead(), META
    )
    assert checked == MoveStage(lead_id="42", stage_id="attempting-stage-id", note="called, no answer")
    assert property_changes(checked, META) == {"hs_pipeline_stage": "attempting-stage-id"}


# --- log call ---------------------------------------------------------------------------------------


def test_call_needs_an_outcome_from_the_portal_and_a_note() -> None:
    assert refusal(LogCall(lead_id="42", outcome_id="", note="x")) == (
        "Logging a call needs an outcome: choose one of Busy, Connected, Left voicemail, No answer."
    )
    assert refusal(LogCall(lead_id="42", outcome_id="Busy", note="")) == (
        "Logging a call needs a note: write what happened."
    )
    assert "duration cannot be negative" in refusal(
        LogCall(lead_id="42", outcome_id="Busy", note="x", duration_seconds=-5)
    )


def test_call_defaults_are_outbound_zero_seconds_now() -> None:
    call = check_command(LogCall(lead_id="42", outcome_id="connected", note="talked"), lead(), META)
    assert isinstance(call, LogCall)
    assert (call.outcome_id, call.direction, call.duration_seconds) == (
        CONNECTED_DISPOSITION_ID,
        "OUTBOUND",
        0,
    )
    assert call.at.tzinfo is not None
    assert property_changes(call, META) == {}


def test_a_call_more_than_five_minutes_ahead_is_refused_by_the_process_itself() -> None:
    now = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    soon = LogCall(lead_id="42", outcome_id="Busy", note="x", at=now + timedelta(minutes=5))
    assert check_command(soon, lead(), META, now=now).at == now + timedelta(minutes=5)
    later = soon.model_copy(update={"at": now + timedelta(minutes=6)})
    assert refusal_at(later, now) == (
        "The call time 2026-11-22 14:06 is in the future: log a call once it has happened."
    )
    naive_past = soon.model_copy(update={"at": datetime(2026, 11, 22, 9, 0)})  # naive: read as UTC
    assert check_command(naive_past, lead(), META, now=now).at.tzinfo is UTC


def test_a_call_logged_more_than_a_year_ago_is_refused_as_a_typo() -> None:
    now = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    year_ago = LogCall(lead_id="42", outcome_id="Busy", note="x", at=now - timedelta(days=365))
    assert check_command(year_ago, lead(), META, now=now).at == year_ago.at
    in_1900 = year_ago.model_copy(update={"at": datetime(1900, 1, 1, 10, 0, tzinfo=UTC)})
    assert refusal_at(in_1900, now) == (
        "The call time 1900-01-01 10:00 is more than a year ago: log a call from the last year "
        "(since 2025-11-22); check the year."
    )


def test_a_call_lasting_more_than_a_day_is_refused() -> None:
    day_long = LogCall(lead_id="42", outcome_id="Busy", note="x", duration_seconds=24 * 3600)
    assert check_command(day_long, lead(), META).duration_seconds == 24 * 3600
    typo = day_long.model_copy(update={"duration_seconds": 99999999999999999999 * 60})
    assert refusal(typo) == (
        "A call's duration is at most 24 hours (1,440 minutes): "
        "99,999,999,999,999,999,999 minutes is too long. Write it in minutes."
    )


# --- notes ------------------------------------------------------------------------------------------


def test_note_must_not_be_blank_and_is_cleaned() -> None:
    assert (
        refusal(AddNote(lead_id="42", text="\x1b[31m \u202e ")) == "The note is empty: write what happened."
    )
    cleaned = check_command(AddNote(lead_id="42", text="hi\x1b]52;c;x\x07 [@click=app.quit]"), lead(), META)
    assert cleaned == AddNote(lead_id="42", text="hi [@click=app.quit]")


def test_note_too_long_after_html_conversion_says_by_how_much() -> None:
    # "<" becomes "&lt;": 20,000 of them are 80,000 characters of HTML.
    message = refusal(AddNote(lead_id="42", text="<" * 20_000))
    assert message == (
        f"The note is too long: 80,007 characters once formatted for HubSpot, and the most it takes is "
        f"{NOTE_HTML_LIMIT:,}. Shorten it by {80_007 - NOTE_HTML_LIMIT:,} characters."
    )
    fits = "a" * (NOTE_HTML_LIMIT - len("<p></p>"))
    assert check_command(AddNote(lead_id="42", text=fits), lead(), META)


def test_a_100k_note_is_refused_not_truncated() -> None:
    assert refusal(AddNote(lead_id="42", text="x" * 100_000)).startswith("The note is too long: 100,007")


# --- lead type, qualify, disqualify -----------------------------------------------------------------


def test_lead_type_must_be_one_of_the_portals() -> None:
    assert refusal(SetLeadType(lead_id="42", lead_type="")) == (
        "Choose a lead type: one of New business, Upsell, Re-attempting."
    )


def test_setting_the_type_the_lead_already_has_is_refused() -> None:
    typed = lead(lead_type="NEW_BUSINESS")
    assert refusal(SetLeadType(lead_id="42", lead_type="new business"), on=typed) == (
        "The lead type is New business now: choose another one to change it."
    )
    assert check_command(SetLeadType(lead_id="42", lead_type="Upsell"), typed, META).lead_type == "UPSELL"


@pytest.mark.parametrize(
    ("deal", "refused"),
    [
        (Deal(name="D" * 65_537, close_date=date(2026, 3, 1)), "HubSpot takes at most 65,536"),
        (Deal(name="D", amount=float("inf"), close_date=date(2026, 3, 1)), "must be below"),
        (Deal(name="D", amount=1e16, close_date=date(2026, 3, 1)), "must be below 10,000,000,000,000"),
    ],
    ids=["name too long", "infinite amount", "amount too large"],
)
def test_a_deal_hubspot_would_refuse_is_refused_before_queueing(deal: Deal, refused: str) -> None:
    """Else the stage and the note would reach HubSpot and the deal fail after them."""
    assert refused in refusal(Qualify(lead_id="42", note="x", deal=deal), lead(lead_type="NEW_BUSINESS"))
    fits = Deal(name="D" * 65_536, amount=9_999_999_999_999.99, close_date=date(2026, 3, 1))
    assert check_command(Qualify(lead_id="42", note="x", deal=fits), lead(lead_type="NEW_BUSINESS"), META)


def test_qualify_needs_a_lead_type_a_note_and_a_deal_or_no_deal() -> None:
    assert refusal(Qualify(lead_id="42", note="x")) == (
        "Qualify needs a lead type: set it first (one of New business, Upsell, Re-attempting)."
    )
    typed = lead(lead_type="NEW_BUSINESS")
    assert refusal(Qualify(lead_id="42", note=" "), typed) == "Qualify needs a note: write what happened."
    no_name = Qualify(lead_id="42", note="x", deal=Deal(name=" ", close_date=date(2026, 3, 1)))
    assert refusal(no_name, typed) == "Qualify needs a deal name, or choose 'no deal'."
    negative = Qualify(lead_id="42", note="x", deal=Deal(name="D", amount=-1, close_date=date(2026, 3, 1)))
    assert refusal(negative, typed) == "The deal amount cannot be negative."
    ok = check_command(
        Qualify(
            lead_id="42", note=" go ", deal=Deal(name=" Acme deal ", amount=0, close_date=date(2026, 3, 1))
        ),
        typed,
        META,
    )
    assert isinstance(ok, Qualify) and ok.note == "go" and ok.deal is not None and ok.deal.name == "Acme deal"
    assert property_changes(ok, META) == {"hs_pipeline_stage": "qualified-stage-id"}
    assert check_command(Qualify(lead_id="42", note="no deal yet"), typed, META).deal is None


def test_a_form_gets_the_refusal_without_the_list_its_dropdown_already_shows() -> None:
    with pytest.raises(CommandRefused) as caught:
        check_command(Disqualify(lead_id="42", reason=" ", note="x"), lead(), META)
    assert caught.value.short == "Disqualify needs a reason."
    assert "Bad Timing" in str(caught.value)  # the CLI's sentence still lists the choices
    with pytest.raises(CommandRefused) as caught:
        check_command(Disqualify(lead_id="42", reason="bad timing", note=""), lead(), META)
    assert caught.value.short == str(caught.value)  # nothing to shorten: the same sentence


def test_disqualify_needs_a_reason_from_the_list_and_a_note() -> None:
    assert refusal(Disqualify(lead_id="42", reason=" ", note="x")) == (
        "Disqualify needs a reason: choose one of Bad Timing, Budget Constraints, Not a Good Fit, "
        "Bounced cheques."
    )
    assert refusal(Disqualify(lead_id="42", reason="too expensive", note="x")) == (
        "'too expensive' is not a disqualification reason here: choose one of Bad Timing, "
        "Budget Constraints, Not a Good Fit, Bounced cheques."
    )
    assert refusal(Disqualify(lead_id="42", reason="bad timing", note="")) == (
        "Disqualify needs a note: write what happened."
    )
    ok = check_command(
        Disqualify(lead_id="42", reason="Bounced Cheques", note="cheque bounced"), lead(), META
    )
    assert property_changes(ok, META) == {
        "hs_pipeline_stage": "unqualified-stage-id",
        "hs_lead_disqualification_reason": "bounce cheques",
        "hs_lead_disqualification_note": "cheque bounced",
    }


# --- recycling: timing reasons and the follow-up date ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "label", "timing"),
    [
        ("BAD_TIMING", "Bad Timing", True),
        ("bad timing", "Something else", True),
        ("custom_17", "Timing – check back later", True),
        ("NOT_NOW", "Not now", True),
        ("NURTURE", "Nurture", True),
        ("NOT_A_GOOD_FIT", "Not a Good Fit", False),
        ("BUDGET_CONSTRAINTS", "Budget Constraints", False),
        ("NO_RESPONSE", "No Response", False),
        ("TIMINGS_BELT", "Cam belts", False),  # a whole word, not part of one
    ],
)
def test_timing_reasons_are_read_from_the_options_value_or_label(
    value: str, label: str, timing: bool
) -> None:
    assert is_timing_reason(Option(value=value, label=label)) is timing


def test_the_portals_timing_reasons_leave_hidden_ones_out() -> None:
    meta = replace(
        META,
        disqualification_reasons=(
            *META.disqualification_reasons,
            Option(value="OLD_TIMING", label="Old timing", hidden=True),
        ),
    )
    assert [o.label for o in timing_reasons(meta)] == ["Bad Timing"]


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.astimezone().date()


def refusal_at(command: Command, now: datetime, on: Lead | None = None) -> str:
    with pytest.raises(CommandRefused) as caught:
        check_command(command, on or lead(), META, now=now)
    return str(caught.value)


def test_a_follow_up_date_is_kept_for_a_timing_reason_and_writes_no_property() -> None:
    later = TODAY + timedelta(days=90)
    command = Disqualify(lead_id="42", reason="bad timing", note=" next year ", follow_up=later)
    checked = check_command(command, lead(), META, now=NOW)
    assert checked == Disqualify(lead_id="42", reason="BAD_TIMING", note="next year", follow_up=later)
    assert "follow_up" not in str(property_changes(checked, META))
    tomorrow = command.model_copy(update={"follow_up": TODAY + timedelta(days=1)})
    assert check_command(tomorrow, lead(), META, now=NOW) is not None


def test_a_follow_up_date_needs_a_timing_reason_and_says_which_ones_are() -> None:
    command = Disqualify(
        lead_id="42", reason="Not a Good Fit", note="x", follow_up=TODAY + timedelta(days=30)
    )
    assert refusal_at(command, NOW) == (
        "A follow-up date is only for a timing reason (one of Bad Timing); 'Not a Good Fit' is not "
        "one: clear the follow-up date, or choose a timing reason."
    )
    no_timing = replace(META, disqualification_reasons=(Option(value="WRONG_DATA", label="Wrong Data"),))
    with pytest.raises(CommandRefused, match="this portal has no reason about timing"):
        check_command(command.model_copy(update={"reason": "WRONG_DATA"}), lead(), no_timing, now=NOW)


@pytest.mark.parametrize("days", [0, -1, -400])
def test_a_follow_up_date_must_be_after_today(days: int) -> None:
    day = TODAY + timedelta(days=days)
    command = Disqualify(lead_id="42", reason="BAD_TIMING", note="x", follow_up=day)
    assert refusal_at(command, NOW) == (
        f"The follow-up date {day.isoformat()} is not in the future: choose a day after "
        f"{TODAY.isoformat()}, or no follow-up."
    )


def test_a_follow_up_date_more_than_two_years_away_is_refused() -> None:
    latest = TODAY.replace(year=TODAY.year + 2)
    command = Disqualify(lead_id="42", reason="BAD_TIMING", note="x", follow_up=latest)
    assert check_command(command, lead(), META, now=NOW).follow_up == latest
    far = command.model_copy(update={"follow_up": date(9999, 12, 31)})
    assert refusal_at(far, NOW) == (
        f"The follow-up date 9999-12-31 is more than 2 years away: choose a day by {latest.isoformat()}, "
        "or no follow-up."
    )


def test_a_follow_up_is_due_at_nine_in_the_portals_zone_else_utc() -> None:
    day = date(2027, 3, 29)  # the day after Europe's switch to summer time
    berlin = follow_up_due(day, "Europe/Berlin")
    assert berlin.isoformat() == "2027-03-29T09:00:00+02:00"
    assert berlin.astimezone(UTC).hour == 7
    assert follow_up_due(day, None) == datetime(2027, 3, 29, 9, 0, tzinfo=UTC)
    assert follow_up_due(day, "Not/AZone") == datetime(2027, 3, 29, 9, 0, tzinfo=UTC)
    assert follow_up_due(day, "../etc/passwd") == datetime(2027, 3, 29, 9, 0, tzinfo=UTC)


def test_a_stored_disqualify_reads_back_with_or_without_a_follow_up() -> None:
    """Ops queued before recycling existed have no follow_up field; they still load."""
    old = COMMAND_ADAPTER.validate_json('{"kind":"disqualify","lead_id":"1","reason":"X","note":"n"}')
    assert isinstance(old, Disqualify) and old.follow_up is None
    new = Disqualify(lead_id="1", reason="X", note="n", follow_up=date(2027, 1, 4))
    assert COMMAND_ADAPTER.validate_json(COMMAND_ADAPTER.dump_json(new)) == new


def test_a_portal_with_no_options_yet_says_to_sync() -> None:
    empty = PortalMeta(stages=META.stages)
    assert refusal(Disqualify(lead_id="42", reason="", note="x"), meta=empty) == (
        "Disqualify needs a reason: choose one of (the portal has none: run a sync)."
    )


def test_command_for_another_lead_is_refused() -> None:
    assert refusal(AddNote(lead_id="41", text="x")) == "This command is for lead 41, not 42."


# --- after a call -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "outcome", "expected"),
    [
        ("new-stage-id", NO_ANSWER, "attempting-stage-id"),
        ("new-stage-id", CONNECTED_DISPOSITION_ID, "connected-stage-id"),
        ("attempting-stage-id", CONNECTED_DISPOSITION_ID, "connected-stage-id"),
        ("attempting-stage-id", NO_ANSWER, None),
        ("connected-stage-id", NO_ANSWER, None),
        ("connected-stage-id", CONNECTED_DISPOSITION_ID, None),
        ("qualified-stage-id", CONNECTED_DISPOSITION_ID, None),
    ],
)
def test_the_stage_move_suggested_after_a_call(stage: str, outcome: str, expected: str | None) -> None:
    suggested = suggest_stage_after_call(META, stage, outcome)
    assert (suggested.id if suggested else None) == expected


def test_suggestion_works_with_renamed_custom_stages_and_outcomes() -> None:
    meta = PortalMeta(
        stages=(
            Stage(id="10", label="Fresh", display_order=0),
            Stage(id="11", label="Tried", display_order=1),
            Stage(id="12", label="Talking", display_order=2),
            Stage(id="qualified-stage-id", label="Won", display_order=3, closed=True),
        ),
        dispositions=(
            *META.dispositions[:1],
            replace(META.dispositions[1], id="custom-guid", label="connected"),
        ),
    )
    assert suggest_stage_after_call(meta, "10", "9d9162e7-6cf3-4944-bf63-4dff82258764") == meta.stages[1]
    assert suggest_stage_after_call(meta, "11", "custom-guid") == meta.stages[2]


def test_option_labels_display() -> None:
    assert META.option_label(META.disqualification_reasons, "bounce cheques") == "Bounced cheques"
    assert META.disposition_label(CONNECTED_DISPOSITION_ID) == "Connected"
    assert META.stage_label("gone-stage") == "gone-stage"
    assert Option(value="A", label="a").hidden is False


# --- import cost ------------------------------------------------------------------------------------


def test_importing_the_rules_builds_no_validator_until_one_is_used() -> None:
    """Models and adapters build on first use, not when a command (or the sync) imports the rules."""
    probe = (
        "import leadboard.state as s\n"
        "import leadboard.commands.base as b\n"
        "from leadboard.commands.disqualify import Disqualify\n"
        "from leadboard.commands.log_call import LogCall\n"
        "built = [m.__name__ for m in (s.Lead, Disqualify, LogCall) if m.__pydantic_complete__]\n"
        "assert built == [] and b.command_adapter.cache_info().currsize == 0, built\n"
        'b.COMMAND_ADAPTER.validate_json(\'{"kind":"add_note","lead_id":"1","text":"t"}\')\n'
        "assert b.command_adapter.cache_info().currsize == 1\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_pull_asks_for_the_leads_entry_source() -> None:
    assert "lead_source" in LEAD_PROPERTIES
