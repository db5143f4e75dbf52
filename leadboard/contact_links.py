"""The contact's phone and email as the rep copies them, and as `tel:` / `mailto:` links.

Both come from HubSpot, so they are untrusted: the copied text is one clean line, and a link is
built only from what a dialler or mail client can take (digits and a leading "+"; one address with
no spaces), never from the raw value. No I/O here: the app copies and opens.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

from leadboard.text import clean_untrusted

__all__ = ["ContactChannel", "contact_link", "one_line_value"]

#: How the rep reaches a contact: by phone (`tel:`) or by email (`mailto:`).
ContactChannel = Literal["phone", "email"]

_EMAIL = re.compile(r"[^\s@<>\"',;]+@[^\s@<>\"',;]+\.[^\s@<>\"',;]+")
_EXTENSION = re.compile(r"\s*(?:ext\.?|x|#)\s*(\d+)\s*$", re.IGNORECASE)


def one_line_value(value: str | None) -> str:
    """A phone or email as shown and copied: controls and escapes gone, whitespace collapsed."""
    return " ".join(clean_untrusted(value or "").split())


def contact_link(channel: ContactChannel, value: str) -> str | None:
    """`tel:+15550102` (RFC 3966, an extension as `;ext=`) or `mailto:pat@example.com`; None when the
    value is not something such a link can carry (a phone with no digits, text that is no address)."""
    if channel == "email":
        return f"mailto:{quote(value, safe='@+')}" if _EMAIL.fullmatch(value) else None
    extension = _EXTENSION.search(value)
    number = value[: extension.start()] if extension else value
    digits = "".join(c for c in number if c.isdigit() and c.isascii())
    if not digits:
        return None
    plus = "+" if number.strip().startswith("+") else ""
    return f"tel:{plus}{digits}" + (f";ext={extension.group(1)}" if extension else "")
