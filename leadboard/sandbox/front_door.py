"""The sandbox's front door: body limits, faults, auth, rate limits and the request log.

Every HTTP request to the sandbox passes `FrontDoor` before it reaches the portal's routes. (The
product's gateway to HubSpot, the client side of this conversation, is `leadboard.sync.hubspot`.)

It wraps the HubSpot routes (a Starlette app) as plain ASGI so that it can do what an ordinary
middleware can't: answer with exactly the bytes it logs, and drop a connection without a response
(before handling, or after the portal committed the write) the way a flaky network does.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadboard.sandbox.acting import acting_user_id
from leadboard.sandbox.context import SandboxContext
from leadboard.sandbox.faults import Fault, RequestRecord
from leadboard.sandbox.hubspot_errors import HubSpotError, error_body
from leadboard.sandbox.limits import rate_limit_body
from leadboard.sandbox.oauth_routes import OAUTH_PREFIX
from leadboard.sandbox.users import check_property_edit, check_record_edit, find_user
from leadboard.sandbox.wire import JSON_CONTENT_TYPE, dump_json, is_json_media_type

logger = logging.getLogger("leadboard.sandbox")

# The uvicorn protocol in runner.py puts the connection's transport here, so a fault can close it.
TRANSPORT_KEY = "leadboard.transport"
# The Starlette routes read the caller's scope set (None = all scopes) from here.
SCOPES_KEY = "leadboard.scopes"
# The HubSpot user id a user-level token acts as (None for an account-level token), for the log.
USER_KEY = "leadboard.user_id"

ADMIN_PREFIX = "/_sandbox"

_STATUS_CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    409: "CONFLICT",
    423: "LOCKED",
}

Response = tuple[int, list[tuple[str, str]], bytes]


class _ClientGone(Exception):
    """The client hung up before it finished sending the request."""


def is_search(method: str, path: str) -> bool:
    """A CRM search, on the numbered (`/crm/v3/objects/…`) or a dated (`/crm/objects/2026-09/…`) path."""
    on_objects = path.startswith("/crm/v3/objects/") or path.startswith("/crm/objects/")
    return method == "POST" and on_objects and path.rstrip("/").endswith("/search")


def is_write(method: str, path: str) -> bool:
    if method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    trimmed = path.rstrip("/")
    return not (trimmed.endswith("/search") or trimmed.endswith("/batch/read"))


class FrontDoor:
    """The ASGI app uvicorn serves: admin requests go to `admin`, the rest through the checks to `api`."""

    def __init__(self, context: SandboxContext, api: ASGIApp, admin: ASGIApp, oauth: ASGIApp) -> None:
        self.context = context
        self.api = api
        self.admin = admin
        self.oauth = oauth  # the authorize page and token endpoints: no bearer token, no budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            await self.admin(scope, receive, send)
            return
        try:
            body, too_large = await self._read_body(receive)
        except _ClientGone:
            return
        await self._serve_api(scope, receive, send, body, too_large)

    async def _serve_api(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, too_large: bool
    ) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        fault = self.context.faults.take(method, path)
        kind = fault.kind if fault is not None else None
        # Each request is logged before the client can see its outcome, so a test that just got an
        # answer (or a dropped connection) always finds that request in the log.
        if fault is not None and fault.kind == "drop_before":
            self._log(scope, body, (0, [], b""), kind)
            await _drop_connection(scope, receive, send)
            return
        if fault is not None and fault.kind == "status":
            response = _fault_response(fault)
        else:
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(fault.seconds)
            response = await self._handle(scope, body, too_large)
            status = response[0]
            if 200 <= status < 300 and is_write(method, path):
                self.context.on_write()
        if fault is not None and fault.kind == "drop_after_commit":
            # Logged with the answer the portal produced, which the client will never receive.
            self._log(scope, body, response, kind)
            await _drop_connection(scope, receive, send)
            return
        self._log(scope, body, response, kind)
        await _send_response(send, response)

    async def _read_body(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        limit = self.context.max_body_bytes
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if size > limit:
            return b"", True
        return b"".join(chunks), False

    async def _handle(self, scope: Scope, body: bytes, too_large: bool) -> Response:
        method: str = scope["method"]
        path: str = scope["path"]
        try:
            if too_large:
                limit = self.context.max_body_bytes
                raise HubSpotError(
                    413,
                    error_body(
                        f"The request body is larger than the limit of {limit} bytes.", "VALIDATION_ERROR"
                    ),
                )
            if path.startswith(OAUTH_PREFIX):
                return await self._call_api(scope, body, self.oauth)
            authorization = _header(scope, b"authorization")
            grant = self.context.oauth.access_grant(_bearer(authorization))
            granted: frozenset[str] | None
            app: str | None
            if grant is not None:
                token, granted, app = _bearer(authorization), frozenset(grant.scopes), grant.client_id
            else:
                token, granted = self.context.tokens.authenticate(authorization)
                app = None
            content_type = _header(scope, b"content-type")
            if body.strip() and method in ("POST", "PUT", "PATCH") and not is_json_media_type(content_type):
                shown = (content_type or "none").split(";", 1)[0].strip()[:80]
                raise HubSpotError(
                    415,
                    error_body(
                        f"Content type '{shown}' is not supported: send the body as application/json.",
                        "VALIDATION_ERROR",
                    ),
                )
            decision = self.context.budgets.check(token, search=is_search(method, path), app=app)
            if not decision.allowed:
                assert decision.rejected_body is not None
                return _json_response(429, decision.rejected_body, decision.rejection_headers())
            # An admin's association permission holds on every path a write can take (write_rules.py).
            self.context.portal.settings.rules.check_association_edit(token, method, path, body)
            user = find_user(self.context.portal, grant.user_id) if grant is not None else None
            scope[USER_KEY] = user.user_id if user is not None else None  # logged even when refused
            if user is not None and is_write(method, path):
                check_record_edit(self.context.portal, user, method, path, body)
                check_property_edit(user, granted, method, path)
            acting = acting_user_id.set(scope[USER_KEY])
            try:
                status, headers, content = await self._call_api({**scope, SCOPES_KEY: granted}, body)
            finally:
                acting_user_id.reset(acting)
            headers.extend(decision.headers.items())
            return status, headers, content
        except HubSpotError as exc:
            return _json_response(exc.status, exc.body, exc.headers)
        except Exception:
            logger.exception("Unexpected error while checking %s %s", method, path)
            return _json_response(500, error_body("internal error", "INTERNAL_ERROR"))

    async def _call_api(self, scope: Scope, body: bytes, app: ASGIApp | None = None) -> Response:
        """Run the Starlette routes, keeping their answer so we can add headers, log it or drop it."""
        delivered = False
        start: Message | None = None
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # nothing more will come; the routes never wait for it
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await (app or self.api)(scope, receive, send)
        except Exception:
            logger.exception("Unexpected error while handling %s %s", scope["method"], scope["path"])
            return _json_response(500, error_body("internal error", "INTERNAL_ERROR"))
        if start is None:
            logger.error("No response from the routes for %s %s", scope["method"], scope["path"])
            return _json_response(500, error_body("internal error", "INTERNAL_ERROR"))
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]
        return int(start["status"]), headers, b"".join(chunks)

    def _log(self, scope: Scope, body: bytes, response: Response, fault: str | None) -> None:
        status, headers, content = response
        self.context.log.append(
            RequestRecord(
                method=scope["method"],
                path=scope["path"],
                query=scope["query_string"].decode("latin-1"),
                status=status,
                request_body=body,
                response_body=content,
                response_headers=dict(headers),
                fault=fault,
                user_id=scope.get(USER_KEY),
            )
        )


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    content = dump_json(body)
    out = [("content-type", JSON_CONTENT_TYPE), ("content-length", str(len(content)))]
    out.extend((headers or {}).items())
    return status, out, content


def _fault_response(fault: Fault) -> Response:
    """The status a `status` fault asked for, with its body or HubSpot's usual body for that status."""
    headers = dict(fault.headers)
    if fault.body is not None:
        body = fault.body
    elif fault.status == 429:
        body = rate_limit_body("TEN_SECONDLY_ROLLING")
        headers.setdefault("Retry-After", "1")
    elif fault.status >= 500:
        body = error_body("internal error", "INTERNAL_ERROR")
    else:
        body = error_body(
            f"Injected error (HTTP {fault.status})", _STATUS_CATEGORIES.get(fault.status, "ERROR")
        )
    if fault.status in (204, 304):
        return fault.status, list(headers.items()), b""
    return _json_response(fault.status, body, headers)


async def _send_response(send: Send, response: Response) -> None:
    status, headers, content = response
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": content, "more_body": False})


async def _drop_connection(scope: Scope, receive: Receive, send: Send) -> None:
    """Close the TCP connection without a (complete) response, as a network failure would."""
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:
        # Not under our uvicorn protocol: promise a body and never send it; the server then closes.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
        return
    transport.close()
    # Wait for the server to notice, so it doesn't report "returned without a response".
    try:
        async with asyncio.timeout(5):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        logger.warning(
            "Connection for %s %s did not close after a drop fault", scope["method"], scope["path"]
        )


__all__ = ["ADMIN_PREFIX", "FrontDoor", "SCOPES_KEY", "TRANSPORT_KEY", "is_search", "is_write"]
