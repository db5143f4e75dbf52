"""First touch from HubSpot's record at a bounded cost (issue 12): a lead with no activity costs no
activity read, and emails and meetings settle first touch the same in a cache that followed the
changes and in a fresh one. Against the real sandbox over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from leadboard.activity import event_words
from leadboard.cache.store import Store
from leadboard.sandbox.records import parse_instant
from leadboard.screens.lead import activity_text
from leadboard.sync.pull import pull_leads, pull_timeline
from leadboard.time_words import RepCalendar
from tests.sync.pull_support import associated, pull_setup, rep_leads

ACTIVITY_TYPES = ("calls", "notes", "emails", "meetings")


def activity_paths(sandbox_log: list[str]) -> list[str]:
    return [p for p in sandbox_log if any(f"/{kind}/" in p for kind in ACTIVITY_TYPES)]


def first_touches(store: Store) -> dict[str, int | None]:
    return {str(i): t for i, t in store.db.conn.execute("SELECT id, first_touch FROM leads")}


def test_a_lead_with_no_activity_causes_no_activity_read(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        arrived = sandbox.portal.live_event("new_lead", seed=1)  # a new lead: no call, note, email…
        assert arrived
        sandbox.clear_request_log()
        report = pull_leads(store, gateway, meta)
        assert report.leads_changed == 1
        assert activity_paths([r.path for r in sandbox.request_log()]) == []

        # the same pull reads once the lead has activity: the count above could have been otherwise
        lead_id = arrived.split()[2]
        sandbox.portal.create_object("emails", reply_on(lead_id))
        replied = rep_leads(sandbox)[lead_id]["properties"]
        assert replied["hs_last_activity_date"] and not replied.get("hs_lead_first_outreach_date")
        sandbox.clear_request_log()
        pull_leads(store, gateway, meta)
        read = activity_paths([r.path for r in sandbox.request_log()])
        assert "/crm/associations/2026-09/leads/emails/batch/read" in read
        assert "/crm/objects/2026-09/emails/batch/read" in read
        assert "/crm/associations/2026-09/leads/calls/batch/read" not in read  # its counter says none


def test_emails_and_meetings_settle_first_touch_the_same_in_two_caches(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, followed, meta):
        pull_leads(followed, gateway, meta)
        before = first_touches(followed)
        sent = sandbox.portal.live_event("owner_sends_email", seed=4)
        met = sandbox.portal.live_event("colleague_meeting", seed=6)
        replied = sandbox.portal.live_event("prospect_replies", seed=8)
        assert sent and met and replied
        emailed = sent.split()[5]
        booked = met.split(" on lead ")[1].split()[0]
        answered = replied.split()[1]
        report = pull_leads(followed, gateway, meta)

        with Store.open(tmp_path / "fresh.db") as fresh:
            fresh.save_portal_meta(followed.portal_meta())
            pull_leads(fresh, gateway, meta)
            assert first_touches(fresh) == first_touches(followed)

        def stamp(object_type: str, lead_id: str) -> int:
            ids = associated(sandbox, "leads", lead_id, object_type)
            times = [
                o["properties"]["hs_timestamp"] for o in sandbox.portal.objects(object_type) if o["id"] in ids
            ]
            return min(t for t in map(parse_instant, times) if t is not None)

        touches = first_touches(followed)
        assert before[emailed] is None and touches[emailed] == stamp("emails", lead_id=emailed)
        if before[booked] is None:
            assert touches[booked] == stamp("meetings", lead_id=booked)
        assert touches[answered] == before[answered]  # a reply is the prospect's, not a touch

        words = {event_words(e) for e in report.events}
        name = rep_leads(sandbox)[answered]["properties"]["hs_lead_name"]
        assert f"{name} replied" in words
        colleague = met.split(" booked ")[0]
        assert any(w.endswith(f": new meeting by {colleague}") for w in words)

        pull_timeline(followed, gateway, answered)
        detail = followed.lead_detail(answered)
        assert detail is not None
        reply = next(a for a in detail.timeline if a.kind == "email")
        calendar = RepCalendar(datetime.now(UTC), UTC)
        shown = activity_text(reply, followed.portal_meta(), calendar).plain
        assert "· reply — Re: " in shown and "<" not in shown


def test_an_emails_markup_and_control_sequences_never_reach_the_timeline(tmp_path: Path) -> None:
    with pull_setup(tmp_path) as (sandbox, gateway, store, meta):
        pull_leads(store, gateway, meta)
        lead_id = next(iter(rep_leads(sandbox)))
        sandbox.portal.create_object(
            "emails",
            reply_on(
                lead_id, subject="Re: \x1b[31mpricing\x1b[0m", html="<p>Yes <b>please</b>\x1b]0;x\x07</p>"
            ),
        )
        pull_timeline(store, gateway, lead_id)
        detail = store.lead_detail(lead_id)
        assert detail is not None
        reply = next(a for a in detail.timeline if a.kind == "email")
        shown = activity_text(reply, store.portal_meta(), RepCalendar(datetime.now(UTC), UTC)).plain
        assert "Re: [31mpricing" not in shown and "\x1b" not in shown and "\x07" not in shown
        assert "Re: pricing" in shown and "Yes please" in shown and "<b>" not in shown


def reply_on(
    lead_id: str, *, subject: str = "Re: hello", html: str = "<p>Sounds good</p>"
) -> dict[str, object]:
    """A prospect's reply logged through the generic objects API, on the lead (email → lead 599)."""
    return {
        "properties": {
            "hs_timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "hs_email_direction": "INCOMING_EMAIL",
            "hs_email_subject": subject,
            "hs_email_html": html,
        },
        "associations": [
            {
                "to": {"id": lead_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 599}],
            }
        ],
    }
