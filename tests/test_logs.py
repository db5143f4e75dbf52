"""The log file: written to the user's log dir, never the console, and never holding a token."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadboard.logs import REDACTED, forget_registered_secrets, redact, register_secret, setup_logging

REGISTERED = "sandbox-demo-token-7f3a9c"
PAT = "pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789"


@pytest.fixture
def log_file(isolated_dirs: Path) -> Iterator[Path]:
    """setup_logging for real; afterwards take our handler off the root logger again."""
    root = logging.getLogger()
    level = root.level
    path = setup_logging(verbose=True)
    yield path
    for handler in list(root.handlers):
        if handler.get_name() == "leadboard-file":
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logging.captureWarnings(False)
    forget_registered_secrets()


def flushed_text(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_log_file_lives_in_the_user_state_dir(log_file: Path, isolated_dirs: Path) -> None:
    assert log_file.is_relative_to(isolated_dirs / "state")
    assert log_file.name == "leadboard.log"


def test_records_go_to_the_file_and_never_to_the_console(
    log_file: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("leadboard.sync").warning("push paused for %d s", 8)
    assert "WARNING leadboard.sync" in flushed_text(log_file)
    assert "push paused for 8 s" in flushed_text(log_file)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_controls_debug_records(log_file: Path) -> None:
    logging.getLogger("leadboard.test").debug("debug one")
    setup_logging(verbose=False)
    logging.getLogger("leadboard.test").debug("debug two")
    text = flushed_text(log_file)
    assert "debug one" in text
    assert "debug two" not in text
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "leadboard-file"]
    assert len(ours) == 1, "a second setup must replace, not stack, the file handler"


def test_hubspot_client_debug_bodies_stay_out(log_file: Path) -> None:
    logging.getLogger("hubspot.crm.objects").debug("response body: {'email': 'someone@example.com'}")
    logging.getLogger("urllib3.connectionpool").debug("GET /crm/v3/objects/leads 200")
    text = flushed_text(log_file)
    assert "someone@example.com" not in text
    assert "/crm/v3/objects/leads" not in text


def test_registered_secret_and_pat_token_are_masked_in_messages_and_args(log_file: Path) -> None:
    register_secret(REGISTERED)
    log = logging.getLogger("leadboard.sync.hubspot")
    log.info(f"token in the message {REGISTERED} and {PAT}")
    log.info("token in args %s / %r", REGISTERED, {"Authorization": f"Bearer {PAT}"})
    log.info("header %s", "Authorization: Bearer abc.def-ghi")
    text = flushed_text(log_file)
    assert REGISTERED not in text
    assert PAT not in text
    assert "abc.def-ghi" not in text
    assert text.count(REDACTED) == 5
    assert "token in args [redacted] / {'Authorization': 'Bearer [redacted]'}" in text
    assert "header Authorization: Bearer [redacted]" in text


def test_tokens_in_exception_text_are_masked(log_file: Path) -> None:
    register_secret(REGISTERED)
    log = logging.getLogger("leadboard.sync.push")
    try:
        try:
            raise ConnectionError(f"refused; sent Authorization: Bearer {REGISTERED}")
        except ConnectionError as inner:
            raise RuntimeError(f"push failed with {PAT}") from inner
    except RuntimeError:
        log.exception("push of op %s failed", "op-1")
    text = flushed_text(log_file)
    assert "push of op op-1 failed" in text
    assert "Traceback (most recent call last)" in text
    assert "ConnectionError: refused; sent Authorization: Bearer [redacted]" in text
    assert "RuntimeError: push failed with [redacted]" in text
    assert REGISTERED not in text
    assert PAT not in text


def test_a_broken_format_string_still_masks_its_args(log_file: Path) -> None:
    register_secret(REGISTERED)
    logging.getLogger("leadboard").info("two placeholders %s %s", REGISTERED)
    text = flushed_text(log_file)
    assert "two placeholders" in text
    assert REGISTERED not in text


def test_redact_masks_what_the_filter_masks() -> None:
    try:
        register_secret(REGISTERED)
        register_secret("")  # ignored: an empty secret would mask nothing useful
        assert redact(f"a {REGISTERED} b {PAT} c ?hapikey=abc123&limit=1") == (
            "a [redacted] b [redacted] c ?hapikey=[redacted]&limit=1"
        )
        assert redact("nothing secret here: pat-tern, patience") == "nothing secret here: pat-tern, patience"
    finally:
        forget_registered_secrets()


def test_text_shown_on_one_line_masks_secrets_in_plain_text_too() -> None:
    """`one_line` skips its regexes for plain ASCII it would leave as is: never for a secret in it."""
    from leadboard.cli.common import one_line

    try:
        register_secret(REGISTERED)
        assert one_line(f"Lead {REGISTERED} Co") == "Lead [redacted] Co"
        assert one_line(f"Lead {PAT}") == "Lead [redacted]"
        assert one_line("Lead Bearer abc123") == "Lead Bearer [redacted]"
        assert one_line("Plain Lead 0042 Person") == "Plain Lead 0042 Person"
        assert one_line("  spaced\tout\x1b[31m  ") == "spaced out"
    finally:
        forget_registered_secrets()
