"""HubSpot's CRM search: a lagging index, filter groups, one sort, offset paging and its limits.

The index holds a snapshot of each record as of its last *indexed* write: a write becomes visible
to search only `lag` seconds after it happened (research §7, "eventual consistency"), and until
then search keeps answering with the previous snapshot. Filtered and sorted id lists are cached per
(request, index version), so paging through a result set costs a slice, not a re-sort.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from leadboard.sandbox.catalog import resolve_type
from leadboard.sandbox.hubspot_errors import validation_error
from leadboard.sandbox.properties import PROPERTIES, QUERY_PROPERTIES, PropertyDef
from leadboard.sandbox.records import Record, iso, parse_instant
from leadboard.sandbox.validation import optional_str_list, require_dict, require_list

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_QUERY_LENGTH = 3_000
OPERATORS = frozenset(
    {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"}
    | {"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
)
_TOKEN_SPLIT = re.compile(r"[^\w*]+", re.UNICODE)

# Given an object type, id and the type searched for, the ids associated with it.
AssociatedIds = Callable[[str, int, str], set[int]]


@dataclass(slots=True)
class IndexedDoc:
    """A record as search sees it: a snapshot of its properties when it was indexed."""

    id: int
    sid: str
    props: dict[str, str]
    created_ms: int
    created_iso: str
    updated_iso: str
    _typed: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, record: Record) -> IndexedDoc:
        props = record.props
        created = props.get("hs_createdate") or iso(record.created_ms)
        updated = props.get("hs_lastmodifieddate") or iso(record.updated_ms)
        return cls(record.id, record.sid, dict(props), record.created_ms, created, updated)

    def typed(self, prop: PropertyDef) -> Any:
        """The value in comparable form (number, ms instant, or string; case folded unless enumeration)."""
        name = prop.name
        if name in self._typed:
            return self._typed[name]
        raw = self.props.get(name)
        value = None if raw is None else _typed_value(prop, raw)
        self._typed[name] = value
        return value

    def wire(self, names: tuple[str, ...]) -> dict[str, Any]:
        props = self.props
        return {
            "id": self.sid,
            "properties": {n: props.get(n) for n in names},
            "createdAt": self.created_iso,
            "updatedAt": self.updated_iso,
            "archived": False,
        }


def _typed_value(prop: PropertyDef, raw: str) -> Any:
    if prop.type == "number":
        try:
            return float(raw)
        except ValueError:
            return None
    if prop.type in ("datetime", "date"):
        return parse_instant(raw)
    if prop.type == "enumeration":
        return raw
    return raw.lower()


def _filter_value(prop: PropertyDef, raw: Any) -> Any:
    """A filter's `value` in the same comparable form as the indexed values; 400 if it cannot be."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise validation_error(f"Invalid filter value for {prop.name}: {raw!r}")
    text = str(raw)
    value = _typed_value(prop, text)
    if value is None:
        raise validation_error(f"{text} is not a valid value for property {prop.name} of type {prop.type}")
    return value


class SearchIndex:
    """All types' indexed snapshots plus the writes still waiting out the lag."""

    def __init__(self, properties: Mapping[str, Mapping[str, PropertyDef]] = PROPERTIES) -> None:
        self.properties = properties  # the portal's, with any an app created: search filters on them too
        self.docs: dict[str, dict[int, IndexedDoc]] = {name: {} for name in PROPERTIES}
        self.version: dict[str, int] = dict.fromkeys(PROPERTIES, 0)
        self._pending: deque[tuple[float, str, int, IndexedDoc | None]] = deque()
        self._cache: OrderedDict[tuple[str, str], tuple[int, list[IndexedDoc]]] = OrderedDict()

    def put_now(self, record: Record) -> None:
        """Index a record at once (seeding, loading)."""
        self.docs[record.type][record.id] = IndexedDoc.of(record)
        self.version[record.type] += 1

    def schedule(self, record: Record, visible_at: float) -> None:
        """Index this version of a record once the clock reaches `visible_at` (None snapshot = remove)."""
        doc = None if record.archived else IndexedDoc.of(record)
        self._pending.append((visible_at, record.type, record.id, doc))

    def flush(self, now: float) -> None:
        while self._pending and self._pending[0][0] <= now:
            _, object_type, object_id, doc = self._pending.popleft()
            if doc is None:
                self.docs[object_type].pop(object_id, None)
            else:
                self.docs[object_type][object_id] = doc
            self.version[object_type] += 1

    def clear(self) -> None:
        for docs in self.docs.values():
            docs.clear()
        for name in self.version:
            self.version[name] += 1
        self._pending.clear()
        self._cache.clear()

    def search(self, object_type: str, body: Any, now: float, associated: AssociatedIds) -> dict[str, Any]:
        """Run one search request; the response in `CollectionResponseWithTotalSimplePublicObject` shape."""
        self.flush(now)
        request = require_dict(body if body is not None else {}, "body")
        limit, offset = _paging(request)
        names = _response_properties(object_type, request.get("properties"))
        key = (object_type, _cache_key(request))
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self.version[object_type]:
            matches = cached[1]
            self._cache.move_to_end(key)
        else:
            matches = self._run(object_type, request, associated)
            self._cache[key] = (self.version[object_type], matches)
            if len(self._cache) > 64:
                self._cache.popitem(last=False)
        page = matches[offset : offset + limit]
        response: dict[str, Any] = {"total": len(matches), "results": [d.wire(names) for d in page]}
        if offset + limit < len(matches):
            response["paging"] = {"next": {"after": str(offset + limit)}}
        return response

    def _run(self, object_type: str, request: dict[str, Any], associated: AssociatedIds) -> list[IndexedDoc]:
        defs = self.properties[object_type]
        groups = _compile_groups(object_type, defs, request.get("filterGroups"), associated)
        query = _compile_query(object_type, request.get("query"))
        docs = self.docs[object_type].values()
        if groups:
            found = [d for d in docs if any(all(f(d) for f in group) for group in groups)]
        else:
            found = list(docs)
        if query is not None:
            found = [d for d in found if query(d)]
        return _sorted(object_type, defs, found, request.get("sorts"))


def _paging(request: dict[str, Any]) -> tuple[int, int]:
    limit = request.get("limit", 10)
    if limit is None:
        limit = 10
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise validation_error(f"Invalid limit: {limit!r}; it must be an integer between 0 and {MAX_LIMIT}")
    if limit > MAX_LIMIT:
        raise validation_error(f"limit must be at most {MAX_LIMIT}, got {limit}")
    after = request.get("after")
    offset = 0
    if after not in (None, ""):
        text = str(after)
        if isinstance(after, bool) or not text.isdigit():
            raise validation_error(f"Invalid after: {after!r}; it must be an integer offset")
        offset = int(text)
    if offset + limit > MAX_RESULTS:
        raise validation_error(
            f"The search API returns at most {MAX_RESULTS} results for a query; "
            f"after={offset} with limit={limit} goes past that."
        )
    return limit, offset


def _response_properties(object_type: str, requested: Any) -> tuple[str, ...]:
    from leadboard.sandbox.properties import DEFAULT_PROPERTIES

    defaults = DEFAULT_PROPERTIES[object_type]
    names = optional_str_list(requested, "properties")
    if not names:
        return defaults
    always = [
        n
        for n in ("createdate", "hs_createdate", "hs_lastmodifieddate", "lastmodifieddate", "hs_object_id")
        if n in defaults
    ]
    return tuple(dict.fromkeys([*names, *always]))


def _cache_key(request: dict[str, Any]) -> str:
    parts = {k: request.get(k) for k in ("filterGroups", "sorts", "query")}
    return json.dumps(parts, sort_keys=True, default=str)


def _prop(object_type: str, defs: Mapping[str, PropertyDef], name: Any) -> PropertyDef:
    if not isinstance(name, str) or name not in defs:
        raise validation_error(
            f"There was a problem with the request: property {name!r} does not exist on {object_type}"
        )
    return defs[name]


Predicate = Callable[[IndexedDoc], bool]


def _compile_groups(
    object_type: str, defs: Mapping[str, PropertyDef], raw: Any, associated: AssociatedIds
) -> list[list[Predicate]]:
    groups = require_list(raw if raw is not None else [], "filterGroups")
    if len(groups) > MAX_GROUPS:
        raise validation_error(f"Too many filter groups: {len(groups)} (at most {MAX_GROUPS} are allowed)")
    compiled: list[list[Predicate]] = []
    total = 0
    for group in groups:
        filters = require_list(require_dict(group, "filterGroups[]").get("filters"), "filters")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(
                f"Too many filters in a group: {len(filters)} (at most {MAX_FILTERS_PER_GROUP} are allowed)"
            )
        total += len(filters)
        if total > MAX_FILTERS:
            raise validation_error(f"Too many filters: at most {MAX_FILTERS} are allowed across all groups")
        compiled.append(
            [_compile_filter(object_type, defs, require_dict(f, "filters[]"), associated) for f in filters]
        )
    return [g for g in compiled if g]


def _compile_filter(
    object_type: str, defs: Mapping[str, PropertyDef], spec: dict[str, Any], associated: AssociatedIds
) -> Predicate:
    operator = spec.get("operator")
    if operator not in OPERATORS:
        raise validation_error(f"Invalid operator: {operator!r}")
    name = spec.get("propertyName")
    if isinstance(name, str) and name.startswith("associations."):
        return _association_filter(object_type, name, operator, spec, associated)
    prop = _prop(object_type, defs, name)
    if operator == "HAS_PROPERTY":
        return lambda d: prop.name in d.props
    if operator == "NOT_HAS_PROPERTY":
        return lambda d: prop.name not in d.props
    if operator in ("IN", "NOT_IN"):
        raw_values = require_list(spec.get("values"), "values")
        wanted = {_filter_value(prop, v) for v in raw_values}
        if operator == "IN":
            return lambda d: d.typed(prop) in wanted
        return lambda d: d.typed(prop) not in wanted
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        match = _token_matcher(str(spec.get("value", "")))
        if operator == "CONTAINS_TOKEN":
            return lambda d: match(d.props.get(prop.name))
        return lambda d: not match(d.props.get(prop.name))
    value = _filter_value(prop, spec.get("value"))
    if operator == "BETWEEN":
        high = _filter_value(prop, spec.get("highValue"))
        return lambda d: (v := d.typed(prop)) is not None and value <= v <= high
    return _comparison(prop, operator, value)


def _comparison(prop: PropertyDef, operator: str, value: Any) -> Predicate:
    if operator == "EQ":
        return lambda d: d.typed(prop) == value
    if operator == "NEQ":
        return lambda d: d.typed(prop) != value
    compare: Callable[[Any], bool] = {
        "LT": lambda v: v < value,
        "LTE": lambda v: v <= value,
        "GT": lambda v: v > value,
        "GTE": lambda v: v >= value,
    }[operator]
    return lambda d: (v := d.typed(prop)) is not None and compare(v)


def _association_filter(
    object_type: str, name: str, operator: str, spec: dict[str, Any], associated: AssociatedIds
) -> Predicate:
    """`associations.contact EQ 123`: records associated with a given record."""
    other = resolve_type(name.split(".", 1)[1])
    if operator in ("EQ", "IN"):
        raw = [spec.get("value")] if operator == "EQ" else require_list(spec.get("values"), "values")
        ids = {int(str(v)) for v in raw if str(v).isdigit()}
        return lambda d: bool(associated(object_type, d.id, other) & ids)
    if operator == "HAS_PROPERTY":
        return lambda d: bool(associated(object_type, d.id, other))
    if operator == "NOT_HAS_PROPERTY":
        return lambda d: not associated(object_type, d.id, other)
    raise validation_error(f"Operator {operator} is not supported for {name}")


def _token_matcher(pattern: str) -> Callable[[str | None], bool]:
    """CONTAINS_TOKEN: a whole word of the value matches (case-insensitive, `*` as a wildcard)."""
    wanted = pattern.strip().lower()
    wanted_tokens = [t for t in _TOKEN_SPLIT.split(wanted) if t]

    def match(value: str | None) -> bool:
        if not value or not wanted:
            return False
        text = value.lower()
        tokens = [t for t in _TOKEN_SPLIT.split(text) if t]
        if "*" in wanted:
            return fnmatch.fnmatchcase(text, wanted) or any(fnmatch.fnmatchcase(t, wanted) for t in tokens)
        if len(wanted_tokens) > 1:
            return wanted in text
        return wanted in tokens

    return match


def _compile_query(object_type: str, raw: Any) -> Predicate | None:
    """Free-text `query`: every word must start a word in one of the type's searchable properties."""
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise validation_error("Invalid query: it must be a string")
    if len(raw) > MAX_QUERY_LENGTH:
        raise validation_error(f"query is longer than {MAX_QUERY_LENGTH} characters")
    words = [w for w in _TOKEN_SPLIT.split(raw.lower()) if w]
    names = QUERY_PROPERTIES[object_type]

    def match(d: IndexedDoc) -> bool:
        tokens = [t for n in names for t in _TOKEN_SPLIT.split(d.props.get(n, "").lower()) if t]
        return all(any(t.startswith(w) for t in tokens) for w in words)

    return match if words else None


def _sorted(
    object_type: str, defs: Mapping[str, PropertyDef], docs: list[IndexedDoc], raw_sorts: Any
) -> list[IndexedDoc]:
    sorts = require_list(raw_sorts if raw_sorts is not None else [], "sorts")
    if len(sorts) > 1:
        raise validation_error("Only one sort is allowed")
    if not sorts:
        return sorted(docs, key=lambda d: (d.created_ms, d.id))
    name, descending = _sort_spec(sorts[0])
    prop = _prop(object_type, defs, name)
    present = [d for d in docs if d.typed(prop) is not None]
    missing = sorted((d for d in docs if d.typed(prop) is None), key=lambda d: d.id)
    present.sort(key=lambda d: (d.typed(prop), d.id), reverse=descending)
    return present + missing


def _sort_spec(sort: Any) -> tuple[str, bool]:
    """Accept `{"propertyName","direction"}` and the plain string form (`"-name"` = descending)."""
    if isinstance(sort, str):
        return (sort[1:], True) if sort.startswith("-") else (sort, False)
    spec = require_dict(sort, "sorts[]")
    direction = spec.get("direction", "ASCENDING")
    if direction not in ("ASCENDING", "DESCENDING"):
        raise validation_error(f"Invalid sort direction: {direction!r}")
    name = spec.get("propertyName")
    if not isinstance(name, str):
        raise validation_error("Invalid sort: propertyName is required")
    return name, direction == "DESCENDING"
