"""The cache file: pragmas, migrations, friendly errors, threads, the single-pusher lock, the read model."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from leadboard.cache.read_model import KEY_LAST_SYNC
from leadboard.cache.store import CacheError, Store, SyncLockHeld
from leadboard.commands.add_note import AddNote
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.move_stage import MoveStage
from leadboard.commands.set_lead_type import SetLeadType
from tests.cache_fixtures import ME, OTHER_OWNER, default_meta, hubspot_lead, seeded_store

REPO = Path(__file__).resolve().parents[2]


def board_ids(store: Store, **kwargs: object) -> list[str]:
    """The board's lead ids, newest first unless the test names a sort."""
    kwargs.setdefault("sort", "newest")
    return [row.id for row in store.board(**kwargs)]  # type: ignore[arg-type]


# --- the file ---------------------------------------------------------------------------------------


def test_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        pragma = {
            name: store.db.conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 10_000}


def test_migrations_rerun_as_a_no_op_and_keep_data(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with seeded_store(path) as store:
        assert store.migrate() == []
    with Store.open(path) as again:
        assert again.migrate() == []
        assert board_ids(again) == ["3", "2", "1"]
        applied = again.db.conn.execute("SELECT name FROM _sqlite_migrations").fetchall()
    assert applied == [
        ("m001_initial",),
        ("m002_sla_columns",),
        ("m003_board_columns",),
        ("m004_task_activities",),
        ("m005_activity_feed",),
        ("m006_email_meeting_activities",),
        ("m007_urgent_order_index",),
    ]


def test_an_older_cache_gets_the_urgent_order_index_and_keeps_its_order(tmp_path: Path) -> None:
    """m007: a cache from before it reads the urgent order (unknown creation times last, touched
    leads after untouched ones) the same, and a stage's first rows come off the new index in that
    order, filtered or not, without sorting the stage."""
    from leadboard.cache.read_model import URGENT_AT, URGENT_RANK

    path = tmp_path / "c.db"
    with seeded_store(path, leads=8) as store:
        conn = store.db.conn
        conn.execute("UPDATE leads SET sla_deadline = NULL")
        conn.execute("UPDATE leads SET created_at = NULL WHERE id = '5'")
        conn.execute("UPDATE leads SET first_touch = created_at + 1 WHERE id IN ('2', '7')")
        conn.execute("DROP INDEX leads_urgent")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_urgent_order_index'")
        conn.commit()
    with Store.open(path) as store:
        assert board_ids(store, sort="urgent") == ["1", "3", "4", "6", "8", "5", "2", "7"]
        plan = " ".join(
            str(row[3])
            for row in store.db.conn.execute(
                "EXPLAIN QUERY PLAN SELECT l.id FROM leads l WHERE l.owner_id = ? AND l.archived = 0 "
                "AND l.board_stage IS ? AND instr(l.search_fold, ?) "
                f"ORDER BY {URGENT_RANK}, {URGENT_AT}, l.id LIMIT 60",
                [ME, "new-stage-id", "lead"],
            )
        )
    assert "COVERING INDEX leads_urgent" in plan and "TEMP B-TREE" not in plan


def test_an_older_cache_keeps_its_calls_and_notes_when_tasks_join_the_timeline(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from leadboard.cache.schema import migrations

    path = tmp_path / "c.db"
    older = Database(path)
    migrations.apply(older, stop_before="m004_task_activities")
    older.conn.execute(
        "INSERT INTO activities (id, kind, lead_id, contact_id, timestamp, body_text, title, fetched_at) "
        "VALUES ('k1', 'call', '1', 'c1', 1000, 'a call', 'Intro', 5), "
        "('n1', 'note', NULL, 'c1', 2000, 'a note', NULL, 5)"
    )
    older.conn.commit()
    older.close()

    with Store.open(path) as store:
        rows = store.db.conn.execute(
            "SELECT id, kind, lead_id, contact_id, timestamp, body_text, title, status "
            "FROM activities ORDER BY id"
        ).fetchall()
        assert rows == [
            ("k1", "call", "1", "c1", 1000, "a call", "Intro", None),
            ("n1", "note", None, "c1", 2000, "a note", None, None),
        ]
        indexes = {r[1] for r in store.db.conn.execute("PRAGMA index_list(activities)")}
        assert {"activities_lead", "activities_contact"} <= indexes
        store.upsert_activities("task", [_task("t1")], "1", "c1")  # the new kind is accepted
        with pytest.raises(sqlite3.IntegrityError):
            store.db.conn.execute("INSERT INTO activities (id, kind, fetched_at) VALUES ('x', 'sms', 0)")


def test_a_file_that_is_not_a_database_gets_a_friendly_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    path.write_bytes(b"this is a shopping list, not a database\n" * 100)
    with pytest.raises(CacheError) as caught:
        Store.open(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"mv {path} {path}.broken" in message
    assert "full pull" in message
    assert path.read_bytes().startswith(b"this is a shopping list")  # never overwritten


def test_a_corrupt_sqlite_file_gets_a_friendly_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    seeded_store(path).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page, keep the header
    path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(CacheError, match="Move it aside"):
        Store.open(path)


def test_a_directory_in_place_of_the_cache_is_explained(tmp_path: Path) -> None:
    with pytest.raises(CacheError, match="is not a file"):
        Store.open(tmp_path)


# --- threads and processes --------------------------------------------------------------------------


def test_ui_and_worker_threads_write_at_once_without_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    seeded_store(path, leads=4).close()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def ui() -> None:
        with Store.open(path) as store:
            start.wait()
            for i in range(150):
                store.outbox.enqueue(AddNote(lead_id=str(i % 4 + 1), text=f"note {i}"))
                store.board()

    def worker() -> None:
        with Store.open(path) as store:
            start.wait()
            for i in range(150):
                store.upsert_leads([hubspot_lead(str(i % 4 + 1), f"Lead {i % 4 + 1}")])
                store.set_state("cursor", str(i))
                op = store.outbox.claim_next()
                if op is not None:
                    store.outbox.finish_done(op.op_id, remote_ids={"note": f"n{i}"})

    def run(target: object) -> threading.Thread:
        def guarded() -> None:
            try:
                target()  # type: ignore[operator]
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=guarded)
        thread.start()
        return thread

    for thread in [run(ui), run(worker)]:
        thread.join()
    assert errors == []
    with Store.open(path) as store:
        states = store.db.conn.execute("SELECT count(*), count(DISTINCT seq) FROM outbox").fetchone()
        assert states == (150, 150)


def test_a_store_refuses_to_be_used_from_another_thread(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "c.db")
    caught: list[BaseException] = []
    thread = threading.Thread(target=lambda: _capture(caught, store.board))
    thread.start()
    thread.join()
    assert caught and "same thread" in str(caught[0])


def _capture(sink: list[BaseException], fn: object) -> None:
    try:
        fn()  # type: ignore[operator]
    except BaseException as exc:
        sink.append(exc)


HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from leadboard.cache.store import Store
    store = Store.open(sys.argv[1])
    lock = store.push_lock()
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.readline()
    """
)
TRY_LOCK = textwrap.dedent(
    """
    import sys
    from leadboard.cache.store import Store, SyncLockHeld
    try:
        Store.open(sys.argv[1]).push_lock().acquire()
    except SyncLockHeld as exc:
        print(exc)
        sys.exit(3)
    print("got it")
    """
)


def test_a_second_process_cannot_push_from_the_same_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    seeded_store(path).close()
    env = os.environ | {"PYTHONPATH": str(REPO)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with Store.open(path) as store, pytest.raises(SyncLockHeld) as caught:
            store.push_lock().acquire()
        assert str(caught.value) == (
            f"Another leadboard is syncing this cache (pid {holder.pid}). Close it, or use another --db."
        )
    finally:
        holder.communicate("done\n", timeout=30)
    # Once the first leadboard exits, a new one may push; and while we hold it, others are refused.
    with Store.open(path) as store, store.push_lock() as lock:
        assert lock.held
        other = subprocess.run(
            [sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True, text=True, env=env, timeout=60
        )
        assert other.returncode == 3
        assert f"(pid {os.getpid()})" in other.stdout
    again = subprocess.run(
        [sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True, text=True, env=env, timeout=60
    )
    assert again.stdout.strip() == "got it"


# --- metadata and remote tables ---------------------------------------------------------------------


def test_portal_meta_round_trips(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        assert store.portal_meta().stages == ()
        store.save_portal_meta(default_meta())
        assert store.portal_meta() == default_meta()
        store.save_portal_meta(default_meta(owner_id="999"))
        assert store.portal_meta().owner_id == "999"


def test_sync_state_is_a_key_value_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.set_state("cursor", "1700000000000")
        store.set_state("cursor", "1700000000001")
        assert store.get_state("cursor") == "1700000000001"
        store.set_state("cursor", None)
        assert store.get_state("cursor") is None


def test_no_token_like_value_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with seeded_store(path) as store:
        op = store.outbox.enqueue(AddNote(lead_id="1", text="hello"))
        store.outbox.claim_next()
        store.outbox.finish_failed(
            op.op_id, "401 Authorization: Bearer pat-na1-11111111-2222-3333-4444-555555555555"
        )
        assert "pat-na1" not in (store.outbox.get(op.op_id).last_error or "")
        files = [p for p in tmp_path.iterdir() if p.name.startswith("c.db")]
        assert b"pat-na1-1111" not in b"".join(p.read_bytes() for p in files)


# --- the read model ---------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "cache.db")
    s.save_portal_meta(default_meta())
    s.upsert_leads(
        [
            hubspot_lead(
                "1",
                "Ana Álvarez",
                created="2026-01-01T09:00:00Z",
                hs_last_activity_date="2026-02-01T00:00:00Z",
            ),
            hubspot_lead("2", "Björn Berg", stage="attempting-stage-id", created="2026-01-03T09:00:00Z"),
            hubspot_lead("3", "Carla Cruz", stage="connected-stage-id", created="2026-01-02T09:00:00Z"),
            hubspot_lead("4", "Dan Done", stage="qualified-stage-id", created="2026-01-04T09:00:00Z"),
            hubspot_lead("5", "Someone Else's", owner=OTHER_OWNER),
            hubspot_lead("6", "Archived Lead") | {"archived": True},
        ]
    )
    s.upsert_contacts(
        [
            {
                "id": "c1",
                "properties": {"firstname": "Ana", "lastname": "Álvarez", "email": "ana@ÉCOLE.example"},
            },
            {
                "id": "c3",
                "properties": {"firstname": "Carla", "lastname": "Cruz", "email": "carla@acme.test"},
            },
        ],
        company_ids={"c3": "co1"},
    )
    s.upsert_companies([{"id": "co1", "properties": {"name": "Acme Straße GmbH", "domain": "acme.test"}}])
    s.link_leads([("1", "c1", None), ("3", "c3", None)])
    return s


def test_the_board_shows_my_open_leads_only(store: Store) -> None:
    assert board_ids(store) == ["2", "3", "1"]
    assert board_ids(store, view="closed") == ["4"]
    assert board_ids(store, view="all") == ["4", "2", "3", "1"]
    assert board_ids(store, owner_id=OTHER_OWNER) == ["5"]


def test_rows_carry_contact_and_company_summaries(store: Store) -> None:
    row = next(r for r in store.board() if r.id == "3")
    assert (row.contact_name, row.contact_email, row.company_name) == (
        "Carla Cruz",
        "carla@acme.test",
        "Acme Straße GmbH",
    )
    assert row.marker is None and not row.closed


def test_filter_matches_name_company_and_email_case_insensitively(store: Store) -> None:
    assert board_ids(store, needle="carla") == ["3"]
    assert board_ids(store, needle="ACME STRASSE") == ["3"]  # full Unicode casefolding: ß ~ ss
    assert board_ids(store, needle="straße") == ["3"]
    assert board_ids(store, needle="école") == ["1"]
    assert board_ids(store, needle="BJÖRN") == ["2"]
    assert board_ids(store, needle="%") == []
    assert board_ids(store, needle="  ") == ["2", "3", "1"]


def test_sorts(store: Store) -> None:
    assert board_ids(store, sort="oldest") == ["1", "3", "2"]
    assert board_ids(store, sort="name") == ["1", "2", "3"]
    assert board_ids(store, sort="last_touch")[0] == "1"
    store.outbox.enqueue(AddNote(lead_id="3", text="fresh touch"))
    assert board_ids(store, sort="last_touch")[0] == "3"


def test_pending_ops_are_overlaid_with_markers(store: Store) -> None:
    store.outbox.enqueue(MoveStage(lead_id="1", stage_id="Connected", note="reached her"))
    store.outbox.enqueue(SetLeadType(lead_id="1", lead_type="Upsell"))
    store.outbox.enqueue(Disqualify(lead_id="2", reason="Bad Timing", note="next year"))
    rows = {r.id: r for r in store.board()}
    assert set(rows) == {"1", "3"}
    assert (rows["1"].stage_id, rows["1"].remote_stage_id) == ("connected-stage-id", "new-stage-id")
    assert (rows["1"].lead_type, rows["1"].remote_lead_type) == ("UPSELL", None)
    assert (rows["1"].marker, rows["1"].n_pending) == ("pending", 2)
    closed = {r.id: r for r in store.board(view="closed")}
    assert closed["2"].stage_id == "unqualified-stage-id" and closed["2"].closed


def test_lead_detail_gathers_contact_company_timeline_other_leads_and_ops(store: Store) -> None:
    store.upsert_leads(
        [hubspot_lead("9", "Carla Cruz (2025)", stage="unqualified-stage-id", owner=OTHER_OWNER)]
    )
    store.link_contact_leads("c3", ["3", "9"])
    store.upsert_activities(
        "note",
        [
            {
                "id": "n1",
                "properties": {
                    "hs_timestamp": "2026-01-10T10:00:00Z",
                    "hs_note_body": "<p>First <b>call</b></p>",
                },
            },
            {
                "id": "n2",
                "properties": {"hs_timestamp": "2026-01-12T10:00:00Z", "hs_note_body": "<div>Later</div>"},
            },
        ],
        lead_id="3",
        contact_id="c3",
    )
    store.upsert_activities(
        "call",
        [
            {
                "id": "k1",
                "properties": {
                    "hs_timestamp": "1768298400000",
                    "hs_call_body": "Left a message&nbsp;&nbsp;again",
                    "hs_call_direction": "OUTBOUND",
                    "hs_call_disposition": "73a0d17f-1163-4015-bdd5-ec830791da20",
                    "hs_call_duration": "95000",
                },
            }
        ],
        lead_id=None,
        contact_id="c3",
    )
    op = store.outbox.enqueue(AddNote(lead_id="3", text="my note"))
    detail = store.lead_detail("3")
    assert detail is not None
    assert detail.contact is not None and detail.contact.name == "Carla Cruz"
    assert detail.company is not None and detail.company.domain == "acme.test"
    assert [(a.id, a.body_text) for a in detail.timeline] == [
        ("k1", "Left a message  again"),
        ("n2", "Later"),
        ("n1", "First call"),
    ]
    assert detail.timeline[0].duration_ms == 95_000
    assert [o.id for o in detail.other_leads] == ["9"]
    assert [o.op_id for o in detail.ops] == [op.op_id]
    assert detail.remote.stage_id == "connected-stage-id"
    assert store.lead_detail("nope") is None


def test_archived_and_reassigned_leads_leave_the_board(store: Store) -> None:
    store.mark_leads_gone({"1": "archived in HubSpot"})
    store.upsert_leads([hubspot_lead("3", "Carla Cruz", stage="connected-stage-id", owner=OTHER_OWNER)])
    assert board_ids(store) == ["2"]
    state = store.lead_state("1")
    assert state is not None and state.archived


def test_sync_status_counts_and_times(store: Store) -> None:
    first = store.outbox.enqueue(AddNote(lead_id="1", text="a"))
    store.outbox.enqueue(AddNote(lead_id="2", text="b"))
    store.outbox.claim_next()
    store.outbox.finish_failed(first.op_id, "400 bad")
    store.set_state(KEY_LAST_SYNC, "1768212000000")
    status = store.sync_status()
    assert (status.pending, status.failed, status.conflict, status.blocked, status.waiting) == (1, 1, 0, 0, 1)
    assert status.last_sync_at == 1768212000000


HOSTILE_NAMES = [
    "[@click=app.quit]Evil[/]",
    "[bold red]not bold",
    "Acme \x1b]52;c;ZWNobyBoaQ==\x07Ltd",
    "\x1b[2J\x1b[HFake output",
    "\u202eevil.exe\u202c",
    "😀 中文 ｗｉｄｅ",
    "x" * 100_000,
]


def test_hostile_names_and_bodies_are_stored_and_read_back_safely(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as s:
        s.save_portal_meta(default_meta())
        s.upsert_leads(hubspot_lead(str(i), name) for i, name in enumerate(HOSTILE_NAMES))
        s.upsert_activities(
            "note",
            [{"id": "n", "properties": {"hs_note_body": "<p>" + "\x1b[31m" * 3 + "y" * 100_000}}],
            "0",
            None,
        )
        names = {r.id: r.name for r in s.board()}
        assert names["0"] == "[@click=app.quit]Evil[/]"
        assert names["1"] == "[bold red]not bold"
        assert names["2"] == "Acme Ltd"
        assert names["3"] == "Fake output"
        assert names["4"] == "evil.exe"
        assert names["5"] == "😀 中文 ｗｉｄｅ"
        assert names["6"] == "x" * 100_000
        detail = s.lead_detail("0")
        assert detail is not None and detail.timeline[0].body_text == "y" * 100_000
        assert s.outbox.enqueue(
            AddNote(lead_id="4", text="[@click=app.quit] \x1b]8;;x\x1b\\hi")
        ).command == AddNote(lead_id="4", text="[@click=app.quit] hi")
    assert ME


def test_contact_and_company_changes_reach_the_board_and_its_filter(store: Store) -> None:
    store.upsert_contacts(
        [{"id": "c3", "properties": {"firstname": "Carla", "lastname": "Cruz-Ortiz", "email": "c@new.test"}}]
    )
    store.upsert_companies([{"id": "co1", "properties": {"name": "Zeta Renamed"}}])
    row = next(r for r in store.board() if r.id == "3")
    assert (row.contact_name, row.contact_email, row.company_name) == (
        "Carla Cruz-Ortiz",
        "c@new.test",
        "Zeta Renamed",
    )
    assert board_ids(store, needle="zeta") == ["3"] and board_ids(store, needle="acme") == []
    # A lead refreshed by the pull keeps its links.
    store.upsert_leads([hubspot_lead("3", "Carla Cruz", stage="connected-stage-id")])
    assert board_ids(store, needle="zeta") == ["3"]


# --- what the sync writes and looks up through named methods ----------------------------------------


def test_account_details_round_trip_under_the_state_keys_the_board_reads(tmp_path: Path) -> None:
    with_account = replace(
        default_meta(), portal_id="4242", time_zone="Europe/Berlin", ui_domain="app-eu1.hubspot.com"
    )
    with Store.open(tmp_path / "c.db") as store:
        store.save_portal_meta(with_account)
        assert store.portal_meta() == with_account
        assert (store.get_state("portal_id"), store.get_state("portal_time_zone")) == (
            "4242",
            "Europe/Berlin",
        )
        assert store.get_state("portal_ui_domain") == "app-eu1.hubspot.com"
        # Metadata is replaced as a whole: a portal that no longer reports them clears them.
        store.save_portal_meta(default_meta())
        assert store.portal_meta() == default_meta() and store.get_state("portal_id") is None


def test_reassigned_leads_leave_the_board_with_the_new_owner_named(store: Store) -> None:
    # An owner the cache knows by name: the rep this cache belonged to before another email was set.
    store.save_portal_meta(
        default_meta(owner_id=OTHER_OWNER), "carla@acme.test", owner_name=("Carla", "Cruz")
    )
    store.save_portal_meta(default_meta())  # no owner_name: the stored names stay

    store.mark_leads_reassigned({"1": OTHER_OWNER, "2": "777", "3": ""})

    assert board_ids(store, view="all") == ["4"]
    gone = dict(store.db.conn.execute("SELECT id, gone_reason FROM leads WHERE id IN ('1', '2', '3')"))
    assert gone == {
        "1": "reassigned to Carla Cruz",
        "2": "reassigned to another owner (777)",
        "3": "reassigned to no owner",
    }
    owners = [(s.owner_id, s.archived) for s in map(store.lead_state, ("1", "2", "3")) if s is not None]
    assert owners == [(OTHER_OWNER, False), ("777", False), (None, False)]
    assert store.owned_lead_ids(ME) == {"4"}  # "6" is archived, "5" is someone else's
    assert store.archived_reason("1") is None  # reassigned is not archived: its notes still go


def _note(note_id: str, body: str, at: str = "2026-01-10T10:00:00Z") -> dict[str, object]:
    return {"id": note_id, "properties": {"hs_timestamp": at, "hs_note_body": body}}


def _task(task_id: str, due: str = "2027-02-22T09:00:00Z", owner: str = ME) -> dict[str, object]:
    return {
        "id": task_id,
        "properties": {
            "hs_timestamp": due,
            "hs_task_subject": "Re-attempt Ana (disqualified: Bad Timing)",
            "hs_task_body": "<p>Disqualified: Bad Timing. Re-attempt the contact.</p><p>lb:01JOPTASK</p>",
            "hs_task_status": "NOT_STARTED",
            "hubspot_owner_id": owner,
        },
    }


def test_a_task_on_the_timeline_keeps_subject_status_and_due_date_and_is_not_a_first_touch(
    store: Store,
) -> None:
    def first_touch(lead_id: str) -> int | None:
        lead = store.lead_state(lead_id)
        assert lead is not None
        return lead.first_touch_ms

    assert first_touch("1") is None
    # A task by the lead's own owner, on the lead itself, due before or after now: still untouched.
    store.upsert_activities("task", [_task("t-past", due="2026-01-06T09:00:00Z"), _task("t1")], "1", "c1")
    assert first_touch("1") is None
    stored = store.replace_timeline("task", "1", "c1", [_task("t1")], on_lead={"t1"}, on_contact={"t1"})
    assert stored == 1 and first_touch("1") is None

    detail = store.lead_detail("1")
    assert detail is not None
    (task,) = [a for a in detail.timeline if a.kind == "task"]
    assert (task.id, task.title, task.status, task.body_text) == (
        "t1",
        "Re-attempt Ana (disqualified: Bad Timing)",
        "NOT_STARTED",
        "Disqualified: Bad Timing. Re-attempt the contact.",  # the op marker is not shown
    )
    assert task.timestamp == 1803286800000  # due 2027-02-22 09:00 UTC
    assert "t-past" not in {a.id for a in detail.timeline}  # HubSpot no longer links it

    # A call by the owner still counts, tasks or not.
    store.upsert_activities(
        "call",
        [{"id": "k9", "properties": {"hs_timestamp": "2026-01-07T10:00:00Z", "hubspot_owner_id": ME}}],
        "1",
        "c1",
    )
    assert first_touch("1") == 1767780000000


def test_replace_timeline_strips_the_marker_and_drops_what_hubspot_no_longer_links(store: Store) -> None:
    store.upsert_activities("note", [_note("stale", "<p>deleted in HubSpot</p>")], "1", "c1")
    store.upsert_activities("note", [_note("elsewhere", "<p>on lead 2</p>")], "2", None)
    store.upsert_activities("call", [{"id": "k1", "properties": {"hs_call_body": "a call"}}], "1", "c1")

    stored = store.replace_timeline(
        "note",
        "1",
        "c1",
        [
            _note("ours", "<p>Spoke to <b>Ana</b></p><p>lb:01JOPMARKER</p>", at="2026-01-12T10:00:00Z"),
            _note("on-contact", "<p>Ask about lb:budget first</p>"),
        ],
        on_lead={"ours"},
        on_contact={"ours", "on-contact"},
    )

    assert stored == 2
    detail = store.lead_detail("1")
    assert detail is not None
    assert [(a.id, a.body_text) for a in detail.timeline if a.kind == "note"] == [
        ("ours", "Spoke to Ana"),
        ("on-contact", "Ask about lb:budget first"),  # a marker-like word mid-text is the rep's text
    ]
    assert [a.id for a in detail.timeline if a.kind == "call"] == ["k1"]  # other kinds are kept
    links = dict(
        store.db.conn.execute("SELECT id, lead_id FROM activities WHERE id IN ('ours', 'on-contact')")
    )
    assert links == {"ours": "1", "on-contact": None}
    (raw,) = store.db.conn.execute("SELECT props_json FROM activities WHERE id = 'ours'").fetchone()
    assert "lb:01JOPMARKER" in raw  # kept for matching an op to what it created
    detail_2 = store.lead_detail("2")
    assert detail_2 is not None and [a.id for a in detail_2.timeline] == ["elsewhere"]


def test_a_contacts_company_from_an_association_reaches_its_leads_row(store: Store) -> None:
    """co1 is cached already (another lead's company), so no company read will refresh lead 1."""
    assert next(r for r in store.board() if r.id == "1").company_name is None
    store.set_contact_companies({"c1": "co1"})
    assert next(r for r in store.board() if r.id == "1").company_name == "Acme Straße GmbH"
    assert board_ids(store, needle="acme") == ["3", "1"]


def test_lookups_the_pull_and_push_make(store: Store) -> None:
    versions = store.lead_versions(["1", "6", "missing"])
    assert set(versions) == {"1", "6"}
    assert versions["1"].owner_id == ME and not versions["1"].archived and versions["1"].gone_reason is None
    assert versions["6"].archived
    assert (store.lead_contact_id("1"), store.lead_contact_id("2"), store.lead_contact_id("nope")) == (
        "c1",
        None,
        None,
    )
    assert store.lead_properties("3")["hs_pipeline_stage"] == "connected-stage-id"
    assert store.lead_properties("nope") == {}
    store.mark_leads_gone({"2": "merged into 99"})
    assert (store.archived_reason("2"), store.archived_reason("6"), store.archived_reason("1")) == (
        "merged into 99",
        "archived",
        None,
    )
