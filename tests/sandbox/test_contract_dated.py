"""leadboard's gateway on HubSpot's date-versioned paths, every answer checked against the 2026-09 specs.

Each gateway call goes to the running sandbox; the contract fixture (conftest.py) validates every
response against hubspot-specs/2026-09/ after each test. The same calls run on `2026-03`, the
version a portal may pin, which has the same shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from leadboard.sandbox.runner import SandboxHandle
from leadboard.sync.errors import NotFound
from leadboard.sync.hubspot import HubSpotGateway
from tests.sandbox.contract_support import NOTE_TO_CONTACT, NOTE_TO_LEAD

WHEN = "2026-09-01T14:03:00.000Z"
DATED = re.compile(
    r"^/(crm/(objects|associations|owners|pipelines|properties)|account-info)/(\d{4}-\d{2})(/|$)"
)


@pytest.fixture(params=["2026-09", "2026-03"])
def gateway(request: pytest.FixtureRequest, sandbox: SandboxHandle) -> Iterator[HubSpotGateway]:
    with HubSpotGateway(
        sandbox.base_url, sandbox.token, timeout=(2.0, 10.0), api_version=request.param
    ) as gateway:
        yield gateway


def paths_since(sandbox: SandboxHandle, mark: int) -> list[str]:
    return [r.path.split("?")[0] for r in sandbox.request_log()[mark:]]


def versions_in(paths: list[str]) -> set[str]:
    """The date versions the paths name; a numbered (v3/v4) path counts as its own version."""
    found: set[str] = set()
    for path in paths:
        match = DATED.match(path)
        found.add(match.group(3) if match else path)
    return found


def a_lead(gateway: HubSpotGateway, sandbox: SandboxHandle) -> tuple[str, str]:
    lead_id = sorted(o["id"] for o in sandbox.portal.objects("leads"))[0]
    contact_id = gateway.list_associations("leads", lead_id, "contacts")[0].to_id
    return lead_id, contact_id


def test_metadata_reads_use_the_pinned_version(gateway: HubSpotGateway, sandbox: SandboxHandle) -> None:
    mark = len(sandbox.request_log())
    owner = gateway.find_owner_by_email(sandbox.rep_email)
    assert owner.user_id is not None
    assert gateway.owner_by_user_id(owner.user_id).id == owner.id
    assert [p.id for p in gateway.lead_pipelines()]
    assert gateway.pipelines("deals")
    assert gateway.property_options("leads", "hs_lead_type")
    assert set(gateway.lead_properties()) >= {"hs_lead_type", "hs_lead_disqualification_reason"}
    assert gateway.account_details().portal_id is not None
    assert versions_in(paths_since(sandbox, mark)) == {gateway.paths.version}


def test_an_unknown_user_id_is_not_found(gateway: HubSpotGateway) -> None:
    with pytest.raises(NotFound):
        gateway.owner_by_user_id(987654321)


def test_object_reads_and_association_reads_use_the_pinned_version(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    mark = len(sandbox.request_log())
    page = gateway.search_leads([], ["hs_lastmodifieddate"], ["hs_lead_name"], limit=5)
    assert len(page.results) == 5 and page.total > 5
    ids = [o.id for o in page.results]
    assert gateway.get_lead(ids[0], ["hs_lead_name"]).id == ids[0]
    assert set(gateway.batch_read("leads", ids, ["hs_lead_name"]).found) == set(ids)
    assert gateway.list_objects("contacts", ["email"], limit=3).results
    links = gateway.batch_read_associations("leads", "contacts", ids)
    assert all(links[i] for i in ids), "every seeded lead has its primary contact"
    assert versions_in(paths_since(sandbox, mark)) == {gateway.paths.version}


def test_creates_updates_and_association_puts_use_the_pinned_version(
    gateway: HubSpotGateway, sandbox: SandboxHandle
) -> None:
    lead_id, contact_id = a_lead(gateway, sandbox)
    mark = len(sandbox.request_log())
    marker = f"01J9ZDATED{gateway.paths.version.replace('-', '')}0000001"
    note_id = gateway.create_note(
        marker=marker,
        body_html="<p>On the dated path</p>",
        timestamp=WHEN,
        owner_id=None,
        contact_id=None,
        lead_id=lead_id,
    )
    gateway.associate("notes", note_id, "contacts", contact_id, NOTE_TO_CONTACT)
    gateway.associate_default("notes", note_id, "leads", lead_id)
    saved = gateway.update_object("notes", note_id, {"hs_note_body": "<p>Edited</p>"})
    assert saved.get("hs_note_body") == "<p>Edited</p>"
    types = {a.to_id: set(a.type_ids) for a in gateway.list_associations("notes", note_id, "contacts")}
    assert NOTE_TO_CONTACT in types[contact_id]
    assert NOTE_TO_LEAD in {
        t for a in gateway.list_associations("notes", note_id, "leads") for t in a.type_ids
    }
    assert versions_in(paths_since(sandbox, mark)) == {gateway.paths.version}
