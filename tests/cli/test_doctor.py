"""`leadboard doctor` and `leadboard status` against the sandbox: a good setup, a revoked token,
missing scopes, no email, no token, and a cache whose sync lock another process holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadboard.cache.store import Store
from leadboard.cli.main import main
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox

SMALL = PortalSettings(seed=5, rep_leads=4, owners=2, other_leads=3, search_lag=0.0)
READ_SCOPES = {
    "oauth",
    "crm.objects.owners.read",
    "crm.objects.leads.read",
    "crm.objects.contacts.read",
    "crm.objects.companies.read",
    "crm.objects.deals.read",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(SMALL, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def db(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache.sqlite"
    monkeypatch.setenv("LEADBOARD_PORTAL", sandbox.base_url)
    monkeypatch.setenv("LEADBOARD_EMAIL", sandbox.rep_email)
    monkeypatch.setenv("LEADBOARD_DB", str(path))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", sandbox.token)
    return path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def check(result: Result, name: str) -> str:
    """The line of one doctor check."""
    return next(line for line in result.stdout.splitlines() if line[6:].startswith(f"{name}:"))


def use_token(
    sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, token: str, scopes: set[str] | None
) -> None:
    sandbox.add_token(token, scopes=scopes)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", token)


def test_doctor_passes_on_a_good_setup_and_never_prints_the_token(sandbox: SandboxHandle, db: Path) -> None:
    before = cli("doctor")
    assert before.exit_code == 0, before.output
    assert "does not exist yet" in check(before, "cache") and not db.exists()
    assert cli("sync").exit_code == 0
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    assert check(result, "token").startswith("ok") and "HUBSPOT_ACCESS_TOKEN" in check(result, "token")
    owner_id = sandbox.portal.rep_owner_id
    assert f"is owner {owner_id}" in check(result, "owner")
    assert "New, Attempting, Connected" in check(result, "lead pipeline")
    assert check(result, "sync lock").startswith("ok")
    assert "All checks passed." in result.stdout
    assert sandbox.token not in result.output

    status = cli("status")
    assert status.exit_code == 0, status.output
    assert status.stdout.splitlines()[0] == "synced just now"
    assert "pending 0, failed 0, conflicts 0, blocked 0" in status.stdout
    # In the board's words; "yesterday" only if midnight fell between the sync and the status.
    assert re.search(r"^last sync: (today|yesterday) \d\d:\d\d;", status.stdout, re.MULTILINE)


def test_a_revoked_token_is_named_by_doctor_sync_and_status(
    sandbox: SandboxHandle, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "pat-na1-0000aaaa-revoked"
    use_token(sandbox, monkeypatch, token, None)
    assert cli("sync").exit_code == 0
    lead_id = next(line.split("\t")[0] for line in cli("leads").stdout.splitlines()[1:])
    sandbox.revoke_token(token)

    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert check(doctor, "token accepted").startswith("FAIL")
    assert "401" in check(doctor, "token accepted") and "leadboard login" in check(doctor, "token accepted")
    assert check(doctor, "owner").startswith("skip")

    noted = cli("note", lead_id, "--text", "Called back")
    assert noted.exit_code == 4, noted.output
    assert "refused the access token" in noted.stderr and "leadboard login" in noted.stderr

    synced = cli("sync")
    assert synced.exit_code == 1
    assert "leadboard login" in synced.stderr and "1 change saved and waiting" in synced.stderr

    status = cli("status")
    assert status.exit_code == 1
    assert status.stdout.startswith("token needs attention")
    assert "pending 1" in status.stdout and "leadboard login" in status.stderr
    for result in (doctor, noted, synced, status):
        assert token not in result.output


def test_missing_scopes_are_named(sandbox: SandboxHandle, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_token(sandbox, monkeypatch, "pat-na1-0000bbbb-noleads", {"oauth", "crm.objects.contacts.read"})
    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert "crm.objects.owners.read" in check(doctor, "owner")
    assert "crm.objects.leads.read" in check(doctor, "leads readable")
    assert check(doctor, "contacts readable").startswith("ok")
    scopes = check(doctor, "scopes")
    assert scopes.startswith("FAIL") and "crm.objects.owners.read" in scopes and "to the key" in scopes


def test_a_write_scope_missing_fails_the_push_and_status_names_it(
    sandbox: SandboxHandle, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_token(sandbox, monkeypatch, "pat-na1-0000cccc-readonly", READ_SCOPES)
    assert cli("sync").exit_code == 0
    lead_id = next(line.split("\t")[0] for line in cli("leads").stdout.splitlines()[1:])
    noted = cli("note", lead_id, "--text", "Sent the deck")
    assert noted.exit_code == 3, noted.output
    assert "crm.objects.contacts.write" in noted.stderr
    status = cli("status")
    assert status.exit_code == 3
    failed = next(line for line in status.stdout.splitlines() if line.startswith("failed"))
    assert f"lead {lead_id}" in failed and "add a note" in failed and "crm.objects.contacts.write" in failed
    assert re.search(r"\[(today|yesterday) \d\d:\d\d\]", failed)  # when the change was made


def test_doctor_names_a_missing_email_and_token(
    sandbox: SandboxHandle, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADBOARD_EMAIL")
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN")
    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert check(doctor, "email").startswith("FAIL") and "--email" in check(doctor, "email")
    assert "leadboard login" in check(doctor, "token")
    assert "2 problems found." in doctor.stdout


def test_doctor_reports_a_held_sync_lock(sandbox: SandboxHandle, db: Path) -> None:
    assert cli("sync").exit_code == 0
    with Store.open(db) as store, store.push_lock():
        doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert check(doctor, "sync lock").startswith("FAIL") and "Another leadboard" in check(doctor, "sync lock")


def test_doctor_reports_a_broken_config_file(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("portal = [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("LEADBOARD_CONFIG", str(config))
    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert check(doctor, "config file").startswith("FAIL") and "not valid TOML" in check(
        doctor, "config file"
    )
