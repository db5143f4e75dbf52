"""The activity feed in the cache: what the pull found changed on HubSpot's side (issue 12).

`record_events` keeps each event and stamps its lead's `remote_change_at`, so the board marks the
card until the rep opens the lead (`mark_seen` stamps `seen_at`). `feed` reads the events newest
first with whether each lead is still on the rep's board, so leads that left (reassigned,
archived, closed by a colleague) stay findable on the Activity screen and in `leadboard activity`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from leadboard.activity import EVENT_KINDS, EventKind, FeedEvent
from leadboard.cache.remote_tables import now_ms

__all__ = ["FeedEntry", "feed", "left_board", "mark_seen", "record_events"]


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One stored event and where its lead is now: `on_board` is False once it left the rep's board
    (another owner, archived, or closed)."""

    event: FeedEvent
    on_board: bool


def record_events(conn: sqlite3.Connection, events: Iterable[FeedEvent]) -> int:
    """Store the events (inside the caller's transaction) and mark their leads changed."""
    found = now_ms()
    rows = [(e.at, e.kind, e.lead_id, e.lead_name, e.detail, e.actor, found) for e in events]
    if not rows:
        return 0
    conn.executemany(
        "INSERT INTO activity_feed (at, kind, lead_id, lead_name, detail, actor, found_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "UPDATE leads SET remote_change_at = max(coalesce(remote_change_at, 0), ?) WHERE id = ?",
        [(found, row[2]) for row in rows],
    )
    return len(rows)


def left_board(conn: sqlite3.Connection, lead_id: str) -> str | None:
    """Why the lead is no longer on the rep's board ("reassigned to Ann Lee", "archived"), or None."""
    row = conn.execute(
        "SELECT l.archived, l.gone_reason, l.owner_id IS NOT (SELECT id FROM owners WHERE is_me = 1) "
        "FROM leads l WHERE l.id = ?",
        [lead_id],
    ).fetchone()
    if row is None or not (row[0] or row[1] or row[2]):
        return None
    return str(row[1] or ("archived" if row[0] else "now another owner's"))


def mark_seen(conn: sqlite3.Connection, lead_id: str) -> None:
    """The rep opened the lead: its card's marker goes."""
    conn.execute("UPDATE leads SET seen_at = ? WHERE id = ?", [now_ms(), lead_id])


_FEED = """
SELECT f.at, f.kind, f.lead_id, f.lead_name, f.detail, f.actor,
  coalesce(l.archived = 0 AND l.owner_id = (SELECT id FROM owners WHERE is_me = 1)
           AND coalesce(st.closed, 0) = 0, 0)
FROM activity_feed f LEFT JOIN leads l ON l.id = f.lead_id LEFT JOIN stages st ON st.id = l.board_stage
WHERE f.at >= ? ORDER BY f.at DESC, f.id DESC LIMIT ?
"""


def feed(conn: sqlite3.Connection, *, since_ms: int | None = None, limit: int = 1000) -> list[FeedEntry]:
    """The feed newest first (events at or after `since_ms` when given), at most `limit` of them."""
    entries = []
    for at, kind, lead_id, name, detail, actor, on_board in conn.execute(_FEED, [since_ms or 0, limit]):
        if kind not in EVENT_KINDS:
            continue
        event_kind: EventKind = kind
        entries.append(FeedEntry(FeedEvent(event_kind, lead_id, name, at, detail, actor), bool(on_board)))
    return entries
