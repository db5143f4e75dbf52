"""The lead screen says where the lead came from and its SLA in words, and the contact's other leads
open from it (issue 12). A seeded cache with sync off and the clock fixed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from leadboard.sla_settings import SlaSettings
from tests.cache_fixtures import hubspot_lead
from tests.ui.board_support import board_app, fill_cache, screen_text, settle
from tests.ui.test_lead_screen import open_lead

UTC_SLA = SlaSettings.parse({"time_zone": "UTC"})


def _cache_with_an_earlier_lead(path: Path) -> Path:
    """`fill_cache`'s leads, and an earlier (qualified) lead of lead 4's contact, from a demo request."""
    store = fill_cache(path, 6)
    store.upsert_leads(
        [
            hubspot_lead(
                "e1",
                "Earlier Deal Person",
                stage="qualified-stage-id",
                lead_type="NEW_BUSINESS",
                created="2025-11-03T10:00:00.000Z",
                lead_source="DEMO_REQUEST",
            ),
            hubspot_lead(
                "s1",
                "Sourced Sam",
                created="2026-03-02T11:30:00.000Z",  # half an hour before the board's "now"
                lead_source="DEMO_REQUEST",
            ),
        ]
    )
    store.link_leads([("e1", "c4", None), ("s1", "c5", None)])
    store.close()
    return path


async def test_the_lead_screen_says_source_and_sla_and_opens_the_contacts_other_lead(tmp_path: Path) -> None:
    cache = _cache_with_an_earlier_lead(tmp_path / "cache.sqlite")
    app = board_app(cache, sla=UTC_SLA)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        await open_lead(app, pilot, "s1")
        text = screen_text(app)
        assert "Source        DEMO_REQUEST" in text  # the portal has no label for it: its value
        assert "Speed to lead due in 30 min (source demo: 1 hour)" in text
        await pilot.press("escape")
        await settle(app, pilot)

        lead = await open_lead(app, pilot, "4")
        text = screen_text(app)
        assert "Contact's other leads (1; enter opens one)" in text
        assert "Earlier Deal Person · Qualified" in text
        assert "Speed to lead breached" in text  # hot, weeks ago, never touched
        earlier = lead.query_one("#lead-earlier", OptionList)
        earlier.focus()
        earlier.highlighted = 0
        await pilot.press("enter")
        await settle(app, pilot)
        assert getattr(app.screen, "lead_id", None) == "e1"
        assert "Earlier Deal Person · Qualified" in screen_text(app)
