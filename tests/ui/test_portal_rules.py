"""A portal rule (HubSpot's VALIDATION_ERROR) end to end: the rep reads what the portal requires, edits the
change on the lead screen, retries, and HubSpot gets each part exactly once.

The sandbox has the demo portal's rule (a new deal needs an amount); a qualify with a deal but no amount
reaches HubSpot up to its deal step, then stops there with the portal's words.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from leadboard.cache.store import Store
from leadboard.commands.qualify import Deal, Qualify
from leadboard.config import Settings
from leadboard.sandbox.faults import RequestRecord
from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sandbox.write_rules import demo_rules
from leadboard.screens.lead import LeadScreen
from leadboard.screens.ops import OpScreen
from leadboard.screens.qualify import QualifyModal
from leadboard.sync.engine import SyncEngine
from tests.ui.board_support import sandbox_app, screen_text, settle, until_idle
from tests.ui.test_lead_screen import open_lead

REQUIREMENT = "Amount (amount) is required to create a deal in this account."


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    settings = PortalSettings(rep_leads=6, owners=2, other_leads=4, search_lag=0.0, rules=demo_rules())
    with running_sandbox(settings, rate_limits=RateLimits.off()) as handle:
        yield handle


def _writes(handle: SandboxHandle, object_type: str, method: str) -> list[RequestRecord]:
    """Writes to one object type on any API version's path (searches and batch reads are not writes)."""
    return [
        r
        for r in handle.request_log()
        if r.method == method
        and f"/{object_type}" in r.path
        and "/associations/" not in r.path
        and not r.path.rstrip("/").endswith(("/search", "/batch/read"))
    ]


def _flat(text: str) -> str:
    """The screen's words on one line: a wrapped message in a bordered box reads as it was written."""
    return " ".join(" ".join(line.strip().strip("│").split()) for line in text.splitlines())


async def test_a_refused_deal_is_edited_on_the_lead_screen_and_lands_once(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    db = tmp_path / "cache.sqlite"
    engine = SyncEngine(Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=db), sandbox.token)
    engine.sync()
    engine.close()
    note = "Budget signed off by the CFO"
    with Store.open(db) as store:
        lead = next(x for x in store.board() if x.lead_type and not x.closed)
        deal = Deal(name="Acme rollout", amount=None, close_date=date.today() + timedelta(days=30))
        op_id = store.outbox.enqueue(Qualify(lead_id=lead.id, note=note, deal=deal)).op_id
    sandbox.clear_request_log()

    app = sandbox_app(sandbox, db)
    async with app.run_test(size=(140, 45)) as pilot:
        await until_idle(app, pilot)
        await pilot.press("v")  # HubSpot has the lead qualified: it is with the closed leads
        await settle(app, pilot)
        await open_lead(app, pilot, lead.id)
        await until_idle(app, pilot)
        text = _flat(screen_text(app))
        assert "Qualify · " in text and note in text  # the rep's words are kept
        assert "Your HubSpot portal requires more before creating a deal" in text
        assert REQUIREMENT in text and "Edit the change to add it" in text

        lead_screen = app.screen
        assert isinstance(lead_screen, LeadScreen)
        lead_screen.query_one("#lead-ops", OptionList).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OpScreen)
        await pilot.click("#edit")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, QualifyModal)  # open, though HubSpot already has the lead qualified
        assert modal.query_one("#deal-name", Input).value == "Acme rollout"
        modal.query_one("#amount", Input).value = "12000"
        await pilot.press("ctrl+s")
        await until_idle(app, pilot)
        assert isinstance(app.screen, LeadScreen)
        assert "requires more" not in _flat(screen_text(app))

    with Store.open(db) as store:
        op = store.outbox.get(op_id)
    assert op.state == "done" and op.command.deal is not None and op.command.deal.amount == 12000  # type: ignore[attr-defined]
    deal_posts = _writes(sandbox, "deals", "POST")
    assert [r.status for r in deal_posts] == [400, 201]
    assert [r.status for r in _writes(sandbox, "leads", "PATCH")] == [200]
    assert [r.status for r in _writes(sandbox, "notes", "POST")] == [201]
    deals = [d for d in sandbox.portal.objects("deals") if d["properties"].get("dealname") == "Acme rollout"]
    assert len(deals) == 1 and float(deals[0]["properties"]["amount"]) == 12000


async def test_an_edit_of_what_hubspot_already_has_is_refused(sandbox: SandboxHandle, tmp_path: Path) -> None:
    from leadboard.state import CommandRefused

    db = tmp_path / "cache.sqlite"
    engine = SyncEngine(Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=db), sandbox.token)
    engine.sync()
    with Store.open(db) as store:
        lead = next(x for x in store.board() if x.lead_type and not x.closed)
        deal = Deal(name="Beta pilot", amount=None, close_date=date.today() + timedelta(days=30))
        op_id = store.outbox.enqueue(Qualify(lead_id=lead.id, note="first note", deal=deal)).op_id
    engine.push()
    engine.close()
    with Store.open(db) as store:
        op = store.outbox.get(op_id)
        assert op.state == "failed" and REQUIREMENT in (op.last_error or "")
        edited = Qualify(
            lead_id=lead.id, note="a different note", deal=deal.model_copy(update={"amount": 5.0})
        )
        with pytest.raises(CommandRefused, match="already has the text"):
            store.outbox.retry(op_id, edited)
        assert store.outbox.get(op_id).state == "failed"
