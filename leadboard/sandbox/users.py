"""The portal's users and what each may edit, for calls made with a user-level (OAuth) token.

HubSpot's user-level apps act within the installing user's permissions. The seeded portal gives
its users one of two edit permissions: `own` (records they own, or that nobody owns) for reps,
including the demo rep, and `all` for the sales manager (the second seeded owner), who is also the
portal's super admin and so may edit properties. A write to a record the user may not edit is
HubSpot's 403, and so is a property write by a user without property rights.

An app's schema write scopes (`crm.schemas.*.write`) can be granted only by a user who may edit
properties: asked as `optional_scope`, they are left out of a rep's grant (`may_grant`).
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

_PROPERTY_PATH = re.compile(r"^/crm/(?:v3/properties|properties/\d{4}-\d{2})/[^/]+(?:/.*)?$")


@dataclass(frozen=True)
class PortalUser:
    user_id: int
    email: str
    owner_id: str
    name: str
    edit: EditPermission
    edit_properties: bool = False  # a super admin, or a user given the property settings permission


def portal_users(portal: Portal) -> list[PortalUser]:
    """Every active owner with a user id, in seeding order, with their edit permission."""
    owners = portal.list_owners(limit=500)["results"]
    users = []
    for index, owner in enumerate(o for o in owners if o.get("userId") is not None):
        name = f"{owner.get('firstName', '')} {owner.get('lastName', '')}".strip()
        manager = index == 1
        edit: EditPermission = "all" if manager else "own"
        user = PortalUser(int(owner["userId"]), str(owner["email"]), str(owner["id"]), name, edit, manager)
        users.append(user)
    return users


def may_grant(user: PortalUser, scope: str) -> bool:
    """Whether `user`'s permissions cover `scope`: schema writes need the right to edit properties."""
    return user.edit_properties or not _is_schema_write(scope)


def _is_schema_write(scope: str) -> bool:
    return scope.startswith("crm.schemas.") and scope.endswith(".write")


def check_property_edit(user: PortalUser, granted: frozenset[str] | None, method: str, path: str) -> None:
    """Raise HubSpot's 403 when `user`, without property rights, creates, changes or archives one.

    Only for a grant holding a schema write scope: without one, the route's MISSING_SCOPES answers."""
    if user.edit_properties or method not in ("POST", "PATCH", "DELETE"):
        return
    if granted is not None and not any(_is_schema_write(s) for s in granted):
        return
    if _PROPERTY_PATH.match(path.rstrip("/")):
        raise HubSpotError(
            403,
            error_body(
                f"User {user.user_id} does not have permission to edit properties. "
                "A super admin, or a user with the property settings permission, can.",
                "FORBIDDEN",
            ),
        )


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


__all__ = [
    "PortalUser",
    "check_property_edit",
    "check_record_edit",
    "find_user",
    "may_grant",
    "portal_users",
]
