"""What the screens need from the app, named here so that screens never import `leadboard.app`.

The app sits above the screens (it opens them, owns the cache and sync threads and the outbox
path); a screen reaches it through `app_api(self.app)`, typed by this protocol, which
`LeadboardApp` satisfies (mypy checks that in app.py). Anything a screen needs from the app that
is not listed here is a new line here first.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from leadboard.cache.outbox import Op
    from leadboard.cache.read_model import SyncCounts
    from leadboard.cache.thread import CacheThread
    from leadboard.commands.base import Command
    from leadboard.commands.registry import CommandKind
    from leadboard.config import Settings
    from leadboard.contact_links import ContactChannel
    from leadboard.domain import PortalMeta
    from leadboard.screens.command_modal import CommandModal
    from leadboard.state import LeadFacts
    from leadboard.widgets.sync_status import SyncInfo

__all__ = ["AppApi", "app_api"]


class AppApi(Protocol):
    """The app as the screens, the lead actions and the command palette use it."""

    @property
    def cache(self) -> CacheThread:
        """The one thread that reads and writes SQLite (`await cache.read(fn)`)."""

    @property
    def settings(self) -> Settings:
        """The rep's settings (the SLA's zone for their calendar, the keymap…)."""

    @property
    def sync_enabled(self) -> bool: ...

    @property
    def meta(self) -> PortalMeta:
        """The portal's stages, lead types and reasons, as the board read them last."""

    @property
    def sync_status(self) -> SyncInfo:
        """What the status line shows; a reactive the status bars follow (`SyncStatusBar`)."""

    def now(self) -> datetime: ...

    # --- the board's reads ---

    def take_first_read(self) -> Future[Any] | None: ...

    def board_painted(self) -> None: ...

    def cache_counts_read(self, counts: SyncCounts) -> None:
        """The board read the cache's counts (changes waiting, last sync) for the status line."""

    def refresh_views(self, lead_id: str | None = None) -> None: ...

    # --- sync ---

    def start_sync(self, kind: str) -> None: ...

    def action_sync_now(self) -> None: ...

    async def pull_timeline(self, lead_id: str) -> None:
        """Refresh a lead's calls, notes and tasks from HubSpot on the sync thread."""

    # --- screens ---

    def open_lead(self, lead_id: str) -> None: ...

    def open_change(self, op: Op) -> None:
        """A change not yet in HubSpot, to resolve (keep mine, take theirs, retry, discard)."""

    def open_stats(self) -> None: ...

    def open_activity(self) -> None:
        """What changed in HubSpot, newest first (`a`)."""

    def open_work_queue(self) -> None: ...

    def filter_board(self) -> None:
        """Back to the board with its filter box focused (the palette's "jump to lead…")."""

    def jump_to_lead(self, lead_id: str) -> None: ...

    # --- commands and links ---

    def command_modal(self, kind: CommandKind, lead: LeadFacts) -> CommandModal[Any]: ...

    def lead_command(
        self, kind: CommandKind, lead: LeadFacts, *, on_done: Callable[[Command], None] | None = None
    ) -> None: ...

    def open_in_hubspot(self, lead_id: str) -> object: ...

    def copy_link(self, lead_id: str) -> object: ...

    def reach_contact(self, lead_id: str, channel: ContactChannel, *, open_it: bool) -> object: ...


def app_api(app: App[Any]) -> AppApi:
    """The running app as `AppApi` (it is always a `LeadboardApp`, which mypy holds to the protocol)."""
    return cast("AppApi", app)
