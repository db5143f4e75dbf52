"""Messages that cross the app: workers post them (thread-safe), handlers on the UI thread apply them.

Workers never touch widgets; they post one of these and return. The payloads are plain data
(`BoardLead` rows, `PortalMeta`, the engine's `SyncStatus`), never widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from leadboard.cache.read_model import LeadDetail

__all__ = [
    "CacheChanged",
    "LeadDetailLoaded",
    "SyncFinished",
    "SyncStarted",
    "SyncStatusChanged",
]


@dataclass
class CacheChanged(Message):
    """SQLite changed (a command was queued, a sync wrote): screens read again what they show."""

    lead_id: str | None = None


@dataclass
class LeadDetailLoaded(Message):
    """Everything the lead screen shows, read in a worker."""

    lead_id: str
    detail: LeadDetail | None
    portal_id: str | None = None
    #: The read cleared the lead's "changed in HubSpot" marker: the board repaints without it.
    marker_cleared: bool = False
    #: Why the lead left the rep's board (reassigned, archived), shown on its screen; None if it did not.
    left: str | None = None


@dataclass
class SyncStarted(Message):
    """The sync worker began a run: `kind` is "sync", "push" or "timeline"."""

    kind: str


@dataclass
class SyncStatusChanged(Message):
    """The engine's status, posted from the sync thread to the app, which keeps it in its reactive
    `sync_status` (every status line follows that; screens never handle this message)."""

    status: Any


@dataclass
class SyncFinished(Message):
    """A sync or push run ended. `report` is the engine's SyncReport/PushReport; `error` our summary."""

    kind: str
    report: Any = None
    error: str | None = None
    attention: list[str] = field(default_factory=list)
