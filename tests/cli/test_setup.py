"""`leadboard setup` against the sandbox over HTTP, with `leadboard` in real processes: an admin's
sign-in (granted the optional schema scopes) or a service key makes the portal ready, once; a rep's
sign-in cannot, and says who can; a rep's note waits, saying "ask an admin", and goes exactly once
on the rep's next sync after the admin ran setup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from leadboard.cli.setup import WHO_CAN
from leadboard.op_markers import OP_ID_PROPERTY
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sandbox.users import portal_users
from leadboard.sync.errors import NOT_SET_UP
from tests.cli.oauth_flow import approve, finish, follow, leadboard, oauth_env, printed_url, start_login
from tests.sandbox.server_support import small_settings
from tests.sync.push_support import open_lead_ids

EVERY_TYPE = "notes, calls, tasks, deals"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    settings = small_settings(app_properties=False, rep_leads=4, owners=2, other_leads=3)
    with running_sandbox(settings, rate_limits=False) as handle:
        yield handle


def signed_in_env(sandbox: SandboxHandle, home: Path, *, admin: bool) -> dict[str, str]:
    """An environment where `leadboard login` was run by the demo rep, or by the portal's admin."""
    env = oauth_env(sandbox, home, home / "cache.sqlite")
    user = next(u for u in portal_users(sandbox.portal) if u.edit_properties == admin)
    login = start_login(env)
    url = printed_url(login)
    asked = dict(parse_qsl(urlsplit(url).query))
    assert asked["optional_scope"].split() == ["crm.schemas.contacts.write", "crm.schemas.deals.write"]
    assert "crm.schemas" not in asked["scope"]  # a rep must be able to install without them
    status, _ = follow(approve(url, user.user_id))
    code, _, err = finish(login)
    assert code == 0 and status == 200, err
    return env


def property_names(sandbox: SandboxHandle, object_type: str) -> set[str]:
    return {p["name"] for p in sandbox.portal.list_properties(object_type)["results"]}


def notes_saying(sandbox: SandboxHandle, text: str) -> list[dict[str, str]]:
    return [n["properties"] for n in sandbox.portal.objects("notes") if text in str(n["properties"])]


def test_a_service_key_sets_the_portal_up_once_and_again_finds_it_done(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    sandbox.portal.reset()
    env = {**oauth_env(sandbox, tmp_path, tmp_path / "cache.sqlite"), "HUBSPOT_ACCESS_TOKEN": sandbox.token}
    first = leadboard(env, "setup")
    assert first.returncode == 0, first.stderr
    assert f"Created {OP_ID_PROPERTY} (hidden) on {EVERY_TYPE}." in first.stdout
    assert "HubSpot is set up for leadboard" in first.stdout
    again = leadboard(env, "setup")
    assert again.returncode == 0, again.stderr
    assert "Created" not in again.stdout
    assert f"Found {OP_ID_PROPERTY} (hidden) on {EVERY_TYPE}: nothing to do." in again.stdout


def test_a_key_without_the_schema_scopes_names_them_and_who_can_run_setup(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    sandbox.portal.reset()
    token = "pat-na1-33333333-objects-only"
    sandbox.add_token(
        token, {"crm.objects.contacts.write", "crm.objects.deals.read", "crm.objects.contacts.read"}
    )
    env = {**oauth_env(sandbox, tmp_path, tmp_path / "cache.sqlite"), "HUBSPOT_ACCESS_TOKEN": token}
    result = leadboard(env, "setup")
    assert result.returncode == 1
    assert "notes, calls, tasks: this credential lacks the scope crm.schemas.contacts.write" in result.stderr
    assert "deals: this credential lacks the scope crm.schemas.deals.write" in result.stderr
    assert WHO_CAN in " ".join(result.stderr.split())
    assert not [t for t in ("notes", "deals") if OP_ID_PROPERTY in property_names(sandbox, t)]


def test_a_reps_note_waits_for_the_admins_setup_then_goes_exactly_once(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    sandbox.portal.reset()
    rep = signed_in_env(sandbox, tmp_path / "rep", admin=False)
    assert leadboard(rep, "sync").returncode == 0
    lead_id = open_lead_ids(sandbox)[0]

    noted = leadboard(rep, "note", lead_id, "--text", "Asked for the pricing sheet")
    assert noted.returncode == 4, noted.stderr
    assert NOT_SET_UP in noted.stderr
    status = leadboard(rep, "status")
    assert status.stdout.splitlines()[0].startswith(NOT_SET_UP), status.stdout
    doctor = leadboard(rep, "doctor")
    assert f"FAIL  op id property: {NOT_SET_UP}" in doctor.stdout
    denied = leadboard(rep, "setup")
    assert denied.returncode == 1 and "lacks the scope crm.schemas.contacts.write" in denied.stderr
    assert notes_saying(sandbox, "pricing sheet") == []

    admin = signed_in_env(sandbox, tmp_path / "admin", admin=True)
    setup = leadboard(admin, "setup")
    assert setup.returncode == 0, setup.stderr
    assert f"Created {OP_ID_PROPERTY} (hidden) on {EVERY_TYPE}." in setup.stdout

    synced = leadboard(rep, "sync")  # what `r` does on the board
    assert synced.returncode == 0, synced.stderr
    assert NOT_SET_UP not in leadboard(rep, "status").stdout
    notes = notes_saying(sandbox, "pricing sheet")
    assert len(notes) == 1
    assert notes[0][OP_ID_PROPERTY] and "lb:" not in notes[0]["hs_note_body"]
    assert leadboard(rep, "sync").returncode == 0  # another sync sends nothing again
    assert len(notes_saying(sandbox, "pricing sheet")) == 1
