"""HubSpot's OAuth 2 for a user-level app, as the sandbox's authorization server holds it.

One app (client id and secret) is registered; it accepts loopback redirects
(`http://127.0.0.1:PORT/callback`, `http://localhost:PORT/callback`) plus any URI given at start.
Codes are single-use and live `CODE_TTL` seconds; access tokens live `token_ttl`; a refresh token
lasts until it is revoked (HubSpot's do not rotate on refresh). Errors are RFC 6749 bodies
(`error`, `error_description`) that also carry the fields of the 2026-09 spec's `Error` schema.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from leadboard.sandbox.hubspot_errors import PORTAL_ID, correlation_id

DEFAULT_CLIENT_ID = "leadboard-sandbox-client"
DEFAULT_CLIENT_SECRET = "leadboard-sandbox-secret"
APP_ID = 4_120_917
CODE_TTL = 300.0
DEFAULT_TOKEN_TTL = 1800
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class OAuthError(Exception):
    """An RFC 6749 error answer: status, `error` code and a description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, Any]:
        category = "INVALID_AUTHENTICATION" if self.status == 401 else "VALIDATION_ERROR"
        return {
            "error": self.error,
            "error_description": self.description,
            "status": "error",
            "message": self.description,
            "correlationId": correlation_id(),
            "category": category,
        }


def is_loopback_callback(uri: str) -> bool:
    """`http://127.0.0.1:PORT/callback` or `http://localhost:PORT/callback`, any port, no query."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname in LOOPBACK_HOSTS
        and port is not None
        and parts.path == "/callback"
        and not parts.query
        and not parts.fragment
        and not parts.username
    )


@dataclass(frozen=True)
class OAuthClient:
    """The user-level app registered in the portal."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    redirect_uris: tuple[str, ...] = ()

    def accepts(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris or is_loopback_callback(redirect_uri)


@dataclass(frozen=True)
class Grant:
    """What one installation lets the app do: act as this user, in this portal, with these scopes."""

    client_id: str
    user_id: int
    user_email: str
    scopes: tuple[str, ...]
    hub_id: int = PORTAL_ID


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    challenge: str | None
    expires_at: float


@dataclass
class _Access:
    grant: Grant
    expires_at: float
    refresh_token: str


@dataclass
class _Tokens:
    codes: dict[str, _Code] = field(default_factory=dict)
    access: dict[str, _Access] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)


def s256(verifier: str) -> str:
    """RFC 7636's S256 transform: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthServer:
    """Codes and tokens for the registered app; thread-safe, on the portal's clock."""

    def __init__(
        self,
        client: OAuthClient,
        *,
        token_ttl: float = DEFAULT_TOKEN_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.token_ttl = token_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._state = _Tokens()

    # --- the authorize page ------------------------------------------------------------------------

    def issue_code(self, grant: Grant, redirect_uri: str, challenge: str | None) -> str:
        code = "sbx-code-" + secrets.token_urlsafe(24)
        with self._lock:
            self._state.codes[code] = _Code(grant, redirect_uri, challenge, self._clock() + CODE_TTL)
        return code

    # --- POST /oauth/2026-09/token -----------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            self._check_client(form)
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            self._check_client(form)
            return self._refresh(form)
        if not grant_type:
            raise OAuthError(400, "invalid_request", "missing grant_type")
        raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def _exchange_code(self, form: Mapping[str, str]) -> dict[str, Any]:
        code = form.get("code", "")
        if not code:
            raise OAuthError(400, "invalid_request", "missing code")
        with self._lock:
            pending = self._state.codes.pop(code, None)  # single use, even when the exchange fails
        if pending is None or pending.expires_at <= self._clock():
            raise OAuthError(
                400, "invalid_grant", "the authorization code is unknown, expired or already used"
            )
        if pending.grant.client_id != form.get("client_id"):
            raise OAuthError(400, "invalid_grant", "the authorization code was issued to another client")
        if pending.redirect_uri != form.get("redirect_uri", ""):
            raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
        if pending.challenge is not None:
            verifier = form.get("code_verifier", "")
            if not verifier:
                raise OAuthError(400, "invalid_request", "missing code_verifier")
            if not secrets.compare_digest(s256(verifier), pending.challenge):
                raise OAuthError(400, "invalid_grant", "code_verifier does not match the code_challenge")
        refresh_token = "sbx-refresh-" + secrets.token_urlsafe(32)
        with self._lock:
            self._state.refresh[refresh_token] = pending.grant
        return self._issue_access(pending.grant, refresh_token)

    def _refresh(self, form: Mapping[str, str]) -> dict[str, Any]:
        refresh_token = form.get("refresh_token", "")
        if not refresh_token:
            raise OAuthError(400, "invalid_request", "missing refresh_token")
        with self._lock:
            grant = self._state.refresh.get(refresh_token)
        if grant is None or grant.client_id != form.get("client_id"):
            raise OAuthError(400, "invalid_grant", "the refresh token is unknown or was revoked")
        return self._issue_access(grant, refresh_token)

    def _issue_access(self, grant: Grant, refresh_token: str) -> dict[str, Any]:
        access_token = "sbx-access-" + secrets.token_urlsafe(32)
        with self._lock:
            self._state.access[access_token] = _Access(grant, self._clock() + self.token_ttl, refresh_token)
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_in": int(self.token_ttl),
            "token_type": "bearer",
            "hub_id": grant.hub_id,
            "user_id": grant.user_id,
            "scopes": list(grant.scopes),
        }

    # --- introspect and revoke ---------------------------------------------------------------------

    def introspect(self, form: Mapping[str, str]) -> dict[str, Any]:
        """RFC 7662: `active` plus HubSpot's token metadata; an unknown or dead token is just inactive."""
        self._check_client(form)
        token = form.get("token", "")
        now = self._clock()
        with self._lock:
            access = self._state.access.get(token)
            refresh_grant = self._state.refresh.get(token)
        if access is not None and access.expires_at > now:
            return {
                **self._metadata(access.grant),
                "token_type": "access",
                "expires_in": max(0, int(access.expires_at - now)),
                "exp": int(access.expires_at),
            }
        if refresh_grant is not None:
            return {**self._metadata(refresh_grant), "token_type": "refresh"}
        return {"active": False}

    @staticmethod
    def _metadata(grant: Grant) -> dict[str, Any]:
        return {
            "active": True,
            "client_id": grant.client_id,
            "app_id": APP_ID,
            "hub_id": grant.hub_id,
            "user_id": grant.user_id,
            "user": grant.user_email,
            "scopes": list(grant.scopes),
            "scope": " ".join(grant.scopes),
        }

    def revoke(self, form: Mapping[str, str]) -> None:
        """RFC 7009: revoking a refresh token ends its access tokens too; an unknown token is no error."""
        self._check_client(form)
        token = form.get("token", "")
        with self._lock:
            self._state.access.pop(token, None)
            if self._state.refresh.pop(token, None) is not None:
                for key in [k for k, a in self._state.access.items() if a.refresh_token == token]:
                    del self._state.access[key]

    # --- API calls ---------------------------------------------------------------------------------

    def access_grant(self, token: str) -> Grant | None:
        """The grant behind a live access token; None when unknown, expired or revoked."""
        with self._lock:
            access = self._state.access.get(token)
        if access is None or access.expires_at <= self._clock():
            return None
        return access.grant

    def _check_client(self, form: Mapping[str, str]) -> None:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret:
            raise OAuthError(400, "invalid_request", "client_id and client_secret are required")
        known = client_id == self.client.client_id
        if not known or not secrets.compare_digest(secret, self.client.client_secret):
            raise OAuthError(401, "invalid_client", "unknown client_id or wrong client_secret")


__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_TOKEN_TTL",
    "Grant",
    "OAuthClient",
    "OAuthError",
    "OAuthServer",
    "is_loopback_callback",
    "s256",
]
