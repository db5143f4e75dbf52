"""What changed on HubSpot's side for the rep (issue 12): the feed's events and their words. Pure.

The pull finds the events (sync/pull_feed.py), the cache keeps them (cache/activity_feed.py), and
the board's notification, the Activity screen and `leadboard activity` all say them with the words
here, so the three agree. Names and details come from HubSpot: they are cleaned of control and
escape sequences here, and callers still show them as plain text, never as markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from leadboard.text import clean_untrusted

__all__ = ["EVENT_KINDS", "EventKind", "FeedEvent", "event_words", "summary"]

EventKind = Literal["new_lead", "stage", "reassigned", "gone", "lead_type", "label", "activity"]
EVENT_KINDS: tuple[EventKind, ...] = (
    "new_lead",
    "stage",
    "reassigned",
    "gone",
    "lead_type",
    "label",
    "activity",
)
#: The summary names at most this many events one by one; the rest are counted.
_NAMED = 3


def _plain(text: str | None) -> str:
    """One line of untrusted text: no control sequences, no line breaks."""
    return " ".join(clean_untrusted(text or "").split())


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One change HubSpot made to one of the rep's leads (or took away from them).

    `detail` is the new value in words ("Connected", "Ben Carter", "archived", "email reply");
    `actor` who did it when HubSpot says (a colleague's name), else None; `at` epoch ms.
    """

    kind: EventKind
    lead_id: str
    lead_name: str
    at: int
    detail: str = ""
    actor: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lead_id": self.lead_id,
            "lead_name": _plain(self.lead_name),
            "at": self.at,
            "detail": _plain(self.detail),
            "actor": None if self.actor is None else _plain(self.actor),
        }


def event_words(event: FeedEvent) -> str:
    """The event in one line: "Pedro Novák moved to Connected", "Ann Lee: new call by Ben Carter",
    "Pedro Novák replied" (a prospect's email)."""
    name = _plain(event.lead_name) or f"lead {event.lead_id}"
    detail = _plain(event.detail)
    by = f" by {_plain(event.actor)}" if event.actor else ""
    match event.kind:
        case "new_lead":
            return f"New lead: {name}"
        case "stage":
            return f"{name} moved to {detail}{by}"
        case "reassigned":
            return f"{name} reassigned to {detail}"
        case "gone":
            return f"{name} {detail or 'archived'} in HubSpot"
        case "lead_type":
            return f"{name}: lead type set to {detail or 'none'}{by}"
        case "label":
            return f"{name}: label set to {detail or 'none'}{by}"
        case "activity" if detail == "reply":
            return f"{name} replied"
        case _:
            return f"{name}: new {detail or 'activity'}{by}"


def summary(events: Sequence[FeedEvent]) -> str:
    """One quiet line for the board after a pull, counts first: "2 new leads · Pedro Novák moved to
    Connected · 1 lead reassigned to Ben Carter". Empty when nothing happened."""
    if not events:
        return ""
    parts: list[str] = []
    new = sum(1 for e in events if e.kind == "new_lead")
    if new:
        parts.append(f"{new} new lead{'s' if new != 1 else ''}")
    stages = [e for e in events if e.kind == "stage"]
    parts += [event_words(e) for e in stages[:_NAMED]]
    if len(stages) > _NAMED:
        parts.append(f"{len(stages) - _NAMED} more moved")
    for owner, count in Counter(_plain(e.detail) for e in events if e.kind == "reassigned").items():
        parts.append(f"{count} lead{'s' if count != 1 else ''} reassigned to {owner}")
    gone = sum(1 for e in events if e.kind == "gone")
    if gone:
        parts.append(f"{gone} lead{'s' if gone != 1 else ''} archived or deleted")
    edited = sum(1 for e in events if e.kind in ("lead_type", "label"))
    if edited:
        parts.append(f"{edited} lead{'s' if edited != 1 else ''} edited")
    active = len({e.lead_id for e in events if e.kind == "activity"})
    if active:
        parts.append(f"new activity on {active} lead{'s' if active != 1 else ''}")
    return " · ".join(parts)
