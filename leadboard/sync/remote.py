"""What the gateway hands back: HubSpot's data as small frozen dataclasses, never SDK models.

Importable without `hubspot`, so pull, push, the store and the tests can name these types (and
the op marker helpers) cheaply. The `from_json` parsers accept HubSpot's wire JSON and tolerate
missing optional keys; property values stay strings (or None), exactly as HubSpot sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# HubSpot-defined association type ids (research/hubspot-api.md §5; HubSpot's AssociationType enum).
NOTE_TO_CONTACT = 202
NOTE_TO_LEAD = 855
CALL_TO_CONTACT = 194
CALL_TO_LEAD = 597
TASK_TO_CONTACT = 204
TASK_TO_LEAD = 647
DEAL_TO_CONTACT = 3
DEAL_TO_LEAD = 1038
PRIMARY_DEAL_TO_LEAD = 583  # the deal is the lead's primary deal, as qualifying in HubSpot makes it

CreatedKind = Literal["note", "call", "deal", "task"]
# Each created kind: its object type, and the property that carries the op marker.
CREATED_KINDS: Mapping[str, tuple[str, str]] = {
    "note": ("notes", "hs_note_body"),
    "call": ("calls", "hs_call_body"),
    "task": ("tasks", "hs_task_body"),
    "deal": ("deals", "description"),
}


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Owner:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    user_id: int | None
    archived: bool = False

    @property
    def name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.email or self.id

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Owner:
        user_id = data.get("userId")
        return cls(
            id=str(data["id"]),
            email=_str_or_none(data.get("email")),
            first_name=_str_or_none(data.get("firstName")),
            last_name=_str_or_none(data.get("lastName")),
            user_id=int(user_id) if isinstance(user_id, int | str) and str(user_id).isdigit() else None,
            archived=bool(data.get("archived", False)),
        )


@dataclass(frozen=True)
class PipelineStage:
    id: str
    label: str
    display_order: int
    metadata: Mapping[str, str] = field(default_factory=dict)
    archived: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PipelineStage:
        return cls(
            id=str(data["id"]),
            label=str(data.get("label", "")),
            display_order=int(data.get("displayOrder", 0)),
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            archived=bool(data.get("archived", False)),
        )


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    display_order: int
    stages: tuple[PipelineStage, ...]
    archived: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pipeline:
        stages = sorted(
            (PipelineStage.from_json(s) for s in data.get("stages") or []), key=lambda s: s.display_order
        )
        return cls(
            id=str(data["id"]),
            label=str(data.get("label", "")),
            display_order=int(data.get("displayOrder", 0)),
            stages=tuple(stages),
            archived=bool(data.get("archived", False)),
        )


@dataclass(frozen=True)
class PropertyOption:
    """Write `value`, show `label`."""

    value: str
    label: str
    hidden: bool = False
    display_order: int | None = None
    description: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PropertyOption:
        order = data.get("displayOrder")
        return cls(
            value=str(data["value"]),
            label=str(data.get("label", data["value"])),
            hidden=bool(data.get("hidden", False)),
            display_order=int(order) if isinstance(order, int) else None,
            description=str(data.get("description") or ""),
        )


@dataclass(frozen=True)
class PropertyDefinition:
    name: str
    label: str
    type: str
    field_type: str
    options: tuple[PropertyOption, ...] = ()
    external_options: bool = False
    hidden: bool = False  # HubSpot shows it to no user (leadboard's op id property)
    group: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PropertyDefinition:
        return cls(
            name=str(data["name"]),
            label=str(data.get("label", data["name"])),
            type=str(data.get("type", "")),
            field_type=str(data.get("fieldType", "")),
            options=tuple(PropertyOption.from_json(o) for o in data.get("options") or []),
            external_options=bool(data.get("externalOptions", False)),
            hidden=bool(data.get("hidden", False)),
            group=str(data.get("groupName") or ""),
        )


@dataclass(frozen=True)
class CallDisposition:
    """A call outcome: `id` (a GUID) is what `hs_call_disposition` takes."""

    id: str
    label: str
    deleted: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallDisposition:
        return cls(
            id=str(data["id"]), label=str(data.get("label", "")), deleted=bool(data.get("deleted", False))
        )


@dataclass(frozen=True)
class AccountDetails:
    portal_id: int | None
    time_zone: str | None
    ui_domain: str | None
    company_currency: str | None
    data_hosting_location: str | None
    account_type: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccountDetails:
        portal = data.get("portalId")
        return cls(
            portal_id=int(portal) if isinstance(portal, int) else None,
            time_zone=_str_or_none(data.get("timeZone")),
            ui_domain=_str_or_none(data.get("uiDomain")),
            company_currency=_str_or_none(data.get("companyCurrency")),
            data_hosting_location=_str_or_none(data.get("dataHostingLocation")),
            account_type=_str_or_none(data.get("accountType")),
        )


@dataclass(frozen=True)
class PropertyVersion:
    value: str | None
    timestamp: str | None
    source_type: str | None
    source_id: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PropertyVersion:
        return cls(
            value=_str_or_none(data.get("value")),
            timestamp=_str_or_none(data.get("timestamp")),
            source_type=_str_or_none(data.get("sourceType")),
            source_id=_str_or_none(data.get("sourceId")),
        )


@dataclass(frozen=True)
class RemoteObject:
    """A CRM object (lead, contact, company, note, call, deal, task) as HubSpot sent it.

    Requested-but-empty properties may be None or absent (HubSpot does both); `history` holds
    `propertiesWithHistory` newest first when asked for.
    """

    id: str
    properties: Mapping[str, str | None]
    created_at: str | None = None
    updated_at: str | None = None
    archived: bool = False
    archived_at: str | None = None
    history: Mapping[str, tuple[PropertyVersion, ...]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.properties.get(name)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemoteObject:
        history = {
            str(name): tuple(PropertyVersion.from_json(v) for v in versions or [])
            for name, versions in (data.get("propertiesWithHistory") or {}).items()
        }
        return cls(
            id=str(data["id"]),
            properties={str(k): _str_or_none(v) for k, v in (data.get("properties") or {}).items()},
            created_at=_str_or_none(data.get("createdAt")),
            updated_at=_str_or_none(data.get("updatedAt")),
            archived=bool(data.get("archived", False)),
            archived_at=_str_or_none(data.get("archivedAt")),
            history=history,
        )


@dataclass(frozen=True)
class SearchPage:
    """One search page; `next_after` is the offset to ask for next, None on the last page."""

    results: tuple[RemoteObject, ...]
    total: int
    next_after: str | None


@dataclass(frozen=True)
class ListPage:
    """One page of a list endpoint; `next_after` is an id-style cursor, None on the last page."""

    results: tuple[RemoteObject, ...]
    next_after: str | None


@dataclass(frozen=True)
class BatchRead:
    """Objects found by id, and the requested ids HubSpot did not return (missing or archived)."""

    found: Mapping[str, RemoteObject]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Association:
    """One associated object: its id and the association type ids (and labels) linking to it."""

    to_id: str
    type_ids: tuple[int, ...]
    labels: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Association:
        types = data.get("associationTypes") or []
        return cls(
            to_id=str(data["toObjectId"]),
            type_ids=tuple(int(t["typeId"]) for t in types if "typeId" in t),
            labels=tuple(str(t["label"]) for t in types if t.get("label")),
        )


def next_after(payload: Mapping[str, Any]) -> str | None:
    """`paging.next.after` of a HubSpot collection response, or None."""
    paging = payload.get("paging") or {}
    nxt = paging.get("next") or {}
    after = nxt.get("after")
    return None if after in (None, "") else str(after)
