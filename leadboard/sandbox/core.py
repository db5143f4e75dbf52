"""The portal's shared machinery: state, writes, derived lead fields, association links, wire shapes.

Every write goes through `_write`/`_touch`/`_link` here, so `hs_lastmodifieddate`, the property
history, the lead's computed `hs_associated_*` fields, the call automation and the lagging search
index stay consistent no matter which endpoint made the change.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from leadboard.sandbox.acting import acting_user_id
from leadboard.sandbox.catalog import (
    ASSOCIATION_BY_ID,
    CONNECTED_DISPOSITION,
    association_type_name,
    default_association,
    resolve_type,
)
from leadboard.sandbox.hubspot_errors import not_found, validation_error
from leadboard.sandbox.properties import DEFAULT_PROPERTIES, PROPERTIES, PropertyDef
from leadboard.sandbox.records import AssociationStore, HistoryEntry, Record, iso, parse_instant
from leadboard.sandbox.search import SearchIndex
from leadboard.sandbox.settings import PortalSettings

F = TypeVar("F", bound=Callable[..., Any])

ALWAYS_RETURNED = ("createdate", "hs_createdate", "hs_lastmodifieddate", "lastmodifieddate", "hs_object_id")
LEAD_PRIMARY_CONTACT = 578
LEAD_PRIMARY_COMPANY = 580
CONTACT_PRIMARY_COMPANY = 1


def locked(method: F) -> F:
    """Run a public portal method under the portal's RLock."""

    @functools.wraps(method)
    def wrapper(self: PortalCore, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return cast(F, wrapper)


def parse_object_id(object_id: Any) -> int:
    """A record id from a path or body; anything but digits is simply not found, as in HubSpot."""
    text = str(object_id).strip()
    if not text.isdigit():
        raise not_found(f"Object not found. objectId are usually numeric. ({text})")
    return int(text)


class PortalCore:
    """State and internal write paths shared by the endpoint mixins."""

    settings: PortalSettings
    _lock: threading.RLock
    _records: dict[str, dict[int, Record]]
    _assoc: AssociationStore
    _index: SearchIndex
    _properties: dict[str, dict[str, PropertyDef]]
    _owners: list[dict[str, Any]]
    _rep_owner_id: str
    _next_id: int

    # --- time and ids -----------------------------------------------------------------------------

    def _now(self) -> float:
        return float(self.settings.clock())

    def _now_ms(self) -> int:
        return int(self._now() * 1000)

    def _batch_response(
        self, ok_status: int, results: list[dict[str, Any]], started: int, errors: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        """A batch answer in HubSpot's shape: `ok_status`, or 207 with `errors` and `numErrors`."""
        body: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": iso(started),
            "completedAt": iso(self._now_ms()),
        }
        if errors:
            body["numErrors"] = len(errors)
            body["errors"] = errors
            return 207, body
        return ok_status, body

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _owner_ids(self) -> set[str]:
        return {o["id"] for o in self._owners if not o["archived"]}

    # --- records ----------------------------------------------------------------------------------

    def _insert(
        self, object_type: str, props: dict[str, str], created_ms: int, *, index_now: bool | None = False
    ) -> Record:
        """Store a new record with its system properties.

        It is indexed now (seed), after the lag (False), or not yet (None: the caller indexes it).
        """
        record = Record(
            self._new_id(), object_type, {k: v for k, v in props.items() if v != ""}, created_ms, created_ms
        )
        created = iso(created_ms)
        system = record.props
        system["hs_object_id"] = record.sid
        system["hs_createdate"] = created
        if "createdate" in PROPERTIES[object_type]:
            system["createdate"] = created
        self._stamp(record, created_ms)
        self._records[object_type][record.id] = record
        if index_now:
            self._index.put_now(record)
        elif index_now is False:
            self._schedule(record)
        return record

    def _stamp(self, record: Record, ms: int) -> None:
        record.updated_ms = ms
        stamp = iso(ms)
        record.props["hs_lastmodifieddate"] = stamp
        user_id = acting_user_id.get()
        if user_id is not None:
            record.props["hs_updated_by_user_id"] = str(user_id)
        else:  # an integration without a user, or HubSpot's automation: HubSpot leaves it empty
            record.props.pop("hs_updated_by_user_id", None)
        if record.type == "contacts":
            record.props["lastmodifieddate"] = stamp

    def _schedule(self, record: Record) -> None:
        self._index.schedule(record, self._now() + self.settings.search_lag)

    def _get(
        self, object_type: str, object_id: Any, *, archived: bool = False, id_property: str | None = None
    ) -> Record:
        """A record by id (or a unique property), 404 like HubSpot if absent or in the wrong bin."""
        records = self._records[object_type]
        if id_property and id_property != "hs_object_id":
            if object_type != "contacts" or id_property != "email":
                raise validation_error(f"{id_property} is not a unique property of {object_type}")
            wanted = str(object_id).strip().lower()
            record = next((r for r in records.values() if r.props.get("email", "").lower() == wanted), None)
        else:
            record = records.get(parse_object_id(object_id))
        if record is None or record.archived != archived:
            raise not_found(f"Object not found. objectId are usually numeric. ({object_id})")
        return record

    def _write(self, record: Record, changes: dict[str, str], now_ms: int, source: str = "API") -> None:
        """Apply validated property changes, keep their history, bump hs_lastmodifieddate, reindex."""
        props = record.props
        for name, value in changes.items():
            old = props.get(name)
            if (old or "") == value:
                continue
            history = record.history.get(name)
            if history is None:
                history = record.history[name] = []
                if old is not None:
                    history.append(HistoryEntry(old, record.created_ms, "CRM_UI"))
            history.insert(0, HistoryEntry(value, now_ms, source))
            if value == "":
                props.pop(name, None)
            else:
                props[name] = value
            if name == "hs_pipeline_stage" and record.type == "leads":
                props["hs_v2_date_entered_current_stage"] = iso(now_ms)
        self._touch(record, now_ms)
        self._after_change(record, now_ms)

    def _touch(self, record: Record, now_ms: int) -> None:
        self._stamp(record, max(now_ms, record.updated_ms))
        self._schedule(record)

    def _after_change(self, record: Record, now_ms: int) -> None:
        """Leads derive fields from their contacts, companies and activities: refresh them."""
        if record.type == "leads":
            if self._recompute_lead(record):
                self._schedule(record)
            return
        for lead_id in list(self._assoc.targets(record.type, record.id, "leads")):
            lead = self._records["leads"].get(lead_id)
            if lead is not None and not lead.archived and self._recompute_lead(lead):
                self._touch(lead, now_ms)

    def _live_targets(self, from_type: str, from_id: int, to_type: str) -> dict[int, set[int]]:
        """Associated ids of non-archived records (archived ones keep their links but are hidden)."""
        records = self._records[to_type]
        found = self._assoc.targets(from_type, from_id, to_type)
        return {k: v for k, v in found.items() if k in records and not records[k].archived}

    def _recompute_lead(self, lead: Record) -> bool:
        """Set the lead's association-derived fields; True if any value changed."""
        contacts = self._live_targets("leads", lead.id, "contacts")
        contact_id = next(
            (c for c, t in contacts.items() if LEAD_PRIMARY_CONTACT in t), next(iter(contacts), None)
        )
        contact = self._records["contacts"].get(contact_id) if contact_id is not None else None
        companies = self._live_targets("leads", lead.id, "companies")
        company_id = next(
            (c for c, t in companies.items() if LEAD_PRIMARY_COMPANY in t), next(iter(companies), None)
        )
        if company_id is None and contact is not None:
            via = self._live_targets("contacts", contact.id, "companies")
            company_id = next(
                (c for c, t in via.items() if CONTACT_PRIMARY_COMPANY in t), next(iter(via), None)
            )
        company = self._records["companies"].get(company_id) if company_id is not None else None
        calls = self._lead_activities(lead, "calls")
        emails = self._lead_activities(lead, "emails")
        meetings = self._lead_activities(lead, "meetings")
        notes = self._lead_activities(lead, "notes")
        sent = [e for e in emails if e.props.get("hs_email_direction") == "EMAIL"]
        # HubSpot's outreach: a call, an email sent to the prospect or a meeting (a reply or a note is not).
        outreach = calls + sent + meetings
        outreach_times = [
            t for r in outreach if (t := parse_instant(r.props.get("hs_timestamp", ""))) is not None
        ]
        activity_times = [
            t
            for r in (*calls, *emails, *meetings, *notes)
            if (t := parse_instant(r.props.get("hs_timestamp", ""))) is not None
        ]
        first = min(outreach_times) if outreach_times else None
        derived = {
            "hs_primary_contact_id": contact.sid if contact else "",
            "hs_associated_contact_email": contact.props.get("email", "") if contact else "",
            "hs_associated_contact_firstname": contact.props.get("firstname", "") if contact else "",
            "hs_associated_contact_lastname": contact.props.get("lastname", "") if contact else "",
            "hs_associated_company_name": company.props.get("name", "") if company else "",
            "hs_associated_company_domain": company.props.get("domain", "") if company else "",
            "hs_lead_associated_deals_count": str(len(self._live_targets("leads", lead.id, "deals"))),
            "hs_lead_call_count": str(len(calls)),
            "hs_lead_email_count": str(len(emails)),
            "hs_lead_meeting_count": str(len(meetings)),
            "hs_lead_outreach_activity_count": str(len(outreach)),
            "hs_lead_first_outreach_date": iso(first) if first is not None else "",
            "hs_lead_time_to_first_outreach": str(max(0, first - lead.created_ms))
            if first is not None
            else "",
            "hs_last_activity_date": iso(max(activity_times)) if activity_times else "",
        }
        changed = False
        for name, value in derived.items():
            if lead.props.get(name, "") != value:
                changed = True
                if value:
                    lead.props[name] = value
                else:
                    lead.props.pop(name, None)
        return changed

    def _lead_activities(self, lead: Record, object_type: str) -> list[Record]:
        return [self._records[object_type][i] for i in self._live_targets("leads", lead.id, object_type)]

    # --- association links ------------------------------------------------------------------------

    def _link(
        self, from_type: str, from_id: int, to_type: str, to_id: int, type_id: int, now_ms: int | None
    ) -> bool:
        """Associate two records (a labelled type brings the pair's unlabelled one); True if new.

        `now_ms=None` is the seed's fast path: no timestamps move and nothing is reindexed.
        """
        added = self._assoc.add(from_type, from_id, to_type, to_id, type_id)
        if ASSOCIATION_BY_ID[type_id].label is not None:
            plain = default_association(from_type, to_type)
            if plain is not None:
                added = self._assoc.add(from_type, from_id, to_type, to_id, plain.type_id) or added
        if added and now_ms is not None:
            self._links_changed(from_type, from_id, to_type, to_id, now_ms)
        return added

    def _unlink(self, from_type: str, from_id: int, to_type: str, to_id: int, now_ms: int) -> None:
        if self._assoc.remove_pair(from_type, from_id, to_type, to_id):
            self._links_changed(from_type, from_id, to_type, to_id, now_ms)

    def _links_changed(self, from_type: str, from_id: int, to_type: str, to_id: int, now_ms: int) -> None:
        """An association change is a write on both records (HubSpot bumps both)."""
        for object_type, object_id in ((from_type, from_id), (to_type, to_id)):
            record = self._records[object_type].get(object_id)
            if record is None or record.archived:
                continue
            if object_type == "leads":
                self._recompute_lead(record)
            self._touch(record, now_ms)
        pair = {from_type: from_id, to_type: to_id}
        if "leads" in pair and "calls" in pair:
            self._call_automation(pair["leads"], pair["calls"], now_ms)

    def _call_automation(self, lead_id: int, call_id: int, now_ms: int) -> None:
        """Research §4: a logged call moves New → Attempting; a Connected outcome → Connected."""
        if not self.settings.automation:
            return
        lead = self._records["leads"].get(lead_id)
        call = self._records["calls"].get(call_id)
        if lead is None or call is None or lead.archived:
            return
        stage = lead.props.get("hs_pipeline_stage")
        connected = call.props.get("hs_call_disposition") == CONNECTED_DISPOSITION
        target = None
        if connected and stage in ("new-stage-id", "attempting-stage-id"):
            target = "connected-stage-id"
        elif stage == "new-stage-id":
            target = "attempting-stage-id"
        if target is not None:
            self._write(lead, {"hs_pipeline_stage": target}, now_ms, source="AUTOMATION_PLATFORM")

    # --- wire shapes ------------------------------------------------------------------------------

    def _names(self, object_type: str, requested: list[str] | None) -> tuple[str, ...]:
        """The properties to return: the requested known ones plus the always-returned system ones."""
        defaults = DEFAULT_PROPERTIES[object_type]
        if not requested:
            return defaults
        defs = self._properties[object_type]
        always = [n for n in ALWAYS_RETURNED if n in defaults]
        return tuple(dict.fromkeys([*(n for n in requested if n in defs), *always]))

    def _wire(
        self,
        record: Record,
        names: tuple[str, ...] | None,
        *,
        history: list[str] | None = None,
        associations: list[str] | None = None,
    ) -> dict[str, Any]:
        """`SimplePublicObject(WithAssociations)`: requested-but-empty properties come back as null."""
        props = record.props
        wire: dict[str, Any] = {
            "id": record.sid,
            "properties": dict(props) if names is None else {n: props.get(n) for n in names},
            "createdAt": iso(record.created_ms),
            "updatedAt": iso(record.updated_ms),
            "archived": record.archived,
        }
        if record.archived and record.archived_ms is not None:
            wire["archivedAt"] = iso(record.archived_ms)
        if history:
            wire["propertiesWithHistory"] = self._history(record, history)
        if associations:
            found = self._v3_associations(record, associations)
            if found:
                wire["associations"] = found
        return wire

    def _full_wire(self, record: Record) -> dict[str, Any]:
        return self._wire(record, None)

    def _history(self, record: Record, names: list[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for name in names:
            if name not in self._properties[record.type]:
                continue
            entries = record.history.get(name)
            if entries is None:
                current = record.props.get(name)
                entries = [] if current is None else [HistoryEntry(current, record.created_ms, "CRM_UI")]
            out[name] = [
                {"value": e.value, "timestamp": iso(e.ms), "sourceType": e.source}
                for e in entries
                if e.value != ""
            ]
        return out

    def _v3_associations(self, record: Record, to_types: list[str]) -> dict[str, Any]:
        """The v3 `associations` block: `{"contacts": {"results": [{"id", "type"}]}}`."""
        out: dict[str, Any] = {}
        for raw in to_types:
            to_type = resolve_type(raw)
            results = []
            for to_id, type_ids in self._live_targets(record.type, record.id, to_type).items():
                for type_id in sorted(type_ids):
                    assoc = ASSOCIATION_BY_ID[type_id]
                    results.append(
                        {"id": str(to_id), "type": association_type_name(record.type, to_type, assoc)}
                    )
            if results:
                out[to_type] = {"results": results}
        return out
