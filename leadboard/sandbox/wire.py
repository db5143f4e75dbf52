"""Small wire helpers shared by the sandbox's HTTP layers: JSON bytes, error bodies, query values.

HubSpot's clients send query arrays both comma-separated and repeated, and the Python client
capitalises booleans (`archived=False`); these helpers accept all of that in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from leadboard.sandbox.hubspot_errors import validation_error

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


def dump_json(value: Any) -> bytes:
    """UTF-8 JSON. A stored escaped byte (Python's surrogateescape, e.g. "\\udcff") goes out as that raw
    byte, so a test can make the sandbox send the invalid UTF-8 HubSpot's answers have been seen with."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogateescape")


def parse_json_body(raw: bytes, *, required: bool = True) -> Any:
    """Decode a request body the way HubSpot reports problems: 400 `Invalid input JSON …`."""
    if not raw.strip():
        if required:
            raise validation_error("Invalid JSON input: a request body was expected, but none found")
        return None
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise validation_error(f"Invalid input JSON: the body is not UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise validation_error(
            f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:
        raise validation_error("Invalid input JSON: the body is nested too deeply") from None
    except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
        raise validation_error(f"Invalid input JSON: a number cannot be read ({exc})") from None


def is_json_media_type(content_type: str | None) -> bool:
    """`application/json`, with or without parameters (`; charset=utf-8`), in any case."""
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == "application/json"


def expect_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation_error(f"Invalid input JSON: expected a JSON object but found {_json_type(value)}")
    return value


def expect_array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise validation_error(f"Invalid input JSON: expected a JSON array but found {_json_type(value)}")
    return value


def expect_inputs(body: dict[str, Any]) -> dict[str, Any]:
    """Batch bodies must carry an `inputs` array; anything else is a 400 before the portal sees it."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation_error("Invalid input JSON: `inputs` must be a JSON array")
    return body


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def split_list(values: Iterable[str]) -> list[str] | None:
    """`?properties=a,b&properties=c` → ['a', 'b', 'c']; absent → None."""
    out: list[str] = []
    seen = False
    for value in values:
        seen = True
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out if seen else None


def parse_bool(name: str, value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise validation_error(f"Invalid value '{value}' for query parameter '{name}': expected true or false")


def parse_int(
    name: str, value: str | None, default: int, *, minimum: int = 1, maximum: int | None = None
) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise validation_error(
            f"Invalid value '{value}' for query parameter '{name}': expected an integer"
        ) from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f" and {maximum}" if maximum is not None else ""
        raise validation_error(
            f"Invalid value '{value}' for query parameter '{name}': must be at least {minimum}{bound}"
        )
    return number
