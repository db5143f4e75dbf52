"""What the board creates in HubSpot (notes, calls, deals, tasks): the request bodies.

A mixin for the gateway, free of `hubspot` imports: each method builds HubSpot's create body with
its inline associations (to the contact and to the lead; type ids in remote.py, research §5) and the
op id in leadboard's hidden `leadboard_op_id` property (nothing a HubSpot user reads carries it),
then hands it to the gateway's `_post_create`. Bodies over HubSpot's 65,536-character limit are
refused here, before anything is sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from leadboard.op_markers import OP_ID_PROPERTY, op_id_value
from leadboard.sync.errors import Rejected
from leadboard.sync.remote import (
    CALL_TO_CONTACT,
    CALL_TO_LEAD,
    DEAL_TO_CONTACT,
    DEAL_TO_LEAD,
    NOTE_TO_CONTACT,
    NOTE_TO_LEAD,
    PRIMARY_DEAL_TO_LEAD,
    TASK_TO_CONTACT,
    TASK_TO_LEAD,
)

BODY_MAX_CHARS = 65_536


class CreatesActivities:
    """`create_note`, `create_call`, `create_deal`, `create_task`: each returns the new object's id.

    `marker` is the outbox op id; it is written to the hidden `leadboard_op_id` property so
    `find_created` can find the object if the create's outcome was unknown.
    """

    def _post_create(self, operation: str, object_type: str, body: dict[str, Any]) -> str:
        raise NotImplementedError  # the gateway sends it

    def _create(
        self, operation: str, object_type: str, properties: dict[str, str], associations: list[dict[str, Any]]
    ) -> str:
        return self._post_create(operation, object_type, create_body(operation, properties, associations))

    def create_note(
        self,
        *,
        marker: str,
        body_html: str,
        timestamp: datetime | str,
        owner_id: str | None,
        contact_id: str | None,
        lead_id: str,
    ) -> str:
        """A note on the contact (202) and the lead (855); returns its id."""
        properties = {
            "hs_timestamp": iso_datetime(timestamp),
            "hs_note_body": body_html,
            OP_ID_PROPERTY: op_id_value(marker),
        }
        put_owner(properties, owner_id)
        associations = links(contact_id, NOTE_TO_CONTACT) + links(lead_id, NOTE_TO_LEAD)
        return self._create("creating a note", "notes", properties, associations)

    def create_call(
        self,
        *,
        marker: str,
        body_html: str,
        timestamp: datetime | str,
        owner_id: str | None,
        contact_id: str | None,
        lead_id: str,
        disposition_id: str | None,
        direction: str = "OUTBOUND",
        duration_ms: int | None = None,
        title: str | None = None,
        status: str = "COMPLETED",
    ) -> str:
        """A logged call on the contact (194) and the lead (597); returns its id."""
        properties = {
            "hs_timestamp": iso_datetime(timestamp),
            "hs_call_body": body_html,
            OP_ID_PROPERTY: op_id_value(marker),
            "hs_call_direction": direction,
            "hs_call_status": status,
        }
        if disposition_id:
            properties["hs_call_disposition"] = disposition_id
        if duration_ms is not None:
            properties["hs_call_duration"] = str(int(duration_ms))
        if title:
            properties["hs_call_title"] = title
        put_owner(properties, owner_id)
        associations = links(contact_id, CALL_TO_CONTACT) + links(lead_id, CALL_TO_LEAD)
        return self._create("logging a call", "calls", properties, associations)

    def create_deal(
        self,
        *,
        marker: str,
        name: str,
        amount: Decimal | int | float | str | None,
        close_date: date | datetime | str | None,
        pipeline: str | None,
        stage: str | None,
        owner_id: str | None,
        contact_id: str | None,
        lead_id: str,
        primary: bool = True,
    ) -> str:
        """A deal on the contact (3) and the lead (1038, plus 583 = the lead's primary deal)."""
        properties = {"dealname": name, OP_ID_PROPERTY: op_id_value(marker)}
        if amount is not None and str(amount) != "":
            properties["amount"] = wire_value(amount)
        if close_date is not None:
            properties["closedate"] = iso_datetime(close_date)
        if pipeline:
            properties["pipeline"] = pipeline
        if stage:
            properties["dealstage"] = stage
        put_owner(properties, owner_id)
        lead_types = (DEAL_TO_LEAD, PRIMARY_DEAL_TO_LEAD) if primary else (DEAL_TO_LEAD,)
        associations = links(contact_id, DEAL_TO_CONTACT) + links(lead_id, *lead_types)
        return self._create("creating a deal", "deals", properties, associations)

    def create_task(
        self,
        *,
        marker: str,
        subject: str,
        body_html: str,
        due: datetime | str,
        owner_id: str | None,
        contact_id: str | None,
        lead_id: str,
        status: str = "NOT_STARTED",
        task_type: str = "TODO",
        priority: str | None = None,
    ) -> str:
        """A task on the contact (204) and the lead (647); returns its id."""
        properties = {
            "hs_timestamp": iso_datetime(due),
            "hs_task_subject": subject,
            "hs_task_body": body_html,
            OP_ID_PROPERTY: op_id_value(marker),
            "hs_task_status": status,
            "hs_task_type": task_type,
        }
        if priority:
            properties["hs_task_priority"] = priority
        put_owner(properties, owner_id)
        associations = links(contact_id, TASK_TO_CONTACT) + links(lead_id, TASK_TO_LEAD)
        return self._create("creating a task", "tasks", properties, associations)


def iso_datetime(value: date | datetime | str | int) -> str:
    """HubSpot datetimes: ISO-8601 UTC with milliseconds; a date means its midnight UTC."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamps sent to HubSpot must be timezone-aware")
        moment = value.astimezone(UTC)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def wire_value(value: object) -> str:
    """A property value as HubSpot takes it: always a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return iso_datetime(value)
    return str(value)


def put_owner(properties: dict[str, str], owner_id: str | None) -> None:
    if owner_id:
        properties["hubspot_owner_id"] = str(owner_id)


def links(to_id: str | None, *type_ids: int) -> list[dict[str, Any]]:
    """Inline HubSpot-defined associations to one object (none when there is no id)."""
    if not to_id:
        return []
    types = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t} for t in type_ids]
    return [{"to": {"id": str(to_id)}, "types": types}]


def create_body(
    operation: str, properties: dict[str, str], associations: list[dict[str, Any]]
) -> dict[str, Any]:
    """HubSpot's `SimplePublicObjectInputForCreate`, refusing values HubSpot would refuse for length."""
    for name, value in properties.items():
        if len(value) > BODY_MAX_CHARS:
            raise Rejected(
                f"HubSpot rejected {operation}: {name} is longer than {BODY_MAX_CHARS:,} characters.",
                codes=["TOO_LONG"],
                properties=[name],
                operation=operation,
                status=None,
            )
    return {"properties": properties, "associations": associations}


def op_id_property_definition(group: str) -> dict[str, Any]:
    """HubSpot's `PropertyCreate` for leadboard's op id property, in the type's own `group`.

    Hidden ("won't be visible and can't be used in HubSpot", the 2026-09 spec) and no form field:
    it is for leadboard to find what it created, never for a person to read.
    """
    return {
        "name": OP_ID_PROPERTY,
        "label": "leadboard op id",
        "type": "string",
        "fieldType": "text",
        "groupName": group,
        "hidden": True,
        "formField": False,
        "description": "Set by leadboard on what it creates, so a create is never made twice.",
    }
