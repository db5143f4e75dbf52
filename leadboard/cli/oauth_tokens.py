"""The rep's OAuth sign-in as a `TokenProvider` (sync/tokens.py): the bearer the gateway sends.

The access token lives 30 minutes. It is refreshed shortly before it expires and once after HubSpot
answers 401 to it, always under one lock file shared by every leadboard process of this user, so a
board and a CLI command running together never refresh twice nor overwrite each other's token:
whoever takes the lock re-reads the stored credential first, and refreshes only if the token there
is still the one that expired or was refused. A refused refresh (revoked, app uninstalled, user
removed) is `SignInAgain`; until `leadboard login` stores a new sign-in, the provider keeps saying
so without asking HubSpot again, and the first request after it picks the new one up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from filelock import FileLock

from leadboard.cli.credentials import (
    OAuthCredential,
    ResolvedToken,
    load_oauth,
    lock_path,
    resolve_token_source,
    store_oauth,
)
from leadboard.config import Settings
from leadboard.secret import Secret
from leadboard.sync.errors import SIGN_IN_AGAIN, SignInAgain
from leadboard.sync.oauth import OAuthEndpoints, TokenGrant
from leadboard.sync.tokens import StaticToken, TokenProvider

__all__ = ["OAuthTokens", "endpoints_for", "provider_for", "refresh_margin", "resolve_provider"]

#: Refresh this long before the access token expires (at most a tenth of its life, for short ones).
REFRESH_MARGIN = 60.0


def refresh_margin(lifetime: float) -> float:
    return min(REFRESH_MARGIN, lifetime / 10)


def endpoints_for(settings: Settings, client_id: str | None = None) -> OAuthEndpoints:
    """The portal's token endpoints for the configured app; `SignInAgain` when its secret is not set."""
    auth = settings.auth
    if not auth.client_secret or not (client_id or auth.client_id):
        raise SignInAgain(
            "leadboard's HubSpot app is not configured here: set [auth] client_id and client_secret in "
            f"the config (or LEADBOARD_CLIENT_ID and LEADBOARD_CLIENT_SECRET), then {SIGN_IN_AGAIN}"
        )
    return OAuthEndpoints(settings.portal, client_id or auth.client_id or "", auth.client_secret)


class OAuthTokens:
    """The current access token of the rep's sign-in; thread-safe, and safe across processes."""

    def __init__(
        self, settings: Settings, credential: OAuthCredential, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._settings = settings
        self._credential = credential
        self._clock = clock
        self._mutex = threading.Lock()
        #: The refresh token HubSpot refused: nothing more is asked until a new sign-in is stored.
        self._ended: Secret | None = None

    def __repr__(self) -> str:
        return f"OAuthTokens(portal={self._settings.portal!r}, user_id={self._credential.user_id!r})"

    @property
    def user_id(self) -> int | None:
        return self._credential.user_id

    @property
    def who(self) -> str:
        """ "NAME (portal ID)", for the board's status line."""
        return self._credential.who

    @property
    def credential(self) -> OAuthCredential:
        return self._credential

    def bearer(self) -> Secret:
        with self._mutex:
            if self._ended is not None:
                self._pick_up_new_sign_in()
            current = self._credential
            if current.expires_at - self._clock() <= refresh_margin(current.lifetime):
                self._refresh(current.access_token)
            return self._credential.access_token

    def refresh_after(self, refused: Secret) -> Secret | None:
        with self._mutex:
            self._refresh(refused)
            return self._credential.access_token

    def _pick_up_new_sign_in(self) -> None:
        stored = load_oauth(self._settings)
        if stored is None or stored.refresh_token == self._ended:
            raise SignInAgain(f"Your HubSpot sign-in has ended: {SIGN_IN_AGAIN}")
        self._credential, self._ended = stored, None

    def _refresh(self, stale: Secret) -> None:
        """Refresh unless another process (or thread) already did; under the shared lock file."""
        path = lock_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with FileLock(str(path)):
            stored = load_oauth(self._settings)
            if stored is None:
                self._ended = self._credential.refresh_token
                raise SignInAgain(f"You are signed out of HubSpot here: {SIGN_IN_AGAIN}")
            fresh_enough = stored.expires_at - self._clock() > refresh_margin(stored.lifetime)
            if stored.access_token != stale and fresh_enough:
                self._credential = stored  # another process refreshed it meanwhile
                return
            try:
                grant = endpoints_for(self._settings, stored.client_id).refresh(stored.refresh_token)
            except SignInAgain:
                self._credential, self._ended = stored, stored.refresh_token
                raise
            renewed = with_grant(stored, grant, self._clock())
            store_oauth(self._settings, renewed)
            self._credential = renewed


def with_grant(credential: OAuthCredential, grant: TokenGrant, now: float) -> OAuthCredential:
    lifetime = max(1.0, grant.expires_at - now)
    return credential.with_access(grant.access_token, grant.expires_at, lifetime)


def provider_for(settings: Settings, resolved: ResolvedToken) -> TokenProvider:
    """The provider for a credential found by `resolve_token_source`."""
    if resolved.oauth is not None:
        return OAuthTokens(settings, resolved.oauth)
    return StaticToken(resolved.token)


def resolve_provider(settings: Settings) -> TokenProvider | None:
    """The stored (or environment) credential for `settings.portal` as a provider; None if none."""
    resolved = resolve_token_source(settings)
    return provider_for(settings, resolved) if resolved is not None else None
