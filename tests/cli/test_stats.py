"""`leadboard stats --json` after a real sync, against numbers worked out from the portal's raw objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner

from leadboard.cache.store import Store
from leadboard.cli.main import main
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import LEAD_PROPERTIES
from tests.cache_fixtures import hubspot_lead, seeded_store
from tests.stats_support import CLOCK_SLA, expected_numbers

HOUR_MS = 3_600_000
_FAST_SOURCES = {"DEMO_REQUEST", "PRICING_PAGE"}


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    settings = PortalSettings(seed=11, rep_leads=60, other_leads=40, owners=3, search_lag=0.0)
    with running_sandbox(settings, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def configured(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config naming the portal, the rep and clock-hour SLAs; the cache path goes on the command line."""
    config = tmp_path / "config.toml"
    config.write_text(
        tomli_w.dumps({"portal": sandbox.base_url, "email": sandbox.rep_email, "sla": CLOCK_SLA}),
        encoding="utf-8",
    )
    monkeypatch.setenv("LEADBOARD_CONFIG", str(config))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", sandbox.token)
    return tmp_path / "cache.sqlite"


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("days", [7, 90])
def test_stats_json_matches_the_portals_own_numbers(
    sandbox: SandboxHandle, configured: Path, days: int
) -> None:
    # `--db` given before the command applies to it, as if given after it.
    run("--db", str(configured), "sync")
    assert configured.exists()
    report = json.loads(run("--db", str(configured), "stats", "--days", str(days), "--json").stdout)
    expected = expected_numbers(
        sandbox.portal, days, datetime.now(UTC), sources="lead_source" in LEAD_PROPERTIES
    )
    assert report["leads"] == expected.leads > 0
    funnel = {step["key"]: step["count"] for step in report["funnel"]}
    assert funnel == {key: expected.funnel[key] for key in funnel}
    assert {c["label"]: c["count"] for c in report["disqualification_reasons"]} == dict(expected.reasons)
    assert {c["key"]: c["count"] for c in report["by_type"]} == dict(expected.types)
    assert report["speed_to_lead"]["touched"] == len(expected.delays)
    # `leadboard sync` applied the config's clock-hour targets to the stored deadlines (the urgent
    # order): cold leads without a faster source are due 72 clock hours after creation, not 3 business days.
    with Store.open(configured) as store:
        cold = [
            (lead.created_at or 0, lead.sla_deadline_ms)
            for lead in store.board(view="all")
            if lead.label == "COLD" and store.lead_properties(lead.id).get("lead_source") not in _FAST_SOURCES
        ]
    assert cold and all(deadline == created + 72 * HOUR_MS for created, deadline in cold), cold


def test_stats_applies_a_changed_sla_config_to_the_stored_deadlines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "cache.sqlite"
    with seeded_store(db, leads=0) as store:
        store.upsert_leads(
            [hubspot_lead("8", "Cold lead", created="2026-01-05T09:00:00.000Z", hs_lead_label="COLD")]
        )
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({"sla": {"time_zone": "UTC", "by_label": {"cold": "15 minutes"}}}))
    monkeypatch.setenv("LEADBOARD_CONFIG", str(config))

    run("stats", "--json", "--db", str(db))

    with Store.open(db) as store:
        (lead,) = store.board(view="all")
    assert lead.created_at is not None
    assert lead.sla_deadline_ms == lead.created_at + 15 * 60_000


def test_stats_without_a_cache_says_to_sync_first(configured: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "--db", str(configured)])
    assert result.exit_code != 0
    assert "sync" in result.output
    assert "Traceback" not in result.output
