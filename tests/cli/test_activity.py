"""`leadboard activity --json` after HubSpot-side events made through the sandbox's API, and speed to
lead that two caches synced from the same portal agree on (issue 12)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from leadboard.cli.main import main
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.cli.sandbox_env import point_at_sandbox


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    settings = PortalSettings(seed=7, rep_leads=24, other_leads=10, owners=3, search_lag=0.0)
    with running_sandbox(settings, rate_limits=False) as handle:
        yield handle


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def live(sandbox: SandboxHandle, event: str, seed: int) -> str:
    """One HubSpot-side event through the sandbox's admin API; what happened."""
    request = urllib.request.Request(
        f"{sandbox.base_url}/_sandbox/live",
        data=json.dumps({"event": event, "seed": seed}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        happened = json.load(answer)["happened"]
    assert happened, f"{event} found nothing to do"
    return str(happened)


def test_activity_json_lists_hubspots_changes_and_not_the_reps_own(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at_sandbox(sandbox, tmp_path, monkeypatch)
    run("sync")
    assert json.loads(run("activity", "--json").stdout) == []  # a first sync: everything is new
    mine = json.loads(run("leads", "--json", "--stage", "New").stdout)[0]
    run("move", mine["id"], "Attempting", "--note", "Called, left a voicemail")

    live(sandbox, "new_lead", 1)
    live(sandbox, "prospect_replies", 2)
    noted = live(sandbox, "colleague_note", 3)  # "Ann Lee left a note on lead 123 (…)"
    handed = live(sandbox, "reassign_to_colleague", 14)  # "Lead 123 (…) was reassigned to Ann Lee"
    assert f"Lead {noted.split(' on lead ')[1].split()[0]} " not in handed  # two different leads
    told = run("sync").stdout
    assert "In HubSpot: 1 new lead · " in told and " moved to Connected · 1 lead reassigned to " in told

    events = json.loads(run("activity", "--json").stdout)
    kinds = {e["kind"] for e in events}
    assert {"new_lead", "stage", "activity", "reassigned"} <= kinds
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    assert not [e for e in events if e["lead_id"] == mine["id"] and e["detail"] == "Attempting"]
    assert any(e["kind"] == "stage" and e["detail"] == "Connected" for e in events)
    note = next(e for e in events if e["kind"] == "activity")
    assert note["detail"] == "note" and noted.startswith(
        f"{note['actor']} left a note on lead {note['lead_id']}"
    )
    left = next(e for e in events if e["kind"] == "reassigned")
    assert left["on_board"] is False and handed.endswith(f"was reassigned to {left['detail']}")
    assert all(e["lead_name"] for e in events)

    plain = run("activity", "--since", "1h").stdout
    assert "reassigned to" in plain and "(left your board)" in plain
    assert json.loads(run("activity", "--json", "--since", "2999-01-01").stdout) == []


def test_two_caches_of_one_portal_agree_on_every_leads_sla(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at_sandbox(sandbox, tmp_path, monkeypatch)
    worked, fresh = tmp_path / "worked.sqlite", tmp_path / "fresh.sqlite"
    run("--db", str(worked), "sync")
    untouched = [
        lead["id"]
        for lead in json.loads(run("--db", str(worked), "leads", "--json").stdout)
        if lead["sla_state"] != "done"
    ]
    assert len(untouched) >= 3
    first, second, third = untouched[:3]
    run("--db", str(worked), "note", first, "--text", "Sent the deck")
    run("--db", str(worked), "move", second, "Attempting", "--note", "No answer")
    run("--db", str(worked), "log-call", third, "--outcome", "No answer", "--note", "Rang twice")
    live(sandbox, "colleague_note", 5)  # a colleague's note is not the owner's touch
    run("--db", str(worked), "sync")
    run("--db", str(fresh), "sync")

    def states(db: Path) -> dict[str, str]:
        listed = json.loads(run("--db", str(db), "leads", "--json").stdout)
        listed += json.loads(run("--db", str(db), "leads", "--json", "--closed").stdout)
        return {lead["id"]: lead["sla_state"] for lead in listed}

    mine, theirs = states(worked), states(fresh)
    assert mine == theirs
    assert mine[first] == mine[second] == mine[third] == "done"
