"""The demo rep signs in through the sandbox's OAuth, approved without a browser.

`leadboard demo` needs no account, yet it should run the code a real rep runs: the token store,
the provider that refreshes the access token, who-am-I by introspection. So the demo plays the
rep's browser over HTTP: it opens the sandbox's authorize page, submits its form as the demo rep
(Connect), reads the code from the redirect, and exchanges it like `leadboard login` does. The
redirect's loopback address is never contacted.
"""

from __future__ import annotations

import re
import secrets
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import urllib3

from leadboard.cli.credentials import OAuthCredential
from leadboard.cli.login import CALLBACK_PATH, LoginRequest, complete_sign_in
from leadboard.config import Settings
from leadboard.sync.oauth import OAuthEndpoints

__all__ = ["DemoSignInError", "sign_in_demo_rep"]

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_TIMEOUT = urllib3.Timeout(connect=5.0, read=20.0)
#: The loopback redirect the demo names; nothing listens there: the answer is read from the 303.
_DEMO_REDIRECT = f"http://127.0.0.1:1{CALLBACK_PATH}"


class DemoSignInError(RuntimeError):
    """The sandbox did not sign the demo rep in; the message says where it stopped."""


def sign_in_demo_rep(settings: Settings, user_id: int) -> OAuthCredential:
    """Approve leadboard's app as HubSpot user `user_id` on the sandbox and return the sign-in."""
    request = LoginRequest(redirect_uri=_DEMO_REDIRECT)
    url = request.authorize_url(settings)
    http = urllib3.PoolManager()
    page = http.request("GET", url, redirect=False, retries=False, timeout=_TIMEOUT)
    if page.status != 200:
        raise DemoSignInError(f"the sandbox's authorize page answered {page.status}")
    fields = {name: unescape(value) for name, value in _HIDDEN.findall(page.data.decode("utf-8", "replace"))}
    fields.update({"user_id": str(user_id), "decision": "connect"})
    parts = urlsplit(url)
    answer = http.request(
        "POST",
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        body=urlencode(fields).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        redirect=False,
        retries=False,
        timeout=_TIMEOUT,
    )
    location = answer.headers.get("Location", "")
    params = dict(parse_qsl(urlsplit(location).query))
    if answer.status != 303 or not secrets.compare_digest(params.get("state", ""), request.state):
        raise DemoSignInError(f"the sandbox's authorize form answered {answer.status} without a code")
    if "code" not in params:
        raise DemoSignInError(f"the sandbox refused the sign-in ({params.get('error', 'no code')})")
    auth = settings.auth
    if not auth.client_id or auth.client_secret is None:
        raise DemoSignInError("the demo settings have no app to sign in with")
    endpoints = OAuthEndpoints(settings.portal, auth.client_id, auth.client_secret)
    return complete_sign_in(settings, endpoints, params["code"], request.verifier, request.redirect_uri)
