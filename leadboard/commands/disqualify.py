"""Close the lead as disqualified: a reason from the portal's list and a note; for a timing reason,
optionally a follow-up day (recycling: the push creates a task due that day)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from leadboard.commands.base import LeadCommand, clean_note
from leadboard.commands.registry import PushStep
from leadboard.domain import PROP_DQ_NOTE, PROP_REASON, PROP_STAGE, CommandRefused, Option, PortalMeta
from leadboard.state import LeadFacts, choices_text, is_timing_reason, resolve_option, timing_reasons

__all__ = ["FOLLOW_UP_MAX_YEARS", "Disqualify"]

#: A follow-up further off than this is a typo (9999-12-31), not a plan: the task would never come up.
FOLLOW_UP_MAX_YEARS = 2


class Disqualify(LeadCommand):
    """Close the lead as disqualified: a reason from the portal's list and a note, both required.

    `follow_up` (recycling): for a timing reason (`is_timing_reason`), the day to re-attempt the
    contact; the push then creates a HubSpot task due that day (`follow_up_due`). None: no task.
    """

    kind: Literal["disqualify"] = "disqualify"
    reason: str
    note: str
    follow_up: date | None = None

    @property
    def typed(self) -> str:
        return self.note

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        reasons = [o for o in meta.disqualification_reasons if not o.hidden]
        if not self.reason.strip():
            raise CommandRefused(
                f"Disqualify needs a reason: choose one of {choices_text(o.label for o in reasons)}.",
                short="Disqualify needs a reason.",
            )
        reason = resolve_option(meta.disqualification_reasons, self.reason, "disqualification reason")
        note = clean_note(self.note, self.spec.doing)
        if self.follow_up is not None:
            _check_follow_up(self.follow_up, reason, meta, now)
        return self.model_copy(update={"reason": reason.value, "note": note})

    def property_changes(self, meta: PortalMeta) -> dict[str, str]:
        return {PROP_STAGE: meta.unqualified_stage_id, PROP_REASON: self.reason, PROP_DQ_NOTE: self.note}

    def push_steps(self) -> tuple[PushStep, ...]:
        steps = super().push_steps()
        return steps if self.follow_up is not None else tuple(s for s in steps if s != "task")

    def note_headline(self, meta: PortalMeta) -> str | None:
        return f"Disqualified: {meta.option_label(meta.disqualification_reasons, self.reason)}."

    def describe(self, meta: PortalMeta) -> str:
        reason = meta.option_label(meta.disqualification_reasons, self.reason) or self.reason
        described = f"disqualify ({reason})"
        if self.follow_up is not None:
            described += f", follow-up task on {self.follow_up.isoformat()}"
        return described


def _check_follow_up(day: date, reason: Option, meta: PortalMeta, now: datetime) -> None:
    """A follow-up date needs a timing reason and must fall after today (the rep's own day) and
    within `FOLLOW_UP_MAX_YEARS` of it."""
    if not is_timing_reason(reason):
        timing = timing_reasons(meta)
        which = (
            f"one of {choices_text(o.label for o in timing)}"
            if timing
            else "this portal has no reason about timing"
        )
        raise CommandRefused(
            f"A follow-up date is only for a timing reason ({which}); '{reason.label}' is not one: "
            "clear the follow-up date, or choose a timing reason."
        )
    today = now.astimezone().date()
    if day <= today:
        raise CommandRefused(
            f"The follow-up date {day.isoformat()} is not in the future: choose a day after "
            f"{today.isoformat()}, or no follow-up."
        )
    latest = _years_after(today, FOLLOW_UP_MAX_YEARS)
    if day > latest:
        raise CommandRefused(
            f"The follow-up date {day.isoformat()} is more than {FOLLOW_UP_MAX_YEARS} years away: "
            f"choose a day by {latest.isoformat()}, or no follow-up."
        )


def _years_after(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
