"""The outbox's rows as the rest of the program sees them: an op and one attempt to push it.

Apart from `outbox.py` so the read model (below the outbox) can name them in what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadboard.commands.base import Command
from leadboard.domain import OpState


@dataclass(frozen=True, slots=True)
class Op:
    """One outbox row. `command` is the checked command; `changes` the properties it writes."""

    op_id: str
    seq: int
    lead_id: str
    kind: str
    command: Command
    changes: dict[str, str]
    base: dict[str, str | None]
    state: OpState
    step: int
    attempts: int
    next_attempt_at: int | None
    first_ambiguous_at: int | None
    remote_ids: dict[str, str]
    conflict: dict[str, dict[str, str | None]] | None
    last_error: str | None
    created_at: int
    updated_at: int

    @property
    def marker(self) -> str:
        """The id written to HubSpot with what this op creates, to find it again after a crash."""
        return self.op_id


@dataclass(frozen=True, slots=True)
class Attempt:
    op_id: str
    n: int
    started_at: int
    ended_at: int | None
    outcome: str | None
    http_status: int | None
    correlation_id: str | None
    error: str | None
