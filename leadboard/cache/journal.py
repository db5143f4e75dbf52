"""A plain copy of the rep's waiting changes beside the cache, so a corrupt cache loses none of them.

SQLite cannot be read back once its file is cut short (`sqlite3 .recover` gives up on a half file),
so every change is also appended here as one JSON line when it is queued, edited or has a step
reach HubSpot, and an `ended` line when it is done or discarded. Lines are fsync'd, the file is the
rep's alone (0600) and holds no token: only the change as the rep made it and its op id.
`leadboard recover` queues the changes whose last line is not `ended` into a fresh cache with the
same op id, so one that HubSpot already has is found by that id (find_created) and not written twice.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock

logger = logging.getLogger("leadboard.cache.journal")

JOURNAL_SUFFIX = ".changes.jsonl"
#: Past this size the journal is rewritten with only the changes still waiting.
COMPACT_AT_BYTES = 1 << 20


def journal_path(db_path: Path) -> Path:
    """The journal of the cache at `db_path`: beside it, named after it."""
    return db_path.with_name(db_path.name + JOURNAL_SUFFIX)


@dataclass(frozen=True)
class WaitingChange:
    """One change as the journal last saw it: enough to queue it again, op id included."""

    op_id: str
    seq: int
    lead_id: str
    kind: str
    payload_json: str
    changes: dict[str, str]
    base: dict[str, str | None]
    step: int
    remote_ids: dict[str, str]
    created_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "op",
            "op_id": self.op_id,
            "seq": self.seq,
            "lead_id": self.lead_id,
            "kind": self.kind,
            "payload": json.loads(self.payload_json),
            "changes": self.changes,
            "base": self.base,
            "step": self.step,
            "remote_ids": self.remote_ids,
            "created_at": self.created_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WaitingChange:
        return cls(
            op_id=str(data["op_id"]),
            seq=int(data["seq"]),
            lead_id=str(data["lead_id"]),
            kind=str(data["kind"]),
            payload_json=json.dumps(data["payload"]),
            changes={str(k): str(v) for k, v in dict(data["changes"]).items()},
            base={str(k): None if v is None else str(v) for k, v in dict(data["base"]).items()},
            step=int(data["step"]),
            remote_ids={str(k): str(v) for k, v in dict(data["remote_ids"]).items()},
            created_at=int(data["created_at"]),
        )


class Journal:
    """Appends to one journal file; safe across threads and processes (a file lock beside it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = filelock.FileLock(str(path) + ".lock", timeout=10, mode=0o600)

    def exists(self) -> bool:
        return self.path.exists()

    def create(self) -> None:
        """Make the (empty) journal if there is none yet, so it is there when the cache is not."""
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        except OSError as exc:
            logger.warning("could not create the changes journal %s: %s", self.path, exc)

    def record(self, changes: Iterable[WaitingChange] = (), ended: Iterable[str] = ()) -> None:
        """Append what changed; never raises (the cache holds the change: this is its spare copy)."""
        lines = [change.to_json() for change in changes] + [{"event": "ended", "op_id": i} for i in ended]
        if not lines:
            return
        try:
            with self._lock:
                _append(self.path, lines)
                if self.path.stat().st_size > COMPACT_AT_BYTES:
                    self._compact()
        except (OSError, filelock.Timeout) as exc:
            logger.warning("could not write the changes journal %s: %s", self.path, exc)

    def _compact(self) -> None:
        keep = waiting_changes(self.path)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        _append(tmp, [change.to_json() for change in keep])
        os.replace(tmp, self.path)


def waiting_changes(path: Path) -> list[WaitingChange]:
    """Read a journal (a torn last line, from a crash mid-write, is skipped)."""
    latest: dict[str, WaitingChange | None] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            if data.get("event") == "ended":
                latest[str(data["op_id"])] = None
            elif data.get("event") == "op":
                change = WaitingChange.from_json(data)
                latest[change.op_id] = change
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    waiting = [c for c in latest.values() if c is not None]
    return sorted(waiting, key=lambda c: (c.created_at, c.seq))


def _append(path: Path, lines: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)
    view = memoryview(data.encode("utf-8"))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
