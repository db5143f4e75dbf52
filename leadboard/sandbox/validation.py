"""Checks a request body and property writes the way HubSpot does, raising its 400 bodies.

Malformed bodies (wrong JSON types, missing keys) become HubSpot-style 400s here, so nothing the
client sends can surface as a Python exception from the portal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from leadboard.sandbox.catalog import DISPOSITION_IDS, stage_ids
from leadboard.sandbox.hubspot_errors import HubSpotError, bad_json, property_issue, property_values_error
from leadboard.sandbox.properties import PROPERTIES, PropertyDef
from leadboard.sandbox.records import iso, parse_instant

MAX_STRING_LENGTH = 65_536
BATCH_LIMIT = 100


def require_dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_json(f"Invalid input JSON: {where} must be an object")
    return value


def require_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise bad_json(f"Invalid input JSON: {where} must be an array")
    return value


def require_id(value: Any, where: str) -> str:
    """An object id as HubSpot accepts it: a string (or a number) of digits."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad_json(f"Invalid input JSON: {where} must be a string")
    return str(value).strip()


def optional_str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    items = require_list(value, where)
    if not all(isinstance(i, str) for i in items):
        raise bad_json(f"Invalid input JSON: {where} must be an array of strings")
    return [i for i in items if i]


def batch_inputs(body: Any, limit: int = BATCH_LIMIT) -> list[Any]:
    """The `inputs` of a batch body, enforcing HubSpot's per-call input limit."""
    inputs = require_list(require_dict(body, "body").get("inputs"), "inputs")
    if len(inputs) > limit:
        raise HubSpotError(
            400,
            {
                "status": "error",
                "message": f"Too many inputs: {len(inputs)} were given, but at most {limit} are allowed.",
                "correlationId": bad_json().body["correlationId"],
                "category": "VALIDATION_ERROR",
                "context": {"maxInputs": [str(limit)]},
            },
        )
    return inputs


def _as_text(value: Any, name: str) -> str:
    """JSON scalars → HubSpot's string form; anything else is a malformed body."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise bad_json(f"Invalid input JSON: the value of property {name!r} must be a string")


def _option_list(prop: PropertyDef) -> str:
    return "[" + ", ".join(v for v, _ in prop.options) + "]"


def check_value(prop: PropertyDef, raw: str, owner_ids: Collection[str]) -> tuple[str, dict[str, Any] | None]:
    """(normalised value, None) or (raw, issue) for one property write. "" clears a value."""
    name = prop.name
    if raw == "":
        return raw, None
    if prop.type == "string" and len(raw) > MAX_STRING_LENGTH:
        msg = f"{name} is {len(raw)} characters long; the limit is {MAX_STRING_LENGTH}"
        return raw, property_issue(name, "INVALID_LENGTH", msg)
    if name == "hubspot_owner_id":
        if not raw.isdigit():
            return raw, property_issue(name, "INVALID_INTEGER", f"{raw} is not a valid integer")
        if raw not in owner_ids:
            return raw, property_issue(name, "INVALID_OWNER_ID", f"{raw} is not a valid owner id")
        return raw, None
    if name == "hs_call_disposition" and raw not in DISPOSITION_IDS:
        msg = f"{raw} was not one of the allowed options for {name}: see /calling/v1/dispositions"
        return raw, property_issue(name, "INVALID_OPTION", msg)
    if prop.checks_options and raw not in prop.option_values:
        msg = f"{raw} was not one of the allowed options: {_option_list(prop)}"
        return raw, property_issue(name, "INVALID_OPTION", msg)
    if prop.type == "number":
        try:
            float(raw)
        except ValueError:
            return raw, property_issue(name, "INVALID_FLOAT", f"{raw} is not a valid number")
        return raw, None
    if prop.type in ("datetime", "date"):
        ms = parse_instant(raw)
        if ms is None:
            return raw, property_issue(name, "INVALID_DATE", f"{raw} is not a valid date or datetime")
        return iso(ms), None
    if prop.type == "bool":
        if raw.lower() not in ("true", "false"):
            return raw, property_issue(name, "INVALID_BOOLEAN", f"{raw} is not a valid boolean")
        return raw.lower(), None
    return raw, None


def check_properties(
    object_type: str,
    properties: Any,
    owner_ids: Collection[str],
    current: dict[str, str] | None = None,
    *,
    defs: Mapping[str, PropertyDef] | None = None,
) -> dict[str, str]:
    """Validate a `properties` object for a create (current=None) or an update; normalised values.

    `defs` are the portal's properties of the type (with any an app created); HubSpot's by default."""
    given = require_dict(properties, "properties")
    defs = PROPERTIES[object_type] if defs is None else defs
    issues: list[dict[str, Any]] = []
    clean: dict[str, str] = {}
    for name, value in given.items():
        text = _as_text(value, str(name))
        prop = defs.get(name)
        if prop is None:
            issues.append(property_issue(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            continue
        if prop.read_only:
            msg = f'Property "{name}" is read-only and its value cannot be set'
            issues.append(property_issue(name, "READ_ONLY_VALUE", msg))
            continue
        clean[name], issue = check_value(prop, text, owner_ids)
        if issue is not None:
            issues.append(issue)
    reported = {i["name"] for i in issues}
    stage_issue = _check_stage(object_type, clean, current or {})
    if stage_issue is not None and stage_issue["name"] not in reported:
        issues.append(stage_issue)
    if issues:
        raise property_values_error(issues)
    return clean


def _check_stage(object_type: str, clean: dict[str, str], current: dict[str, str]) -> dict[str, Any] | None:
    """A stage must belong to the record's pipeline (the new one if the write changes it)."""
    pipeline_key, stage_key = {
        "leads": ("hs_pipeline", "hs_pipeline_stage"),
        "deals": ("pipeline", "dealstage"),
    }.get(object_type, ("", ""))
    stage = clean.get(stage_key)
    if not stage:
        return None
    pipeline = clean.get(pipeline_key) or current.get(pipeline_key) or ""
    if stage not in stage_ids(object_type, pipeline):
        msg = f"{stage} is not a valid stage of pipeline {pipeline}"
        return property_issue(stage_key, "INVALID_OPTION", msg)
    return None
