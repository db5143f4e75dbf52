"""The cache's schema, as `sqlite_utils.Migrations`: add a new migration, never edit an applied one.

Remote tables (leads, contacts, companies, contact_leads, activities, pipelines, stages,
property_options, dispositions, owners) mirror HubSpot and are written only from HubSpot's data;
`sync_state` is key/value; `outbox` and `op_attempts` hold the rep's changes (see outbox.py).
Timestamps are epoch milliseconds. HubSpot's raw properties are kept as JSON next to typed columns,
so a new HubSpot property never changes the schema.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

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


@migrations()
def m002_sla_columns(db: Database) -> None:
    """SLA deadline, allowance and first touch on each lead, and when each op touches its lead, so
    the board's "urgent" sort runs in SQL (see lead_columns.py). The leads' values are filled in by m003."""
    import json
    from datetime import datetime

    from leadboard.cache.lead_columns import touch_at

    conn = db.conn
    for statement in (
        "ALTER TABLE leads ADD COLUMN sla_deadline INTEGER",
        "ALTER TABLE leads ADD COLUMN sla_allowance INTEGER",
        "ALTER TABLE leads ADD COLUMN first_touch INTEGER",
        "ALTER TABLE outbox ADD COLUMN touch_at INTEGER",
    ):
        conn.execute(statement)
    touches = []
    for op_id, kind, payload, created in conn.execute(
        "SELECT op_id, kind, payload_json, created_at FROM outbox"
    ).fetchall():
        at = json.loads(payload).get("at") if kind == "log_call" else None
        moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) else None
        touches.append((touch_at(kind, created, moment), op_id))
    conn.executemany("UPDATE outbox SET touch_at = ? WHERE op_id = ?", touches)


@migrations()
def m003_board_columns(db: Database) -> None:
    """The board's overlay (stage and last touch with open ops applied) stored on each lead and
    indexed with the owner, so the board's page query reads one table (see lead_columns.py); every
    lead's derived columns and SLA deadline are filled in."""
    from leadboard.cache.lead_columns import recompute_deadlines, refresh_lead_columns, stored_settings

    conn = db.conn
    conn.execute("ALTER TABLE leads ADD COLUMN board_stage TEXT")
    conn.execute("ALTER TABLE leads ADD COLUMN last_touch_at INTEGER")
    # covering for the page query: filter, totals and the top rows of every sort need no table row
    conn.execute(
        "CREATE INDEX leads_board ON leads(owner_id, archived, board_stage, first_touch, sla_deadline, "
        "created_at, last_touch_at, name_fold, id, search_fold)"
    )
    refresh_lead_columns(conn)
    recompute_deadlines(conn, stored_settings(conn))


@migrations()
def m004_task_activities(db: Database) -> None:
    """Tasks join calls and notes on the timeline (issue 5: a recycled contact's follow-up task shows
    on their later lead), with the task's status in a new column. SQLite cannot change a CHECK
    constraint in place, so the table is rebuilt with every row kept."""
    # One statement at a time: `executescript` would commit the migration's transaction first.
    script = """
        CREATE TABLE activities_new (
          id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('call', 'note', 'task')),
          lead_id TEXT, contact_id TEXT, timestamp INTEGER, body_text TEXT NOT NULL DEFAULT '',
          title TEXT, direction TEXT, disposition_id TEXT, duration_ms INTEGER, owner_id TEXT,
          props_json TEXT NOT NULL DEFAULT '{}', fetched_at INTEGER NOT NULL, status TEXT);
        INSERT INTO activities_new (id, kind, lead_id, contact_id, timestamp, body_text, title, direction,
                                    disposition_id, duration_ms, owner_id, props_json, fetched_at)
          SELECT id, kind, lead_id, contact_id, timestamp, body_text, title, direction,
                 disposition_id, duration_ms, owner_id, props_json, fetched_at FROM activities;
        DROP TABLE activities;
        ALTER TABLE activities_new RENAME TO activities;
        CREATE INDEX activities_lead ON activities(lead_id, timestamp);
        CREATE INDEX activities_contact ON activities(contact_id, timestamp);
        """
    for statement in script.split(";"):
        if statement.strip():
            db.conn.execute(statement)


@migrations()
def m005_activity_feed(db: Database) -> None:
    """What changed on HubSpot's side for the rep, as the pull found it (issue 12): one row per event,
    newest read first; and on each lead when it last changed there, and when the rep last opened it,
    so the board marks the cards changed since the rep looked."""
    for statement in (
        "CREATE TABLE activity_feed ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL,"
        " lead_id TEXT NOT NULL, lead_name TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '',"
        " actor TEXT, found_at INTEGER NOT NULL)",
        "CREATE INDEX activity_feed_at ON activity_feed(at)",
        "ALTER TABLE leads ADD COLUMN remote_change_at INTEGER",
        "ALTER TABLE leads ADD COLUMN seen_at INTEGER",
        "ALTER TABLE owners ADD COLUMN user_id INTEGER",
    ):
        db.conn.execute(statement)


@migrations()
def m006_email_meeting_activities(db: Database) -> None:
    """Emails and meetings join the timeline and count as touches (issue 12: HubSpot's record of first
    touch). The kind's CHECK constraint cannot change in place, so the table is rebuilt, every row kept."""
    script = """
        CREATE TABLE activities_new (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('call', 'note', 'task', 'email', 'meeting')),
          lead_id TEXT, contact_id TEXT, timestamp INTEGER, body_text TEXT NOT NULL DEFAULT '',
          title TEXT, direction TEXT, disposition_id TEXT, duration_ms INTEGER, owner_id TEXT,
          props_json TEXT NOT NULL DEFAULT '{}', fetched_at INTEGER NOT NULL, status TEXT);
        INSERT INTO activities_new SELECT id, kind, lead_id, contact_id, timestamp, body_text, title,
          direction, disposition_id, duration_ms, owner_id, props_json, fetched_at, status FROM activities;
        DROP TABLE activities;
        ALTER TABLE activities_new RENAME TO activities;
        CREATE INDEX activities_lead ON activities(lead_id, timestamp);
        CREATE INDEX activities_contact ON activities(contact_id, timestamp);
        """
    for statement in script.split(";"):
        if statement.strip():
            db.conn.execute(statement)


@migrations()
def m007_urgent_order_index(db: Database) -> None:
    """An index in the board's "urgent" order within each of the rep's stages (`read_model`'s
    `URGENT_RANK` and `URGENT_AT`, written here as they were when this ran), covering the filter's
    `search_fold`: the first rows of a stage, filtered or not, are read in order and the read stops
    at the page's last row, with no sort of the whole stage (a filter keystroke at 50,000 leads)."""
    rank = "CASE WHEN first_touch IS NOT NULL THEN 2 WHEN sla_deadline IS NOT NULL THEN 0 ELSE 1 END"
    at = (
        "coalesce(CASE WHEN first_touch IS NULL AND sla_deadline IS NOT NULL THEN sla_deadline "
        "ELSE created_at END, 9223372036854775807)"
    )
    # the plain columns too: SQLite reads an index as covering only when it holds every column the
    # query names, those inside the indexed expressions included
    db.conn.execute(
        f"CREATE INDEX leads_urgent ON leads(owner_id, archived, board_stage, {rank}, {at}, id, "
        "first_touch, sla_deadline, created_at, search_fold)"
    )
