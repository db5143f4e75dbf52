"""`leadboard login --no-browser` finished by a real headless Chromium: it opens the printed
authorize address, the rep picks who they are and presses Connect on the sandbox's plain HTML form,
the browser follows the redirect to leadboard's loopback callback, and `leadboard login` ends
signed in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadboard.cli.credentials import load_oauth
from leadboard.config import load_settings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.cli.oauth_flow import finish, oauth_env, printed_url, start_login
from tests.cli.test_serve_browser import CHROMIUM, CHROMIUM_ARGS
from tests.sandbox.server_support import small_settings

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); CI installs it",
)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(small_settings(owners=2, rep_leads=2, other_leads=1), rate_limits=False) as handle:
        yield handle


def test_a_real_browser_completes_leadboard_login(
    sandbox: SandboxHandle, isolated_dirs: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    env = oauth_env(sandbox, isolated_dirs, tmp_path / "cache.sqlite")
    login = start_login(env, "--timeout", "90")
    url = printed_url(login)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", *CHROMIUM_ARGS]
        )
        try:
            page = browser.new_page()
            page.goto(url)
            page.get_by_label(sandbox.rep_email, exact=False).check()
            page.get_by_role("button", name="Connect").click()
            page.wait_for_url("http://127.0.0.1:*/callback?*")
            landed = page.inner_text("body")
        finally:
            browser.close()
    code, out, err = finish(login)
    assert (code, err) == (0, "")
    assert "You can close this tab" in landed
    assert "Signed in as Demo Rep (portal " in out
    assert load_oauth(load_settings(portal=sandbox.base_url)) is not None
