"""Fault injection and the request log: how tests make the network misbehave and see what happened.

A fault applies to the next N requests that match it (method and/or a regex searched in the path).
The kinds are what a sync engine meets in the wild: latency, an error status, a connection dropped
before the server did anything, and the nasty one, a connection dropped after the write committed.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

FaultKind = Literal["delay", "status", "drop_before", "drop_after_commit"]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass
class Fault:
    """One armed fault; `remaining` counts down as matching requests consume it."""

    kind: FaultKind
    method: str | None
    path: re.Pattern[str] | None
    remaining: int
    seconds: float = 0.0
    status: int = 500
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path.search(path) is not None

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "path": self.path.pattern if self.path is not None else None,
            "remaining": self.remaining,
            "seconds": self.seconds,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
        }


class FaultInjector:
    """Thread-safe queue of armed faults; the first armed fault that matches a request wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        seconds: float = 0.0,
        status: int = 500,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Arm a fault for the next `times` matching requests; raises ValueError on nonsense."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise ValueError("times must be a positive integer")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= 300:
            raise ValueError("seconds must be a number between 0 and 300")
        if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
            raise ValueError("status must be an HTTP status between 200 and 599")
        if body is not None and not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        if headers is not None and not (
            isinstance(headers, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        ):
            raise ValueError("headers must map strings to strings")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        try:
            pattern = re.compile(path) if path is not None else None
        except (re.error, TypeError) as exc:
            raise ValueError(f"path is not a valid regular expression: {exc}") from exc
        fault = Fault(
            kind=kind,
            method=method.upper() if method else None,
            path=pattern,
            remaining=times,
            seconds=float(seconds),
            status=status,
            body=body,
            headers=dict(headers or {}),
        )
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.describe() for fault in self._faults]


@dataclass
class RequestRecord:
    """One request as the client sent it and the exact bytes the sandbox answered.

    A `drop_before` request has status 0 and no response. A `drop_after_commit` request keeps the
    status and body the portal produced, though the client never received them.
    """

    method: str
    path: str
    query: str
    status: int
    request_body: bytes
    response_body: bytes
    response_headers: dict[str, str]
    fault: str | None
    user_id: int | None = None  # the HubSpot user a user-level (OAuth) token acted as

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "request_body": _text_or_base64(self.request_body),
            "response_body": _text_or_base64(self.response_body),
            "response_headers": self.response_headers,
            "fault": self.fault,
            "user_id": self.user_id,
        }


def _text_or_base64(data: bytes) -> str | dict[str, str]:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


class RequestLog:
    """The last `maxlen` requests, in the order they finished; thread-safe."""

    def __init__(self, maxlen: int | None = 50_000) -> None:
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
