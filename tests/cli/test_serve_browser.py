"""`leadboard demo --serve` in a real headless Chromium: the board in a tab, behind its secret.

The served page draws the terminal on a canvas, so the test turns on xterm.js's own screen-reader
mode in the page's script as the browser fetches it: xterm then keeps its rows as text in an
accessibility tree, which is what the test reads. The data dir's name holds a space, a `;` and a
`$(...)`: the board processes' command line must quote the cache path for them to start at all.
Each tab's board acts as the demo rep signed in through the sandbox's OAuth: no access token reaches
it through its environment or command line, and the sandbox's request log names the user who acted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadboard.sandbox.runner import DEFAULT_TOKEN

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); CI installs it",
)

#: A token of the rep's own in the environment `leadboard demo --serve` starts from: it must not reach
#: the tabs (it would win over the demo's sign-in and be sent to the sandbox).
REP_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"

#: A card's first line: an optional SLA badge, the name, an optional follow-up month, the warmth.
CARD_NAME = re.compile(r"^(?:[⚠◷][^·]*· )?(?P<name>.+?)(?: – \d{4}-\d\d)?(?: (?:hot|warm|cold))?$")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    data = tmp_path / "data dir; $(touch pwned)"
    data.mkdir()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(data),
        "CI": "",
        "PYTHONPATH": str(Path.cwd()),
        "HUBSPOT_ACCESS_TOKEN": REP_TOKEN,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # the sign-in goes to the 0600 file
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "leadboard", "demo", "--serve", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert server.stdout is not None and server.stderr is not None
    url = ""
    deadline = time.monotonic() + 60
    while not url and time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        url = line.strip() if line.strip().startswith("http://127.0.0.1:") else ""
    assert url, f"no URL printed; stderr: {server.stderr.read() if server.poll() is not None else ''}"
    try:
        yield server, url
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        assert not (tmp_path / "pwned").exists()


def _screen(page: Any) -> str:
    return str(page.inner_text(".xterm-accessibility-tree"))


def _wait_for(page: Any, predicate: Any, what: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = _screen(page)
        if predicate(text):
            return text
        time.sleep(0.3)
    raise AssertionError(f"the tab never showed {what}; it shows:\n{text}")


def _json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _board_process(pid: int) -> tuple[list[bytes], list[bytes]]:
    """A board process's environment and command line, as the kernel holds them."""
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return environ, Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def _assert_signed_in_through_oauth(pid: int) -> None:
    """No access token handed to the tab's board; every API call it made acted as the demo rep."""
    environ, command = _board_process(pid)
    assert not [v for v in environ if v.startswith(b"HUBSPOT_ACCESS_TOKEN=")]
    for token in (DEFAULT_TOKEN, REP_TOKEN):
        assert not [part for part in environ + command if token.encode() in part]
    portal = command[command.index(b"--portal") + 1].decode()
    logged = _json(f"{portal}/_sandbox/requests")["results"]
    api = [r for r in logged if r["path"].startswith("/crm/")]
    assert api and all(isinstance(r["user_id"], int) for r in api), {r["user_id"] for r in api}


def _first_card_name(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("│ ") and "·" in line.split("││")[0]:
            found = CARD_NAME.match(line.split("││")[0].strip("│ ").strip())
            if found and not re.search(r"\d d old|type\?", found["name"]):
                return found["name"].strip()
    raise AssertionError(f"no lead card on the board:\n{text}")


def test_the_board_in_a_browser_tab_behind_its_secret(served: tuple[subprocess.Popen[str], str]) -> None:
    from playwright.sync_api import Route, sync_playwright

    server, url = served
    base, secret = url.rstrip("/").rsplit("/", 1)
    port = int(base.rsplit(":", 1)[1])

    for refused in (base + "/", f"{base}/{secret[:-1]}x/", f"{base}/static/js/textual.js", f"{base}/ws"):
        status, body = _status(refused)
        assert status == 403 and "xterm" not in body and "textual" not in body, refused

    def screen_reader_on(route: Route) -> None:
        response = route.fetch()
        route.fulfill(
            response=response, body=response.text().replace("screenReaderMode:!1", "screenReaderMode:!0")
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.route("**/static/js/textual.js", screen_reader_on)
            page.goto(url)
            page.wait_for_selector(".xterm-accessibility-tree", timeout=30_000)
            board = _wait_for(page, lambda t: "New ·" in t and "d old" in t, "the board with leads")
            boards = _children(server.pid)
            assert len(boards) == 1
            _wait_for(page, lambda t: "signed in as Demo Rep (portal " in t, "who the board acts as")
            _assert_signed_in_through_oauth(next(iter(boards)))

            name = _first_card_name(board)
            part = max(re.findall(r"[A-Za-z]{3,}", name), key=len)  # xterm drops keys like ä typed headless
            page.locator(".xterm-helper-textarea").focus()
            page.keyboard.type("/")
            _wait_for(page, lambda t: "/ Filter" in t, "the filter box")
            page.keyboard.type(part, delay=50)
            filtered = _wait_for(page, lambda t: "filtered (escape clears)" in t and part in t, "the filter")
            cards = [line for line in filtered.splitlines() if " d old" in line or " h old" in line]
            assert cards and all(part.lower() in c.lower() or "││" in c for c in cards), filtered
            assert len(cards) < len([line for line in board.splitlines() if " old" in line])
            page.keyboard.press("Enter")  # from the filter box back to the (filtered) leads
            _wait_for(page, lambda t: "/ Filter c Call" in t and part in t, "the filtered leads")
            page.keyboard.press("Enter")  # opens the lead under the cursor
            _wait_for(
                page, lambda t: f"Contact {name}" in t and "Timeline" in t, f"the lead screen of {name}"
            )

            # A second tab is a second board on the same cache; quitting in it ends that board only.
            second = browser.new_page(viewport={"width": 1600, "height": 1000})
            second.route("**/static/js/textual.js", screen_reader_on)
            second.goto(url)
            second.wait_for_selector(".xterm-accessibility-tree", timeout=30_000)
            _wait_for(second, lambda t: "New ·" in t and "d old" in t, "the board in a second tab")
            both = _children(server.pid)
            assert len(both) == 2 and boards < both
            second.locator(".xterm-helper-textarea").focus()
            second.keyboard.press("Control+q")
            (quitter,) = both - boards
            deadline = time.monotonic() + 30
            while _alive(quitter) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _alive(quitter), "ctrl+q in the tab left its board running"
            assert all(_alive(pid) for pid in boards)

            os.kill(server.pid, signal.SIGTERM)  # with the first tab still open: its board must end too
            assert server.wait(timeout=30) == 0
        finally:
            browser.close()
    assert not [pid for pid in boards if _alive(pid)]
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    credentials = Path(os.environ["XDG_CONFIG_HOME"]) / "leadboard" / "credentials.json"
    assert not credentials.exists() or "oauth:" not in credentials.read_text()  # the demo's sign-in went


def test_a_host_other_machines_reach_is_refused_unless_asked_for(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from leadboard.cli.main import main

    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2 and "--allow-remote" in result.output

    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": "pat-test", "PYTHONPATH": str(Path.cwd())}
    args = ["serve", "--host", "0.0.0.0", "--allow-remote", "--no-browser", "--port", "0"]
    args += [
        "--portal",
        "http://127.0.0.1:9",
        "--email",
        "rep@example.com",
        "--db",
        str(tmp_path / "c.sqlite"),
    ]
    server = subprocess.Popen(
        [sys.executable, "-m", "leadboard", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdout is not None and server.stderr is not None
    try:
        assert "anyone on that network who has the URL can act as you" in server.stderr.readline()
        assert server.stdout.readline().startswith("leadboard is serving")
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
