"""Untrusted text: what comes from HubSpot, and the rep's notes on their way to HubSpot.

Anything read from HubSpot (names, note and call bodies) may carry terminal escape sequences, bidi
overrides or HTML. `clean_untrusted` makes such text safe to show in a terminal; `html_to_text`
turns HubSpot's rich-text bodies into readable plain text; `note_to_html` turns the rep's plain
text into the escaped HTML HubSpot stores, so that `html_to_text(note_to_html(t)) == t` for any
cleaned, stripped text. No UI imports here: the board and the CLI both use it.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["clean_untrusted", "html_to_text", "note_to_html"]

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


# --- plain text -> HubSpot HTML --------------------------------------------------------------------

_SPACE_RUN = re.compile(r" {2,}")


def _escape_line(line: str) -> str:
    """Escape one line so HTML's whitespace collapsing cannot change it."""
    escaped = html.escape(line).replace("\t", "&#9;")
    # A space is kept by HTML only when it sits between two other characters: protect the rest.
    escaped = _SPACE_RUN.sub(lambda m: " " + "&nbsp;" * (len(m.group()) - 1), escaped)
    if escaped.startswith(" "):
        escaped = "&nbsp;" + escaped[1:]
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "&nbsp;"
    return escaped


def note_to_html(plain: str) -> str:
    """Turn the rep's plain text into HubSpot's note HTML: escaped, blank lines → `<p>`, newlines → `<br>`.

    The input should already be cleaned and stripped (the commands in `state.py` do it). Markup the rep
    typed, such as `<b>` or `[bold]`, is escaped and shows literally in HubSpot.
    """
    paragraphs = plain.replace("\r\n", "\n").split("\n\n")
    return "".join(
        "<p>" + "<br>".join(_escape_line(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


# --- HubSpot HTML -> plain text --------------------------------------------------------------------

# Private sentinels: the input is cleaned first, so these C0 characters cannot occur in it.
_SOFT_SPACE = "\x01"  # collapsible HTML whitespace
_LINE = "\x02"  # a block boundary: at most one line break, never at the start or end
_PARAGRAPH = "\x03"  # between two paragraphs: exactly one blank line each, never merged
_HARD_SPACE = "\x04"  # &nbsp;
_HARD_TAB = "\x05"  # &#9;

_NBSP_REF = re.compile(r"&(?:nbsp|#160|#x0*a0);", re.IGNORECASE)
_TAB_REF = re.compile(r"&#(?:0*9|x0*9);", re.IGNORECASE)
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]+")
_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer"}
    | {"form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "pre", "section"}
    | {"table", "tbody", "thead", "tfoot", "tr"}
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template"})


class _TextExtractor(HTMLParser):
    """Collects text and break tokens; `_render` turns them into lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.has_content = False
        self.skip_depth = 0
        self.lists: list[list[int]] = []  # one entry per open <ul>/<ol>: [next number] or [] for bullets

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
            self.has_content = True
        elif tag == "p":
            self.parts.append(_PARAGRAPH if self.has_content else _LINE)
        elif tag in ("ul", "ol"):
            self.lists.append([1] if tag == "ol" else [])
            self.parts.append(_LINE)
        elif tag == "li":
            marker = "- "
            if self.lists and self.lists[-1]:
                marker = f"{self.lists[-1][0]}. "
                self.lists[-1][0] += 1
            indent = "  " * max(len(self.lists) - 1, 0)
            self.parts.append(_LINE + indent + marker)
            self.has_content = True
        elif tag in _BLOCK_TAGS:
            self.parts.append(_LINE)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skip_depth = max(self.skip_depth - 1, 0)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.parts.append(_LINE)
        elif tag in ("p", "li") or tag in _BLOCK_TAGS:
            self.parts.append(_LINE)
        elif tag in ("td", "th"):
            self.parts.append(_HARD_SPACE * 2)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.parts.append(_HTML_WHITESPACE.sub(_SOFT_SPACE, data))
        self.has_content = True


_SOFT_SPACE_AT_EDGE = re.compile(
    f"{_SOFT_SPACE}+(?=[\n{_LINE}{_PARAGRAPH}]|$)|(?<=[\n{_LINE}{_PARAGRAPH}]){_SOFT_SPACE}+"
)
_LINE_RUN = re.compile(f"{_LINE}+")
_LINE_BESIDE_BREAK = re.compile(f"{_LINE}(?=[{_PARAGRAPH}])|(?<=[\n{_PARAGRAPH}]){_LINE}")


def _render(parts: list[str]) -> str:
    text = "".join(parts)
    text = re.sub(f"{_SOFT_SPACE}+", _SOFT_SPACE, text)
    text = text.strip(_SOFT_SPACE)
    text = _SOFT_SPACE_AT_EDGE.sub("", text)
    text = _LINE_RUN.sub(_LINE, text)
    text = _LINE_BESIDE_BREAK.sub("", text).strip(_LINE)
    for token, value in (
        (_SOFT_SPACE, " "),
        (_LINE, "\n"),
        (_PARAGRAPH, "\n\n"),
        (_HARD_SPACE, " "),
        (_HARD_TAB, "\t"),
    ):
        text = text.replace(token, value)
    return text


def html_to_text(body: str) -> str:
    """Turn a HubSpot note or call body (HTML, or plain text) into clean, readable plain text.

    Paragraphs are separated by a blank line, `<br>` and block elements start a new line, list items get
    "- " or "1. ", styles and scripts are dropped, entities are decoded, and the result is cleaned with
    `clean_untrusted` (an entity such as `&#27;` cannot smuggle an escape sequence in).
    """
    body = clean_untrusted(body)
    body = _TAB_REF.sub(_HARD_TAB, _NBSP_REF.sub(_HARD_SPACE, body))
    parser = _TextExtractor()
    parser.feed(body)
    parser.close()
    return clean_untrusted(_render(parser.parts)).strip(" \n")
