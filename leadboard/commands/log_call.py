"""Log a call made outside HubSpot: its outcome, note, direction, duration and when it happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, Self

from pydantic import Field

from leadboard.commands.base import LeadCommand, clean_note
from leadboard.domain import CommandRefused, PortalMeta
from leadboard.state import LeadFacts, choices_text, resolve_outcome

__all__ = ["CALL_FUTURE_SLACK", "CALL_MAX_AGE", "CALL_MAX_DURATION", "CallDirection", "LogCall"]

CallDirection = Literal["OUTBOUND", "INBOUND"]
#: A call logged this far after "now" is taken as a typo rather than a call that has not happened yet.
CALL_FUTURE_SLACK = timedelta(minutes=5)
#: A call logged longer ago than this is a typo (a year written wrong), not a call the rep forgot.
CALL_MAX_AGE = timedelta(days=365)
#: No call a rep logs lasts longer than a day: a bigger duration is a typo that HubSpot would show as is.
CALL_MAX_DURATION = timedelta(hours=24)


def _now() -> datetime:
    return datetime.now(UTC)


class LogCall(LeadCommand):
    """Log a call made outside HubSpot. Duration defaults to 0 s ("not recorded"): we never invent one."""

    kind: Literal["log_call"] = "log_call"
    outcome_id: str
    note: str
    direction: CallDirection = "OUTBOUND"
    duration_seconds: int = 0
    at: datetime = Field(default_factory=_now)

    @property
    def typed(self) -> str:
        return self.note

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        """An outcome from the portal's list, a note, a duration of 0 to 24 hours, a time in the last year
        and not in the future."""
        if not self.outcome_id.strip():
            raise CommandRefused(
                f"Logging a call needs an outcome: choose one of "
                f"{choices_text(d.label for d in meta.dispositions if not d.deleted)}.",
                short="Logging a call needs an outcome.",
            )
        outcome = resolve_outcome(meta, self.outcome_id)
        note = clean_note(self.note, self.spec.doing)
        if self.duration_seconds < 0:
            raise CommandRefused("A call's duration cannot be negative.")
        if self.duration_seconds > CALL_MAX_DURATION.total_seconds():
            most = int(CALL_MAX_DURATION.total_seconds()) // 60
            raise CommandRefused(
                f"A call's duration is at most 24 hours ({most:,} minutes): "
                f"{self.duration_seconds // 60:,} minutes is too long. Write it in minutes."
            )
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=UTC)
        shown = at.strftime("%Y-%m-%d %H:%M")  # in the zone the rep gave it in
        if at - now > CALL_FUTURE_SLACK:
            raise CommandRefused(f"The call time {shown} is in the future: log a call once it has happened.")
        if now - at > CALL_MAX_AGE:
            earliest = (now - CALL_MAX_AGE).astimezone(at.tzinfo).strftime("%Y-%m-%d")
            raise CommandRefused(
                f"The call time {shown} is more than a year ago: log a call from the last year "
                f"(since {earliest}); check the year."
            )
        return self.model_copy(update={"outcome_id": outcome.id, "note": note, "at": at})

    def touched_at(self) -> datetime | None:
        return self.at

    def describe(self, meta: PortalMeta) -> str:
        return f"log a call ({meta.disposition_label(self.outcome_id) or self.outcome_id})"
