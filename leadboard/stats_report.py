"""The rep's numbers as data (`StatsReport`, JSON-ready) and as terminal text (`format_stats`).

Computed by `leadboard.cache.stats.stats_report(store, days)`; `leadboard stats --json` prints
`report.model_dump(mode="json")`, and the plain command prints `format_stats(report)`. Labels
in a report are already cleaned of control sequences; they are still data, never markup.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from leadboard.time_words import calendar_day, duration

__all__ = [
    "Count",
    "DayCount",
    "FunnelStep",
    "SlaSummary",
    "SpeedToLead",
    "StatsReport",
    "bar",
    "format_seconds",
    "format_stats",
    "percent",
]

BAR_WIDTH = 24


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Count(_Frozen):
    """How many leads have one value (`key` is the portal's value, None when the lead has none)."""

    key: str | None
    label: str
    count: int


class FunnelStep(_Frozen):
    """Leads of the period that reached a step; `share` = count / the `share_of` step's count."""

    key: str  # new, attempting, connected, qualified, disqualified
    label: str
    count: int
    share_of: str | None = None
    share: float | None = None


class SpeedToLead(_Frozen):
    """Time from creation to first touch, over the period's touched leads."""

    touched: int
    untouched: int
    median_seconds: float | None
    p90_seconds: float | None


class SlaSummary(_Frozen):
    """First-touch targets over the period's leads. `breach_share` = breached / with_sla."""

    with_sla: int
    met: int
    breached: int
    breached_untouched: int  # of `breached`: still not touched now
    waiting: int  # untouched and not yet due
    no_sla: int
    breach_share: float | None


class DayCount(_Frozen):
    day: date
    count: int


class StatsReport(_Frozen):
    """The rep's numbers for leads created from `since` (a local midnight) to `until` (now)."""

    days: int
    since: datetime
    until: datetime
    time_zone: str
    owner_id: str | None
    leads: int
    funnel: list[FunnelStep]
    speed_to_lead: SpeedToLead
    sla: SlaSummary
    disqualification_reasons: list[Count]
    by_source: list[Count]
    by_type: list[Count]
    by_label: list[Count]
    per_day: list[DayCount]


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def format_seconds(seconds: float | None) -> str:
    """A time from the report ("4 min", "1 h 20 min"), or a dash when there is none to tell."""
    if seconds is None:
        return "–"
    return duration(timedelta(seconds=seconds))


def bar(count: int, biggest: int, width: int = BAR_WIDTH) -> str:
    """A bar of block characters, at least one block for any non-zero count."""
    if count <= 0 or biggest <= 0:
        return ""
    return "█" * max(1, round(width * count / biggest))


def _rows(items: list[tuple[str, int, str]], width: int = BAR_WIDTH) -> list[str]:
    """Aligned `label  count  bar  extra` lines."""
    if not items:
        return ["  (none)"]
    label_width = min(28, max(len(label) for label, _, _ in items))
    count_width = max(len(str(count)) for _, count, _ in items)
    biggest = max(count for _, count, _ in items)
    lines = []
    for label, count, extra in items:
        shown = label if len(label) <= label_width else label[: label_width - 1] + "…"
        row = f"  {shown:<{label_width}}  {count:>{count_width}}  {bar(count, biggest, width):<{width}}"
        lines.append((row + ("  " + extra if extra else "")).rstrip())
    return lines


def funnel_lines(report: StatsReport, width: int = BAR_WIDTH) -> list[str]:
    labels = {step.key: step.label for step in report.funnel}
    return _rows(
        [
            (
                step.label,
                step.count,
                f"{percent(step.share)} of {labels.get(step.share_of, step.share_of)}"
                if step.share_of
                else "",
            )
            for step in report.funnel
        ],
        width,
    )


def speed_lines(report: StatsReport) -> list[str]:
    speed = report.speed_to_lead
    return [
        f"  median {format_seconds(speed.median_seconds)}"
        f" · 90th percentile {format_seconds(speed.p90_seconds)}",
        f"  {speed.touched} touched, {speed.untouched} not touched yet",
    ]


def sla_lines(report: StatsReport) -> list[str]:
    sla = report.sla
    still = f", {sla.breached_untouched} still untouched" if sla.breached_untouched else ""
    return [
        f"  breached {sla.breached} of {sla.with_sla} ({percent(sla.breach_share)}){still}",
        f"  met {sla.met} · waiting {sla.waiting} · no target {sla.no_sla}",
    ]


def count_lines(counts: list[Count], width: int = BAR_WIDTH) -> list[str]:
    return _rows([(c.label, c.count, "") for c in counts], width)


def title(report: StatsReport) -> str:
    """One line naming the period: "Last 30 days: 25 leads created (Thu 19 Feb to today, Europe/Paris)"."""
    noun = "lead" if report.leads == 1 else "leads"
    today = report.until.date()
    return (
        f"Last {report.days} days: {report.leads} {noun} created "
        f"({calendar_day(report.since.date(), today)} to today, {report.time_zone})"
    )


def format_stats(report: StatsReport) -> str:
    """The report as plain terminal text (no colour, no markup), one section after another."""
    sections = [
        [title(report)],
        ["Funnel", *funnel_lines(report)],
        ["Speed to lead (created → first touch)", *speed_lines(report)],
        ["First-touch SLA", *sla_lines(report)],
        ["Disqualification reasons", *count_lines(report.disqualification_reasons)],
        ["By source", *count_lines(report.by_source)],
        ["By lead type", *count_lines(report.by_type)],
        ["By label", *count_lines(report.by_label)],
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)
