"""HubSpot-style errors raised by the sandbox portal and returned verbatim by its server.

Every failure the portal can produce is a `HubSpotError` carrying the exact status and body HubSpot
would send (research/hubspot-api.md §10), so the server never has to invent one and a client under
test sees what it would see against a real portal.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

PORTAL_ID = 146_203_571


def correlation_id() -> str:
    """A fresh id like HubSpot's: a random UUID, so support can find one request."""
    return str(uuid.uuid4())


class HubSpotError(Exception):
    """A HubSpot-style error the server returns verbatim."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body.get('category', '')}: {body.get('message', '')}")
        self.status = status
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})


def error_body(
    message: str,
    category: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    context: dict[str, Any] | None = None,
    sub_category: str | None = None,
) -> dict[str, Any]:
    """HubSpot's `Error` schema: status, message, correlationId and category, plus optional parts."""
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
    }
    if sub_category is not None:
        body["subCategory"] = sub_category
    if errors is not None:
        body["errors"] = errors
    if context is not None:
        body["context"] = context
    return body


def validation_error(
    message: str,
    errors: list[dict[str, Any]] | None = None,
    *,
    context: dict[str, Any] | None = None,
) -> HubSpotError:
    """400 VALIDATION_ERROR: the request was understood but breaks one of HubSpot's rules."""
    return HubSpotError(400, error_body(message, "VALIDATION_ERROR", errors=errors, context=context))


def bad_json(message: str = "Invalid input JSON on line 1, column 1") -> HubSpotError:
    """400 for a body that is not what the endpoint expects (wrong types, missing keys)."""
    return validation_error(message)


def not_found(message: str = "resource not found") -> HubSpotError:
    """404 OBJECT_NOT_FOUND, HubSpot's answer for an unknown or archived record."""
    return HubSpotError(404, error_body(message, "OBJECT_NOT_FOUND"))


def conflict(message: str) -> HubSpotError:
    """409 CONFLICT, e.g. a duplicate unique value."""
    return HubSpotError(409, error_body(message, "CONFLICT"))


def property_issue(name: str, code: str, message: str) -> dict[str, Any]:
    """One `isValid:false` entry as HubSpot lists them inside a property-validation message."""
    return {
        "isValid": False,
        "message": message,
        "error": code,
        "name": name,
        "localizedErrorMessage": message,
        "portalId": PORTAL_ID,
    }


def property_values_error(issues: list[dict[str, Any]]) -> HubSpotError:
    """400 "Property values were not valid": the body HubSpot sends for unknown, read-only or bad values.

    The message embeds the issues as JSON (as HubSpot does) and `errors` repeats them in the
    structured form, with the property name in `context.propertyName`.
    """
    message = "Property values were not valid: " + json.dumps(issues, separators=(",", ":"))
    errors = [
        {"message": i["message"], "code": i["error"], "context": {"propertyName": [i["name"]]}}
        for i in issues
    ]
    return validation_error(message, errors)


def standard_error(
    message: str, category: str, *, context: dict[str, Any] | None = None, status: str = "error"
) -> dict[str, Any]:
    """HubSpot's `StandardError`: one failed input inside a 207 batch response."""
    return {
        "status": status,
        "category": category,
        "message": message,
        "context": context or {},
        "errors": [],
        "links": {},
    }
