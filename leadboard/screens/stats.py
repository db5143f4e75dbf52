"""The rep's numbers on one screen: the funnel, speed to lead, SLA breaches, and what the leads were.

The report is computed by `leadboard.cache.stats.stats_report` in a thread worker that opens its own
connection to the cache (a `Store` belongs to the thread that opened it), never on the UI thread.
7 / 3 / 9 (or the tabs, or p) switch between 7, 30 and 90 days; r reads the cache again; escape
closes. Everything is text with bars made of blocks; portal labels are shown as plain text, never
as markup. Below `WIDE_WIDTH` columns the panels stack; wider, they sit two by two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Sparkline, Static, Tab, Tabs

from leadboard.cache.stats import PERIODS, stats_report
from leadboard.screens.key_footer import KeyFooter
from leadboard.sla_settings import SlaSettings
from leadboard.stats_report import StatsReport, count_lines, funnel_lines, sla_lines, speed_lines, title
from leadboard.time_words import calendar_day

__all__ = ["WIDE_WIDTH", "StatsScreen"]

WIDE_WIDTH = 120
BAR_WIDTH = 20


@dataclass
class StatsLoaded(Message):
    """A report computed by the worker (or the reason it could not be)."""

    days: int
    report: StatsReport | None
    error: str | None = None


class StatsScreen(Screen[None]):
    """The rep's stats for 7, 30 or 90 days, read from the cache at `db_path`."""

    # The footer shows the key that works for each period ("3 30 days"); typing 30 works too, as
    # 0 is not bound.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="stats-close", tooltip="Back to the board"),
        *(
            Binding(
                key,
                f"period({days})",
                f"{days} days",
                id=f"stats-{days}-days",
                tooltip=f"Leads created in the last {days} days",
            )
            for key, days in (("7", 7), ("3", 30), ("9", 90))
        ),
        Binding("p", "next_period", "Next period", id="stats-next-period", show=False),
        Binding("r", "reload", "Refresh", id="stats-refresh", tooltip="Read the cache again"),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_WIDTH, "-wide")]
    DEFAULT_CSS = """
    StatsScreen #stats-title { height: auto; padding: 0 1; color: $text-muted; }
    StatsScreen #stats-panels { grid-size: 1; grid-gutter: 0 1; height: auto; padding: 0 1; }
    StatsScreen.-wide #stats-panels { grid-size: 2; }
    StatsScreen .stats-panel {
        height: auto; border: round $primary-muted; border-title-color: $text; padding: 0 1;
    }
    StatsScreen #stats-trend { height: auto; }
    StatsScreen #stats-trend Sparkline { height: 2; margin: 0 0; }
    StatsScreen #stats-trend-words { height: auto; color: $text-muted; }
    """

    def __init__(
        self,
        db_path: Path,
        sla: SlaSettings | None = None,
        *,
        days: int = 30,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(id="stats")
        self.db_path = db_path
        self.sla = sla or SlaSettings()
        self.days = days if days in PERIODS else PERIODS[1]
        self.clock = clock or (lambda: datetime.now(UTC))
        self.report: StatsReport | None = None

    def compose(self) -> ComposeResult:
        yield Tabs(
            *(Tab(f"{d} days", id=f"days-{d}") for d in PERIODS), id="stats-tabs", active=f"days-{self.days}"
        )
        yield Static("Reading the cache…", id="stats-title", markup=False)
        with VerticalScroll(id="stats-body"), Grid(id="stats-panels"):
            yield self._panel("stats-funnel", "Funnel")
            yield self._panel("stats-speed", "Speed to lead and first-touch SLA")
            with Vertical(id="stats-trend", classes="stats-panel") as trend:
                trend.border_title = "Leads created per day"
                yield Sparkline([], id="stats-sparkline")
                yield Static("", id="stats-trend-words", markup=False)
            yield self._panel("stats-reasons", "Disqualification reasons")
            yield self._panel("stats-sources", "By source")
            yield self._panel("stats-types", "By lead type and label")
        yield KeyFooter()

    @staticmethod
    def _panel(panel_id: str, heading: str) -> Static:
        panel = Static("", id=panel_id, classes="stats-panel", markup=False)
        panel.border_title = heading
        return panel

    def on_mount(self) -> None:
        tabs = self.query_one(Tabs)
        tabs.can_focus = False  # the keys switch periods; the body keeps focus for scrolling
        self.query_one("#stats-body", VerticalScroll).focus()
        self.load()

    # --- loading ------------------------------------------------------------------------------------

    def load(self) -> None:
        self.query_one("#stats-body").loading = True
        self._compute(self.days)

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _compute(self, days: int) -> None:
        from leadboard.cache.store import Store

        try:
            with Store.open(self.db_path) as store:
                report = stats_report(store, days, sla=self.sla, now=self.clock())
        except Exception as exc:  # shown on the screen instead of a spinner that never ends
            self.post_message(StatsLoaded(days, None, str(exc) or type(exc).__name__))
            return
        self.post_message(StatsLoaded(days, report))

    @on(StatsLoaded)
    def _loaded(self, message: StatsLoaded) -> None:
        if message.days != self.days:
            return  # an older period's answer, overtaken by the rep's switch
        self.query_one("#stats-body").loading = False
        if message.report is None:
            self.query_one("#stats-title", Static).update(Text(f"Cannot read the stats: {message.error}"))
            return
        self.report = message.report
        self._paint(message.report)

    def _paint(self, report: StatsReport) -> None:
        def show(panel_id: str, lines: list[str]) -> None:
            self.query_one(f"#{panel_id}", Static).update(Text("\n".join(lines)))

        self.query_one("#stats-title", Static).update(Text(title(report)))
        show("stats-funnel", funnel_lines(report, BAR_WIDTH))
        show(
            "stats-speed", ["Speed to lead (created → first touch)", *speed_lines(report), *sla_lines(report)]
        )
        show("stats-reasons", count_lines(report.disqualification_reasons, BAR_WIDTH))
        show("stats-sources", count_lines(report.by_source, BAR_WIDTH))
        show(
            "stats-types",
            [*count_lines(report.by_type, BAR_WIDTH), "", *count_lines(report.by_label, BAR_WIDTH)],
        )
        counts = [d.count for d in report.per_day]
        self.query_one(Sparkline).data = counts
        busiest = max(report.per_day, key=lambda d: d.count, default=None)
        today = report.until.date()
        words = (
            f"{calendar_day(report.per_day[0].day, today)} to today · most in a day: {busiest.count} "
            f"({calendar_day(busiest.day, today)})"
            if busiest is not None and busiest.count
            else "no leads created in this period"
        )
        self.query_one("#stats-trend-words", Static).update(Text(words))

    # --- actions ------------------------------------------------------------------------------------

    def action_period(self, days: int) -> None:
        self.query_one(Tabs).active = f"days-{days}"  # → _tab_chosen, which loads

    def action_next_period(self) -> None:
        index = PERIODS.index(self.days) if self.days in PERIODS else 0
        self.action_period(PERIODS[(index + 1) % len(PERIODS)])

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Tabs.TabActivated, "#stats-tabs")
    def _tab_chosen(self, event: Tabs.TabActivated) -> None:
        days = int(str(event.tab.id).removeprefix("days-"))
        if days != self.days:  # the initial activation is the period on_mount already loads
            self.days = days
            self.load()
