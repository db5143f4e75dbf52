"""The scriptable CLI end to end: real commands, a real SQLite cache, the sandbox portal over HTTP.

A script's whole session (sync → leads → log-call → disqualify) must leave HubSpot holding each
thing exactly once; `--no-push` only queues; offline keeps the change and says it is waiting.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from leadboard.cli.common import EXIT_WAITING
from leadboard.cli.main import main
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.properties import DISQUALIFICATION_REASONS
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.cli.sandbox_env import point_at_sandbox

SMALL = PortalSettings(seed=11, rep_leads=8, owners=2, other_leads=6, search_lag=0.0)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(SMALL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def env(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point leadboard at the sandbox through the environment, as a script would; return the cache path."""
    db = point_at_sandbox(sandbox, tmp_path, monkeypatch)
    monkeypatch.setenv("LEADBOARD_RECONCILE_GRACE", "0")
    return db


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def open_leads() -> list[dict[str, Any]]:
    result = cli("leads", "--json")
    assert result.exit_code == 0, result.output
    leads: list[dict[str, Any]] = json.loads(result.stdout)
    return leads


def outbox_rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT op_id, kind, state FROM outbox ORDER BY seq").fetchall()
    finally:
        conn.close()


def with_text(objects: list[dict[str, Any]], prop: str, text: str) -> list[dict[str, Any]]:
    return [o for o in objects if text in str(o["properties"].get(prop) or "")]


def test_a_scripted_session_lands_each_change_in_hubspot_exactly_once(
    sandbox: SandboxHandle, env: Path
) -> None:
    synced = cli("sync")
    assert synced.exit_code == 0, synced.output
    assert "Pulled 8 leads" in synced.stdout or "Pulled" in synced.stdout
    leads = open_leads()
    assert len(leads) == SMALL.rep_leads
    target = next(lead for lead in leads if lead["stage"]["label"] == "New")
    lead_id = target["id"]

    called = cli(
        "log-call", lead_id, "--outcome", "no ANSWER", "--note", "Rang twice, no pickup", "--duration", "3"
    )
    assert called.exit_code == 0, called.output
    assert "Pushed to HubSpot." in called.stdout
    assert "Attempting" in called.stdout  # the process's suggested next stage

    odd_case = DISQUALIFICATION_REASONS[0][1].swapcase()  # "bAD tIMING"
    dq = cli("disqualify", lead_id, "--reason", odd_case, "--note", "Budget frozen until next year")
    assert dq.exit_code == 0, dq.output
    assert "Pushed to HubSpot." in dq.stdout

    calls = with_text(sandbox.portal.objects("calls"), "hs_call_body", "Rang twice, no pickup")
    assert len(calls) == 1
    assert calls[0]["properties"]["hs_call_disposition"] == "73a0d17f-1163-4015-bdd5-ec830791da20"
    assert calls[0]["properties"]["hs_call_duration"] in ("180000", "180000.0")
    lead = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead_id)
    assert lead["properties"]["hs_pipeline_stage"] == "unqualified-stage-id"
    assert lead["properties"]["hs_lead_disqualification_reason"] == "BAD_TIMING"
    assert "Budget frozen until next year" in lead["properties"]["hs_lead_disqualification_note"]
    notes = with_text(sandbox.portal.objects("notes"), "hs_note_body", "Budget frozen until next year")
    assert len(notes) == 1

    assert lead_id not in {lead["id"] for lead in open_leads()}
    resynced = cli("sync")
    assert resynced.exit_code == 0, resynced.output
    assert lead_id not in {lead["id"] for lead in open_leads()}
    assert [state for _, _, state in outbox_rows(env)] == ["done", "done"]
    # Nothing pushed twice by the second sync.
    assert len(with_text(sandbox.portal.objects("calls"), "hs_call_body", "Rang twice, no pickup")) == 1


def test_no_push_only_queues_and_the_next_sync_pushes(sandbox: SandboxHandle, env: Path) -> None:
    assert cli("sync").exit_code == 0
    lead_id = open_leads()[0]["id"]
    queued = cli("note", lead_id, "--text", "Asked for the pricing sheet", "--no-push")
    assert queued.exit_code == 0, queued.output
    assert "Queued, not pushed" in queued.stdout
    assert with_text(sandbox.portal.objects("notes"), "hs_note_body", "pricing sheet") == []
    assert [state for _, _, state in outbox_rows(env)] == ["pending"]

    status = cli("status")
    assert status.exit_code == 0, status.output
    assert "1 change waiting" in status.stdout

    synced = cli("sync")
    assert synced.exit_code == 0, synced.output
    assert "Pushed 1 change;" in synced.stdout
    assert len(with_text(sandbox.portal.objects("notes"), "hs_note_body", "pricing sheet")) == 1
    assert [state for _, _, state in outbox_rows(env)] == ["done"]


def test_offline_keeps_the_change_and_exits_waiting(
    sandbox: SandboxHandle, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("sync").exit_code == 0
    lead = next(lead for lead in open_leads() if lead["stage"]["label"] != "Attempting")
    monkeypatch.setenv("LEADBOARD_PORTAL", "http://127.0.0.1:9")  # nothing listens on the discard port
    moved = cli("move", lead["id"], "Attempting", "--note", "Emailed, no reply yet")
    assert moved.exit_code == EXIT_WAITING, moved.output
    assert "Saved" in moved.stdout
    assert "could not be reached" in moved.stderr and "leadboard sync" in moved.stderr
    assert [(kind, state) for _, kind, state in outbox_rows(env)] == [("move_stage", "pending")]
    # The rep sees the move already, and nothing reached HubSpot.
    assert next(x for x in open_leads() if x["id"] == lead["id"])["stage"]["label"] == "Attempting"

    offline_sync = cli("sync", "--portal", "http://127.0.0.1:9")
    assert offline_sync.exit_code == EXIT_WAITING, offline_sync.output
    assert "1 change saved and waiting" in offline_sync.stderr

    remote = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead["id"])
    assert remote["properties"]["hs_pipeline_stage"] == lead["stage"]["id"]


def test_the_first_sync_back_online_pushes_what_waited(
    sandbox: SandboxHandle, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("sync").exit_code == 0
    lead = next(lead for lead in open_leads() if lead["stage"]["label"] != "Attempting")
    monkeypatch.setenv("LEADBOARD_PORTAL", "http://127.0.0.1:9")
    assert cli("move", lead["id"], "Attempting", "--note", "Emailed").exit_code == EXIT_WAITING
    monkeypatch.setenv("LEADBOARD_PORTAL", sandbox.base_url)
    back = cli("sync")
    assert back.exit_code == 0, back.output
    remote = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead["id"])
    assert remote["properties"]["hs_pipeline_stage"] == "attempting-stage-id"


def test_a_failed_push_exits_3_and_status_names_the_lead_and_reason(
    sandbox: SandboxHandle, env: Path
) -> None:
    assert cli("sync").exit_code == 0
    lead = open_leads()[0]
    sandbox.faults.inject(
        "status",
        method="PATCH",
        path=r"/crm/objects/2026-09/leads/",
        status=400,
        body={
            "status": "error",
            "message": "Property values were not valid: \x1b[31mred\x1b[0m stage",
            "correlationId": "c0ffee00-0000-0000-0000-000000000000",
            "category": "VALIDATION_ERROR",
        },
        times=1,
    )
    moved = cli("set-type", lead["id"], "upsell")
    assert moved.exit_code == 3, moved.output
    assert "Property values were not valid" in moved.stderr
    assert "\x1b" not in moved.output

    status = cli("status")
    assert status.exit_code == 3, status.output
    line = next(x for x in status.stdout.splitlines() if x.startswith("failed"))
    assert f"lead {lead['id']}" in line and "set the lead type to Upsell" in line
    assert "Property values were not valid" in line and "\x1b" not in status.stdout


def test_the_installed_script_runs_a_session_in_a_real_process(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    script = shutil.which("leadboard", path=str(Path(sys.executable).parent))
    assert script is not None, "the leadboard console script is not installed in the venv"
    env = {
        **os.environ,
        "LEADBOARD_PORTAL": sandbox.base_url,
        "LEADBOARD_EMAIL": sandbox.rep_email,
        "LEADBOARD_DB": str(tmp_path / "proc.sqlite"),
        "HUBSPOT_ACCESS_TOKEN": sandbox.token,
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([script, *args], env=env, capture_output=True, text=True, timeout=60)

    synced = run("sync")
    assert synced.returncode == 0, synced.stderr
    leads = json.loads(run("leads", "--json").stdout)
    noted = run("note", leads[0]["id"], "--text", "From a real process")
    assert noted.returncode == 0, noted.stderr
    assert len(with_text(sandbox.portal.objects("notes"), "hs_note_body", "From a real process")) == 1
    unknown = run("note", "424242", "--text", "x")
    assert unknown.returncode == 1
    assert unknown.stderr.count("\n") == 1 and unknown.stderr.startswith("Error: There is no lead 424242")
    assert sandbox.token not in synced.stdout + synced.stderr + noted.stdout + noted.stderr


def test_a_conflict_exits_3_and_status_shows_both_values(sandbox: SandboxHandle, env: Path) -> None:
    assert cli("sync").exit_code == 0
    lead = next(lead for lead in open_leads() if lead["stage"]["label"] == "New")
    queued = cli("move", lead["id"], "Attempting", "--note", "Sent a LinkedIn message", "--no-push")
    assert queued.exit_code == 0, queued.output
    sandbox.portal.remote_edit("leads", lead["id"], {"hs_pipeline_stage": "connected-stage-id"})

    synced = cli("sync")
    assert synced.exit_code == 3, synced.output
    assert "1 change needs your attention: see `leadboard status`" in synced.stderr
    remote = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead["id"])
    assert remote["properties"]["hs_pipeline_stage"] == "connected-stage-id"  # never overwritten silently

    status = cli("status")
    assert status.exit_code == 3
    line = next(x for x in status.stdout.splitlines() if x.startswith("conflict"))
    assert f"lead {lead['id']}" in line and "move to Attempting" in line
    assert "HubSpot now has Connected" in line and "you set Attempting (it was New)" in line


def test_a_portal_rule_exits_3_saying_what_the_portal_requires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadboard.cli.common import EXIT_ATTENTION
    from leadboard.sandbox.write_rules import demo_rules

    settings = PortalSettings(
        seed=11, rep_leads=8, owners=2, other_leads=6, search_lag=0.0, rules=demo_rules()
    )
    with running_sandbox(settings, rate_limits=False) as handle:
        db = tmp_path / "cache.sqlite"
        monkeypatch.setenv("LEADBOARD_PORTAL", handle.base_url)
        monkeypatch.setenv("LEADBOARD_EMAIL", handle.rep_email)
        monkeypatch.setenv("LEADBOARD_DB", str(db))
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", handle.token)
        assert cli("sync").exit_code == 0
        target = next(lead for lead in open_leads() if lead["lead_type"]["value"])
        result = cli("qualify", str(target["id"]), "--note", "Signed off", "--deal-name", "Pilot")
        assert result.exit_code == EXIT_ATTENTION, result.output
        assert "Your HubSpot portal requires more before creating a deal" in result.stderr
        assert "Amount (amount) is required to create a deal in this account." in result.stderr
        assert "the change is kept" in result.stderr


def test_qualify_a_lead_with_no_type_takes_the_type_in_the_same_command(
    sandbox: SandboxHandle, env: Path
) -> None:
    """#13 item 2: `qualify --type` (checked against the portal's types like `set-type`) writes the type
    with the stage in one PATCH; without it the refusal says to add it."""
    assert cli("sync").exit_code == 0
    lead_id = open_leads()[0]["id"]
    sandbox.portal.remote_edit("leads", lead_id, {"hs_lead_type": ""})
    assert cli("sync").exit_code == 0

    refused = cli("qualify", lead_id, "--note", "Signed off", "--no-deal")
    assert refused.exit_code == 1
    assert "add --type TYPE" in refused.stderr
    unknown = cli("qualify", lead_id, "--note", "Signed off", "--no-deal", "--type", "Partner")
    assert unknown.exit_code == 1
    assert "lead type" in unknown.stderr and "Partner" in unknown.stderr
    assert outbox_rows(env) == []

    sandbox.clear_request_log()
    done = cli("qualify", lead_id, "--note", "Signed off", "--no-deal", "--type", "upsell")
    assert done.exit_code == 0, done.output
    assert "Pushed to HubSpot." in done.stdout
    patches = [
        r for r in sandbox.request_log() if r.method == "PATCH" and r.path.endswith(f"/leads/{lead_id}")
    ]
    assert len(patches) == 1
    lead = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead_id)
    assert lead["properties"]["hs_lead_type"] == "UPSELL"
    assert lead["properties"]["hs_pipeline_stage"] == "qualified-stage-id"
