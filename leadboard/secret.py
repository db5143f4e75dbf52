"""`Secret`: the access token as a value that never shows itself.

Its `repr` and `str` are stars, so the token cannot reach a log line, a traceback's locals, the
screen or an f-string by accident; code that needs it asks with `get_secret_value()`. Our own small
class rather than pydantic's `SecretStr` (same method name) because every command and the board
hold the token at start-up, and importing pydantic there costs ~40 ms each time a rep opens leadboard.
"""

from __future__ import annotations

import hmac

__all__ = ["Secret", "secret_text"]

_MASK = "**********"


class Secret:
    """A secret string; compare, hash and test for emptiness without revealing it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')" if self._value else "Secret('')"

    def __str__(self) -> str:
        return _MASK if self._value else ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not pickled: it would write the token in the clear")


def secret_text(value: str | Secret | None) -> str | None:
    """The plain text of a token given either way (None stays None)."""
    return value.get_secret_value() if isinstance(value, Secret) else value
