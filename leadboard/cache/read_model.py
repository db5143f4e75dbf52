"""What the board and `leadboard leads` show: HubSpot's leads with the rep's open ops applied.

The overlay uses every *non-terminal* op (pending, in_flight, unknown, failed, conflict, blocked):
until the rep resolves it, their change is what they see, and the row's `marker` says it has not
reached HubSpot (conflict > failed > blocked > pending). So a pending stage move shows the lead in the
target column, and a pending disqualify takes it off the open board into the closed view. Done and
cancelled ops are not overlaid: by then the remote tables hold the truth.

Rows are plain slotted dataclasses built from one indexed query, so 10,000 leads read in a few
milliseconds (see benchmarks/read_model.py). Timestamps are epoch milliseconds (UTC).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from leadboard.commands.registry import LAST_TOUCH_KINDS
from leadboard.domain import OPEN_STATES, Disposition, Option, PortalMeta, Stage

if TYPE_CHECKING:
    from leadboard.cache.outbox_rows import Op
    from leadboard.state import Lead

View = Literal["open", "closed", "all"]
Sort = Literal["urgent", "newest", "oldest", "last_touch", "name"]
#: The order `s` cycles through on the board; the first is the default.
SORTS: tuple[Sort, ...] = ("urgent", "newest", "oldest", "last_touch", "name")

#: sync_state keys the engine writes and `sync_status` reads.
KEY_LAST_SYNC = "last_sync_at"  # epoch ms of the last completed pull+push
KEY_LAST_PULL = "last_pull_at"
KEY_AUTH_STATE = "auth_state"  # "ok" | "invalid"
KEY_RATE_PAUSE_UNTIL = "rate_pause_until"  # epoch ms

#: Property names under which `property_options` keeps the portal's enumerations.
TYPE_OPTIONS, LABEL_OPTIONS, REASON_OPTIONS, SOURCE_OPTIONS = (
    "hs_lead_type",
    "hs_lead_label",
    "hs_lead_disqualification_reason",
    "lead_source",  # state.PROP_SOURCE: the entry source the SLA and the stats read
)
#: (PortalMeta field, sync_state key) of the account details kept in sync state.
ACCOUNT_KEYS = (
    ("portal_id", "portal_id"),
    ("time_zone", "portal_time_zone"),
    ("ui_domain", "portal_ui_domain"),
)
#: The last migration the read queries need; `first_board` falls back to `Store.open` before it.
SCHEMA_NEEDED = "m007_urgent_order_index"

_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATES)
#: Outbox kinds that count as the lead's last touch while they wait (the registry's), as SQL.
LAST_TOUCH_SQL = ", ".join(f"'{kind}'" for kind in sorted(LAST_TOUCH_KINDS))
# "urgent" is `leadboard.sla.urgency_key` in SQL: untouched leads by deadline (longest breached
# first), then untouched without an SLA (oldest first), then touched ones (oldest first); unknown
# creation times last (the largest integer rather than NULLS LAST, which no index can serve), the
# id breaks ties. The index `leads_urgent` (schema.m007) holds these very expressions: change
# them only with a migration that indexes the new ones.
URGENT_RANK = "CASE WHEN l.first_touch IS NOT NULL THEN 2 WHEN l.sla_deadline IS NOT NULL THEN 0 ELSE 1 END"
URGENT_AT = (
    "coalesce(CASE WHEN l.first_touch IS NULL AND l.sla_deadline IS NOT NULL THEN l.sla_deadline "
    "ELSE l.created_at END, 9223372036854775807)"
)
# Orders over the leads table's stored columns.
_ORDER = {
    "urgent": f"{URGENT_RANK}, {URGENT_AT}, l.id",
    "newest": "l.created_at DESC, l.id DESC",
    "oldest": "l.created_at ASC, l.id ASC",
    "last_touch": "l.last_touch_at DESC NULLS LAST, l.created_at DESC, l.id DESC",
    "name": "l.name_fold ASC, l.id ASC",
}
#: The closed view's "urgent" (nothing closed is urgent): most recently closed first, as near as the
#: cache knows it: HubSpot's last change, or the rep's own close waiting to be pushed.
CLOSED_FIRST = "max(coalesce(l.last_modified_at, 0), coalesce(l.last_touch_at, 0)) DESC, l.id DESC"


def _order(view: View, sort: Sort) -> str:
    return CLOSED_FIRST if view == "closed" and sort == "urgent" else _ORDER[sort]


def reversed_order(order: str) -> str:
    """`order` (an ORDER BY list) backwards, NULLs included: the last rows of a stage are then its
    first, read with a small top-N sort instead of sorting the whole stage past an OFFSET."""
    terms, depth, begun = [], 0, 0
    for i, char in enumerate(order):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            terms.append(order[begun:i].strip())
            begun = i + 1
    terms.append(order[begun:].strip())
    flipped = []
    for term in terms:
        words = term.split()
        nulls_first = None
        if words[-2:] in (["NULLS", "FIRST"], ["NULLS", "LAST"]):
            nulls_first = words[-1] == "FIRST"
            words = words[:-2]
        descending = words[-1] == "DESC"
        if words[-1] in ("ASC", "DESC"):
            words = words[:-1]
        if nulls_first is None:  # SQLite's default: NULLs are the smallest values
            nulls_first = not descending
        flipped.append(
            f"{' '.join(words)} {'ASC' if descending else 'DESC'} NULLS {'LAST' if nulls_first else 'FIRST'}"
        )
    return ", ".join(flipped)


def to_datetime(epoch_ms: int | None) -> datetime | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, UTC)


@dataclass(slots=True)
class BoardLead:
    """One lead as the rep sees it. `stage_id`/`lead_type` include open ops; `remote_*` are HubSpot's.

    `sla_deadline` / `first_touch` (UTC) come from the stored SLA columns (the rep's own calls and
    notes count at once); `leadboard.sla.state_from(lead.sla_deadline, lead.first_touch, now,
    lead.sla_allowance)` turns them into the state shown. Treat it as read-only (not frozen only
    because frozen dataclasses are 5x slower to build).
    """

    id: str
    name: str
    stage_id: str | None
    remote_stage_id: str | None
    lead_type: str | None
    remote_lead_type: str | None
    label: str | None
    owner_id: str | None
    created_at: int | None
    last_touch_at: int | None
    contact_name: str | None
    contact_email: str | None
    company_name: str | None
    closed: bool
    archived: bool
    n_pending: int
    n_failed: int
    n_conflict: int
    n_blocked: int
    sla_deadline_ms: int | None = None
    first_touch_ms: int | None = None
    sla_allowance_ms: int | None = None
    #: HubSpot's disqualification reason (an option value), shown on a closed card.
    disqualification_reason: str | None = None
    #: HubSpot changed the lead (activity feed) since the rep last opened it: the card's marker.
    changed: bool = False

    # Kept as epoch ms and converted on access: only the rows on screen ever need the datetimes.
    @property
    def sla_deadline(self) -> datetime | None:
        """When the first touch is (was) due, UTC; None when no SLA rule applies."""
        return to_datetime(self.sla_deadline_ms)

    @property
    def first_touch(self) -> datetime | None:
        """The first call, note or outreach on the lead (the rep's own unpushed ones included), UTC."""
        return to_datetime(self.first_touch_ms)

    @property
    def sla_allowance(self) -> timedelta | None:
        """The time the rule allowed (deadline minus when the clock started), for "due soon"."""
        return None if self.sla_allowance_ms is None else timedelta(milliseconds=self.sla_allowance_ms)

    @property
    def marker(self) -> str | None:
        """ "conflict", "failed", "blocked", "pending" or None: the most urgent state of its open ops."""
        if self.n_conflict:
            return "conflict"
        if self.n_failed:
            return "failed"
        if self.n_blocked:
            return "blocked"
        return "pending" if self.n_pending else None


@dataclass(frozen=True, slots=True)
class BoardPage:
    """What one board read returns: the rows (at most `limit_per_stage` per stage, in sort order)
    and how many leads each stage holds in all (by stage id; a stage with none is absent)."""

    rows: list[BoardLead]
    counts: dict[str, int]
    #: Where each stage's rows start in the stage (a window read further down; absent: 0).
    starts: dict[str, int] = dataclass_field(default_factory=dict)
    #: Stages whose rows filled the page and that were not counted (`board_page(count=False)`):
    #: their totals are absent from `counts` until `board_counts` reads them.
    uncounted: frozenset[str] = frozenset()

    def total(self, stage_id: str) -> int:
        return self.counts.get(stage_id, 0)

    def start(self, stage_id: str) -> int:
        return self.starts.get(stage_id, 0)


_SELECT = f"""
WITH ops AS (
  SELECT lead_id,
    sum(state IN ('pending', 'in_flight', 'unknown')) AS n_pending,
    sum(state = 'failed') AS n_failed, sum(state = 'conflict') AS n_conflict,
    sum(state = 'blocked') AS n_blocked,
    max(CASE WHEN kind IN ({LAST_TOUCH_SQL}) THEN created_at END) AS local_touch,
    (SELECT s.new_stage_id FROM outbox s
     WHERE s.lead_id = o.lead_id AND s.state IN ({_OPEN}) {{excluding}} AND s.new_stage_id IS NOT NULL
     ORDER BY s.seq DESC LIMIT 1) AS ov_stage,
    (SELECT t.new_lead_type FROM outbox t
     WHERE t.lead_id = o.lead_id AND t.state IN ({_OPEN}) {{excluding}} AND t.new_lead_type IS NOT NULL
     ORDER BY t.seq DESC LIMIT 1) AS ov_type
  FROM outbox o WHERE o.state IN ({_OPEN}) {{excluding}} GROUP BY lead_id
), board AS (
SELECT l.id, l.name, coalesce(ops.ov_stage, l.stage_id) AS stage_id, l.stage_id AS remote_stage_id,
  coalesce(ops.ov_type, l.lead_type) AS lead_type, l.lead_type AS remote_lead_type, l.label, l.owner_id,
  l.created_at,
  CASE WHEN coalesce(ops.local_touch, 0) > coalesce(l.last_activity_at, 0) THEN ops.local_touch
       ELSE l.last_activity_at END AS last_touch_at,
  l.contact_name, l.contact_email, l.company_name,
  coalesce(st.closed, 0) AS closed, l.archived,
  coalesce(ops.n_pending, 0), coalesce(ops.n_failed, 0),
  coalesce(ops.n_conflict, 0), coalesce(ops.n_blocked, 0),
  l.sla_deadline, l.first_touch, l.sla_allowance, l.disqualification_reason,
  coalesce(l.remote_change_at > coalesce(l.seen_at, 0), 0) AS changed, l.name_fold
FROM leads l
LEFT JOIN ops ON ops.lead_id = l.id
LEFT JOIN stages st ON st.id = coalesce(ops.ov_stage, l.stage_id)
WHERE {{where}}
)
"""
# Every row, read from the leads table's stored overlay; the few leads with open ops are read again
# through `_SELECT` for their markers and overlaid type.
_ALL_ROWS = """SELECT l.id, l.name, l.board_stage, l.stage_id, l.lead_type, l.lead_type, l.label, l.owner_id,
  l.created_at, l.last_touch_at, l.contact_name, l.contact_email, l.company_name,
  coalesce(st.closed, 0), l.archived, 0, 0, 0, 0, l.sla_deadline, l.first_touch, l.sla_allowance,
  l.disqualification_reason, coalesce(l.remote_change_at > coalesce(l.seen_at, 0), 0)
FROM leads l LEFT JOIN stages st ON st.id = l.board_stage
WHERE {where} ORDER BY {order}"""
_WITH_OPEN_OPS = f"l.id IN (SELECT lead_id FROM outbox WHERE state IN ({_OPEN}))"
# The page query reads the stored overlay (`board_stage`, `last_touch_at`, see lead_columns.py)
# from the leads table alone: totals per stage, then the first rows of each stage with a LIMIT per
# stage (SQLite's top-N sort; a window function sorts every row and measured 3-4x slower), then
# the full rows (markers, overlaid type) of just those ids through `_SELECT`.
# Counted per stage first, then the few stages joined for the view's condition (joining every lead to
# its stage before counting took ~40% longer at 50,000 leads).
_STAGE_TOTALS = """SELECT g.board_stage, g.n FROM
(SELECT l.board_stage, count(*) AS n FROM leads l WHERE {where} GROUP BY l.board_stage) g
LEFT JOIN stages st ON st.id = g.board_stage WHERE {view}"""
_STAGE_ROWS = (
    "SELECT l.id FROM leads l WHERE {where} AND l.board_stage IS :stage "
    "ORDER BY {order} LIMIT :limit OFFSET :offset"
)
# The stages that hold any of the owner's leads, found by skipping from one stage to the next along
# the owner's index (a few index seeks, not a walk over every lead), with the view's condition; in
# the order the counted page reads them (leads of no stage first).
_STAGES_PRESENT = """WITH RECURSIVE present(stage) AS (
  SELECT (SELECT min(l.board_stage) FROM leads l WHERE l.owner_id = :owner AND l.archived = 0)
  UNION ALL
  SELECT (SELECT min(l.board_stage) FROM leads l
          WHERE l.owner_id = :owner AND l.archived = 0 AND l.board_stage > present.stage)
  FROM present WHERE present.stage IS NOT NULL)
SELECT NULL FROM (SELECT NULL AS closed) st WHERE {view} AND EXISTS (
  SELECT 1 FROM leads l WHERE l.owner_id = :owner AND l.archived = 0 AND l.board_stage IS NULL)
UNION ALL
SELECT p.stage FROM present p LEFT JOIN stages st ON st.id = p.stage WHERE p.stage IS NOT NULL AND {view}"""
_BY_IDS = "l.id IN (SELECT value FROM json_each(:ids))"
_NEEDLE = "instr(l.search_fold, :needle)"


def _row(r: tuple[Any, ...]) -> BoardLead:
    return BoardLead(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
        bool(r[13]), bool(r[14]), r[15], r[16], r[17], r[18], r[19], r[20], r[21], r[22], bool(r[23]),
    )  # fmt: skip


def _filters(conn: sqlite3.Connection, needle: str, owner_id: str | None) -> tuple[list[str], dict[str, Any]]:
    """The conditions (on `leads l`) and arguments every board query shares: mine, not archived,
    matching the needle. Each caller adds the view's condition on its own stage column."""
    if owner_id is None:
        me = conn.execute("SELECT id FROM owners WHERE is_me = 1").fetchone()
        owner_id = me[0] if me else None
    where = ["l.archived = 0"]
    args: dict[str, Any] = {}
    if owner_id is not None:
        where.append("l.owner_id = :owner")
        args["owner"] = owner_id
    folded = needle.strip().casefold()
    if folded:
        where.append(_NEEDLE)
        args["needle"] = folded
    return where, args


def _view(view: View) -> list[str]:
    return [] if view == "all" else [f"coalesce(st.closed, 0) = {1 if view == 'closed' else 0}"]


def _totals_sql(where: list[str], view: View) -> str:
    return _STAGE_TOTALS.format(where=" AND ".join(where), view=" AND ".join(_view(view)) or "1")


def board_page(
    conn: sqlite3.Connection,
    *,
    view: View = "open",
    needle: str = "",
    sort: Sort = "urgent",
    owner_id: str | None = None,
    limit_per_stage: int | None = None,
    windows: Mapping[str, tuple[int, int]] | None = None,
    count: bool = True,
    keep: Mapping[str, str] | None = None,
) -> BoardPage:
    """The rep's leads for the board or `leadboard leads`, and each stage's total.

    `view`: "open" (the board), "closed" (qualified/disqualified, including by a pending op) or "all".
    Archived leads and other owners' leads are left out (`owner_id` defaults to the stored "me"; with
    no owner known yet, every owner's leads show). `needle` filters case-insensitively on lead name,
    contact name and email, and company name. `limit_per_stage` keeps the first N rows of each stage
    (open ops applied) in SQL, so a 10,000-lead board builds only the rows it shows; `windows`
    reads other rows for some stages instead: by stage id, (start, rows) in the stage's order (a
    start past the stage's end reads its last rows; `BoardPage.starts` says where each begins).
    `count=False` (first rows only, no `windows`) leaves out the count of each stage whose rows
    fill the page (`BoardPage.uncounted`): counting a filter's matches walks every lead, while the
    first rows of a stage are read in order and the read stops at the page's end. `keep` (stage id →
    lead id, the lead a column highlights): a stage whose first rows leave that lead out, while it
    still matches, is read around it instead, so a new filter or sort keeps it highlighted.
    """
    where, args = _filters(conn, needle, owner_id)
    if not count and limit_per_stage is not None and not windows and "owner" in args:
        return _first_rows(conn, where, args, view, sort, limit_per_stage, keep or {})
    if limit_per_stage is None:
        sql = _ALL_ROWS.format(where=" AND ".join(where + _view(view)), order=_order(view, sort))
        rows = [_row(r) for r in conn.execute(sql, args)]
        overlaid = _rows_where(conn, _WITH_OPEN_OPS, {})
        if overlaid:
            rows = [overlaid.get(lead.id, lead) for lead in rows]
        counts: dict[str, int] = {}
        for lead in rows:
            counts[lead.stage_id or ""] = counts.get(lead.stage_id or "", 0) + 1
        return BoardPage(rows, counts)
    totals = list(conn.execute(_totals_sql(where, view), args))
    counts = {stage or "": n for stage, n in totals}
    if limit_per_stage < 1 or not totals:
        return BoardPage([], counts)
    ids: list[str] = []
    starts: dict[str, int] = {}
    order = _order(view, sort)
    for stage, n in totals:
        first, size = (windows or {}).get(stage or "", (0, limit_per_stage))
        first = max(0, min(first, n - size))
        found = _window_ids(conn, " AND ".join(where), args, order, stage, n, first, size)
        kept = (keep or {}).get(stage or "")
        if kept is not None and kept not in found and n > len(found):
            first, found = _around(conn, where, args, order, stage, kept, size, first, found, n)
        if first:
            starts[stage or ""] = first
        ids += found
    by_id = _rows_where(conn, _BY_IDS, {"ids": json.dumps(ids)})
    return BoardPage([by_id[i] for i in ids if i in by_id], counts, starts)


def _first_rows(
    conn: sqlite3.Connection,
    where: list[str],
    args: dict[str, Any],
    view: View,
    sort: Sort,
    limit: int,
    keep: Mapping[str, str],
) -> BoardPage:
    """The first `limit` rows of each stage present, counted only where they fall short of `limit`
    (or the rows around the stage's kept lead, see `board_page`)."""
    view_sql = " AND ".join(_view(view)) or "1"
    stages = [r[0] for r in conn.execute(_STAGES_PRESENT.format(view=view_sql), {"owner": args["owner"]})]
    ids: list[str] = []
    counts: dict[str, int] = {}
    uncounted: set[str] = set()
    if limit < 1:
        return BoardPage([], counts, uncounted=frozenset(stage or "" for stage in stages))
    starts: dict[str, int] = {}
    order = _order(view, sort)
    for stage in stages:
        found = _window_ids(conn, " AND ".join(where), args, order, stage, limit, 0, limit)
        if len(found) < limit:
            if found:
                counts[stage or ""] = len(found)
        else:
            uncounted.add(stage or "")
            kept = keep.get(stage or "")
            if kept is not None and kept not in found:
                first, found = _around(conn, where, args, order, stage, kept, limit, 0, found, None)
                if first:
                    starts[stage or ""] = first
        ids += found
    rows = _rows_where(conn, _BY_IDS, {"ids": json.dumps(ids)})
    return BoardPage([rows[i] for i in ids if i in rows], counts, starts, frozenset(uncounted))


# Where one lead stands in its stage's order (from 0), under the page's conditions; no row when it
# does not match them. Sorts the stage: read only for a kept lead past a stage's first rows.
_POSITION = """SELECT n FROM (
  SELECT l.id, row_number() OVER (ORDER BY {order}) - 1 AS n FROM leads l
  WHERE {where} AND l.board_stage IS :stage) WHERE id = :kept"""
#: A stage length larger than any: `_window_ids` then reads forward from the start it is given.
_UNKNOWN_TOTAL = 1 << 62


def _around(
    conn: sqlite3.Connection,
    where: list[str],
    args: dict[str, Any],
    order: str,
    stage: str | None,
    kept: str,
    size: int,
    first: int,
    found: list[str],
    total: int | None,
) -> tuple[int, list[str]]:
    """The window of `size` rows with lead `kept` in its middle, when it matches; else the rows
    `found` from `first`, as they were read."""
    sql = _POSITION.format(order=order, where=" AND ".join(where))
    position = conn.execute(sql, {**args, "stage": stage, "kept": kept}).fetchone()
    if position is None:
        return first, found
    first = max(0, position[0] - size // 2)
    if total is not None:
        first = max(0, min(first, total - size))
    stage_total = _UNKNOWN_TOTAL if total is None else total
    return first, _window_ids(conn, " AND ".join(where), args, order, stage, stage_total, first, size)


def _window_ids(
    conn: sqlite3.Connection,
    where: str,
    args: dict[str, Any],
    order: str,
    stage: str | None,
    total: int,
    start: int,
    size: int,
) -> list[str]:
    """The ids of rows `start`..`start + size` of a stage holding `total`, in `order`. A window in
    the stage's second half is read from its end (the order reversed): SQLite then sorts only the
    rows up to the window, not the whole stage (End on a 20,000-row stage: ~25 ms, not ~80)."""
    from_end = total - start - size
    if from_end < start:
        sql = _STAGE_ROWS.format(where=where, order=reversed_order(order))
        offset, limit = max(from_end, 0), size + min(from_end, 0)
        rows = conn.execute(sql, {**args, "stage": stage, "limit": limit, "offset": offset}).fetchall()
        return [r[0] for r in reversed(rows)]
    sql = _STAGE_ROWS.format(where=where, order=order)
    return [r[0] for r in conn.execute(sql, {**args, "stage": stage, "limit": size, "offset": start})]


def stage_window(
    conn: sqlite3.Connection,
    stage_id: str,
    start: int,
    size: int,
    total: int,
    *,
    view: View = "open",
    needle: str = "",
    sort: Sort = "urgent",
    owner_id: str | None = None,
) -> tuple[int, list[BoardLead]]:
    """Rows `start`..`start + size` of one stage that holds `total` rows (as `board_page` counted
    them), open ops applied: (where the rows read start, the rows). What a long column reads as
    the rep scrolls: no totals, no other stage."""
    where, args = _filters(conn, needle, owner_id)
    start = max(0, min(start, total - size))
    ids = _window_ids(conn, " AND ".join(where), args, _order(view, sort), stage_id, total, start, size)
    found = _rows_where(conn, _BY_IDS, {"ids": json.dumps(ids)})
    return start, [found[i] for i in ids if i in found]


def iter_board(
    conn: sqlite3.Connection,
    *,
    view: View = "open",
    needle: str = "",
    sort: Sort = "urgent",
    owner_id: str | None = None,
    stage_id: str | None = None,
) -> Generator[BoardLead, None, None]:
    """The rows of `board` one at a time, as SQLite reads them (for `leadboard leads`): memory stays
    flat however many leads the rep has. `stage_id` keeps one stage (open ops applied).

    The few leads with open ops are read first, with their markers; the rest come straight from the
    leads table's stored overlay, so one pass over the cursor is all it takes.
    """
    where, args = _filters(conn, needle, owner_id)
    if stage_id is not None:
        where.append("l.board_stage IS :stage")
        args["stage"] = stage_id
    overlaid = _rows_where(conn, _WITH_OPEN_OPS, {})
    cursor = conn.execute(
        _ALL_ROWS.format(where=" AND ".join(where + _view(view)), order=_order(view, sort)), args
    )
    try:
        while batch := cursor.fetchmany(500):
            for r in batch:
                lead = _row(r)
                yield overlaid.get(lead.id, lead) if overlaid else lead
    finally:
        cursor.close()


def _rows_where(conn: sqlite3.Connection, where: str, args: dict[str, Any]) -> dict[str, BoardLead]:
    """Full rows (open ops overlaid, with their markers) of the leads matching `where`, by id."""
    sql = _SELECT.format(where=where, excluding="") + "SELECT * FROM board"
    return {lead.id: lead for lead in map(_row, conn.execute(sql, args))}


def board(
    conn: sqlite3.Connection,
    *,
    view: View = "open",
    needle: str = "",
    sort: Sort = "urgent",
    owner_id: str | None = None,
    limit_per_stage: int | None = None,
) -> list[BoardLead]:
    """The rows of `board_page` (see there); the UI splits them into columns by `stage_id`."""
    page = board_page(
        conn, view=view, needle=needle, sort=sort, owner_id=owner_id, limit_per_stage=limit_per_stage
    )
    return page.rows


def board_counts(
    conn: sqlite3.Connection, *, view: View = "open", needle: str = "", owner_id: str | None = None
) -> dict[str, int]:
    """How many leads each stage holds under these filters (open ops applied), by stage id."""
    where, args = _filters(conn, needle, owner_id)
    rows = conn.execute(_totals_sql(where, view), args)
    return {stage or "": n for stage, n in rows}


def lead_state(
    conn: sqlite3.Connection, lead_id: str, *, excluding_op: str | None = None
) -> BoardLead | None:
    """One lead as the rep sees it (any owner, archived or closed), for `state.check_command`.

    `excluding_op` leaves one op out of the overlay: editing a failed op is checked as if it were not there.
    """
    excluding = "AND op_id != :excluding" if excluding_op else ""
    sql = _SELECT.format(where="l.id = :lead", excluding=excluding) + "SELECT * FROM board"
    row = conn.execute(sql, {"lead": lead_id, "excluding": excluding_op}).fetchone()
    return None if row is None else _row(row)


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None

    @property
    def name(self) -> str:
        return " ".join(n for n in (self.first_name, self.last_name) if n)


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    name: str | None
    domain: str | None


@dataclass(frozen=True, slots=True)
class Activity:
    """A call, note or task from the cache; `body_text` is clean plain text (HubSpot's HTML converted).

    For a task (`kind` "task"), `timestamp` is when it is due, `title` its subject and `status`
    HubSpot's `hs_task_status` (NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED); calls and
    notes have no status.
    """

    id: str
    kind: str
    timestamp: int | None
    body_text: str
    title: str | None
    direction: str | None
    disposition_id: str | None
    duration_ms: int | None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class LeadDetail:
    lead: BoardLead
    remote: Lead
    contact: Contact | None
    company: Company | None
    timeline: list[Activity]
    other_leads: list[BoardLead]
    ops: list[Op]
    #: The lead's entry source (`lead_source`, an option value), for its SLA and the lead screen.
    source: str | None = None


def lead_detail(conn: sqlite3.Connection, lead_id: str, ops: list[Op]) -> LeadDetail | None:
    """Everything the lead screen shows, from the cache: the lead (overlaid and as in HubSpot), its
    contact and company, its timeline (newest first; a task by when it is due, so a follow-up still
    to come leads), the contact's other leads and this lead's ops."""
    lead = lead_state(conn, lead_id)
    if lead is None:
        return None
    row = conn.execute(
        "SELECT props_json, contact_id, company_id, archived FROM leads WHERE id = ?",
        [lead_id],
    ).fetchone()
    from leadboard.state import Lead  # pydantic: kept off the board's first-paint path

    props = json.loads(row[0])
    remote = Lead.from_hubspot({"id": lead_id, "properties": props, "archived": bool(row[3])})
    contact = None
    contact_id = row[1]
    if contact_id:
        c = conn.execute(
            "SELECT id, first_name, last_name, email, phone, job_title FROM contacts WHERE id = ?",
            [contact_id],
        ).fetchone()
        if c:
            contact = Contact(*c)
    company_id = (
        row[2]
        or (conn.execute("SELECT company_id FROM contacts WHERE id = ?", [contact_id]).fetchone() or [None])[
            0
        ]
    )
    company = None
    if company_id:
        co = conn.execute("SELECT id, name, domain FROM companies WHERE id = ?", [company_id]).fetchone()
        company = Company(*co) if co else None
    timeline = [
        Activity(*a)
        for a in conn.execute(
            "SELECT id, kind, timestamp, body_text, title, direction, disposition_id, duration_ms, status "
            "FROM activities "
            "WHERE lead_id = ? OR (contact_id IS NOT NULL AND contact_id = ?) "
            "ORDER BY timestamp DESC, id DESC",
            [lead_id, contact_id],
        )
    ]
    others: list[BoardLead] = []
    if contact_id:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT lead_id FROM contact_leads WHERE contact_id = ? AND lead_id != ? "
                "UNION SELECT id FROM leads WHERE contact_id = ? AND id != ?",
                [contact_id, lead_id, contact_id, lead_id],
            )
        ]
        others = [o for o in (lead_state(conn, i) for i in ids) if o is not None]
        others.sort(key=lambda o: o.created_at or 0, reverse=True)
    return LeadDetail(
        lead=lead,
        remote=remote,
        contact=contact,
        company=company,
        timeline=timeline,
        other_leads=others,
        ops=ops,
        source=str(props.get("lead_source") or "") or None,
    )


@dataclass(frozen=True, slots=True)
class SyncCounts:
    """Counts for the status line; timestamps are epoch ms or None."""

    pending: int
    in_flight: int
    unknown: int
    failed: int
    conflict: int
    blocked: int
    last_sync_at: int | None
    last_pull_at: int | None
    auth_state: str | None
    rate_pause_until: int | None

    @property
    def waiting(self) -> int:
        """Changes not yet in HubSpot that need no action from the rep."""
        return self.pending + self.in_flight + self.unknown


def get_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def cache_status(conn: sqlite3.Connection) -> SyncCounts:
    """Counts and times for the status line, from any connection to the cache."""
    counts = dict(conn.execute(f"SELECT state, count(*) FROM outbox WHERE state IN ({_OPEN}) GROUP BY state"))

    def state_int(key: str) -> int | None:
        value = get_state(conn, key)
        return int(value) if value and value.lstrip("-").isdigit() else None

    return SyncCounts(
        pending=counts.get("pending", 0),
        in_flight=counts.get("in_flight", 0),
        unknown=counts.get("unknown", 0),
        failed=counts.get("failed", 0),
        conflict=counts.get("conflict", 0),
        blocked=counts.get("blocked", 0),
        last_sync_at=state_int(KEY_LAST_SYNC),
        last_pull_at=state_int(KEY_LAST_PULL),
        auth_state=get_state(conn, KEY_AUTH_STATE),
        rate_pause_until=state_int(KEY_RATE_PAUSE_UNTIL),
    )


def portal_meta(conn: sqlite3.Connection) -> PortalMeta:
    """The portal metadata as last pulled (empty lists before the first sync)."""
    pipeline = conn.execute("SELECT id FROM pipelines ORDER BY display_order LIMIT 1").fetchone()
    stages = tuple(
        Stage(id=r[0], label=r[1], display_order=r[2], closed=bool(r[3]))
        for r in conn.execute("SELECT id, label, display_order, closed FROM stages ORDER BY display_order")
    )
    options: dict[str, list[Option]] = {
        TYPE_OPTIONS: [],
        LABEL_OPTIONS: [],
        REASON_OPTIONS: [],
        SOURCE_OPTIONS: [],
    }
    for r in conn.execute(
        "SELECT property, value, label, display_order, hidden FROM property_options "
        "ORDER BY property, display_order, rowid"
    ):
        option = Option(value=r[1], label=r[2], display_order=r[3], hidden=bool(r[4]))
        options.setdefault(r[0], []).append(option)
    dispositions = tuple(
        Disposition(id=r[0], label=r[1], deleted=bool(r[2]))
        for r in conn.execute("SELECT id, label, deleted FROM dispositions ORDER BY rowid")
    )
    me = conn.execute("SELECT id FROM owners WHERE is_me = 1").fetchone()
    extra: dict[str, Any] = {}
    for field, key in (
        ("qualified_stage_id", "qualified_stage_id"),
        ("unqualified_stage_id", "unqualified_stage_id"),
        *ACCOUNT_KEYS,
    ):
        if (value := get_state(conn, key)) is not None:
            extra[field] = value
    return PortalMeta(
        **({"pipeline_id": pipeline[0]} if pipeline else {}),
        stages=stages,
        lead_types=tuple(options[TYPE_OPTIONS]),
        lead_labels=tuple(options[LABEL_OPTIONS]),
        disqualification_reasons=tuple(options[REASON_OPTIONS]),
        lead_sources=tuple(options[SOURCE_OPTIONS]),
        dispositions=dispositions,
        owner_id=me[0] if me else None,
        **extra,
    )


@dataclass(frozen=True, slots=True)
class FirstBoard:
    """The first board read: one page of rows with the stage totals, the portal, the status line."""

    page: BoardPage
    meta: PortalMeta
    status: SyncCounts


def read_first_board(
    conn: sqlite3.Connection, view: View, needle: str, sort: Sort, limit_per_stage: int | None
) -> FirstBoard:
    """Everything the board paints, from one connection (a `Store`'s or `open_for_first_read`'s)."""
    page = board_page(conn, view=view, needle=needle, sort=sort, limit_per_stage=limit_per_stage)
    return FirstBoard(page, portal_meta(conn), cache_status(conn))


def open_for_first_read(path: Path) -> sqlite3.Connection | None:
    """A plain read-only connection to a cache that needs no migration, else None.

    The board's first paint reads through this: no sqlite-utils, no migration check, nothing
    written. A missing file, a cache from an older leadboard or an unreadable one gives None, and
    the caller opens a `Store` instead (which creates, migrates or explains what is wrong).
    """
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        ready = conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'leadboard' AND name = ?", [SCHEMA_NEEDED]
        ).fetchone()
    except sqlite3.Error:
        ready = None
    if ready is None:
        conn.close()
        return None
    return conn
