"""Portal metadata the board reads before anything else: owners, pipelines, properties, outcomes, account."""

from __future__ import annotations

from typing import Any

from tests.sandbox.contract_support import (
    CONNECTED_DISPOSITION,
    LEAD_PIPELINE,
    LEAD_STAGES,
    api_error,
    raw_get,
)


def test_owners_filtered_by_email_find_the_demo_rep(client: Any, sandbox: Any) -> None:
    page = client.crm.owners.owners_api.get_page(email=sandbox.rep_email)
    assert page is not None and len(page.results) == 1
    rep = page.results[0]
    assert rep.email == sandbox.rep_email and rep.type == "PERSON"
    assert rep.id and str(rep.user_id) != str(rep.id), (
        "owner id and user id differ (only the owner id assigns)"
    )
    nobody = client.crm.owners.owners_api.get_page(email="nobody@leadboard.example")
    assert nobody.results == []


def test_owners_list_pages_through_every_owner(client: Any) -> None:
    owners = client.crm.owners.get_all()
    assert len(owners) == 3 == len({o.id for o in owners})
    first = client.crm.owners.owners_api.get_page(limit=1)
    assert len(first.results) == 1 and first.paging.next.after


def test_an_owner_reads_by_id_and_by_user_id(client: Any, rep_owner_id: str) -> None:
    api = client.crm.owners.owners_api
    owner = api.get_by_id(int(rep_owner_id))
    assert owner is not None and str(owner.id) == rep_owner_id
    same = api.get_by_id(owner.user_id, id_property="userId")
    assert str(same.id) == rep_owner_id
    status, error = api_error(api.get_by_id, 2_147_483_000)
    assert status == 404 and error["category"] == "OBJECT_NOT_FOUND"


def test_the_owners_path_answers_with_and_without_the_trailing_slash(sandbox: Any) -> None:
    for path in ("/crm/v3/owners", "/crm/v3/owners/"):
        status, body, _ = raw_get(sandbox.base_url, path + "?email=" + sandbox.rep_email, sandbox.token)
        assert status == 200 and [o["email"] for o in body["results"]] == [sandbox.rep_email], path


def test_the_lead_pipeline_has_hubspots_default_stage_ids_in_order(client: Any) -> None:
    for object_type in ("leads", "0-136"):
        pipelines = client.crm.pipelines.pipelines_api.get_all(object_type)
        assert pipelines is not None
        ids = [p.id for p in pipelines.results]
        assert LEAD_PIPELINE in ids, object_type
        pipeline = pipelines.results[ids.index(LEAD_PIPELINE)]
        stages = sorted(pipeline.stages, key=lambda s: s.display_order)
        assert tuple(s.id for s in stages) == LEAD_STAGES
        assert all(s.label for s in stages)
    one = client.crm.pipelines.pipelines_api.get_by_id("leads", LEAD_PIPELINE)
    assert one.id == LEAD_PIPELINE and one.label
    stages = client.crm.pipelines.pipeline_stages_api.get_all("leads", LEAD_PIPELINE)
    assert {s.id for s in stages.results} == set(LEAD_STAGES)
    status, error = api_error(client.crm.pipelines.pipelines_api.get_by_id, "leads", "no-such-pipeline")
    assert status == 404


def test_lead_properties_list_and_enumeration_options(client: Any) -> None:
    core = client.crm.properties.core_api
    everything = core.get_all("leads")
    names = {p.name for p in everything.results}
    expected = {"hs_lead_name", "hs_pipeline", "hs_pipeline_stage", "hs_lead_type", "hs_lead_label"}
    assert (
        expected | {"hs_lead_disqualification_reason", "hs_lead_disqualification_note", "hubspot_owner_id"}
        <= names
    )
    assert core.get_all("0-136").results, "the object type id works too"
    for name, must_have in (
        ("hs_lead_type", {"NEW_BUSINESS", "UPSELL"}),
        ("hs_lead_label", {"HOT", "WARM", "COLD"}),
        ("hs_lead_disqualification_reason", set()),
    ):
        prop = core.get_by_name("leads", name)
        assert prop is not None and prop.name == name
        assert prop.type == "enumeration", name
        values = {o.value for o in prop.options}
        assert must_have <= values, name
        assert len(prop.options) >= 2 and all(o.label and o.value for o in prop.options), name
        assert len(values) == len(prop.options), f"{name} has duplicate option values"
    status, error = api_error(core.get_by_name, "leads", "hs_no_such_property")
    assert status == 404


def test_call_outcomes_come_from_the_dispositions_endpoint(sandbox: Any) -> None:
    status, body, _ = raw_get(sandbox.base_url, "/calling/v1/dispositions", sandbox.token)
    assert status == 200 and isinstance(body, list), "a bare JSON array, as HubSpot serves it"
    labels = {d["id"]: d["label"] for d in body}
    assert labels.get(CONNECTED_DISPOSITION) == "Connected"
    assert len(labels) >= 6 and all(isinstance(d["deleted"], bool) for d in body)
    status, _, _ = raw_get(sandbox.base_url, "/calling/v1/dispositions", None)
    assert status == 401, "the unwrapped endpoint needs the token too"


def test_account_details_name_the_portal(sandbox: Any) -> None:
    status, body, _ = raw_get(sandbox.base_url, "/account-info/v3/details", sandbox.token)
    assert status == 200
    assert isinstance(body["portalId"], int) and body["portalId"] > 0
    assert body["timeZone"] and body["uiDomain"] and body["companyCurrency"]
