"""One lead's timeline on demand, and the portal metadata the board paints from when offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leadboard.cache.store import KEY_PORTAL_ID, KEY_PORTAL_TIME_ZONE, Store
from leadboard.state import PortalMeta
from leadboard.sync.errors import OwnerNotFound
from leadboard.sync.pull import pull_leads, pull_metadata, pull_timeline
from leadboard.sync.pull_meta import METADATA_REQUESTS
from tests.sync.pull_support import associated, cached_lead, pull_setup, rep_leads

HOSTILE = (
    "<p>\x1b]52;c;ZXZpbA==\x07Pasted \x1b[2Jfrom [bold red]a site[/] \u202eevil\u202c &#27;[31m</p>"
    "<script>alert(1)</script>"
)


def _note(contact_id: str, body: str, lead_id: str | None = None) -> dict[str, Any]:
    links = [(contact_id, 202)] + ([(lead_id, 855)] if lead_id else [])
    return {
        "properties": {"hs_timestamp": "2026-09-01T10:00:00.000Z", "hs_note_body": body},
        "associations": [
            {"to": {"id": to}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t}]}
            for to, t in links
        ],
    }


def _task_on_contact(contact_id: str) -> dict[str, Any]:
    """A follow-up task on the contact alone (204), as an earlier lead's disqualify leaves it."""
    return {
        "properties": {
            "hs_timestamp": "2027-02-22T09:00:00.000Z",
            "hs_task_subject": "Re-attempt Carla (disqualified: Bad Timing)",
            "hs_task_body": "<p>Disqualified: Bad Timing. Re-attempt the contact.</p><p>lb:01JOPTASK</p>",
            "hs_task_status": "NOT_STARTED",
        },
        "associations": [
            {
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
            }
        ],
    }


def _bodies(store: Store) -> dict[str, tuple[str, str | None, str | None]]:
    rows = store.db.conn.execute("SELECT id, body_text, lead_id, contact_id FROM activities")
    return {str(r[0]): (r[1], r[2], r[3]) for r in rows}


def test_timeline_holds_the_leads_and_its_contacts_calls_and_notes_as_clean_text(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        lead_id = next(
            i
            for i, lead in sorted(rep_leads(sandbox).items())
            if lead["properties"]["hs_pipeline_stage"] == "connected-stage-id"
        )
        contact_id = cached_lead(store, lead_id)["contact_id"]
        ours = gateway.create_note(
            marker="01JOPMARKER",
            body_html="<p>Spoke to <b>Carla</b> &amp; team</p><ul><li>budget</li></ul>",
            timestamp="2026-09-02T09:00:00.000Z",
            owner_id=meta.owner_id,
            contact_id=contact_id,
            lead_id=lead_id,
        )
        hostile = sandbox.portal.create_object("notes", _note(contact_id, HOSTILE))["id"]
        task = sandbox.portal.create_object("tasks", _task_on_contact(contact_id))["id"]
        sandbox.clear_request_log()

        stored = pull_timeline(store, gateway, lead_id)

        expected = set()
        for kind in ("calls", "notes", "tasks"):
            expected |= set(associated(sandbox, "leads", lead_id, kind))
            expected |= set(associated(sandbox, "contacts", contact_id, kind))
        bodies = {i: b for i, b in _bodies(store).items() if lead_id in b or contact_id in b}
        assert set(bodies) == expected and stored == len(expected) > 3
        assert bodies[ours] == ("Spoke to Carla & team\n- budget", lead_id, contact_id)
        text, on_lead, on_contact = bodies[hostile]
        assert (on_lead, on_contact) == (None, contact_id)
        assert "Pasted" in text and "[bold red]a site[/]" in text  # kept literally, shown without markup
        assert not any(ch in text for ch in "\x1b\x07\u202e\u202c") and "alert(1)" not in text
        kinds = dict(store.db.conn.execute("SELECT kind, count(*) FROM activities GROUP BY kind").fetchall())
        assert kinds["call"] >= 1 and kinds["note"] >= 2 and kinds["task"] == 1
        stored_task = store.db.conn.execute(
            "SELECT kind, title, status, timestamp, body_text, lead_id, contact_id "
            "FROM activities WHERE id = ?",
            [task],
        ).fetchone()
        assert stored_task == (
            "task",
            "Re-attempt Carla (disqualified: Bad Timing)",
            "NOT_STARTED",
            1803286800000,  # due 2027-02-22 09:00 UTC
            "Disqualified: Bad Timing. Re-attempt the contact.",
            None,
            contact_id,
        )
        assert all(r.method == "POST" and "/batch/read" in r.path for r in sandbox.request_log())

        # A note deleted in HubSpot leaves the timeline at the next look.
        sandbox.portal.archive_object("notes", hostile)
        pull_timeline(store, gateway, lead_id)
        assert hostile not in _bodies(store) and ours in _bodies(store)


def test_metadata_is_stored_for_an_offline_start(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        sandbox.clear_request_log()
        meta = pull_metadata(store, gateway, sandbox.rep_email.upper())
        assert len(sandbox.request_log()) == METADATA_REQUESTS

        assert meta.owner_id == sandbox.portal.rep_owner_id
        assert [s.id for s in meta.stages] == [
            "new-stage-id",
            "attempting-stage-id",
            "connected-stage-id",
            "qualified-stage-id",
            "unqualified-stage-id",
        ]
        assert [s.closed for s in meta.stages] == [False, False, False, True, True]
        reasons = sandbox.portal.get_property("leads", "hs_lead_disqualification_reason")["options"]
        assert [(o.value, o.label) for o in meta.disqualification_reasons] == [
            (o["value"], o["label"]) for o in sorted(reasons, key=lambda o: o["displayOrder"])
        ]
        assert {o.value for o in meta.lead_types} >= {"NEW_BUSINESS", "UPSELL"}
        assert {o.value for o in meta.lead_labels} >= {"HOT", "WARM", "COLD"}
        sources = sandbox.portal.get_property("leads", "lead_source")["options"]
        assert [(o.value, o.label) for o in meta.lead_sources] == [
            (o["value"], o["label"]) for o in sorted(sources, key=lambda o: o["displayOrder"])
        ]
        assert [d.id for d in meta.dispositions] == [d["id"] for d in sandbox.portal.dispositions()]
        account = sandbox.portal.account_details()
        assert (meta.portal_id, meta.time_zone, meta.ui_domain) == (
            str(account["portalId"]),
            account["timeZone"],
            account["uiDomain"],
        )
        # The board reads these keys for its "open in HubSpot" link; the SLA needs the zone.
        assert store.get_state(KEY_PORTAL_ID) == str(account["portalId"])
        assert store.get_state(KEY_PORTAL_TIME_ZONE) == account["timeZone"]
        first, last = store.db.conn.execute(
            "SELECT first_name, last_name FROM owners WHERE is_me = 1"
        ).fetchone()
        rep = next(o for o in sandbox.portal.list_owners()["results"] if o["id"] == meta.owner_id)
        assert (first, last) == (rep["firstName"], rep["lastName"])
    # The portal is gone: a new process reads the same metadata from the cache file alone.
    with Store.open(tmp_path / "cache.db") as offline:
        assert offline.portal_meta() == meta


def test_the_entry_source_options_are_kept_for_an_offline_start(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        meta = pull_metadata(store, gateway, sandbox.rep_email)
        assert meta.lead_sources
    with Store.open(tmp_path / "cache.db") as offline:
        assert offline.portal_meta() == meta


def test_an_email_no_owner_has_is_refused_by_name_and_stores_nothing(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        fresh = Store.open(tmp_path / "fresh.db")
        with pytest.raises(OwnerNotFound) as caught:
            pull_metadata(fresh, gateway, "someone.else@nowhere.example")
        assert "someone.else@nowhere.example" in str(caught.value)
        assert fresh.portal_meta() == PortalMeta()
        fresh.close()
