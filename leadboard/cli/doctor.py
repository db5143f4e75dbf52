"""`leadboard doctor`: check each thing leadboard needs, and say what is wrong and how to fix it.

Checks run in order and later ones are skipped when an earlier one makes them meaningless (no token:
nothing to ask HubSpot). HubSpot is asked only read-only questions; write scopes show up on the
first push, which names the missing ones. Every line is one check: `ok`, `FAIL` or `skip`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from leadboard.cli.common import EXIT_ERROR, Session, one_line

if TYPE_CHECKING:
    from leadboard.config import Settings
    from leadboard.sync.hubspot import HubSpotGateway

#: Read scopes leadboard needs; write scopes (leads, contacts for notes and calls, deals) are only
#: exercised by a push, so doctor names them as advice instead of probing with a write.
WRITE_SCOPES = ("crm.objects.leads.write", "crm.objects.contacts.write", "crm.objects.deals.write")


@dataclass
class Report:
    """The checks so far; `failed` decides the exit code."""

    failed: int = 0

    def ok(self, what: str, detail: str) -> None:
        click.echo(f"ok    {what}: {one_line(detail)}")

    def bad(self, what: str, problem: str) -> None:
        self.failed += 1
        click.echo(f"FAIL  {what}: {one_line(problem)}")

    def skip(self, what: str, why: str) -> None:
        click.echo(f"skip  {what}: {one_line(why)}")


def run_doctor(session: Session) -> None:
    from leadboard.config import ConfigError, config_path, read_config_file
    from leadboard.key_ids import keymap_problems

    report = Report()
    path = config_path()
    session.warn_keymap = False  # said below, as this check's verdict
    try:
        data = read_config_file(path)
    except ConfigError as exc:
        report.bad("config file", f"{exc}. Fix or remove the file.")
    else:
        keymap = data.get("keymap")
        problems = keymap_problems(keymap) if isinstance(keymap, dict) else []
        if problems:
            report.bad("config file", f"{path}: {' '.join(problems)}")
        else:
            report.ok(
                "config file", str(path) if path.exists() else f"{path} (none: defaults and flags are used)"
            )
    try:
        settings = session.settings()
    except click.ClickException as exc:
        report.bad("settings", exc.message)
        _finish(report)
        return
    report.ok("portal", settings.portal)
    if settings.email:
        report.ok("email", settings.email)
    else:
        report.bad("email", 'not set: pass --email, set LEADBOARD_EMAIL, or add `email = "…"` to the config')
    gateway = _check_token(session, settings, report)
    if gateway is not None:
        with gateway:
            _check_portal(gateway, settings, report)
    else:
        for what in ("owner", "scopes", "lead pipeline"):
            report.skip(what, "needs an accepted token")
    _check_cache(settings, report)
    _finish(report)


def _finish(report: Report) -> None:
    if report.failed:
        click.echo(f"{report.failed} problem{'s' if report.failed != 1 else ''} found.")
        raise SystemExit(EXIT_ERROR)
    click.echo("All checks passed.")


def _check_token(session: Session, settings: Settings, report: Report) -> HubSpotGateway | None:
    """Token present (and where from) and accepted by the portal; returns a gateway when accepted."""
    from leadboard.cli.credentials import CredentialsError, resolve_token_source
    from leadboard.sync.errors import AuthFailed, GatewayError, MissingScopes
    from leadboard.sync.hubspot import HubSpotGateway

    try:
        resolved = resolve_token_source(settings)
    except CredentialsError as exc:
        report.bad("token", str(exc))
        return None
    if resolved is None:
        report.bad("token", "none found: run `leadboard login` (or set HUBSPOT_ACCESS_TOKEN)")
        return None
    report.ok("token", f"from {resolved.source}")
    gateway = HubSpotGateway(
        settings.portal,
        resolved.token,
        timeout=(5.0, 15.0),
        max_rate_wait=10.0,
        api_version=settings.api_version,
    )
    try:
        gateway.account_details()
    except AuthFailed:
        report.bad(
            "token accepted",
            f"{settings.portal} refused the token (401): it is wrong, expired or revoked. "
            "Run `leadboard login` with a new private-app token.",
        )
        return None
    except MissingScopes:
        pass  # the token is valid; which scopes are missing is the next check's business
    except GatewayError as exc:
        report.bad("token accepted", f"could not ask {settings.portal}: {exc}")
        return None
    report.ok("token accepted", f"by {settings.portal}")
    return gateway


def _check_portal(gateway: HubSpotGateway, settings: Settings, report: Report) -> None:
    from leadboard.sync.errors import GatewayError, MissingScopes, OwnerNotFound

    missing: list[str] = []

    def probe(what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except MissingScopes as exc:
            needed = " or ".join(exc.scopes) or "a scope HubSpot did not name"
            if needed not in missing:
                missing.append(needed)
            report.bad(what, f"the token lacks {needed}")
        except OwnerNotFound as exc:
            report.bad(what, str(exc))
        except GatewayError as exc:
            report.bad(what, f"HubSpot answered: {exc}")
        return None

    if settings.email:
        owner = probe("owner", lambda: gateway.find_owner_by_email(settings.email or ""))
        if owner is not None:
            report.ok("owner", f"{settings.email} is owner {owner.id} ({owner.name})")
    else:
        report.skip("owner", "no email set")
    pipelines = probe("lead pipeline", gateway.lead_pipelines)
    if pipelines is not None:
        with_stages = [p for p in pipelines if p.stages]
        if with_stages:
            stages = ", ".join(s.label for s in with_stages[0].stages)
            report.ok("lead pipeline", f"{with_stages[0].label}: {stages}")
        else:
            report.bad(
                "lead pipeline", "the portal has no lead pipeline: Leads may not be enabled in HubSpot"
            )
    for what, call in (
        ("leads readable", lambda: gateway.search_leads([], [], ["hs_lead_name"], limit=1)),
        ("contacts readable", lambda: gateway.list_objects("contacts", limit=1)),
    ):
        if probe(what, call) is not None:
            report.ok(what, "yes")
    if missing:
        report.bad(
            "scopes",
            f"add {'; '.join(missing)} to the private app in HubSpot (Settings → Integrations → Private "
            "apps → Scopes), then run `leadboard doctor` again",
        )
    else:
        report.ok("scopes", f"read scopes granted; a push also needs {', '.join(WRITE_SCOPES)}")


def _check_cache(settings: Settings, report: Report) -> None:
    from leadboard.cache.store import CacheError, Store, SyncLockHeld

    path = settings.db
    if not path.exists():
        report.ok("cache", f"{path} does not exist yet: `leadboard sync` creates it")
        return
    try:
        store = Store.open(path)
    except CacheError as exc:
        report.bad("cache", str(exc))
        return
    try:
        problem = store.check_integrity()
        if problem:
            report.bad("cache", f"{path} is damaged ({problem}): move it aside and run `leadboard sync`")
        else:
            meta = store.portal_meta()
            leads = len(store.board(view="all"))
            detail = (
                f"{path}: {leads} leads"
                if meta.stages
                else f"{path}: no portal data yet; run `leadboard sync`"
            )
            report.ok("cache", detail)
        lock = store.push_lock()
        try:
            lock.acquire()
        except SyncLockHeld as exc:
            report.bad("sync lock", str(exc))
        else:
            lock.release()
            report.ok("sync lock", "free")
    finally:
        store.close()
