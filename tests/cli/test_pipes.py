"""`leadboard leads` in a shell pipeline: a header row first, and a reader that stops early (`| head -1`)
ends the command quietly, as it ends any other Unix tool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from leadboard.cli.main import main
from tests.cache_fixtures import seeded_store

REPO = Path(__file__).resolve().parents[2]


def leadboard_script() -> str:
    script = shutil.which("leadboard", path=str(Path(sys.executable).parent))
    assert script is not None, "the leadboard console script is not installed in the venv"
    return script


def test_the_plain_listing_starts_with_a_header_row(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    seeded_store(db, leads=2).close()

    listed = CliRunner().invoke(main, ["leads", "--db", str(db)])

    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t") == ["ID", "STAGE", "NAME", "CONTACT", "COMPANY", "TYPE", "SYNC"]
    assert len(lines) == 3 and {line.split("\t")[0] for line in lines[1:]} == {"1", "2"}


def test_a_reader_that_stops_after_one_line_ends_leads_quietly(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    seeded_store(db, leads=3000).close()  # far more than a pipe buffer holds: `head` stops reading
    env = os.environ | {"PYTHONPATH": str(REPO)}

    piped = subprocess.run(
        ["bash", "-c", 'set -o pipefail; "$0" leads --db "$1" | head -1', leadboard_script(), str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert piped.stderr == ""
    assert piped.returncode == 0
    assert piped.stdout.split("\t")[0] == "ID"


def test_a_reader_that_closed_its_end_before_any_output_ends_leads_quietly(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    seeded_store(db, leads=3).close()
    env = os.environ | {"PYTHONPATH": str(REPO)}

    listing = subprocess.Popen(
        [leadboard_script(), "leads", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert listing.stdout is not None and listing.stderr is not None
    listing.stdout.close()  # the very first write meets a closed pipe
    errors = listing.stderr.read()
    listing.stderr.close()

    assert listing.wait(timeout=120) == 0
    assert errors == ""
