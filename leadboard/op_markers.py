"""The op marker: how a change leadboard created in HubSpot is recognised again.

The push writes the op id into `OP_ID_PROPERTY`, leadboard's own hidden property on notes, calls,
tasks and deals, which no HubSpot user sees, and looks for it after a crash. Older versions wrote
it as a visible `lb:<op id>` at the end of the body (a deal's description): those are still found
(`markers_in`), and the pull strips them for display (`strip_marker`). The core holds it, below
the cache and the sync, which both need it.
"""

from __future__ import annotations

import re

#: leadboard's hidden property holding the op id of what it created (created by leadboard when missing).
OP_ID_PROPERTY = "leadboard_op_id"
# The old op marker: `lb:<op id>`, written by earlier versions as a short trailing reference in the
# created object's body (or a deal's description); still recognised, never written.
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


def op_id_value(op_id: str) -> str:
    """The op id as written to `OP_ID_PROPERTY`; refused unless it is a valid marker id."""
    return marker_for(op_id).removeprefix(MARKER_PREFIX)


def markers_in(text: str | None) -> set[str]:
    """The op ids whose markers appear in `text` as whole tokens."""
    return set(_MARKER_IN_TEXT.findall(text or ""))


def strip_marker(text: str) -> str:
    """Remove a trailing op marker (HTML `<p>lb:…</p>` or plain `lb:…`) for display."""
    return _TRAILING_MARKER_TEXT.sub("", _TRAILING_MARKER_HTML.sub("", text))
