"""Validate recorded sandbox exchanges against HubSpot's official OpenAPI files.

The sandbox is only useful if the real client cannot tell it from HubSpot, so every response it
serves is checked against the spec files in ../shared/hubspot-specs (read in place, never copied).

Three wrinkles the harness absorbs, so tests can hand it the raw request log:
- The specs' only server is https://api.hubapi.com; the sandbox runs on loopback. We strip the
  sandbox's base URL and validate the path as if it had been sent to HubSpot.
- Several files define the same path (leads-v3 and the generic objects-v3 both match
  /crm/v3/objects/leads/{id}); the most concrete template wins, and on a tie any file may accept.
- The client and the spec files disagree on a few spellings of the same endpoint (the trailing
  slash on /crm/v3/owners/, /crm/v4/associations/…/labels vs /crm/associations/v4/…/labels, and
  /crm/v3/objects/deals vs the deals file's /crm/v3/objects/0-3); ALIASES maps them.
- The date-versioned paths (`/crm/objects/2026-09/…`) are checked against the files in
  hubspot-specs/2026-09/. HubSpot's `2026-03` has the same shapes and only a leads file here, so
  every other `2026-03` path is checked as its `2026-09` twin.

`/calling/v1/dispositions` has no spec file; its shape is checked against the research notes
(a bare JSON array of {id, label, deleted}). The sandbox's own admin path (/_sandbox/) is not
HubSpot's API and is skipped.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

HUBSPOT_SERVER = "https://api.hubapi.com"

# The files covering every endpoint the sandbox serves (see hubspot-specs/SOURCES.md).
SPEC_FILES = (
    "crm-leads-v3.json",
    "crm-leads-2026-03.json",
    "crm-contacts-v3.json",
    "crm-companies-v3.json",
    "crm-deals-v3.json",
    "crm-notes-v3.json",
    "crm-calls-v3.json",
    "crm-tasks-v3.json",
    "crm-objects-v3.json",
    "crm-associations-v4.json",
    "crm-associations-schema-v4.json",
    "crm-owners-v3.json",
    "crm-pipelines-v3.json",
    "crm-properties-v3.json",
    "account-info-v3.json",
    "auth-oauth-v1.json",
    *(
        f"2026-09/{name}-2026-09.json"
        for name in (
            "crm-leads",
            "crm-contacts",
            "crm-companies",
            "crm-deals",
            "crm-notes",
            "crm-calls",
            "crm-tasks",
            "crm-objects",
            "crm-associations",
            "crm-associations-schema",
            "crm-owners",
            "crm-pipelines",
            "crm-properties",
            "account-info",
            "auth-oauth",
        )
    ),
)

# Client spelling → spec spelling of the same HubSpot endpoint.
ALIASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^/crm/v4/associations/([^/]+)/([^/]+)/labels(/.*)?$"),
        r"/crm/associations/v4/\1/\2/labels\3",
    ),
    (re.compile(r"^/crm/v3/objects/deals(/.*)?$"), r"/crm/v3/objects/0-3\1"),
    # 2026-03 has the same shapes as 2026-09; only its leads file is here.
    (re.compile(r"^/crm/objects/2026-03(?!/leads(?:/|$))(/.*)?$"), r"/crm/objects/2026-09\1"),
    (
        re.compile(
            r"^/(crm/associations|crm/owners|crm/pipelines|crm/properties|account-info)/2026-03(/.*)?$"
        ),
        r"/\1/2026-09\2",
    ),
)

DISPOSITIONS_PATH = "/calling/v1/dispositions"
ADMIN_PREFIX = "/_sandbox/"
# The stored 2026-09 auth spec declares only `default` (Error) for these; their success answers
# (RFC 6749's token response, revoke's empty 200) have no schema there. Their errors are still checked.
UNDECLARED_SUCCESS = frozenset({("post", "/oauth/2026-09/token"), ("post", "/oauth/2026-09/token/revoke")})
# HubSpot serves the authorize page to browsers at app.hubspot.com, outside its API specs.
AUTHORIZE_PAGE = "/oauth/authorize"
# Injected faults after which the client receives no HTTP response to validate.
DROPPED = frozenset({"drop_before", "drop_after_commit"})

_PARAM = re.compile(r"\{[^}/]+\}")


class RecordedExchange(Protocol):
    """What the harness needs from a request-log entry (the runner's RequestRecord fits)."""

    method: str
    path: str
    query: str
    status: int
    request_body: bytes
    response_body: bytes
    response_headers: dict[str, str]


@dataclass(frozen=True)
class Exchange:
    """A request/response pair built by hand (tests of the harness, urllib3 calls)."""

    method: str
    path: str
    status: int
    response_body: bytes = b""
    response_headers: Mapping[str, str] | None = None
    query: str = ""
    request_body: bytes = b""


class ContractViolation(AssertionError):
    """A response the real HubSpot could not have sent."""


@dataclass(frozen=True)
class Route:
    """One (method, path template) of one spec file."""

    spec_file: str
    method: str
    template: str
    regex: re.Pattern[str]
    params: int
    responses: Mapping[str, Any]


def _template_regex(template: str) -> re.Pattern[str]:
    literals = _PARAM.split(template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in literals) + "$")


def _json_body(value: bytes, **_params: str) -> Any:
    return json.loads(value)


_STRING_OR_INTEGER: dict[str, Any] = {"oneOf": [{"type": "string"}, {"type": "integer"}]}

# Where HubSpot's documented wire differs from its own spec files, the harness accepts the documented
# form too (and only that field). Each entry: (schema, field, replacement, source).
KNOWN_SPEC_GAPS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    (
        "AssociationSpecWithLabel",
        "label",
        {"type": "string", "nullable": True},
        'associations guide examples: unlabelled types come back as "label": null (research §5)',
    ),
    (
        "MultiAssociatedObjectWithLabel",
        "toObjectId",
        _STRING_OR_INTEGER,
        "associations guide examples: toObjectId is a JSON number (research §5)",
    ),
    (
        "LabelsBetweenObjectPair",
        "toObjectId",
        _STRING_OR_INTEGER,
        "associations guide: the labelled PUT answers with numeric object ids (research §5)",
    ),
    (
        "LabelsBetweenObjectPair",
        "fromObjectId",
        _STRING_OR_INTEGER,
        "associations guide: the labelled PUT answers with numeric object ids (research §5)",
    ),
)
# Also: requested-but-empty CRM properties come back as null (leads guide; real search responses,
# research §0), while the specs type every `properties` value as a plain string. Values stay strings
# or null: a number is still refused.


def _normalise_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Adapt a spec file to what openapi-core needs and to HubSpot's documented wire (KNOWN_SPEC_GAPS).

    Empty `content: {}` maps (a 204's "no body") are dropped, since openapi-core reads them as
    "a body is required".
    """
    spec = copy.deepcopy(spec)
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                if response.get("content") == {}:
                    del response["content"]
    schemas = spec.get("components", {}).get("schemas", {})
    for schema in schemas.values():
        values = schema.get("properties", {}).get("properties", {})
        if values.get("type") == "object" and values.get("additionalProperties", {}).get("type") == "string":
            values["additionalProperties"] = {"type": "string", "nullable": True}
    for schema_name, field_name, replacement, _source in KNOWN_SPEC_GAPS:
        fields = schemas.get(schema_name, {}).get("properties", {})
        if field_name in fields:
            fields[field_name] = dict(replacement)
    return spec


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def api_path(path: str, base_url: str | None = None) -> str:
    """The HubSpot path of a logged request: base URL and query stripped, aliases applied."""
    if base_url and path.startswith(base_url):
        path = path[len(base_url) :]
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0] or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    for pattern, replacement in ALIASES:
        if pattern.match(path):
            return pattern.sub(replacement, path)
    return path


class SpecIndex:
    """HubSpot's spec files, loaded once, indexed by (method, path template)."""

    def __init__(self, specs: Mapping[str, dict[str, Any]]) -> None:
        config = Config(extra_media_type_deserializers={"*/*": _json_body})
        self._apis: dict[str, OpenAPI] = {}
        self._routes: list[Route] = []
        for name, raw in specs.items():
            spec = _normalise_spec(raw)
            self._apis[name] = OpenAPI.from_dict(spec, config=config)
            for template, item in spec["paths"].items():
                regex = _template_regex(template)
                for method, operation in item.items():
                    if isinstance(operation, dict) and "responses" in operation:
                        self._routes.append(
                            Route(
                                spec_file=name,
                                method=method.upper(),
                                template=template,
                                regex=regex,
                                params=len(_PARAM.findall(template)),
                                responses=operation["responses"],
                            )
                        )

    @classmethod
    def load(cls, specs_dir: Path, files: Iterable[str] = SPEC_FILES) -> SpecIndex:
        specs: dict[str, dict[str, Any]] = {}
        for name in files:
            path = specs_dir / name
            if not path.is_file():
                raise FileNotFoundError(f"HubSpot spec file {name} is missing from {specs_dir}")
            specs[name] = json.loads(path.read_text(encoding="utf-8"))
        return cls(specs)

    def routes_for(self, method: str, path: str) -> list[Route]:
        """The most concrete matching routes (fewest path parameters); several files may tie."""
        matches = [r for r in self._routes if r.method == method.upper() and r.regex.match(path)]
        if not matches:
            return []
        fewest = min(r.params for r in matches)
        return [r for r in matches if r.params == fewest]

    def problems(self, exchange: RecordedExchange | Exchange, base_url: str | None = None) -> list[str]:
        """Why this response could not have come from HubSpot; empty when it validates."""
        path = api_path(exchange.path, base_url)
        label = f"{exchange.method.upper()} {exchange.path} → {exchange.status}"
        if path.startswith(ADMIN_PREFIX.rstrip("/")) or path == AUTHORIZE_PAGE:
            return []
        if getattr(exchange, "fault", None) in DROPPED:
            return []  # the connection was closed: the client saw no response at all
        if path == DISPOSITIONS_PATH:
            return [f"{label}: {p}" for p in dispositions_problems(exchange)]
        routes = self.routes_for(exchange.method, path)
        if not routes:
            return [f"{label}: no HubSpot spec file defines {exchange.method.upper()} {path}"]
        failures: list[str] = []
        for route in routes:
            found = self._route_problems(route, path, exchange)
            if not found:
                return []
            failures.extend(f"{label} [{route.spec_file} {route.template}]: {p}" for p in found)
        return failures

    def check(self, exchange: RecordedExchange | Exchange, base_url: str | None = None) -> None:
        found = self.problems(exchange, base_url)
        if found:
            raise ContractViolation("\n".join(found))

    def _route_problems(self, route: Route, path: str, exchange: RecordedExchange | Exchange) -> list[str]:
        status = str(exchange.status)
        declared = sorted(k for k in route.responses if k != "default")
        if status not in route.responses:
            if (
                exchange.status < 300
                and not declared
                and (exchange.method.lower(), path) in UNDECLARED_SUCCESS
            ):
                return []  # the stored spec gives this endpoint no success schema to check against
            if exchange.status < 400:
                return [f"status {status} is not declared; the spec declares {', '.join(declared) or 'none'}"]
            if "default" not in route.responses:
                return [f"error status {status} is not declared and there is no default response"]
        response_spec = route.responses.get(status, route.responses.get("default", {}))
        body = exchange.response_body or b""
        content_type = _header(exchange.response_headers, "content-type") or ""
        if "content" not in response_spec and "$ref" not in response_spec:
            return (
                []
                if not body
                else [f"status {status} has no body in the spec, but {len(body)} bytes came back"]
            )
        if not body:
            return [f"status {status} must carry a JSON body, got none"]
        if not content_type.lower().startswith("application/json"):
            return [f"Content-Type is {content_type!r}, expected application/json"]
        try:
            json.loads(body)
        except ValueError as exc:
            return [f"body is not JSON ({exc}): {body[:200]!r}"]
        request = MockRequest(HUBSPOT_SERVER, exchange.method.lower(), path, path_pattern=route.template)
        response = MockResponse(body, status_code=exchange.status, content_type=content_type)
        errors = list(self._apis[route.spec_file].iter_response_errors(request, response))
        return [_describe(e) for e in errors]


def _describe(error: Exception) -> str:
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        details = getattr(cause, "schema_errors", None)
        if details:
            parts.extend(f"  - {getattr(d, 'json_path', '')}: {getattr(d, 'message', d)}" for d in details)
        cause = cause.__cause__
    return "\n".join(parts)


def dispositions_problems(exchange: RecordedExchange | Exchange) -> list[str]:
    """`/calling/v1/dispositions` is outside the specs: a bare array of {id, label, deleted} (research §6)."""
    if exchange.status >= 400:
        return []
    if exchange.status != 200:
        return [f"expected 200, got {exchange.status}"]
    try:
        data = json.loads(exchange.response_body)
    except ValueError as exc:
        return [f"body is not JSON ({exc})"]
    if not isinstance(data, list):
        return [f"expected a bare JSON array, got {type(data).__name__}"]
    problems: list[str] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(f"[{index}] is not an object")
            continue
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"[{index}].id must be a non-empty string, got {item.get('id')!r}")
        if not isinstance(item.get("label"), str) or not item["label"]:
            problems.append(f"[{index}].label must be a non-empty string, got {item.get('label')!r}")
        if not isinstance(item.get("deleted"), bool):
            problems.append(f"[{index}].deleted must be a boolean, got {item.get('deleted')!r}")
    return problems
