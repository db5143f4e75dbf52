"""What a HubSpot user reads on what the board created carries no op marker; calls have a title.

The op id that makes creates exactly-once lives in leadboard's own hidden property, which HubSpot
does not show; everything is read back over HTTP through the real client, as HubSpot serves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadboard.cache.store import Store
from leadboard.cli.main import main
from leadboard.commands.add_note import AddNote
from leadboard.commands.disqualify import Disqualify
from leadboard.commands.log_call import LogCall
from leadboard.commands.qualify import Deal, Qualify
from leadboard.commands.set_lead_type import SetLeadType
from leadboard.op_markers import OP_ID_PROPERTY
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.state import PortalMeta
from leadboard.sync.errors import NOT_SET_UP
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.push import push_ready
from tests.sync.push_support import TINY_PORTAL, fill_cache, gateway_for, open_lead_ids

# What a HubSpot user reads on each kind of object the board creates.
READ_BY_USERS = {
    "notes": ["hs_note_body"],
    "calls": ["hs_call_body", "hs_call_title"],
    "tasks": ["hs_task_body", "hs_task_subject"],
    "deals": ["dealname", "description"],
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(TINY_PORTAL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def gateway(sandbox: SandboxHandle) -> Iterator[HubSpotGateway]:
    sandbox.portal.reset()
    sandbox.faults.clear()
    gw = gateway_for(sandbox)
    yield gw
    gw.close()


@pytest.fixture
def cache(
    tmp_path: Path, sandbox: SandboxHandle, gateway: HubSpotGateway
) -> Iterator[tuple[Store, PortalMeta]]:
    store, meta = fill_cache(tmp_path / "cache.sqlite", sandbox, gateway)
    yield store, meta
    store.close()


def created_on_lead(gateway: HubSpotGateway, lead_id: str, object_type: str) -> dict[str, dict[str, str]]:
    """The lead's objects of one type as HubSpot serves them over HTTP: what users read, and the op id."""
    ids = [a.to_id for a in gateway.list_associations("leads", lead_id, object_type)]
    batch = gateway.batch_read(object_type, ids, [*READ_BY_USERS[object_type], OP_ID_PROPERTY])
    return {
        obj.id: {name: obj.get(name) or "" for name in [*READ_BY_USERS[object_type], OP_ID_PROPERTY]}
        for obj in batch.found.values()
    }


def test_notes_calls_tasks_and_deals_carry_no_marker_a_user_can_read(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    note_lead, call_lead, dq_lead, qualify_lead = open_lead_ids(sandbox)[:4]
    ops = [
        store.outbox.enqueue(AddNote(lead_id=note_lead, text="Sent the pricing sheet")),
        store.outbox.enqueue(LogCall(lead_id=call_lead, outcome_id="connected", note="Wants a quote")),
        store.outbox.enqueue(
            Disqualify(
                lead_id=dq_lead,
                reason="bad timing",
                note="Back after the merger",
                follow_up=date.today() + timedelta(days=60),
            )
        ),
    ]
    qualify_row = store.lead_state(qualify_lead)
    assert qualify_row is not None
    if not qualify_row.lead_type:
        store.outbox.enqueue(SetLeadType(lead_id=qualify_lead, lead_type=meta.lead_types[0].value))
    deal = Deal(name="Acme pilot", close_date=date.today() + timedelta(days=30))
    ops.append(store.outbox.enqueue(Qualify(lead_id=qualify_lead, note="Ready", deal=deal)))

    assert push_ready(store, gateway, meta).failed == 0

    seen: dict[str, int] = {}
    for lead_id, object_type in [
        (note_lead, "notes"),
        (call_lead, "calls"),
        (dq_lead, "notes"),
        (dq_lead, "tasks"),
        (qualify_lead, "notes"),
        (qualify_lead, "deals"),
    ]:
        ours = {
            oid: p for oid, p in created_on_lead(gateway, lead_id, object_type).items() if p[OP_ID_PROPERTY]
        }
        assert ours, f"no {object_type} of ours on lead {lead_id}"
        for properties in ours.values():
            assert properties[OP_ID_PROPERTY] in {op.op_id for op in ops}
            for name in READ_BY_USERS[object_type]:
                assert "lb:" not in properties[name], (object_type, name, properties[name])
                assert properties[OP_ID_PROPERTY] not in properties[name]
        seen[object_type] = seen.get(object_type, 0) + len(ours)
    assert seen == {"notes": 3, "calls": 1, "tasks": 1, "deals": 1}


def test_leadboards_op_id_property_is_hidden_from_hubspot_users(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    store.outbox.enqueue(AddNote(lead_id=open_lead_ids(sandbox)[0], text="hi"))
    assert push_ready(store, gateway, meta).done == 1
    definition = gateway.property_definition("notes", OP_ID_PROPERTY)
    assert definition.hidden


def test_a_logged_call_is_titled_with_who_was_called_and_the_outcome(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, meta = cache
    lead_id = open_lead_ids(sandbox)[1]
    row = store.lead_state(lead_id)
    assert row is not None and row.contact_name
    store.db.conn.execute(
        "UPDATE leads SET contact_name = ? WHERE id = ?", [row.contact_name + "\x1b[2J\x07", lead_id]
    )
    store.outbox.enqueue(LogCall(lead_id=lead_id, outcome_id="connected", note="Wants a quote"))

    assert push_ready(store, gateway, meta).done == 1

    (call,) = [c for c in created_on_lead(gateway, lead_id, "calls").values() if c[OP_ID_PROPERTY]]
    assert call["hs_call_title"] == f"Call with {row.contact_name}: Connected"


def test_a_create_from_an_older_version_with_its_marker_in_the_body_is_still_found(
    sandbox: SandboxHandle, gateway: HubSpotGateway, cache: tuple[Store, PortalMeta]
) -> None:
    store, _ = cache
    lead_id = open_lead_ids(sandbox)[2]
    old_op_id = "01J9ZOLDMARKER0000000000001"
    legacy = sandbox.portal.create_object(
        "notes",
        {
            "properties": {
                "hs_timestamp": "2026-09-01T10:00:00.000Z",
                "hs_note_body": f"<p>Spoke to Carla</p><p>lb:{old_op_id}</p>",
            },
            "associations": [
                {
                    "to": {"id": lead_id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 855}],
                }
            ],
        },
    )
    assert gateway.find_created("note", old_op_id, lead_id) == legacy["id"]
    assert gateway.find_created("note", old_op_id[:-1], lead_id) is None


# --- a portal leadboard never wrote to: the property is created once, then the create goes ------------


@pytest.fixture(scope="module")
def new_portal() -> Iterator[SandboxHandle]:
    with running_sandbox(replace(TINY_PORTAL, app_properties=False), rate_limits=False) as handle:
        yield handle


def test_the_first_create_on_a_new_portal_makes_the_hidden_property_then_the_object_once(
    new_portal: SandboxHandle, tmp_path: Path
) -> None:
    new_portal.portal.reset()
    new_portal.clear_request_log()
    with gateway_for(new_portal) as gateway:
        store, meta = fill_cache(tmp_path / "cache.sqlite", new_portal, gateway)
        lead_id = open_lead_ids(new_portal)[0]
        op = store.outbox.enqueue(AddNote(lead_id=lead_id, text="First note from leadboard"))
        second = store.outbox.enqueue(AddNote(lead_id=lead_id, text="Second note"))

        assert push_ready(store, gateway, meta).done == 2

        assert gateway.property_definition("notes", OP_ID_PROPERTY).hidden
        ids = {n["properties"].get(OP_ID_PROPERTY) for n in new_portal.portal.objects("notes")}
        assert {op.op_id, second.op_id} <= ids
        writes = [
            (r.method, r.path, r.status)
            for r in new_portal.request_log()
            if r.method == "POST" and "/batch/" not in r.path
        ]
        assert writes == [
            ("POST", "/crm/objects/2026-09/notes", 400),  # HubSpot refuses the unknown property: nothing made
            ("POST", "/crm/properties/2026-09/notes", 201),
            ("POST", "/crm/objects/2026-09/notes", 201),
            ("POST", "/crm/objects/2026-09/notes", 201),
        ]
        store.close()


def rep_token_without_schema_scopes(portal: SandboxHandle) -> str:
    """A token with every scope leadboard needs but not the schema write ones (a rep's, in effect)."""
    token = "pat-na1-22222222-no-schema-scope"
    portal.add_token(
        token,
        {
            "crm.objects.leads.read",
            "crm.objects.leads.write",
            "crm.objects.contacts.read",
            "crm.objects.contacts.write",
            "crm.objects.companies.read",
            "crm.objects.deals.read",
            "crm.objects.deals.write",
            "crm.objects.owners.read",
        },
    )
    return token


def test_without_the_scope_to_create_the_property_the_change_waits_for_setup_and_nothing_is_made(
    new_portal: SandboxHandle, tmp_path: Path
) -> None:
    new_portal.portal.reset()
    token = rep_token_without_schema_scopes(new_portal)
    with gateway_for(new_portal) as admin:
        store, meta = fill_cache(tmp_path / "cache.sqlite", new_portal, admin)
    with HubSpotGateway(new_portal.base_url, token, timeout=(2.0, 2.0)) as gateway:
        op = store.outbox.enqueue(AddNote(lead_id=open_lead_ids(new_portal)[0], text="Kept for later"))
        report = push_ready(store, gateway, meta)
    assert report.failed == 0 and report.not_set_up and report.deferred == 1
    waiting = store.outbox.get(op.op_id)
    assert waiting.state == "pending" and waiting.command.typed == "Kept for later"
    assert waiting.last_error == NOT_SET_UP
    assert [n for n in new_portal.portal.objects("notes") if "Kept for later" in str(n["properties"])] == []
    store.close()


def test_doctor_says_when_the_portal_lacks_the_op_id_property_and_who_can_create_it(
    new_portal: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_portal.portal.reset()
    monkeypatch.setenv("LEADBOARD_PORTAL", new_portal.base_url)
    monkeypatch.setenv("LEADBOARD_EMAIL", new_portal.rep_email)
    monkeypatch.setenv("LEADBOARD_DB", str(tmp_path / "cache.sqlite"))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", new_portal.token)
    before = CliRunner().invoke(main, ["doctor"])
    line = next(x for x in before.stdout.splitlines() if "op id property:" in x)
    assert line.startswith("FAIL") and "crm.schemas.contacts.write" in line
    with gateway_for(new_portal) as gateway:
        for object_type in ("notes", "calls", "tasks", "deals"):
            gateway.create_op_id_property(object_type)
    after = CliRunner().invoke(main, ["doctor"])
    line = next(x for x in after.stdout.splitlines() if "op id property:" in x)
    assert line.startswith("ok"), after.output
