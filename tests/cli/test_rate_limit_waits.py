"""A long 429 never holds a CLI command: it returns at once, says when HubSpot's limit resets, and after
a DAILY limit nothing more is sent (by this command or the next) until that time.

Real commands, a real SQLite cache, the sandbox portal over HTTP with an injected 429.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadboard.cli.common import EXIT_WAITING
from leadboard.cli.main import main
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.cli.sandbox_env import point_at_sandbox

SMALL = PortalSettings(seed=11, rep_leads=4, owners=2, other_leads=2, search_lag=0.0)
NOTES = r"/objects/(2026-09/)?notes$"
DAILY_BODY = {
    "status": "error",
    "message": "You have reached your daily limit.",
    "errorType": "RATE_LIMIT",
    "correlationId": "0c6a0a5e-46f5-4d43-9f7e-6b3d1a6d3c11",
    "policyName": "DAILY",
}


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(SMALL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def env(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = point_at_sandbox(sandbox, tmp_path, monkeypatch)
    return db


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def first_lead() -> str:
    synced = cli("sync")
    assert synced.exit_code == 0, synced.output
    listed = cli("leads", "--json")
    assert listed.exit_code == 0, listed.output
    return str(json.loads(listed.stdout)[0]["id"])


def reset_time(output: str) -> datetime:
    found = re.search(r"HubSpot's limit resets at (\d\d):(\d\d)", output)
    assert found, output
    now = datetime.now().astimezone()
    moment = now.replace(hour=int(found[1]), minute=int(found[2]), second=0, microsecond=0)
    return moment if moment >= now - timedelta(minutes=1) else moment + timedelta(days=1)


def note_posts(sandbox: SandboxHandle) -> list[int]:
    return [r.status for r in sandbox.request_log() if r.method == "POST" and re.search(NOTES, r.path)]


def test_a_retry_after_of_an_hour_returns_at_once_with_the_reset_time(
    sandbox: SandboxHandle, env: Path
) -> None:
    lead_id = first_lead()
    sandbox.faults.inject("status", status=429, method="POST", path=NOTES, headers={"Retry-After": "3600"})

    started = time.monotonic()
    result = cli("note", lead_id, "--text", "Sent the pricing sheet")
    elapsed = time.monotonic() - started

    assert result.exit_code == EXIT_WAITING, result.output
    assert elapsed < 10, f"the command blocked for {elapsed:.0f} s"
    assert "Saved, waiting: HubSpot's limit resets at" in result.output
    resets = reset_time(result.output)
    expected = datetime.now().astimezone() + timedelta(hours=1)
    assert abs((resets - expected).total_seconds()) < 120
    assert note_posts(sandbox) == [429]


def test_after_a_daily_429_nothing_is_sent_until_the_reset(sandbox: SandboxHandle, env: Path) -> None:
    lead_id = first_lead()
    sandbox.faults.inject("status", status=429, method="POST", path=NOTES, body=DAILY_BODY)

    first = cli("note", lead_id, "--text", "First note")
    assert first.exit_code == EXIT_WAITING, first.output
    midnight = (datetime.now().astimezone() + timedelta(days=1)).replace(hour=0, minute=0)
    assert f"HubSpot's limit resets at {midnight:%H:%M}" in first.output

    started = time.monotonic()
    second = cli("note", lead_id, "--text", "Second note")
    assert time.monotonic() - started < 10
    assert second.exit_code == EXIT_WAITING, second.output
    assert "HubSpot's limit resets at" in second.output
    synced = cli("sync")
    assert "HubSpot's rate limit paused the sync" in synced.output
    assert note_posts(sandbox) == [429], "nothing may be sent before the daily limit resets"
