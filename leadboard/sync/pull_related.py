"""Contacts and companies of the leads a pull changed: batch association reads, then batch object
reads, never one call per lead (1,000 leads per association request, 100 objects per read).

A lead's contact is its primary one (association type 578), else any. Its company is the direct
primary one (580), else any direct one; a lead without one shows its contact's company, taken from
the contact's `associatedcompanyid` or, failing that, a contact → company association read.

`RelatedFetcher` is fed lead ids page by page while the search runs and sends a request only when
a batch is full, so these reads fill the gaps the search limit (5/s) leaves in the general budget
while costing no more requests than reading everything at the end; `finish()` sends the partial
batches. Each batch is written as it arrives: the pull's cursor (written last) is what says the
range is done, and a pull that broke off makes the next one re-read every lead's relations.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from leadboard.cache.store import Store
from leadboard.sync.hubspot import ASSOCIATION_BATCH_MAX, BATCH_READ_MAX, HubSpotGateway
from leadboard.sync.remote import Association, RemoteObject

LEAD_TO_PRIMARY_CONTACT = 578
LEAD_TO_PRIMARY_COMPANY = 580
CONTACT_TO_PRIMARY_COMPANY = 1

CONTACT_PROPERTIES = ("firstname", "lastname", "email", "phone", "jobtitle", "associatedcompanyid")
COMPANY_PROPERTIES = ("name", "domain")


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


def read_requests(count: int) -> int:
    """Requests a batch object read of `count` ids costs."""
    return math.ceil(count / BATCH_READ_MAX)


class RelatedFetcher:
    """Reads and stores the contacts and companies of the leads `add`ed, in full batches."""

    def __init__(self, store: Store, gateway: HubSpotGateway) -> None:
        self.store = store
        self.gateway = gateway
        self.requests = 0  # association reads counted without per-id paging
        self.contacts = 0
        self.companies = 0
        self._leads: list[str] = []
        self._contacts: list[str] = []  # to read
        self._unknown: list[str] = []  # contacts whose company only an association read can tell
        self._companies: list[str] = []  # to read
        self._queued: set[str] = set()  # contact and company ids already queued or read ("c:1")
        self._contact_company: dict[str, str | None] = {}  # contacts read: their primary company
        self._wants_company: set[str] = set()  # contacts whose company a lead shows

    def add(self, lead_ids: Iterable[str]) -> None:
        self._leads.extend(lead_ids)
        self._drain(final=False)

    def finish(self) -> None:
        self._drain(final=True)

    def _drain(self, final: bool) -> None:
        while _take(self._leads, ASSOCIATION_BATCH_MAX, final):
            self._link_leads(_pop(self._leads, ASSOCIATION_BATCH_MAX))
        while _take(self._contacts, BATCH_READ_MAX, final):
            self._read_contacts(_pop(self._contacts, BATCH_READ_MAX))
        while _take(self._unknown, ASSOCIATION_BATCH_MAX, final):
            self._contact_companies(_pop(self._unknown, ASSOCIATION_BATCH_MAX))
        while _take(self._companies, BATCH_READ_MAX, final):
            self._read_companies(_pop(self._companies, BATCH_READ_MAX))

    def _link_leads(self, lead_ids: list[str]) -> None:
        to_contacts = self.gateway.batch_read_associations("leads", "contacts", lead_ids)
        to_companies = self.gateway.batch_read_associations("leads", "companies", lead_ids)
        self.requests += 2
        links = []
        for lead_id in lead_ids:
            contact = primary(to_contacts.get(lead_id, ()), LEAD_TO_PRIMARY_CONTACT)
            company = primary(to_companies.get(lead_id, ()), LEAD_TO_PRIMARY_COMPANY)
            links.append((lead_id, contact, company))
            if contact:
                self._queue("contact", contact, self._contacts)
            if company:
                self._queue("company", company, self._companies)
            elif contact:
                self._want_company_of(contact)
        self.store.link_leads(links)

    def _want_company_of(self, contact_id: str) -> None:
        self._wants_company.add(contact_id)
        if contact_id in self._contact_company:  # already read
            company = self._contact_company[contact_id]
            if company:
                self._queue("company", company, self._companies)
            else:
                self._queue("unknown", contact_id, self._unknown)

    def _read_contacts(self, contact_ids: list[str]) -> None:
        found = self.gateway.batch_read("contacts", contact_ids, CONTACT_PROPERTIES).found
        self.requests += 1
        for contact in found.values():
            company = (contact.get("associatedcompanyid") or "").strip()
            self._contact_company[contact.id] = company if company.isdigit() else None
        known = {c: co for c, co in self._contact_company.items() if c in found and co}
        self.store.upsert_contacts((as_wire(c) for c in found.values()), known)
        self.contacts += len(found)
        for contact_id in found:
            if contact_id in self._wants_company:
                self._want_company_of(contact_id)

    def _contact_companies(self, contact_ids: list[str]) -> None:
        via = self.gateway.batch_read_associations("contacts", "companies", contact_ids)
        self.requests += 1
        learnt: dict[str, str] = {}
        for contact_id in contact_ids:
            company = primary(via.get(contact_id, ()), CONTACT_TO_PRIMARY_COMPANY)
            if company:
                self._contact_company[contact_id] = learnt[contact_id] = company
                self._queue("company", company, self._companies)
        self.store.set_contact_companies(learnt)

    def _read_companies(self, company_ids: list[str]) -> None:
        found = self.gateway.batch_read("companies", company_ids, COMPANY_PROPERTIES).found
        self.requests += 1
        self.store.upsert_companies(as_wire(c) for c in found.values())
        self.companies += len(found)

    def _queue(self, kind: str, object_id: str, queue: list[str]) -> None:
        key = f"{kind}:{object_id}"
        if key not in self._queued:
            self._queued.add(key)
            queue.append(object_id)


def _take(queue: list[str], size: int, final: bool) -> bool:
    return len(queue) >= size or (final and bool(queue))


def _pop(queue: list[str], size: int) -> list[str]:
    batch = queue[:size]
    del queue[:size]
    return batch
