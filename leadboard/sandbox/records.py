"""The portal's storage: records, their property history, and associations kept in both directions.

Values are stored exactly as HubSpot returns them (strings; datetimes as ISO with ms and `Z`), so
serialising a record is a dict lookup, not a conversion.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from leadboard.sandbox.catalog import ASSOCIATION_BY_ID


def iso(ms: int) -> str:
    """Milliseconds since the epoch → HubSpot's `2024-11-20T20:12:09.236Z`."""
    seconds, millis = divmod(ms, 1000)
    t = time.gmtime(seconds)
    date = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
    return f"{date}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{millis:03d}Z"


def parse_instant(value: str) -> int | None:
    """ms-epoch digits or an ISO-8601 date/datetime → ms since the epoch; None if neither."""
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


@dataclass(slots=True)
class HistoryEntry:
    """One past value of a property, as `propertiesWithHistory` lists it."""

    value: str
    ms: int
    source: str


@dataclass(slots=True)
class Record:
    """One CRM object. `props` holds only non-empty values; a cleared property is absent."""

    id: int
    type: str
    props: dict[str, str]
    created_ms: int
    updated_ms: int
    archived: bool = False
    archived_ms: int | None = None
    history: dict[str, list[HistoryEntry]] = field(default_factory=dict)

    @property
    def sid(self) -> str:
        return str(self.id)

    def to_json(self) -> list[Any]:
        history = {k: [[h.value, h.ms, h.source] for h in v] for k, v in self.history.items()}
        return [
            self.id,
            dict(self.props),
            self.created_ms,
            self.updated_ms,
            self.archived,
            self.archived_ms,
            history,
        ]

    @classmethod
    def from_json(cls, object_type: str, data: list[Any]) -> Record:
        rid, props, created, updated, archived, archived_ms, history = data
        return cls(
            int(rid),
            object_type,
            {str(k): str(v) for k, v in props.items()},
            int(created),
            int(updated),
            bool(archived),
            None if archived_ms is None else int(archived_ms),
            {
                k: [HistoryEntry(str(v), int(ms), str(src)) for v, ms, src in entries]
                for k, entries in history.items()
            },
        )


AssocKey = tuple[str, int]  # (object type, object id)


class AssociationStore:
    """Associations by type id, stored from both ends so either side reads the same link."""

    def __init__(self) -> None:
        self._links: dict[AssocKey, dict[str, dict[int, set[int]]]] = {}

    def add(self, from_type: str, from_id: int, to_type: str, to_id: int, type_id: int) -> bool:
        """Link two records with one type id (and its inverse from the other end); True if new."""
        inverse = ASSOCIATION_BY_ID[type_id].inverse_id
        forward = (
            self._links.setdefault((from_type, from_id), {}).setdefault(to_type, {}).setdefault(to_id, set())
        )
        if type_id in forward:
            return False
        forward.add(type_id)
        self._links.setdefault((to_type, to_id), {}).setdefault(from_type, {}).setdefault(from_id, set()).add(
            inverse
        )
        return True

    def remove_pair(self, from_type: str, from_id: int, to_type: str, to_id: int) -> bool:
        """Drop every association between two records; True if there was one."""
        found = self._links.get((from_type, from_id), {}).get(to_type, {}).pop(to_id, None)
        self._links.get((to_type, to_id), {}).get(from_type, {}).pop(from_id, None)
        return bool(found)

    def types_between(self, from_type: str, from_id: int, to_type: str, to_id: int) -> set[int]:
        return set(self._links.get((from_type, from_id), {}).get(to_type, {}).get(to_id, ()))

    def targets(self, from_type: str, from_id: int, to_type: str) -> dict[int, set[int]]:
        """Associated ids of `to_type`, each with its type ids, in ascending id order."""
        found = self._links.get((from_type, from_id), {}).get(to_type, {})
        return {k: found[k] for k in sorted(found) if found[k]}

    def target_with(self, from_type: str, from_id: int, to_type: str, type_id: int) -> int | None:
        """The first associated id linked with a given type id (e.g. the primary contact)."""
        for to_id, ids in sorted(self._links.get((from_type, from_id), {}).get(to_type, {}).items()):
            if type_id in ids:
                return to_id
        return None

    def neighbours(self, object_type: str, object_id: int) -> Iterator[tuple[str, int]]:
        """Every record linked to this one, of any type."""
        for to_type, targets in self._links.get((object_type, object_id), {}).items():
            for to_id, ids in targets.items():
                if ids:
                    yield to_type, to_id

    def forget(self, object_type: str, object_id: int) -> None:
        """Remove a record from both ends (used when a record is deleted for good)."""
        for to_type, to_id in list(self.neighbours(object_type, object_id)):
            self.remove_pair(object_type, object_id, to_type, to_id)
        self._links.pop((object_type, object_id), None)

    def to_json(self) -> list[list[Any]]:
        """Each link once (from the end that sorts first), enough to rebuild both directions."""
        rows: list[list[Any]] = []
        for (from_type, from_id), by_type in self._links.items():
            for to_type, targets in by_type.items():
                for to_id, ids in targets.items():
                    if ids and (from_type, from_id) < (to_type, to_id):
                        rows.append([from_type, from_id, to_type, to_id, sorted(ids)])
        rows.sort()
        return rows

    @classmethod
    def from_json(cls, rows: Iterable[list[Any]]) -> AssociationStore:
        store = cls()
        for from_type, from_id, to_type, to_id, ids in rows:
            for type_id in ids:
                store.add(str(from_type), int(from_id), str(to_type), int(to_id), int(type_id))
        return store
