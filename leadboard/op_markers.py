"""The op marker: how a change leadboard created in HubSpot is recognised again.

The pull (which strips it for display) and the push (which writes it, and looks for it after a
crash) both need it, so it lives in the core, below the cache and the sync.
"""

from __future__ import annotations

import re

# The op marker: `lb:<op id>`, written as a short trailing reference in the created object's body
# (or a deal's description) so an unknown-outcome create can be found again without search.
MARKER_PREFIX = "lb:"
_OP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MARKER_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_:-])lb:([A-Za-z0-9_-]{1,64})(?![A-Za-z0-9_-])")
_TRAILING_MARKER_HTML = re.compile(r"\s*<p>\s*lb:[A-Za-z0-9_-]{1,64}\s*</p>\s*$")
_TRAILING_MARKER_TEXT = re.compile(r"\s*(?<![A-Za-z0-9_:-])lb:[A-Za-z0-9_-]{1,64}\s*$")


def marker_for(op_id: str) -> str:
    """`lb:<op id>`; the op id must be 1–64 of letters, digits, `_` or `-` (a ULID or UUID fits)."""
    if not _OP_ID.fullmatch(op_id):
        raise ValueError("an op marker must be 1-64 letters, digits, '_' or '-'")
    return MARKER_PREFIX + op_id


def markers_in(text: str | None) -> set[str]:
    """The op ids whose markers appear in `text` as whole tokens."""
    return set(_MARKER_IN_TEXT.findall(text or ""))


def strip_marker(text: str) -> str:
    """Remove a trailing op marker (HTML `<p>lb:…</p>` or plain `lb:…`) for display."""
    return _TRAILING_MARKER_TEXT.sub("", _TRAILING_MARKER_HTML.sub("", text))
