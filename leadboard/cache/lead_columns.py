"""Columns of the leads table derived from other data, so the board filters, sorts and pages one
table in SQL (issue 4: a 10,000-lead board reads only what it shows; issue 5: the urgent sort).

Each lead row keeps:
- `sla_deadline` and `sla_allowance` (epoch ms / ms), from `leadboard.sla` and the SLA settings in
  force;
- `first_touch` (epoch ms): HubSpot's `hs_lead_first_outreach_date` (its first call, email sent or
  meeting on the lead) where the lead has one; only where it has none, the earliest call, note,
  meeting or sent email by its owner on the lead or on its contact (one made since the lead was
  created), which sync/pull_activity.py caches by the same rule, and the rep's own call/note-making
  ops that were not discarded. The rep's open (unpushed) ops count in either case, so a change counts
  at once. A note before the first outreach does not count once HubSpot has one: two caches then
  agree without either reading the notes of every lead HubSpot already settles. (A cached task is not
  a touch: it is work still to do, and its date is when it falls due.)
- `board_stage` and `last_touch_at`: the stage and last touch the rep sees, with their open ops
  applied (the same overlay `read_model._SELECT` computes per row, stored for the page query).

Who keeps them current:
- `upsert_leads` computes the deadline of the leads it writes, with the stored settings;
- `upsert_leads`, the activity writers, a reassignment, and every outbox insert or state change
  call `refresh_lead_columns` for the leads they touched (one UPDATE, same transaction);
- `Store.apply_sla_settings` (at start-up) stores the settings and recomputes every deadline,
  but only when their fingerprint (settings + resolved time zone) differs from the stored one.

The settings live in `sync_state`, so the sync worker's own connection (or `leadboard sync` in
another process) computes deadlines with the same rules the app was started with.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from leadboard.commands.registry import FIRST_TOUCH_KINDS, LAST_TOUCH_KINDS
from leadboard.sla import SOURCE_PROPERTY, SlaFacts, sla_window, zone_for
from leadboard.sla_settings import SlaSettings

__all__ = [
    "KEY_SLA_HASH",
    "KEY_SLA_SETTINGS",
    "TOUCH_KINDS",
    "deadline_columns",
    "fingerprint",
    "recompute_deadlines",
    "refresh_lead_columns",
    "stored_settings",
    "touch_at",
]

#: sync_state keys: the SLA settings the stored deadlines follow (JSON) and their fingerprint.
KEY_SLA_SETTINGS = "sla_settings_json"
KEY_SLA_HASH = "sla_settings_hash"
#: Outbox kinds that put a call or a note on the lead, so they count as a first touch (the registry's).
TOUCH_KINDS = frozenset(str(kind) for kind in FIRST_TOUCH_KINDS)
#: Outbox kinds that count as the lead's last touch while they wait, as SQL: `kind IN (…)`.
LAST_TOUCH_SQL = ", ".join(f"'{kind}'" for kind in sorted(LAST_TOUCH_KINDS))

_OPEN = "'pending', 'in_flight', 'unknown', 'failed', 'conflict', 'blocked'"  # outbox.OPEN_STATES
#: A cached activity that touches its lead: a call, note or meeting, or an email sent (not a reply).
TOUCH_ACTIVITY_SQL = "(a.kind IN ('call', 'note', 'meeting') OR (a.kind = 'email' AND a.direction = 'EMAIL'))"

# The earliest touch of each lead in `where`: the outbox's `touch_at` is set at enqueue (a logged
# call counts at the time the rep gave for it) and a cancelled op no longer counts. The board's
# overlay: the newest open op that moves the lead sets its stage; open calls, notes and moves its
# last touch (as `read_model._SELECT` computes them).
_REFRESH = f"""
UPDATE leads SET
  first_touch = (
    SELECT min(t) FROM (
      SELECT leads.first_outreach_at AS t
      UNION ALL
      SELECT min(o.touch_at) FROM outbox o WHERE o.lead_id = leads.id AND o.state IN ({_OPEN})
      UNION ALL
      SELECT min(o.touch_at) FROM outbox o
      WHERE leads.first_outreach_at IS NULL AND o.lead_id = leads.id AND o.state != 'cancelled'
      UNION ALL
      SELECT min(a.timestamp) FROM activities a
      WHERE leads.first_outreach_at IS NULL AND a.lead_id = leads.id AND {TOUCH_ACTIVITY_SQL}
        AND a.owner_id IS NOT NULL AND a.owner_id = leads.owner_id
      UNION ALL
      SELECT min(a.timestamp) FROM activities a
      WHERE leads.first_outreach_at IS NULL AND leads.contact_id IS NOT NULL
        AND a.contact_id = leads.contact_id AND {TOUCH_ACTIVITY_SQL}
        AND a.owner_id IS NOT NULL AND a.owner_id = leads.owner_id AND a.timestamp >= leads.created_at)),
  board_stage = coalesce(
    (SELECT o.new_stage_id FROM outbox o
     WHERE o.lead_id = leads.id AND o.state IN ({_OPEN}) AND o.new_stage_id IS NOT NULL
     ORDER BY o.seq DESC LIMIT 1),
    stage_id),
  last_touch_at = (
    SELECT CASE WHEN coalesce(local, 0) > coalesce(leads.last_activity_at, 0) THEN local
                ELSE leads.last_activity_at END
    FROM (SELECT max(o.created_at) AS local FROM outbox o
          WHERE o.lead_id = leads.id AND o.state IN ({_OPEN})
            AND o.kind IN ({LAST_TOUCH_SQL})))
WHERE {{where}}
"""


def refresh_lead_columns(conn: sqlite3.Connection, where: str = "1", args: Any = ()) -> None:
    """Recompute first touch and the board overlay for the leads matching `where` (SQL on `leads`)."""
    conn.execute(_REFRESH.format(where=where), args)


def touch_at(kind: str, created_ms: int, call_at: datetime | None) -> int | None:
    """When an op touches its lead (epoch ms): at `call_at` when the command says when it happened
    (a logged call: `LeadCommand.touched_at`), other touches when made."""
    if kind not in TOUCH_KINDS:
        return None
    if call_at is not None:
        moment = call_at if call_at.tzinfo is not None else call_at.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    return created_ms


def fingerprint(settings: SlaSettings) -> str:
    """Changes when the rules or the zone business hours are counted in change."""

    text = f"{settings.to_json()}|{zone_for(settings)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_parsed: dict[str, SlaSettings] = {}


def stored_settings(conn: sqlite3.Connection) -> SlaSettings:
    """The settings the stored deadlines follow: the last applied, else the built-in defaults."""
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", [KEY_SLA_SETTINGS]).fetchone()
    if row is None:
        return SlaSettings()
    text = str(row[0])
    if text not in _parsed:
        _parsed.clear()
        _parsed[text] = SlaSettings.from_json(text)
    return _parsed[text]


def deadline_columns(
    leads: Iterable[tuple[int | None, str | None, str | None]], settings: SlaSettings
) -> list[tuple[int | None, int | None]]:
    """(sla_deadline ms, sla_allowance ms) for each (created ms, label, source)."""

    zone = zone_for(settings)
    out: list[tuple[int | None, int | None]] = []
    for created, label, source in leads:
        window = sla_window(SlaFacts.from_ms(created, label, source), settings, zone)
        if window is None:
            out.append((None, None))
        else:
            start, deadline = window
            deadline_ms = int(deadline.timestamp() * 1000)
            out.append((deadline_ms, deadline_ms - int(start.timestamp() * 1000)))
    return out


def recompute_deadlines(conn: sqlite3.Connection, settings: SlaSettings) -> int:
    """Every lead's deadline under `settings` (inside the caller's transaction); returns the count."""

    rows = conn.execute(
        "SELECT id, created_at, label, json_extract(props_json, ?) FROM leads", [f"$.{SOURCE_PROPERTY}"]
    ).fetchall()
    columns = deadline_columns(((r[1], r[2], r[3]) for r in rows), settings)
    conn.executemany(
        "UPDATE leads SET sla_deadline = ?, sla_allowance = ? WHERE id = ?",
        [(deadline, allowance, r[0]) for r, (deadline, allowance) in zip(rows, columns, strict=True)],
    )
    return len(rows)
