"""LeadboardApp: the board, the lead screen and the modals, over a local cache and a sync thread.

Threads: the UI thread never touches SQLite or the network. `cache` (a `CacheThread`) runs every
board read and every enqueue on one connection; `sync` (a `SyncThread`) owns the `SyncEngine`
(imported lazily there, so hubspot is never on the first-paint path) and runs pulls, pushes and
timeline refreshes one at a time. Async workers await them; worker errors are handled in one place
(`on_worker_state_changed`). Sync runs: first paint from the cache, then a sync; a push right after
each command; a background pull every `sync_interval` seconds as the engine paces it (longer while
HubSpot's shared budget is short), the timer re-armed after each run so runs never overlap; `r`
syncs now or says one is running.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from leadboard.cache.thread import CacheThread, OwnThread
from leadboard.commands.registry import CommandKind, spec_for
from leadboard.config import DEFAULT_PORTAL, ConfigError, Settings, save_setting
from leadboard.domain import CommandRefused, PortalMeta
from leadboard.key_ids import keymap_problems
from leadboard.logs import redact
from leadboard.screens.keys import APP_BINDINGS
from leadboard.screens.messages import CacheChanged, SyncStatusChanged
from leadboard.screens.palette import LeadPaletteProvider
from leadboard.startup import AFTER_FIRST_PAINT, freeze_imports, freeze_long_lived
from leadboard.text import clean_untrusted
from leadboard.widgets.sync_status import SyncInfo

if TYPE_CHECKING:
    from leadboard.cache.outbox import Op
    from leadboard.cache.read_model import SyncCounts
    from leadboard.commands.base import Command
    from leadboard.contact_links import ContactChannel
    from leadboard.screens.app_api import AppApi
    from leadboard.screens.board import BoardScreen
    from leadboard.screens.command_modal import CommandModal
    from leadboard.screens.log_call import LoggedCall
    from leadboard.secret import Secret
    from leadboard.state import LeadFacts
    from leadboard.sync.engine import SyncEngine
    from leadboard.sync.tokens import TokenProvider

__all__ = ["ERROR_TIMEOUT", "LeadboardApp", "SyncThread", "hubspot_lead_url"]

log = logging.getLogger("leadboard.app")

#: Errors stay until dismissed (in practice: an hour); successes go quickly.
ERROR_TIMEOUT = 3600.0
OK_TIMEOUT = 3.0
#: What the pull found changed in HubSpot: long enough to read, then it goes (the Activity screen keeps it).
FEED_TIMEOUT = 8.0
#: Long enough to read once at start; the board then says nothing more of it.
ACCOUNT_LEVEL_TIMEOUT = 20.0
#: How long the app waits for the first read before showing the board without it ("Reading the
#: cache…"): the read runs while Textual starts, so it is nearly always done by then.
FIRST_READ_WAIT = 0.5
#: How long after the first frame the first sync (and the SLA refresh) starts: their imports
#: would otherwise compete with the terminal writer for the GIL while it sends that frame.
#: While a modal is open the periodic pull waits this long and tries again.
MODAL_RETRY_SECONDS = 15.0

#: Told which command was queued (the work queue moves on to the next lead).
CommandDone = Callable[["Command"], None]
EngineFactory = Callable[
    [Settings, "Secret | str | TokenProvider | None", Callable[[Any], None]], "SyncEngine"
]


def hubspot_lead_url(portal_id: str, lead_id: str) -> str:
    """The lead's record page in HubSpot's web app (leads are object type 0-136)."""
    return f"https://app.hubspot.com/contacts/{portal_id}/record/0-136/{lead_id}"


def _default_engine(
    settings: Settings, token: Secret | str | TokenProvider | None, on_status: Callable[[Any], None]
) -> Any:
    from leadboard.sync.engine import SyncEngine  # imported on the sync thread, after first paint

    return SyncEngine(settings, token, on_status=on_status)


def describe_error(exc: BaseException) -> str:
    """A sentence for the rep: no traceback, no token, no control sequences."""
    text = str(exc) or type(exc).__name__
    return clean_untrusted(redact(text))[:500]


class SyncThread(OwnThread):
    """The one thread that owns the sync engine; its runs queue up and never overlap."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        super().__init__("leadboard-sync")
        self._factory = factory
        self.engine: Any = None

    def get_engine(self) -> Any:
        if self.engine is None:
            self.engine = self._factory()
        return self.engine

    def forget_engine(self) -> None:
        """Close the engine (on this thread) so the next run builds a new one: after the token
        needed attention, that one reads the token again (the rep may have run `leadboard login`)."""
        if self.engine is not None:
            engine, self.engine = self.engine, None
            engine.close()

    def stop_and_close(self) -> None:
        if self.engine is not None:
            self.engine.stop()

        def _close() -> None:
            if self.engine is not None:
                self.engine.close()

        self.close(_close)


class LeadboardApp(App[int]):
    """The rep's lead board. `LeadboardApp(settings, token).run()`; tests pass `sync=False` to stay local."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "leadboard"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {LeadPaletteProvider}
    NOTIFICATION_TIMEOUT = 4.0

    #: What every screen's status line shows (each `SyncStatusBar` watches it): the engine's last
    #: status, whether a run is under way, the cache's counts. Set only here; an equal value wakes
    #: no watcher, and the app itself draws nothing for it.
    sync_status: reactive[SyncInfo] = reactive(SyncInfo(), init=False, repaint=False, layout=False)

    def __init__(
        self,
        settings: Settings,
        token: Secret | str | TokenProvider | None = None,
        *,
        sync: bool = True,
        clock: Callable[[], datetime] | None = None,
        engine_factory: EngineFactory | None = None,
        rng: random.Random | None = None,
    ) -> None:
        # The first read starts before Textual's own set-up, so it has that long to finish.
        cache = CacheThread(settings.db)
        first_read = self._start_first_read(cache)
        super().__init__()
        self.settings = settings
        self.sync_enabled = sync
        self._clock = clock or (lambda: datetime.now(UTC))
        factory = engine_factory or _default_engine
        self.cache = cache
        self.sync_thread = SyncThread(lambda: factory(settings, token, self._engine_status))
        self._push_waiting = False
        self._sync_timer: Timer | None = None
        self._rng = rng or random.Random()
        #: Seconds the armed background sync was set to wait (None: none armed), for tests and status.
        self.next_sync_in: float | None = None
        self._saved_theme = settings.theme
        #: Set by `run` (a rep's session, one app per process), never under `run_test`, where
        #: many apps share a process and frozen objects would never be freed.
        self._freeze_gc = False
        self._engine_frozen = False
        self._told_auth = False  # the rep was told how to fix the token (`_report_sync`)
        self._told_account_level = False  # the rep was told the key is not their own sign-in
        self._last_sync_error: str | None = None  # a sync failure already notified, until one succeeds
        self._board: BoardScreen | None = None
        self._first_read: Future[Any] | None = first_read
        #: What the rep typed in a form they cancelled, per (lead id, command kind), for this session.
        self.drafts: dict[tuple[str, CommandKind], Command] = {}

    @staticmethod
    def _start_first_read(cache: CacheThread) -> Future[Any]:
        """Read the board's rows on the cache thread while Textual starts: the first paint needs them.
        A plain read-only connection serves it (no sqlite-utils before first paint)."""
        from leadboard.screens.board import first_board_read

        return cache.start_first_read(first_board_read)

    def take_first_read(self) -> Future[Any] | None:
        """The read started at launch, once; later reads go through `cache.read`."""
        started, self._first_read = self._first_read, None
        return started

    # --- start and stop ---------------------------------------------------------------------------

    def run(self, *args: Any, **kwargs: Any) -> int | None:
        """Run the app, with what start-up builds kept out of full collections (`startup`)."""
        self._freeze_gc = True
        freeze_imports()
        return super().run(*args, **kwargs)

    def now(self) -> datetime:
        return self._clock()

    def _wait_first_read(self) -> Any:
        """The first read's result when it arrives within `FIRST_READ_WAIT` (it nearly always has:
        it started in the constructor), taking it; else None, and the board takes it when it comes
        (a cache being migrated) or reports its error (an unreadable one). The UI thread blocks
        here, before anything is drawn; meanwhile the read has the interpreter to itself."""
        started = self._first_read
        if started is None:
            return None
        try:
            result = started.result(timeout=FIRST_READ_WAIT)
        except Exception:  # slow or failed: the board's own read path shows either
            return None
        self._first_read = None
        return result

    def get_default_screen(self) -> Screen[Any]:
        """The board is the app's first screen, built with the cache's first read, so the first
        frame Textual draws is the board with its leads (no empty screen drawn before it). The
        theme and the keymap are set first, so the board is styled once, with them."""
        from leadboard.screens.board import BoardScreen

        try:
            self.theme = self.settings.theme
        except Exception:  # InvalidThemeError: an unknown name in the config file
            self.call_later(
                self.notify,
                f"Unknown theme {self.settings.theme!r} in the config file; using the default.",
                severity="warning",
                markup=False,
            )
        self.set_keymap(self.settings.keymap)
        for problem in keymap_problems(self.settings.keymap):  # set_keymap skips them in silence
            self.call_later(
                self.notify, problem, title="Config", severity="warning", timeout=15, markup=False
            )
        self._board = BoardScreen(self._wait_first_read(), width=self.size.width)
        return self._board

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_unmount(self) -> None:
        self.sync_thread.stop_and_close()
        self.cache.close_store()

    @property
    def board(self) -> BoardScreen | None:
        return self._board

    @property
    def meta(self) -> PortalMeta:
        return self._board.meta if self._board is not None else PortalMeta()

    def board_painted(self) -> None:
        """The board has read the cache once: once that frame is on screen, bring the stored SLA
        deadlines in line with the config (a no-op unless `[sla]` changed) and start the first sync.
        Both open the cache's `Store` or the sync engine (sqlite-utils, hubspot): imports that would
        otherwise hold the GIL while the first frame is laid out, and, for `AFTER_FIRST_PAINT`
        seconds more, while Textual's writer thread sends that frame to the terminal (started at
        once, they delayed the frame reaching the screen by ~35 ms)."""
        self.set_timer(AFTER_FIRST_PAINT, self._after_first_paint)

    def _after_first_paint(self) -> None:
        if self._freeze_gc:
            freeze_long_lived()  # the board's widgets
        self._apply_sla_settings()
        if self.sync_enabled:
            delay = self._first_sync_delay()
            if delay > 0:
                self._arm_timer(delay)
            else:
                self.start_sync("sync")

    def _first_sync_delay(self) -> float:
        """A board with a cache has something to show, so its first pull waits a random part of the
        interval (pacing.py): a floor of boards opened at nine does not pull in step. A board with
        no cache has nothing to show, and the rep's changes waiting in the outbox go first: either
        syncs at once."""
        cached = self.sync_status.cached
        if cached is None or cached.last_pull_at is None or cached.waiting > 0:
            return 0.0
        from leadboard.sync.pacing import Pacer, PacingSettings

        return Pacer(PacingSettings.of(self.settings), rng=self._rng).first_delay()

    @work(group="sla-settings", exit_on_error=False)
    async def _apply_sla_settings(self) -> None:
        sla = self.settings.sla
        if await self.cache.read(lambda store: store.apply_sla_settings(sla)):
            self.refresh_views()

    # --- themes -----------------------------------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self._saved_theme:
            self._saved_theme = theme.name
            self._save_theme(theme.name)

    @work(thread=True, group="config", exit_on_error=False)
    def _save_theme(self, name: str) -> None:
        try:
            save_setting("theme", name)
        except (ConfigError, OSError) as exc:
            self.notify(f"The theme was not saved: {describe_error(exc)}", severity="warning", markup=False)

    # --- app-wide actions ---------------------------------------------------------------------------

    def action_toggle_keys(self) -> None:
        from leadboard.screens.keys_panel import KeysPanel

        if panels := self.screen.query(KeysPanel):
            panels.remove()
        else:
            self.screen.mount(KeysPanel(self.settings.keymap))

    def action_sync_now(self) -> None:
        if not self.sync_enabled:
            self.notify("Sync is off in this session.", markup=False)
            return
        self.start_sync("sync", by_rep=True)

    # --- sync ---------------------------------------------------------------------------------------

    @property
    def syncing(self) -> bool:
        """A sync or push run is under way (the next one waits for it)."""
        return self.sync_status.busy

    def _engine_status(self, status: Any) -> None:
        """Called on the sync thread by the engine; `post_message` is thread-safe."""
        self.post_message(SyncStatusChanged(status))

    def on_sync_status_changed(self, message: SyncStatusChanged) -> None:
        self.sync_status = replace(self.sync_status, engine=message.status)
        status = message.status
        account_level = getattr(status, "account_level", False) and not status.auth_needed
        if account_level and not self._told_account_level:
            # Once a session, not on the status line: who HubSpot credits does not change while it runs.
            self._told_account_level = True
            self.notify(
                "This board uses a service key or private-app token, not your own sign-in: HubSpot "
                "shows the key, not you, as the author of your changes. `leadboard login` signs you "
                "in as yourself.",
                title="Account-level key",
                timeout=ACCOUNT_LEVEL_TIMEOUT,
                markup=False,
            )

    def cache_counts_read(self, counts: SyncCounts) -> None:
        """The board read the cache's counts: the status line says them until the engine reports."""
        self.sync_status = replace(self.sync_status, cached=counts)

    def _set_busy(self, busy: bool) -> None:
        self.sync_status = replace(self.sync_status, busy=busy)

    async def pull_timeline(self, lead_id: str) -> None:
        """Refresh a lead's timeline from HubSpot, on the sync thread (between sync runs)."""
        sync = self.sync_thread
        await sync.run(lambda: sync.get_engine().pull_timeline(lead_id))

    def start_sync(self, kind: str, *, by_rep: bool = False) -> None:
        """Run a sync ("sync": pull then push) or a push, unless one is running."""
        if not self.sync_enabled:
            return
        if self.syncing:
            if kind == "push":
                self._push_waiting = True
            elif by_rep:
                self.notify("A sync is already running.", timeout=OK_TIMEOUT)
            return
        if self._sync_timer is not None:
            self._sync_timer.stop()
            self._sync_timer = None
            self.next_sync_in = None
        self._set_busy(True)
        self._run_sync(kind, by_rep)

    @work(group="sync", exit_on_error=False, description="sync")
    async def _run_sync(self, kind: str, by_rep: bool) -> tuple[str, bool, Any]:
        def run() -> Any:
            engine = self.sync_thread.get_engine()
            report = engine.sync(background=not by_rep) if kind == "sync" else engine.push()
            if engine.status().auth_needed:
                self.sync_thread.forget_engine()
            return report

        return kind, by_rep, await self.sync_thread.run(run)

    def _sync_finished(self, worker: Worker[Any]) -> None:
        self._set_busy(False)
        if self._freeze_gc and not self._engine_frozen and self.sync_thread.engine is not None:
            self._engine_frozen = True
            freeze_long_lived()  # the HubSpot client and the engine the first sync built
        if worker.state == WorkerState.SUCCESS and worker.result is not None:
            self._last_sync_error = None
            kind, by_rep, report = worker.result
            self._report_sync(kind, by_rep, report)
        self.refresh_views()
        if self._push_waiting:
            self._push_waiting = False
            self.start_sync("push")
        else:
            self._arm_timer(self._next_pull_in())

    def _next_pull_in(self) -> float:
        """The engine's paced interval (sync/pacing.py: it stretches while the app's shared budget is
        short), else the configured one."""
        engine = self.sync_thread.engine
        pacer = getattr(engine, "pacer", None)
        return float(pacer.next_delay()) if pacer is not None else float(self.settings.sync_interval)

    def _arm_timer(self, seconds: float) -> None:
        if self._sync_timer is not None:
            self._sync_timer.stop()
        self._sync_timer = self.set_timer(seconds, self._periodic_sync)
        self.next_sync_in = seconds

    def _periodic_sync(self) -> None:
        self._sync_timer = None
        self.next_sync_in = None
        if isinstance(self.screen, ModalScreen):
            self._arm_timer(MODAL_RETRY_SECONDS)  # never pull the board from under a half-typed modal
            return
        self.start_sync("sync")

    def _report_sync(self, kind: str, by_rep: bool, report: Any) -> None:
        """A notification for each push result; errors stay until dismissed."""
        push = report if kind == "push" else getattr(report, "push", None)
        if push is not None:
            if push.done:
                self.notify(
                    f"Saved in HubSpot: {push.done} change{'s' if push.done != 1 else ''}.",
                    timeout=OK_TIMEOUT,
                )
            for error in push.errors:
                self.notify(
                    f"Not saved in HubSpot: {clean_untrusted(error)}\n"
                    "Your text is kept: open the lead (enter) to edit and retry, or discard.",
                    title="Push failed",
                    severity="error",
                    timeout=ERROR_TIMEOUT,
                    markup=False,
                )
            if push.conflicts:
                self.notify(
                    f"{push.conflicts} change{'s' if push.conflicts != 1 else ''} conflict with edits "
                    "made in HubSpot: open the lead to keep yours or take theirs.",
                    title="Conflict",
                    severity="warning",
                    timeout=ERROR_TIMEOUT,
                    markup=False,
                )
            if push.blocked:
                self.notify(
                    f"{push.blocked} change{'s are' if push.blocked != 1 else ' is'} blocked: the lead "
                    "was reassigned, archived or merged. Open the lead to see why.",
                    severity="warning",
                    timeout=ERROR_TIMEOUT,
                    markup=False,
                )
        self._report_feed(getattr(getattr(report, "pull", None), "events", None))
        error = getattr(report, "error", None)
        status = getattr(report, "status", None)
        auth_needed = bool(getattr(status, "auth_needed", False))
        if auth_needed and error and not self._told_auth:
            # Once per spell, and it stays: the status line only says "token needs attention",
            # this says what to run (`leadboard login`), whether or not the rep asked for the sync.
            self._told_auth = True
            self.notify(
                clean_untrusted(error),
                title="HubSpot token",
                severity="error",
                timeout=ERROR_TIMEOUT,
                markup=False,
            )
        elif kind == "sync" and error and by_rep and not (push is not None and error in push.errors):
            self.notify(clean_untrusted(error), title="Sync", severity="warning", timeout=10, markup=False)
        if status is not None and not auth_needed:
            self._told_auth = False

    def _report_feed(self, events: Any) -> None:
        """One quiet line for what the pull found changed in HubSpot (`a` shows it all)."""
        if events:
            from leadboard.activity import summary

            self.notify(summary(events), title="In HubSpot", timeout=FEED_TIMEOUT, markup=False)

    # --- workers: one place for their errors ---------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "sync" and worker.is_finished:
            self._sync_finished(worker)
        if event.state == WorkerState.ERROR and worker.error is not None:
            log.error("worker %s failed", worker.name, exc_info=worker.error)
            text = describe_error(worker.error)
            if worker.group == "sync":
                if text == self._last_sync_error:
                    return  # the same failure on every periodic sync: its notice is still up
                self._last_sync_error = text
            self.notify(
                text,
                title="Something went wrong",
                severity="error",
                timeout=ERROR_TIMEOUT,
                markup=False,
            )

    # --- views --------------------------------------------------------------------------------------

    def refresh_views(self, lead_id: str | None = None) -> None:
        """Repaint whatever shows the cache: the board, and the lead screen when it is open."""
        for screen in self.screen_stack:
            screen.post_message(CacheChanged(lead_id))

    def open_lead(self, lead_id: str) -> None:
        from leadboard.screens.lead import LeadScreen

        self.push_screen(LeadScreen(lead_id))

    def open_change(self, op: Op) -> None:
        """A change not yet in HubSpot, opened from the lead screen to resolve it."""
        from leadboard.screens.ops import OpScreen

        self.push_screen(OpScreen(op, self.meta))

    def open_stats(self) -> None:
        """The rep's numbers (`S`); escape comes back. Computed from the cache, with the app's clock."""
        from leadboard.screens.stats import StatsScreen

        if not isinstance(self.screen, StatsScreen):
            self.push_screen(StatsScreen(self.settings.db, self.settings.sla, clock=self.now))

    def open_activity(self) -> None:
        """What changed in HubSpot for the rep, newest first (`a`); escape comes back."""
        from leadboard.screens.activity import ActivityScreen

        if not isinstance(self.screen, ActivityScreen):
            self.push_screen(ActivityScreen())

    def open_work_queue(self) -> None:
        """The open leads one at a time, most urgent first (`w`); escape comes back."""
        from leadboard.screens.queue import WorkQueueScreen

        if not isinstance(self.screen, WorkQueueScreen):
            self.push_screen(WorkQueueScreen())

    def action_stats(self) -> None:
        self.open_stats()

    def action_work_queue(self) -> None:
        self.open_work_queue()

    def switch_to_board(self) -> None:
        """Close the screens above the board (the lead screen, a resolution dialog)."""
        while len(self.screen_stack) > 1 and self.screen is not self._board:
            self.pop_screen()

    def filter_board(self) -> None:
        """The palette's "jump to lead…": back to the board, its filter box focused."""
        board = self._board
        if board is not None:
            if self.screen is not board:
                self.switch_to_board()
            board.action_filter()

    def jump_to_lead(self, lead_id: str) -> None:
        """From the palette: highlight the lead on the board if it is there, else open it."""
        board = self._board
        if board is not None and self.screen is board and board.select_lead(lead_id):
            return
        self.open_lead(lead_id)

    # --- commands -----------------------------------------------------------------------------------

    def command_modal(self, kind: CommandKind, lead: LeadFacts) -> CommandModal[Any]:
        """The modal of a command (the registry's `modal`), for `lead`."""
        modal: type[CommandModal[Any]] = spec_for(kind).modal_class()
        return modal.for_lead(self.meta, lead, now=self.now().astimezone())

    def lead_command(self, kind: CommandKind, lead: LeadFacts, *, on_done: CommandDone | None = None) -> None:
        """Open the command's modal for `lead`; on Save, queue it and push.

        `on_done(command)` runs once the command is queued (and, after a call, once the suggested
        move is saved or declined); not when the rep cancels or the outbox refuses it. A form
        cancelled (or refused by the outbox) leaves a draft, per lead and kind, for this session: the
        next form of that kind on that lead opens with it, so nothing the rep typed is lost.
        """
        modal = self.command_modal(kind, lead)
        modal.resume = self.drafts.get((lead.id, kind))
        self.push_screen(modal, callback=partial(self._command_chosen, lead, modal, on_done=on_done))

    def _command_chosen(
        self, lead: LeadFacts, modal: CommandModal[Any], result: Any, *, on_done: CommandDone | None = None
    ) -> None:
        from leadboard.screens.log_call import LoggedCall

        if result is None:  # cancelled: nothing is queued, what was typed is kept
            self._keep_draft(lead, modal)
            return
        if isinstance(result, LoggedCall):
            self.enqueue(result.command, lead, logged=result, on_done=on_done)
        else:
            self.enqueue(result, lead, on_done=on_done)

    def _keep_draft(self, lead: LeadFacts, modal: CommandModal[Any]) -> None:
        """A cancelled form's draft, if the rep changed it, for the next form of its kind on the lead."""
        draft = modal.edited_draft()
        if draft is not None:
            self.drafts[(lead.id, draft.spec.kind)] = draft

    def _follow_up_chosen(
        self, lead: LeadFacts, modal: CommandModal[Any], done: Callable[[], None], result: Any
    ) -> None:
        """The move suggested after a call: queue it if saved (an edited one cancelled is a draft);
        the call is queued either way."""
        if result is not None:
            self.enqueue(result, lead)
        else:
            self._keep_draft(lead, modal)
        done()

    @work(group="enqueue", exit_on_error=False)
    async def enqueue(
        self,
        command: Command,
        lead: LeadFacts,
        *,
        logged: LoggedCall | None = None,
        on_done: CommandDone | None = None,
    ) -> None:
        """Queue the command in one transaction, repaint from SQLite, then push in the sync worker."""
        try:
            await self.cache.read(lambda store: store.outbox.enqueue(command))
        except CommandRefused as refused:
            self.drafts[(command.lead_id, command.spec.kind)] = command
            self.notify(
                f"Not saved: {refused}\nWhat you typed: {_typed_text(command)}",
                title="Refused",
                severity="error",
                timeout=ERROR_TIMEOUT,
                markup=False,
            )
            return
        self.drafts.pop((command.lead_id, command.spec.kind), None)
        self.refresh_views(command.lead_id)
        self.notify(f"{_done_words(command)}; sending to HubSpot…", timeout=OK_TIMEOUT, markup=False)
        self.start_sync("push")
        if logged is not None and logged.suggested_stage is not None:
            from leadboard.screens.move_stage import MoveStageModal

            fresh = await self.cache.read(lambda store: store.lead_state(command.lead_id)) or lead
            modal = MoveStageModal.after_call(self.meta, fresh, logged)
            done = partial(on_done, command) if on_done is not None else lambda: None
            self.push_screen(modal, callback=partial(self._follow_up_chosen, fresh, modal, done))
        elif on_done is not None:
            on_done(command)

    # --- links --------------------------------------------------------------------------------------

    async def lead_url(self, lead_id: str) -> str | None:
        portal_id = await self.cache.read(lambda store: store.get_state("portal_id"))
        if not portal_id:
            self.notify(
                "The HubSpot link is not known yet: it needs the portal id from the first sync.",
                severity="warning",
                markup=False,
            )
            return None
        return hubspot_lead_url(portal_id, lead_id)

    @work(group="links", exit_on_error=False)
    async def copy_link(self, lead_id: str) -> None:
        url = await self.lead_url(lead_id)
        if url is not None:
            self.copy_to_clipboard(url)
            self.notify(f"Copied {url}", timeout=OK_TIMEOUT, markup=False)

    @work(group="links", exit_on_error=False)
    async def reach_contact(self, lead_id: str, channel: ContactChannel, *, open_it: bool) -> None:
        """Copy the contact's phone or email (`p`, `e`), or open it as a `tel:` / `mailto:` link
        (`P`, `E`); says which contact has none, and when nothing here can open the link."""
        from leadboard.contact_links import contact_link, one_line_value

        detail = await self.cache.read(lambda store: store.lead_detail(lead_id))
        if detail is None:
            return
        contact = detail.contact
        raw = (
            (contact.phone if contact else None)
            if channel == "phone"
            else (contact.email if contact else None)
        )
        if channel == "email":
            raw = raw or detail.lead.contact_email
        value = one_line_value(raw)
        what = "phone number" if channel == "phone" else "email address"
        who = one_line_value(
            (contact.name if contact else None) or detail.lead.contact_name or detail.lead.name
        )
        if not value:
            self.notify(f"{who or 'This lead'} has no {what} in HubSpot.", severity="warning", markup=False)
            return
        if not open_it:
            self.copy_to_clipboard(value)
            self.notify(f"Copied {who}'s {what}: {value}", timeout=OK_TIMEOUT, markup=False)
            return
        link = contact_link(channel, value)
        if link is None:
            self.notify(
                f"{who}'s {what} ({value}) is not one a link can carry.", severity="warning", markup=False
            )
            return
        if await self.cache.run(lambda: open_link(link)):
            self.notify(f"Opened {link}", timeout=OK_TIMEOUT, markup=False)
        else:
            key = "p" if channel == "phone" else "e"
            self.notify(
                f"Nothing on this system opens {link.split(':')[0]}: links. {who}'s {what} is {value} "
                f"({key} copies it).",
                severity="warning",
                timeout=10,
                markup=False,
            )

    @work(group="links", exit_on_error=False)
    async def open_in_hubspot(self, lead_id: str) -> None:
        url = await self.lead_url(lead_id)
        if url is None:
            return
        if self.settings.portal.rstrip("/") != DEFAULT_PORTAL:
            self.notify(
                f"This is not HubSpot's own API ({self.settings.portal}), so HubSpot's web app has no "
                f"such lead. Its link would be {url}",
                severity="warning",
                timeout=10,
                markup=False,
            )
            return
        import webbrowser  # only when asked: not on the first-paint path

        opened = await self.cache.run(lambda: webbrowser.open(url))
        if not opened:
            self.notify(
                f"No web browser could be opened here. The link is {url} (y copies it).",
                severity="warning",
                timeout=ERROR_TIMEOUT,
                markup=False,
            )


if TYPE_CHECKING:
    #: The screens reach the app through `AppApi` (they do not import this module): mypy holds the
    #: app to it here.
    _SERVES_THE_SCREENS: type[AppApi] = LeadboardApp


def open_link(url: str) -> bool:
    """Hand a `tel:` or `mailto:` link to the desktop's handler; False when there is none to hand it to.

    Not `webbrowser`: in a terminal with no desktop it starts a text browser, and a browser that
    knows no `tel:` still reports success. xdg-open (and macOS's open) fail when no application
    takes the link, so the rep is told instead of left waiting."""
    import os
    import shutil
    import subprocess
    import sys

    if sys.platform == "win32":
        try:
            os.startfile(url)  # type: ignore[attr-defined,unused-ignore]
        except OSError:
            return False
        return True
    if sys.platform == "darwin":
        command = ["open", url]
    else:
        opener = shutil.which("xdg-open")
        if opener is None or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return False
        command = [opener, url]
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _typed_text(command: Command) -> str:
    return clean_untrusted(command.typed) or "(no text)"


def _done_words(command: Command) -> str:
    return command.spec.done
