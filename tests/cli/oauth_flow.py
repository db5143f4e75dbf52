"""Sign a rep in through the sandbox's OAuth the way a rep does: `leadboard login` in a real
process, and a test playing the browser over HTTP (the authorize page, its form, the redirect)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import urllib3

from leadboard.sandbox.runner import SandboxHandle

TIMEOUT = urllib3.Timeout(connect=5.0, read=30.0)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def rep_user_id(sandbox: SandboxHandle, email: str | None = None) -> int:
    wanted = (email or sandbox.rep_email).lower()
    owners = sandbox.portal.list_owners()["results"]
    return int(next(o["userId"] for o in owners if str(o["email"]).lower() == wanted))


def other_owner(sandbox: SandboxHandle) -> dict[str, object]:
    """An owner who is not the demo rep (their leads are not the rep's to change)."""
    owners = sandbox.portal.list_owners()["results"]
    return next(o for o in owners if str(o["email"]).lower() != sandbox.rep_email.lower() and o.get("userId"))


def oauth_env(sandbox: SandboxHandle, home: Path, db: Path) -> dict[str, str]:
    """A process environment pointed at the sandbox and its app, with its own dirs and no keyring."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADBOARD_", "HUBSPOT_"))}
    env.update(
        {
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_STATE_HOME": str(home / "state"),
            "LEADBOARD_CONFIG": str(home / "config" / "leadboard" / "config.toml"),
            "LEADBOARD_PORTAL": sandbox.base_url,
            "LEADBOARD_DB": str(db),
            "LEADBOARD_CLIENT_ID": sandbox.client_id,
            "LEADBOARD_CLIENT_SECRET": sandbox.client_secret,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
    )
    return env


def leadboard(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadboard", *args],
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_login(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`leadboard login --no-browser --port 0 ARGS` running, its stdin open (nothing pasted yet)."""
    return subprocess.Popen(
        [sys.executable, "-m", "leadboard", "login", "--no-browser", "--port", "0", *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def printed_url(login: subprocess.Popen[str]) -> str:
    """The authorize address `leadboard login --no-browser` printed."""
    assert login.stdout is not None
    for line in login.stdout:
        if line.startswith("http"):
            return line.strip()
    raise AssertionError(f"no address printed; stderr: {login.stderr.read() if login.stderr else ''}")


def approve(url: str, user_id: int, decision: str = "connect") -> str:
    """Be the browser: open the authorize page, submit its form as `user_id`; return the redirect."""
    http = urllib3.PoolManager()
    page = http.request("GET", url, redirect=False, retries=False, timeout=TIMEOUT)
    assert page.status == 200, page.data[:300]
    fields = {name: unescape(value) for name, value in _HIDDEN.findall(page.data.decode())}
    fields.update({"user_id": str(user_id), "decision": decision})
    parts = urlsplit(url)
    answer = http.request(
        "POST",
        f"{parts.scheme}://{parts.netloc}/oauth/authorize",
        body=urlencode(fields).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        redirect=False,
        retries=False,
        timeout=TIMEOUT,
    )
    assert answer.status == 303, answer.data[:300]
    return str(answer.headers["Location"])


def follow(location: str) -> tuple[int, str]:
    """The browser following HubSpot's redirect to the loopback callback."""
    reply = urllib3.PoolManager().request("GET", location, redirect=False, retries=False, timeout=TIMEOUT)
    return reply.status, reply.data.decode()


def finish(login: subprocess.Popen[str], stdin: str | None = None) -> tuple[int, str, str]:
    out, err = login.communicate(stdin, timeout=60)
    return login.returncode, out, err


def revoke_at_hubspot(sandbox: SandboxHandle, refresh_token: str) -> None:
    """End a grant at the portal, as when the rep is removed or the app uninstalled."""
    answer = urllib3.PoolManager().request(
        "POST",
        sandbox.base_url + "/oauth/2026-09/token/revoke",
        body=urlencode(
            {"token": refresh_token, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        retries=False,
        timeout=TIMEOUT,
    )
    assert answer.status == 200, answer.data[:300]
