"""The local cache: one SQLite file (sqlite-utils) holding HubSpot's data, sync state and the outbox.

Rules for callers:

- **One `Store` per thread.** A `Store` wraps one SQLite connection, usable only in the thread that
  opened it. The UI thread and the sync worker each call `Store.open(path)` on the same file; WAL
  lets them read while the other writes, and every write takes `BEGIN IMMEDIATE`, so a writer waits
  (`busy_timeout`) instead of failing with "database is locked".
- **Who writes what.** The pull writes the remote tables (`upsert_*`, `save_portal_meta`,
  `set_state`); commands and the push write the outbox (`store.outbox`, see `leadboard/outbox.py`);
  the board reads `board()`, `lead_detail()` and `sync_status()` (see `leadboard/read_model.py`).
- **One pusher.** Only the holder of `store.push_lock()` may push; a second leadboard on the same cache
  gets `SyncLockHeld` naming the pid that holds it.
- **Errors.** A file that is not a leadboard cache raises `CacheError`, whose message says what to do.
  Tokens are never stored here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filelock
from sqlite_utils import Database, Migrations

from leadboard.state import (
    Disposition,
    Lead,
    Option,
    PortalMeta,
    Stage,
    parse_hubspot_time,
)
from leadboard.text import clean_untrusted, html_to_text

if TYPE_CHECKING:
    from leadboard.read_model import BoardLead, LeadDetail, Sort, SyncStatus, View

__all__ = ["CacheError", "PushLock", "Store", "SyncLockHeld", "ms", "now_ms"]

BUSY_TIMEOUT_MS = 10_000

#: Property names under which `property_options` keeps the portal's enumerations.
TYPE_OPTIONS, LABEL_OPTIONS, REASON_OPTIONS = (
    "hs_lead_type",
    "hs_lead_label",
    "hs_lead_disqualification_reason",
)


class CacheError(Exception):
    """The cache file cannot be used. The message is for the rep: what is wrong and what to do."""


class SyncLockHeld(Exception):
    """Another leadboard process is pushing from this cache."""


def now_ms() -> int:
    return int(time.time() * 1000)


def ms(value: Any) -> int | None:
    """A datetime (or None) as epoch milliseconds: how every timestamp column is stored, so it sorts."""
    if value is None:
        return None
    return int(value.timestamp() * 1000)


# --- schema -----------------------------------------------------------------------------------------

migrations = Migrations("leadboard")


@migrations()
def m001_initial(db: Database) -> None:
    """Remote shadow tables, metadata, sync state, the outbox and its attempt log."""
    db.executescript(
        """
        CREATE TABLE leads (
          id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', name_fold TEXT NOT NULL DEFAULT '',
          search_fold TEXT NOT NULL DEFAULT '',
          pipeline_id TEXT, stage_id TEXT, lead_type TEXT, label TEXT, owner_id TEXT,
          created_at INTEGER, last_modified_at INTEGER, first_outreach_at INTEGER, last_activity_at INTEGER,
          disqualification_reason TEXT, disqualification_note TEXT,
          contact_id TEXT, company_id TEXT,
          assoc_contact_name TEXT, assoc_contact_email TEXT, assoc_company_name TEXT,
          contact_name TEXT, contact_email TEXT, company_name TEXT,
          archived INTEGER NOT NULL DEFAULT 0, gone_reason TEXT,
          props_json TEXT NOT NULL DEFAULT '{}', fetched_at INTEGER NOT NULL);
        CREATE INDEX leads_owner ON leads(owner_id, archived, created_at);
        CREATE INDEX leads_contact ON leads(contact_id);
        CREATE TABLE contacts (
          id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT, job_title TEXT,
          company_id TEXT, search_fold TEXT NOT NULL DEFAULT '',
          props_json TEXT NOT NULL DEFAULT '{}', fetched_at INTEGER NOT NULL);
        CREATE TABLE companies (
          id TEXT PRIMARY KEY, name TEXT, domain TEXT, name_fold TEXT NOT NULL DEFAULT '',
          props_json TEXT NOT NULL DEFAULT '{}', fetched_at INTEGER NOT NULL);
        CREATE TABLE contact_leads (
          contact_id TEXT NOT NULL, lead_id TEXT NOT NULL, PRIMARY KEY (contact_id, lead_id));
        CREATE TABLE activities (
          id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('call', 'note')),
          lead_id TEXT, contact_id TEXT, timestamp INTEGER, body_text TEXT NOT NULL DEFAULT '',
          title TEXT, direction TEXT, disposition_id TEXT, duration_ms INTEGER, owner_id TEXT,
          props_json TEXT NOT NULL DEFAULT '{}', fetched_at INTEGER NOT NULL);
        CREATE INDEX activities_lead ON activities(lead_id, timestamp);
        CREATE INDEX activities_contact ON activities(contact_id, timestamp);
        CREATE TABLE pipelines (id TEXT PRIMARY KEY, label TEXT NOT NULL, display_order INTEGER NOT NULL);
        CREATE TABLE stages (
          id TEXT PRIMARY KEY, pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
          label TEXT NOT NULL, display_order INTEGER NOT NULL, closed INTEGER NOT NULL);
        CREATE TABLE property_options (
          property TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL,
          display_order INTEGER NOT NULL, hidden INTEGER NOT NULL, PRIMARY KEY (property, value));
        CREATE TABLE dispositions (id TEXT PRIMARY KEY, label TEXT NOT NULL, deleted INTEGER NOT NULL);
        CREATE TABLE owners (
          id TEXT PRIMARY KEY, email TEXT, first_name TEXT, last_name TEXT, is_me INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE outbox (
          op_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, lead_id TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN
            ('move_stage', 'log_call', 'add_note', 'set_lead_type', 'qualify', 'disqualify')),
          payload_json TEXT NOT NULL, changes_json TEXT NOT NULL DEFAULT '{}',
          base_json TEXT NOT NULL DEFAULT '{}',
          new_stage_id TEXT, new_lead_type TEXT,
          state TEXT NOT NULL CHECK (state IN
            ('pending', 'in_flight', 'unknown', 'done', 'failed', 'conflict', 'blocked', 'cancelled')),
          step INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER, first_ambiguous_at INTEGER,
          remote_ids_json TEXT NOT NULL DEFAULT '{}', conflict_json TEXT, last_error TEXT,
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX outbox_lead ON outbox(lead_id, seq);
        CREATE INDEX outbox_state ON outbox(state, seq);
        CREATE TABLE op_attempts (
          op_id TEXT NOT NULL REFERENCES outbox(op_id), n INTEGER NOT NULL,
          started_at INTEGER NOT NULL, ended_at INTEGER, outcome TEXT, http_status INTEGER,
          correlation_id TEXT, error TEXT, PRIMARY KEY (op_id, n));
        """
    )


_BROKEN_HELP = (
    "Move it aside (for example `mv {path} {path}.broken`) and run `leadboard sync`: the cache is "
    "rebuilt from HubSpot by a full pull. Changes that were waiting to be pushed stay in the moved file."
)


def _open_connection(path: Path) -> sqlite3.Connection:
    """Connect with our pragmas, or raise CacheError that says what to do."""
    if path.exists() and not path.is_file():
        raise CacheError(f"The cache path {path} is not a file. Point --db (or LEADBOARD_DB) at a file.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as exc:
        raise CacheError(
            f"Cannot open the cache at {path}: {exc}. Check that the folder is writable."
        ) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA schema_version").fetchone()  # reads the header: fails fast on a non-database
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: the board's 10,000 rows stay in memory
        conn.create_function("lb_fold", 1, _fold, deterministic=True)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CacheError(
            f"The cache at {path} is not a readable leadboard database ({exc}). "
            + _BROKEN_HELP.format(path=path)
        ) from exc
    return conn


class PushLock:
    """The single-pusher lock: an exclusive flock on `<db>.lock`, holding the owner's pid for messages."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(f"{db_path}.lock")
        self._lock = filelock.FileLock(str(self.path), timeout=0, is_singleton=False)

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def acquire(self) -> None:
        """Take the lock or raise `SyncLockHeld` with a sentence naming the other process."""
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            holder = ""
            with suppress(OSError):
                holder = self.path.read_text(encoding="utf-8").strip()
            who = f"pid {holder}" if holder.isdigit() else "pid unknown"
            raise SyncLockHeld(
                f"Another leadboard is syncing this cache ({who}). Close it, or use another --db."
            ) from None
        with open(self.path, "w", encoding="utf-8") as handle:  # no flock on this descriptor: safe
            handle.write(str(os.getpid()))

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> PushLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Store:
    """One connection to the cache, for the thread that opened it. Use `Store.open(path)`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        from leadboard.outbox import Outbox

        self.path = path
        self.db = Database(conn)
        self.thread_id = threading.get_ident()
        self.outbox = Outbox(self)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Store:
        """Open (and create or migrate) the cache. Raises `CacheError` with advice if the file is unusable."""
        db_path = Path(path).expanduser()
        conn = _open_connection(db_path)
        store = cls(db_path, conn)
        try:
            store.migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise CacheError(
                f"The cache at {db_path} could not be prepared ({exc}). " + _BROKEN_HELP.format(path=db_path)
            ) from exc
        return store

    def migrate(self) -> list[str]:
        """Apply pending migrations in one `BEGIN IMMEDIATE`; return the names applied (none on a re-run)."""
        if not migrations.pending(self.db):
            return []
        with self.transaction():
            names = [m.name for m in migrations.pending(self.db)]
            migrations.apply(self.db)
        return names

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: `BEGIN IMMEDIATE` (waits for other writers), or a savepoint when nested."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def push_lock(self) -> PushLock:
        """The lock the sync engine holds while pushing (and, ideally, for its whole life)."""
        return PushLock(self.path)

    def check_integrity(self) -> str | None:
        """`None` when SQLite's quick_check passes, else what it found (for `leadboard doctor`)."""
        try:
            rows = [r[0] for r in self.db.conn.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return None if rows == ["ok"] else "; ".join(rows[:5])

    # --- sync state (key/value) ---------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str | None) -> None:
        """Set (or, with None, delete) a sync-state key: cursors, last sync times, pause and auth states."""
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM sync_state WHERE key = ?", [key])
            else:
                conn.execute(
                    "INSERT INTO sync_state(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )

    # --- portal metadata ----------------------------------------------------------------------------

    def save_portal_meta(self, meta: PortalMeta, owner_email: str | None = None) -> None:
        """Replace the stored pipeline, stages, options, dispositions and owner with `meta`, atomically."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM stages")
            conn.execute("DELETE FROM pipelines")
            conn.execute("INSERT INTO pipelines VALUES (?, ?, 0)", [meta.pipeline_id, meta.pipeline_id])
            conn.executemany(
                "INSERT INTO stages VALUES (?, ?, ?, ?, ?)",
                [(s.id, meta.pipeline_id, s.label, s.display_order, int(s.closed)) for s in meta.stages],
            )
            conn.execute("DELETE FROM property_options")
            for prop, options in (
                (TYPE_OPTIONS, meta.lead_types),
                (LABEL_OPTIONS, meta.lead_labels),
                (REASON_OPTIONS, meta.disqualification_reasons),
            ):
                conn.executemany(
                    "INSERT INTO property_options VALUES (?, ?, ?, ?, ?)",
                    [(prop, o.value, o.label, o.display_order, int(o.hidden)) for o in options],
                )
            conn.execute("DELETE FROM dispositions")
            conn.executemany(
                "INSERT INTO dispositions VALUES (?, ?, ?)",
                [(d.id, d.label, int(d.deleted)) for d in meta.dispositions],
            )
            conn.execute("UPDATE owners SET is_me = 0")
            if meta.owner_id is not None:
                conn.execute(
                    "INSERT INTO owners(id, email, is_me) VALUES (?, ?, 1) "
                    "ON CONFLICT(id) DO UPDATE SET is_me = 1, email = coalesce(excluded.email, email)",
                    [meta.owner_id, owner_email],
                )
            for key, value in (
                ("qualified_stage_id", meta.qualified_stage_id),
                ("unqualified_stage_id", meta.unqualified_stage_id),
                ("meta_saved_at", str(now_ms())),
            ):
                self.set_state(key, value)

    def portal_meta(self) -> PortalMeta:
        """The portal metadata as last pulled (empty lists before the first sync)."""
        conn = self.db.conn
        pipeline = conn.execute("SELECT id FROM pipelines ORDER BY display_order LIMIT 1").fetchone()
        stages = tuple(
            Stage(id=r[0], label=r[1], display_order=r[2], closed=bool(r[3]))
            for r in conn.execute(
                "SELECT id, label, display_order, closed FROM stages ORDER BY display_order"
            )
        )
        options: dict[str, list[Option]] = {TYPE_OPTIONS: [], LABEL_OPTIONS: [], REASON_OPTIONS: []}
        for r in conn.execute(
            "SELECT property, value, label, display_order, hidden FROM property_options "
            "ORDER BY property, display_order, rowid"
        ):
            options.setdefault(r[0], []).append(
                Option(value=r[1], label=r[2], display_order=r[3], hidden=bool(r[4]))
            )
        dispositions = tuple(
            Disposition(id=r[0], label=r[1], deleted=bool(r[2]))
            for r in conn.execute("SELECT id, label, deleted FROM dispositions ORDER BY rowid")
        )
        me = conn.execute("SELECT id FROM owners WHERE is_me = 1").fetchone()
        extra: dict[str, Any] = {}
        for key in ("qualified_stage_id", "unqualified_stage_id"):
            if (value := self.get_state(key)) is not None:
                extra[key] = value
        return PortalMeta(
            **({"pipeline_id": pipeline[0]} if pipeline else {}),
            stages=stages,
            lead_types=tuple(options[TYPE_OPTIONS]),
            lead_labels=tuple(options[LABEL_OPTIONS]),
            disqualification_reasons=tuple(options[REASON_OPTIONS]),
            dispositions=dispositions,
            owner_id=me[0] if me else None,
            **extra,
        )

    # --- remote tables (written only by the pull, and by the push from HubSpot's responses) ------------

    def upsert_leads(self, objects: Iterable[Mapping[str, Any]]) -> int:
        """Store HubSpot lead objects (`{"id", "properties", ...}`) as they are now in HubSpot.

        Contact and company links are kept unless the object names a primary contact. Returns the count.
        """
        fetched = now_ms()
        rows = []
        for obj in objects:
            lead = Lead.from_hubspot(obj)
            contact_name = " ".join(n for n in (lead.contact_first_name, lead.contact_last_name) if n) or None
            row: dict[str, Any] = {
                "id": lead.id,
                "name": lead.name,
                "name_fold": lead.name.casefold(),
                "assoc_contact_name": contact_name,
                "assoc_contact_email": lead.contact_email,
                "assoc_company_name": lead.company_name,
                "pipeline_id": lead.pipeline_id,
                "stage_id": lead.stage_id,
                "lead_type": lead.lead_type,
                "label": lead.label,
                "owner_id": lead.owner_id,
                "created_at": ms(lead.created_at),
                "last_modified_at": ms(lead.last_modified_at),
                "first_outreach_at": ms(lead.first_outreach_at),
                "last_activity_at": ms(lead.last_activity_at),
                "disqualification_reason": lead.disqualification_reason,
                "disqualification_note": lead.disqualification_note,
                "archived": int(lead.archived),
                "gone_reason": None,
                "props_json": json.dumps(obj.get("properties") or {}),
                "fetched_at": fetched,
            }
            if lead.primary_contact_id:
                row["contact_id"] = lead.primary_contact_id
            rows.append(row)
        with self.transaction():
            self._upsert("leads", rows)
            self._refresh_summaries("id IN (SELECT value FROM json_each(:ids))", [r["id"] for r in rows])
        return len(rows)

    def _refresh_summaries(self, where: str, ids: list[str]) -> None:
        for statement in _REFRESH_SUMMARY.format(where=where).split(";"):
            if statement.strip():
                self.db.conn.execute(statement, {"ids": json.dumps(ids)})

    def _upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Upsert rows that may carry different column sets (each set in its own batch)."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_columns.setdefault(tuple(row), []).append(row)
        for batch in by_columns.values():
            self.db[table].upsert_all(batch, pk="id")  # type: ignore[union-attr]

    def upsert_contacts(
        self, objects: Iterable[Mapping[str, Any]], company_ids: Mapping[str, str] | None = None
    ) -> int:
        """Store HubSpot contacts; `company_ids` maps contact id → primary company id when known."""
        fetched, rows = now_ms(), []
        for obj in objects:
            p = obj.get("properties") or {}
            text = {k: _clean(p.get(k)) for k in ("firstname", "lastname", "email", "phone", "jobtitle")}
            row: dict[str, Any] = {
                "id": str(obj["id"]),
                "first_name": text["firstname"],
                "last_name": text["lastname"],
                "email": text["email"],
                "phone": text["phone"],
                "job_title": text["jobtitle"],
                "search_fold": " ".join(v for v in text.values() if v).casefold(),
                "props_json": json.dumps(p),
                "fetched_at": fetched,
            }
            if company_ids and str(obj["id"]) in company_ids:
                row["company_id"] = company_ids[str(obj["id"])]
            rows.append(row)
        with self.transaction():
            self._upsert("contacts", rows)
            self._refresh_summaries(
                "contact_id IN (SELECT value FROM json_each(:ids))", [r["id"] for r in rows]
            )
        return len(rows)

    def upsert_companies(self, objects: Iterable[Mapping[str, Any]]) -> int:
        fetched, rows = now_ms(), []
        for obj in objects:
            p = obj.get("properties") or {}
            name = _clean(p.get("name"))
            rows.append(
                {
                    "id": str(obj["id"]),
                    "name": name,
                    "domain": _clean(p.get("domain")),
                    "name_fold": (name or "").casefold(),
                    "props_json": json.dumps(p),
                    "fetched_at": fetched,
                }
            )
        with self.transaction():
            self._upsert("companies", rows)
            self._refresh_summaries(
                "company_id IN (SELECT value FROM json_each(:ids)) OR contact_id IN "
                "(SELECT id FROM contacts WHERE company_id IN (SELECT value FROM json_each(:ids)))",
                [str(r["id"]) for r in rows],
            )
        return len(rows)

    def link_leads(self, links: Iterable[tuple[str, str | None, str | None]]) -> None:
        """Set each lead's primary contact and company: `(lead_id, contact_id, company_id)`.

        Also records contact → lead, so a returning contact's earlier leads can be listed.
        """
        links = list(links)
        with self.transaction() as conn:
            for lead_id, contact_id, company_id in links:
                conn.execute(
                    "UPDATE leads SET contact_id = ?, company_id = ? WHERE id = ?",
                    [contact_id, company_id, lead_id],
                )
                if contact_id:
                    conn.execute("INSERT OR IGNORE INTO contact_leads VALUES (?, ?)", [contact_id, lead_id])
            self._refresh_summaries("id IN (SELECT value FROM json_each(:ids))", [link[0] for link in links])

    def link_contact_leads(self, contact_id: str, lead_ids: Iterable[str]) -> None:
        """Record every lead HubSpot associates with a contact (its earlier leads included)."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO contact_leads VALUES (?, ?)", [(contact_id, lid) for lid in lead_ids]
            )

    def mark_leads_gone(self, reasons: Mapping[str, str]) -> None:
        """Leads HubSpot no longer lists for me: `{lead_id: "archived" | "merged into 123" | ...}`.

        An archived lead leaves the board; the reason is shown to the rep for ops it blocks.
        """
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE leads SET archived = 1, gone_reason = ? WHERE id = ?",
                [(reason, lead_id) for lead_id, reason in reasons.items()],
            )

    def upsert_activities(
        self, kind: str, objects: Iterable[Mapping[str, Any]], lead_id: str | None, contact_id: str | None
    ) -> int:
        """Store calls or notes (`kind` "call" / "note") of a lead's timeline; bodies become clean text."""
        fetched, rows = now_ms(), []
        prefix = "hs_call_" if kind == "call" else "hs_note_"
        for obj in objects:
            p = obj.get("properties") or {}
            timestamp = parse_hubspot_time(p.get("hs_timestamp") or obj.get("createdAt"))
            duration = p.get("hs_call_duration")
            row: dict[str, Any] = {
                "id": str(obj["id"]),
                "kind": kind,
                "timestamp": ms(timestamp),
                "body_text": html_to_text(str(p.get(f"{prefix}body") or "")),
                "title": _clean(p.get("hs_call_title")),
                "direction": _clean(p.get("hs_call_direction")),
                "disposition_id": _clean(p.get("hs_call_disposition")),
                "duration_ms": int(float(duration)) if duration not in (None, "") else None,
                "owner_id": _clean(p.get("hubspot_owner_id")),
                "props_json": json.dumps(p),
                "fetched_at": fetched,
            }
            if lead_id is not None:
                row["lead_id"] = lead_id
            if contact_id is not None:
                row["contact_id"] = contact_id
            rows.append(row)
        with self.transaction():
            self._upsert("activities", rows)
        return len(rows)

    # --- the read model (leadboard/read_model.py); these delegate so callers need only a Store ------

    def board(
        self, *, view: View = "open", needle: str = "", sort: Sort = "newest", owner_id: str | None = None
    ) -> list[BoardLead]:
        """The rep's leads with open ops applied; see `leadboard.read_model.board`."""
        from leadboard.read_model import board

        return board(self, view=view, needle=needle, sort=sort, owner_id=owner_id)

    def lead_state(self, lead_id: str) -> BoardLead | None:
        """One lead as the rep sees it, for `state.check_command`; see `leadboard.read_model.lead_state`."""
        from leadboard.read_model import lead_state

        return lead_state(self, lead_id)

    def lead_detail(self, lead_id: str) -> LeadDetail | None:
        """Everything the lead screen shows; see `leadboard.read_model.lead_detail`."""
        from leadboard.read_model import lead_detail

        return lead_detail(self, lead_id)

    def sync_status(self) -> SyncStatus:
        """Counts and times for the status line; see `leadboard.read_model.sync_status`."""
        from leadboard.read_model import sync_status

        return sync_status(self)


def _fold(value: str | None) -> str | None:
    """Unicode caseless form for the board's filter (SQLite's lower() only knows ASCII)."""
    return None if value is None else value.casefold()


# Copy the contact and company summary onto leads, so the board reads one table (see read_model.py).
_REFRESH_SUMMARY = """
UPDATE leads SET
  contact_name = coalesce(
    (SELECT nullif(trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), '')
     FROM contacts c WHERE c.id = leads.contact_id), assoc_contact_name),
  contact_email = coalesce(
    (SELECT c.email FROM contacts c WHERE c.id = leads.contact_id), assoc_contact_email),
  company_name = coalesce((SELECT co.name FROM companies co WHERE co.id = coalesce(leads.company_id,
                            (SELECT c.company_id FROM contacts c WHERE c.id = leads.contact_id))),
                          assoc_company_name)
WHERE {where};
UPDATE leads SET search_fold = lb_fold(name || ' ' || coalesce(contact_name, '') || ' '
                                       || coalesce(contact_email, '') || ' ' || coalesce(company_name, ''))
WHERE {where};
"""


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_untrusted(str(value)).strip()
