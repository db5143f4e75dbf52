"""Tokens: env var, keyring, private file; refused when the file is readable by others; login/logout."""

from __future__ import annotations

import json
import os
import pickle
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest
from click.testing import CliRunner

from leadboard.cli.credentials import (
    KEYRING_SERVICE,
    CredentialsError,
    forget_token,
    resolve_token,
    resolve_token_source,
    store_token,
    token_file_path,
)
from leadboard.cli.main import main
from leadboard.config import Settings, load_settings
from leadboard.logs import forget_registered_secrets

TOKEN = "pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789"
OTHER = "pat-eu1-99999999-8888-7777-6666-555555555555"
SANDBOX = "http://127.0.0.1:8765"

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are a POSIX notion")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A working keyring backend through keyring's own plugin API (the OS keyring is absent here)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


IN_MEMORY_KEYRING = f"the system keyring ({MemoryKeyring.name})"


class LockedKeyring(MemoryKeyring):
    """A keyring that exists but refuses writes, as a locked login keychain does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("keychain is locked")


@pytest.fixture(autouse=True)
def no_real_keyring() -> Iterator[None]:
    """Never touch the developer's keyring: start every test on keyring's fail backend."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)
    forget_registered_secrets()


@pytest.fixture
def settings() -> Settings:
    return load_settings(portal=SANDBOX)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_nothing_configured_means_no_token(settings: Settings) -> None:
    assert resolve_token(settings) is None


def test_environment_variable_wins_over_stored_token(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_token(settings, OTHER)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", f"  {TOKEN}\n")
    resolved = resolve_token_source(settings)
    assert resolved is not None
    assert resolved.token.get_secret_value() == TOKEN
    assert resolved.source == "the HUBSPOT_ACCESS_TOKEN environment variable"


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()])
@posix_only
def test_without_a_usable_keyring_the_token_goes_to_a_0600_file(
    settings: Settings, isolated_dirs: Path, backend: keyring.backend.KeyringBackend
) -> None:
    keyring.set_keyring(backend)
    stored = store_token(settings, TOKEN)
    path = token_file_path()
    assert path == isolated_dirs / "config" / "leadboard" / "credentials.json"
    assert stored.in_keyring is False
    assert stored.location == str(path)
    assert stored.fallback_reason == "no system keyring is available"
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    token = resolve_token(settings)
    assert token is not None and token.get_secret_value() == TOKEN
    assert [p.name for p in path.parent.iterdir()] == ["credentials.json"], "no temporary file left behind"


def test_tokens_are_kept_per_portal(settings: Settings) -> None:
    hubspot = load_settings()
    store_token(settings, TOKEN)
    store_token(hubspot, OTHER)
    assert (resolve_token(settings) or pytest.fail()).get_secret_value() == TOKEN
    assert (resolve_token(hubspot) or pytest.fail()).get_secret_value() == OTHER
    assert forget_token(settings) == [str(token_file_path())]
    assert resolve_token(settings) is None
    assert (resolve_token(hubspot) or pytest.fail()).get_secret_value() == OTHER


@posix_only
@pytest.mark.parametrize("wide_mode", [0o644, 0o640, 0o604])
def test_a_token_file_others_can_read_is_refused(settings: Settings, wide_mode: int) -> None:
    store_token(settings, TOKEN)
    path = token_file_path()
    path.chmod(wide_mode)
    with pytest.raises(CredentialsError) as caught:
        resolve_token(settings)
    message = str(caught.value)
    assert str(path) in message
    assert f"mode {wide_mode:04o}" in message
    assert f"chmod 600 {path}" in message
    assert TOKEN not in message
    with pytest.raises(CredentialsError):
        store_token(settings, OTHER)
    assert json.loads(path.read_text())["tokens"][SANDBOX] == TOKEN, "a refused store must not rewrite it"


@posix_only
def test_logout_still_cleans_up_a_file_others_can_read(settings: Settings) -> None:
    store_token(settings, TOKEN)
    token_file_path().chmod(0o644)
    assert forget_token(settings) == [str(token_file_path())]
    assert not token_file_path().exists()


def test_a_usable_keyring_is_preferred_and_no_file_is_written(settings: Settings) -> None:
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    stored = store_token(settings, TOKEN)
    assert stored.in_keyring is True
    assert stored.location == IN_MEMORY_KEYRING
    assert memory.passwords == {(KEYRING_SERVICE, SANDBOX): TOKEN}
    assert not token_file_path().exists()
    resolved = resolve_token_source(settings)
    assert resolved is not None
    assert resolved.token.get_secret_value() == TOKEN
    assert resolved.source == IN_MEMORY_KEYRING
    assert forget_token(settings) == [IN_MEMORY_KEYRING]
    assert memory.passwords == {}
    assert resolve_token(settings) is None


def test_storing_in_the_keyring_removes_an_older_plain_file_copy(settings: Settings) -> None:
    store_token(settings, OTHER)  # fail backend: goes to the file
    assert token_file_path().exists()
    keyring.set_keyring(MemoryKeyring())
    store_token(settings, TOKEN)
    assert not token_file_path().exists()
    assert (resolve_token(settings) or pytest.fail()).get_secret_value() == TOKEN


def test_a_keyring_that_refuses_writes_falls_back_to_the_file(settings: Settings) -> None:
    keyring.set_keyring(LockedKeyring())
    stored = store_token(settings, TOKEN)
    assert stored.in_keyring is False
    assert stored.fallback_reason == "the system keyring refused it (PasswordSetError: keychain is locked)"
    resolved = resolve_token_source(settings)
    assert resolved is not None
    assert resolved.source == str(token_file_path())


def test_the_token_never_shows_in_str_or_repr(settings: Settings) -> None:
    store_token(settings, TOKEN)
    resolved = resolve_token_source(settings)
    assert resolved is not None
    for shown in (str(resolved.token), repr(resolved.token), repr(resolved), f"{resolved}"):
        assert TOKEN not in shown
    assert resolved.token.get_secret_value() == TOKEN


def test_the_token_cannot_be_pickled_into_a_file_in_the_clear(settings: Settings) -> None:
    store_token(settings, TOKEN)
    token = resolve_token(settings)
    assert token is not None and token == resolve_token(settings)
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(token)


def test_a_corrupt_token_file_gives_a_clear_error(settings: Settings) -> None:
    path = token_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"not json")
    os.close(fd)
    with pytest.raises(CredentialsError, match=r"not valid JSON.*leadboard login"):
        resolve_token(settings)


def test_login_from_stdin_stores_a_token_that_resolve_token_returns() -> None:
    result = CliRunner().invoke(
        main, ["login", "--portal", f"{SANDBOX}/", "--token-stdin"], input=f"{TOKEN}\n"
    )
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert f"Token for {SANDBOX} saved in {token_file_path()}." in result.output
    assert "is account-level: your changes appear in HubSpot as made by the key" in result.output
    assert "no system keyring is available" in result.output
    token = resolve_token(load_settings(portal=SANDBOX))
    assert token is not None and token.get_secret_value() == TOKEN
    assert resolve_token(load_settings()) is None, "stored for the sandbox portal only"


def test_login_uses_the_configured_portal_and_a_hidden_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_PORTAL", SANDBOX)
    keyring.set_keyring(MemoryKeyring())
    result = CliRunner().invoke(main, ["login"], input=f"{TOKEN}\n")
    assert result.exit_code == 0, result.output
    assert f"Access token for {SANDBOX}:" in result.output
    assert TOKEN not in result.output
    assert f"saved in {IN_MEMORY_KEYRING}." in result.output
    assert (resolve_token(load_settings()) or pytest.fail()).get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("\n", "No token given"),
        ("pat-na1 0a1b2c3d\n", "spaces or control characters"),
        ("pat-na1-\x1b[31m\n", "spaces or control characters"),
    ],
)
def test_login_refuses_an_unusable_token_and_stores_nothing(typed: str, problem: str) -> None:
    result = CliRunner().invoke(main, ["login", "--token-stdin"], input=typed)
    assert result.exit_code == 1
    assert problem in result.output
    assert not token_file_path().exists()


def test_login_notes_that_the_environment_variable_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", OTHER)
    result = CliRunner().invoke(main, ["login", "--token-stdin"], input=TOKEN)
    assert result.exit_code == 0, result.output
    assert "HUBSPOT_ACCESS_TOKEN is set and takes precedence" in result.output
    assert TOKEN not in result.output and OTHER not in result.output


@posix_only
def test_login_over_a_file_others_can_read_fails_with_the_fix(settings: Settings) -> None:
    store_token(settings, OTHER)
    token_file_path().chmod(0o644)
    result = CliRunner().invoke(main, ["login", "--portal", SANDBOX, "--token-stdin"], input=TOKEN)
    assert result.exit_code == 1
    assert "can be read by other users" in result.output
    assert "Traceback" not in result.output
    assert TOKEN not in result.output and OTHER not in result.output


def test_logout_forgets_the_token() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["login", "--portal", SANDBOX, "--token-stdin"], input=TOKEN).exit_code == 0
    result = runner.invoke(main, ["logout", "--portal", SANDBOX])
    assert result.exit_code == 0
    assert result.output.strip() == f"Forgot the token for {SANDBOX} (removed from {token_file_path()})."
    assert resolve_token(load_settings(portal=SANDBOX)) is None
    again = runner.invoke(main, ["logout", "--portal", SANDBOX])
    assert again.output.strip() == f"No stored token for {SANDBOX}."
