"""Helpers for the portal tests: a clock the test moves by hand and small seeded portals."""

from __future__ import annotations

from typing import Any

from leadboard.sandbox.portal import Portal, PortalSettings

START = 1_790_000_000.0  # 2026-09-21, a fixed "now" so seeds are reproducible


class FakeClock:
    """Wall-clock seconds that only move when the test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def small_portal(clock: FakeClock | None = None, **overrides: Any) -> Portal:
    """A portal small enough to seed in milliseconds; search lag 2 s on a fake clock by default."""
    settings: dict[str, Any] = {
        "seed": 11,
        "rep_leads": 12,
        "other_leads": 20,
        "owners": 3,
        "search_lag": 2.0,
        "clock": clock or FakeClock(),
    }
    settings.update(overrides)
    return Portal(PortalSettings(**settings))


def first_contact_id(portal: Portal) -> str:
    return str(portal.objects("contacts")[0]["id"])


def new_lead(portal: Portal, contact_id: str, **properties: str) -> dict[str, Any]:
    """Create a lead the way a client must: a name and an inline primary-contact association."""
    props = {"hs_lead_name": "Jane Doe", **properties}
    body = {
        "properties": props,
        "associations": [
            {
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}],
            }
        ],
    }
    return portal.create_object("leads", body)


def rep_filter(portal: Portal) -> dict[str, Any]:
    return {"propertyName": "hubspot_owner_id", "operator": "EQ", "value": portal.rep_owner_id}
