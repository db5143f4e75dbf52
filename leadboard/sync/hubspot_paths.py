"""HubSpot's date-versioned URL paths (research/hubspot-2026.md §1), one place for all of them.

HubSpot puts a date version in every path (`/crm/objects/2026-09/leads`) and ends support for
the numbered v1-v4 paths in 2027, so the gateway builds every path here from one version. A
portal pinned to an older version (`api_version = "2026-03"` in the config) gets the same
shapes on that version's paths. Templates keep `{name}` placeholders: the generated client
quotes each value into them, as it does for its own paths.

The one legacy path left is the call dispositions': HubSpot has no date version of it yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadboard.config import DEFAULT_API_VERSION

# GET /calling/v1/dispositions: no date-versioned equivalent exists (HubSpot's migration guide).
LEGACY_DISPOSITIONS_PATH = "/calling/v1/dispositions"


@dataclass(frozen=True)
class HubSpotPaths:
    """The path templates of one API version."""

    version: str = DEFAULT_API_VERSION

    # -- objects: leads, contacts, companies, notes, calls, deals, tasks ---------------------------

    @property
    def objects(self) -> str:
        """GET a page, POST a create."""
        return f"/crm/objects/{self.version}/{{objectType}}"

    @property
    def one_object(self) -> str:
        """GET by id, PATCH an update."""
        return f"{self.objects}/{{objectId}}"

    @property
    def search(self) -> str:
        return f"{self.objects}/search"

    @property
    def batch_read(self) -> str:
        return f"{self.objects}/batch/read"

    # -- associations ------------------------------------------------------------------------------

    @property
    def association_batch_read(self) -> str:
        return f"/crm/associations/{self.version}/{{fromObjectType}}/{{toObjectType}}/batch/read"

    @property
    def association_labelled(self) -> str:
        """PUT with a body of association types (labelled or HubSpot-defined)."""
        return f"{self.one_object}/associations/{{toObjectType}}/{{toObjectId}}"

    @property
    def association_default(self) -> str:
        """PUT without a body: HubSpot's default type for the pair."""
        return f"{self.one_object}/associations/default/{{toObjectType}}/{{toObjectId}}"

    # -- the portal's metadata ---------------------------------------------------------------------

    @property
    def pipelines(self) -> str:
        return f"/crm/pipelines/{self.version}/{{objectType}}"

    @property
    def properties(self) -> str:
        return f"/crm/properties/{self.version}/{{objectType}}"

    @property
    def one_property(self) -> str:
        return f"{self.properties}/{{propertyName}}"

    @property
    def owners(self) -> str:
        """GET a page (`?email=` narrows it)."""
        return f"/crm/owners/{self.version}"

    @property
    def one_owner(self) -> str:
        """GET by owner id, or by user id with `?idProperty=userId`."""
        return f"{self.owners}/{{ownerId}}"

    @property
    def account_details(self) -> str:
        return f"/account-info/{self.version}/details"
