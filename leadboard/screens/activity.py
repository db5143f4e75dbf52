"""The Activity screen (`a`): what changed in HubSpot for the rep, newest first (issue 12).

One row per event the pulls found (cache/activity_feed.py), in the same words as the board's
notification and `leadboard activity`. Enter opens the lead; a lead that left the board
(reassigned, archived, closed by a colleague) stays listed with "left your board" and opens too,
the lead screen saying why. Text from HubSpot is shown as plain `Text`, never as markup.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from leadboard.activity import event_words
from leadboard.cache.activity_feed import FeedEntry, feed
from leadboard.cache.read_model import to_datetime
from leadboard.screens.app_api import AppApi, app_api
from leadboard.screens.key_footer import KeyFooter
from leadboard.screens.lead import rep_calendar
from leadboard.screens.messages import CacheChanged
from leadboard.time_words import RepCalendar

__all__ = ["ActivityScreen", "entry_text"]


def entry_text(entry: FeedEntry, calendar: RepCalendar) -> Text:
    """One row: when, what happened, and whether the lead left the board. Plain text only."""
    when = to_datetime(entry.event.at)
    text = Text(f"{calendar.moment(when) if when else '—'}  ", style="dim", no_wrap=True, overflow="ellipsis")
    text.append(event_words(entry.event))
    if not entry.on_board:
        text.append("  · left your board", style="italic")
    return text


class ActivityScreen(Screen[None]):
    """The activity feed; escape goes back to the board."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="activity-close", tooltip="Back to the board"),
    ]
    DEFAULT_CSS = """
    ActivityScreen #activity-title { height: auto; padding: 0 1; color: $text-muted; }
    ActivityScreen #activity-list { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(id="activity")
        self.entries: list[FeedEntry] = []

    @property
    def lb_app(self) -> AppApi:
        return app_api(self.app)

    def compose(self) -> ComposeResult:
        yield Static("Reading the activity…", id="activity-title", markup=False)
        yield OptionList(id="activity-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(exclusive=True, group="activity-read", exit_on_error=False)
    async def load(self) -> None:
        def read(store: Any) -> list[FeedEntry]:
            return feed(store.db.conn)

        self._show(await self.lb_app.cache.read(read))

    def _show(self, entries: list[FeedEntry]) -> None:
        self.entries = entries
        calendar = rep_calendar(self.lb_app)
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        listing.set_options(Option(entry_text(e, calendar), id=str(i)) for i, e in enumerate(entries))
        if entries:
            listing.highlighted = min(highlighted or 0, len(entries) - 1)
        title = (
            f"What changed in HubSpot: {len(entries)} event{'s' if len(entries) != 1 else ''}, newest first"
            " · enter opens the lead"
            if entries
            else "Nothing has changed in HubSpot since your first sync."
        )
        self.query_one("#activity-title", Static).update(Text(title))

    @on(CacheChanged)
    def _cache_changed(self, event: CacheChanged) -> None:
        self.load()  # a pull found more

    @on(OptionList.OptionSelected, "#activity-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        entry = self.entries[int(event.option.id or 0)]
        self.lb_app.open_lead(entry.event.lead_id)  # one that left says so on its screen

    def action_close(self) -> None:
        self.dismiss(None)
