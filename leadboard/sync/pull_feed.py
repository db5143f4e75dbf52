"""What a pull found changed on HubSpot's side, apart from the rep's own changes coming back.

`LeadChanges.before` notes how the cache held the leads a search page brought (before they are
written); `after` compares HubSpot's version with it: a new lead of mine, a stage moved, the lead
type or label changed. A change is the rep's own, and no event, when the cache already holds it
(an acked push writes HubSpot's answer into the cache, with its new modified time) or when one of
the rep's open or recently pushed ops sets that value. Leads leaving (reassigned, archived) come
from the departures check and the reconcile (pull_membership.py); new activity (a colleague's call,
note or meeting, a prospect's reply) from pull_activity.py. A first, full pull of an empty cache
finds no events: everything is new then.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from leadboard.activity import EventKind, FeedEvent
from leadboard.cache.store import Store
from leadboard.domain import PROP_LABEL, PROP_NAME, PROP_OWNER, PROP_STAGE, PROP_TYPE, PortalMeta
from leadboard.state import parse_hubspot_time
from leadboard.sync.errors import NotFound
from leadboard.sync.hubspot import HubSpotGateway
from leadboard.sync.pull_search import modified_ms
from leadboard.sync.remote import Owner, RemoteObject
from leadboard.text import clean_untrusted

__all__ = ["UPDATED_BY", "LeadChanges", "OwnerBook"]

#: The HubSpot user who made a record's last change (empty for integrations and HubSpot's automation).
UPDATED_BY = "hs_updated_by_user_id"
_OPEN_OR_DONE = "('pending', 'in_flight', 'unknown', 'failed', 'conflict', 'blocked', 'done')"


@dataclass(frozen=True, slots=True)
class _Cached:
    stage_id: str | None
    owner_id: str | None
    lead_type: str | None
    label: str | None
    gone: bool


class OwnerBook:
    """Colleagues' names for the feed's "by whom": read from the owners table, and an owner the cache
    does not know yet is looked up once (one request, only when an event names them) and kept."""

    def __init__(self, store: Store, gateway: HubSpotGateway) -> None:
        self.store = store
        self.gateway = gateway
        self.requests = 0
        self._missing: set[str] = set()  # asked HubSpot this pull, not found

    def names(self, owner_ids: Iterable[str]) -> dict[str, str]:
        """Names (else emails) by owner id; ids HubSpot does not know are left out."""
        wanted = sorted({i for i in owner_ids if i})
        names = self._cached("id", wanted)
        for owner_id in wanted:
            if owner_id not in names and owner_id not in self._missing:
                self._learn(owner_id, partial(self.gateway.owner_by_id, owner_id))
        return self._cached("id", wanted)

    def by_user(self, user_id: str | None) -> tuple[str, str] | None:
        """(owner id, name) of a HubSpot user (`hs_updated_by_user_id`), or None."""
        if not user_id or not user_id.isdigit():
            return None
        row = self._row(user_id)
        if row is None and f"user:{user_id}" not in self._missing:
            self._learn(f"user:{user_id}", partial(self.gateway.owner_by_user_id, user_id))
            row = self._row(user_id)
        return row

    def _row(self, user_id: str) -> tuple[str, str] | None:
        found = self.store.db.conn.execute(
            "SELECT id, first_name, last_name, email FROM owners WHERE user_id = ?", [int(user_id)]
        ).fetchone()
        if found is None:
            return None
        return str(found[0]), " ".join(p for p in found[1:3] if p) or str(found[3] or found[0])

    def _cached(self, column: str, ids: list[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for owner_id, first, last, email in self.store.db.conn.execute(
            f"SELECT id, first_name, last_name, email FROM owners WHERE {column} IN "
            "(SELECT value FROM json_each(?))",
            [json.dumps(ids)],
        ):
            name = " ".join(p for p in (first, last) if p) or email
            if name:
                names[str(owner_id)] = clean_untrusted(str(name))
        return names

    def _learn(self, key: str, fetch: Callable[[], Owner]) -> None:
        self.requests += 1
        try:
            owner = fetch()
        except NotFound:
            self._missing.add(key)
            return
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO owners (id, email, first_name, last_name, user_id, is_me) "
                "VALUES (?, ?, ?, ?, ?, 0) "
                "ON CONFLICT(id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, "
                "last_name = excluded.last_name, user_id = excluded.user_id",
                [owner.id, owner.email, owner.first_name, owner.last_name, owner.user_id],
            )


class LeadChanges:
    """Collects the feed events of one pull; `events` is what it found."""

    def __init__(self, store: Store, meta: PortalMeta, since_ms: int | None, owners: OwnerBook) -> None:
        self.store = store
        self.meta = meta
        self.owners = owners
        self.since_ms = since_ms  # None: a first or full pull, which reports nothing
        self.events: list[FeedEvent] = []
        self._cached: dict[str, _Cached] = {}

    @property
    def active(self) -> bool:
        return self.since_ms is not None

    def before(self, objects: Sequence[RemoteObject]) -> None:
        """Note the cache's version of these leads, before the pull writes HubSpot's."""
        if not self.active:
            return
        for lead_id, stage, owner, lead_type, label, archived, gone in self.store.db.conn.execute(
            "SELECT id, stage_id, owner_id, lead_type, label, archived, gone_reason FROM leads "
            "WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps([o.id for o in objects])],
        ):
            self._cached[str(lead_id)] = _Cached(stage, owner, lead_type, label, bool(archived) or bool(gone))

    def after(self, objects: Sequence[RemoteObject]) -> None:
        """Compare HubSpot's version of these leads of mine with the cache's, noted by `before`."""
        if not self.active or not objects:
            return
        mine = self._own_values([o.id for o in objects])
        for obj in objects:
            at = modified_ms(obj) or 0
            name = obj.get(PROP_NAME) or ""
            old = self._cached.get(obj.id)
            if old is None or old.gone or old.owner_id != obj.get(PROP_OWNER):
                self.events.append(FeedEvent("new_lead", obj.id, name, _created_ms(obj) or at))
                continue
            stage, lead_type, label = obj.get(PROP_STAGE), obj.get(PROP_TYPE), obj.get(PROP_LABEL)
            found: list[tuple[EventKind, str]] = []
            if stage != old.stage_id and ("stage", stage) not in mine.get(obj.id, set()):
                found.append(("stage", self.meta.stage_label(stage)))
            if lead_type != old.lead_type and ("type", lead_type) not in mine.get(obj.id, set()):
                found.append(("lead_type", self.meta.option_label(self.meta.lead_types, lead_type) or ""))
            if label != old.label:
                found.append(("label", self.meta.option_label(self.meta.lead_labels, label) or ""))
            if not found:
                continue
            by = self.owners.by_user(obj.get(UPDATED_BY))
            if by is not None and by[0] == self.meta.owner_id:
                continue  # the rep, in HubSpot's own app or through leadboard with their user token
            self.events += [FeedEvent(kind, obj.id, name, at, words, by and by[1]) for kind, words in found]

    def left(self, new_owners: Mapping[str, str], at: int) -> None:
        """Leads of mine HubSpot now gives another owner (`{lead id: owner id}`)."""
        if not new_owners:
            return
        names = self.owners.names(new_owners.values())
        for lead_id, owner in new_owners.items():
            who = names.get(owner) or (f"owner {owner}" if owner else "no owner")
            self.events.append(FeedEvent("reassigned", lead_id, self._name(lead_id), at, who))

    def gone(self, reasons: Mapping[str, str], at: int) -> None:
        """Leads of mine archived, deleted or merged in HubSpot (`{lead id: reason}`)."""
        for lead_id, reason in reasons.items():
            self.events.append(FeedEvent("gone", lead_id, self._name(lead_id), at, reason))

    def _name(self, lead_id: str) -> str:
        row = self.store.db.conn.execute("SELECT name FROM leads WHERE id = ?", [lead_id]).fetchone()
        return str(row[0]) if row else ""

    def _own_values(self, lead_ids: list[str]) -> dict[str, set[tuple[str, str | None]]]:
        """The stages and lead types the rep's open or recently done ops set, by lead."""
        found: dict[str, set[tuple[str, str | None]]] = {}
        for lead_id, stage, lead_type in self.store.db.conn.execute(
            f"SELECT lead_id, new_stage_id, new_lead_type FROM outbox WHERE state IN {_OPEN_OR_DONE} "
            "AND updated_at >= ? AND lead_id IN (SELECT value FROM json_each(?))",
            [self.since_ms or 0, json.dumps(lead_ids)],
        ):
            values = found.setdefault(str(lead_id), set())
            if stage is not None:
                values.add(("stage", stage))
            if lead_type is not None:
                values.add(("type", lead_type))
        return found


def _created_ms(obj: RemoteObject) -> int | None:
    when = parse_hubspot_time(obj.get("hs_createdate") or obj.created_at)
    return None if when is None else int(when.timestamp() * 1000)
