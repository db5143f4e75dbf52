"""Fixtures for the sandbox's contract tests: a small running portal, the real client, and a spec check.

In every `test_contract_*` module, each response the sandbox served during a test is validated
against HubSpot's OpenAPI files after the test, so no endpoint can drift from HubSpot's shapes
unnoticed even when the test itself only looks at a few fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.discovery.discovery_base import DiscoveryBase

from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from tests.sandbox.openapi_contract import SpecIndex

# Seconds; the client has no default timeout, and a hung sandbox must fail a test, not hang the suite.
REQUEST_TIMEOUT = 10.0

# Small but complete: several owners, the demo rep's open leads, others' leads, no search lag.
SMALL_PORTAL = {"seed": 7, "rep_leads": 24, "owners": 3, "other_leads": 36, "search_lag": 0.0}


class SandboxRegistry:
    """Every sandbox the contract tests talk to, and how much of each request log was already checked."""

    def __init__(self) -> None:
        self.handles: dict[int, SandboxHandle] = {}
        self.marks: dict[int, int] = {}
        self.retired: set[int] = set()
        self.validated = 0

    def add(self, handle: SandboxHandle) -> None:
        self.handles[id(handle)] = handle
        self.marks.setdefault(id(handle), 0)

    def remove(self, handle: SandboxHandle) -> None:
        self.handles.pop(id(handle), None)
        self.marks.pop(id(handle), None)

    def retire(self, handle: SandboxHandle) -> None:
        """A per-test sandbox has stopped; keep its log until the check after the test has read it."""
        self.retired.add(id(handle))

    def purge_retired(self) -> None:
        for key in self.retired:
            self.handles.pop(key, None)
            self.marks.pop(key, None)
        self.retired.clear()

    def problems(self, specs: SpecIndex) -> list[str]:
        """Validate what each sandbox served since the last check (module fixtures' calls included)."""
        found: list[str] = []
        for key, handle in self.handles.items():
            log = handle.request_log()
            for record in log[self.marks.get(key, 0) :]:
                found.extend(specs.problems(record, handle.base_url))
                self.validated += 1
            self.marks[key] = len(log)
        return found


_REGISTRY = SandboxRegistry()


def portal_settings(**overrides: Any) -> PortalSettings:
    return PortalSettings(**{**SMALL_PORTAL, **overrides})


@pytest.fixture(scope="session")
def contract_specs(hubspot_specs_dir: Path) -> SpecIndex:
    """HubSpot's spec files, parsed once per session."""
    return SpecIndex.load(hubspot_specs_dir)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    """One small portal per test module, limits off (B's tests cover limits)."""
    with running_sandbox(portal_settings(), rate_limits=False) as handle:
        _REGISTRY.add(handle)
        try:
            yield handle
        finally:
            _REGISTRY.remove(handle)


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., SandboxHandle]]:
    """Start an extra sandbox with other settings (lag, size) for one test; stopped after it."""
    with ExitStack() as stack:
        started: list[SandboxHandle] = []

        def start(**overrides: Any) -> SandboxHandle:
            handle = stack.enter_context(running_sandbox(portal_settings(**overrides), rate_limits=False))
            _REGISTRY.add(handle)
            started.append(handle)
            return handle

        try:
            yield start
        finally:
            for handle in started:
                _REGISTRY.retire(handle)


def _factory_with_timeout(api_client_package: Any, api_name: str, config: dict[str, Any]) -> Any:
    """HubSpot's own api factory, plus a default request timeout on every call."""
    api = DiscoveryBase._default_api_factory(api_client_package, api_name, config)
    rest = api.api_client.rest_client
    send = rest.request

    def request(*args: Any, _request_timeout: Any = None, **kwargs: Any) -> Any:
        return send(*args, _request_timeout=_request_timeout or REQUEST_TIMEOUT, **kwargs)

    rest.request = request
    return api


def make_client(handle: SandboxHandle, token: str | None = None) -> Any:
    """The real hubspot-api-client, pointed at the sandbox with `host=`."""
    return HubSpot(
        access_token=token or handle.token,
        host=handle.base_url,
        api_factory=_factory_with_timeout,
    )


@pytest.fixture
def client(sandbox: SandboxHandle) -> Any:
    return make_client(sandbox)


@pytest.fixture(autouse=True)
def every_response_matches_the_specs(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each contract test, validate every response any sandbox served during it."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    if not module.startswith("test_contract_") or module == "test_contract_harness":
        yield
        return
    specs: SpecIndex = request.getfixturevalue("contract_specs")
    _REGISTRY.purge_retired()
    yield
    problems = _REGISTRY.problems(specs)
    _REGISTRY.purge_retired()
    if problems:
        shown = "\n".join(problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        pytest.fail(
            f"{len(problems)} sandbox response(s) do not match HubSpot's specs:\n{shown}{more}", pytrace=False
        )


@pytest.fixture(scope="module")
def module_client(sandbox: SandboxHandle) -> Any:
    """One client per module for module-scoped lookups."""
    return make_client(sandbox)


@pytest.fixture(scope="module")
def rep_owner_id(sandbox: SandboxHandle, module_client: Any) -> str:
    """The demo rep's owner id, found the way the board finds it: owners?email=."""
    page = module_client.crm.owners.owners_api.get_page(email=sandbox.rep_email)
    assert page is not None and len(page.results) == 1, "the demo rep's email must find exactly one owner"
    return str(page.results[0].id)


@pytest.fixture(scope="module")
def contact_ids(module_client: Any) -> list[str]:
    """A few existing contacts to associate new records with."""
    page = module_client.crm.contacts.basic_api.get_page(limit=5)
    assert page is not None and len(page.results) >= 3, "the small portal must seed some contacts"
    return [str(c.id) for c in page.results]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many sandbox responses were checked against the specs, so a vacuous run shows."""
    if _REGISTRY.validated:
        terminalreporter.write_line(
            f"sandbox contract: {_REGISTRY.validated} responses validated against HubSpot's specs"
        )
