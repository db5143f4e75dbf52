"""Where the HubSpot access token comes from, and where `leadboard login` keeps it.

Order: `HUBSPOT_ACCESS_TOKEN` (headless and CI use), then the OS keyring (service "leadboard",
user name = the portal URL), then a JSON file in the user config dir that only the user can read.
The file is the fallback for machines without a keyring (servers, containers); it is refused if
its mode lets anyone else read it, because then the token may already have leaked. The token is
handed out as a `Secret` (secret.py), registered with the log filter, and never put in SQLite or a message.

Two kinds are kept apart by their key: a plain token (a service key or a private-app token, both
account-level) under the portal URL, and a rep's OAuth sign-in under `oauth:` + the portal URL,
as one JSON value: the refresh token, the current access token and its expiry, and who it acts as
(`OAuthCredential`). Storing one kind removes the other, so a portal has one credential at a time.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import platformdirs

from leadboard.config import APP_NAME, Settings
from leadboard.logs import redact, register_secret
from leadboard.secret import Secret, secret_text

TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
KEYRING_SERVICE = "leadboard"
TOKEN_FILE_NAME = "credentials.json"
OAUTH_KEY_PREFIX = "oauth:"
#: Said wherever an account-level credential is reported: what it means for the rep's changes.
ACCOUNT_LEVEL = "account-level: your changes appear in HubSpot as made by the key, not by you"

CredentialKind = Literal["oauth", "service key", "private app", "token"]

log = logging.getLogger(__name__)


class CredentialsError(Exception):
    """The stored token cannot be used safely; the message says what to do."""


@dataclass(frozen=True)
class OAuthCredential:
    """A rep's sign-in through the company's user-level app: what `leadboard login` keeps.

    Only the keyring (or the 0600 file) holds it; the cache holds none of it. `lifetime` is how long
    HubSpot said an access token lives (seconds), so the refresh margin follows it.
    """

    client_id: str
    refresh_token: Secret = field(repr=False)
    access_token: Secret = field(repr=False)
    expires_at: float
    lifetime: float
    user_id: int | None = None
    hub_id: int | None = None
    user_email: str | None = None
    user_name: str | None = None
    scopes: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": "oauth",
                "client_id": self.client_id,
                "refresh_token": self.refresh_token.get_secret_value(),
                "access_token": self.access_token.get_secret_value(),
                "expires_at": self.expires_at,
                "lifetime": self.lifetime,
                "user_id": self.user_id,
                "hub_id": self.hub_id,
                "user_email": self.user_email,
                "user_name": self.user_name,
                "scopes": list(self.scopes),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, raw: str) -> OAuthCredential | None:
        """The stored credential, or None when `raw` is not one (then it is ignored)."""
        try:
            data: Any = json.loads(raw)
            if not isinstance(data, dict) or data.get("kind") != "oauth":
                return None
            refresh, access = str(data["refresh_token"]), str(data.get("access_token") or "")
            register_secret(refresh)
            register_secret(access)
            return cls(
                client_id=str(data["client_id"]),
                refresh_token=Secret(refresh),
                access_token=Secret(access),
                expires_at=float(data.get("expires_at") or 0),
                lifetime=float(data.get("lifetime") or 1800),
                user_id=_maybe_int(data.get("user_id")),
                hub_id=_maybe_int(data.get("hub_id")),
                user_email=_maybe_str(data.get("user_email")),
                user_name=_maybe_str(data.get("user_name")),
                scopes=tuple(str(s) for s in data.get("scopes") or ()),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def with_access(self, access_token: Secret, expires_at: float, lifetime: float) -> OAuthCredential:
        return replace(self, access_token=access_token, expires_at=expires_at, lifetime=lifetime)

    @property
    def who(self) -> str:
        """ "Dana Rep (portal 12345)": the words every place that says who is signed in uses."""
        name = self.user_name or self.user_email or f"HubSpot user {self.user_id}"
        return f"{name} (portal {self.hub_id})" if self.hub_id is not None else name


def _maybe_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _maybe_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def token_kind(token: str | Secret) -> CredentialKind:
    """An account-level token's kind by its shape: private-app tokens start `pat-`; HubSpot's
    service keys are told apart by nothing documented yet, so the rest is "service key"."""
    text = (secret_text(token) or "").strip()
    return "private app" if text.startswith("pat-") else "service key"


def kind_words(kind: CredentialKind) -> str:
    return {
        "oauth": "signed in as yourself (user-level OAuth)",
        "service key": f"a service key ({ACCOUNT_LEVEL})",
        "private app": f"a private-app token ({ACCOUNT_LEVEL})",
        "token": f"an access token ({ACCOUNT_LEVEL})",
    }[kind]


@dataclass(frozen=True)
class ResolvedToken:
    """A token and a human description of where it came from (for `doctor` and the status line).

    `oauth` is the whole sign-in when the credential is a rep's OAuth one (`token` is then its
    current access token)."""

    token: Secret
    source: str
    oauth: OAuthCredential | None = None

    @property
    def kind(self) -> CredentialKind:
        return "oauth" if self.oauth is not None else token_kind(self.token)


@dataclass(frozen=True)
class StoredToken:
    """Where `store_token` put the token; `fallback_reason` is set when the keyring could not be used."""

    location: str
    in_keyring: bool
    fallback_reason: str | None = None


def token_file_path() -> Path:
    """The fallback token file: `<user config dir>/leadboard/credentials.json`."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / TOKEN_FILE_NAME


def usable_keyring() -> keyring.backend.KeyringBackend | None:
    """The OS keyring backend, or None when keyring only has its fail/null stand-ins."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return None
    if isinstance(backend, keyring.backends.chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def resolve_token(settings: Settings) -> Secret | None:
    """The access token for `settings.portal`, or None when none is configured anywhere."""
    resolved = resolve_token_source(settings)
    return resolved.token if resolved else None


def resolve_token_source(settings: Settings) -> ResolvedToken | None:
    """Like `resolve_token`, and also say where the token was found."""
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        return _found(from_env, f"the {TOKEN_ENV} environment variable")
    signed_in = _load_value(oauth_key(settings.portal))
    if signed_in is not None:
        credential = OAuthCredential.from_json(signed_in[0])
        if credential is not None:
            return ResolvedToken(credential.access_token, signed_in[1], oauth=credential)
    plain = _load_value(settings.portal)
    if plain is not None:
        return _found(*plain)
    return None


def oauth_key(portal: str) -> str:
    return OAUTH_KEY_PREFIX + portal


def load_oauth(settings: Settings) -> OAuthCredential | None:
    """The rep's stored sign-in for `settings.portal` (read afresh: another process may have refreshed it)."""
    found = _load_value(oauth_key(settings.portal))
    return OAuthCredential.from_json(found[0]) if found else None


def store_oauth(settings: Settings, credential: OAuthCredential) -> StoredToken:
    """Keep the rep's sign-in (and drop a plain token stored for the same portal)."""
    stored = _store_value(oauth_key(settings.portal), credential.to_json())
    _forget_value(settings.portal)
    return stored


def forget_oauth(settings: Settings) -> list[str]:
    return _forget_value(oauth_key(settings.portal))


def _load_value(key: str) -> tuple[str, str] | None:
    """(value, where it was found) for `key`: the keyring first, then the 0600 file."""
    backend = usable_keyring()
    if backend is not None:
        try:
            from_keyring = backend.get_password(KEYRING_SERVICE, key)
        except Exception as exc:  # a locked or broken keyring must not stop the file fallback
            log.warning("keyring read failed (%s); trying the token file", type(exc).__name__)
        else:
            if from_keyring:
                return from_keyring, f"the system keyring ({_backend_name(backend)})"
    from_file = _read_token_file(check_mode=True).get(key)
    if from_file:
        return from_file, str(token_file_path())
    return None


def store_token(settings: Settings, token: str | Secret) -> StoredToken:
    """Keep the token for `settings.portal`: in the keyring when one works, else in the 0600 file."""
    secret = secret_text(token) or ""
    secret = secret.strip()
    if not secret:
        raise CredentialsError("the token is empty")
    register_secret(secret)
    stored = _store_value(settings.portal, secret)
    _forget_value(oauth_key(settings.portal))  # one credential per portal: the token replaces a sign-in
    return stored


def _store_value(key: str, secret: str) -> StoredToken:
    backend = usable_keyring()
    fallback_reason = "no system keyring is available"
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, key, secret)
        except Exception as exc:
            fallback_reason = f"the system keyring refused it ({type(exc).__name__}: {redact(str(exc))})"
            log.warning("keyring write failed (%s); using the token file", type(exc).__name__)
        else:
            # A plain-text copy from an earlier login would outlive this one; remove it.
            _remove_from_file(key)
            return StoredToken(location=f"the system keyring ({_backend_name(backend)})", in_keyring=True)
    tokens = _read_token_file(check_mode=True)
    tokens[key] = secret
    _write_token_file(tokens)
    return StoredToken(location=str(token_file_path()), in_keyring=False, fallback_reason=fallback_reason)


def forget_token(settings: Settings) -> list[str]:
    """Remove the stored token for `settings.portal` from the keyring and the file; say where from."""
    return _forget_value(settings.portal)


def _forget_value(key: str) -> list[str]:
    removed: list[str] = []
    backend = usable_keyring()
    if backend is not None:
        try:
            if backend.get_password(KEYRING_SERVICE, key) is not None:
                backend.delete_password(KEYRING_SERVICE, key)
                removed.append(f"the system keyring ({_backend_name(backend)})")
        except Exception as exc:
            log.warning("keyring delete failed (%s)", type(exc).__name__)
    if _remove_from_file(key):
        removed.append(str(token_file_path()))
    return removed


def lock_path() -> Path:
    """The file whose lock one leadboard process holds while it refreshes the rep's access token."""
    return token_file_path().with_name("credentials.lock")


def _found(token: str, source: str) -> ResolvedToken:
    register_secret(token)
    return ResolvedToken(token=Secret(token), source=source)


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    name = getattr(backend, "name", "") or type(backend).__name__
    return str(name)


def _read_token_file(*, check_mode: bool) -> dict[str, str]:
    path = token_file_path()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CredentialsError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "r", encoding="utf-8") as handle:
        if check_mode:
            _check_private(path, os.fstat(handle.fileno()))
        raw = handle.read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise CredentialsError(
            f"{path}: not a leadboard token file (not valid JSON); delete it and run `leadboard login`"
        ) from None
    tokens = data.get("tokens") if isinstance(data, dict) else None
    if not isinstance(tokens, dict):
        raise CredentialsError(f'{path}: has no "tokens" table; delete it and run `leadboard login`')
    return {str(portal): str(value) for portal, value in tokens.items() if isinstance(value, str)}


def _check_private(path: Path, info: os.stat_result) -> None:
    if os.name != "posix":
        return  # Windows ACLs are not expressed in st_mode; the per-user profile dir protects it.
    wide = stat.S_IMODE(info.st_mode) & 0o077
    if wide:
        raise CredentialsError(
            f"{path} can be read by other users (mode {stat.S_IMODE(info.st_mode):04o}), so leadboard "
            f"will not use it. Its token may have leaked: revoke it in HubSpot, then run "
            f"`chmod 600 {path}` or delete the file and run `leadboard login` again."
        )
    if info.st_uid != os.getuid():
        raise CredentialsError(f"{path} belongs to another user, so leadboard will not use it.")


def _remove_from_file(portal: str) -> bool:
    tokens = _read_token_file(check_mode=False)
    if portal not in tokens:
        return False
    del tokens[portal]
    if tokens:
        _write_token_file(tokens)
    else:
        token_file_path().unlink(missing_ok=True)
    return True


def _write_token_file(tokens: dict[str, str]) -> None:
    """Write atomically; mkstemp creates the temporary file 0600, so the token is never exposed."""
    path = token_file_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"tokens": tokens}, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
