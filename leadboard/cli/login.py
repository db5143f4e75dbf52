"""`leadboard login`: the rep signs in as themselves through the company's user-level HubSpot app.

OAuth 2 authorization code with PKCE (S256) and a random `state`. The browser goes to the portal's
authorize page with a loopback redirect (`http://127.0.0.1:PORT/callback`, PORT as registered on
the app); a small HTTP server on that port waits for HubSpot's redirect, the code is exchanged, the
token introspected (user id and portal), and the user looked up among the owners: "Signed in as
NAME (portal ID)". With `--no-browser` (an SSH session) the URL is printed, and the redirect may
also be pasted on standard input (the whole address, its query, or the bare code).

Every way it can end without a sign-in (denied, a state that does not match, the time running out,
standard input closed) is one line on stderr and exit code 1; nothing is stored then.
"""

from __future__ import annotations

import base64
import hashlib
import queue
import secrets
import sys
import threading
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import click

from leadboard.cli.common import fail, one_line
from leadboard.cli.credentials import OAuthCredential, store_oauth
from leadboard.config import Settings
from leadboard.secret import Secret
from leadboard.sync.errors import GatewayError
from leadboard.sync.oauth import OAuthEndpoints, TokenGrant, authorize_url_for
from leadboard.sync.scopes import NEEDED_SCOPES, OPTIONAL_SCOPES

__all__ = ["LoginRequest", "complete_sign_in", "run_login"]

CALLBACK_PATH = "/callback"
#: How long the loopback server waits for the terminal side to finish before answering the browser.
PAGE_WAIT = 60.0
#: How long `leadboard login` waits for that answer to be sent before it exits (and takes the server with it).
REPLY_WAIT = 5.0


@dataclass(frozen=True)
class LoginRequest:
    """One sign-in attempt: PKCE verifier, state, and where HubSpot sends the browser back."""

    redirect_uri: str
    verifier: Secret = field(repr=False, default_factory=lambda: Secret(secrets.token_urlsafe(64)))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.get_secret_value().encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def authorize_url(self, settings: Settings) -> str:
        base = authorize_url_for(settings.portal, settings.auth.authorize_url)
        query = urlencode(
            {
                "client_id": settings.auth.client_id or "",
                "redirect_uri": self.redirect_uri,
                "scope": " ".join(NEEDED_SCOPES),
                # Granted only to a user who may grant them (an admin): what `leadboard setup` needs.
                "optional_scope": " ".join(OPTIONAL_SCOPES),
                "state": self.state,
                "code_challenge": self.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{base}{'&' if '?' in base else '?'}{query}"


@dataclass
class _Answer:
    """What came back (from the browser or pasted), and the page the browser is answered with."""

    params: dict[str, str]
    page: queue.Queue[str] = field(default_factory=lambda: queue.Queue(maxsize=1))
    #: Came from the browser's redirect (not pasted): its tab waits for `page`.
    via_browser: bool = False
    #: Set once the browser has its page, so the process does not exit while the reply is half sent.
    replied: threading.Event = field(default_factory=threading.Event)


class _Closed:
    """Standard input ended before an answer came."""


def _callback_handler(answers: queue.Queue[_Answer | _Closed]) -> type[BaseHTTPRequestHandler]:
    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            if parts.path != CALLBACK_PATH:
                self._reply(404, "Not found.")
                return
            answer = _Answer(dict(parse_qsl(parts.query, keep_blank_values=True)), via_browser=True)
            answers.put(answer)
            try:
                text = answer.page.get(timeout=PAGE_WAIT)
            except queue.Empty:
                text = "leadboard did not finish signing in; see your terminal."
            try:
                self._reply(200, text)
            finally:
                answer.replied.set()

        def _reply(self, status: int, text: str) -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the query holds the code, which belongs in no terminal or log."""

    return Callback


def _read_pasted(answers: queue.Queue[_Answer | _Closed]) -> None:
    """Lines pasted on stdin (SSH sessions): a redirect address, its query, or the bare code."""
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        answers.put(_Answer(_pasted_params(text)))
        return
    answers.put(_Closed())


def _pasted_params(text: str) -> dict[str, str]:
    if "://" in text:
        return dict(parse_qsl(urlsplit(text).query, keep_blank_values=True))
    if "=" in text:
        return dict(parse_qsl(text.lstrip("?"), keep_blank_values=True))
    return {"code": text}


def run_login(settings: Settings, *, open_browser: bool, timeout: float, port: int | None) -> None:
    """Sign the rep in; print who they are and where the sign-in is kept, or fail with one line."""
    if not settings.auth.configured:
        fail(
            "No HubSpot app to sign in with: set [auth] client_id and client_secret in the config file "
            "(or LEADBOARD_CLIENT_ID and LEADBOARD_CLIENT_SECRET), as your HubSpot admin gave them; "
            "or store a service key with `leadboard login --with-token`."
        )
    answers: queue.Queue[_Answer | _Closed] = queue.Queue()
    wanted = settings.auth.redirect_port if port is None else port
    try:
        server = ThreadingHTTPServer(("127.0.0.1", wanted), _callback_handler(answers))
    except OSError as exc:
        fail(
            f"Cannot listen on 127.0.0.1:{wanted} for HubSpot's redirect ({exc.strerror or exc}): "
            "close what uses that port, or set [auth] redirect_port to the port registered on the app."
        )
    server.daemon_threads = True
    request = LoginRequest(redirect_uri=f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}")
    url = request.authorize_url(settings)
    threading.Thread(target=server.serve_forever, name="leadboard-login", daemon=True).start()
    try:
        if open_browser and webbrowser.open(url):
            click.echo("Opened your browser to sign in to HubSpot. If it did not open, visit:", err=True)
            click.echo(url, err=True)
        else:
            click.echo("Open this address in a browser to sign in to HubSpot:")
            click.echo(url)
            click.echo(
                "Then come back here. If that browser cannot reach this machine, paste the address it "
                "was sent to (or the code) here and press Enter."
            )
            threading.Thread(
                target=_read_pasted, args=(answers,), name="leadboard-paste", daemon=True
            ).start()
        try:
            answer = answers.get(timeout=timeout)
        except queue.Empty:
            fail(
                f"Sign-in timed out after {timeout:g} s with no answer from the browser: "
                "run `leadboard login` again."
            )
        if isinstance(answer, _Closed):
            fail("Sign-in cancelled: standard input closed before the browser's answer or a code arrived.")
        credential, problem = _finish(settings, request, answer.params)
        answer.page.put(
            "Signed in to leadboard. You can close this tab and go back to the terminal."
            if problem is None
            else f"leadboard did not sign you in: {problem}"
        )
        if answer.via_browser:  # a denied or forged answer fails at once: let its tab get the page first
            answer.replied.wait(REPLY_WAIT)
        if problem is not None or credential is None:
            fail(problem or "Sign-in failed.")
    finally:
        server.shutdown()
        server.server_close()
    stored = store_oauth(settings, credential)
    if stored.fallback_reason:
        click.echo(f"Note: {stored.fallback_reason}, so the sign-in is kept in a file only you can read.")
    click.echo(f"Signed in as {one_line(credential.who)}. Kept in {stored.location}.")


def _finish(
    settings: Settings, request: LoginRequest, params: Mapping[str, str]
) -> tuple[OAuthCredential | None, str | None]:
    """Check the answer and exchange its code: (credential, None) or (None, why not)."""
    error = params.get("error")
    state = params.get("state")
    if state is not None and not secrets.compare_digest(state, request.state):
        return None, (
            "the sign-in answer does not belong to this login (its state does not match): "
            "run `leadboard login` again."
        )
    if error == "access_denied":
        return None, "you denied leadboard access in HubSpot; nothing was stored."
    if error:
        return (
            None,
            f"HubSpot refused the sign-in ({one_line(error, limit=60)}): run `leadboard login` again.",
        )
    if state is None and set(params) != {"code"}:  # only a bare pasted code comes without its state
        return None, "the sign-in answer has no state: run `leadboard login` again."
    code = params.get("code", "").strip()
    if not code:
        return None, "no sign-in code came back: run `leadboard login` again."
    endpoints = OAuthEndpoints(
        settings.portal, settings.auth.client_id or "", settings.auth.client_secret or Secret("")
    )
    try:
        return complete_sign_in(settings, endpoints, code, request.verifier, request.redirect_uri), None
    except GatewayError as exc:
        return None, str(exc)


def complete_sign_in(
    settings: Settings, endpoints: OAuthEndpoints, code: str, verifier: Secret, redirect_uri: str
) -> OAuthCredential:
    """Exchange the code, ask who the token acts as, and name them from the portal's owners."""
    import time

    grant = endpoints.exchange_code(code, verifier.get_secret_value(), redirect_uri)
    info = endpoints.introspect(grant.access_token)
    user_id = info.user_id if info.user_id is not None else grant.user_id
    hub_id = info.hub_id if info.hub_id is not None else grant.hub_id
    credential = OAuthCredential(
        client_id=endpoints.client_id,
        refresh_token=grant.refresh_token,
        access_token=grant.access_token,
        expires_at=grant.expires_at,
        lifetime=max(1.0, grant.expires_at - time.time()),
        user_id=user_id,
        hub_id=hub_id,
        user_email=info.user,
        user_name=_owner_name(settings, grant, user_id),
        scopes=info.scopes or grant.scopes,
    )
    return credential


def _owner_name(settings: Settings, grant: TokenGrant, user_id: int | None) -> str | None:
    """The signed-in user's name as the portal's owners have it (None when they are not an owner)."""
    if user_id is None:
        return None
    from leadboard.sync.errors import NotFound
    from leadboard.sync.hubspot import HubSpotGateway

    with HubSpotGateway(
        settings.portal, grant.access_token, timeout=(5.0, 15.0), api_version=settings.api_version
    ) as gateway:
        try:
            owner = gateway.owner_by_user_id(user_id)
        except NotFound:
            return None
    return one_line(owner.name, limit=80) or None
