"""What the board imports before its first frame.

The static import rules (layers, no cycles, Textual and HubSpot kept to their layers) are declared
in pyproject.toml and checked by `lint-imports` in .ci/run; this test holds what only running the
imports shows."""

from __future__ import annotations

import subprocess
import sys


def test_the_boards_first_paint_imports_no_pydantic_sqlite_utils_or_hubspot() -> None:
    """What the board imports before its first frame costs start-up time every time a rep opens it:
    the rules (pydantic), the writable store (sqlite-utils) and the sync (hubspot) come after
    (`startup.NOT_BEFORE_FIRST_PAINT`)."""
    probe = (
        "import sys\n"
        "import leadboard.app, leadboard.config, leadboard.screens.board, leadboard.widgets.stage_column\n"
        "from leadboard.startup import NOT_BEFORE_FIRST_PAINT as heavy\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
