"""The v4 association endpoints: per-record reads and writes, batches, and the label definitions.

Links are stored from both ends (records.AssociationStore), so an association made from either side
reads back from both with the inverse type id. `toObjectId` is a JSON number, as HubSpot sends it.
"""

from __future__ import annotations

from typing import Any

from leadboard.sandbox.catalog import (
    ASSOCIATION_BY_ID,
    TYPE_IDS,
    association_types,
    default_association,
    resolve_type,
)
from leadboard.sandbox.core import PortalCore, locked, parse_object_id
from leadboard.sandbox.hubspot_errors import HubSpotError, not_found, standard_error, validation_error
from leadboard.sandbox.records import Record, iso
from leadboard.sandbox.validation import batch_inputs, require_dict, require_id, require_list

READ_LIMIT = 1_000
CREATE_LIMIT = 2_000
PAGE_LIMIT = 500


class AssociationEndpoints(PortalCore):
    """`/crm/v4/objects/…/associations/…` and `/crm/v4/associations/{from}/{to}/…`."""

    def _assoc_types_wire(self, type_ids: set[int]) -> list[dict[str, Any]]:
        """Labelled types first (as HubSpot lists "Primary" before the unlabelled one)."""
        ordered = sorted(type_ids, key=lambda t: (ASSOCIATION_BY_ID[t].label is None, t))
        return [
            {"category": "HUBSPOT_DEFINED", "typeId": t, "label": ASSOCIATION_BY_ID[t].label} for t in ordered
        ]

    def _pair_types(self, from_type: str, to_type: str) -> tuple[str, str]:
        names = resolve_type(from_type), resolve_type(to_type)
        if not association_types(*names):
            raise validation_error(f"No association types are defined between {names[0]} and {names[1]}")
        return names

    def _live_record(self, object_type: str, object_id: Any) -> Record:
        record = self._records[object_type].get(parse_object_id(object_id))
        if record is None or record.archived:
            raise not_found(f"No {object_type} with id {object_id} exists")
        return record

    def _targets_wire(self, from_type: str, from_id: int, to_type: str) -> list[dict[str, Any]]:
        return [
            {"toObjectId": to_id, "associationTypes": self._assoc_types_wire(types)}
            for to_id, types in self._live_targets(from_type, from_id, to_type).items()
        ]

    def _labels_between(self, from_type: str, from_id: int, to_type: str, to_id: int) -> dict[str, Any]:
        """`LabelsBetweenObjectPair` after a write."""
        types = self._assoc.types_between(from_type, from_id, to_type, to_id)
        labels = sorted({label for t in types if (label := ASSOCIATION_BY_ID[t].label) is not None})
        return {
            "fromObjectTypeId": TYPE_IDS[from_type],
            "fromObjectId": from_id,
            "toObjectTypeId": TYPE_IDS[to_type],
            "toObjectId": to_id,
            "labels": labels,
        }

    def _default_results(
        self, from_type: str, from_id: int, to_type: str, to_id: int
    ) -> list[dict[str, Any]]:
        """`PublicDefaultAssociation` for both directions of an unlabelled link."""
        plain = default_association(from_type, to_type)
        assert plain is not None  # _pair_types guarantees the pair has types; every pair has a default
        return [
            {
                "from": {"id": str(from_id)},
                "to": {"id": str(to_id)},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": plain.type_id,
                },
            },
            {
                "from": {"id": str(to_id)},
                "to": {"id": str(from_id)},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": plain.inverse_id,
                },
            },
        ]

    def _spec_type_ids(self, from_type: str, to_type: str, specs: Any) -> list[int]:
        """Validate an `AssociationSpec` array for a pair; the type ids it names."""
        items = require_list(specs, "body")
        if not items:
            raise validation_error("Invalid JSON input: a request body was expected, but none found")
        allowed = {a.type_id for a in association_types(from_type, to_type)}
        type_ids: list[int] = []
        for spec in items:
            entry = require_dict(spec, "AssociationSpec")
            type_id = entry.get("associationTypeId")
            category = entry.get("associationCategory")
            if category not in ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"):
                raise validation_error(f"Invalid associationCategory: {category!r}")
            if isinstance(type_id, bool) or not isinstance(type_id, int) or type_id not in allowed:
                raise validation_error(
                    f"associationTypeId {type_id!r} is not valid between {from_type} and {to_type}",
                    [
                        {
                            "message": f"invalid associationTypeId {type_id!r}",
                            "code": "INVALID_ASSOCIATION_TYPE",
                        }
                    ],
                )
            type_ids.append(type_id)
        return type_ids

    # --- per record -------------------------------------------------------------------------------

    @locked
    def association_page(
        self, from_type: str, from_id: str, to_type: str, *, limit: int = 500, after: str | None = None
    ) -> dict[str, Any]:
        """`GET /crm/v4/objects/{type}/{id}/associations/{toType}` with offset paging."""
        names = self._pair_types(from_type, to_type)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_LIMIT:
            raise validation_error(f"limit must be between 1 and {PAGE_LIMIT}, got {limit}")
        record = self._live_record(names[0], from_id)
        offset = int(after) if after and str(after).isdigit() else 0
        results = self._targets_wire(names[0], record.id, names[1])
        response: dict[str, Any] = {"results": results[offset : offset + limit]}
        if offset + limit < len(results):
            response["paging"] = {"next": {"after": str(offset + limit)}}
        return response

    @locked
    def associate_default(self, from_type: str, from_id: str, to_type: str, to_id: str) -> dict[str, Any]:
        """`PUT …/associations/default/{toType}/{toId}` (200): the pair's unlabelled type."""
        started = self._now_ms()
        names = self._pair_types(from_type, to_type)
        source, target = self._live_record(names[0], from_id), self._live_record(names[1], to_id)
        plain = default_association(*names)
        assert plain is not None
        self._link(names[0], source.id, names[1], target.id, plain.type_id, self._now_ms())
        return {
            "status": "COMPLETE",
            "results": self._default_results(names[0], source.id, names[1], target.id),
            "startedAt": iso(started),
            "completedAt": iso(self._now_ms()),
        }

    @locked
    def associate_labelled(
        self, from_type: str, from_id: str, to_type: str, to_id: str, specs: Any
    ) -> dict[str, Any]:
        """`PUT …/associations/{toType}/{toId}` with an AssociationSpec array body (201)."""
        names = self._pair_types(from_type, to_type)
        type_ids = self._spec_type_ids(*names, specs)
        source, target = self._live_record(names[0], from_id), self._live_record(names[1], to_id)
        now = self._now_ms()
        for type_id in type_ids:
            self._link(names[0], source.id, names[1], target.id, type_id, now)
        return self._labels_between(names[0], source.id, names[1], target.id)

    @locked
    def remove_associations(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """`DELETE …/associations/{toType}/{toId}` (204): every type between the pair."""
        names = self._pair_types(from_type, to_type)
        self._unlink(names[0], parse_object_id(from_id), names[1], parse_object_id(to_id), self._now_ms())

    # --- batches ----------------------------------------------------------------------------------

    def _missing_error(self, names: tuple[str, str], from_id: str, side: str = "from") -> dict[str, Any]:
        key = "fromObjectId" if side == "from" else "toObjectId"
        return standard_error(
            f"No {names[0] if side == 'from' else names[1]} with id {from_id} exists",
            "OBJECT_NOT_FOUND",
            context={
                key: [from_id],
                "fromObjectType": [TYPE_IDS[names[0]]],
                "toObjectType": [TYPE_IDS[names[1]]],
            },
        )

    def _find_live(self, object_type: str, raw_id: str) -> Record | None:
        record = self._records[object_type].get(int(raw_id)) if raw_id.isdigit() else None
        return record if record is not None and not record.archived else None

    @locked
    def batch_read_associations(self, from_type: str, to_type: str, body: Any) -> tuple[int, dict[str, Any]]:
        """`POST /crm/v4/associations/{from}/{to}/batch/read` (≤ 1,000 ids; ids without links omitted)."""
        started = self._now_ms()
        names = self._pair_types(from_type, to_type)
        results, errors = [], []
        for item in batch_inputs(body, READ_LIMIT):
            raw_id = require_id(require_dict(item, "inputs[]").get("id"), "inputs[].id")
            record = self._find_live(names[0], raw_id)
            if record is None:
                errors.append(self._missing_error(names, raw_id))
                continue
            targets = self._targets_wire(names[0], record.id, names[1])
            if targets:
                results.append({"from": {"id": raw_id}, "to": targets})
        return self._batch_response(200, results, started, errors)

    @locked
    def batch_create_associations(
        self, from_type: str, to_type: str, body: Any
    ) -> tuple[int, dict[str, Any]]:
        """`POST …/batch/create` (≤ 2,000): labelled links; missing records give 207."""
        started = self._now_ms()
        names = self._pair_types(from_type, to_type)
        planned: list[tuple[Record, Record, list[int]]] = []
        errors: list[dict[str, Any]] = []
        for item in batch_inputs(body, CREATE_LIMIT):
            entry = require_dict(item, "inputs[]")
            from_raw = require_id(
                require_dict(entry.get("from"), "inputs[].from").get("id"), "inputs[].from.id"
            )
            to_raw = require_id(require_dict(entry.get("to"), "inputs[].to").get("id"), "inputs[].to.id")
            type_ids = self._spec_type_ids(*names, entry.get("types"))
            source, target = self._find_live(names[0], from_raw), self._find_live(names[1], to_raw)
            if source is None or target is None:
                errors.append(
                    self._missing_error(
                        names, from_raw if source is None else to_raw, "from" if source is None else "to"
                    )
                )
                continue
            planned.append((source, target, type_ids))
        now = self._now_ms()
        results = []
        for source, target, type_ids in planned:
            for type_id in type_ids:
                self._link(names[0], source.id, names[1], target.id, type_id, now)
            results.append(self._labels_between(names[0], source.id, names[1], target.id))
        return self._batch_response(201, results, started, errors)

    @locked
    def batch_associate_default(self, from_type: str, to_type: str, body: Any) -> tuple[int, dict[str, Any]]:
        """`POST …/batch/associate/default` (200, or 207 when records are missing)."""
        started = self._now_ms()
        names = self._pair_types(from_type, to_type)
        plain = default_association(*names)
        assert plain is not None
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        now = self._now_ms()
        for item in batch_inputs(body, CREATE_LIMIT):
            entry = require_dict(item, "inputs[]")
            from_raw = require_id(
                require_dict(entry.get("from"), "inputs[].from").get("id"), "inputs[].from.id"
            )
            to_raw = require_id(require_dict(entry.get("to"), "inputs[].to").get("id"), "inputs[].to.id")
            source, target = self._find_live(names[0], from_raw), self._find_live(names[1], to_raw)
            if source is None or target is None:
                errors.append(
                    self._missing_error(
                        names, from_raw if source is None else to_raw, "from" if source is None else "to"
                    )
                )
                continue
            self._link(names[0], source.id, names[1], target.id, plain.type_id, now)
            results.extend(self._default_results(names[0], source.id, names[1], target.id))
        return self._batch_response(200, results, started, errors)

    @locked
    def batch_archive_associations(self, from_type: str, to_type: str, body: Any) -> None:
        """`POST …/batch/archive` (204): `{"inputs":[{"from":{"id"},"to":[{"id"}]}]}`."""
        names = self._pair_types(from_type, to_type)
        now = self._now_ms()
        for item in batch_inputs(body, CREATE_LIMIT):
            entry = require_dict(item, "inputs[]")
            from_raw = require_id(
                require_dict(entry.get("from"), "inputs[].from").get("id"), "inputs[].from.id"
            )
            for to in require_list(entry.get("to"), "inputs[].to"):
                to_raw = require_id(require_dict(to, "inputs[].to[]").get("id"), "inputs[].to[].id")
                if from_raw.isdigit() and to_raw.isdigit():
                    self._unlink(names[0], int(from_raw), names[1], int(to_raw), now)

    @locked
    def association_labels(self, from_type: str, to_type: str) -> dict[str, Any]:
        """`GET …/{from}/{to}/labels`: the pair's type ids and labels (null = unlabelled)."""
        names = self._pair_types(from_type, to_type)
        return {
            "results": [
                {"category": "HUBSPOT_DEFINED", "typeId": a.type_id, "label": a.label}
                for a in association_types(*names)
            ]
        }


__all__ = ["AssociationEndpoints", "HubSpotError"]
