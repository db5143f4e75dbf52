"""README's architecture section names every folder of the package, and only paths that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def architecture_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Architecture")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_every_package_folder_is_in_the_architecture_section() -> None:
    section = architecture_section()
    folders = sorted(
        p.parent.relative_to(ROOT).as_posix() + "/" for p in (ROOT / "leadboard").glob("*/__init__.py")
    )
    assert folders, "no package folders found"
    assert [f for f in folders if f not in section] == []


def test_every_file_and_folder_the_section_names_exists() -> None:
    section = architecture_section()
    folders = set(re.findall(r"leadboard/(?:[\w]+/)*", section))
    files = set(re.findall(r"\b[\w/]+\.(?:py|sh)\b", section))
    existing = {p.name for p in ROOT.rglob("*") if ".venv" not in p.parts}
    missing = [f for f in sorted(folders) if not (ROOT / f).is_dir()]
    missing += [f for f in sorted(files) if not (ROOT / f).exists() and Path(f).name not in existing]
    assert folders and files
    assert missing == []
