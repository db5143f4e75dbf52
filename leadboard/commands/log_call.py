"""Log a call made outside HubSpot: its outcome, note, direction, duration and when it happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, Self

from pydantic import Field

from leadboard.commands.base import LeadCommand, clean_note
from leadboard.domain import CommandRefused, PortalMeta
from leadboard.state import LeadFacts, choices_text, resolve_outcome

__all__ = ["CALL_FUTURE_SLACK", "CallDirection", "LogCall"]

CallDirection = Literal["OUTBOUND", "INBOUND"]
#: A call logged this far after "now" is taken as a typo rather than a call that has not happened yet.
CALL_FUTURE_SLACK = timedelta(minutes=5)


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
        """An outcome from the portal's list, a note, a duration of 0 or more, a time not in the future."""
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
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=UTC)
        if at - now > CALL_FUTURE_SLACK:
            shown = at.strftime("%Y-%m-%d %H:%M")  # in the zone the rep gave it in
            raise CommandRefused(f"The call time {shown} is in the future: log a call once it has happened.")
        return self.model_copy(update={"outcome_id": outcome.id, "note": note, "at": at})

    def touched_at(self) -> datetime | None:
        return self.at

    def describe(self, meta: PortalMeta) -> str:
        return f"log a call ({meta.disposition_label(self.outcome_id) or self.outcome_id})"
