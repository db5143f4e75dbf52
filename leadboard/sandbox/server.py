"""The sandbox's HTTP server: HubSpot's routes and the admin path as one ASGI app for uvicorn.

`create_app` puts the Starlette apps behind the `FrontDoor` (auth, limits, faults, request log).
runner.py serves this app (`running_sandbox`, and `serve_forever` for `leadboard sandbox`).
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from leadboard.sandbox.admin import AdminError, admin_error, admin_routes, is_loopback
from leadboard.sandbox.context import SandboxContext
from leadboard.sandbox.front_door import FrontDoor
from leadboard.sandbox.hubspot_errors import HubSpotError, error_body
from leadboard.sandbox.oauth_routes import oauth_routes
from leadboard.sandbox.routes import hubspot_routes, json_response

logger = logging.getLogger("leadboard.sandbox")


async def _hubspot_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubSpotError)
    response = json_response(exc.status, exc.body)
    response.headers.update(exc.headers)
    return response


async def _route_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods, in HubSpot's error shape rather than Starlette's plain text."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        body = error_body(f"Method {request.method} is not allowed on {request.url.path}", "VALIDATION_ERROR")
    elif exc.status_code == 404:
        body = error_body(
            f"Unable to route {request.method} {request.url.path}: resource not found", "OBJECT_NOT_FOUND"
        )
    else:
        body = error_body(str(exc.detail), "VALIDATION_ERROR")
    response = json_response(exc.status_code, body)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _admin_route_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, AdminError):
        return admin_error(exc.status, exc.message)
    assert isinstance(exc, HTTPException)
    return admin_error(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}")


class _LoopbackOnly:
    """The admin path needs no token, so it answers only callers on this machine."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if not is_loopback(request):
            await admin_error(403, "the sandbox admin path only answers loopback clients")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def create_app(context: SandboxContext) -> FrontDoor:
    """The ASGI app for one sandbox: HubSpot's API plus `/_sandbox/`, sharing `context`."""
    api = Starlette(
        routes=hubspot_routes(context.portal),
        exception_handlers={HubSpotError: _hubspot_error, HTTPException: _route_error},
    )
    api.router.redirect_slashes = False  # HubSpot answers 404, not a redirect, for a stray slash
    admin = Starlette(
        routes=admin_routes(context),
        exception_handlers={AdminError: _admin_route_error, HTTPException: _admin_route_error},
    )
    admin.router.redirect_slashes = False
    oauth = Starlette(
        routes=oauth_routes(context.portal, context.oauth), exception_handlers={HTTPException: _route_error}
    )
    oauth.router.redirect_slashes = False
    return FrontDoor(context, api, _LoopbackOnly(admin), oauth)


__all__ = ["create_app"]
