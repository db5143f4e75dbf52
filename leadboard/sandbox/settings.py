"""How one sandbox portal is seeded and behaves; its own module so the portal's layers all read it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from leadboard.sandbox.write_rules import WriteRules


@dataclass
class PortalSettings:
    """What the portal is seeded with and how it behaves."""

    seed: int = 7
    rep_email: str = "demo.rep@leadboard.example"  # the demo rep; an owner in the portal
    rep_leads: int = 150  # OPEN leads owned by the demo rep (plus some closed ones)
    owners: int = 6  # owners in the portal (>= 2; one of them is the demo rep)
    other_leads: int | None = None  # leads owned by others; None = enough for "a few thousand" in all
    search_lag: float = 1.0  # seconds before a write shows in search
    automation: bool = False  # HubSpot's call → stage automation (research §4)
    clock: Callable[[], float] = time.time  # injectable for tests
    token_ttl: float = 1800.0  # seconds an OAuth access token lives (HubSpot: 30 minutes)
    rules: WriteRules = field(default_factory=WriteRules)  # an admin's write rules (write_rules.py)
    # The portal already has leadboard's hidden op id property on notes, calls, tasks and deals (an
    # earlier leadboard created it); False = a portal leadboard never wrote to, which it creates then.
    app_properties: bool = True
