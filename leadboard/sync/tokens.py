"""Where the gateway gets the bearer for each request: a `TokenProvider`.

A private-app token or a service key never changes while leadboard runs (`StaticToken`). A rep's
OAuth access token lives 30 minutes: its provider (cli/oauth_tokens.py, where the keyring and the
lock file are) hands out the current one, refreshes it shortly before it expires, and once more
when HubSpot answers 401 to it. The gateway asks for the bearer on every request, so a token
refreshed by another leadboard process is picked up without rebuilding anything.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from leadboard.secret import Secret, secret_text
from leadboard.sync.errors import AuthFailed

__all__ = ["StaticToken", "TokenProvider", "as_provider"]

NO_TOKEN = "No HubSpot access token is set. Run `leadboard login` or set HUBSPOT_ACCESS_TOKEN."


@runtime_checkable
class TokenProvider(Protocol):
    """The bearer for the next request, and one refresh after HubSpot refused it."""

    def bearer(self) -> Secret:
        """The access token to send now; `AuthFailed` (or `SignInAgain`) when there is none to send."""
        ...

    def refresh_after(self, refused: Secret) -> Secret | None:
        """A new access token after HubSpot answered 401 to `refused`, or None when this kind of
        credential cannot be refreshed (the 401 stands). May raise `SignInAgain`."""
        ...

    @property
    def user_id(self) -> int | None:
        """The HubSpot user the token acts as (a user-level sign-in), None for an account-level key."""
        ...


class StaticToken:
    """A private-app token or a service key: account-level, never refreshed."""

    def __init__(self, token: str | Secret) -> None:
        value = (secret_text(token) or "").strip()
        if not value:
            raise AuthFailed(NO_TOKEN)
        self._token = Secret(value)

    def __repr__(self) -> str:
        return "StaticToken(**********)"

    def bearer(self) -> Secret:
        return self._token

    def refresh_after(self, refused: Secret) -> Secret | None:
        return None

    @property
    def user_id(self) -> int | None:
        return None


def as_provider(token: str | Secret | TokenProvider | None) -> TokenProvider:
    """A provider for whatever a caller holds: a provider as it is, a plain token wrapped."""
    if isinstance(token, str | Secret) or token is None:
        return StaticToken(token or "")
    return token
