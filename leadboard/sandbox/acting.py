"""The HubSpot user a request acts as, so the portal can stamp who wrote a record.

The front door sets it around the routes for a user-level (OAuth) token; an account-level token
(the static private-app style token) leaves it unset, as HubSpot leaves `hs_updated_by_user_id`
empty for integrations without a user.
"""

from __future__ import annotations

from contextvars import ContextVar

acting_user_id: ContextVar[int | None] = ContextVar("leadboard_sandbox_acting_user_id", default=None)

__all__ = ["acting_user_id"]
