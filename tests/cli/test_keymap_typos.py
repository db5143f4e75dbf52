"""A typo in the config's `[keymap]` (`disqualfy = "D"`) is named, with the id meant: on stderr by
every command, and as a failed check by `leadboard doctor`."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from leadboard.cli.main import main
from tests.cache_fixtures import seeded_store

TYPO_CONFIG = '[keymap]\ndisqualfy = "D"\nlog-call = "L"\n'


def write_config(text: str) -> None:
    path = Path(os.environ["LEADBOARD_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_command_warns_on_stderr_about_an_unknown_key_id(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    seeded_store(db, leads=1).close()
    write_config(TYPO_CONFIG)

    listed = CliRunner().invoke(main, ["leads", "--db", str(db)])

    assert listed.exit_code == 0, listed.output
    assert listed.stderr == (
        "Warning: [keymap] disqualfy is not a key id, so it changes no key: did you mean disqualify?\n"
    )
    assert "disqualfy" not in listed.stdout


def test_doctor_fails_the_config_file_check_naming_the_unknown_id(tmp_path: Path) -> None:
    write_config(TYPO_CONFIG)

    checked = CliRunner().invoke(main, ["doctor", "--db", str(tmp_path / "cache.sqlite")])

    line = next(x for x in checked.stdout.splitlines() if x[6:].startswith("config file:"))
    assert line.startswith("FAIL")
    assert "disqualfy is not a key id" in line and "did you mean disqualify?" in line
    assert checked.exit_code == 1
    assert "disqualfy" not in checked.stderr  # said once, by the check


def test_doctor_passes_a_keymap_of_real_ids(tmp_path: Path) -> None:
    write_config('[keymap]\ndisqualify = "D"\n')

    checked = CliRunner().invoke(main, ["doctor", "--db", str(tmp_path / "cache.sqlite")])

    line = next(x for x in checked.stdout.splitlines() if x[6:].startswith("config file:"))
    assert line.startswith("ok")
