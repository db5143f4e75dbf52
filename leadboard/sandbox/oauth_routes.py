"""HTTP for the sandbox's OAuth: the authorize page (plain HTML, no JavaScript) and the token endpoints.

HubSpot serves the page at app.hubspot.com/oauth/authorize; the sandbox serves it on its own host.
The page lists the portal's users by email; Connect redirects (303) to the app's `redirect_uri`
with `code` and `state`, Deny with `error=access_denied` and `state`. An unknown client id or
redirect URI gets a 400 page and no redirect, since the redirect target cannot be trusted.
Every value the caller supplied is HTML-escaped before it is echoed.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from leadboard.sandbox.oauth import Grant, OAuthError, OAuthServer
from leadboard.sandbox.portal import Portal
from leadboard.sandbox.users import PortalUser, find_user, may_grant, portal_users
from leadboard.sandbox.wire import JSON_CONTENT_TYPE, dump_json

OAUTH_PREFIX = "/oauth/"
_CARRIED = (
    "client_id",
    "redirect_uri",
    "scope",
    "optional_scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


class _PageError(Exception):
    """The request cannot be redirected back; show this message on a 400 page."""


def _json(status: int, value: object) -> Response:
    return Response(dump_json(value), status_code=status, media_type=JSON_CONTENT_TYPE)


def _oauth_error(exc: OAuthError) -> Response:
    return _json(exc.status, exc.body())


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _error_page(message: str) -> HTMLResponse:
    return _page("Authorization failed", f"<p>{escape(message)}</p>", status=400)


def _with_query(uri: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _checked(server: OAuthServer, params: Mapping[str, str]) -> None:
    """Refuse (page, no redirect) a client or redirect URI the portal does not know."""
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    if not client_id or client_id != server.client.client_id:
        raise _PageError(f"Unknown client_id {client_id!r}: no app with this id is installed in the portal.")
    if not redirect_uri or not server.client.accepts(redirect_uri):
        raise _PageError(f"The redirect_uri {redirect_uri!r} is not registered for this app.")


def _scopes(params: Mapping[str, str]) -> tuple[str, ...]:
    words = f"{params.get('scope', '')} {params.get('optional_scope', '')}".split()
    return tuple(dict.fromkeys(words))


def _granted(params: Mapping[str, str], user: PortalUser) -> tuple[str, ...]:
    """The required scopes, plus each optional one the user's permissions cover (HubSpot leaves the
    others out silently: the install still succeeds)."""
    required = params.get("scope", "").split()
    optional = [s for s in params.get("optional_scope", "").split() if may_grant(user, s)]
    return tuple(dict.fromkeys(required + optional))


def _form_page(params: Mapping[str, str], users: list[PortalUser]) -> HTMLResponse:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{escape(params.get(name, ""))}">'
        for name in _CARRIED
        if params.get(name)
    )
    choices = "\n".join(
        f'<p><label><input type="radio" name="user_id" value="{u.user_id}"{" checked" if i == 0 else ""}> '
        f"{escape(u.email)} ({escape(u.name)})</label></p>"
        for i, u in enumerate(users)
    )
    required = params.get("scope", "").split()
    scopes = "".join(
        f"<li>{escape(s)}{'' if s in required else ' (optional: only if your permissions allow it)'}</li>"
        for s in _scopes(params)
    )
    body = (
        f"<p>The app <strong>{escape(params.get('client_id', ''))}</strong> asks to act as you in this "
        f"portal, with these scopes:</p>\n<ul>{scopes}</ul>\n"
        '<form method="post" action="/oauth/authorize">\n'
        f"{hidden}\n<fieldset><legend>Who are you?</legend>\n{choices}\n</fieldset>\n"
        '<button type="submit" name="decision" value="connect">Connect</button>\n'
        '<button type="submit" name="decision" value="deny">Deny</button>\n</form>'
    )
    return _page("Connect an app to the sandbox portal", body)


def oauth_routes(portal: Portal, server: OAuthServer) -> list[BaseRoute]:
    """The authorize page and HubSpot's 2026-09 token endpoints."""

    async def authorize_page(request: Request) -> Response:
        params = dict(request.query_params)
        try:
            _checked(server, params)
        except _PageError as exc:
            return _error_page(str(exc))
        redirect_uri, state = params["redirect_uri"], params.get("state", "")
        method = params.get("code_challenge_method", "")
        if params.get("code_challenge") and method != "S256":
            return _redirect(redirect_uri, {"error": "invalid_request", "state": state})
        if not _scopes(params):
            return _redirect(redirect_uri, {"error": "invalid_scope", "state": state})
        return _form_page(params, portal_users(portal))

    async def authorize_decision(request: Request) -> Response:
        params = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        try:
            _checked(server, params)
        except _PageError as exc:
            return _error_page(str(exc))
        redirect_uri, state = params["redirect_uri"], params.get("state", "")
        if params.get("decision") != "connect":
            return _redirect(redirect_uri, {"error": "access_denied", "state": state})
        user_id = params.get("user_id", "")
        user = find_user(portal, int(user_id)) if user_id.isdigit() else None
        if user is None:
            return _error_page("Pick one of the portal's users.")
        grant = Grant(server.client.client_id, user.user_id, user.email, _granted(params, user))
        challenge = params.get("code_challenge") or None
        code = server.issue_code(grant, redirect_uri, challenge)
        return _redirect(redirect_uri, {"code": code, "state": state})

    async def token(request: Request) -> Response:
        try:
            return _json(200, server.token(await _form(request)))
        except OAuthError as exc:
            return _oauth_error(exc)

    async def introspect(request: Request) -> Response:
        try:
            return _json(200, server.introspect(await _form(request)))
        except OAuthError as exc:
            return _oauth_error(exc)

    async def revoke(request: Request) -> Response:
        try:
            server.revoke(await _form(request))
        except OAuthError as exc:
            return _oauth_error(exc)
        return Response(status_code=200)

    return [
        Route("/oauth/authorize", authorize_page, methods=["GET"]),
        Route("/oauth/authorize", authorize_decision, methods=["POST"]),
        Route("/oauth/2026-09/token", token, methods=["POST"]),
        Route("/oauth/2026-09/token/introspect", introspect, methods=["POST"]),
        Route("/oauth/2026-09/token/revoke", revoke, methods=["POST"]),
    ]


def _redirect(redirect_uri: str, params: dict[str, str]) -> Response:
    return RedirectResponse(
        _with_query(redirect_uri, {k: v for k, v in params.items() if v}), status_code=303
    )


async def _form(request: Request) -> dict[str, str]:
    """A form body (`application/x-www-form-urlencoded`), as HubSpot's token endpoints take."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


__all__ = ["OAUTH_PREFIX", "oauth_routes"]
