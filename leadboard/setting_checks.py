"""Checks for settings read from a file, the environment or flags, each problem with where it is.

Plain dataclasses checked by hand rather than pydantic models: every command and the board load the
settings at start-up, and importing pydantic and building its models there cost more than the
board's whole first frame (benchmarks/board_paint.py). The checks collect every problem with
where it is (`loc`), so a bad file is reported whole, one line per problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any


@dataclass(frozen=True)
class Problem:
    loc: tuple[str, ...]
    message: str
    input: Any = None
    unknown: bool = False


class Invalid(ValueError):
    """Problems found while checking a table of settings."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(p.loc)}: {p.message}" for p in problems))
        self.problems = problems


class Checker:
    """Collects problems while a table is checked, each with its location."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def table(self, value: Any, loc: tuple[str, ...], known: tuple[str, ...]) -> Mapping[str, Any]:
        """`value` as a table with only `known` keys (unknown ones are reported)."""
        if not isinstance(value, Mapping):
            self.problems.append(Problem(loc, "must be a table", value))
            return {}
        for key in value:
            if key not in known:
                self.problems.append(Problem((*loc, str(key)), "unknown setting", value[key], unknown=True))
        return value

    def field(self, loc: tuple[str, ...], check: Callable[[Any], Any], value: Any) -> Any:
        """`check(value)`, or `MISSING` with the problem noted when it raises ValueError."""
        try:
            return check(value)
        except Invalid as exc:
            self.problems += [Problem((*loc, *p.loc), p.message, p.input, p.unknown) for p in exc.problems]
        except ValueError as exc:
            self.problems.append(Problem(loc, str(exc), value))
        return MISSING

    def done(self) -> None:
        if self.problems:
            raise Invalid(self.problems)


MISSING: Any = object()


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a valid integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise ValueError("must be a valid integer")


def time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError('must be a time of day like "09:00" or 09:00:00')
