"""Bad input to every scriptable command: one `Error: …` line, a non-zero exit, and the cache unchanged.

These run against a real SQLite cache seeded with the default portal metadata (no HubSpot needed:
every refusal happens before anything is queued or sent). The portal flag points at a closed port,
so an accidental push would show up as a waiting change, never as a silent success.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadboard.cli.common import EXIT_CODES_HELP
from leadboard.cli.main import main
from tests.cache_fixtures import hubspot_lead, seeded_store

CLOSED_PORT = "http://127.0.0.1:9"
EMAIL = "rep@example.com"
LONG_NOTE = "x" * 100_000


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table: what "the cache is unchanged" compares."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """Leads 1-3 open and new; lead 4 already disqualified; lead 5 has a lead type."""
    db = tmp_path / "cache.sqlite"
    store = seeded_store(db, leads=3)
    store.upsert_leads(
        [
            hubspot_lead("4", "Closed Co", stage="unqualified-stage-id"),
            hubspot_lead("5", "Typed Inc", lead_type="NEW_BUSINESS"),
        ]
    )
    store.close()
    return db


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(db), "--portal", CLOSED_PORT, "--email", EMAIL])


def assert_refused(db: Path, args: list[str], *fragments: str) -> str:
    before = snapshot(db)
    result = run(db, *args)
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]
    assert "\x1b" not in result.output
    assert snapshot(db) == before
    return lines[0]


ESCAPES = "hello \x1b]52;c;cm0gLXJmIH4=\x07 there"
BELL = "ring\x07ring"

BAD_INPUT = {
    # unknown leads
    "move unknown lead": (["move", "999", "Attempting", "--note", "n"], ["999", "leadboard sync"]),
    "log-call unknown lead": (["log-call", "999", "--outcome", "Busy", "--note", "n"], ["999"]),
    "note unknown lead": (["note", "999", "--text", "hi"], ["999", "leadboard leads"]),
    "set-type unknown lead": (["set-type", "999", "Upsell"], ["999"]),
    "qualify unknown lead": (["qualify", "999", "--note", "n", "--no-deal"], ["999"]),
    "disqualify unknown lead": (["disqualify", "999", "--reason", "Bad Timing", "--note", "n"], ["999"]),
    # blank notes
    "move blank note": (["move", "1", "Attempting", "--note", "   "], ["needs a note"]),
    "log-call blank note": (["log-call", "1", "--outcome", "Busy", "--note", ""], ["needs a note"]),
    "note blank": (["note", "1", "--text", " \n "], ["empty"]),
    "qualify blank note": (["qualify", "5", "--note", "", "--no-deal"], ["needs a note"]),
    "disqualify blank note": (["disqualify", "1", "--reason", "Bad Timing", "--note", " "], ["needs a note"]),
    # unknown options, with the valid choices listed
    "unknown stage": (
        ["move", "1", "Negotiating", "--note", "n"],
        ["Negotiating", "choose one of Attempting, Connected."],
    ),
    "unknown outcome": (["log-call", "1", "--outcome", "Hung up", "--note", "n"], ["Busy, Connected"]),
    "type it has already": (["set-type", "5", "new business"], ["The lead type is New business now"]),
    "unknown type": (["set-type", "1", "Enterprise"], ["New business, Upsell, Re-attempting"]),
    "unknown reason": (
        ["disqualify", "1", "--reason", "Too big", "--note", "n"],
        ["Too big", "Bad Timing, Budget Constraints"],
    ),
    "hidden reason": (["disqualify", "1", "--reason", "Old reason", "--note", "n"], ["not a"]),
    "leads unknown stage": (["leads", "--stage", "Nowhere"], ["Nowhere", "Connected"]),
    # too long, control characters and escape sequences
    "move long note": (["move", "1", "Attempting", "--note", LONG_NOTE], ["too long"]),
    "log-call long note": (["log-call", "1", "--outcome", "Busy", "--note", LONG_NOTE], ["too long"]),
    "note long": (["note", "1", "--text", LONG_NOTE], ["too long"]),
    "qualify long note": (["qualify", "5", "--note", LONG_NOTE, "--no-deal"], ["too long"]),
    "disqualify long note": (
        ["disqualify", "1", "--reason", "Bad Timing", "--note", LONG_NOTE],
        ["too long"],
    ),
    "move escape note": (["move", "1", "Attempting", "--note", ESCAPES], ["U+001B"]),
    "log-call escape note": (["log-call", "1", "--outcome", "Busy", "--note", ESCAPES], ["U+001B"]),
    "note escape": (["note", "1", "--text", ESCAPES], ["control character"]),
    "note bell": (["note", "1", "--text", BELL], ["U+0007"]),
    "qualify escape note": (["qualify", "5", "--note", ESCAPES, "--no-deal"], ["U+001B"]),
    "disqualify escape note": (["disqualify", "1", "--reason", "Bad Timing", "--note", ESCAPES], ["U+001B"]),
    "escape in deal name": (["qualify", "5", "--note", "n", "--deal-name", "A\x1b[2JB"], ["deal name"]),
    # bad dates, amounts, durations, directions
    "at not a time": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--at", "yesterday"],
        ["yesterday"],
    ),
    "at impossible": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--at", "2026-13-45 10:00"],
        ["time"],
    ),
    "at future": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--at", "2999-01-01T10:00:00Z"],
        ["future"],
    ),
    "duration words": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--duration", "ten"],
        ["minutes"],
    ),
    "duration negative": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--duration", "-3"],
        ["minutes"],
    ),
    "at 1900": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--at", "1900-01-01 10:00"],
        ["The call time 1900-01-01 10:00 is more than a year ago", "check the year"],
    ),
    "duration too long": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--duration", "99999999999999999999"],
        ["at most 24 hours (1,440 minutes)", "99,999,999,999,999,999,999 minutes is too long"],
    ),
    "direction": (
        ["log-call", "1", "--outcome", "Busy", "--note", "n", "--direction", "sideways"],
        ["in or out"],
    ),
    "amount words": (["qualify", "5", "--note", "n", "--amount", "12k"], ["12k", "amount"]),
    "amount negative": (["qualify", "5", "--note", "n", "--amount", "-5"], ["negative"]),
    "close date": (["qualify", "5", "--note", "n", "--close-date", "31/12/2026"], ["YYYY-MM-DD"]),
    "close date impossible": (["qualify", "5", "--note", "n", "--close-date", "2026-02-30"], ["not a date"]),
    "no deal and amount": (["qualify", "5", "--note", "n", "--no-deal", "--amount", "5"], ["--no-deal"]),
    # recycling: a follow-up date must be a date, in the future, for a timing reason
    "follow-up words": (
        ["disqualify", "1", "--reason", "Bad Timing", "--note", "n", "--follow-up", "next month"],
        ["'next month' is not a date", "YYYY-MM-DD"],
    ),
    "follow-up past": (
        ["disqualify", "1", "--reason", "Bad Timing", "--note", "n", "--follow-up", "2020-01-31"],
        ["2020-01-31 is not in the future"],
    ),
    "follow-up far": (
        ["disqualify", "1", "--reason", "Bad Timing", "--note", "n", "--follow-up", "9999-12-31"],
        ["9999-12-31 is more than 2 years away", "choose a day by"],
    ),
    "follow-up wrong reason": (
        ["disqualify", "1", "--reason", "Not a Good Fit", "--note", "n", "--follow-up", "2099-01-31"],
        ["only for a timing reason (one of Bad Timing)", "'Not a Good Fit' is not one"],
    ),
    "follow-up escape": (
        ["disqualify", "1", "--reason", "Bad Timing", "--note", "n", "--follow-up", "2099\x1b[2J"],
        ["follow-up date", "U+001B"],
    ),
    # the lead process
    "move closed lead": (["move", "4", "Attempting", "--note", "n"], ["closed"]),
    "move to qualified": (["move", "1", "Qualified", "--note", "n"], ["qualify it"]),
    "move to same stage": (["move", "1", "new", "--note", "n"], ["already"]),
    "qualify without type": (["qualify", "1", "--note", "n", "--no-deal"], ["lead type"]),
    "disqualify closed": (["disqualify", "4", "--reason", "Bad Timing", "--note", "n"], ["closed"]),
    "call on closed lead": (["log-call", "4", "--outcome", "Busy", "--note", "n"], ["closed"]),
    "escape in lead id": (["note", "9\x1b[31m9", "--text", "hi"], ["There is no lead 99"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_with_one_line_and_the_cache_unchanged(cache: Path, case: str) -> None:
    args, fragments = BAD_INPUT[case]
    assert_refused(cache, args, *fragments)


def test_a_cache_without_portal_data_asks_for_a_sync_first(tmp_path: Path) -> None:
    from leadboard.cache.store import Store

    missing = tmp_path / "missing.sqlite"
    result = run(missing, "note", "1", "--text", "hi")
    assert result.exit_code == 1 and "leadboard sync` first" in result.stderr
    assert not missing.exists()
    empty = tmp_path / "empty.sqlite"
    Store.open(empty).close()
    for args in (["leads"], ["note", "1", "--text", "hi"], ["move", "1", "New", "--note", "n"]):
        assert_refused(empty, args, "leadboard sync` first")


def test_a_bad_setting_names_where_it_came_from(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_PORTAL", "ftp://example.com")
    before = snapshot(cache)
    result = CliRunner().invoke(main, ["note", "1", "--text", "hi", "--db", str(cache)])
    assert result.exit_code == 1
    assert "LEADBOARD_PORTAL" in result.stderr and result.stderr.startswith("Error: ")
    assert snapshot(cache) == before


def test_missing_required_option_is_a_usage_error(cache: Path) -> None:
    before = snapshot(cache)
    result = run(cache, "disqualify", "1", "--note", "n")
    assert result.exit_code == 2
    assert "--reason" in result.stderr
    assert snapshot(cache) == before


def test_every_command_takes_the_shared_options_and_documents_exit_codes() -> None:
    for name in ("sync", "status", "doctor", "leads", "move", "log-call", "note", "set-type", "qualify"):
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        for option in ("--portal", "--email", "--db", "LEADBOARD_PORTAL", "Exit codes"):
            assert option in result.stdout, (name, option)
    assert "4  saved, but waiting" in EXIT_CODES_HELP
    assert "Exit codes" in CliRunner().invoke(main, ["disqualify", "--help"]).stdout


def test_no_push_queues_one_op_with_the_resolved_values(cache: Path) -> None:
    result = run(cache, "disqualify", "1", "--reason", "bAD tIMING", "--note", "Wrong quarter", "--no-push")
    assert result.exit_code == 0, result.output
    assert "Queued, not pushed" in result.stdout
    rows = snapshot(cache)["outbox"]
    assert len(rows) == 1
    from leadboard.cache.store import Store

    with Store.open(cache) as store:
        (op,) = store.outbox.ops()
        assert op.state == "pending" and op.kind == "disqualify"
        assert op.changes["hs_lead_disqualification_reason"] == "BAD_TIMING"
        assert op.changes["hs_lead_disqualification_note"] == "Wrong quarter"


def test_a_recycling_disqualify_is_described_with_its_follow_up_day(cache: Path) -> None:
    day = (date.today() + timedelta(days=90)).isoformat()
    args = ["disqualify", "1", "--reason", "bad timing", "--note", "Spring", "--follow-up", day]
    result = run(cache, *args, "--no-push")
    assert result.exit_code == 0, result.output
    assert f"Saved: disqualify (Bad Timing), follow-up task on {day} for lead 1" in result.stdout
    plain = run(cache, "disqualify", "2", "--reason", "bad timing", "--note", "Later", "--no-push")
    assert "Saved: disqualify (Bad Timing) for lead 2" in plain.stdout


def test_leads_lists_open_leads_and_respects_queued_changes(cache: Path) -> None:
    import json

    assert run(cache, "move", "2", "attempting", "--note", "Left a voicemail", "--no-push").exit_code == 0
    listed = json.loads(run(cache, "leads", "--json").stdout)
    by_id = {lead["id"]: lead for lead in listed}
    assert set(by_id) == {"1", "2", "3", "5"}
    assert by_id["2"]["stage"] == {"id": "attempting-stage-id", "label": "Attempting"}
    assert by_id["2"]["sync"] == "pending"
    assert by_id["5"]["lead_type"] == {"value": "NEW_BUSINESS", "label": "New business"}
    closed = json.loads(run(cache, "leads", "--closed", "--json").stdout)
    assert [lead["id"] for lead in closed] == ["4"]
    attempting = run(cache, "leads", "--stage", "ATTEMPTING")
    assert attempting.exit_code == 0
    header, *rows = attempting.stdout.splitlines()
    assert header.startswith("ID\tSTAGE\t")
    assert [line.split("\t")[0] for line in rows] == ["2"]
    assert rows[0].split("\t")[1] == "Attempting"


def test_leads_follows_a_changed_sla_config_between_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board is not the only reader: `leadboard leads` applies the config's [sla] at start-up."""
    import json

    from leadboard.cache.store import Store
    from tests.cache_fixtures import default_meta

    db = tmp_path / "sla.sqlite"
    with Store.open(db) as store:
        store.save_portal_meta(default_meta())
        store.upsert_leads(
            [
                hubspot_lead("7", "Hot lead", created="2026-01-05T10:00:00.000Z", hs_lead_label="HOT"),
                hubspot_lead("8", "Cold lead", created="2026-01-05T09:00:00.000Z", hs_lead_label="COLD"),
            ]
        )
    config = tmp_path / "config.toml"
    monkeypatch.setenv("LEADBOARD_CONFIG", str(config))

    def listed() -> list[tuple[str, str | None, str]]:
        result = run(db, "leads", "--json")
        assert result.exit_code == 0, result.output
        return [(lead["id"], lead["sla_deadline"], lead["sla_state"]) for lead in json.loads(result.stdout)]

    config.write_text('[sla]\ntime_zone = "UTC"\n', encoding="utf-8")
    # hot: 1 hour; cold: 3 business days (Mon 09:00 UTC → Wed 17:00); both long breached, most overdue first
    assert listed() == [
        ("7", "2026-01-05T11:00:00Z", "breached"),
        ("8", "2026-01-07T17:00:00Z", "breached"),
    ]
    config.write_text('[sla]\ntime_zone = "UTC"\n[sla.by_label]\ncold = "15 minutes"\n', encoding="utf-8")
    assert listed() == [
        ("8", "2026-01-05T09:15:00Z", "breached"),
        ("7", "2026-01-05T11:00:00Z", "breached"),
    ]


def test_hostile_names_never_reach_the_terminal(cache: Path) -> None:
    from leadboard.cache.store import Store

    with Store.open(cache) as store:
        # Stored as HubSpot sent it, bypassing the pull's own cleaning, as an older cache might hold it.
        store.db.conn.execute(
            "UPDATE leads SET name = ? WHERE id = '1'", ["Evil\x1b]52;c;AAAA\x07 \x9b6n Co"]
        )
    for args in (["leads"], ["leads", "--json"], ["note", "1", "--text", "hi", "--no-push"]):
        result = run(cache, *args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x9b" not in result.output and "\x07" not in result.output
        assert "Evil" in result.output


def test_a_corrupt_cache_gets_one_line_saying_what_to_do(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database at all" * 200)
    for args in (["leads"], ["status"], ["note", "1", "--text", "hi"]):
        result = run(broken, *args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
        assert "leadboard sync" in result.stderr
        assert "Traceback" not in result.output
