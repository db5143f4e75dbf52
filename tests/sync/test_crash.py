"""Kill a real pushing process at each named crash point of each op kind; restart; drain; check.

The worker is a real subprocess (`python -c WORKER`) pushing from the cache to the sandbox with
`LEADBOARD_CRASH_AT=<point>[:<nth>]`, which `os._exit(70)`s it there, like `kill -9`: no cleanup,
no commit. Then this process restarts the engine on the same cache and drains it, and the test
checks that the op is done, that each note/call/deal it makes exists exactly once (counted by its
marker in the portal) and that the lead holds the rep's values. One shared sandbox, reseeded per
case. A last test sends a real SIGKILL while the server is still answering.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from leadboard.cache.outbox import Op
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.base import Command
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.config import Settings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import PortalMeta
from leadboard.sync.crashpoints import DELAY_ENV, ENV, EXIT_CODE
from leadboard.sync.engine import SyncEngine
from leadboard.sync.ops import steps_for
from tests.sync.push_support import (
    TINY_PORTAL,
    created_with_marker,
    fill_cache,
    gateway_for,
    next_stage,
    open_lead_ids,
    remote_lead,
)

REPO = Path(__file__).resolve().parents[2]
GRACE = 0.2
#: after_send: the worker dies 0.2 s after sending; the server answers only after 0.8 s, and the
#: restarted pusher waits GRACE_AFTER_SEND before re-sending, so a late commit is found, not doubled.
SERVER_DELAY = 0.35
GRACE_AFTER_SEND = 1.0

WORKER = """
import sys
from leadboard.config import Settings
from leadboard.sync.engine import SyncEngine

url, email, db, token, grace = sys.argv[1:6]
engine = SyncEngine(Settings(portal=url, email=email, db=db), token, reconcile_grace=float(grace),
                    timeout=(5.0, 5.0))
report = engine.push(wait=5)
print(report)
"""


@dataclass(frozen=True)
class Case:
    kind: str
    point: str

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.point.replace(':', '#')}"


COMPOUND = {"move_stage": 2, "qualify": 3, "disqualify": 2, "recycle": 3}  # steps each makes
KINDS = ("move_stage", "log_call", "add_note", "set_lead_type", "qualify", "disqualify")
CASES = [
    Case(kind, point)
    for kind in KINDS
    for point in ("after_claim", "after_send", "after_response_before_commit")
] + [
    Case("move_stage", "between_steps"),
    Case("disqualify", "between_steps"),
    Case("qualify", "between_steps"),
    Case("qualify", "between_steps:2"),
    Case("qualify", "after_send:3"),  # the deal's POST
    Case("qualify", "after_response_before_commit:2"),  # the note's answer
    Case("move_stage", "after_response_before_commit:2"),
    # A disqualify with a follow-up date (recycling): props → note → task.
    Case("recycle", "after_claim"),
    Case("recycle", "between_steps:2"),  # the note is recorded; the task not yet sent
    Case("recycle", "after_send:3"),  # the task's POST
    Case("recycle", "after_response_before_commit:3"),  # HubSpot made the task; not yet recorded
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(TINY_PORTAL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def cache(tmp_path: Path, sandbox: SandboxHandle) -> Iterator[tuple[Path, PortalMeta]]:
    sandbox.portal.reset()
    sandbox.faults.clear()
    sandbox.clear_request_log()
    path = tmp_path / "cache.sqlite"
    gateway = gateway_for(sandbox)
    store, meta = fill_cache(path, sandbox, gateway)
    store.close()
    gateway.close()
    yield path, meta
    sandbox.faults.clear()


def command_for(kind: str, sandbox: SandboxHandle, meta: PortalMeta) -> Command:
    lead_id = open_lead_ids(sandbox)[0]
    stage = remote_lead(sandbox, lead_id)["properties"]["hs_pipeline_stage"]
    if kind == "move_stage":
        return MoveStage(lead_id=lead_id, stage_id=next_stage(stage), note="Reached the assistant")
    if kind == "log_call":
        return LogCall(lead_id=lead_id, outcome_id="busy", note="Line busy")
    if kind == "add_note":
        return AddNote(lead_id=lead_id, text="Send pricing on Monday")
    if kind == "set_lead_type":
        current = remote_lead(sandbox, lead_id)["properties"].get("hs_lead_type")
        return SetLeadType(
            lead_id=lead_id, lead_type=next(o.value for o in meta.lead_types if o.value != current)
        )
    if kind == "qualify":
        deal = Deal(name="Pilot", amount=5000, close_date=date(2026, 11, 30))
        return Qualify(lead_id=lead_id, note="Budget and timing confirmed", deal=deal)
    if kind == "recycle":
        later = date.today() + timedelta(days=60)
        return Disqualify(lead_id=lead_id, reason="Bad Timing", note="Ask again in spring", follow_up=later)
    return Disqualify(
        lead_id=lead_id, reason=meta.disqualification_reasons[0].value, note="Went with a rival"
    )


def prepare(kind: str, path: Path, sandbox: SandboxHandle, meta: PortalMeta) -> Op:
    command = command_for(kind, sandbox, meta)
    if kind == "qualify":  # qualifying needs a lead type: give the lead one in HubSpot first
        sandbox.portal.remote_edit("leads", command.lead_id, {"hs_lead_type": meta.lead_types[0].value})
        with Store.open(path) as store:
            lead = remote_lead(sandbox, command.lead_id)
            store.upsert_leads([lead])
    with Store.open(path) as store:
        return store.outbox.enqueue(command)


def run_worker(
    path: Path, sandbox: SandboxHandle, crash_at: str | None, grace: float = GRACE
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV, DELAY_ENV)}
    env["PYTHONPATH"] = str(REPO)
    if crash_at:
        env[ENV] = crash_at
        env[DELAY_ENV] = "0.1"
    args = [
        sys.executable,
        "-c",
        WORKER,
        sandbox.base_url,
        sandbox.rep_email,
        str(path),
        sandbox.token,
        str(grace),
    ]
    return subprocess.Popen(
        args, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def drain(path: Path, sandbox: SandboxHandle, grace: float) -> None:
    settings = Settings(portal=sandbox.base_url, email=sandbox.rep_email, db=path)
    engine = SyncEngine(settings, sandbox.token, reconcile_grace=grace, timeout=(5.0, 5.0))
    try:
        engine.push(wait=10)
    finally:
        engine.close()


def assert_applied_once(op: Op, path: Path, sandbox: SandboxHandle, meta: PortalMeta) -> None:
    """The op is done, every object it creates exists exactly once, the lead has the rep's values."""
    with Store.open(path) as store:
        done = store.outbox.get(op.op_id)
        assert done.state == "done", (done.state, done.last_error)
        assert store.outbox.ops(states=["in_flight", "unknown", "pending"]) == []
    creates: list[str] = [s for s in steps_for(op) if s != "props"]
    for kind in creates:
        found = created_with_marker(sandbox, kind, op.op_id)
        assert len(found) == 1, f"{len(found)} {kind}s carry the marker of {op.kind} {op.op_id}"
        assert done.remote_ids[kind] == found[0]["id"]
    for other in {"note", "call", "deal", "task"} - set(creates):
        assert created_with_marker(sandbox, other, op.op_id) == []
    lead = remote_lead(sandbox, op.lead_id)["properties"]
    for name, value in op.changes.items():
        assert lead.get(name) == value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_crash_at_each_point_loses_nothing_and_duplicates_nothing(
    case: Case, cache: tuple[Path, PortalMeta], sandbox: SandboxHandle
) -> None:
    path, meta = cache
    op = prepare(case.kind, path, sandbox, meta)
    grace = GRACE
    if case.point.startswith("after_send"):
        nth = int(case.point.partition(":")[2] or 1)
        write = steps_for(op)[nth - 1]
        props = write == "props"
        method, where = ("PATCH", r"/crm/objects/2026-09/leads/") if props else ("POST", rf"/{write}s$")
        sandbox.faults.inject("delay", method=method, path=where, seconds=SERVER_DELAY)
        grace = GRACE_AFTER_SEND

    worker = run_worker(path, sandbox, case.point, grace)
    out, err = worker.communicate(timeout=60)

    assert worker.returncode == EXIT_CODE, (out, err)
    with Store.open(path) as store:
        crashed = store.outbox.get(op.op_id)
    assert crashed.state == "in_flight"  # exactly what a crash leaves behind
    if case.point.startswith("between_steps"):
        assert crashed.step == int(case.point.partition(":")[2] or 1)

    drain(path, sandbox, grace)

    assert_applied_once(op, path, sandbox, meta)


def test_the_worker_without_a_crash_point_pushes_normally(
    cache: tuple[Path, PortalMeta], sandbox: SandboxHandle
) -> None:
    path, meta = cache
    op = prepare("qualify", path, sandbox, meta)
    worker = run_worker(path, sandbox, None)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "done=1" in out
    assert_applied_once(op, path, sandbox, meta)


def test_kill_9_while_hubspot_is_still_answering(
    cache: tuple[Path, PortalMeta], sandbox: SandboxHandle
) -> None:
    path, meta = cache
    op = prepare("log_call", path, sandbox, meta)
    sandbox.faults.inject("delay", method="POST", path=r"/calls$", seconds=SERVER_DELAY)
    worker = run_worker(path, sandbox, None, GRACE_AFTER_SEND)
    with Store.open(path) as store:  # wait (polling the cache) until the op is on its way
        while store.outbox.get(op.op_id).state == "pending" and worker.poll() is None:
            time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    drain(path, sandbox, GRACE_AFTER_SEND)

    assert_applied_once(op, path, sandbox, meta)
