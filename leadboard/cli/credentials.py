"""Where the HubSpot access token comes from, and where `leadboard login` keeps it.

Order: `HUBSPOT_ACCESS_TOKEN` (headless and CI use), then the OS keyring (service "leadboard",
user name = the portal URL), then a JSON file in the user config dir that only the user can read.
The file is the fallback for machines without a keyring (servers, containers); it is refused if
its mode lets anyone else read it, because then the token may already have leaked. The token is
handed out as a `Secret` (secret.py), registered with the log filter, and never put in SQLite or a message.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

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

log = logging.getLogger(__name__)


class CredentialsError(Exception):
    """The stored token cannot be used safely; the message says what to do."""


@dataclass(frozen=True)
class ResolvedToken:
    """A token and a human description of where it came from (for `doctor` and the status line)."""

    token: Secret
    source: str


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
    backend = usable_keyring()
    if backend is not None:
        try:
            from_keyring = backend.get_password(KEYRING_SERVICE, settings.portal)
        except Exception as exc:  # a locked or broken keyring must not stop the file fallback
            log.warning("keyring read failed (%s); trying the token file", type(exc).__name__)
        else:
            if from_keyring:
                return _found(from_keyring, f"the system keyring ({_backend_name(backend)})")
    from_file = _read_token_file(check_mode=True).get(settings.portal)
    if from_file:
        return _found(from_file, str(token_file_path()))
    return None


def store_token(settings: Settings, token: str | Secret) -> StoredToken:
    """Keep the token for `settings.portal`: in the keyring when one works, else in the 0600 file."""
    secret = secret_text(token) or ""
    secret = secret.strip()
    if not secret:
        raise CredentialsError("the token is empty")
    register_secret(secret)
    backend = usable_keyring()
    fallback_reason = "no system keyring is available"
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, settings.portal, secret)
        except Exception as exc:
            fallback_reason = f"the system keyring refused it ({type(exc).__name__}: {redact(str(exc))})"
            log.warning("keyring write failed (%s); using the token file", type(exc).__name__)
        else:
            # A plain-text copy from an earlier login would outlive this one; remove it.
            _remove_from_file(settings.portal)
            return StoredToken(location=f"the system keyring ({_backend_name(backend)})", in_keyring=True)
    tokens = _read_token_file(check_mode=True)
    tokens[settings.portal] = secret
    _write_token_file(tokens)
    return StoredToken(location=str(token_file_path()), in_keyring=False, fallback_reason=fallback_reason)


def forget_token(settings: Settings) -> list[str]:
    """Remove the stored token for `settings.portal` from the keyring and the file; say where from."""
    removed: list[str] = []
    backend = usable_keyring()
    if backend is not None:
        try:
            if backend.get_password(KEYRING_SERVICE, settings.portal) is not None:
                backend.delete_password(KEYRING_SERVICE, settings.portal)
                removed.append(f"the system keyring ({_backend_name(backend)})")
        except Exception as exc:
            log.warning("keyring delete failed (%s)", type(exc).__name__)
    if _remove_from_file(settings.portal):
        removed.append(str(token_file_path()))
    return removed


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
