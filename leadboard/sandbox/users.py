"""The portal's users and what each may edit, for calls made with a user-level (OAuth) token.

HubSpot's user-level apps act within the installing user's permissions. The seeded portal gives
its users one of two edit permissions: `own` (records they own, or that nobody owns) for reps,
including the demo rep, and `all` for the sales manager (the second seeded owner).
A write to a record the user may not edit is HubSpot's 403.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from leadboard.sandbox.hubspot_errors import HubSpotError, error_body
from leadboard.sandbox.portal import Portal

EditPermission = Literal["own", "all"]

# A record path on the numbered or a dated API: (type, id or batch action).
_RECORD_PATH = re.compile(
    r"^/crm/(?:v3/objects|objects/\d{4}-\d{2})/([^/]+)/(\d+|batch/update|batch/archive)$"
)


@dataclass(frozen=True)
class PortalUser:
    user_id: int
    email: str
    owner_id: str
    name: str
    edit: EditPermission


def portal_users(portal: Portal) -> list[PortalUser]:
    """Every active owner with a user id, in seeding order, with their edit permission."""
    owners = portal.list_owners(limit=500)["results"]
    users = []
    for index, owner in enumerate(o for o in owners if o.get("userId") is not None):
        name = f"{owner.get('firstName', '')} {owner.get('lastName', '')}".strip()
        edit: EditPermission = "all" if index == 1 else "own"
        users.append(PortalUser(int(owner["userId"]), str(owner["email"]), str(owner["id"]), name, edit))
    return users


def find_user(portal: Portal, user_id: int) -> PortalUser | None:
    return next((u for u in portal_users(portal) if u.user_id == user_id), None)


def check_record_edit(portal: Portal, user: PortalUser, method: str, path: str, body: bytes) -> None:
    """Raise HubSpot's 403 when `user` writes a record owned by someone else (and may edit only own)."""
    if user.edit == "all" or method not in ("PATCH", "DELETE", "POST"):
        return
    match = _RECORD_PATH.match(path.rstrip("/"))
    if match is None:
        return
    object_type, target = match.groups()
    if target.isdigit():
        if method == "POST":
            return
        ids = [target]
    elif method == "POST":
        ids = _batch_ids(body)
    else:
        return
    for record_id in ids:
        owner = _owner_of(portal, object_type, record_id)
        if owner and owner != user.owner_id:
            raise HubSpotError(403, forbidden_body(user, object_type, record_id))


def forbidden_body(user: PortalUser, object_type: str, record_id: str) -> dict[str, Any]:
    return error_body(
        f"User {user.user_id} does not have permission to edit {object_type} {record_id}: "
        "it is owned by another user.",
        "FORBIDDEN",
        context={"objectId": [record_id]},
    )


def _batch_ids(body: bytes) -> list[str]:
    try:
        inputs = json.loads(body or b"{}").get("inputs")
    except (ValueError, AttributeError):
        return []  # the routes answer the malformed body with their own 400
    if not isinstance(inputs, list):
        return []
    return [str(i["id"]) for i in inputs if isinstance(i, dict) and isinstance(i.get("id"), (str, int))]


def _owner_of(portal: Portal, object_type: str, record_id: str) -> str:
    try:
        record = portal.get_object(object_type, record_id, properties=["hubspot_owner_id"])
    except HubSpotError:
        return ""  # unknown type or record: the routes answer it
    return str(record.get("properties", {}).get("hubspot_owner_id") or "")


__all__ = ["PortalUser", "check_record_edit", "find_user", "portal_users"]
