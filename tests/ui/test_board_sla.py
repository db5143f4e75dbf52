"""Speed to lead on the board: each untouched lead says, in words, how long is left or how long it has
been in breach; breached and due-soon leads stand out (a glyph and a word, and a colour from CSS);
the board opens most urgent first; `S` opens the stats and escape comes back.

The cache is a real SQLite file; the clock is fixed at `FIXED_NOW` (Monday 2 March 2026, 12:00 UTC)
and the SLA counts in UTC, so every "due in" and "… late" below is worked out by hand.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from leadboard.cache.store import Store
from leadboard.screens.board import BoardScreen
from leadboard.screens.stats import StatsScreen
from leadboard.sla_settings import SlaSettings
from leadboard.widgets.stage_column import StageColumn, lead_prompt
from tests.cache_fixtures import default_meta, hubspot_lead
from tests.ui.board_support import board_app, screen_text, settle

SMALL, LARGE = (80, 24), (160, 50)
BOTH_SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x50"])
#: The default targets (hot 1 hour, warm 1 business day), counted in UTC so nothing depends on the machine.
UTC_SLA = SlaSettings.parse({"time_zone": "UTC", "default": "none"})  # "Nolabel Nia" has no SLA


def sla_cache(path: Path) -> None:
    """Five New leads of mine, each in a different place against its first-touch SLA at 12:00."""
    leads = [
        # created 08:00, hot: due 09:00 → breached 3 h ago
        hubspot_lead("b", "Breached Bea", created="2026-03-02T08:00:00.000Z", hs_lead_label="HOT"),
        # created 11:20, hot: due 12:20 → 20 min left of 60 → due soon
        hubspot_lead("d", "Dueso Dan", created="2026-03-02T11:20:00.000Z", hs_lead_label="HOT"),
        # created 11:00, warm: one business day (8 h) → due Tuesday 11:00 → due in 23 h, quietly
        hubspot_lead("o", "Okay Olu", created="2026-03-02T11:00:00.000Z", hs_lead_label="WARM"),
        # created 07:00, hot, first outreach 07:30 (HubSpot's own) → touched in time
        hubspot_lead(
            "t",
            "Touched Tam",
            created="2026-03-02T07:00:00.000Z",
            hs_lead_label="HOT",
            hs_lead_first_outreach_date="2026-03-02T07:30:00.000Z",
        ),
        # created 06:00, no label or source: no SLA
        hubspot_lead("n", "Nolabel Nia", created="2026-03-02T06:00:00.000Z"),
    ]
    with Store.open(path) as store:
        store.save_portal_meta(default_meta())
        store.upsert_leads(leads)
        store.upsert_companies([{"id": "co-b", "properties": {"name": "Bea Industries"}}])
        store.upsert_contacts(
            (
                {
                    "id": f"c-{lead_id}",
                    "properties": {
                        "firstname": "Pat",
                        "lastname": f"Contact-{lead_id}",
                        "email": f"pat-{lead_id}@example.test",
                        "phone": f"+1 555 01{i:02d}",
                        "jobtitle": "Head of Buying",
                    },
                }
                for i, lead_id in enumerate("bdont")
            ),
            company_ids={"c-b": "co-b"},
        )
        store.link_leads((lead_id, f"c-{lead_id}", "co-b" if lead_id == "b" else None) for lead_id in "bdont")
        store.apply_sla_settings(UTC_SLA)


@pytest.fixture
def sla_path(tmp_path: Path) -> Path:
    path = tmp_path / "sla.sqlite"
    sla_cache(path)
    return path


def lead_lines(text: str, name: str) -> tuple[str, str]:
    """The two lines a lead shows in the first column: the one with its name and the one below it."""
    lines = [line.split("││")[0] for line in text.splitlines()]
    index = next(i for i, line in enumerate(lines) if name in line)
    return lines[index], lines[index + 1]


def row_text(column: StageColumn, lead_id: str) -> str:
    """A lead's two lines in full (the screen may cut the second one short in a narrow column)."""
    index = next(i for i, lead in enumerate(column.leads) if lead.id == lead_id)
    return str(getattr(column.get_option_at_index(index).prompt, "plain", ""))


def row_styles(column: StageColumn, lead_id: str) -> set[str]:
    """The styles used on a lead's row (its option's prompt), as strings: a ".name" is one of the
    column's component classes, drawn with its style from app.tcss."""
    index = next(i for i, lead in enumerate(column.leads) if lead.id == lead_id)
    prompt = column.get_option_at_index(index).prompt
    return {str(span.style) for span in getattr(prompt, "spans", [])}


@BOTH_SIZES
async def test_sla_words_and_standout_on_the_board(sla_path: Path, size: tuple[int, int]) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        breached, _ = lead_lines(text, "Breached Bea")
        assert "⚠ 3 h late" in breached  # short, so the name fits beside it in a narrow column
        due_soon, _ = lead_lines(text, "Dueso Dan")
        assert "◷ due in 20 min" in due_soon
        ok_first, ok_second = lead_lines(text, "Okay Olu")
        assert "due in 23 h" in ok_second and "⚠" not in ok_first and "◷" not in ok_first

        board = app.screen
        assert isinstance(board, BoardScreen)
        column = board.columns[0]
        touched = row_text(column, "t")
        assert "due" not in touched and "breached" not in touched and touched.endswith("· touched")
        no_sla = row_text(column, "n")
        assert "due" not in no_sla and "breached" not in no_sla and no_sla.endswith("not touched")
        breached_style = column.get_component_rich_style("stage-column--sla-breached", partial=True)
        due_style = column.get_component_rich_style("stage-column--sla-due-soon", partial=True)
        assert breached_style.color is not None and due_style.color is not None
        assert breached_style.color != due_style.color  # the two stand out from each other too
        assert ".stage-column--sla-breached" in row_styles(column, "b")
        assert ".stage-column--sla-due-soon" in row_styles(column, "d")
        assert ".stage-column--sla-breached" not in row_styles(column, "t") | row_styles(column, "o")
        column.highlighted = 1  # Bea's row is plain (the highlight lightens the words to stay readable)
        await pilot.pause()
        drawn = column.render_lines(column.scrollable_content_region.reset_offset)  # the rows as drawn
        colours = {
            segment.text: segment.style.color
            for strip in drawn
            for segment in strip
            if segment.style is not None
        }
        # the words stand out from the name beside them (`test_board_contrast` holds them to 4.5:1)
        late = next(colour for text, colour in colours.items() if "3 h late" in text)
        assert late is not None and late != colours["Breached Bea"]
        # once closed (qualified or disqualified), a lead is past speed to lead: no SLA words
        bea = next(lead for lead in column.leads if lead.id == "b")
        state = column.sla_of(bea) if column.sla_of else None
        assert state is not None and state.level == "breached"
        closed = lead_prompt(replace(bea, closed=True), column.meta, column.now, state).plain
        assert "breached" not in closed and "⚠" not in closed


async def test_most_urgent_first_by_default_and_s_cycles(sla_path: Path) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        # breached, then the next deadlines, then no SLA, then touched
        assert [lead.id for lead in board.columns[0].leads] == ["b", "d", "o", "n", "t"]
        assert board.current_lead is not None and board.current_lead.id == "b"
        assert "most urgent first" in screen_text(app)
        await pilot.press("s")
        await settle(app, pilot)
        assert [lead.id for lead in board.columns[0].leads] == ["d", "o", "b", "t", "n"]  # newest
        assert "newest first" in screen_text(app)
        assert board.current_lead is not None and board.current_lead.id == "b"  # highlight kept


@BOTH_SIZES
async def test_capital_s_opens_the_stats_and_escape_comes_back(sla_path: Path, size: tuple[int, int]) -> None:
    app = board_app(sla_path, sla=UTC_SLA)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await pilot.press("S")
        await settle(app, pilot)
        stats = app.screen
        assert isinstance(stats, StatsScreen)
        assert stats.sla == UTC_SLA and stats.db_path == sla_path
        assert stats.clock() == app.now()
        for _ in range(100):  # the report is computed in a thread worker
            if stats.report is not None:
                break
            await pilot.pause(0.05)
        assert stats.report is not None
        assert "Funnel" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert board.current_lead is not None and board.current_lead.id == "d"


async def test_the_configured_sla_is_applied_at_start_up(sla_path: Path) -> None:
    stricter = SlaSettings.parse({"time_zone": "UTC", "by_label": {"hot": "30 minutes"}})
    app = board_app(sla_path, sla=stricter)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "⚠ 10 min late" in lead_lines(text, "Dueso Dan")[0]  # created 11:20, due 11:50
        assert "⚠ 3 h late" in lead_lines(text, "Breached Bea")[0]  # 3 h 30 min: the largest unit
