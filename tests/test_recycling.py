"""Recycling end to end (issue 5): a rep disqualifies for bad timing with a follow-up date, and HubSpot
holds one task to re-attempt the contact that day; a crash between the steps changes nothing; a later
lead for the same contact shows what happened before, the follow-up task included.

The real CLI (in this process, and as the installed script in a child process that a crash point
kills), a real SQLite cache, the sandbox portal over HTTP.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from leadboard.cache.read_model import to_datetime
from leadboard.cache.store import Store
from leadboard.cli.main import main
from leadboard.config import Settings
from leadboard.op_markers import OP_ID_PROPERTY
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sync.crashpoints import ENV, EXIT_CODE
from leadboard.sync.engine import SyncEngine

SMALL = PortalSettings(seed=11, rep_leads=8, owners=2, other_leads=6, search_lag=0.0)
NOTE = "Budget frozen until the spring review"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(SMALL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def env(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh portal and cache, named through the environment as a script would; the cache path."""
    sandbox.portal.reset()
    sandbox.faults.clear()
    db = tmp_path / "cache.sqlite"
    monkeypatch.setenv("LEADBOARD_PORTAL", sandbox.base_url)
    monkeypatch.setenv("LEADBOARD_EMAIL", sandbox.rep_email)
    monkeypatch.setenv("LEADBOARD_DB", str(db))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", sandbox.token)
    monkeypatch.setenv("LEADBOARD_RECONCILE_GRACE", "0")
    monkeypatch.delenv(ENV, raising=False)
    return db


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def synced_open_lead(db: Path) -> tuple[str, str, str]:
    """Sync, then pick an open lead with a contact: (lead id, contact id, contact name)."""
    synced = cli("sync")
    assert synced.exit_code == 0, synced.output
    with Store.open(db) as store:
        for lead in store.board(view="open"):
            contact = store.lead_contact_id(lead.id)
            if contact and lead.contact_name:
                return lead.id, contact, lead.contact_name
    raise AssertionError("the portal has no open lead with a named contact")


def contact_tasks(sandbox: SandboxHandle, contact_id: str) -> list[dict[str, Any]]:
    """The tasks HubSpot associates with the contact, as full objects."""
    linked = {
        str(a["toObjectId"])
        for a in sandbox.portal.association_page("contacts", contact_id, "tasks")["results"]
    }
    return [t for t in sandbox.portal.objects("tasks") if t["id"] in linked]


def linked_ids(sandbox: SandboxHandle, from_type: str, from_id: str, to_type: str) -> set[str]:
    return {
        str(a["toObjectId"]) for a in sandbox.portal.association_page(from_type, from_id, to_type)["results"]
    }


def disqualify_args(lead_id: str, day: date) -> list[str]:
    return ["disqualify", lead_id, "--reason", "bad timing", "--note", NOTE, "--follow-up", day.isoformat()]


def assert_one_task_due(sandbox: SandboxHandle, lead_id: str, contact_id: str, name: str, day: date) -> None:
    (task,) = contact_tasks(sandbox, contact_id)
    p = task["properties"]
    due = datetime.fromisoformat(p["hs_timestamp"].replace("Z", "+00:00"))
    zone = ZoneInfo(sandbox.portal.account_details()["timeZone"])
    assert due == datetime.combine(day, time(9), tzinfo=zone)  # 09:00 on that day, the portal's time
    assert p["hs_task_subject"] == f"Re-attempt {name} (disqualified: Bad Timing)"
    assert NOTE in p["hs_task_body"]
    assert p["hubspot_owner_id"] == sandbox.portal.rep_owner_id
    assert task["id"] in linked_ids(sandbox, "leads", lead_id, "tasks")


def test_bad_timing_with_a_follow_up_leaves_one_task_on_the_contact_due_that_day(
    sandbox: SandboxHandle, env: Path
) -> None:
    lead_id, contact_id, name = synced_open_lead(env)
    assert contact_tasks(sandbox, contact_id) == []
    day = date.today() + timedelta(days=92)

    done = cli(*disqualify_args(lead_id, day))

    assert done.exit_code == 0, done.output
    assert "Pushed to HubSpot." in done.stdout
    assert_one_task_due(sandbox, lead_id, contact_id, name, day)
    lead = next(o for o in sandbox.portal.objects("leads") if o["id"] == lead_id)["properties"]
    assert (lead["hs_pipeline_stage"], lead["hs_lead_disqualification_reason"]) == (
        "unqualified-stage-id",
        "BAD_TIMING",
    )
    again = cli("sync")  # nothing left to send: still one task
    assert again.exit_code == 0, again.output
    assert len(contact_tasks(sandbox, contact_id)) == 1


@pytest.mark.parametrize(
    "point",
    ["between_steps:2", "after_response_before_commit:3"],
    ids=["after-the-note-before-the-task", "task-made-but-not-recorded"],
)
def test_a_crash_between_the_steps_still_leaves_exactly_one_task(
    point: str, sandbox: SandboxHandle, env: Path
) -> None:
    lead_id, contact_id, name = synced_open_lead(env)
    day = date.today() + timedelta(days=31)
    script = shutil.which("leadboard", path=str(Path(sys.executable).parent))
    assert script is not None, "the leadboard console script is not installed in the venv"

    crashed = subprocess.run(
        [script, *disqualify_args(lead_id, day)],
        env={**os.environ, ENV: point},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == EXIT_CODE, (crashed.stdout, crashed.stderr)

    recovered = cli("sync")

    assert recovered.exit_code == 0, recovered.output
    assert_one_task_due(sandbox, lead_id, contact_id, name, day)
    with Store.open(env) as store:
        (op,) = store.outbox.ops(lead_id=lead_id)
    assert op.state == "done" and set(op.remote_ids) == {"note", "task"}
    notes = [n for n in sandbox.portal.objects("notes") if n["properties"].get(OP_ID_PROPERTY) == op.op_id]
    assert len(notes) == 1


def test_a_later_lead_for_the_contact_shows_the_recycled_lead_why_and_its_follow_up_task(
    sandbox: SandboxHandle, env: Path
) -> None:
    lead_id, contact_id, name = synced_open_lead(env)
    day = date.today() + timedelta(days=61)
    assert cli(*disqualify_args(lead_id, day)).exit_code == 0
    # Months later the contact comes back: HubSpot gets a new lead for them, assigned to the rep.
    returning = sandbox.portal.create_object(
        "leads",
        {
            "properties": {
                "hs_lead_name": "Returning – spring review",
                "hubspot_owner_id": sandbox.portal.rep_owner_id,
                "hs_pipeline_stage": "new-stage-id",
            },
            "associations": [
                {
                    "to": {"id": contact_id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}],
                }
            ],
        },
    )
    assert cli("sync").exit_code == 0

    # What the lead screen does when the rep opens the new lead: fetch its timeline, read the detail.
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=env)
    engine = SyncEngine(settings, sandbox.token)
    try:
        engine.pull_timeline(returning["id"])
        detail = engine.store().lead_detail(returning["id"])
    finally:
        engine.close()
    assert detail is not None and detail.lead.stage_id == "new-stage-id"
    (earlier,) = [o for o in detail.other_leads if o.id == lead_id]
    assert earlier.closed and earlier.stage_id == "unqualified-stage-id"
    bodies = [a.body_text for a in detail.timeline if a.kind == "note"]
    assert any(b.startswith("Disqualified: Bad Timing.") and NOTE in b for b in bodies), bodies
    # The follow-up task the disqualify left on the contact is on the new lead's timeline, due that day.
    (task,) = [a for a in detail.timeline if a.kind == "task"]
    assert (task.title, task.status) == (f"Re-attempt {name} (disqualified: Bad Timing)", "NOT_STARTED")
    zone = ZoneInfo(sandbox.portal.account_details()["timeZone"])
    assert to_datetime(task.timestamp) == datetime.combine(day, time(9), tzinfo=zone)
    assert task.body_text.startswith("Disqualified: Bad Timing. Re-attempt the contact.")
    assert NOTE in task.body_text and "lb:" not in task.body_text
    assert detail.timeline[0] == task  # the newest entry: a follow-up still to come
    assert detail.lead.first_touch is None  # a task is not a touch: the new lead's SLA still runs
