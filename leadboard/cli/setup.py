"""`leadboard setup`: an admin makes the portal ready for leadboard, once, before the reps push.

Every object leadboard creates (notes, calls, tasks, deals) carries its op id in the hidden
`leadboard_op_id` property (op_markers.py), which must exist first. Creating a property needs the
object's schema write scope (`crm.schemas.contacts.write` covers notes, calls and tasks;
`crm.schemas.deals.write` deals, per the 2026-09 properties spec) and, for a user, the permission
to edit properties, which a rep's own sign-in lacks. So an admin runs this with their sign-in
(`leadboard login` asks for those scopes as optional ones) or a service key; run again, it only
says what it found. Exit 0 when the portal is ready, 1 when something could not be made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from leadboard.cli.common import EXIT_ERROR, Session, fail, one_line
from leadboard.op_markers import OP_ID_PROPERTY
from leadboard.sync.scopes import OPTIONAL_SCOPES

if TYPE_CHECKING:
    from leadboard.sync.hubspot import HubSpotGateway

#: Who may run `leadboard setup`, in the words HubSpot's settings use.
WHO_CAN = "a HubSpot super admin, or a user with permission to edit properties"


@dataclass
class SetupOutcome:
    """What setup did per object type, and what stopped it."""

    created: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)  # found, but HubSpot users can see it
    lacking_scopes: dict[str, list[str]] = field(default_factory=dict)  # scope -> object types
    no_permission: list[str] = field(default_factory=list)


def run_setup(session: Session) -> None:
    from leadboard.sync.hubspot import HubSpotGateway

    settings = session.settings()
    resolved = session.token_source()
    if resolved is None:
        fail(
            "No HubSpot credential: sign in as an admin with `leadboard login`, or store a service key "
            f"with {', '.join(OPTIONAL_SCOPES)} using `leadboard login --with-token`; then run "
            "`leadboard setup` again."
        )
    from leadboard.cli.oauth_tokens import provider_for

    gateway = HubSpotGateway(
        settings.portal,
        provider_for(settings, resolved),
        timeout=(5.0, 30.0),
        max_rate_wait=30.0,
        api_version=settings.api_version,
    )
    with gateway:
        outcome = prepare_portal(gateway)
    say(outcome, signed_in=resolved.oauth is not None)


def prepare_portal(gateway: HubSpotGateway) -> SetupOutcome:
    """Create the op id property on each object type that lacks it; note what could not be."""
    from leadboard.sync.errors import GatewayError, MissingScopes, NotFound
    from leadboard.sync.hubspot import OP_ID_OBJECT_TYPES

    outcome = SetupOutcome()
    for object_type in OP_ID_OBJECT_TYPES:
        try:
            existing = gateway.property_definition(object_type, OP_ID_PROPERTY)
        except NotFound:
            pass
        except GatewayError as exc:
            fail(f"Could not read the {object_type} properties at {gateway.base_url}: {exc}")
        else:
            (outcome.found if existing.hidden else outcome.visible).append(object_type)
            continue
        try:
            gateway.create_op_id_property(object_type)
        except MissingScopes as refused:
            if refused.scopes:
                for scope in refused.scopes:
                    outcome.lacking_scopes.setdefault(scope, []).append(object_type)
            else:
                outcome.no_permission.append(object_type)
            continue
        except GatewayError as exc:
            fail(f"HubSpot refused to create {OP_ID_PROPERTY} on {object_type}: {exc}")
        outcome.created.append(object_type)
    return outcome


def say(outcome: SetupOutcome, *, signed_in: bool) -> None:
    """One line per finding, then the verdict; exit 1 when the portal is not ready."""
    if outcome.created:
        click.echo(f"Created {OP_ID_PROPERTY} (hidden) on {', '.join(outcome.created)}.")
    if outcome.found:
        click.echo(f"Found {OP_ID_PROPERTY} (hidden) on {', '.join(outcome.found)}: nothing to do.")
    if outcome.visible:
        click.echo(
            f"Found {OP_ID_PROPERTY} on {', '.join(outcome.visible)}, visible to HubSpot users: leadboard "
            "works with it; hide it in HubSpot's property settings if you like."
        )
    problems = []
    for scope, types in outcome.lacking_scopes.items():
        problems.append(f"{', '.join(types)}: this credential lacks the scope {one_line(scope)}")
    if outcome.no_permission:
        problems.append(f"{', '.join(outcome.no_permission)}: your HubSpot user may not edit properties")
    if not problems:
        click.echo("HubSpot is set up for leadboard: reps' notes, calls, tasks and deals can go.")
        return
    for problem in problems:
        click.echo(f"Could not create {OP_ID_PROPERTY} on {problem}.", err=True)
    again = (  # an admin who signed in before leadboard asked for the optional scopes
        " If you are one, run `leadboard login` again to grant them (HubSpot grants them only to such users)."
        if signed_in
        else ""
    )
    fail(
        f"HubSpot is not set up for leadboard yet. `leadboard setup` needs {WHO_CAN}, signed in with "
        f"`leadboard login` (it asks for {' and '.join(OPTIONAL_SCOPES)}), or a service key with those "
        f"scopes (`leadboard login --with-token`).{again}",
        EXIT_ERROR,
    )
