"""Logging to a file, with every secret masked before it is written.

The TUI owns the terminal, so logs never go to stdout or stderr: they go to a rotating file in
the user's log dir. A rep sends that file (and the SQLite cache) with bug reports, so a filter on
the handler removes the access token, anything shaped like a HubSpot private-app token and any
Bearer header from the message, its arguments and the traceback text before a record is written.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from leadboard.secret import Secret

REDACTED = "[redacted]"

# HubSpot private-app tokens look like pat-na1-0a1b2c3d-…; Bearer covers any Authorization header,
# hapikey the legacy API-key query parameter.
_TOKEN_PATTERNS = (
    (re.compile(r"\bpat-[a-z0-9]+-[0-9a-f-]+", re.IGNORECASE), REDACTED),
    (re.compile(r"\b(Bearer\s+)[^\s'\",;]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    (re.compile(r"\b(hapikey=)[^\s&'\"]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
)

# Libraries that log request or response bodies (PII, headers) at DEBUG stay at WARNING.
_CHATTY_LOGGERS = ("hubspot", "urllib3", "hpack", "httpx", "httpcore", "asyncio")

_LOG_FILE_BYTES = 1_000_000
_LOG_FILE_BACKUPS = 3

_secrets_lock = threading.Lock()
_registered: set[str] = set()
_registered_pattern: re.Pattern[str] | None = None


def register_secret(value: str | Secret | None) -> None:
    """Remember a secret (the access token) so every later log record and `redact` call masks it."""
    global _registered_pattern
    text = value if value is None or isinstance(value, str) else value.get_secret_value()
    if not text or not text.strip():
        return
    with _secrets_lock:
        if text in _registered:
            return
        _registered.add(text)
        # Longest first, so a secret that contains another is masked whole.
        alternatives = sorted(_registered, key=len, reverse=True)
        _registered_pattern = re.compile("|".join(re.escape(s) for s in alternatives))


def forget_registered_secrets() -> None:
    """Drop every registered secret (for tests that register throwaway values)."""
    global _registered_pattern
    with _secrets_lock:
        _registered.clear()
        _registered_pattern = None


#: Every text a token pattern could match holds one of these (case aside).
_TOKEN_HINTS = re.compile(r"pat-|bearer|hapikey=", re.IGNORECASE)


def may_redact(text: str) -> bool:
    """False when `redact(text)` is certainly `text` (no registered secret, nothing token-like in it):
    a cheap check for callers that clean thousands of short texts."""
    pattern = _registered_pattern
    if pattern is not None and pattern.search(text) is not None:
        return True
    return _TOKEN_HINTS.search(text) is not None


def redact(text: str) -> str:
    """Mask registered secrets, private-app tokens, Bearer values and API keys in `text`."""
    pattern = _registered_pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    for token_pattern, replacement in _TOKEN_PATTERNS:
        text = token_pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record so that no later formatter or handler can see a secret.

    The message is rendered with its args and masked, then args are dropped; the traceback is
    rendered once into `exc_text` (which formatters reuse) and `exc_info` is cleared, so a
    formatter cannot re-render the raw exception.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not let the raw args through
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            record.exc_text = self._formatter.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_dir() -> Path:
    """Where leadboard's log files live (platformdirs' user log dir, e.g. ~/.local/state/leadboard/log)."""
    return platformdirs.user_log_path("leadboard", appauthor=False)


def setup_logging(verbose: bool = False, log_file: Path | None = None) -> Path:
    """Send all logging to a rotating file with redaction; return the file's path.

    Calling it again replaces the handler it installed before, so tests and `demo` restarts do
    not stack handlers.
    """
    path = log_file or log_dir() / "leadboard.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    import logging.handlers  # only when logging is set up, not for every importer of `redact`

    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=_LOG_FILE_BYTES, backupCount=_LOG_FILE_BACKUPS, encoding="utf-8"
    )
    handler.set_name("leadboard-file")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))

    root = logging.getLogger()
    for old in list(root.handlers):
        # Ours from an earlier call, and any console handler: the TUI owns the screen.
        if old.get_name() == "leadboard-file" or _writes_to_console(old):
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return path


def _writes_to_console(handler: logging.Handler) -> bool:
    if isinstance(handler, logging.FileHandler) or not isinstance(handler, logging.StreamHandler):
        return False
    stream_name = getattr(handler.stream, "name", "")
    return stream_name in ("<stdout>", "<stderr>")
