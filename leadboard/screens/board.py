"""The board: one column per open stage of the rep's lead pipeline, in pipeline order.

The screen reads the cache through the app's cache thread (never on the UI thread), one page at a
time: the first `PAGE_ROWS` leads of each stage and every stage's total (`store.board_page`), so a
filter keystroke at 10,000 leads reads what fits on screen, not 10,000 rows. It splits the rows
into `StageColumn`s by stage and keeps each column's highlight across refreshes; a column scrolled
deep into a long stage asks for the rows around its viewport (`stage_window`: that stage alone),
and later reads of the board read that window for it. `/` filters
in SQL as the rep types, `s` cycles the sort, `v` switches to the closed leads. Below
`NARROW_WIDTH` columns one stage shows at a time with tabs above it; h/l (or the tabs) switch.
Lead commands are delegated to the app, which owns the modals, the outbox and the sync worker;
`w` opens the work queue and `S` the stats, both through the app too.

The default sort is "urgent" (speed to lead, sorted in SQL): untouched leads by SLA deadline, the
longest breached first, then untouched leads with no SLA, then touched ones. Each shown row turns
its stored deadline and first touch into words (`sla.state_from`), so the board never runs the SLA
rules itself.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from leadboard.cache.read_model import SORTS, BoardLead, BoardPage, Sort, SyncCounts, View, read_first_board
from leadboard.domain import PortalMeta, Stage
from leadboard.screens.app_api import AppApi, app_api
from leadboard.screens.key_footer import KeyFooter
from leadboard.screens.keys import BOARD_BINDINGS
from leadboard.screens.lead_actions import COMMAND_ACTIONS, LINK_ACTIONS, OPEN_ONLY, LeadActions
from leadboard.screens.messages import CacheChanged
from leadboard.sla import SlaState, state_from
from leadboard.widgets.stage_column import StageColumn
from leadboard.widgets.sync_status import SyncStatusBar

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Mapping

    from textual.timer import Timer
    from textual.widgets import Input, Tabs

    from leadboard.cache.store import Store
    from leadboard.commands.registry import CommandKind

__all__ = [
    "DEFAULT_SORT",
    "NARROW_WIDTH",
    "PAGE_ROWS",
    "BoardRead",
    "BoardScreen",
    "first_board_read",
    "lead_sla",
    "read_board",
    "urgent_ids",
]

#: Below this width the board shows one stage at a time.
NARROW_WIDTH = 100
#: The sort the board opens with ("urgent"); `s` cycles through `SORTS` from there.
DEFAULT_SORT: Sort = SORTS[0]
SORT_WORDS: dict[Sort, str] = {
    "urgent": "most urgent first",
    "newest": "newest first",
    "oldest": "oldest first",
    "last_touch": "last touched first",
    "name": "by name",
}
#: The closed view's words for the default sort (read_model.CLOSED_FIRST).
CLOSED_FIRST_WORDS = "closed most recently first"
#: Actions on the highlighted lead: greyed out without one (and `OPEN_ONLY` ones on a closed lead).
LEAD_ACTIONS = frozenset({*COMMAND_ACTIONS, *LINK_ACTIONS, "open_lead"})

#: The longest the board holds its frames after a filter keystroke while it reads the matching rows.
FILTER_HOLD = 0.04

#: Rows read per stage: a 60-line terminal shows ~28 two-line leads, so this leaves room to scroll
#: before the next, bigger read.
PAGE_ROWS = 60

#: One read of the board: the page (first rows of each stage, and each stage's total), the portal's
#: metadata and the cache's sync status.
BoardRead = tuple[BoardPage, PortalMeta, SyncCounts]


def read_board(
    view: View,
    needle: str,
    sort: Sort,
    limit: int,
    store: Store,
    windows: Mapping[str, tuple[int, int]] | None = None,
    *,
    count: bool = True,
    keep: Mapping[str, str] | None = None,
) -> BoardRead:
    """What the board shows, read on the cache thread: the first `limit` rows of each stage (or the
    window a column asked for: stage id → (start, rows)) with each stage's total, the portal's
    metadata and the sync status. `count=False`: the totals of stages whose rows fill the page are
    left for `BoardPage.uncounted` (a filter keystroke reads them after its rows are shown).
    `keep`: stage id → the lead its column highlights, read around if past the first rows."""
    page = store.board_page(
        view=view, needle=needle, sort=sort, limit_per_stage=limit, windows=windows, count=count, keep=keep
    )
    return page, store.portal_meta(), store.sync_status()


def first_board_read(conn: sqlite3.Connection) -> BoardRead:
    """The board as it opens (open leads, no filter, default sort, one page), from a plain
    connection: the app starts this before Textual is up (`CacheThread.start_first_read`)."""
    first = read_first_board(conn, "open", "", DEFAULT_SORT, PAGE_ROWS)
    return first.page, first.meta, first.status


def urgent_ids(store: Store) -> list[str]:
    """The rep's open leads, most urgent first (the work queue's order), read on the cache thread."""
    return [lead.id for lead in store.board(view="open", sort="urgent")]


def lead_sla(lead: BoardLead, now: datetime) -> SlaState | None:
    """A lead's SLA state at `now` from its stored deadline and first touch (None once closed)."""
    if lead.closed:
        return None
    return state_from(lead.sla_deadline, lead.first_touch, now, lead.sla_allowance)


def _sla_at(now: datetime, lead: BoardLead) -> SlaState | None:
    return lead_sla(lead, now)


class BoardScreen(LeadActions, Screen[None]):
    """The rep's leads by stage; paints from the cache, then the sync keeps it fresh."""

    BINDINGS: ClassVar[list[BindingType]] = list(BOARD_BINDINGS)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]
    AUTO_FOCUS = "StageColumn.-active"  # focused as it is composed, so the first frame shows it focused

    # What the rep chose to see. Their watchers do the redraw (each only what it changes: the
    # title, the status line's note, the columns' -active class, a new read); the screen itself
    # is neither repainted nor laid out for them, and setting the same value again does nothing.
    #: The order of each column's rows (`s` cycles it).
    sort: reactive[Sort] = reactive[Sort](DEFAULT_SORT, init=False, repaint=False, layout=False)
    #: Open or closed leads (`v`).
    view: reactive[View] = reactive[View]("open", init=False, repaint=False, layout=False)
    #: The column the rep is in (h/l, a tab, a click); the footer's keys are for its lead.
    active_index: reactive[int] = reactive(0, init=False, repaint=False, layout=False)
    #: What the status line adds after the sync status: the closed view, a filter (bound to its `extra`).
    filter_note: reactive[str] = reactive("", init=False, repaint=False, layout=False)

    def __init__(self, first: BoardRead | None = None, *, width: int | None = None) -> None:
        """`first`: the board's first read, when the app has it already, so the first frame shows
        the leads (no empty frame, no second layout). `width`: the terminal's, so the layout class
        (-wide/-narrow) is right from the start rather than restyling every node on the first resize."""
        classes = ""
        if width is not None:
            classes = "-narrow" if width < NARROW_WIDTH else "-wide"
        super().__init__(id="board", classes=classes)
        self.meta = PortalMeta()
        self.needle = ""
        self.stages: list[Stage] = []
        #: The rows read of the stages a column asked a window of (stage id → (start, rows)); the
        #: others read their first `PAGE_ROWS`. Forgotten on a new filter, sort or view.
        self.windows: dict[str, tuple[int, int]] = {}
        self.loaded_once = False
        self._request = 0
        self._applied = 0
        self._first = first
        #: The words on the top line (set only when they change).
        self._title_words = ""
        #: What the footer's keys were last refreshed for: (a lead is highlighted, it is closed).
        self._bindings_for: tuple[bool, bool] | None = None
        #: Frames held while a filter keystroke's rows are read (see `_filter_changed`).
        self._frame_hold: ExitStack | None = None
        self._hold_timer: Timer | None = None
        self._hold_until = 0
        #: Stages shown without their count yet (a filter keystroke's rows come first, then the counts).
        self._uncounted: frozenset[str] = frozenset()

    @property
    def lb_app(self) -> AppApi:
        return app_api(self.app)

    # --- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        columns: list[StageColumn] = []
        totals: dict[str, int] = {}
        if self._first is not None:
            page, self.meta, _status = self._first
            self.stages = self._stages_for_view()
            by_stage, totals = self._split(self.stages, page)
            now = self.lb_app.now()
            sla_of = partial(_sla_at, now)
            for i, stage in enumerate(self.stages):
                columns.append(
                    StageColumn(
                        stage,
                        id=f"column-{i}",
                        classes="-active" if i == self.active_index else "",
                        rows=by_stage[stage.id],
                        total=totals[stage.id],
                        meta=self.meta,
                        now=now,
                        sla_of=sla_of,
                        sort_label=SORT_WORDS[self.sort],
                    )
                )
        self._title_words = f"leadboard · {SORT_WORDS[self.sort]}"
        with Horizontal(id="topbar"):
            yield Static(Content(self._title_words), id="title")
        if self.has_class("-narrow") or not self.stages:
            # Only the narrow layout shows the tabs: a wide board mounts them when it first turns
            # narrow (`on_resize`), so its first frame spends nothing on hidden widgets.
            yield self._make_tabs(totals)
        empty = Static(Content(self._empty_words()), id="board-empty")
        empty.display = not self.stages
        yield empty
        yield Horizontal(*columns, id="columns")
        with Horizontal(id="statusbar"):
            yield SyncStatusBar(id="sync-status").data_bind(extra=BoardScreen.filter_note)
        yield KeyFooter()  # rebuilds its keys only when they change (focus moves between columns)

    def _empty_words(self) -> str:
        if self._first is None:
            return "Reading the cache…"
        return "No leads in the cache yet: the first sync is fetching them…"

    def on_mount(self) -> None:
        first, self._first = self._first, None
        if first is None:
            self.reload()
            return
        self.lb_app.cache_counts_read(first[2])
        self._focus_active()
        self.loaded_once = True
        self.lb_app.board_painted()

    @property
    def columns(self) -> list[StageColumn]:
        return list(self.query(StageColumn))

    @property
    def active_column(self) -> StageColumn | None:
        columns = self.columns
        if not columns:
            return None
        return columns[min(self.active_index, len(columns) - 1)]

    @property
    def current_lead(self) -> BoardLead | None:
        column = self.active_column
        return column.current_lead if column else None

    # --- reading the cache ------------------------------------------------------------------------

    @dataclass
    class PageLoaded(Message):
        """A read of the board finished (posted by the read worker, applied on the UI thread)."""

        page: BoardPage
        meta: PortalMeta
        cache_status: SyncCounts
        request: int

    @dataclass
    class CountsLoaded(Message):
        """The stage totals a rows-first read left out were counted (applied on the UI thread)."""

        counts: dict[str, int]
        request: int

    def reload(self, *, new_page: bool = False, rows_first: bool = False) -> None:
        """Read the board again (after a command, a sync, a filter or sort change).

        `new_page`: the filter, sort or view changed, so read one page again however deep the rep
        had scrolled. `rows_first`: show the rows as soon as they are read and count the stages
        after (a filter keystroke: the rows stop at the page's end, a count walks every match).
        A new page is read around the active column's highlighted lead when it is past the first
        rows and still matches, so it stays highlighted."""
        keep: dict[str, str] = {}
        if new_page:
            self.windows = {}
            for column in self.columns:
                column.forget_window()
            active = self.active_column
            lead = active.current_lead if active is not None else None
            if active is not None and lead is not None:
                keep[active.stage.id] = lead.id
        self._request += 1
        self._read_board(
            self._request,
            self.view,
            self.needle,
            self.sort,
            dict(self.windows),
            count=not rows_first,
            keep=keep,
        )

    @work(exclusive=True, group="board-read", exit_on_error=False)
    async def _read_board(
        self,
        request: int,
        view: View,
        needle: str,
        sort: Sort,
        windows: dict[str, tuple[int, int]],
        *,
        count: bool = True,
        keep: dict[str, str] | None = None,
    ) -> None:
        first = (view, needle, sort, windows) == ("open", "", DEFAULT_SORT, {})
        started = self.lb_app.take_first_read() if first else None
        if started is not None:
            page, meta, status = await asyncio.wrap_future(started)
        else:
            read = partial(read_board, view, needle, sort, PAGE_ROWS, windows=windows, count=count, keep=keep)
            page, meta, status = await self.lb_app.cache.read(read)
        self.post_message(self.PageLoaded(page, meta, status, request))

    @work(exclusive=True, group="board-count", exit_on_error=False)
    async def _count_stages(self, request: int, view: View, needle: str) -> None:
        """Count each stage's leads for a page read rows first; skipped once a newer read started
        (the cache thread runs reads in order: a stale count would delay the next keystroke's rows)."""

        def count(store: Store) -> dict[str, int] | None:
            if self._request != request:  # an int read across threads: a newer read is queued
                return None
            return store.board_counts(view=view, needle=needle)

        counts = await self.lb_app.cache.read(count)
        if counts is not None:
            self.post_message(self.CountsLoaded(counts, request))

    @on(CountsLoaded)
    def _counts_loaded(self, event: CountsLoaded) -> None:
        event.stop()
        if event.request != self._applied or event.request != self._request:
            return  # a newer read is shown, or on its way, with its own counts
        uncounted = self._uncounted
        _rows, totals = self._split(self._stages_for_view(), BoardPage([], event.counts))
        with self.app.batch_update():
            for column in self.columns:
                if column.stage.id in uncounted:
                    column.set_total(totals.get(column.stage.id, 0))
            self._update_tabs_labels({column.stage.id: column.total for column in self.columns})

    @on(CacheChanged)
    def _cache_changed(self, event: CacheChanged) -> None:
        event.stop()
        self.reload()

    @on(PageLoaded)
    async def _page_loaded(self, event: PageLoaded) -> None:
        event.stop()
        if event.request < self._applied:
            return  # an older read finished after a newer one
        self._applied = event.request
        self.meta = event.meta
        self.lb_app.cache_counts_read(event.cache_status)
        changed = await self._show(event.page)
        if self._uncounted and event.request == self._request:
            # after the frame that shows the rows: counting then takes nothing from that frame
            self.call_after_refresh(self._count_stages, event.request, self.view, self.needle)
        if self._frame_hold is not None and event.request >= self._hold_until:
            if changed:  # a column tells the screen it changed only once it is idle, after the frame
                # the release lets through: marking the columns' area draws them in that frame
                self.refresh(self.query_one("#columns", Horizontal).region)
            self._release_frames()
        if not self.loaded_once:
            self.loaded_once = True
            self.lb_app.board_painted()

    def _stages_for_view(self) -> list[Stage]:
        if self.view == "open":
            return self.meta.open_stages
        closed = [s for s in self.meta.stages if s.closed]
        return sorted(closed, key=lambda s: s.display_order)

    def _split(
        self, stages: list[Stage], page: BoardPage
    ) -> tuple[dict[str, list[BoardLead]], dict[str, int]]:
        """The page's rows and totals by column. In the open view a stage the pipeline no longer
        lists still counts as open: its leads go to the first column. A column whose stage was
        not counted (`page.uncounted`) keeps its total and joins `_uncounted` until it is."""
        by_stage: dict[str, list[BoardLead]] = {s.id: [] for s in stages}
        totals = {s.id: page.total(s.id) for s in stages}
        first = stages[0].id if stages and self.view == "open" else None
        shown = {column.stage.id: column.total for column in self.columns}
        uncounted = {s.id for s in stages if s.id in page.uncounted}
        if first is not None and any(stage not in totals for stage in page.uncounted):
            uncounted.add(first)
        for stage_id in uncounted:
            totals[stage_id] = shown.get(stage_id, 0)
        self._uncounted = frozenset(uncounted)
        for lead in page.rows:
            bucket = by_stage.get(lead.stage_id or "")
            if bucket is None and first is not None:
                bucket = by_stage[first]
            if bucket is not None:
                bucket.append(lead)
        if first is not None:
            totals[first] += sum(n for stage_id, n in page.counts.items() if stage_id not in totals)
        return by_stage, totals

    async def _show(self, page: BoardPage) -> bool:
        """Show a read; True when the columns changed."""
        stages = self._stages_for_view()
        rebuilt = [s.id for s in stages] != [s.id for s in self.stages] or len(self.columns) != len(stages)
        if rebuilt:
            await self._rebuild_columns(stages)
        with self.app.batch_update():
            return self._show_page(stages, page) or rebuilt

    def _show_page(self, stages: list[Stage], page: BoardPage) -> bool:
        empty = self.query_one("#board-empty", Static)
        if not stages:
            empty.update(Content("No leads in the cache yet: the first sync is fetching them…"))
        empty.display = not stages
        by_stage, totals = self._split(stages, page)
        now = self.lb_app.now()
        sla_of = partial(_sla_at, now)
        changed = False
        for column in self.columns:
            stage_id = column.stage.id
            changed |= column.show_leads(
                by_stage.get(stage_id, []),
                self.meta,
                now,
                total=totals.get(stage_id),
                sla_of=sla_of,
                start=page.start(stage_id),
            )
            column.set_sort_label(self._sort_words())
        self._update_tabs_labels(totals)
        self._focus_active()
        return changed

    def _make_tabs(self, totals: dict[str, int]) -> Tabs:
        """The narrow layout's stage switcher, one tab per stage (Textual's Tabs are imported here,
        when first needed: a wide board never loads them)."""
        from textual.widgets import Tab, Tabs

        tabs = [Tab(self._tab_label(stage, totals), id=f"tab-{i}") for i, stage in enumerate(self.stages)]
        active = f"tab-{self.active_index}" if tabs else None
        return Tabs(*tabs, id="stage-tabs", active=active)

    def _stage_tabs(self) -> Tabs | None:
        """The stage switcher, once mounted (a wide board has none until it turns narrow)."""
        found = self.query("#stage-tabs")
        return cast("Tabs", found.first()) if found else None

    def on_resize(self) -> None:
        if self.has_class("-narrow") and self.stages and self._stage_tabs() is None:
            totals = {column.stage.id: column.total for column in self.columns}
            self.mount(self._make_tabs(totals), before="#board-empty")

    async def _rebuild_columns(self, stages: list[Stage]) -> None:
        holder = self.query_one("#columns", Horizontal)
        await holder.remove_children()
        self.stages = list(stages)
        await holder.mount_all(StageColumn(stage, id=f"column-{i}") for i, stage in enumerate(stages))
        tabs = self._stage_tabs()
        if tabs is not None:
            from textual.widgets import Tab

            await tabs.clear()
            for i, stage in enumerate(stages):
                await tabs.add_tab(Tab(Content(stage.label), id=f"tab-{i}"))
        self.set_reactive(BoardScreen.active_index, min(self.active_index, max(len(stages) - 1, 0)))
        self._mark_active()  # the new columns, whether or not the index changed

    def _update_tabs_labels(self, totals: dict[str, int]) -> None:
        """Relabel the tabs whose counts changed (a relabel lays the tabs out again)."""
        tabs = self._stage_tabs()
        if tabs is None:
            return
        from textual.widgets import Tab

        labels = {f"tab-{i}": self._tab_label(stage, totals) for i, stage in enumerate(self.stages)}
        for tab in tabs.query(Tab):
            label = labels.get(tab.id or "")
            if label is not None and label.plain != tab.label.plain:
                tab.label = label

    @staticmethod
    def _tab_label(stage: Stage, totals: dict[str, int]) -> Content:
        return Content(f"{stage.label} {totals.get(stage.id, 0):,}")

    def _mark_active(self) -> None:
        for i, column in enumerate(self.columns):
            column.set_class(i == self.active_index, "-active")
        tabs = self._stage_tabs()
        if tabs is not None and self.stages:
            with self.prevent(type(tabs).TabActivated):
                tabs.active = f"tab-{self.active_index}"

    def _focus_active(self) -> None:
        column = self.active_column
        field = self._filter_field()
        if column is not None and not (field is not None and field.has_class("-shown")):
            column.focus()

    # --- events from the columns ------------------------------------------------------------------

    @on(StageColumn.LeadChosen)
    def _lead_chosen(self, event: StageColumn.LeadChosen) -> None:
        self.lb_app.open_lead(event.lead.id)

    @dataclass
    class WindowLoaded(Message):
        """The rows around a column's viewport were read (applied on the UI thread)."""

        stage_id: str
        start: int
        rows: list[BoardLead]
        #: The board read last started when this one began: a page applied after it holds the window.
        after_request: int

    @on(StageColumn.WindowWanted)
    def _window_wanted(self, event: StageColumn.WindowWanted) -> None:
        """Read the rows around a column's viewport: that stage's rows alone (its total is known), so
        End on a 20,000-row stage reads ~120 rows; a sync or a command re-reads the same windows.
        A stage still being counted waits for its count (`set_total` asks again)."""
        column = event.column
        if column.stage.id in self._uncounted:
            return
        window = (event.start, event.rows)
        if self.windows.get(column.stage.id) == window:
            return
        self.windows[column.stage.id] = window
        self._read_window(column.stage.id, window, column.total, self._request)

    @work(group="window-read", exit_on_error=False)
    async def _read_window(self, stage_id: str, window: tuple[int, int], total: int, request: int) -> None:
        view, needle, sort = self.view, self.needle, self.sort
        start, size = window

        def read(store: Store) -> tuple[int, list[BoardLead]]:
            return store.stage_window(stage_id, start, size, total, view=view, needle=needle, sort=sort)

        begun, rows = await self.lb_app.cache.read(read)
        self.post_message(self.WindowLoaded(stage_id, begun, rows, request))

    @on(WindowLoaded)
    def _window_loaded(self, event: WindowLoaded) -> None:
        event.stop()
        if self._applied > event.after_request or self._request > event.after_request:
            return  # a newer read of the whole board holds this window (or a newer filter, sort, view)
        for column in self.columns:
            if column.stage.id == event.stage_id:
                with self.app.batch_update():
                    column.show_leads(
                        event.rows, self.meta, self.lb_app.now(), total=column.total, start=event.start
                    )

    @on(StageColumn.LeadHighlighted)
    def _lead_highlighted(self, event: StageColumn.LeadHighlighted) -> None:
        if event.column is self.active_column:
            self._refresh_lead_bindings()

    def _refresh_lead_bindings(self, *, force: bool = False) -> None:
        """The footer greys out what does not apply to the current lead (none, or closed): refresh
        it when that changes, not on every highlight move, as each refresh rebuilds the footer."""
        lead = self.current_lead
        column = self.active_column
        if lead is None and not force and column is not None and column.highlighted is not None:
            return  # the highlighted row is being read (End on a long stage): its keys stay as they are
        applies = (lead is not None, lead is not None and lead.closed)
        if force or applies != self._bindings_for:
            self._bindings_for = applies
            self.refresh_bindings()

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        if isinstance(focused, StageColumn):
            columns = self.columns
            if focused in columns:
                self.active_index = columns.index(focused)
            self._refresh_lead_bindings(force=True)

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        """A stage tab chosen (by name, not `@on(Tabs…)`: Tabs load only when the board narrows)."""
        if event.tabs.id != "stage-tabs":
            return
        tab_id = event.tab.id or ""
        if tab_id.startswith("tab-"):
            self.active_index = int(tab_id.removeprefix("tab-"))
            self._focus_active()

    # --- filter -----------------------------------------------------------------------------------

    def _filter_changed(self, value: str) -> None:
        """The filter's text changed (typed, pasted or cleared): read the matching rows.

        Called as the text changes (a watcher), before the screen's next frame: the board holds
        its frames until the rows are shown, at most `FILTER_HOLD`, so the typed character and the
        new rows are drawn in one frame. A frame drawn for the character alone would put the rows'
        frame one or two frame periods (16-33 ms at 60 fps) behind it."""
        self.needle = value
        self._show_filter_state()
        self.reload(new_page=True, rows_first=True)
        self._hold_frames()

    def _hold_frames(self) -> None:
        """Hold the app's frames until the read asked for last is shown or `FILTER_HOLD` passed."""
        self._hold_until = self._request
        if self._frame_hold is None:
            self._frame_hold = ExitStack()
            self._frame_hold.enter_context(self.app.batch_update())
            self._hold_timer = self.app.set_timer(FILTER_HOLD, self._release_frames)

    def _release_frames(self) -> None:
        hold, self._frame_hold = self._frame_hold, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if hold is not None:
            hold.close()

    def _filter_field(self) -> Input | None:
        """The filter box, once the rep has asked for it (`/`): hidden until then, so it is not
        built before the first frame (Textual's Input is a fair share of a first paint)."""
        found = self.query("#filter")
        return cast("Input", found.first()) if found else None

    def _add_filter_field(self) -> Input:
        from leadboard.widgets.pasted_text import PlainInput

        field = PlainInput(placeholder="filter: name, company or email (escape clears)", id="filter")
        self.query_one("#topbar").mount(field)
        self.watch(field, "value", self._filter_changed, init=False)
        return field

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter box goes back to the leads (by name: Input loads on first `/`)."""
        if event.input.id == "filter":
            self._focus_active_column_now()

    def _focus_active_column_now(self) -> None:
        column = self.active_column
        if column is not None:
            column.focus()

    def _show_filter_state(self) -> None:
        bits = []
        if self.view == "closed":
            bits.append("closed leads (v: open)")
        if self.needle.strip():
            bits.append("filtered (escape clears)")
        self.filter_note = " · ".join(bits)

    # --- actions ----------------------------------------------------------------------------------

    def _lead_command(self, kind: CommandKind) -> None:
        """After a command the highlight stays on the row, not on the lead: the next most urgent lead
        comes under it when the lead acted on drops down the column."""
        column, lead = self.active_column, self.current_lead
        if column is not None and lead is not None:
            column.stay_on_row(lead.id)
        super()._lead_command(kind)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in OPEN_ONLY and self.view == "closed":
            return False  # hidden: nothing in the closed view is open
        if action in LEAD_ACTIONS:
            lead = self.current_lead
            if lead is None:
                return None
            if action in OPEN_ONLY and lead.closed:
                return None
        return True

    def action_cursor_down(self) -> None:
        if (column := self.active_column) is not None:
            column.move(1)

    def action_cursor_up(self) -> None:
        if (column := self.active_column) is not None:
            column.move(-1)

    def _switch_column(self, delta: int) -> None:
        if not self.stages:
            return
        self.active_index = (self.active_index + delta) % len(self.stages)
        self._focus_active_column_now()

    def action_column_prev(self) -> None:
        self._switch_column(-1)

    def action_column_next(self) -> None:
        self._switch_column(1)

    def action_open_lead(self) -> None:
        if (lead := self.current_lead) is not None:
            self.lb_app.open_lead(lead.id)

    def action_filter(self) -> None:
        field = self._filter_field() or self._add_filter_field()
        field.add_class("-shown")
        field.focus()

    def action_escape(self) -> None:
        field = self._filter_field()
        if field is not None and (field.has_focus or self.needle):
            field.value = ""
            field.remove_class("-shown")
            self.needle = ""
            self._show_filter_state()
            self.reload(new_page=True)
            self._focus_active_column_now()

    def _sort_words(self) -> str:
        if self.view == "closed" and self.sort == "urgent":
            return CLOSED_FIRST_WORDS
        return SORT_WORDS[self.sort]

    def _show_title(self) -> None:
        """The top line says which sort is on, so "why is this lead first?" has an answer (updated
        only when the sort changed: an update lays the top bar out again)."""
        words = f"leadboard · {self._sort_words()}"
        if words != self._title_words:
            self._title_words = words
            self.query_one("#title", Static).update(Content(words))

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.notify(f"Sorted {SORT_WORDS[self.sort]}", timeout=2)

    def watch_sort(self) -> None:
        self._show_title()
        self.reload(new_page=True)

    def action_work_queue(self) -> None:
        self.lb_app.open_work_queue()

    def action_stats(self) -> None:
        self.lb_app.open_stats()

    def action_activity(self) -> None:
        self.lb_app.open_activity()

    def action_toggle_closed(self) -> None:
        self.view = "closed" if self.view == "open" else "open"

    def watch_view(self) -> None:
        # The other view's first column, marked when its columns are built: marking one of this
        # view's columns now would only draw a frame of them with the wrong one active.
        self.set_reactive(BoardScreen.active_index, 0)
        self._show_filter_state()
        self._show_title()
        self._refresh_lead_bindings(force=True)
        self.reload(new_page=True)

    def watch_active_index(self) -> None:
        self._mark_active()

    def select_lead(self, lead_id: str) -> bool:
        """Highlight a lead if it is on the board (the palette's "jump to lead…"); True if found."""
        for i, column in enumerate(self.columns):
            if any(lead.id == lead_id for lead in column.leads):
                self.active_index = i
                column.show_leads(
                    column.leads,
                    column.meta,
                    column.now,
                    total=column.total,
                    keep=lead_id,
                    start=column.start,
                )
                column.focus()
                return True
        return False
