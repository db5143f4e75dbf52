"""`leadboard logout`: end the rep's sign-in at HubSpot, then forget every local copy.

The refresh token is revoked at `/oauth/2026-09/token/revoke` (which ends its access tokens too).
When HubSpot cannot be reached the local copies are still removed, and the rep is told the grant
may live on until revoked in HubSpot (Settings → Connected apps). A plain token (service key,
private-app token) has no revoke endpoint: it is only forgotten here; an admin rotates it.
"""

from __future__ import annotations

import click

from leadboard.cli.common import fail, one_line
from leadboard.cli.credentials import CredentialsError, forget_oauth, forget_token, load_oauth
from leadboard.config import Settings
from leadboard.sync.errors import GatewayError, SignInAgain


def run_logout(settings: Settings) -> None:
    try:
        signed_in = load_oauth(settings)
    except CredentialsError as exc:
        fail(str(exc))
    revoked = ""
    if signed_in is not None:
        from leadboard.cli.oauth_tokens import endpoints_for

        try:
            endpoints_for(settings, signed_in.client_id).revoke(signed_in.refresh_token)
        except (GatewayError, SignInAgain) as exc:
            revoked = (
                f" HubSpot could not revoke it ({one_line(exc, limit=160)}); remove leadboard from your "
                "connected apps in HubSpot to end it there."
            )
        else:
            revoked = " Revoked at HubSpot."
    try:
        removed_oauth = forget_oauth(settings)
        removed_token = forget_token(settings)
    except CredentialsError as exc:
        fail(str(exc))
    if removed_oauth and signed_in is not None:
        click.echo(
            f"Signed out {one_line(signed_in.who)} from {settings.portal}: removed the sign-in (refresh and "
            f"access token) from {' and '.join(removed_oauth)}.{revoked}"
        )
    if removed_token:
        click.echo(f"Forgot the token for {settings.portal} (removed from {' and '.join(removed_token)}).")
    if not removed_oauth and not removed_token:
        click.echo(f"No stored token for {settings.portal}.")
