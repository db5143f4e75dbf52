"""A Hypothesis state machine: the rep's commands, HubSpot-side edits, faults, crashes, pulls and
pushes, interleaved at random against the sandbox, with the sync's promises checked at the end.

After every example the faults are switched off and the queue drained; then:

- no op is lost (each one the rep made is still there, with their text) or stuck in flight, and
  an op still pending waits only behind an earlier op of its lead that needs the rep;
- every note, call and deal an op makes exists exactly once in HubSpot (at most once for ops that
  stopped early), found by its marker;
- no value another HubSpot user wrote was overwritten unless the rep had seen it (each of our PATCHes
  replaced a value that some op of that lead was based on, or our own earlier write);
- after a pull, the read model is HubSpot's values with the rep's open ops laid over them.

"Crash" here leaves an op in_flight and runs `recover_after_crash` (the real process kills are in
test_crash.py). One sandbox for the module; each example reseeds it and starts a new cache.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from leadboard.cache.outbox import ATTENTION_STATES, OPEN_STATES
from leadboard.cache.store import Store
from leadboard.commands.add_note import AddNote
from leadboard.commands.base import COMMAND_ADAPTER, Command
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import CommandRefused, PortalMeta
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.ops import steps_for
from leadboard.sync.pull import pull_leads, pull_metadata, reconcile_membership
from leadboard.sync.push import push_ready
from tests.sync.push_support import TINY_PORTAL, created_with_marker, gateway_for, open_lead_ids

GRACE = 0.05
LEADS = 4  # a few leads, so commands, edits and faults meet on the same ones
WATCHED = ("hs_pipeline_stage", "hs_lead_type", "hs_lead_disqualification_reason")
FAULTS = [
    ("drop_after_commit", "POST", r"/crm/objects/2026-09/(notes|calls|deals)$"),
    ("drop_after_commit", "PATCH", r"/crm/objects/2026-09/leads/"),
    ("drop_before", "POST", r"/crm/objects/2026-09/(notes|calls|deals)$"),
    ("drop_before", "PATCH", r"/crm/objects/2026-09/leads/"),
    ("status", None, r"/crm/objects/2026-09/"),  # a 503 on whatever comes next
]

SANDBOX: SandboxHandle | None = None


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    global SANDBOX
    with running_sandbox(TINY_PORTAL, rate_limits=False) as handle:
        SANDBOX = handle
        yield handle
        SANDBOX = None


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        assert SANDBOX is not None
        self.sandbox = SANDBOX
        self.sandbox.portal.reset()
        self.sandbox.faults.clear()
        self.sandbox.clear_request_log()
        self.folder = Path(tempfile.mkdtemp(prefix="lb-stateful-"))
        self.gateway: HubSpotGateway = gateway_for(self.sandbox)
        self.store = Store.open(self.folder / "cache.sqlite")
        self.meta: PortalMeta = pull_metadata(self.store, self.gateway, self.sandbox.rep_email)
        pull_leads(self.store, self.gateway, self.meta, full=True)
        self.leads = open_lead_ids(self.sandbox)[:LEADS]
        self.other_owner = next(
            o["id"] for o in self.sandbox.portal.list_owners()["results"] if o["id"] != self.meta.owner_id
        )
        self.made: dict[str, str] = {}  # op id → the command as the rep queued it (JSON)
        # Writes by other HubSpot users: (position among requests, lead, property, value).
        self.their_writes: list[tuple[float, str, str, str]] = []
        self.initial = {lead: self._remote(lead)["properties"] for lead in self.leads}

    def _remote(self, lead_id: str) -> dict[str, Any]:
        found = [o for o in self.sandbox.portal.objects("leads", include_archived=True) if o["id"] == lead_id]
        return found[0]

    def _enqueue(self, command: Command) -> None:
        try:
            op = self.store.outbox.enqueue(command)
        except CommandRefused:
            return
        self.made[op.op_id] = COMMAND_ADAPTER.dump_json(op.command).decode()

    def _gone(self, lead_id: str) -> bool:
        return bool(self._remote(lead_id).get("archived"))

    def _their_edit(self, lead_id: str, properties: dict[str, str]) -> None:
        if self._gone(lead_id):
            return
        where = len(self.sandbox.request_log())  # between request where-1 and request where
        self.sandbox.portal.remote_edit("leads", lead_id, properties)
        for name, value in properties.items():
            self.their_writes.append((where, lead_id, name, value))

    # --- the rep ------------------------------------------------------------------------------------

    @rule(lead=st.integers(0, LEADS - 1), stage=st.sampled_from(["new", "attempting", "connected"]))
    def move_stage(self, lead: int, stage: str) -> None:
        self._enqueue(MoveStage(lead_id=self.leads[lead], stage_id=f"{stage}-stage-id", note="moved"))

    @rule(lead=st.integers(0, LEADS - 1), outcome=st.sampled_from(["Connected", "Busy", "No answer"]))
    def log_call(self, lead: int, outcome: str) -> None:
        self._enqueue(LogCall(lead_id=self.leads[lead], outcome_id=outcome, note="called"))

    @rule(lead=st.integers(0, LEADS - 1))
    def add_note(self, lead: int) -> None:
        self._enqueue(AddNote(lead_id=self.leads[lead], text="a note"))

    @rule(lead=st.integers(0, LEADS - 1), which=st.integers(0, 2))
    def set_lead_type(self, lead: int, which: int) -> None:
        self._enqueue(SetLeadType(lead_id=self.leads[lead], lead_type=self.meta.lead_types[which].value))

    @rule(lead=st.integers(0, LEADS - 1), with_deal=st.booleans())
    def qualify(self, lead: int, with_deal: bool) -> None:
        deal = Deal(name="Deal", amount=100, close_date=date(2026, 12, 1)) if with_deal else None
        self._enqueue(Qualify(lead_id=self.leads[lead], note="qualified", deal=deal))

    @rule(lead=st.integers(0, LEADS - 1), which=st.integers(0, 2))
    def disqualify(self, lead: int, which: int) -> None:
        reason = self.meta.disqualification_reasons[which].value
        self._enqueue(Disqualify(lead_id=self.leads[lead], reason=reason, note="not now"))

    @rule(keep_mine=st.booleans())
    def resolve_a_conflict(self, keep_mine: bool) -> None:
        conflicts = self.store.outbox.ops(states=["conflict"])
        if conflicts:
            resolve = self.store.outbox.keep_mine if keep_mine else self.store.outbox.take_theirs
            resolve(conflicts[0].op_id)
            # Taking theirs keeps the rep's text as a new note on the lead: that note is the rep's too.
            for op in self.store.outbox.ops():
                if op.op_id not in self.made:
                    assert not keep_mine and op.lead_id == conflicts[0].lead_id, (op.kind, keep_mine)
                    self.made[op.op_id] = COMMAND_ADAPTER.dump_json(op.command).decode()

    # --- HubSpot's side -----------------------------------------------------------------------------

    @rule(lead=st.integers(0, LEADS - 1), stage=st.sampled_from(["new", "attempting", "connected"]))
    def their_stage_edit(self, lead: int, stage: str) -> None:
        self._their_edit(self.leads[lead], {"hs_pipeline_stage": f"{stage}-stage-id"})

    @rule(lead=st.integers(0, LEADS - 1), which=st.integers(0, 2))
    def their_type_edit(self, lead: int, which: int) -> None:
        self._their_edit(self.leads[lead], {"hs_lead_type": self.meta.lead_types[which].value})

    @rule(lead=st.integers(0, LEADS - 1))
    def reassign(self, lead: int) -> None:
        if not self._gone(self.leads[lead]):
            self.sandbox.portal.reassign_lead(self.leads[lead], self.other_owner)

    @rule(lead=st.integers(0, LEADS - 1))
    def archive(self, lead: int) -> None:
        if not self._gone(self.leads[lead]):
            self.sandbox.portal.archive_object("leads", self.leads[lead])

    @rule(fault=st.sampled_from(FAULTS))
    def fault_on_the_next_request(self, fault: tuple[str, str | None, str]) -> None:
        kind, method, path = fault
        self.sandbox.faults.inject(kind, method=method, path=path, status=503)  # type: ignore[arg-type]

    # --- the sync -----------------------------------------------------------------------------------

    @rule()
    def crash(self) -> None:
        """The process dies with an op claimed; the next start finds it in flight."""
        self.store.outbox.claim_next()
        self.store.outbox.recover_after_crash()

    @rule(reconcile=st.booleans())
    def pull(self, reconcile: bool) -> None:
        try:
            pull_leads(self.store, self.gateway, self.meta)
            if reconcile:
                reconcile_membership(self.store, self.gateway, self.meta)
        except Exception as exc:  # faults meant for the push can hit a pull: it must fail cleanly
            assert type(exc).__module__ == "leadboard.sync.errors", exc

    @rule()
    def push(self) -> None:
        push_ready(self.store, self.gateway, self.meta, reconcile_grace=GRACE)

    # --- the promises -------------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self._drain_and_check()
        finally:
            self.store.close()
            self.gateway.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _drain_and_check(self) -> None:
        self.sandbox.faults.clear()
        for _ in range(5):
            # Time passes: backoffs run out (the reconcile grace still counts from first_ambiguous_at).
            self.store.db.conn.execute(
                "UPDATE outbox SET next_attempt_at = NULL WHERE state IN ('pending', 'unknown')"
            )
            push_ready(self.store, self.gateway, self.meta, reconcile_grace=GRACE, wait=3)
            if not self.store.outbox.ops(states=["pending", "unknown", "in_flight"]):
                break
        self._check_nothing_lost_or_stuck()
        self._check_exactly_once()
        self._check_nothing_overwritten_unseen()
        pull_leads(self.store, self.gateway, self.meta, full=True)
        reconcile_membership(self.store, self.gateway, self.meta)
        self._check_read_model()

    def _check_nothing_lost_or_stuck(self) -> None:
        ops = {op.op_id: op for op in self.store.outbox.ops()}
        assert set(ops) == set(self.made), "an op the rep made is missing"
        for op_id, made in self.made.items():
            op = ops[op_id]
            assert op.state not in ("in_flight", "unknown"), (op.kind, op.state, op.last_error)
            if op.state == "pending":  # only behind an earlier op of its lead that waits for the rep
                earlier = [o for o in ops.values() if o.lead_id == op.lead_id and o.seq < op.seq]
                assert any(o.state in ATTENTION_STATES for o in earlier), (op.kind, "pending", op.last_error)
            assert COMMAND_ADAPTER.dump_json(op.command).decode() == made  # the rep's text is intact

    def _check_exactly_once(self) -> None:
        for op in self.store.outbox.ops():
            for step in {"note", "call", "deal"}:
                found = created_with_marker(self.sandbox, step, op.op_id)
                makes = step in steps_for(op)
                if op.state == "done" and makes:
                    assert len(found) == 1, (op.kind, step, len(found))
                    assert op.remote_ids[step] == found[0]["id"]
                else:
                    assert len(found) <= (1 if makes else 0), (op.kind, op.state, step, len(found))

    def _check_nothing_overwritten_unseen(self) -> None:
        """Each PATCH of ours replaced a value the rep had seen (an op's base) or wrote themselves."""
        seen: dict[tuple[str, str], set[str | None]] = {}
        for op in self.store.outbox.ops():
            for name, value in op.base.items():
                seen.setdefault((op.lead_id, name), set()).add(value)
        timeline: list[tuple[float, str, str, str | None, bool]] = [
            (where, lead, name, value, False) for where, lead, name, value in self.their_writes
        ]
        for index, record in enumerate(self.sandbox.request_log()):
            if record.method != "PATCH" or record.status != 200:
                continue
            lead = record.path.rsplit("/", 1)[-1]
            for name, value in json.loads(record.request_body)["properties"].items():
                timeline.append((index + 0.5, lead, name, value or None, True))
        current = {(lead, n): self.initial[lead].get(n) or None for lead in self.leads for n in WATCHED}
        for _, lead, name, value, ours in sorted(timeline, key=lambda t: t[0]):
            key = (lead, name)
            if ours and name in WATCHED and current.get(key) != value:
                assert current.get(key) in seen.get(key, set()), (
                    f"{name} of lead {lead}: {current.get(key)!r} overwritten with {value!r} unseen"
                )
            current[key] = value

    def _check_read_model(self) -> None:
        for lead in self.leads:
            remote = self._remote(lead)
            row = self.store.lead_state(lead)
            assert row is not None
            live_and_mine = not remote.get("archived") and (
                remote["properties"].get("hubspot_owner_id") == self.meta.owner_id
            )
            on_board = not row.archived and row.owner_id == self.meta.owner_id
            assert on_board == live_and_mine, (lead, row.archived, row.owner_id)
            if not on_board:
                continue  # off the board (archived or someone else's); the cache keeps what it last saw
            assert row.remote_stage_id == (remote["properties"].get("hs_pipeline_stage") or None)
            assert row.remote_lead_type == (remote["properties"].get("hs_lead_type") or None)
            open_ops = self.store.outbox.ops(lead_id=lead, states=OPEN_STATES)
            stages = [op.changes["hs_pipeline_stage"] for op in open_ops if "hs_pipeline_stage" in op.changes]
            types = [op.changes["hs_lead_type"] for op in open_ops if "hs_lead_type" in op.changes]
            assert row.stage_id == (stages[-1] if stages else row.remote_stage_id)
            assert row.lead_type == (types[-1] if types else row.remote_lead_type)


def test_sync_keeps_its_promises_under_random_interleavings(sandbox: SandboxHandle) -> None:
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
