"""Turn what the HubSpot client raises into our own errors (leadboard.sync.errors).

Two families reach us: `ApiException` and its subclasses (one copy per generated module, so we
duck-type on `.status`, `.body` and `.headers` and never isinstance-check a module's class), and raw
urllib3 exceptions for anything below HTTP (refused, DNS, timeouts, dropped connections), which the
client does not wrap. What matters for the sync engine is whether the request could have reached
HubSpot: before sending it is `Offline`; after, the outcome is unknown and it is `Ambiguous`.

Nothing here keeps the original exception: its text carries response headers and the raw body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from leadboard.sync.errors import (
    AuthFailed,
    Dropped,
    GatewayError,
    MissingScopes,
    NotFound,
    Offline,
    PortalRuleRefused,
    RateLimited,
    Rejected,
    ServerError,
    clean_text,
)

_VALIDATION_PREFIX = "Property values were not valid: "
_REJECT_STATUSES = range(400, 500)


def translate(
    exc: BaseException,
    *,
    operation: str,
    method: str,
    is_create: bool,
    host: str,
    secrets: Sequence[str] = (),
) -> GatewayError | None:
    """Our error for `exc`, or None when it is not a HubSpot or network failure (a bug: re-raise)."""
    if isinstance(exc, HTTPError):
        return network_error(exc, operation=operation, method=method, is_create=is_create, host=host)
    status = getattr(exc, "status", None)
    if type(exc).__module__.startswith("hubspot.") and isinstance(status, int):
        if status == 0:  # rest.py wraps only TLS failures, with status 0
            return Offline(
                f"Can't reach HubSpot at {host}: the secure connection failed.", operation=operation
            )
        return http_error(
            status,
            getattr(exc, "body", None),
            getattr(exc, "headers", None),
            operation=operation,
            is_create=is_create,
            secrets=secrets,
        )
    if isinstance(exc, UnicodeDecodeError):
        return ServerError(f"HubSpot sent an unreadable answer while {operation}.", operation=operation)
    return None


def network_error(exc: HTTPError, *, operation: str, method: str, is_create: bool, host: str) -> GatewayError:
    """Offline when nothing was sent; Dropped (an Ambiguous) once the request may have reached HubSpot."""
    reason: BaseException = exc
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        reason = exc.reason
    if isinstance(reason, NameResolutionError):
        cause = "its address could not be resolved"
    elif isinstance(reason, NewConnectionError):
        cause = "the connection was refused"
    elif isinstance(reason, ConnectTimeoutError):
        cause = "connecting timed out"
    elif isinstance(reason, SSLError):
        cause = "the secure connection failed"
    elif isinstance(reason, ProxyError | LocationParseError):
        cause = "the proxy or address is not usable"
    else:
        cause = ""
    if cause:
        return Offline(
            f"Can't reach HubSpot at {host}: {cause}. Changes stay queued until it is back.",
            operation=operation,
        )
    if isinstance(reason, ReadTimeoutError):
        what = "HubSpot did not answer in time"
    elif isinstance(reason, ProtocolError):
        what = "the connection to HubSpot dropped"
    else:
        what = "the answer from HubSpot was lost"
    if is_create:
        message = f"{what.capitalize()} while {operation}; it may have been saved, so it is checked first."
    else:
        message = f"{what.capitalize()} while {operation}; it will be retried."
    return Dropped(message, method=method, is_create=is_create, operation=operation)


def http_error(
    status: int,
    body: object,
    headers: Mapping[str, str] | None,
    *,
    operation: str,
    is_create: bool,
    secrets: Sequence[str] = (),
) -> GatewayError:
    """Map a non-2xx answer, using HubSpot's error body where it has one."""
    data = _json_object(body)
    hub_message = clean_text(data.get("message") or "", secrets=secrets)
    category = _str(data.get("category"))
    correlation = _str(data.get("correlationId"))
    common: dict[str, Any] = {"operation": operation, "category": category, "correlation_id": correlation}
    if status == 429:
        policy = _str(data.get("policyName"))
        retry_after = _retry_after(headers)
        if policy == "DAILY":
            message = "HubSpot's daily API limit for this portal is used up; syncing resumes after midnight."
        else:
            message = "HubSpot asked leadboard to slow down; the queue pauses and resumes by itself."
        return RateLimited(
            message, policy=policy, retry_after=retry_after, operation=operation, correlation_id=correlation
        )
    if status == 401:
        return AuthFailed(
            "HubSpot refused the access token (401). Run `leadboard login` (or store a valid service key "
            "with `leadboard login --with-token`).",
            status=status,
            **common,
        )
    if status == 403:
        scopes = _required_scopes(data)
        if scopes:
            message = (
                f"The HubSpot token is missing scopes for {operation}: {', '.join(scopes)}. "
                "An admin adds them to leadboard's app (or the key) in HubSpot; then try again."
            )
        else:
            message = f"HubSpot refused {operation} (403): {hub_message or 'access denied'}"
        return MissingScopes(message, scopes=scopes, status=status, **common)
    if status == 404:
        return NotFound(
            f"Not found in HubSpot while {operation}: {hub_message or 'no such object'}",
            status=status,
            **common,
        )
    if status in _REJECT_STATUSES and status not in (408, 423, 477):
        text, codes, names = _validation_details(data, hub_message, secrets)
        if status == 400 and category == "VALIDATION_ERROR" and _is_portal_rule(codes, text):
            return portal_rule_error(text, codes, names, status=status, **common)
        return Rejected(
            f"HubSpot rejected {operation}: {text}", codes=codes, properties=names, status=status, **common
        )
    return ServerError(
        f"HubSpot had a problem ({status}) while {operation}; it will be retried.",
        is_create=is_create,
        status=status,
        **common,
    )


#: Codes HubSpot (and the sandbox) give a write that breaks an admin's rule, rather than a bad value.
_RULE_CODES = frozenset({"REQUIRED_PROPERTY", "REQUIRED_FIELD", "MISSING_REQUIRED_PROPERTY"})
_PERMISSION_CODES = frozenset({"ASSOCIATION_PERMISSION_DENIED"})


def _is_portal_rule(codes: Sequence[str], text: str) -> bool:
    if _RULE_CODES.intersection(codes) or _PERMISSION_CODES.intersection(codes):
        return True
    return not codes and "permission to edit associations" in text.lower()


def portal_rule_error(
    text: str, codes: Sequence[str], names: Sequence[str], *, operation: str, **common: Any
) -> PortalRuleRefused:
    """The rep's words for a rule the portal's admin set: what HubSpot requires, and what to do."""
    permission = bool(_PERMISSION_CODES.intersection(codes)) or "permission" in text.lower()
    if permission:
        message = (
            f"Your HubSpot portal does not let you do this ({operation}): {text} "
            "Ask a HubSpot admin for the permission, then retry."
        )
    else:
        message = (
            f"Your HubSpot portal requires more before {operation}: {text} "
            "Edit the change to add it, then retry."
        )
    return PortalRuleRefused(
        message, permission=permission, codes=codes, properties=names, operation=operation, **common
    )


def _json_object(body: object) -> dict[str, Any]:
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if headers is None:
        return None
    value = headers.get("Retry-After")
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _required_scopes(data: Mapping[str, Any]) -> list[str]:
    contexts = [e.get("context") for e in data.get("errors") or [] if isinstance(e, dict)]
    contexts.append(data.get("context"))
    for context in contexts:
        if not isinstance(context, dict):
            continue
        for key in ("requiredGranularScopes", "requiredScopes"):
            scopes = context.get(key)
            if isinstance(scopes, list) and scopes:
                return [str(s) for s in scopes]
    return []


def _validation_details(
    data: Mapping[str, Any], hub_message: str, secrets: Sequence[str]
) -> tuple[str, list[str], list[str]]:
    """HubSpot's per-property problems as one readable line, plus their codes and property names.

    A bad property value comes as `message: "Property values were not valid: [<json list>]"`; other
    validation errors list items in `errors[]` with `code` and `context.propertyName`.
    """
    items: list[tuple[str, str | None, str | None]] = []
    raw_message = data.get("message")
    if isinstance(raw_message, str) and raw_message.startswith(_VALIDATION_PREFIX):
        try:
            parsed = json.loads(raw_message[len(_VALIDATION_PREFIX) :])
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            for item in parsed:
                if isinstance(item, dict) and item.get("message"):
                    items.append((str(item["message"]), _str(item.get("error")), _str(item.get("name"))))
    if not items:
        for error in data.get("errors") or []:
            if not isinstance(error, dict) or not error.get("message"):
                continue
            context = error.get("context") if isinstance(error.get("context"), dict) else {}
            names = context.get("propertyName") if context else None
            name = str(names[0]) if isinstance(names, list) and names else None
            items.append((str(error["message"]), _str(error.get("code")), name))
    text = "; ".join(clean_text(m, secrets=secrets, limit=200) for m, _, _ in items) or hub_message
    codes = [c for _, c, _ in items if c]
    names = [n for _, _, n in items if n]
    return text or "the request was not valid", codes, names
