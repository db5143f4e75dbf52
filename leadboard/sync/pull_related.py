"""Contacts and companies of the leads a pull changed: batch association reads, then batch object
reads, never one call per lead (1,000 leads per association request, 100 objects per read).

A lead's contact is its primary one (association type 578), else any. Its company is the direct
primary one (580), else any direct one; a lead without one shows its contact's company, taken from
the contact's `associatedcompanyid` or, failing that, a contact → company association read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from leadboard.sync.hubspot import ASSOCIATION_BATCH_MAX, BATCH_READ_MAX, HubSpotGateway
from leadboard.sync.remote import Association, RemoteObject

LEAD_TO_PRIMARY_CONTACT = 578
LEAD_TO_PRIMARY_COMPANY = 580
CONTACT_TO_PRIMARY_COMPANY = 1

CONTACT_PROPERTIES = ("firstname", "lastname", "email", "phone", "jobtitle", "associatedcompanyid")
COMPANY_PROPERTIES = ("name", "domain")


@dataclass
class Related:
    """What the store needs: each lead's (contact, company) link and the objects to upsert."""

    links: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    contact_companies: dict[str, str] = field(default_factory=dict)
    companies: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0


def primary(associations: Sequence[Association], primary_type: int) -> str | None:
    """The association flagged primary, else the first one; None when there is none."""
    for assoc in associations:
        if primary_type in assoc.type_ids:
            return assoc.to_id
    return associations[0].to_id if associations else None


def as_wire(obj: RemoteObject) -> dict[str, Any]:
    """A gateway object back in HubSpot's wire shape, which the store's upserts read."""
    return {
        "id": obj.id,
        "properties": dict(obj.properties),
        "createdAt": obj.created_at,
        "updatedAt": obj.updated_at,
        "archived": obj.archived,
    }


def association_requests(count: int) -> int:
    """Requests a batch association read of `count` ids costs (without per-id paging)."""
    return math.ceil(count / ASSOCIATION_BATCH_MAX)


def read_requests(count: int) -> int:
    return math.ceil(count / BATCH_READ_MAX)


def fetch_related(gateway: HubSpotGateway, lead_ids: Sequence[str]) -> Related:
    """Links, contacts and companies for `lead_ids`; gateway errors propagate unchanged."""
    related = Related()
    if not lead_ids:
        return related
    to_contacts = gateway.batch_read_associations("leads", "contacts", lead_ids)
    to_companies = gateway.batch_read_associations("leads", "companies", lead_ids)
    related.requests += 2 * association_requests(len(lead_ids))

    contact_of = {lid: primary(to_contacts.get(lid, ()), LEAD_TO_PRIMARY_CONTACT) for lid in lead_ids}
    company_of = {lid: primary(to_companies.get(lid, ()), LEAD_TO_PRIMARY_COMPANY) for lid in lead_ids}
    contact_ids = _unique(c for c in contact_of.values() if c)
    contacts = gateway.batch_read("contacts", contact_ids, CONTACT_PROPERTIES)
    related.requests += read_requests(len(contact_ids))

    for contact in contacts.found.values():
        company = (contact.get("associatedcompanyid") or "").strip()
        if company.isdigit():
            related.contact_companies[contact.id] = company
    # Leads with no company of their own show their contact's: ask HubSpot where the property is blank.
    unknown = _unique(
        c
        for lid, c in contact_of.items()
        if c and company_of[lid] is None and c in contacts.found and c not in related.contact_companies
    )
    if unknown:
        via = gateway.batch_read_associations("contacts", "companies", unknown)
        related.requests += association_requests(len(unknown))
        for contact_id, assocs in via.items():
            if (via_company := primary(assocs, CONTACT_TO_PRIMARY_COMPANY)) is not None:
                related.contact_companies[contact_id] = via_company

    company_ids = _unique(
        company_of[lid] or (related.contact_companies.get(c) if c else None) for lid, c in contact_of.items()
    )
    companies = gateway.batch_read("companies", [c for c in company_ids if c], COMPANY_PROPERTIES)
    related.requests += read_requests(len([c for c in company_ids if c]))

    related.links = [(lid, contact_of[lid], company_of[lid]) for lid in lead_ids]
    related.contacts = [as_wire(c) for c in contacts.found.values()]
    related.companies = [as_wire(c) for c in companies.found.values()]
    return related


def _unique(values: Iterable[str | None]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v]
