"""What a pull finds changed on HubSpot's side (issue 12), and what reading it costs: the activities
of the changed leads that HubSpot's record does not settle or that have new activity, in batches,
and nothing more on a quiet pull."""

from __future__ import annotations

import json
from pathlib import Path

from leadboard.cache.activity_feed import feed
from leadboard.sync.pull import pull_leads
from tests.sync.pull_support import pull_setup, rep_leads


def test_a_pull_reads_only_the_changed_leads_activities_and_reports_what_changed(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        assert pull_leads(store, gateway, meta).events == []  # the first pull: everything is new
        moved = next(
            i
            for i, lead in sorted(rep_leads(sandbox).items())
            if lead["properties"]["hs_pipeline_stage"] == "new-stage-id"
        )
        sandbox.portal.remote_edit("leads", moved, {"hs_pipeline_stage": "connected-stage-id"})
        noted_words = sandbox.portal.live_event("colleague_note", seed=3)
        assert noted_words
        noted = noted_words.split(" on lead ")[1].split()[0]
        sandbox.clear_request_log()

        report = pull_leads(store, gateway, meta)

        inputs = {
            r.path: sorted(i["id"] for i in json.loads(r.request_body)["inputs"])
            for r in sandbox.request_log()
            if r.path.endswith("/batch/read")
        }
        props = {lead_id: lead["properties"] for lead_id, lead in rep_leads(sandbox).items()}
        unsettled_or_new = sorted(
            lead_id
            for lead_id in {moved, noted}
            if lead_id == noted
            or (
                not props[lead_id].get("hs_lead_first_outreach_date")
                and props[lead_id].get("hs_last_activity_date")
            )
        )
        assert inputs["/crm/associations/2026-09/leads/notes/batch/read"] == unsettled_or_new
        called = sorted(i for i in unsettled_or_new if int(props[i].get("hs_lead_call_count") or 0))
        assert inputs.get("/crm/associations/2026-09/leads/calls/batch/read", []) == called
        assert report.requests == len(sandbox.request_log())
        found = {(e.kind, e.lead_id, e.detail) for e in report.events}
        assert ("stage", moved, "Connected") in found
        assert ("activity", noted, "note") in found
        assert next(e for e in report.events if e.kind == "activity").actor == noted_words.split(" left ")[0]
        stored = [e.event for e in feed(store.db.conn)]
        assert set(stored) == set(report.events) and len(stored) == len(report.events)

        sandbox.clear_request_log()
        quiet = pull_leads(store, gateway, meta)
        assert quiet.events == [] and len(sandbox.request_log()) <= 2
