"""Shared fixtures: every test runs with its own config, data and cache dirs, never the developer's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "hubspot-specs"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point XDG dirs and leadboard's own variables at tmp_path so no test reads or writes a real config."""
    home = tmp_path / "home"
    for sub in ("config", "data", "cache", "state"):
        (home / sub).mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("LEADBOARD_CONFIG", str(home / "config" / "leadboard" / "config.toml"))
    for var in ("LEADBOARD_PORTAL", "LEADBOARD_EMAIL", "LEADBOARD_DB", "HUBSPOT_ACCESS_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATION", "none")
    yield home


@pytest.fixture(autouse=True)
def no_real_keyring() -> Iterator[None]:
    """A test must never read or write the developer's own keyring: start every test with none."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def restored_root_logging() -> Iterator[None]:
    """A command run in-process installs leadboard's log file on the root logger (`setup_logging`),
    whose redacting filter rewrites every record it sees: take it off again so the next test's
    records (and caplog) are as the code under test made them."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.fixture(scope="session")
def hubspot_specs_dir() -> Path:
    """HubSpot's official OpenAPI files, read from ../shared/hubspot-specs (never copied into the repo)."""
    if not SHARED_SPECS.is_dir():
        pytest.fail(
            f"HubSpot's OpenAPI files were not found at {SHARED_SPECS}. "
            "The contract tests read them from ../shared/hubspot-specs beside the checkout; "
            "put the shared folder there (CI has it there) and run the tests again."
        )
    return SHARED_SPECS
