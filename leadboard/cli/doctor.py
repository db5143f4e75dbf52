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
from leadboard.sync.scopes import WRITE_SCOPES, missing_scopes

if TYPE_CHECKING:
    from leadboard.cli.credentials import OAuthCredential
    from leadboard.config import Settings
    from leadboard.sync.hubspot import HubSpotGateway

#: Write scopes are only exercised by a push, so for an account-level key (which cannot be
#: introspected) doctor names them as advice instead of probing with a write. A sign-in's granted
#: scopes are read by introspection and checked against every scope leadboard needs.


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
    signed_in = _signed_in(session)
    if settings.email:
        report.ok("email", settings.email)
    elif signed_in is not None:
        report.ok("email", "not needed: you are signed in as yourself")
    else:
        report.bad("email", 'not set: pass --email, set LEADBOARD_EMAIL, or add `email = "…"` to the config')
    gateway = _check_token(session, settings, report)
    if gateway is not None:
        with gateway:
            _check_portal(gateway, settings, report, signed_in)
            _check_op_id_property(gateway, report)
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


def _signed_in(session: Session) -> OAuthCredential | None:
    from leadboard.cli.credentials import CredentialsError, resolve_token_source

    try:
        resolved = resolve_token_source(session.settings())
    except CredentialsError:
        return None
    return resolved.oauth if resolved is not None else None


def _check_token(session: Session, settings: Settings, report: Report) -> HubSpotGateway | None:
    """Token present (its kind, and where from) and accepted by the portal; a gateway when accepted."""
    from leadboard.cli.credentials import CredentialsError, kind_words, resolve_token_source
    from leadboard.cli.oauth_tokens import provider_for
    from leadboard.sync.errors import AuthFailed, GatewayError, MissingScopes, SignInAgain
    from leadboard.sync.hubspot import HubSpotGateway

    try:
        resolved = resolve_token_source(settings)
    except CredentialsError as exc:
        report.bad("token", str(exc))
        return None
    if resolved is None:
        report.bad("token", "none found: run `leadboard login` (or set HUBSPOT_ACCESS_TOKEN)")
        return None
    report.ok("token", f"{kind_words(resolved.kind)}, from {resolved.source}")
    provider = provider_for(settings, resolved)
    if resolved.oauth is not None:
        try:
            provider.bearer()  # refreshed now if it has expired, so the checks below use a live one
        except SignInAgain as exc:
            report.bad("token accepted", str(exc))
            return None
        except GatewayError as exc:
            report.bad("token accepted", f"could not refresh the access token at {settings.portal}: {exc}")
            return None
        _check_sign_in(settings, provider, report)
    gateway = HubSpotGateway(
        settings.portal,
        provider,
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
            "Run `leadboard login` (or `leadboard login --with-token` with a new service key).",
        )
        return None
    except MissingScopes:
        pass  # the token is valid; which scopes are missing is the next check's business
    except GatewayError as exc:
        report.bad("token accepted", f"could not ask {settings.portal}: {exc}")
        return None
    report.ok("token accepted", f"by {settings.portal}")
    return gateway


def _check_sign_in(settings: Settings, provider: object, report: Report) -> None:
    """A sign-in: who, which portal, the scopes granted against those needed, when the token expires."""
    import time

    from leadboard.cli.oauth_tokens import OAuthTokens, endpoints_for
    from leadboard.sync.errors import GatewayError
    from leadboard.time_words import within

    if not isinstance(provider, OAuthTokens):
        return
    credential = provider.credential
    report.ok("signed in as", f"{credential.who}, HubSpot user {credential.user_id}")
    try:
        info = endpoints_for(settings, credential.client_id).introspect(credential.access_token)
    except GatewayError as exc:
        report.bad("scopes granted", f"could not ask HubSpot about the token: {exc}")
        return
    granted = info.scopes or credential.scopes
    lacking = missing_scopes(granted)
    if lacking:
        report.bad(
            "scopes granted",
            f"the sign-in lacks {', '.join(lacking)}: an admin adds them to leadboard's app in HubSpot, "
            "then run `leadboard login` again",
        )
    else:
        report.ok("scopes granted", f"all {len(granted)} leadboard needs ({', '.join(sorted(granted))})")
    from datetime import timedelta

    left = credential.expires_at - time.time()
    report.ok(
        "access token",
        f"expires {within(timedelta(seconds=max(0, round(left))))}; refreshed automatically"
        if info.active
        else "expired; it is refreshed on the next request",
    )


def _check_op_id_property(gateway: HubSpotGateway, report: Report) -> None:
    """leadboard's hidden op id property, which every create needs (sync/creates.py)."""
    from leadboard.op_markers import OP_ID_PROPERTY
    from leadboard.sync.errors import NOT_SET_UP, GatewayError, NotFound
    from leadboard.sync.hubspot import OP_ID_OBJECT_TYPES
    from leadboard.sync.scopes import OPTIONAL_SCOPES

    missing: list[str] = []
    for object_type in OP_ID_OBJECT_TYPES:
        try:
            gateway.property_definition(object_type, OP_ID_PROPERTY)
        except NotFound:
            missing.append(object_type)
        except GatewayError as exc:
            report.skip("op id property", f"could not be read ({exc})")
            return
    if not missing:
        report.ok("op id property", f"{OP_ID_PROPERTY} (hidden) is on {', '.join(OP_ID_OBJECT_TYPES)}")
        return
    report.bad(
        "op id property",
        f"{NOT_SET_UP} ({OP_ID_PROPERTY} is not on {', '.join(missing)}; creating it needs "
        f"{' and '.join(OPTIONAL_SCOPES)} and the permission to edit properties). Your notes, calls, "
        "tasks and deals wait until then; nothing is lost.",
    )


def _check_portal(
    gateway: HubSpotGateway, settings: Settings, report: Report, signed_in: OAuthCredential | None = None
) -> None:
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

    if signed_in is not None and signed_in.user_id is not None:
        user_id = signed_in.user_id
        owner = probe("owner", lambda: gateway.owner_by_user_id(user_id))
        if owner is not None:
            report.ok("owner", f"HubSpot user {user_id} is owner {owner.id} ({owner.name})")
    elif settings.email:
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
            f"add {'; '.join(missing)} to the key (or leadboard's app) in HubSpot, then run "
            "`leadboard doctor` again",
        )
    elif signed_in is not None:
        report.ok("scopes", "every read leadboard makes answered (the grant is checked above)")
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
