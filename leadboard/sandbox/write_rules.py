"""An account admin's write rules, which HubSpot enforces on API writes since the 2026-09 version.

Three kinds (research/hubspot-2026.md §3):

    required when   property P of a type must have a value whenever property Q has value V (or any value)
    create form     the properties an admin marked required on a type's Create Record form
    associations    a token (a user) that may not edit associations

A violation is HubSpot's 400 `VALIDATION_ERROR`, in the shape its property validation rules use
("Property values were not valid: [...]", with `errors[]` naming each property). The checks run on
the portal's create and update paths and on the front door for association edits, so they hold
whichever URL version a write arrives on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from leadboard.sandbox.catalog import resolve_type, singular
from leadboard.sandbox.hubspot_errors import (
    HubSpotError,
    property_issue,
    property_values_error,
    validation_error,
)
from leadboard.sandbox.properties import PROPERTIES

REQUIRED_CODE = "REQUIRED_PROPERTY"
ASSOCIATION_CODE = "ASSOCIATION_PERMISSION_DENIED"


class RuleError(ValueError):
    """A rule an admin (or a flag) described that the portal cannot hold: unknown type or property."""


def _label(object_type: str, name: str) -> str:
    prop = PROPERTIES[object_type].get(name)
    return prop.label if prop is not None else name


def _resolved(object_type: str) -> str:
    try:
        return resolve_type(object_type)
    except HubSpotError as exc:
        raise RuleError(f"unknown object type {object_type!r}") from exc


def _known(object_type: str, name: str) -> str:
    resolved = _resolved(object_type)
    if name not in PROPERTIES[resolved]:
        raise RuleError(f"{resolved} has no property {name!r}")
    return resolved


@dataclass(frozen=True)
class RequiredWhen:
    """`prop` of `object_type` must have a value when `when_prop` is `when_value` (None: any value)."""

    object_type: str
    prop: str
    when_prop: str
    when_value: str | None = None

    def applies(self, record: Mapping[str, str]) -> bool:
        current = record.get(self.when_prop) or ""
        return bool(current) if self.when_value is None else current == self.when_value

    def message(self) -> str:
        label, when = _label(self.object_type, self.prop), _label(self.object_type, self.when_prop)
        condition = "has a value" if self.when_value is None else f"is {self.when_value}"
        return f"{label} ({self.prop}) is required when {when} ({self.when_prop}) {condition}."

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "required_when",
            "objectType": self.object_type,
            "property": self.prop,
            "whenProperty": self.when_prop,
            "whenValue": self.when_value,
        }


class WriteRules:
    """The rules one portal enforces; thread-safe, since the admin path changes them while it serves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._required_when: list[RequiredWhen] = []
        self._create_form: dict[str, tuple[str, ...]] = {}
        self._no_association_tokens: set[str] = set()

    # --- configuring -----------------------------------------------------------------------------

    def require_when(
        self, object_type: str, prop: str, when_prop: str, when_value: str | None = None
    ) -> None:
        resolved = _known(object_type, prop)
        _known(resolved, when_prop)
        rule = RequiredWhen(resolved, prop, when_prop, when_value or None)
        with self._lock:
            if rule not in self._required_when:
                self._required_when.append(rule)

    def require_on_create(self, object_type: str, props: Iterable[str]) -> None:
        names = list(props)
        resolved = _resolved(object_type)
        for name in names:
            _known(resolved, name)
        with self._lock:
            current = self._create_form.get(resolved, ())
            self._create_form[resolved] = tuple(dict.fromkeys((*current, *names)))

    def deny_association_edits(self, token: str) -> None:
        if not token:
            raise RuleError("a token must be a non-empty string")
        with self._lock:
            self._no_association_tokens.add(token)

    def clear(self) -> None:
        with self._lock:
            self._required_when.clear()
            self._create_form.clear()
            self._no_association_tokens.clear()

    def add_json(self, spec: Mapping[str, Any]) -> None:
        """Add one rule as the admin path takes it (see `to_json` for the three shapes)."""
        kind = spec.get("kind")
        if kind == "required_when":
            self.require_when(
                _text(spec, "objectType"),
                _text(spec, "property"),
                _text(spec, "whenProperty"),
                _optional_text(spec, "whenValue"),
            )
        elif kind == "create_form":
            names = spec.get("properties")
            if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                raise RuleError("properties must be a non-empty list of property names")
            self.require_on_create(_text(spec, "objectType"), names)
        elif kind == "no_association_edits":
            self.deny_association_edits(_text(spec, "token"))
        else:
            raise RuleError("kind must be required_when, create_form or no_association_edits")

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            rules = [r.to_json() for r in self._required_when]
            rules += [
                {"kind": "create_form", "objectType": t, "properties": list(names)}
                for t, names in self._create_form.items()
            ]
            rules += [
                {"kind": "no_association_edits", "token": t} for t in sorted(self._no_association_tokens)
            ]
        return rules

    # --- checking --------------------------------------------------------------------------------

    def check_create(self, object_type: str, props: Mapping[str, str]) -> None:
        """Raise the 400 for a create that leaves a create-form field or a conditional property empty."""
        with self._lock:
            form = self._create_form.get(object_type, ())
            conditional = [r for r in self._required_when if r.object_type == object_type]
        noun = singular(object_type)
        issues = [
            property_issue(
                name,
                REQUIRED_CODE,
                f"{_label(object_type, name)} ({name}) is required to create a {noun} in this account.",
            )
            for name in form
            if not (props.get(name) or "").strip()
        ]
        issues += [
            property_issue(r.prop, REQUIRED_CODE, r.message())
            for r in conditional
            if r.applies(props) and not (props.get(r.prop) or "").strip()
        ]
        _raise(issues)

    def check_update(self, object_type: str, current: Mapping[str, str], changes: Mapping[str, str]) -> None:
        """Raise the 400 for an update after which a conditional rule is broken by what it touched.

        Only rules the write touches (it sets the condition's property or the required one) are
        checked, so an unrelated edit on an old record is not refused for a rule added later.
        """
        with self._lock:
            conditional = [r for r in self._required_when if r.object_type == object_type]
        after = {**current, **changes}
        issues = [
            property_issue(r.prop, REQUIRED_CODE, r.message())
            for r in conditional
            if (r.when_prop in changes or r.prop in changes)
            and r.applies(after)
            and not (after.get(r.prop) or "").strip()
        ]
        _raise(issues)

    def check_association_edit(self, token: str, method: str, path: str, body: bytes) -> None:
        """Raise the 400 when a token without the permission writes associations, on any path."""
        with self._lock:
            denied = token in self._no_association_tokens
        if not denied or not edits_associations(method, path, body):
            return
        message = (
            "You do not have permission to edit associations in this account. "
            "Ask a super admin to allow you to edit associations."
        )
        raise validation_error(
            message,
            [
                {
                    "message": message,
                    "code": ASSOCIATION_CODE,
                    "context": {"permission": ["edit associations"]},
                }
            ],
        )


def edits_associations(method: str, path: str, body: bytes) -> bool:
    """Whether a request writes associations: an association path, or a create with inline ones."""
    if method not in ("POST", "PUT", "DELETE"):
        return False
    trimmed = path.rstrip("/")
    if "/associations" in trimmed:
        return not (trimmed.endswith("/batch/read") or trimmed.endswith("/labels"))
    if method != "POST" or trimmed.endswith("/search") or trimmed.endswith("/batch/read"):
        return False
    try:
        parsed = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(parsed, dict):
        return False
    batch = parsed.get("inputs")
    inputs: list[Any] = batch if isinstance(batch, list) else [parsed]
    return any(isinstance(item, dict) and item.get("associations") for item in inputs)


def parse_required_when(spec: str) -> tuple[str, str, str, str | None]:
    """`TYPE.PROP:WHEN_PROP=VALUE` (or `…:WHEN_PROP` for any value), as `leadboard sandbox` takes it."""
    target, sep, condition = spec.partition(":")
    object_type, dot, prop = target.partition(".")
    when_prop, _, when_value = condition.partition("=")
    if not (sep and dot and object_type and prop and when_prop):
        raise RuleError(f"{spec!r}: expected TYPE.PROPERTY:WHEN_PROPERTY=VALUE (or :WHEN_PROPERTY)")
    return object_type, prop, when_prop, when_value or None


def parse_create_form(spec: str) -> tuple[str, list[str]]:
    """`TYPE.PROP[,PROP…]`: the properties required on the type's create form."""
    object_type, dot, names = spec.partition(".")
    props = [n.strip() for n in names.split(",") if n.strip()]
    if not (dot and object_type and props):
        raise RuleError(f"{spec!r}: expected TYPE.PROPERTY[,PROPERTY...]")
    return object_type, props


def demo_rules() -> WriteRules:
    """The demo portal's rule, one a rep meets in a real account: a new deal needs an amount."""
    rules = WriteRules()
    rules.require_on_create("deals", ["amount"])
    return rules


def _raise(issues: list[dict[str, Any]]) -> None:
    if issues:
        raise property_values_error(issues)


def _text(spec: Mapping[str, Any], key: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value:
        raise RuleError(f"{key} must be a non-empty string")
    return value


def _optional_text(spec: Mapping[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RuleError(f"{key} must be a string or null")
    return value
