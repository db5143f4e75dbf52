"""Helpers for the sandbox server's own tests: small portals, a movable clock, raw HTTP and the client."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import urllib3

if TYPE_CHECKING:
    from leadboard.sandbox.portal import PortalSettings
    from leadboard.sandbox.runner import SandboxHandle

TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)
# Small enough to seed fast, big enough to have every kind of record.
SMALL = {"seed": 11, "rep_leads": 12, "owners": 3, "other_leads": 12, "search_lag": 0.0}


@dataclass
class FakeClock:
    """Wall time that only moves when a test says so; drives the portal and the request budgets."""

    now: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def small_settings(**overrides: Any) -> PortalSettings:
    from leadboard.sandbox.portal import PortalSettings

    return PortalSettings(**{**SMALL, **overrides})


@dataclass
class Reply:
    status: int
    headers: urllib3.HTTPHeaderDict  # case-insensitive, like HTTP
    data: bytes

    def json(self) -> Any:
        return json.loads(self.data)


def call(
    handle: SandboxHandle,
    method: str,
    path: str,
    *,
    body: Any = None,
    raw: bytes | None = None,
    token: str | None = "default",
    fields: dict[str, Any] | None = None,
    pool: urllib3.PoolManager | None = None,
    content_type: str | None = "application/json",
) -> Reply:
    """One request with urllib3 and no retries, so every status the sandbox sends is seen as sent."""
    headers = {"Content-Type": content_type} if content_type is not None else {}
    if token == "default":
        token = handle.token
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    http = pool or urllib3.PoolManager()
    response = http.request(
        method,
        handle.base_url + path,
        body=data,
        fields=fields,
        headers=headers,
        retries=False,
        timeout=TIMEOUT,
    )
    return Reply(response.status, response.headers, response.data)


def make_client(handle: SandboxHandle, **kwargs: Any) -> Any:
    """The real hubspot-api-client pointed at the sandbox; no retries so faults surface as they are."""
    from hubspot import HubSpot

    return HubSpot(access_token=handle.token, host=handle.base_url, retry=urllib3.Retry(0), **kwargs)


def first_lead_id(handle: SandboxHandle) -> str:
    return str(handle.portal.objects("leads")[0]["id"])


def contact_id(handle: SandboxHandle) -> str:
    return str(handle.portal.objects("contacts")[0]["id"])


def lead_body(name: str, contact: str) -> dict[str, Any]:
    """A lead create body HubSpot accepts: a name and the primary-contact association (578)."""
    return {
        "properties": {"hs_lead_name": name},
        "associations": [
            {
                "to": {"id": contact},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}],
            }
        ],
    }


def leads_named(handle: SandboxHandle, name: str) -> list[dict[str, Any]]:
    return [lead for lead in handle.portal.objects("leads") if lead["properties"].get("hs_lead_name") == name]
