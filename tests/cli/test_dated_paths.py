"""A rep's whole session reaches HubSpot on its date-versioned paths only (issue 10).

HubSpot ends support for v4 in March 2027 and v1-v3 in September 2027. The session runs through
the real CLI, gateway and hubspot-api-client against the sandbox, which logs every request; the
one numbered path allowed is the call dispositions', which has no date version yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadboard.cli.main import main
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.cli.sandbox_env import point_at_sandbox

SMALL = PortalSettings(seed=13, rep_leads=8, owners=2, other_leads=6, search_lag=0.0)
LEGACY = re.compile(r"/crm/v[34]/|/owners/v\d|/account-info/v3|/crm/associations/v4")
DISPOSITIONS = "/calling/v1/dispositions"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(SMALL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def env(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEADBOARD_CONFIG", str(tmp_path / "absent.toml"))
    db = point_at_sandbox(sandbox, tmp_path, monkeypatch)
    monkeypatch.setenv("LEADBOARD_RECONCILE_GRACE", "0")
    return db


def cli(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, f"leadboard {' '.join(args)}: {result.output}"
    return result


def new_leads(sandbox: SandboxHandle) -> list[str]:
    owner = sandbox.portal.rep_owner_id
    return sorted(
        lead["id"]
        for lead in sandbox.portal.objects("leads")
        if lead["properties"].get("hubspot_owner_id") == owner
        and lead["properties"].get("hs_pipeline_stage") == "new-stage-id"
    )


def whole_session(sandbox: SandboxHandle) -> None:
    """Sync, note, call, move, set type, qualify with a deal, disqualify with a follow-up."""
    cli("sync")
    first, second, *_ = new_leads(sandbox)
    cli("note", first, "--text", "Found her on the pricing page")
    cli("log-call", first, "--outcome", "connected", "--note", "Talked budgets", "--duration", "4")
    cli("move", first, "Connected", "--note", "Call booked")
    cli("set-type", first, "upsell")
    cli("qualify", first, "--note", "Ready to buy", "--deal-name", "Dated deal", "--amount", "1200")
    follow_up = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    cli("disqualify", second, "--reason", "Bad timing", "--note", "Next quarter", "--follow-up", follow_up)
    cli("sync")


def test_a_whole_session_calls_no_numbered_path_but_the_dispositions(
    sandbox: SandboxHandle, env: Path
) -> None:
    whole_session(sandbox)

    paths = [r.path.split("?")[0] for r in sandbox.request_log() if not r.path.startswith("/_sandbox")]
    legacy = sorted(
        {p for p in paths if LEGACY.search(p)} | {p for p in paths if "/v1/" in p} - {DISPOSITIONS}
    )
    assert legacy == []
    assert DISPOSITIONS in paths
    dated = {p for p in paths if "/2026-09/" in p}
    assert {
        "/crm/objects/2026-09/leads/search",
        "/crm/objects/2026-09/notes",
        "/crm/objects/2026-09/deals",
    } <= dated
    assert any(p.startswith("/crm/associations/2026-09/leads/") for p in dated)
    # What the session did reached HubSpot.
    deals = [d for d in sandbox.portal.objects("deals") if d["properties"].get("dealname") == "Dated deal"]
    assert len(deals) == 1
    tasks = [t for t in sandbox.portal.objects("tasks") if "Next quarter" in str(t["properties"])]
    assert len(tasks) == 1


def test_a_portal_pinned_to_2026_03_gets_that_version(
    sandbox: SandboxHandle, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADBOARD_API_VERSION", "2026-03")
    cli("sync")
    lead = new_leads(sandbox)[0]
    cli("note", lead, "--text", "Pinned portal")

    paths = {r.path.split("?")[0] for r in sandbox.request_log() if not r.path.startswith("/_sandbox")}
    assert "/crm/objects/2026-03/leads/search" in paths and "/crm/objects/2026-03/notes" in paths
    assert not {p for p in paths if "/2026-09/" in p or LEGACY.search(p)}


def test_a_version_that_is_not_hubspots_stops_with_a_plain_message(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADBOARD_API_VERSION", "v3")
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code != 0
    assert "LEADBOARD_API_VERSION" in result.output and "2026-09" in result.output
