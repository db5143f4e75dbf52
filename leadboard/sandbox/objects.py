"""The v3 object endpoints: list, get, create, update, archive, their batch forms, and search."""

from __future__ import annotations

from typing import Any

from leadboard.sandbox.catalog import (
    ACTIVITY_TYPES,
    ASSOCIATION_BY_ID,
    DEAL_PIPELINE_ID,
    DEAL_STAGES,
    LEAD_PIPELINE_ID,
    resolve_type,
)
from leadboard.sandbox.core import PortalCore, locked
from leadboard.sandbox.hubspot_errors import HubSpotError, standard_error, validation_error
from leadboard.sandbox.records import Record, iso
from leadboard.sandbox.validation import (
    batch_inputs,
    check_properties,
    optional_str_list,
    require_dict,
    require_id,
    require_list,
)

LIST_LIMIT = 100
LEAD_PRIMARY_CONTACT = 578

InlineAssociation = tuple[str, int, int]  # (to type, to id, type id)


class ObjectEndpoints(PortalCore):
    """CRUD, batch and search over records, with HubSpot's validation and 207 partial failures."""

    # --- read -------------------------------------------------------------------------------------

    @locked
    def list_objects(
        self,
        object_type: str,
        *,
        limit: int = 10,
        after: str | None = None,
        properties: list[str] | None = None,
        properties_with_history: list[str] | None = None,
        associations: list[str] | None = None,
        archived: bool = False,
    ) -> dict[str, Any]:
        """`GET /crm/v3/objects/{type}`: id order, `after` is the next record's id, limit ≤ 100."""
        name = resolve_type(object_type)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIST_LIMIT:
            raise validation_error(f"limit must be between 1 and {LIST_LIMIT}, got {limit}")
        start = 0
        if after not in (None, ""):
            if not str(after).isdigit():
                raise validation_error(f"Invalid after: {after}")
            start = int(str(after))
        ids = sorted(i for i, r in self._records[name].items() if r.archived == archived and i >= start)
        names = self._names(name, properties)
        results = [
            self._wire(
                self._records[name][i], names, history=properties_with_history, associations=associations
            )
            for i in ids[:limit]
        ]
        response: dict[str, Any] = {"results": results}
        if len(ids) > limit:
            nxt = str(ids[limit])
            response["paging"] = {
                "next": {"after": nxt, "link": f"/crm/v3/objects/{name}?limit={limit}&after={nxt}"}
            }
        return response

    @locked
    def get_object(
        self,
        object_type: str,
        object_id: str,
        *,
        properties: list[str] | None = None,
        properties_with_history: list[str] | None = None,
        associations: list[str] | None = None,
        archived: bool = False,
        id_property: str | None = None,
    ) -> dict[str, Any]:
        name = resolve_type(object_type)
        record = self._get(name, object_id, archived=archived, id_property=id_property)
        return self._wire(
            record, self._names(name, properties), history=properties_with_history, associations=associations
        )

    @locked
    def batch_read(
        self, object_type: str, body: Any, *, archived: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """`POST …/batch/read`: found records, and a 207 listing the ids that were not."""
        name = resolve_type(object_type)
        started = self._now_ms()
        inputs = batch_inputs(body)
        request = require_dict(body, "body")
        names = self._names(name, optional_str_list(request.get("properties"), "properties"))
        history = optional_str_list(request.get("propertiesWithHistory"), "propertiesWithHistory")
        id_property = request.get("idProperty")
        if id_property is not None and not isinstance(id_property, str):
            raise validation_error("Invalid input JSON: idProperty must be a string")
        results, missing = [], []
        for item in inputs:
            raw_id = require_id(require_dict(item, "inputs[]").get("id"), "inputs[].id")
            try:
                record = self._get(name, raw_id, archived=archived, id_property=id_property)
            except HubSpotError as error:
                if error.status != 404:
                    raise
                missing.append(raw_id)
                continue
            results.append(self._wire(record, names, history=history))
        return self._batch_response(200, results, started, self._not_found_errors(name, missing))

    # --- write ------------------------------------------------------------------------------------

    @locked
    def create_object(self, object_type: str, body: Any) -> dict[str, Any]:
        """`POST /crm/v3/objects/{type}` (the server answers 201)."""
        name = resolve_type(object_type)
        props, links = self._check_create(name, require_dict(body, "body"))
        return self._full_wire(self._create(name, props, links))

    @locked
    def update_object(
        self, object_type: str, object_id: str, body: Any, *, id_property: str | None = None
    ) -> dict[str, Any]:
        """`PATCH /crm/v3/objects/{type}/{id}`: validated property changes; 200 with the record."""
        name = resolve_type(object_type)
        record = self._get(name, object_id, id_property=id_property)
        request = require_dict(body, "body")
        changes = check_properties(
            name, request.get("properties"), self._owner_ids(), record.props, defs=self._properties[name]
        )
        self.settings.rules.check_update(name, record.props, changes)
        self._write(record, changes, self._now_ms())
        return self._full_wire(record)

    @locked
    def archive_object(self, object_type: str, object_id: str) -> None:
        """`DELETE`: to the recycle bin; the record leaves GET now and search after the lag."""
        name = resolve_type(object_type)
        self._archive(self._get(name, object_id))

    @locked
    def batch_create(self, object_type: str, body: Any) -> tuple[int, dict[str, Any]]:
        """`POST …/batch/create`: all-or-nothing 400, or 207 when every input has an objectWriteTraceId."""
        name = resolve_type(object_type)
        started = self._now_ms()
        inputs = [require_dict(i, "inputs[]") for i in batch_inputs(body)]
        traces = [i.get("objectWriteTraceId") for i in inputs]
        traced = (
            bool(inputs) and all(isinstance(t, str) and t for t in traces) and len(set(traces)) == len(traces)
        )
        checked: list[tuple[dict[str, str], list[InlineAssociation], Any]] = []
        errors: list[dict[str, Any]] = []
        for item, trace in zip(inputs, traces, strict=True):
            try:
                props, links = self._check_create(name, item)
            except HubSpotError as error:
                if not traced:
                    raise
                errors.append(
                    standard_error(
                        str(error.body.get("message")),
                        str(error.body.get("category")),
                        context={"objectWriteTraceId": [trace]},
                    )
                )
                continue
            checked.append((props, links, trace))
        results = []
        for props, links, trace in checked:
            wire = self._full_wire(self._create(name, props, links))
            if traced:
                wire["objectWriteTraceId"] = trace
            results.append(wire)
        return self._batch_response(201, results, started, errors)

    @locked
    def batch_update(self, object_type: str, body: Any) -> tuple[int, dict[str, Any]]:
        """`POST …/batch/update`: invalid values fail the whole batch (400); unknown ids give 207."""
        name = resolve_type(object_type)
        started = self._now_ms()
        owners = self._owner_ids()
        planned: list[tuple[Record, dict[str, str]]] = []
        missing: list[str] = []
        for item in batch_inputs(body):
            entry = require_dict(item, "inputs[]")
            raw_id = require_id(entry.get("id"), "inputs[].id")
            id_property = entry.get("idProperty")
            if id_property is not None and not isinstance(id_property, str):
                raise validation_error("Invalid input JSON: idProperty must be a string")
            try:
                record = self._get(name, raw_id, id_property=id_property)
            except HubSpotError as error:
                if error.status != 404:
                    raise
                missing.append(raw_id)
                continue
            changes = check_properties(
                name, entry.get("properties"), owners, record.props, defs=self._properties[name]
            )
            self.settings.rules.check_update(name, record.props, changes)
            planned.append((record, changes))
        now = self._now_ms()
        for record, changes in planned:
            self._write(record, changes, now)
        results = [self._full_wire(r) for r, _ in planned]
        return self._batch_response(200, results, started, self._not_found_errors(name, missing))

    @locked
    def batch_archive(self, object_type: str, body: Any) -> None:
        """`POST …/batch/archive` (204): unknown or already archived ids are ignored."""
        name = resolve_type(object_type)
        for item in batch_inputs(body):
            raw_id = require_id(require_dict(item, "inputs[]").get("id"), "inputs[].id")
            if raw_id.isdigit():
                record = self._records[name].get(int(raw_id))
                if record is not None and not record.archived:
                    self._archive(record)

    @locked
    def search(self, object_type: str, body: Any) -> dict[str, Any]:
        """`POST …/search`: see search.py for the semantics and the index lag."""
        name = resolve_type(object_type)
        return self._index.search(name, body, self._now(), self._associated_ids)

    # --- helpers ----------------------------------------------------------------------------------

    def _associated_ids(self, object_type: str, object_id: int, to_type: str) -> set[int]:
        return set(self._live_targets(object_type, object_id, to_type))

    def _check_create(
        self, name: str, request: dict[str, Any]
    ) -> tuple[dict[str, str], list[InlineAssociation]]:
        """Validate a create body: properties, inline associations and the type's required parts."""
        defaults = {"leads": {"hs_pipeline": LEAD_PIPELINE_ID}, "deals": {"pipeline": DEAL_PIPELINE_ID}}.get(
            name, {}
        )
        props = check_properties(
            name, request.get("properties"), self._owner_ids(), defaults, defs=self._properties[name]
        )
        props = {**defaults, **{k: v for k, v in props.items() if v != ""}}
        links = self._check_inline_associations(name, request.get("associations"))
        if name == "leads":
            props.setdefault("hs_pipeline_stage", "new-stage-id")
            if not props.get("hs_lead_name", "").strip():
                raise validation_error(
                    "Lead could not be created: hs_lead_name is required.",
                    [
                        {
                            "message": "hs_lead_name is required",
                            "code": "REQUIRED_PROPERTY",
                            "context": {"propertyName": ["hs_lead_name"]},
                        }
                    ],
                )
            if not any(
                to_type == "contacts" and type_id == LEAD_PRIMARY_CONTACT for to_type, _, type_id in links
            ):
                raise validation_error(
                    "Lead could not be created: a lead must be associated with an existing contact as its "
                    "primary contact (associationTypeId 578) in the create request.",
                    [
                        {
                            "message": "Missing required association to a primary contact (578)",
                            "code": "MISSING_REQUIRED_ASSOCIATION",
                            "context": {"associationTypeId": ["578"]},
                        }
                    ],
                )
        if name in ACTIVITY_TYPES and not props.get("hs_timestamp"):
            raise validation_error(
                f"Property values were not valid: hs_timestamp is required for {name}.",
                [
                    {
                        "message": "hs_timestamp is required",
                        "code": "REQUIRED_PROPERTY",
                        "context": {"propertyName": ["hs_timestamp"]},
                    }
                ],
            )
        if name == "deals":
            props.setdefault("dealstage", DEAL_STAGES[0][0])
        self.settings.rules.check_create(name, props)
        return props, links

    def _check_inline_associations(self, name: str, raw: Any) -> list[InlineAssociation]:
        links: list[InlineAssociation] = []
        for item in require_list(raw if raw is not None else [], "associations"):
            entry = require_dict(item, "associations[]")
            to_raw = require_id(
                require_dict(entry.get("to"), "associations[].to").get("id"), "associations[].to.id"
            )
            for spec in require_list(entry.get("types"), "associations[].types"):
                type_id = require_dict(spec, "associations[].types[]").get("associationTypeId")
                assoc = ASSOCIATION_BY_ID.get(type_id) if isinstance(type_id, int) else None
                if assoc is None or assoc.from_type != name:
                    raise validation_error(
                        f"{type_id} is not a valid association type id from {name}",
                        [
                            {
                                "message": f"invalid associationTypeId {type_id}",
                                "code": "INVALID_ASSOCIATION_TYPE",
                            }
                        ],
                    )
                target = self._records[assoc.to_type].get(int(to_raw)) if to_raw.isdigit() else None
                if target is None or target.archived:
                    raise validation_error(
                        f"No {assoc.to_type} record with id {to_raw} exists to associate with",
                        [
                            {
                                "message": f"{assoc.to_type} {to_raw} was not found",
                                "code": "INVALID_ASSOCIATION",
                                "context": {"toObjectId": [to_raw]},
                            }
                        ],
                    )
                links.append((assoc.to_type, int(to_raw), assoc.type_id))
        return links

    def _create(self, name: str, props: dict[str, str], links: list[InlineAssociation]) -> Record:
        now = self._now_ms()
        record = self._insert(name, props, now)
        if name == "leads":
            record.props["hs_v2_date_entered_current_stage"] = iso(now)
        for to_type, to_id, type_id in links:
            self._link(name, record.id, to_type, to_id, type_id, now)
        self._after_change(record, now)
        self._schedule(record)
        return record

    def _archive(self, record: Record) -> None:
        now = self._now_ms()
        record.archived = True
        record.archived_ms = now
        self._schedule(record)
        self._after_change(record, now)

    def _not_found_errors(self, name: str, missing: list[str]) -> list[dict[str, Any]]:
        if not missing:
            return []
        message = (
            f"Could not get some {name} objects, they may be deleted or not exist. Check that ids are valid."
        )
        return [standard_error(message, "OBJECT_NOT_FOUND", context={"ids": missing})]
