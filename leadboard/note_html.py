"""The rep's notes to and from HubSpot's HTML.

`html_to_text` turns HubSpot's rich-text bodies into readable plain text (cleaned with
`clean_untrusted`); `note_to_html` turns the rep's plain text into the escaped HTML HubSpot
stores, so that `html_to_text(note_to_html(t)) == t` for any cleaned, stripped text.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from leadboard.text import clean_untrusted

__all__ = ["html_to_text", "note_to_html"]


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
