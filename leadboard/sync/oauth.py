"""HubSpot's OAuth token endpoints (2026-09), over plain HTTPS: exchange, refresh, introspect, revoke.

These are form posts outside the CRM API the generated client covers, so they go through urllib3
directly (the client itself stays in sync/hubspot.py). Every token in and out is a `Secret` and is
registered with the log filter the moment it arrives. An RFC 6749 error answer becomes
`OAuthRefused` (its `error` code kept); `invalid_grant` on a refresh becomes `SignInAgain`: only a
new sign-in mends a revoked or uninstalled grant. Network trouble is `Offline`, as for the API.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3

from leadboard.logs import register_secret
from leadboard.secret import Secret
from leadboard.sync.errors import SIGN_IN_AGAIN, GatewayError, ServerError, SignInAgain, clean_text
from leadboard.sync.translate import network_error

OAUTH_VERSION = "2026-09"
HUBSPOT_AUTHORIZE_URL = "https://app.hubspot.com/oauth/authorize"
DEFAULT_TIMEOUT = urllib3.Timeout(connect=5.0, read=20.0)

__all__ = [
    "HUBSPOT_AUTHORIZE_URL",
    "OAuthEndpoints",
    "OAuthRefused",
    "TokenGrant",
    "TokenInfo",
    "authorize_url_for",
]


class OAuthRefused(GatewayError):
    """The token endpoint answered an RFC 6749 error (`error` is its code, e.g. `invalid_client`)."""

    def __init__(self, message: str, *, error: str, status: int | None = None) -> None:
        super().__init__(message, status=status, operation="signing in")
        self.error = clean_text(error, limit=60)


@dataclass(frozen=True)
class TokenGrant:
    """A token endpoint's answer: the access token (until `expires_at`, epoch seconds) and the
    refresh token, with who and where they act as when HubSpot says so."""

    access_token: Secret = field(repr=False)
    refresh_token: Secret = field(repr=False)
    expires_at: float
    user_id: int | None = None
    hub_id: int | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenInfo:
    """What introspection says about a token (RFC 7662 plus HubSpot's metadata)."""

    active: bool
    user_id: int | None = None
    hub_id: int | None = None
    user: str | None = None
    scopes: tuple[str, ...] = ()
    token_type: str | None = None
    expires_in: int | None = None


def authorize_url_for(portal: str, override: str | None = None) -> str:
    """Where the browser goes to approve the app: HubSpot's page for HubSpot's API hosts, else the
    portal's own `/oauth/authorize` (the sandbox serves it there)."""
    if override:
        return override
    host = (urlsplit(portal).hostname or "").lower()
    if host == "hubapi.com" or host.endswith(".hubapi.com"):
        return HUBSPOT_AUTHORIZE_URL
    return portal.rstrip("/") + "/oauth/authorize"


class OAuthEndpoints:
    """The four token endpoints of one portal, for one app (client id and secret)."""

    def __init__(
        self,
        portal: str,
        client_id: str,
        client_secret: Secret,
        *,
        timeout: urllib3.Timeout = DEFAULT_TIMEOUT,
        clock: Any = time.time,
    ) -> None:
        self.portal = portal.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout
        self._clock = clock
        self._http = urllib3.PoolManager(retries=urllib3.Retry(total=2, connect=2, read=0, status=0))

    def __repr__(self) -> str:
        return f"OAuthEndpoints(portal={self.portal!r}, client_id={self.client_id!r})"

    def exchange_code(self, code: str, verifier: str, redirect_uri: str) -> TokenGrant:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        }
        return self._grant(self._post("/token", form, "exchanging the sign-in code"))

    def refresh(self, refresh_token: Secret) -> TokenGrant:
        """A new access token; `SignInAgain` when HubSpot refuses the refresh token itself."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()}
        try:
            data = self._post("/token", form, "refreshing the access token")
        except OAuthRefused as exc:
            if exc.error == "invalid_grant":
                raise SignInAgain(
                    f"HubSpot ended your sign-in ({exc}): {SIGN_IN_AGAIN}", status=exc.status
                ) from None
            raise
        grant = self._grant(data)
        if not grant.refresh_token:  # HubSpot's refresh tokens do not rotate; keep the one we hold
            grant = TokenGrant(
                grant.access_token, refresh_token, grant.expires_at, grant.user_id, grant.hub_id, grant.scopes
            )
        return grant

    def introspect(self, token: Secret) -> TokenInfo:
        data = self._post("/token/introspect", {"token": token.get_secret_value()}, "asking about the token")
        scopes = data.get("scopes")
        if not isinstance(scopes, list):
            scopes = str(data.get("scope") or "").split()
        return TokenInfo(
            active=bool(data.get("active")),
            user_id=_int(data.get("user_id")),
            hub_id=_int(data.get("hub_id")),
            user=clean_text(data["user"], limit=120) if isinstance(data.get("user"), str) else None,
            scopes=tuple(clean_text(s, limit=80) for s in scopes if isinstance(s, str)),
            token_type=str(data.get("token_type")) if data.get("token_type") else None,
            expires_in=_int(data.get("expires_in")),
        )

    def revoke(self, token: Secret) -> None:
        self._post(
            "/token/revoke", {"token": token.get_secret_value()}, "revoking the token", expect_json=False
        )

    # --- the one way out --------------------------------------------------------------------------

    def _post(
        self, path: str, form: dict[str, str], operation: str, *, expect_json: bool = True
    ) -> dict[str, Any]:
        url = f"{self.portal}/oauth/{OAUTH_VERSION}{path}"
        body = urlencode(
            {**form, "client_id": self.client_id, "client_secret": self._client_secret.get_secret_value()}
        )
        try:
            response = self._http.request(
                "POST",
                url,
                body=body.encode("utf-8"),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                timeout=self._timeout,
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise network_error(
                exc, operation=operation, method="POST", is_create=False, host=self.portal
            ) from None
        data = _json(response.data)
        if response.status >= 400:
            error = str(data.get("error") or "") if isinstance(data, dict) else ""
            said = (
                str(data.get("error_description") or data.get("message") or "")
                if isinstance(data, dict)
                else ""
            )
            if response.status >= 500:
                raise ServerError(
                    f"HubSpot failed while {operation} ({response.status}).", operation=operation
                )
            raise OAuthRefused(
                f"HubSpot refused {operation} ({error or response.status}: {said or 'no reason given'})",
                error=error or str(response.status),
                status=response.status,
            )
        if not expect_json:
            return {}
        if not isinstance(data, dict):
            raise ServerError(f"HubSpot sent an unexpected answer while {operation}.", operation=operation)
        return data

    def _grant(self, data: dict[str, Any]) -> TokenGrant:
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not isinstance(access, str) or not access:
            raise ServerError("HubSpot's token answer had no access token.", operation="signing in")
        register_secret(access)
        if isinstance(refresh, str) and refresh:
            register_secret(refresh)
        expires_in = _int(data.get("expires_in")) or 1800
        scopes = data.get("scopes")
        if not isinstance(scopes, list):
            scopes = str(data.get("scope") or "").split()
        return TokenGrant(
            access_token=Secret(access),
            refresh_token=Secret(refresh if isinstance(refresh, str) else ""),
            expires_at=self._clock() + expires_in,
            user_id=_int(data.get("user_id")),
            hub_id=_int(data.get("hub_id")),
            scopes=tuple(str(s) for s in scopes),
        )


def _json(raw: bytes | None) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
