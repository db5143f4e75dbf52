"""The design's import rules: the domain, the cache and sync stay UI-free; only the gateway talks HubSpot."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "leadboard"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


# The Textual layer: the app, its screens and widgets, and the launcher that opens them.
UI_MODULES = {"app.py", "keys.py", "launch.py", "messages.py", "palette.py", "commands_palette.py"}
UI_PACKAGES = {"screens", "widgets"}


def is_ui_module(path: Path) -> bool:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] in UI_PACKAGES or (len(relative.parts) == 1 and relative.name in UI_MODULES)


def test_domain_cache_and_sync_never_import_textual() -> None:
    """Everything below the UI (state, store, outbox, sync, sandbox, CLI helpers) runs without Textual."""
    ui_free = [p for p in python_files() if not is_ui_module(p)]
    names = {str(p.relative_to(PACKAGE)) for p in ui_free}
    assert {"state.py", "store.py", "outbox.py", "text.py", "sync/hubspot.py"} <= names
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "textual")
        for p in ui_free
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_gateway_and_the_sandbox_import_hubspot() -> None:
    allowed = {PACKAGE / "sync" / "hubspot.py"}
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in python_files()
        if p not in allowed
        and "sandbox" not in p.relative_to(PACKAGE).parts
        and any(m.split(".")[0] == "hubspot" for m in imported_modules(p))
    ]
    assert offenders == []


def test_the_boards_first_paint_imports_no_pydantic_sqlite_utils_or_hubspot() -> None:
    """What the board imports before its first frame costs start-up time every time a rep opens it:
    the rules (pydantic), the writable store (sqlite-utils) and the sync (hubspot) come after."""
    probe = (
        "import sys\n"
        "import leadboard.app, leadboard.config, leadboard.screens.board, leadboard.widgets.stage_column\n"
        "heavy = ('pydantic', 'sqlite_utils', 'hubspot', 'urllib3', 'leadboard.state', 'leadboard.store')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
