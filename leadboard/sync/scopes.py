"""The HubSpot scopes leadboard needs, in one place: what `leadboard login` asks for, what the
README tells an admin to give the app, and what `leadboard doctor` checks a token against.

`OPTIONAL_SCOPES` let `leadboard setup` create leadboard's hidden op id property (the 2026-09
properties spec: `POST /crm/properties/{objectType}` takes the object's `crm.schemas.*.write`;
notes, calls and tasks go under contacts'). Login asks for them as HubSpot's `optional_scope`: an
admin allowed to edit properties is granted them, a rep installs without them.

Derived from what the gateway calls: leads (read, move, type, qualify), contacts (read; notes,
calls and tasks are written under the contacts scope), companies (read), deals (qualify creates
one; finding a create whose answer was lost reads it back), owners (who the rep is).
"""

from __future__ import annotations

READ_SCOPES = (
    "crm.objects.leads.read",
    "crm.objects.contacts.read",
    "crm.objects.companies.read",
    "crm.objects.deals.read",
    "crm.objects.owners.read",
)
WRITE_SCOPES = ("crm.objects.leads.write", "crm.objects.contacts.write", "crm.objects.deals.write")
NEEDED_SCOPES = READ_SCOPES + WRITE_SCOPES
#: For `leadboard setup` (creating the op id property on notes, calls, tasks and deals).
OPTIONAL_SCOPES = ("crm.schemas.contacts.write", "crm.schemas.deals.write")


def missing_scopes(granted: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The needed scopes a token was not granted, in NEEDED_SCOPES order."""
    have = set(granted)
    return tuple(s for s in NEEDED_SCOPES if s not in have)
