"""`leadboard leads` streams its rows: at a few thousand leads the JSON is exactly what the read model
holds, in its order, written as `json.dumps(..., indent=2)` writes it, and the plain listing matches."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from leadboard.cache.store import Store
from leadboard.cli.leads import Labels, lead_json, plain_row
from leadboard.cli.main import main
from leadboard.commands.move_stage import MoveStage
from tests.cache_fixtures import default_meta, hubspot_lead

LEADS = 3000
STAGES = ("new-stage-id", "attempting-stage-id", "connected-stage-id", "unqualified-stage-id")


def long_cache(path: Path) -> None:
    """Leads over the open stages and one closed one; odd names (wide, spaced, escaped); a pending move."""
    with Store.open(path) as store:
        store.save_portal_meta(default_meta())
        names = (
            "Plain Lead {i}",
            "Wide 漢字 {i} 🚀",
            "  spaced   out {i} ",
            'Quote " and \\ {i}',
            "Esc\x1b[31m {i}",
            "Pipe | and trailing {i} ",
            "Token pat-na1-{i}",
        )
        store.upsert_leads(
            hubspot_lead(
                str(i),
                names[i % len(names)].format(i=i),
                stage=STAGES[i % len(STAGES)],
                lead_type="NEW_BUSINESS" if i % 3 else "",
                created=f"2025-{i % 12 + 1:02d}-{i % 27 + 1:02d}T{i % 24:02d}:00:00.{i % 1000:03d}Z",
                hs_lead_label=("HOT", "WARM", "COLD", "")[i % 4],
            )
            for i in range(1, LEADS + 1)
        )
        store.outbox.enqueue(MoveStage(lead_id="4", stage_id="connected-stage-id", note="moved"))


def test_leads_json_at_thousands_of_leads_is_the_read_model_in_order(tmp_path: Path) -> None:
    db = tmp_path / "long.sqlite"
    long_cache(db)

    listed = CliRunner().invoke(main, ["leads", "--db", str(db), "--json"])

    assert listed.exit_code == 0, listed.output
    with Store.open(db) as store:
        leads = store.board(view="open")
        meta = store.portal_meta()
    parsed = json.loads(listed.stdout)
    # sla_state is worked out at the moment of listing: compare it apart from the rest
    expected = [lead_json(lead, meta) for lead in leads]
    assert len(parsed) == len(expected) > 2000
    assert [item["id"] for item in parsed] == [lead.id for lead in leads]
    assert parsed == expected
    assert listed.stdout == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    moved = next(item for item in parsed if item["id"] == "4")
    assert moved["stage"]["id"] == "connected-stage-id" and moved["sync"] == "pending"
    assert "\x1b" not in listed.stdout


def test_the_plain_listing_and_an_empty_one(tmp_path: Path) -> None:
    db = tmp_path / "long.sqlite"
    long_cache(db)

    listed = CliRunner().invoke(main, ["leads", "--db", str(db)])
    empty = CliRunner().invoke(main, ["leads", "--db", str(db), "--stage", "qualified", "--json"])

    with Store.open(db) as store:
        leads = store.board(view="open")
        labels = Labels(store.portal_meta())
    header, *rows = listed.stdout.splitlines()
    assert header.split("\t")[0] == "ID"
    assert rows == ["\t".join(plain_row(lead, labels)) for lead in leads]
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []
