"""What changed in HubSpot, on the board (issue 12): after a pull that found something, one quiet
notification; a marker on each changed card until the rep opens the lead; the Activity screen on
`a`, newest first, where enter opens the lead and a lead that left the board stays listed.

The real app and sync engine against the sandbox over HTTP; HubSpot's side is stepped by name and
seed (`Portal.live_event`), never by the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from leadboard.sandbox.runner import SandboxHandle
from leadboard.screens.activity import ActivityScreen
from leadboard.screens.board import BoardScreen
from leadboard.screens.lead import LeadScreen
from tests.ui.board_support import sandbox, sandbox_app, screen_text, settle, until_idle

__all__ = ["sandbox"]


def _lead_name(description: str, sandbox: SandboxHandle) -> str:
    """The name of the lead a live event's description names ("Lead 123 (…) …", "… on lead 123 (…)")."""
    lead_id = description.replace("Lead ", "lead ").split("lead ")[1].split()[0]
    lead = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead_id)
    return str(lead["properties"]["hs_lead_name"])


async def test_a_pull_that_finds_changes_says_so_marks_the_cards_and_lists_them(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    app = sandbox_app(sandbox, tmp_path / "cache.sqlite")
    async with app.run_test(size=(180, 50), notifications=True) as pilot:
        await until_idle(app, pilot)
        assert "In HubSpot" not in screen_text(app)  # the first sync finds everything new: no news
        assert "● changed" not in screen_text(app)

        replied = sandbox.portal.live_event("prospect_replies", seed=2)
        handed = sandbox.portal.live_event("reassign_to_colleague", seed=7)
        arrived = sandbox.portal.live_event("new_lead", seed=1)
        assert arrived and replied and handed
        moved, gone = _lead_name(replied, sandbox), _lead_name(handed, sandbox)
        await pilot.press("r")
        await until_idle(app, pilot)

        shown = screen_text(app)
        colleague = handed.rsplit(" to ", 1)[1]
        assert "1 new lead" in shown
        assert f"{moved} moved to Connected" in shown
        assert "In HubSpot" in shown and "1 lead" in shown and colleague in shown  # the toast wraps here
        assert shown.count("● changed") == 2  # the new lead and the one moved; the reassigned one left

        await pilot.press("a")
        await settle(app, pilot)
        activity = app.screen
        assert isinstance(activity, ActivityScreen)
        listed = screen_text(app)
        assert "What changed in HubSpot: 4 events, newest first" in listed
        assert f"{moved} replied" in listed  # the prospect's email, read from HubSpot
        assert f"{gone} reassigned to {colleague}  · left your board" in listed
        assert f"{moved} moved to Connected" in listed
        assert "New lead: " in listed

        # enter on the move opens that lead; coming back, its card is no longer marked
        index = next(i for i, e in enumerate(activity.entries) if e.event.kind == "stage")
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await until_idle(app, pilot)
        assert (
            isinstance(app.screen, LeadScreen) and app.screen.lead_id == activity.entries[index].event.lead_id
        )
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")
        await until_idle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert screen_text(app).count("● changed") == 1

        # the lead that left opens too, and the rep is told it left
        await pilot.press("a")
        await settle(app, pilot)
        index = next(i for i, e in enumerate(activity.entries) if e.event.kind == "reassigned")
        screen = app.screen
        assert isinstance(screen, ActivityScreen)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await until_idle(app, pilot)
        assert isinstance(app.screen, LeadScreen)
        assert "no longer on your board" in screen_text(app)


async def test_an_open_leads_timeline_shows_a_note_the_next_pull_brings(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    app = sandbox_app(sandbox, tmp_path / "cache.sqlite")
    async with app.run_test(size=(160, 50)) as pilot:
        await until_idle(app, pilot)
        await pilot.press("enter")
        await until_idle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LeadScreen)
        lead = sandbox.portal.get_object("leads", screen.lead_id, properties=["hs_primary_contact_id"])
        contact_id = lead["properties"]["hs_primary_contact_id"]
        words = "Spoke to them at the fair, they want a demo"
        assert words not in screen_text(app)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        links = [(contact_id, 202), (screen.lead_id, 855)]
        sandbox.portal.create_object(
            "notes",
            {
                "properties": {"hs_timestamp": now, "hs_note_body": f"<p>{words}</p>"},
                "associations": [
                    {
                        "to": {"id": to},
                        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t}],
                    }
                    for to, t in links
                ],
            },
        )

        await pilot.press("r")  # the pull, not the lead screen's own refresh, brings it
        await until_idle(app, pilot)

        assert app.screen is screen and words in screen_text(app)
