"""`POST /crm/properties/{version}/{objectType}`: an app's own property, as HubSpot's spec describes it.

HubSpot's `PropertyCreate` (crm-properties-2026-09.json): `name`, `label`, `type`, `fieldType` and
`groupName` are required; `hidden` keeps the property out of HubSpot's UI ("won't be visible and
can't be used in HubSpot"). A name already taken is 409; `hs_` names are HubSpot's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from leadboard.sandbox.hubspot_errors import conflict, validation_error
from leadboard.sandbox.properties import PropertyDef
from leadboard.sandbox.validation import require_dict

TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
FIELD_TYPES = (
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}")


def custom_property(body: Any, existing: Mapping[str, PropertyDef]) -> PropertyDef:
    """The property a create request defines, or HubSpot's 400/409 for a request it would refuse."""
    spec = require_dict(body, "body")
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not spec.get(k)]
    if missing:
        raise validation_error(f"Property definition is missing required fields: {', '.join(missing)}")
    name, label, type_, field_type, group = (
        spec["name"],
        spec["label"],
        spec["type"],
        spec["fieldType"],
        spec["groupName"],
    )
    if not all(isinstance(v, str) for v in (name, label, type_, field_type, group)):
        raise validation_error("Property name, label, type, fieldType and groupName must be strings")
    if not _NAME.fullmatch(name) or name.startswith("hs_"):
        raise validation_error(
            f"Property name {name!r} is not valid: use lowercase letters, digits and underscores, "
            "starting with a letter (names starting with hs_ are HubSpot's)"
        )
    if name in existing:
        raise conflict(f"A property named '{name}' already exists.")
    if type_ not in TYPES or field_type not in FIELD_TYPES:
        raise validation_error(f"Invalid type {type_!r} or fieldType {field_type!r}")
    if group not in {p.group for p in existing.values()}:
        raise validation_error(f"Property group {group!r} does not exist")
    options = _options(spec.get("options"), type_)
    return PropertyDef(
        name,
        label,
        type_,
        field_type,
        group,
        options,
        hubspot_defined=False,
        description=str(spec.get("description") or ""),
        hidden=spec.get("hidden") is True,
        form_field=spec.get("formField") is not False,
    )


def _options(raw: Any, type_: str) -> tuple[tuple[str, str], ...]:
    if type_ != "enumeration":
        return ()
    if not isinstance(raw, list) or not raw:
        raise validation_error("An enumeration property needs options")
    options: list[tuple[str, str]] = []
    for item in raw:
        option = require_dict(item, "options[]")
        value, label = option.get("value"), option.get("label")
        if not isinstance(value, str) or not isinstance(label, str):
            raise validation_error("Each option needs a string label and value")
        options.append((value, label))
    return tuple(options)


def property_from_wire(data: Mapping[str, Any]) -> PropertyDef:
    """A custom property as `to_wire` wrote it (for a saved portal)."""
    try:
        return PropertyDef(
            str(data["name"]),
            str(data["label"]),
            str(data["type"]),
            str(data["fieldType"]),
            str(data["groupName"]),
            tuple((str(o["value"]), str(o["label"])) for o in data.get("options") or []),
            hubspot_defined=False,
            description=str(data.get("description") or ""),
            hidden=bool(data.get("hidden", False)),
            form_field=bool(data.get("formField", True)),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a readable saved property ({exc})") from exc
