"""No two classes in the package share a name: a reader (or a traceback, or an import) that says
`SyncStatus` must mean one thing, not the engine's status in one module and the cache's counts in
another."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "leadboard"


def class_names(package: Path) -> dict[str, list[str]]:
    """Every class defined anywhere in the package (nested ones too), with the files defining it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                found[node.name].append(str(path.relative_to(package.parent)))
    return found


def test_the_walk_finds_the_package_classes() -> None:
    names = class_names(PACKAGE)
    assert "LeadboardApp" in names and "BoardScreen" in names and "SyncCounts" in names


def test_no_two_classes_share_a_name() -> None:
    shared = {name: files for name, files in class_names(PACKAGE).items() if len(files) > 1}
    assert not shared, "classes defined more than once: " + "; ".join(
        f"{name} in {', '.join(files)}" for name, files in sorted(shared.items())
    )
