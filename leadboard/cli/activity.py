"""`leadboard activity`: what changed in HubSpot for the rep, newest first, from the cache.

The same feed as the board's Activity screen (`a`), in the same words (leadboard/activity.py);
`--json` gives each event's kind, lead id and name, when (ISO, UTC), detail, who, and whether the
lead left the board. Run `leadboard sync` first to find what changed since the last pull.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import click

from leadboard.activity import event_words
from leadboard.cache.activity_feed import feed
from leadboard.cli.common import EXIT_USAGE, Session, fail, one_line

__all__ = ["parse_since", "run_activity"]

_AGO = re.compile(r"^\s*(\d+)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?)\s*$", re.IGNORECASE)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """ "2h", "30 min", "3 days", "1w" ago, or a date / date and time ("2026-12-01", "2026-12-01
    14:05", ISO with a zone); a time without a zone is UTC. ValueError says what it takes."""
    match = _AGO.match(text)
    if match:
        unit = _UNIT[match[2][0].lower()]
        return now - timedelta(**{unit: int(match[1])})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since '{one_line(text, 24)}' is not a time I can read: write 2h, 3d, 1w, "
            "2026-12-01 or 2026-12-01 14:05."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def run_activity(session: Session, *, since: str | None, as_json: bool) -> None:
    try:
        start = parse_since(since, datetime.now(UTC)) if since else None
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    store = session.open_store()
    try:
        entries = feed(store.db.conn, since_ms=None if start is None else int(start.timestamp() * 1000))
    finally:
        store.close()
    if as_json:
        listed = [{**e.event.as_json(), "at": _iso(e.event.at), "on_board": e.on_board} for e in entries]
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo("Nothing changed in HubSpot" + (" in that time." if start else " since your first sync."))
        return
    for entry in entries:
        left = "\t(left your board)" if not entry.on_board else ""
        click.echo(f"{_iso(entry.event.at)}\t{one_line(event_words(entry.event))}{left}")
