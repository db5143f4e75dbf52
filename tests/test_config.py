"""Settings: precedence, defaults, clear errors for bad files and values, and save_setting."""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadboard.cli.main import main
from leadboard.config import (
    DEFAULT_PORTAL,
    ConfigError,
    config_path,
    load_settings,
    save_setting,
)
from leadboard.sla_settings import SlaTarget


@pytest.fixture
def config_file() -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_config_path_follows_the_environment_then_the_user_config_dir(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert config_path() == isolated_dirs / "config" / "leadboard" / "config.toml"
    monkeypatch.setenv("LEADBOARD_CONFIG", str(isolated_dirs / "elsewhere.toml"))
    assert config_path() == isolated_dirs / "elsewhere.toml"
    monkeypatch.delenv("LEADBOARD_CONFIG")
    assert config_path() == isolated_dirs / "config" / "leadboard" / "config.toml"


def test_missing_file_gives_the_defaults(isolated_dirs: Path) -> None:
    settings = load_settings()
    assert settings.portal == DEFAULT_PORTAL
    assert settings.email is None
    assert settings.db == isolated_dirs / "data" / "leadboard" / "cache.sqlite"
    assert settings.sync_interval == 180
    assert settings.theme == "textual-dark"
    assert settings.keymap == {}
    assert {k: str(v) for k, v in settings.sla.by_label.items()} == {
        "hot": "1 hour",
        "warm": "1 business day",
        "cold": "3 business days",
    }
    assert {k: str(v) for k, v in settings.sla.by_source.items()} == {"demo": "1 hour", "pricing": "1 hour"}
    assert settings.sla.business_hours.days == ("mon", "tue", "wed", "thu", "fri")
    assert settings.sla.zone() is None
    assert not config_path().exists(), "reading settings must not create a config file"


@pytest.mark.parametrize(
    ("key", "env", "in_file", "in_env", "in_flag", "default"),
    [
        (
            "portal",
            "LEADBOARD_PORTAL",
            "https://file.example",
            "https://env.example",
            "https://flag.example",
            None,
        ),
        ("email", "LEADBOARD_EMAIL", "file@example.com", "env@example.com", "flag@example.com", None),
        ("db", "LEADBOARD_DB", "/tmp/file.sqlite", "/tmp/env.sqlite", "/tmp/flag.sqlite", None),
    ],
)
def test_flag_beats_env_beats_file_beats_default(
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    env: str,
    in_file: str,
    in_env: str,
    in_flag: str,
    default: None,
) -> None:
    def current(**flags: str) -> str:
        return str(getattr(load_settings(**flags), key))

    default_value = current()
    write(config_file, f'{key} = "{in_file}"\n')
    assert current() == in_file
    monkeypatch.setenv(env, in_env)
    assert current() == in_env
    assert current(**{key: in_flag}) == in_flag
    monkeypatch.delenv(env)
    assert current(**{key: in_flag}) == in_flag
    assert current() == in_file
    config_file.unlink()
    assert current() == default_value


def test_blank_environment_variable_is_ignored(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(config_file, 'email = "file@example.com"\n')
    monkeypatch.setenv("LEADBOARD_EMAIL", "  ")
    assert load_settings().email == "file@example.com"


@pytest.mark.parametrize(
    "portal", ["http://127.0.0.1:8765", "http://127.8.9.10", "http://[::1]:8765", "http://LocalHost:1"]
)
def test_plain_http_is_accepted_on_this_machine_only(config_file: Path, portal: str) -> None:
    write(config_file, f'portal = "{portal}"\n')
    assert load_settings().portal == portal


def test_portal_is_normalised_without_trailing_slash(config_file: Path) -> None:
    write(config_file, 'portal = "http://127.0.0.1:8765/"\n')
    assert load_settings().portal == "http://127.0.0.1:8765"


def test_relative_db_in_the_file_is_relative_to_the_file(config_file: Path) -> None:
    write(config_file, 'db = "caches/mine.sqlite"\n')
    assert load_settings().db == config_file.parent / "caches" / "mine.sqlite"


def test_keymap_and_theme_come_from_the_file(config_file: Path) -> None:
    write(config_file, 'theme = "nord"\n[keymap]\nlog-call = "c,L"\nquit = "ctrl+q"\n')
    settings = load_settings()
    assert settings.theme == "nord"
    assert settings.keymap == {"log-call": "c,L", "quit": "ctrl+q"}


def test_malformed_toml_names_the_file_and_the_line(config_file: Path) -> None:
    write(config_file, 'portal = "https://api.hubapi.com"\ntheme = \n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert str(config_file) in message
    assert "not valid TOML" in message
    assert "line 2" in message


@pytest.mark.parametrize(
    ("toml_text", "key", "problem"),
    [
        ("sync_interval = 5\n", "sync_interval", "between 30 and 86400 seconds"),
        ('sync_interval = "often"\n', "sync_interval", "valid integer"),
        ('email = "not-an-email"\n', "email", "email address"),
        ('portal = "ftp://files.example"\n', "portal", "http:// or https://"),
        ('portal = "https://user:pw@api.hubapi.com"\n', "portal", "user name or password"),
        ('portal = "http://api.hubapi.com"\n', "portal", "token in clear"),
        ('portal = "http://10.0.0.5:8765"\n', "portal", "only allowed for this machine"),
        ('portal = "http://127.0.0.1.evil.example"\n', "portal", "must use https://"),
        ('theme = ""\n', "theme", "at least 1 character"),
        ('db = ""\n', "db", "file path"),
        ('[keymap]\nquit = " "\n', "keymap", "has no keys"),
        ('[sla.by_label]\nwarm = "soon"\n', "sla.by_label.warm", "expected a duration"),
        ('[sla]\ntime_zone = "Mars/Olympus"\n', "sla.time_zone", "unknown time zone"),
        (
            "[sla.business_hours]\nstart = 17:00:00\nend = 09:00:00\n",
            "sla.business_hours",
            "must be after start",
        ),
        ('[sla.business_hours]\ndays = ["mon", "funday"]\n', "sla.business_hours.days.1", "'mon'"),
        ("sync_intervall = 300\n", "sync_intervall", "unknown setting; known settings are portal"),
    ],
)
def test_bad_value_names_the_file_the_key_and_the_problem(
    config_file: Path, toml_text: str, key: str, problem: str
) -> None:
    write(config_file, toml_text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{config_file}: {key}: "), message
    assert problem in message


def test_a_token_in_the_config_file_is_refused_without_echoing_it(config_file: Path) -> None:
    token = "pat-na1-0a1b2c3d-1111-2222-3333-444455556666"
    write(config_file, f'token = "{token}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "leadboard login" in str(caught.value)
    assert token not in str(caught.value)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_PORTAL", "api.hubapi.com")
    with pytest.raises(ConfigError, match=r"^LEADBOARD_PORTAL: must be an http:// or https:// URL"):
        load_settings()


def test_bad_flag_names_the_flag_even_when_the_file_is_fine(config_file: Path) -> None:
    write(config_file, 'email = "rep@example.com"\n')
    with pytest.raises(ConfigError, match=r"^--email: must be an email address .*\(got 'rep at example'\)"):
        load_settings(email="rep at example")


def test_the_cli_shows_a_config_error_as_one_line_without_a_traceback(config_file: Path) -> None:
    write(config_file, "sync_interval = 1\n")
    result = CliRunner().invoke(main, ["login", "--token-stdin"], input="pat-na1-aa-bb\n")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {config_file}: sync_interval: must be between 30 and 86400 seconds (got 1)"
    )
    assert "Traceback" not in result.output


def test_sla_tables_merge_over_the_defaults(config_file: Path) -> None:
    write(
        config_file,
        '[sla]\ntime_zone = "America/New_York"\n'
        '[sla.by_label]\nHOT = "30 minutes"\n'
        '[sla.by_source]\nwebinar = "4 business hours"\n'
        '[sla.business_hours]\nstart = "08:30"\nend = 18:00:00\ndays = ["Monday", "TUE", "wed"]\n',
    )
    sla = load_settings().sla
    assert sla.by_label["hot"] == SlaTarget(amount=30, unit="minutes")
    assert sla.by_label["warm"] == SlaTarget(amount=1, unit="business_days")
    assert sla.by_source["webinar"] == SlaTarget(amount=4, unit="business_hours")
    assert sla.by_source["demo"] == SlaTarget(amount=1, unit="hours")
    assert sla.business_hours.start == time(8, 30)
    assert sla.business_hours.end == time(18, 0)
    assert sla.business_hours.days == ("mon", "tue", "wed")
    zone = sla.zone()
    assert zone is not None and zone.key == "America/New_York"


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("1h", 1, "hours"),
        ("2 Business Days", 2, "business_days"),
        ("90 min", 90, "minutes"),
        ("3bd", 3, "business_days"),
    ],
)
def test_sla_targets_accept_words_and_short_forms(text: str, amount: int, unit: str) -> None:
    assert SlaTarget.parse(text) == SlaTarget.parse({"amount": amount, "unit": unit})


def test_save_setting_keeps_the_other_keys_and_tables(config_file: Path) -> None:
    write(
        config_file,
        'portal = "http://127.0.0.1:8765"\nemail = "rep@example.com"\ntheme = "nord"\n'
        '[keymap]\nquit = "ctrl+q"\n[sla.by_label]\nhot = "30 minutes"\n',
    )
    assert save_setting("theme", "gruvbox") == config_file
    assert save_setting("keymap.log-call", "L") == config_file
    assert save_setting(("keymap", "app.focus"), "f") == config_file
    saved = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert saved == {
        "portal": "http://127.0.0.1:8765",
        "email": "rep@example.com",
        "theme": "gruvbox",
        "keymap": {"quit": "ctrl+q", "log-call": "L", "app.focus": "f"},
        "sla": {"by_label": {"hot": "30 minutes"}},
    }
    settings = load_settings()
    assert settings.theme == "gruvbox"
    assert settings.keymap == {"quit": "ctrl+q", "log-call": "L", "app.focus": "f"}
    assert [p.name for p in config_file.parent.iterdir()] == ["config.toml"], "no temporary file left behind"


def test_save_setting_creates_a_missing_file_readable_only_by_the_rep(config_file: Path) -> None:
    save_setting("theme", "dracula")
    assert load_settings().theme == "dracula"
    if os.name == "posix":
        assert config_file.stat().st_mode & 0o777 == 0o600


def test_save_setting_refuses_a_bad_value_and_leaves_the_file_alone(config_file: Path) -> None:
    original = 'theme = "nord"\nsync_interval = 300\n'
    write(config_file, original)
    with pytest.raises(ConfigError, match=r"sync_interval: must be between 30 and 86400 seconds"):
        save_setting("sync_interval", 1)
    assert config_file.read_text(encoding="utf-8") == original


def test_save_setting_never_overwrites_a_malformed_file(config_file: Path) -> None:
    broken = 'theme = "nord\n'
    write(config_file, broken)
    with pytest.raises(ConfigError, match="not valid TOML"):
        save_setting("theme", "dracula")
    assert config_file.read_text(encoding="utf-8") == broken


def test_the_hubspot_api_version_defaults_to_2026_09_and_a_portal_can_pin_2026_03(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().api_version == "2026-09"
    write(config_file, 'api_version = "2026-03"\n')
    assert load_settings().api_version == "2026-03"
    monkeypatch.setenv("LEADBOARD_API_VERSION", "2027-03")
    assert load_settings().api_version == "2027-03"


@pytest.mark.parametrize("version", ["v3", "2026-04", "2025-09", "2026-9", " "])
def test_an_api_version_hubspot_never_shipped_is_refused(config_file: Path, version: str) -> None:
    write(config_file, f'api_version = "{version}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert f"{config_file}: api_version: must be a HubSpot API version" in str(caught.value)
