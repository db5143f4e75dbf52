"""Drive the sandbox's OAuth over real HTTP, as a browser and then the app's back end would."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import urllib3

from tests.sandbox.server_support import TIMEOUT, Reply

if TYPE_CHECKING:
    from leadboard.sandbox.runner import SandboxHandle

REDIRECT = "http://127.0.0.1:53682/callback"
SCOPES = "crm.objects.leads.read crm.objects.leads.write crm.objects.owners.read"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def request(handle: SandboxHandle, method: str, path: str, fields: dict[str, str] | None = None) -> Reply:
    """A form POST (or a GET with a query), never following redirects, so the 303 itself is seen."""
    http = urllib3.PoolManager()
    if method == "GET":
        url = handle.base_url + path + ("?" + urlencode(fields) if fields else "")
        response = http.request("GET", url, redirect=False, retries=False, timeout=TIMEOUT)
    else:
        body = urlencode(fields or {}).encode()
        response = http.request(
            method,
            handle.base_url + path,
            body=body,
            headers=FORM,
            redirect=False,
            retries=False,
            timeout=TIMEOUT,
        )
    return Reply(response.status, response.headers, response.data)


def authorize_params(handle: SandboxHandle, challenge: str, **overrides: str) -> dict[str, str]:
    return {
        "client_id": handle.client_id,
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "st-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }


def redirect_query(reply: Reply) -> dict[str, str]:
    location = reply.headers["Location"]
    assert location.startswith(REDIRECT), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize(handle: SandboxHandle, user_id: int, challenge: str, decision: str = "connect") -> Reply:
    """Submit the authorize form as the page's own fields plus the user's choice."""
    fields = {**authorize_params(handle, challenge), "user_id": str(user_id), "decision": decision}
    return request(handle, "POST", "/oauth/authorize", fields)


def exchange(handle: SandboxHandle, code: str, verifier: str) -> Reply:
    return request(
        handle,
        "POST",
        "/oauth/2026-09/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": handle.client_id,
            "client_secret": handle.client_secret,
            "code_verifier": verifier,
        },
    )


def sign_in(handle: SandboxHandle, user_id: int) -> dict[str, Any]:
    """The whole flow for one user: the token response as JSON."""
    verifier, challenge = pkce_pair()
    code = redirect_query(authorize(handle, user_id, challenge))["code"]
    reply = exchange(handle, code, verifier)
    assert reply.status == 200, reply.data
    result: dict[str, Any] = reply.json()
    return result


def client_fields(handle: SandboxHandle, **fields: str) -> dict[str, str]:
    return {"client_id": handle.client_id, "client_secret": handle.client_secret, **fields}
