"""A corrupt cache loses none of the rep's waiting changes: `leadboard recover` queues them again.

The real CLI, a real SQLite cache cut in half (as a full disk or a bad copy leaves it), the sandbox
over HTTP: each change reaches HubSpot exactly once, including one HubSpot already had.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from leadboard.cli.main import main
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.cli.sandbox_env import point_at_sandbox

SMALL = PortalSettings(seed=11, rep_leads=8, owners=2, other_leads=6, search_lag=0.0)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(SMALL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def env(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = point_at_sandbox(sandbox, tmp_path, monkeypatch)
    monkeypatch.setenv("LEADBOARD_RECONCILE_GRACE", "0")
    return db


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def notes_with(sandbox: SandboxHandle, text: str) -> list[dict[str, Any]]:
    return [n for n in sandbox.portal.objects("notes") if text in str(n["properties"].get("hs_note_body"))]


def cut_in_half(db: Path) -> None:
    """What the issue saw: the cache file truncated to half its size (its WAL folded in first)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    size = db.stat().st_size
    with open(db, "r+b") as handle:
        handle.truncate(size // 2)


def test_changes_waiting_in_a_corrupt_cache_are_recovered_and_pushed_exactly_once(
    sandbox: SandboxHandle, env: Path
) -> None:
    assert cli("sync").exit_code == 0
    leads = json.loads(cli("leads", "--json").stdout)
    first, second, third = (lead["id"] for lead in leads[:3])
    pushed = cli("note", first, "--text", "Already in HubSpot before the crash")
    assert pushed.exit_code == 0 and "Pushed to HubSpot." in pushed.stdout, pushed.output
    for lead_id, text in ((second, "Waiting note one"), (third, "Waiting note two")):
        queued = cli("note", lead_id, "--text", text, "--no-push")
        assert queued.exit_code == 0, queued.output
    # The journal beside the cache holds no token and only the rep can read it.
    journals = [p for p in env.parent.iterdir() if p.name.startswith(env.name) and p.suffix == ".jsonl"]
    assert len(journals) == 1
    assert stat.S_IMODE(journals[0].stat().st_mode) == 0o600
    assert sandbox.token not in journals[0].read_text()
    # A crash right after HubSpot took the first note, before its end was written down anywhere.
    lines = journals[0].read_text().splitlines()
    journals[0].write_text("\n".join(line for line in lines if '"event":"ended"' not in line) + "\n")

    os.sync()
    cut_in_half(env)
    broken = cli("leads")
    assert broken.exit_code == 1
    assert "leadboard recover" in broken.stderr, broken.stderr

    env.rename(env.with_name(env.name + ".broken"))
    assert cli("sync").exit_code == 0
    recovered = cli("recover")
    assert recovered.exit_code == 0, recovered.output
    assert "3 changes" in recovered.stdout, recovered.stdout
    synced = cli("sync")
    assert synced.exit_code == 0, synced.output

    assert len(notes_with(sandbox, "Already in HubSpot before the crash")) == 1
    assert len(notes_with(sandbox, "Waiting note one")) == 1
    assert len(notes_with(sandbox, "Waiting note two")) == 1
    again = cli("recover")  # a second run finds nothing new to queue
    assert again.exit_code == 0 and "0 changes" in again.stdout, again.output
    assert cli("sync").exit_code == 0
    assert len(notes_with(sandbox, "Waiting note one")) == 1
