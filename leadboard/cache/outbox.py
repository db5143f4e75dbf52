"""The outbox: every change the rep makes, kept until HubSpot has it, pushed once and in order per lead.

States (see research/sync-reliability.md, recommendation A)::

    pending ──claim──▶ in_flight ──▶ done
       ▲                  │  ├──▶ failed     (rep: retry, edit and retry, or discard)
       │                  │  ├──▶ conflict   (rep: keep mine → pending, take theirs → cancelled)
       │                  │  ├──▶ blocked    (rep: retry → pending, or discard)
       └── defer ─────────┘  └──▶ unknown    (outcome not known: reconcile before any retry)
    crash: in_flight ──recover_after_crash()──▶ unknown

Nothing the rep typed is deleted: done and cancelled ops stay in the table. For the sync engine:
`claim_next` → HTTP → one of `finish_done` / `finish_failed` / `finish_conflict` / `finish_blocked` /
`defer`, with `record_step` between the steps of a compound op (qualify, disqualify). Every call is
its own committed transaction (or joins `store.transaction()` when one is open).

`base` holds, for each property the op writes, the value the rep saw when they made the change (the
remote value with their earlier open ops applied): the push compares HubSpot's value with it.

Every op is also written to the journal beside the cache (journal.py) once its transaction commits,
so a cache that breaks loses none of them: `restore` queues them again, op ids kept.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from leadboard.cache.journal import Journal, WaitingChange, journal_path
from leadboard.cache.lead_columns import refresh_lead_columns, touch_at
from leadboard.cache.outbox_rows import Attempt as Attempt  # re-exported: the outbox's rows
from leadboard.cache.outbox_rows import Op as Op
from leadboard.cache.read_model import BoardLead, lead_state
from leadboard.cache.remote_tables import now_ms
from leadboard.commands.add_note import AddNote
from leadboard.commands.base import COMMAND_ADAPTER, Command, check_command, property_changes
from leadboard.domain import OPEN_STATES as OPEN_STATES  # re-exported: the op states are the outbox's words
from leadboard.domain import OpState as OpState
from leadboard.logs import redact
from leadboard.state import PROP_STAGE, PROP_TYPE, CommandRefused
from leadboard.text import clean_untrusted

if TYPE_CHECKING:
    from leadboard.cache.database import CacheDatabase

#: States the push may claim.
READY_STATES: tuple[OpState, ...] = ("pending", "unknown")
#: States that need the rep.
ATTENTION_STATES: tuple[OpState, ...] = ("failed", "conflict", "blocked")
MAX_ERROR_CHARS = 2_000

_OPEN_SQL = ", ".join(f"'{s}'" for s in OPEN_STATES)
#: Columns whose change is copied to the journal: what a recovered op needs to be pushed again.
_JOURNALED = frozenset({"payload_json", "changes_json", "base_json", "step", "remote_ids_json"})
_ENDED_STATES = frozenset({"done", "cancelled"})


def safe_error(text: str | None) -> str | None:
    """Error text as stored: tokens masked, control sequences stripped, length capped."""
    if text is None:
        return None
    return clean_untrusted(redact(str(text)))[:MAX_ERROR_CHARS]


class OpNotFound(LookupError):
    pass


class Outbox:
    """The outbox of one cache connection (use `store.outbox`)."""

    def __init__(self, store: CacheDatabase) -> None:
        self.store = store
        self.journal = Journal(journal_path(store.path))

    def start_journal(self) -> None:
        """Once the tables exist: a new cache, or one from before the journal, gets one with what waits."""
        if not self.journal.exists():
            self.journal.record(_waiting(op) for op in self.ops(states=OPEN_STATES))
            self.journal.create()

    # --- reading ------------------------------------------------------------------------------------

    def get(self, op_id: str) -> Op:
        row = self.store.db.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE op_id = ?", [op_id]).fetchone()
        if row is None:
            raise OpNotFound(f"No change {op_id} in the outbox.")
        return _op(row)

    def ops(self, *, lead_id: str | None = None, states: Iterable[OpState] | None = None) -> list[Op]:
        """Ops in push order, optionally for one lead and/or in some states."""
        where, args = [], []
        if lead_id is not None:
            where.append("lead_id = ?")
            args.append(lead_id)
        if states is not None:
            wanted = list(states)
            where.append(f"state IN ({', '.join('?' * len(wanted))})")
            args.extend(wanted)
        sql = f"SELECT {_COLUMNS} FROM outbox {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY seq"
        return [_op(r) for r in self.store.db.conn.execute(sql, args)]

    def attempts(self, op_id: str) -> list[Attempt]:
        rows = self.store.db.conn.execute(
            "SELECT op_id, n, started_at, ended_at, outcome, http_status, correlation_id, error "
            "FROM op_attempts WHERE op_id = ? ORDER BY n",
            [op_id],
        )
        return [Attempt(*r) for r in rows]

    # --- the rep's side -----------------------------------------------------------------------------

    def enqueue(self, command: Command, *, now: int | None = None) -> Op:
        """Check `command` against the lead as the rep sees it and queue it, in one transaction.

        Raises `CommandRefused` (nothing queued) when the lead is unknown or the process forbids it.
        """

        stamp = now if now is not None else now_ms()
        with self.store.transaction() as conn:
            lead = lead_state(self.store.db.conn, command.lead_id)
            if lead is None:
                raise CommandRefused(
                    f"There is no lead {command.lead_id} in the cache: check the id, or sync first."
                )
            meta = self.store.portal_meta()
            checked = check_command(command, lead, meta)
            changes = property_changes(checked, meta)
            base = self._seen_values(command.lead_id, changes, lead.stage_id, lead.lead_type)
            seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM outbox").fetchone()[0]
            op_id = uuid.uuid4().hex
            conn.execute(
                "INSERT INTO outbox (op_id, seq, lead_id, kind, payload_json, changes_json, base_json, "
                "new_stage_id, new_lead_type, state, created_at, updated_at, touch_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                [
                    op_id,
                    seq,
                    checked.lead_id,
                    checked.kind,
                    COMMAND_ADAPTER.dump_json(checked).decode(),
                    json.dumps(changes),
                    json.dumps(base),
                    changes.get(PROP_STAGE),
                    changes.get(PROP_TYPE),
                    stamp,
                    stamp,
                    _touch_at(checked, stamp),
                ],
            )
            refresh_lead_columns(conn, "id = ?", [checked.lead_id])  # the rep's call counts at once
            op = self.get(op_id)
            self.store.after_commit(lambda: self.journal.record([_waiting(op)]))
        return op

    def restore(self, changes: Iterable[WaitingChange], *, now: int | None = None) -> list[Op]:
        """Queue changes from a journal (`leadboard recover`) with their own op ids; those already in
        this cache are left alone. Each is `unknown`: it may have reached HubSpot before the old cache
        broke, so the push looks for it by its op id before sending anything."""
        stamp = now if now is not None else now_ms()
        restored: list[str] = []
        with self.store.transaction() as conn:
            for change in changes:
                if conn.execute("SELECT 1 FROM outbox WHERE op_id = ?", [change.op_id]).fetchone():
                    continue
                command = COMMAND_ADAPTER.validate_json(change.payload_json)
                seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM outbox").fetchone()[0]
                conn.execute(
                    "INSERT INTO outbox (op_id, seq, lead_id, kind, payload_json, changes_json, base_json, "
                    "new_stage_id, new_lead_type, state, step, remote_ids_json, first_ambiguous_at, "
                    "created_at, updated_at, touch_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'unknown', ?, ?, ?, ?, ?, ?)",
                    [
                        change.op_id,
                        seq,
                        command.lead_id,
                        command.kind,
                        COMMAND_ADAPTER.dump_json(command).decode(),
                        json.dumps(change.changes),
                        json.dumps(change.base),
                        change.changes.get(PROP_STAGE),
                        change.changes.get(PROP_TYPE),
                        change.step,
                        json.dumps(change.remote_ids),
                        min(change.created_at, stamp),
                        change.created_at,
                        stamp,
                        _touch_at(command, change.created_at),
                    ],
                )
                refresh_lead_columns(conn, "id = ?", [command.lead_id])
                restored.append(change.op_id)
        ops = [self.get(op_id) for op_id in restored]
        self.journal.record(_waiting(op) for op in ops)  # when they came from another file
        return ops

    def _seen_values(
        self, lead_id: str, changes: Mapping[str, str], stage_id: str | None, lead_type: str | None
    ) -> dict[str, str | None]:
        """What the rep saw for each property `changes` writes: stage and type overlaid, the rest remote."""
        if not changes:
            return {}
        row = self.store.db.conn.execute("SELECT props_json FROM leads WHERE id = ?", [lead_id]).fetchone()
        remote: dict[str, Any] = json.loads(row[0]) if row else {}
        seen: dict[str, str | None] = {}
        for prop in changes:
            value = stage_id if prop == PROP_STAGE else lead_type if prop == PROP_TYPE else remote.get(prop)
            seen[prop] = None if value in (None, "") else str(value)
        return seen

    def lead_for_edit(self, op_id: str) -> BoardLead | None:
        """The lead an edited op is checked against: as if the op were not there, and, once its
        property step reached HubSpot, with the stage and type the rep saw back in place of the ones
        it wrote (a qualify refused at its deal step is still a qualify of an open lead)."""
        op = self.get(op_id)
        lead = lead_state(self.store.db.conn, op.lead_id, excluding_op=op_id)
        if lead is None or "props" not in op.command.push_steps()[: op.step]:
            return lead
        seen = {prop: op.base.get(prop) for prop in (PROP_STAGE, PROP_TYPE) if prop in op.base}
        return replace(
            lead,
            stage_id=seen.get(PROP_STAGE, lead.stage_id),
            lead_type=seen.get(PROP_TYPE, lead.lead_type),
        )

    def _check_sent_parts(self, op: Op, checked: Command, changes: Mapping[str, str]) -> None:
        """Refuse an edit of a part HubSpot already has: it would never be sent, yet look saved."""
        sent = op.command.push_steps()[: op.step]
        if "props" in sent and dict(changes) != dict(op.changes):
            raise CommandRefused(
                "HubSpot already has this change's stage and properties; "
                "only what is still to send can change."
            )
        if any(step != "props" for step in sent) and checked.typed != op.command.typed:
            raise CommandRefused(
                "HubSpot already has the text of this change; only what is still to send can change."
            )

    def retry(self, op_id: str, command: Command | None = None) -> Op:
        """Send a failed or blocked op again, optionally with an edited command (checked again).

        A conflict is sent again only edited ("edit and retry"): the edit is made knowing what
        HubSpot has now, which becomes the new base, as with `keep_mine`."""
        op = self.get(op_id)
        editable: tuple[OpState, ...] = (
            ("failed", "blocked", "conflict") if command else ("failed", "blocked")
        )
        if op.state not in editable:
            raise CommandRefused(f"Only a failed or blocked change can be retried; this one is {op.state}.")
        updates: dict[str, Any] = {"state": "pending", "next_attempt_at": None, "last_error": None}
        if op.state == "conflict":
            updates["base_json"] = json.dumps(self._base_with_theirs(op))
        if command is not None:
            if command.kind != op.kind or command.lead_id != op.lead_id:
                raise CommandRefused("An edited change must stay the same kind of change, for the same lead.")

            lead = self.lead_for_edit(op_id)
            if lead is None:
                raise CommandRefused(f"There is no lead {op.lead_id} in the cache any more.")
            meta = self.store.portal_meta()
            checked = check_command(command, lead, meta)
            changes = property_changes(checked, meta)
            self._check_sent_parts(op, checked, changes)
            updates |= {
                "touch_at": _touch_at(checked, op.created_at),
                "payload_json": COMMAND_ADAPTER.dump_json(checked).decode(),
                "changes_json": json.dumps(changes),
                "new_stage_id": changes.get(PROP_STAGE),
                "new_lead_type": changes.get(PROP_TYPE),
            }
        return self._update(op_id, updates, expect=editable)

    def keep_mine(self, op_id: str) -> Op:
        """Resolve a conflict by pushing the rep's values over HubSpot's: the new base is theirs."""
        op = self.get(op_id)
        if op.state != "conflict" or op.conflict is None:
            raise CommandRefused(f"This change is {op.state}, not in conflict.")
        base = self._base_with_theirs(op)
        return self._update(
            op_id,
            {"state": "pending", "base_json": json.dumps(base), "next_attempt_at": None, "last_error": None},
            expect=("conflict",),
        )

    @staticmethod
    def _base_with_theirs(op: Op) -> dict[str, str | None]:
        """A conflicted op's base once the rep has seen HubSpot's values: theirs in place of the old."""
        return dict(op.base) | {prop: sides.get("theirs") for prop, sides in (op.conflict or {}).items()}

    def take_theirs(self, op_id: str, *, now: int | None = None) -> Op:
        """Resolve a conflict by keeping HubSpot's values: the op is cancelled (and kept in the table).

        What the rep wrote with it (a move's note, a disqualification's note) is not dropped: in the
        same transaction it is queued as a note on the lead, unless HubSpot already has that text."""
        with self.store.transaction():
            op = self._update(op_id, {"state": "cancelled"}, expect=("conflict",))
            text_sent = any(step != "props" for step in op.command.push_steps()[: op.step])
            if clean_untrusted(op.command.typed).strip() and not text_sent:
                self.enqueue(AddNote(lead_id=op.lead_id, text=op.command.typed), now=now)
        return op

    def discard(self, op_id: str) -> Op:
        """Cancel an op that has not reached HubSpot. Refused while it is being pushed or may have landed."""
        return self._update(
            op_id, {"state": "cancelled"}, expect=("pending", "failed", "conflict", "blocked")
        )

    # --- the sync engine's side ---------------------------------------------------------------------

    def recover_after_crash(self) -> int:
        """At start-up (holding the push lock): ops left in_flight may have landed; mark them unknown."""

        stamp = now_ms()
        with self.store.transaction() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = 'unknown', first_ambiguous_at = coalesce(first_ambiguous_at, ?), "
                "updated_at = ? WHERE state = 'in_flight'",
                [stamp, stamp],
            )
            conn.execute(
                "UPDATE op_attempts SET ended_at = ?, outcome = 'interrupted' "
                "WHERE ended_at IS NULL AND op_id IN (SELECT op_id FROM outbox WHERE state = 'unknown')",
                [stamp],
            )
            return int(cur.rowcount)

    def claim_next(self, *, now: int | None = None) -> Op | None:
        """Take the next op to push and mark it in_flight, committed before returning.

        The next op is the lowest seq in pending/unknown whose next_attempt_at has come and whose lead
        has no earlier unfinished op. `attempts` goes up by one and an attempt row is logged.
        """

        stamp = now if now is not None else now_ms()
        with self.store.transaction() as conn:
            row = conn.execute(
                f"""SELECT op_id, attempts FROM outbox o
                WHERE o.state IN ('pending', 'unknown') AND coalesce(o.next_attempt_at, 0) <= ?
                  AND NOT EXISTS (SELECT 1 FROM outbox e
                                  WHERE e.lead_id = o.lead_id AND e.seq < o.seq AND e.state IN ({_OPEN_SQL}))
                ORDER BY o.seq LIMIT 1""",
                [stamp],
            ).fetchone()
            if row is None:
                return None
            op_id, attempts = row[0], row[1] + 1
            conn.execute(
                "UPDATE outbox SET state = 'in_flight', attempts = ?, updated_at = ? WHERE op_id = ?",
                [attempts, stamp, op_id],
            )
            conn.execute(
                "INSERT INTO op_attempts (op_id, n, started_at) "
                "SELECT ?, coalesce(max(n), 0) + 1, ? FROM op_attempts WHERE op_id = ?",
                [op_id, stamp, op_id],
            )
        return self.get(op_id)

    def record_step(self, op_id: str, step: int, remote_ids: Mapping[str, str] | None = None) -> Op:
        """Persist a compound op's progress (and any ids it created) so a restart resumes at `step`."""
        op = self.get(op_id)
        ids = op.remote_ids | dict(remote_ids or {})
        return self._update(op_id, {"step": step, "remote_ids_json": json.dumps(ids)}, expect=("in_flight",))

    def finish_done(
        self,
        op_id: str,
        *,
        remote_ids: Mapping[str, str] | None = None,
        lead: Mapping[str, Any] | None = None,
        http_status: int | None = None,
        correlation_id: str | None = None,
    ) -> Op:
        """The op reached HubSpot. `lead` (HubSpot's lead JSON from the response) refreshes the cache
        in the same transaction, so the board never flickers back to the old value."""
        with self.store.transaction():
            op = self.get(op_id)
            ids = op.remote_ids | dict(remote_ids or {})
            if lead is not None:
                self.store.upsert_leads([lead])
            self._log_end(op_id, "done", http_status, correlation_id, None)
            return self._update(
                op_id,
                {
                    "state": "done",
                    "remote_ids_json": json.dumps(ids),
                    "last_error": None,
                    "next_attempt_at": None,
                },
                expect=("in_flight",),
            )

    def finish_failed(
        self, op_id: str, error: str, *, http_status: int | None = None, correlation_id: str | None = None
    ) -> Op:
        """HubSpot refused the op (400, 403, invalid stage…): kept for the rep, never retried by itself."""
        with self.store.transaction():
            self._log_end(op_id, "failed", http_status, correlation_id, error)
            return self._update(
                op_id, {"state": "failed", "last_error": safe_error(error)}, expect=("in_flight",)
            )

    def finish_conflict(
        self, op_id: str, theirs: Mapping[str, str | None], *, error: str | None = None
    ) -> Op:
        """HubSpot's value differs from both the base and ours: keep base, mine and theirs for the rep."""
        with self.store.transaction():
            op = self.get(op_id)
            conflict = {
                prop: {"base": op.base.get(prop), "mine": op.changes.get(prop), "theirs": theirs.get(prop)}
                for prop in theirs
            }
            message = error or "Changed in HubSpot since you made this change."
            self._log_end(op_id, "conflict", None, None, message)
            return self._update(
                op_id,
                {
                    "state": "conflict",
                    "conflict_json": json.dumps(conflict),
                    "last_error": safe_error(message),
                },
                expect=("in_flight",),
            )

    def finish_blocked(self, op_id: str, reason: str) -> Op:
        """The lead was reassigned, archived or merged: hold the op and say why."""
        with self.store.transaction():
            self._log_end(op_id, "blocked", None, None, reason)
            return self._update(
                op_id, {"state": "blocked", "last_error": safe_error(reason)}, expect=("in_flight",)
            )

    def defer(
        self,
        op_id: str,
        *,
        until: int,
        error: str | None = None,
        ambiguous: bool = False,
        counts_as_attempt: bool = True,
        http_status: int | None = None,
        no_answer: bool = False,
    ) -> Op:
        """Put an in_flight op back to wait until `until` (epoch ms).

        `ambiguous=True` (timeout or reset after a create was sent) makes it `unknown`: the push must
        look for what it may have created before sending again. Once ambiguous, an op stays `unknown`
        until it finishes, so every later attempt reconciles first. `counts_as_attempt=False` (a 429) undoes
        the attempt count: rate limits are not the op's fault. `no_answer=True` (the connection dropped
        or timed out) logs the attempt as `no_answer`: the op waits for the network, not for HubSpot,
        so `retry_offline_now` may send it as soon as HubSpot answers again.
        """

        op = self.get(op_id)
        updates: dict[str, Any] = {
            "state": "unknown" if ambiguous or op.first_ambiguous_at is not None else "pending",
            "next_attempt_at": until,
            "last_error": safe_error(error),
        }
        if ambiguous and op.first_ambiguous_at is None:
            updates["first_ambiguous_at"] = now_ms()
        if not counts_as_attempt:
            updates["attempts"] = max(op.attempts - 1, 0)
        with self.store.transaction():
            outcome = (
                "no_answer"
                if no_answer
                else "unknown"
                if ambiguous
                else ("rate_limited" if not counts_as_attempt else "retry")
            )
            self._log_end(op_id, outcome, http_status, None, error)
            return self._update(op_id, updates, expect=("in_flight",))

    def next_due(self) -> int | None:
        """When the earliest op the push could claim becomes due (epoch ms; 0 = now), or None when
        none waits. Same rule as `claim_next`: pending or unknown, no earlier unfinished op on its lead."""
        row = self.store.db.conn.execute(
            f"""SELECT min(coalesce(o.next_attempt_at, 0)) FROM outbox o
            WHERE o.state IN ('pending', 'unknown')
              AND NOT EXISTS (SELECT 1 FROM outbox e
                              WHERE e.lead_id = o.lead_id AND e.seq < o.seq AND e.state IN ({_OPEN_SQL}))"""
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def retry_offline_now(self, *, now: int | None = None) -> int:
        """Make the ops that wait only because HubSpot could not be reached due at once; return how many.

        For an explicit sync whose pull just worked (HubSpot is reachable again): such an op should not
        sit out the rest of its backoff. An op qualifies when its last attempt got no HTTP answer: a
        `pending` op whose connection failed (a plain retry), or one whose connection dropped or timed
        out (`no_answer`, `pending` or `unknown`: an unknown one is still looked for before any re-send,
        and waits out its reconcile grace if not found). Not a 429 pause (not an attempt), a 5xx
        backoff (HubSpot answered), an `unknown` op already waiting out its grace, or a failed op.
        """

        stamp = now if now is not None else now_ms()
        with self.store.transaction() as conn:
            cur = conn.execute(
                """UPDATE outbox SET next_attempt_at = NULL, updated_at = ?
                WHERE state IN ('pending', 'unknown') AND next_attempt_at > ?
                  AND EXISTS (SELECT 1 FROM op_attempts a
                              WHERE a.op_id = outbox.op_id AND a.http_status IS NULL
                                AND (a.outcome = 'no_answer'
                                     OR (a.outcome = 'retry' AND outbox.first_ambiguous_at IS NULL))
                                AND a.n = (SELECT max(n) FROM op_attempts m WHERE m.op_id = outbox.op_id))""",
                [stamp, stamp],
            )
            return int(cur.rowcount)

    def waiting_with(self, error: str) -> int:
        """How many waiting ops (pending or unknown) were put back with exactly this `error`."""
        row = self.store.db.conn.execute(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'unknown') AND last_error = ?", [error]
        ).fetchone()
        return int(row[0]) if row else 0

    def retry_waiting_with_now(self, error: str, *, now: int | None = None) -> int:
        """Make the waiting ops put back with exactly this `error` due at once; return how many.

        For a wait only someone else can end (an admin setting the portal up): the rep's explicit
        sync tries them again rather than waiting out the recheck delay."""
        stamp = now if now is not None else now_ms()
        with self.store.transaction() as conn:
            cur = conn.execute(
                """UPDATE outbox SET next_attempt_at = NULL, updated_at = ?
                WHERE state IN ('pending', 'unknown') AND next_attempt_at > ? AND last_error = ?""",
                [stamp, stamp, error],
            )
            return int(cur.rowcount)

    # --- internals ----------------------------------------------------------------------------------

    def _log_end(
        self, op_id: str, outcome: str, http_status: int | None, correlation_id: str | None, error: str | None
    ) -> None:

        self.store.db.conn.execute(
            "UPDATE op_attempts SET ended_at = ?, outcome = ?, http_status = ?, correlation_id = ?, "
            "error = ? "
            "WHERE op_id = ? AND n = (SELECT max(n) FROM op_attempts WHERE op_id = ?) AND ended_at IS NULL",
            [now_ms(), outcome, http_status, correlation_id, safe_error(error), op_id, op_id],
        )

    def _update(self, op_id: str, updates: Mapping[str, Any], *, expect: tuple[OpState, ...]) -> Op:
        """Change an op only if it is in one of `expect` states; refuse with a plain sentence otherwise."""

        columns = dict(updates) | {"updated_at": now_ms()}
        assignments = ", ".join(f"{name} = ?" for name in columns)
        marks = ", ".join("?" * len(expect))
        with self.store.transaction() as conn:
            cur: sqlite3.Cursor = conn.execute(
                f"UPDATE outbox SET {assignments} WHERE op_id = ? AND state IN ({marks})",
                [*columns.values(), op_id, *expect],
            )
            if cur.rowcount == 0:
                state = self.get(op_id).state  # raises OpNotFound for an unknown id
                raise CommandRefused(f"This change is {state.replace('_', ' ')}; that cannot be done now.")
            # the board's overlay and the first touch follow the op's state and edits
            refresh_lead_columns(conn, "id = (SELECT lead_id FROM outbox WHERE op_id = ?)", [op_id])
            op = self.get(op_id)
            if op.state in _ENDED_STATES:
                self.store.after_commit(lambda: self.journal.record(ended=[op_id]))
            elif _JOURNALED & columns.keys():
                self.store.after_commit(lambda: self.journal.record([_waiting(op)]))
        return op


def _waiting(op: Op) -> WaitingChange:
    """An op as the journal keeps it."""
    return WaitingChange(
        op_id=op.op_id,
        seq=op.seq,
        lead_id=op.lead_id,
        kind=op.kind,
        payload_json=COMMAND_ADAPTER.dump_json(op.command).decode(),
        changes=op.changes,
        base=op.base,
        step=op.step,
        remote_ids=op.remote_ids,
        created_at=op.created_at,
    )


def _touch_at(command: Command, created_ms: int) -> int | None:
    """When this op touches its lead (None if it does not): see `sla_columns.touch_at`."""
    return touch_at(command.kind, created_ms, command.touched_at())


_COLUMNS = (
    "op_id, seq, lead_id, kind, payload_json, changes_json, base_json, state, step, attempts, "
    "next_attempt_at, first_ambiguous_at, remote_ids_json, conflict_json, last_error, created_at, updated_at"
)


def _op(row: tuple[Any, ...]) -> Op:
    return Op(
        op_id=row[0],
        seq=row[1],
        lead_id=row[2],
        kind=row[3],
        command=COMMAND_ADAPTER.validate_json(row[4]),
        changes=json.loads(row[5]),
        base=json.loads(row[6]),
        state=row[7],
        step=row[8],
        attempts=row[9],
        next_attempt_at=row[10],
        first_ambiguous_at=row[11],
        remote_ids=json.loads(row[12]),
        conflict=json.loads(row[13]) if row[13] else None,
        last_error=row[14],
        created_at=row[15],
        updated_at=row[16],
    )
