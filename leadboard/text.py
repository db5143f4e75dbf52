"""Untrusted text: what comes from HubSpot is made safe to show in a terminal.

Anything read from HubSpot (names, note and call bodies) may carry terminal escape sequences or
bidi overrides; `clean_untrusted` removes them. Notes to and from HubSpot's HTML are in
note_html.py (kept apart so the board's first paint does not import an HTML parser). No UI
imports here: the board and the CLI both use it.
"""

from __future__ import annotations

import re

__all__ = ["clean_untrusted"]

# ESC-initiated sequences, in their 7-bit and 8-bit (C1) forms. A sequence cut short at the end of
# the text is removed too, so a truncated payload cannot leave half a sequence behind.
_ESCAPE_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?                              # CSI: cursor moves, colours, ESC[6n
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|\Z)  # OSC (52, 8), DCS, SOS, PM, APC
    | \x1b [ -/]* [0-~]?                                                 # the rest: ESC c, ESC ( B, ESC 7
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 controls except \t and \n, DEL, C1 controls; bidi embeddings, overrides and isolates
# (the "Trojan Source" set); lone surrogates, which cannot be encoded for the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n|[\r\u2028\u2029]")


def clean_untrusted(text: str) -> str:
    """Return `text` with escape sequences, control and bidi characters removed.

    Line breaks of every kind become "\\n"; tabs, emoji and wide characters are kept. The result is
    safe to write to a terminal, but it is still *not* safe to format into Textual markup: callers
    show it with `Content(text)` or `markup=False`.
    """
    text = _LINE_BREAK.sub("\n", text)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text)
    return _SURROGATE.sub("\ufffd", text)
