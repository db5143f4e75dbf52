"""The sandbox portal: HubSpot's CRM semantics in memory, with no HTTP.

`Portal` is what the sandbox server (server.py) calls for every HubSpot endpoint; each public method
returns a JSON-ready dict in HubSpot's wire shape or raises `HubSpotError` with HubSpot's body.
Records live in `records.py`, search in `search.py`, metadata in `catalog.py`/`properties.py`, the
v4 association endpoints in `associations.py`, the seed in `seed.py`, live events in `live.py` and
`PortalSettings` (re-exported here) in `settings.py`.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
from pathlib import Path
from typing import Any

from leadboard.sandbox import live, seed
from leadboard.sandbox.associations import AssociationEndpoints
from leadboard.sandbox.catalog import DISPOSITIONS, TYPE_IDS, pipelines, resolve_type
from leadboard.sandbox.core import locked
from leadboard.sandbox.hubspot_errors import PORTAL_ID, HubSpotError, not_found, validation_error
from leadboard.sandbox.objects import ObjectEndpoints
from leadboard.sandbox.properties import PROPERTIES
from leadboard.sandbox.property_create import custom_property, property_from_wire
from leadboard.sandbox.records import AssociationStore, Record
from leadboard.sandbox.search import SearchIndex
from leadboard.sandbox.settings import PortalSettings

__all__ = ["HubSpotError", "Portal", "PortalSettings"]

FORMAT = "leadboard-sandbox-portal"
FORMAT_VERSION = 1


class Portal(ObjectEndpoints, AssociationEndpoints):
    """Thread-safe: every public method holds one RLock."""

    def __init__(self, settings: PortalSettings | None = None) -> None:
        self.settings = settings or PortalSettings()
        self._lock = threading.RLock()
        self._clear()
        seed.seed_portal(self)

    def _clear(self) -> None:
        self._records: dict[str, dict[int, Record]] = {name: {} for name in TYPE_IDS}
        self._assoc = AssociationStore()
        # Each portal's own: HubSpot's properties plus those an app created (property_create.py).
        self._properties = {name: dict(defs) for name, defs in PROPERTIES.items()}
        self._index = SearchIndex(self._properties)
        self._owners: list[dict[str, Any]] = []
        self._rep_owner_id = ""
        self._next_id = 1001

    @property
    def rep_owner_id(self) -> str:
        """The demo rep's owner id (what goes in `hubspot_owner_id`)."""
        return self._rep_owner_id

    # --- owners -----------------------------------------------------------------------------------

    @locked
    def list_owners(
        self, *, email: str | None = None, after: str | None = None, limit: int = 100, archived: bool = False
    ) -> dict[str, Any]:
        """`GET /crm/v3/owners`: exact email filter, id-cursor paging (limit ≤ 500)."""
        if not 1 <= limit <= 500:
            raise validation_error(f"limit must be between 1 and 500, got {limit}")
        owners = [o for o in self._owners if o["archived"] == archived]
        if email:
            owners = [o for o in owners if str(o.get("email", "")).lower() == email.strip().lower()]
        start = 0
        if after:
            start = next((i for i, o in enumerate(owners) if o["id"] == after), len(owners))
        page = owners[start : start + limit]
        response: dict[str, Any] = {"results": [dict(o) for o in page]}
        if start + limit < len(owners):
            response["paging"] = {"next": {"after": owners[start + limit]["id"]}}
        return response

    @locked
    def get_owner(self, owner_id: str, *, id_property: str = "id", archived: bool = False) -> dict[str, Any]:
        """`GET /crm/v3/owners/{id}` by owner id or (idProperty=userId) by user id."""
        if id_property not in ("id", "userId"):
            raise validation_error(f"Invalid idProperty: {id_property}; use id or userId")
        key = "id" if id_property == "id" else "userId"
        for owner in self._owners:
            if str(owner[key]) == str(owner_id).strip() and owner["archived"] == archived:
                return dict(owner)
        raise not_found(f"No owner found with {id_property} {owner_id}")

    # --- metadata ---------------------------------------------------------------------------------

    @locked
    def list_pipelines(self, object_type: str) -> dict[str, Any]:
        return {"results": pipelines(self._pipeline_type(object_type))}

    @locked
    def get_pipeline(self, object_type: str, pipeline_id: str) -> dict[str, Any]:
        for pipeline in pipelines(self._pipeline_type(object_type)):
            if pipeline["id"] == pipeline_id:
                return pipeline
        raise not_found(f"Unable to find pipeline {pipeline_id}")

    @locked
    def list_stages(self, object_type: str, pipeline_id: str) -> dict[str, Any]:
        return {"results": self.get_pipeline(object_type, pipeline_id)["stages"]}

    def _pipeline_type(self, object_type: str) -> str:
        name = resolve_type(object_type)
        if name not in ("leads", "deals"):
            raise validation_error(f"Object type {object_type} does not have pipelines")
        return name

    @locked
    def list_properties(self, object_type: str, *, archived: bool = False) -> dict[str, Any]:
        """`GET /crm/v3/properties/{type}`: every property with its options (none are archived)."""
        defs = self._properties[resolve_type(object_type)]
        if archived:
            return {"results": []}
        return {"results": [p.to_wire(i) for i, p in enumerate(defs.values())]}

    @locked
    def get_property(self, object_type: str, name: str) -> dict[str, Any]:
        defs = self._properties[resolve_type(object_type)]
        if name not in defs:
            raise not_found(f"Unable to find property {name} on object type {object_type}")
        return defs[name].to_wire(list(defs).index(name))

    @locked
    def create_property(self, object_type: str, body: Any) -> dict[str, Any]:
        """`POST /crm/properties/{version}/{type}`: an app's own property (201 with its definition)."""
        defs = self._properties[resolve_type(object_type)]
        prop = custom_property(body, defs)
        defs[prop.name] = prop
        return prop.to_wire(len(defs) - 1)

    def dispositions(self) -> list[dict[str, Any]]:
        """`/calling/v1/dispositions`: a bare JSON array of the call outcomes."""
        return [{"id": guid, "label": label, "deleted": False} for guid, label in DISPOSITIONS]

    def account_details(self) -> dict[str, Any]:
        """`/account-info/v3/details` (PortalInformationResponse)."""
        return {
            "portalId": PORTAL_ID,
            "accountType": "STANDARD",
            "timeZone": "Europe/Berlin",
            "companyCurrency": "EUR",
            "additionalCurrencies": ["USD", "GBP"],
            "utcOffset": "+01:00",
            "utcOffsetMilliseconds": 3_600_000,
            "uiDomain": "app-eu1.hubspot.com",
            "dataHostingLocation": "eu1",
        }

    # --- sandbox-only -----------------------------------------------------------------------------

    @locked
    def to_json(self) -> dict[str, Any]:
        """Everything needed to restore this portal exactly: records, links, owners, id counter."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "next_id": self._next_id,
            "rep_owner_id": self._rep_owner_id,
            "owners": [{**o, "teams": [dict(t) for t in o["teams"]]} for o in self._owners],
            "records": {t: [r.to_json() for r in recs.values()] for t, recs in self._records.items()},
            "associations": self._assoc.to_json(),
            "custom_properties": {
                name: [p.to_wire(0) for p in defs.values() if not p.hubspot_defined]
                for name, defs in self._properties.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], settings: PortalSettings | None = None) -> Portal:
        """Restore a portal saved by `to_json`; its search index is current at once."""
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("version") != FORMAT_VERSION
        ):
            raise ValueError("not a leadboard sandbox portal file (or from an unknown version)")
        portal = cls.__new__(cls)
        portal.settings = settings or PortalSettings()
        portal._lock = threading.RLock()
        portal._clear()
        portal._next_id = int(data["next_id"])
        portal._rep_owner_id = str(data["rep_owner_id"])
        portal._owners = [dict(o) for o in data["owners"]]
        for object_type, saved in (data.get("custom_properties") or {}).items():
            for wire in saved:
                prop = property_from_wire(wire)
                portal._properties[object_type][prop.name] = prop
        for object_type, rows in data["records"].items():
            for row in rows:
                record = Record.from_json(object_type, row)
                portal._records[object_type][record.id] = record
                if not record.archived:
                    portal._index.put_now(record)
        portal._assoc = AssociationStore.from_json(data["associations"])
        return portal

    def save(self, path: str | Path) -> None:
        """Write the portal to `path` atomically (a temp file in the same folder, then os.replace)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path, settings: PortalSettings | None = None) -> Portal:
        with open(path, encoding="utf-8") as handle:
            return cls.from_json(json.load(handle), settings)

    @locked
    def reset(self) -> None:
        """Throw everything away and reseed from the settings."""
        self._clear()
        seed.seed_portal(self)

    @locked
    def live_tick(self, rng: random.Random) -> str | None:
        """One HubSpot-side event (new lead, reply, reassignment); a one-line description, or None."""
        return live.live_tick(self, rng)

    @locked
    def live_event(self, name: str, seed: int = 0) -> str | None:
        """One named HubSpot-side event (`live.LIVE_EVENTS`), its choices drawn from `seed`; tests
        step the live mode with this instead of waiting for the clock."""
        return live.live_event(self, name, random.Random(seed))

    @locked
    def remote_edit(self, object_type: str, object_id: str, properties: dict[str, str]) -> dict[str, Any]:
        """Another HubSpot user edits a record (validated like a PATCH); the record's full wire form."""
        return self.update_object(object_type, object_id, {"properties": properties})

    @locked
    def reassign_lead(self, lead_id: str, owner_id: str) -> dict[str, Any]:
        return self.update_object("leads", lead_id, {"properties": {"hubspot_owner_id": owner_id}})

    @locked
    def objects(self, object_type: str, *, include_archived: bool = False) -> list[dict[str, Any]]:
        """Every record of a type with all its properties, in id order (a raw view for tests)."""
        name = resolve_type(object_type)
        return [
            self._full_wire(r)
            for _, r in sorted(self._records[name].items())
            if include_archived or not r.archived
        ]
