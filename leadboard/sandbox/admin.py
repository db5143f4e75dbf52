"""The sandbox's own admin path under `/_sandbox/`: not HubSpot's API, and only for loopback callers.

Tests, benchmarks and the demo use it (or the same operations on `SandboxHandle` in Python) to reset
the portal, read or clear the request log, arm faults, manage tokens and set an admin's write rules.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from leadboard.sandbox.catalog import TYPE_IDS
from leadboard.sandbox.context import SandboxContext
from leadboard.sandbox.wire import JSON_CONTENT_TYPE, dump_json
from leadboard.sandbox.write_rules import RuleError

_FAULT_KEYS = frozenset({"kind", "method", "path", "times", "seconds", "status", "body", "headers"})


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def admin_response(status: int, value: Any) -> Response:
    return Response(dump_json(value), status_code=status, media_type=JSON_CONTENT_TYPE)


def admin_error(status: int, message: str) -> Response:
    return admin_response(status, {"status": "error", "message": message})


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        value = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AdminError(400, f"invalid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise AdminError(400, "expected a JSON object")
    return value


def is_loopback(request: Request) -> bool:
    client = request.client
    if client is None:
        return False
    try:
        return ipaddress.ip_address(client.host).is_loopback
    except ValueError:
        return False


def admin_routes(context: SandboxContext) -> list[BaseRoute]:
    """The `/_sandbox/` routes for one running sandbox."""

    async def reset(request: Request) -> Response:
        context.portal.reset()
        context.on_write()
        return admin_response(200, {"status": "ok"})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            context.log.clear()
            return Response(status_code=204)
        return admin_response(200, {"results": [record.to_json() for record in context.log.snapshot()]})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            context.faults.clear()
            return Response(status_code=204)
        if request.method == "POST":
            spec = await _json_object(request)
            unknown = set(spec) - _FAULT_KEYS
            if unknown:
                raise AdminError(400, f"unknown fault fields: {sorted(unknown)}")
            if "kind" not in spec:
                raise AdminError(400, "a fault needs a kind")
            try:
                context.faults.inject(**spec)
            except (TypeError, ValueError) as exc:
                raise AdminError(400, str(exc)) from exc
            return admin_response(201, {"results": context.faults.pending()})
        return admin_response(200, {"results": context.faults.pending()})

    async def tokens(request: Request) -> Response:
        spec = await _json_object(request)
        token, scopes = spec.get("token"), spec.get("scopes")
        if not isinstance(token, str) or not token:
            raise AdminError(400, "token must be a non-empty string")
        if scopes is not None and not (isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)):
            raise AdminError(400, "scopes must be a list of strings or null")
        context.tokens.add(token, scopes)
        return admin_response(201, {"token": token, "scopes": scopes})

    async def revoke(request: Request) -> Response:
        context.tokens.revoke(request.path_params["token"])
        return Response(status_code=204)

    async def rules(request: Request) -> Response:
        """An admin's write rules (write_rules.py): list, add one, or clear them all."""
        portal_rules = context.portal.settings.rules
        if request.method == "DELETE":
            portal_rules.clear()
            return Response(status_code=204)
        if request.method == "POST":
            try:
                portal_rules.add_json(await _json_object(request))
            except RuleError as exc:
                raise AdminError(400, str(exc)) from exc
            return admin_response(201, {"results": portal_rules.to_json()})
        return admin_response(200, {"results": portal_rules.to_json()})

    async def live_step(request: Request) -> Response:
        """One live-mode event now: `{"event": name, "seed": n}` (see sandbox/live.py)."""
        spec = await _json_object(request)
        name, seed = spec.get("event"), spec.get("seed", 0)
        if not isinstance(name, str) or not isinstance(seed, int):
            raise AdminError(400, 'expected {"event": name, "seed": integer}')
        try:
            described = context.portal.live_event(name, seed)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from exc
        context.on_write()
        return admin_response(200, {"happened": described})

    async def info(request: Request) -> Response:
        portal = context.portal
        counts = {name: len(portal.objects(name)) for name in TYPE_IDS}
        return admin_response(
            200,
            {
                "baseUrl": context.base_url,
                "repEmail": portal.settings.rep_email,
                "repOwnerId": portal.rep_owner_id,
                "counts": counts,
                "rateLimits": context.budgets.limits.enabled,
            },
        )

    return [
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/requests", requests, methods=["GET", "DELETE"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/tokens", tokens, methods=["POST"]),
        Route("/_sandbox/tokens/{token}", revoke, methods=["DELETE"]),
        Route("/_sandbox/rules", rules, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/info", info, methods=["GET"]),
        Route("/_sandbox/live", live_step, methods=["POST"]),
    ]
