"""The few errors a HubSpot call can end in, as the sync engine needs to tell them apart.

The gateway turns every HubSpot `ApiException` (each generated module has its own copy) and every
raw urllib3 network error into one of these. They import nothing from `hubspot`, so the engine,
the CLI and the UI can catch them without loading the client. Every message is safe to show a rep:
one line, no control characters, no token, no raw response body beyond HubSpot's own message.

What the sync engine should do with each (research/sync-reliability.md, Recommendations B):

    Offline        nothing was sent: back off with jitter, show offline, op stays pending
    Ambiguous      may have been applied: a create -> op `unknown`, reconcile with
                   gateway.find_created(...) before any retry; a PATCH -> re-read, 3-way check
    Dropped        an Ambiguous with no answer at all (connection dropped, timed out): also offline
    RateLimited    not an attempt: the gateway has already paused its limiter (sent=True);
                   `daily` -> nothing before midnight; sent=False -> the pause was too long to wait
    AuthFailed     stop pushing, ops stay pending, status "token needs attention"
    SignInAgain    an AuthFailed whose refresh was refused: status "sign in again: leadboard login"
    MissingScopes  fail the op naming `scopes`
    PortalNotSetUp a create needs leadboard's op id property, which this credential may not create:
                   the op waits (not failed) until an admin runs `leadboard setup`
    NotFound       the lead is archived/deleted (or merged): block its property ops
    Rejected       fail the op and keep it, showing the message (`codes`, `properties` locate it)
    PortalRuleRefused  a Rejected from the portal's admin rules: the message says what the portal requires
    ServerError    back off and retry; if `is_create`, reconcile like Ambiguous first
    Cancelled      the worker is stopping: leave the op as it was
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

MAX_MESSAGE_CHARS = 400

# ESC-initiated sequences (CSI, OSC, DCS/PM/APC, two-byte forms) go first and whole, so no half of
# one survives; then single C0/C1 controls and DEL; then bidi overrides that can reorder text.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, ended by BEL or ST (or nothing)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes (ESC c, ESC 7, …)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_SPACES = re.compile(r"\s+")
_TOKEN_SHAPES = (
    re.compile(r"\bpat-[a-z0-9]+-[0-9a-z-]+", re.IGNORECASE),
    re.compile(r"(?<=Bearer )\S+", re.IGNORECASE),
)
REDACTED = "[redacted]"


def clean_text(text: object, *, secrets: Iterable[str] = (), limit: int = MAX_MESSAGE_CHARS) -> str:
    """One safe line from untrusted text: controls and escapes gone, secrets masked, length capped."""
    line = str(text)
    for secret in secrets:
        if secret:
            line = line.replace(secret, REDACTED)
    for shape in _TOKEN_SHAPES:
        line = shape.sub(REDACTED, line)
    line = _ESCAPE_SEQUENCE.sub("", line)
    line = _CONTROL.sub(" ", line)
    line = _SPACES.sub(" ", line).strip()
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


class GatewayError(Exception):
    """A HubSpot call that did not succeed. `str(error)` is a message fit for the rep's screen.

    `transient` says whether the same call may succeed later without anyone changing anything.
    """

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        status: int | None = None,
        category: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.message = clean_text(message)
        self.operation = clean_text(operation, limit=80)
        self.status = status
        self.category = clean_text(category, limit=60) if category else None
        self.correlation_id = clean_text(correlation_id, limit=60) if correlation_id else None
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, category={self.category!r})"


class Offline(GatewayError):
    """HubSpot could not be reached (refused, DNS, TLS, connect timeout): nothing was sent."""

    transient = True


class Ambiguous(GatewayError):
    """The request may have reached HubSpot but no answer came back (read timeout, dropped connection).

    For a create, the object may exist: reconcile by marker before sending it again.
    """

    transient = True

    def __init__(self, message: str, *, method: str, is_create: bool, operation: str = "") -> None:
        super().__init__(message, operation=operation)
        self.method = method
        self.is_create = is_create


class Dropped(Ambiguous):
    """No answer came at all: the connection dropped or timed out, so the network (not HubSpot) is
    in the way. The op is handled as Ambiguous; the rep is shown "offline", as for `Offline`, and the
    change is sent again as soon as HubSpot answers (`Outbox.retry_offline_now`)."""


class RateLimited(GatewayError):
    """HubSpot answered 429, or the local limiter is paused longer than the caller wants to wait.

    `policy` is HubSpot's `policyName` (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`) or None;
    `retry_after` the seconds HubSpot (or the limiter) asked for, or None; `sent` is False when the
    request never left this machine because the limiter refused it.
    """

    transient = True

    def __init__(
        self,
        message: str,
        *,
        policy: str | None,
        retry_after: float | None,
        sent: bool = True,
        operation: str = "",
        status: int | None = 429,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(
            message, operation=operation, status=status, category="RATE_LIMIT", correlation_id=correlation_id
        )
        self.policy = clean_text(policy, limit=40) if policy else None
        self.retry_after = retry_after
        self.sent = sent

    @property
    def daily(self) -> bool:
        """The account's daily budget is spent: nothing will succeed before the reset at midnight."""
        return self.policy == "DAILY"


class AuthFailed(GatewayError):
    """401: the token is missing, wrong or revoked. Stop pushing and ask the rep for a new token."""


#: What the rep reads when their own sign-in ended (refresh refused): the one command that fixes it.
SIGN_IN_AGAIN = "sign in again: leadboard login"


class SignInAgain(AuthFailed):
    """The rep's OAuth sign-in ended: HubSpot refused the refresh token (revoked, app uninstalled,
    user removed) or there is none. Only `leadboard login` mends it; the outbox waits meanwhile."""


class MissingScopes(GatewayError):
    """403: the private app lacks scopes; `scopes` names the ones HubSpot said are required."""

    def __init__(
        self,
        message: str,
        *,
        scopes: Iterable[str] = (),
        operation: str = "",
        status: int | None = 403,
        category: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(
            message, operation=operation, status=status, category=category, correlation_id=correlation_id
        )
        self.scopes: tuple[str, ...] = tuple(clean_text(s, limit=80) for s in scopes)


#: What a rep reads while the portal lacks leadboard's op id property and their sign-in cannot make it.
NOT_SET_UP = "HubSpot isn't set up for leadboard yet: ask an admin to run `leadboard setup`"


class PortalNotSetUp(GatewayError):
    """A create met HubSpot's "no such property" for leadboard's op id property, and creating it was
    refused (403): `scopes` names the schema write scopes missing, empty when the user lacks the
    permission to edit properties. Nothing was created; the change waits for `leadboard setup`."""

    def __init__(self, refused: MissingScopes, object_type: str) -> None:
        super().__init__(
            NOT_SET_UP,
            operation=f"creating leadboard's op id property on {object_type}",
            status=refused.status,
            category=refused.category,
            correlation_id=refused.correlation_id,
        )
        self.scopes = refused.scopes
        self.object_type = object_type
        self.refusal = refused.message


class NotFound(GatewayError):
    """404: the object (or owner, pipeline, property) does not exist, or is archived."""


class OwnerNotFound(NotFound):
    """No HubSpot owner has the configured email."""


class Rejected(GatewayError):
    """400/409/422 and other 4xx: HubSpot refused the request as it stands; retrying will not help.

    `codes` are HubSpot's per-item error codes (e.g. `INVALID_OPTION`), `properties` the property
    names they concern, so the UI can point at the field.
    """

    def __init__(
        self,
        message: str,
        *,
        codes: Iterable[str] = (),
        properties: Iterable[str] = (),
        operation: str = "",
        status: int | None = 400,
        category: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(
            message, operation=operation, status=status, category=category, correlation_id=correlation_id
        )
        self.codes: tuple[str, ...] = tuple(clean_text(c, limit=60) for c in codes)
        self.properties: tuple[str, ...] = tuple(clean_text(p, limit=100) for p in properties)


class PortalRuleRefused(Rejected):
    """400 VALIDATION_ERROR from a rule the portal's admin set (HubSpot enforces them on API writes
    since 2026-09): a property required at a stage or on a create form, or no permission to edit
    associations. Not retryable as it stands: the rep edits the change (or asks an admin), then retries.
    `permission` is True for the association permission, which no edit can satisfy.
    """

    def __init__(self, message: str, *, permission: bool = False, **details: Any) -> None:
        super().__init__(message, **details)
        self.permission = permission


class ServerError(GatewayError):
    """5xx (and 423/477): HubSpot failed or is busy. Back off and retry.

    A create answered with a 5xx may still have been saved, so `is_create` tells the engine to
    reconcile it like an `Ambiguous` one.
    """

    transient = True

    def __init__(
        self,
        message: str,
        *,
        is_create: bool = False,
        operation: str = "",
        status: int | None = None,
        category: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(
            message, operation=operation, status=status, category=category, correlation_id=correlation_id
        )
        self.is_create = is_create


class Cancelled(GatewayError):
    """The caller's cancel event was set while the call waited for the rate limiter."""
