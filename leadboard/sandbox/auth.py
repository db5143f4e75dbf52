"""Bearer tokens and scopes, with HubSpot's 401 and 403 bodies.

Each token may carry a scope set (None = every scope). A route states what it needs as a list of
groups; the token must hold at least one scope from every group, which is how HubSpot's OpenAPI
`security` alternatives read (e.g. associations need access to both objects involved).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from leadboard.sandbox.catalog import required_scopes
from leadboard.sandbox.hubspot_errors import HubSpotError, error_body

ScopeGroup = tuple[str, ...]

_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
_BAD_TOKEN_MESSAGE = (
    "The OAuth token used to make this call expired or is not valid. Authenticate again or check the "
    "credentials you used to make this call."
)
_SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes "
    "here: https://developers.hubspot.com/scopes."
)


def _family(object_type: str) -> str | None:
    """The object name HubSpot's scopes use (activities use contacts'), or None for an unknown type."""
    try:
        scope = required_scopes(object_type, False)[0]
    except HubSpotError:
        return None
    return scope.split(".")[2]


def object_scopes(object_type: str, *, write: bool) -> ScopeGroup:
    """The scopes that allow reading (or writing) records of one type; () for a type we don't know."""
    try:
        return tuple(required_scopes(object_type, write))
    except HubSpotError:
        return ()


def association_scopes(from_type: str, to_type: str, *, write: bool) -> list[ScopeGroup]:
    """Writing an association needs write access to the source and access to the target."""
    groups: list[ScopeGroup] = []
    for object_type, needs_write in ((from_type, write), (to_type, False)):
        read, written = object_scopes(object_type, write=False), object_scopes(object_type, write=True)
        group = written if needs_write else read + written
        if group:
            groups.append(group)
    return groups


def schema_scopes(object_type: str) -> list[ScopeGroup]:
    """Pipelines and properties: any read or write scope of the object, or its schema scope."""
    name = _family(object_type)
    if name is None:
        return []
    return [(f"crm.objects.{name}.read", f"crm.objects.{name}.write", f"crm.schemas.{name}.read")]


def schema_write_scopes(object_type: str) -> list[ScopeGroup]:
    """Creating a property: the object's schema write scope (activities use contacts')."""
    name = _family(object_type)
    return [] if name is None else [(f"crm.schemas.{name}.write",)]


OWNER_SCOPES: list[ScopeGroup] = [("crm.objects.owners.read",)]


class TokenRegistry:
    """The tokens the portal accepts; thread-safe so tests can add or revoke while it serves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, frozenset[str] | None] = {}

    def add(self, token: str, scopes: set[str] | frozenset[str] | Sequence[str] | None = None) -> None:
        if not token:
            raise ValueError("a token must be a non-empty string")
        with self._lock:
            self._tokens[token] = frozenset(scopes) if scopes is not None else None

    def revoke(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def authenticate(self, authorization: str | None) -> tuple[str, frozenset[str] | None]:
        """Return (token, scopes) for a valid `Authorization` header, else raise the 401."""
        if not authorization:
            raise HubSpotError(401, error_body(_AUTH_MESSAGE, "INVALID_AUTHENTICATION"))
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        with self._lock:
            known = scheme.lower() == "bearer" and token in self._tokens
            scopes = self._tokens.get(token) if known else None
        if not known:
            message = _BAD_TOKEN_MESSAGE if scheme.lower() == "bearer" and token else _AUTH_MESSAGE
            raise HubSpotError(401, error_body(message, "INVALID_AUTHENTICATION"))
        return token, scopes


def require_scopes(granted: frozenset[str] | None, groups: Sequence[ScopeGroup]) -> None:
    """Raise HubSpot's 403 MISSING_SCOPES naming the first group the token holds nothing from."""
    if granted is None:
        return
    for group in groups:
        if group and granted.isdisjoint(group):
            raise HubSpotError(403, missing_scopes_body(group))


def missing_scopes_body(group: ScopeGroup) -> dict[str, Any]:
    body = error_body(
        _SCOPES_MESSAGE,
        "MISSING_SCOPES",
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": list(group)},
            }
        ],
    )
    body["links"] = {"scopes": "https://developers.hubspot.com/scopes"}
    return body
