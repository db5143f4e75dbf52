"""Point the command line at a running sandbox through the environment, as a script would."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadboard.sandbox.runner import SandboxHandle


def point_at_sandbox(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Portal, rep, cache and token from the environment; returns the cache's path."""
    db = tmp_path / "cache.sqlite"
    monkeypatch.setenv("LEADBOARD_PORTAL", sandbox.base_url)
    monkeypatch.setenv("LEADBOARD_EMAIL", sandbox.rep_email)
    monkeypatch.setenv("LEADBOARD_DB", str(db))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", sandbox.token)
    return db
