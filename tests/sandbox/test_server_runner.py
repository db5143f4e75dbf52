"""Starting and stopping the sandbox: from Python, with --data persistence, live mode, and the CLI."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from leadboard.sandbox.runner import running_sandbox
from tests.sandbox.server_support import call, first_lead_id, small_settings


def _sandbox_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("leadboard-sandbox")]


def test_running_sandbox_serves_on_an_ephemeral_port_and_leaves_no_threads() -> None:
    with running_sandbox(small_settings(), rate_limits=False) as handle:
        assert handle.base_url.startswith("http://127.0.0.1:")
        assert not handle.base_url.endswith(":0")
        assert call(handle, "GET", "/crm/v3/owners").status == 200
        with running_sandbox(small_settings(), rate_limits=False) as other:
            assert other.base_url != handle.base_url
            assert call(other, "GET", "/account-info/v3/details").status == 200
    assert _sandbox_threads() == []


def test_the_portal_survives_a_restart_with_a_data_file(tmp_path: Path) -> None:
    data = tmp_path / "portal.json"
    with running_sandbox(small_settings(), rate_limits=False, data_file=data) as first:
        lead_id = first_lead_id(first)
        reply = call(
            first,
            "PATCH",
            f"/crm/v3/objects/leads/{lead_id}",
            body={"properties": {"hs_lead_name": "Remembered"}},
        )
        assert reply.status == 200
    assert data.exists()
    with running_sandbox(small_settings(), rate_limits=False, data_file=data) as second:
        again = call(second, "GET", f"/crm/v3/objects/leads/{lead_id}?properties=hs_lead_name")
        assert again.json()["properties"]["hs_lead_name"] == "Remembered"
    with running_sandbox(small_settings(), rate_limits=False) as fresh:
        seeded = call(fresh, "GET", f"/crm/v3/objects/leads/{lead_id}?properties=hs_lead_name")
        assert seeded.json()["properties"]["hs_lead_name"] != "Remembered"


def test_writes_are_saved_while_serving_not_only_at_shutdown(tmp_path: Path) -> None:
    data = tmp_path / "portal.json"
    with running_sandbox(small_settings(), rate_limits=False, data_file=data) as handle:
        lead_id = first_lead_id(handle)
        call(
            handle,
            "PATCH",
            f"/crm/v3/objects/leads/{lead_id}",
            body={"properties": {"hs_lead_name": "Saved soon"}},
        )
        deadline = time.monotonic() + 10
        while b"Saved soon" not in (data.read_bytes() if data.exists() else b""):
            assert time.monotonic() < deadline, "the data file was not written within 10 s of a write"
            time.sleep(0.05)


def test_an_unreadable_data_file_is_a_clear_start_error(tmp_path: Path) -> None:
    from leadboard.sandbox.runner import SandboxStartError

    data = tmp_path / "portal.json"
    data.write_text("this is not a portal")
    with pytest.raises(SandboxStartError, match="cannot load the portal"), running_sandbox(data_file=data):
        pass


def test_live_mode_makes_hubspot_side_changes(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="leadboard.sandbox"),
        running_sandbox(small_settings(), rate_limits=False, live=True, live_interval=0.05),
    ):
        deadline = time.monotonic() + 10
        while not any(r.getMessage().startswith("live: ") for r in caplog.records):
            assert time.monotonic() < deadline, "no live event within 10 s"
            time.sleep(0.05)
    assert _sandbox_threads() == []


def test_a_taken_port_is_a_clear_start_error() -> None:
    from leadboard.sandbox.runner import SandboxStartError

    with running_sandbox(small_settings(), rate_limits=False) as handle:
        port = int(handle.base_url.rsplit(":", 1)[1])
        with (
            pytest.raises(SandboxStartError, match="cannot listen"),
            running_sandbox(small_settings(), port=port),
        ):
            pass


def test_the_cli_prints_how_to_connect_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "leadboard", "sandbox", "--port", "0", "--leads", "5", "--owners", "2"]
    command += ["--token", "pat-cli-test", "--rep-email", "cli.rep@example.com", "--search-lag", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = dict(process.stdout.readline().strip().split(": ", 1) for _ in range(3))
        assert lines["token"] == "pat-cli-test"
        assert lines["email"] == "cli.rep@example.com"
        assert lines["url"].startswith("http://127.0.0.1:")
        import urllib3

        response = urllib3.request(
            "GET",
            lines["url"] + "/crm/v3/owners?email=cli.rep@example.com",
            headers={"Authorization": "Bearer pat-cli-test"},
            retries=False,
        )
        assert response.status == 200
        assert [o["email"] for o in response.json()["results"]] == ["cli.rep@example.com"]
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
