"""Property definitions for every object type the sandbox serves (HubSpot's `Property` schema).

Enumerations carry `{label, value}` options whose values differ from their labels, so a client that
writes labels instead of values gets HubSpot's INVALID_OPTION, as it would against a real portal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leadboard.sandbox.catalog import DEAL_PIPELINE_ID, DEAL_STAGES, LEAD_PIPELINE_ID, LEAD_STAGES

_CREATED_ISO = "2024-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class PropertyDef:
    """One property: its value type, its options and whether a client may write it."""

    name: str
    label: str
    type: str  # string | number | datetime | date | enumeration | bool
    field_type: str
    group: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    read_only: bool = False
    calculated: bool = False
    external_options: bool = False
    hubspot_defined: bool = True
    referenced_object_type: str | None = None
    description: str = ""
    hidden: bool = False  # "the property won't be visible and can't be used in HubSpot" (the spec)
    form_field: bool = True
    option_values: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_values", frozenset(v for v, _ in self.options))

    @property
    def checks_options(self) -> bool:
        """True when a written value must be one of `options` (HubSpot's INVALID_OPTION)."""
        return self.type == "enumeration" and not self.external_options

    def to_wire(self, display_order: int) -> dict[str, Any]:
        """The property as `GET /crm/v3/properties/{type}/{name}` returns it."""
        wire: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": [
                {"label": label, "value": value, "description": "", "displayOrder": i, "hidden": False}
                for i, (value, label) in enumerate(self.options)
            ],
            "displayOrder": display_order,
            "calculated": self.calculated,
            "externalOptions": self.external_options,
            "hasUniqueValue": self.name == "hs_object_id",
            "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined,
            "formField": self.form_field and not self.read_only,
            "dataSensitivity": "non_sensitive",
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyOptions": self.external_options,
                "readOnlyValue": self.read_only,
            },
            "createdAt": _CREATED_ISO,
            "updatedAt": _CREATED_ISO,
            "archived": False,
        }
        if self.referenced_object_type is not None:
            wire["referencedObjectType"] = self.referenced_object_type
        return wire


def _s(name: str, label: str, group: str, field_type: str = "text") -> PropertyDef:
    return PropertyDef(name, label, "string", field_type, group)


def _n(name: str, label: str, group: str) -> PropertyDef:
    return PropertyDef(name, label, "number", "number", group)


def _dt(name: str, label: str, group: str) -> PropertyDef:
    return PropertyDef(name, label, "datetime", "date", group)


def _enum(
    name: str, label: str, group: str, options: list[tuple[str, str]], fld: str = "select"
) -> PropertyDef:
    return PropertyDef(name, label, "enumeration", fld, group, tuple(options))


def _calc(name: str, label: str, group: str, type_: str = "number") -> PropertyDef:
    field_type = {"number": "number", "datetime": "date", "string": "text"}[type_]
    return PropertyDef(name, label, type_, field_type, group, read_only=True, calculated=True)


def _ro(name: str, label: str, group: str, type_: str = "string") -> PropertyDef:
    field_type = {"number": "number", "datetime": "date", "string": "text"}[type_]
    return PropertyDef(name, label, type_, field_type, group, read_only=True)


def _owner(group: str) -> PropertyDef:
    return PropertyDef(
        "hubspot_owner_id",
        "Owner",
        "enumeration",
        "select",
        group,
        external_options=True,
        referenced_object_type="OWNER",
    )


def _system(group: str, *, createdate: bool, contacts: bool = False) -> list[PropertyDef]:
    props = [
        _ro("hs_object_id", "Record ID", group, "number"),
        _ro("hs_createdate", "Create Date", group, "datetime"),
        _ro("hs_lastmodifieddate", "Last Modified Date", group, "datetime"),
        _ro("hs_updated_by_user_id", "Updated by user ID", group, "number"),
    ]
    if createdate:
        props.append(_ro("createdate", "Create Date", group, "datetime"))
    if contacts:
        props.append(_ro("lastmodifieddate", "Last Modified Date", group, "datetime"))
    return props


DISQUALIFICATION_REASONS: list[tuple[str, str]] = [
    ("BAD_TIMING", "Bad Timing"),
    ("BUDGET_CONSTRAINTS", "Budget Constraints"),
    ("NO_DECISION_MAKING_POWER", "No Decision-making Power"),
    ("COMPETITOR_PREFERENCE", "Competitor Preference"),
    ("NOT_A_GOOD_FIT", "Not a Good Fit"),
    ("NO_COMMERCIAL_INTEREST", "No Commercial Interest"),
    ("PRIOR_NEGATIVE_EXPERIENCE", "Prior Negative Experience"),
    ("TECHNICAL_LIMITATIONS", "Technical Limitations"),
    ("WRONG_DATA", "Wrong Data"),
    ("NO_RESPONSE", "No Response"),
    # A portal-added option whose value differs from its label, as seen in real portals.
    ("NO_INTEREST", "Not Interested"),
]
LEAD_TYPES = [("NEW_BUSINESS", "New business"), ("UPSELL", "Upsell"), ("RE_ATTEMPTING", "Re-attempting")]
LEAD_LABELS = [("HOT", "Hot"), ("WARM", "Warm"), ("COLD", "Cold")]
# A portal-defined (custom, hence no `hs_` prefix) property: where the lead entered the funnel.
LEAD_SOURCES = [
    ("DEMO_REQUEST", "Demo request"),
    ("PRICING_PAGE", "Pricing page"),
    ("CONTENT", "Content download"),
    ("EVENT", "Event"),
    ("REFERRAL", "Referral"),
    ("OUTBOUND", "Outbound"),
]
INDUSTRIES = [
    ("COMPUTER_SOFTWARE", "Computer Software"),
    ("FINANCIAL_SERVICES", "Financial Services"),
    ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care"),
    ("LOGISTICS_AND_SUPPLY_CHAIN", "Logistics and Supply Chain"),
    ("MARKETING_AND_ADVERTISING", "Marketing and Advertising"),
    ("RETAIL", "Retail"),
    ("MACHINERY", "Machinery"),
    ("EDUCATION_MANAGEMENT", "Education Management"),
    ("RENEWABLES_ENVIRONMENT", "Renewables & Environment"),
    ("FOOD_BEVERAGES", "Food & Beverages"),
]
CALL_STATUSES = [
    "BUSY",
    "CALLING_CRM_USER",
    "CANCELED",
    "COMPLETED",
    "CONNECTING",
    "FAILED",
    "IN_PROGRESS",
    "NO_ANSWER",
    "QUEUED",
    "RINGING",
    "MISSED",
]

_G_LEAD = "lead_information"
_LEAD_PROPS: list[PropertyDef] = [
    _s("hs_lead_name", "Lead name", _G_LEAD),
    _enum("hs_lead_type", "Lead type", _G_LEAD, LEAD_TYPES),
    _enum("hs_lead_label", "Lead label", _G_LEAD, LEAD_LABELS),
    _enum("hs_pipeline", "Pipeline", _G_LEAD, [(LEAD_PIPELINE_ID, "Lead pipeline")]),
    _enum("hs_pipeline_stage", "Lead stage", _G_LEAD, LEAD_STAGES),
    _owner(_G_LEAD),
    _s("hubspot_team_id", "HubSpot Team", _G_LEAD),
    _enum("hs_lead_disqualification_reason", "Disqualification reason", _G_LEAD, DISQUALIFICATION_REASONS),
    _s("hs_lead_disqualification_note", "Disqualification note", _G_LEAD, "textarea"),
    PropertyDef(
        "lead_source",
        "Lead source",
        "enumeration",
        "select",
        _G_LEAD,
        tuple(LEAD_SOURCES),
        hubspot_defined=False,
    ),
    _calc("hs_primary_contact_id", "Primary contact ID", _G_LEAD, "string"),
    _calc("hs_associated_contact_email", "Contact email", _G_LEAD, "string"),
    _calc("hs_associated_contact_firstname", "Contact first name", _G_LEAD, "string"),
    _calc("hs_associated_contact_lastname", "Contact last name", _G_LEAD, "string"),
    _calc("hs_associated_company_name", "Company name", _G_LEAD, "string"),
    _calc("hs_associated_company_domain", "Company domain", _G_LEAD, "string"),
    _calc("hs_lead_associated_deals_count", "Associated deals", _G_LEAD),
    _calc("hs_lead_call_count", "Calls", _G_LEAD),
    _calc("hs_lead_email_count", "Emails", _G_LEAD),
    _calc("hs_lead_meeting_count", "Meetings", _G_LEAD),
    _calc("hs_lead_communication_count", "Communications", _G_LEAD),
    _calc("hs_lead_outreach_activity_count", "Outreach activities", _G_LEAD),
    _calc("hs_lead_first_outreach_date", "First outreach date", _G_LEAD, "datetime"),
    _calc("hs_lead_time_to_first_outreach", "Time to first outreach", _G_LEAD),
    _calc("hs_last_activity_date", "Last activity date", _G_LEAD, "datetime"),
    _calc("hs_v2_date_entered_current_stage", "Date entered current stage", _G_LEAD, "datetime"),
    _calc("hs_v2_time_in_current_stage", "Time in current stage", _G_LEAD, "datetime"),
    *_system(_G_LEAD, createdate=True),
]

_G_CONTACT = "contactinformation"
_CONTACT_PROPS: list[PropertyDef] = [
    _s("firstname", "First Name", _G_CONTACT),
    _s("lastname", "Last Name", _G_CONTACT),
    _s("email", "Email", _G_CONTACT),
    _s("phone", "Phone Number", _G_CONTACT, "phonenumber"),
    _s("mobilephone", "Mobile Phone Number", _G_CONTACT, "phonenumber"),
    _s("jobtitle", "Job Title", _G_CONTACT),
    _s("company", "Company Name", _G_CONTACT),
    _s("city", "City", _G_CONTACT),
    _s("country", "Country/Region", _G_CONTACT),
    _s("website", "Website URL", _G_CONTACT),
    _enum(
        "lifecyclestage",
        "Lifecycle Stage",
        _G_CONTACT,
        [
            ("subscriber", "Subscriber"),
            ("lead", "Lead"),
            ("marketingqualifiedlead", "Marketing Qualified Lead"),
            ("salesqualifiedlead", "Sales Qualified Lead"),
            ("opportunity", "Opportunity"),
            ("customer", "Customer"),
            ("other", "Other"),
        ],
        "radio",
    ),
    _owner(_G_CONTACT),
    _ro("associatedcompanyid", "Primary Associated Company ID", _G_CONTACT, "number"),
    *_system(_G_CONTACT, createdate=True, contacts=True),
]

_G_COMPANY = "companyinformation"
_COMPANY_PROPS: list[PropertyDef] = [
    _s("name", "Company name", _G_COMPANY),
    _s("domain", "Company Domain Name", _G_COMPANY),
    _s("website", "Website URL", _G_COMPANY),
    _enum("industry", "Industry", _G_COMPANY, INDUSTRIES),
    _s("phone", "Phone Number", _G_COMPANY, "phonenumber"),
    _s("city", "City", _G_COMPANY),
    _s("country", "Country/Region", _G_COMPANY),
    _n("numberofemployees", "Number of Employees", _G_COMPANY),
    _owner(_G_COMPANY),
    *_system(_G_COMPANY, createdate=True),
]

_G_DEAL = "dealinformation"
_DEAL_PROPS: list[PropertyDef] = [
    _s("dealname", "Deal Name", _G_DEAL),
    _n("amount", "Amount", _G_DEAL),
    _dt("closedate", "Close Date", _G_DEAL),
    _enum("pipeline", "Pipeline", _G_DEAL, [(DEAL_PIPELINE_ID, "Sales Pipeline")]),
    _enum("dealstage", "Deal Stage", _G_DEAL, [(sid, label) for sid, label, _ in DEAL_STAGES]),
    _enum(
        "dealtype",
        "Deal Type",
        _G_DEAL,
        [("newbusiness", "New Business"), ("existingbusiness", "Existing Business")],
    ),
    _s("description", "Deal Description", _G_DEAL, "textarea"),
    _owner(_G_DEAL),
    *_system(_G_DEAL, createdate=True),
]

_G_ENG = "engagement"
_NOTE_PROPS: list[PropertyDef] = [
    _dt("hs_timestamp", "Activity date", _G_ENG),
    _s("hs_note_body", "Note body", _G_ENG, "html"),
    _s("hs_attachment_ids", "Attached file IDs", _G_ENG),
    _calc("hs_body_preview", "Body preview", _G_ENG, "string"),
    _owner(_G_ENG),
    *_system(_G_ENG, createdate=False),
]
_CALL_PROPS: list[PropertyDef] = [
    _dt("hs_timestamp", "Activity date", _G_ENG),
    _s("hs_call_title", "Call title", _G_ENG),
    _s("hs_call_body", "Call notes", _G_ENG, "html"),
    _enum("hs_call_direction", "Call direction", _G_ENG, [("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")]),
    _n("hs_call_duration", "Call duration", _G_ENG),
    _enum("hs_call_status", "Call status", _G_ENG, [(s, s.replace("_", " ").title()) for s in CALL_STATUSES]),
    PropertyDef(
        "hs_call_disposition", "Call outcome", "enumeration", "select", _G_ENG, external_options=True
    ),
    _s("hs_call_from_number", "From number", _G_ENG, "phonenumber"),
    _s("hs_call_to_number", "To number", _G_ENG, "phonenumber"),
    _s("hs_call_recording_url", "Recording URL", _G_ENG),
    _s("hs_call_callee_object_id", "Callee object id", _G_ENG),
    _s("hs_call_callee_object_type", "Callee object type", _G_ENG),
    _enum("hs_call_source", "Call source", _G_ENG, [("INTEGRATIONS_PLATFORM", "Integrations platform")]),
    PropertyDef(
        "hs_call_has_voicemail",
        "Has voicemail",
        "bool",
        "booleancheckbox",
        _G_ENG,
        (("true", "Yes"), ("false", "No")),
    ),
    _s("hs_activity_type", "Call and meeting type", _G_ENG),
    _s("hs_attachment_ids", "Attached file IDs", _G_ENG),
    _calc("hs_body_preview", "Body preview", _G_ENG, "string"),
    _owner(_G_ENG),
    *_system(_G_ENG, createdate=False),
]
# HubSpot's email and meeting engagement properties (its emails and meetings API guides).
_EMAIL_PROPS: list[PropertyDef] = [
    _dt("hs_timestamp", "Activity date", _G_ENG),
    _enum(
        "hs_email_direction",
        "Email direction",
        _G_ENG,
        [("EMAIL", "Email sent"), ("INCOMING_EMAIL", "Reply"), ("FORWARDED_EMAIL", "Forwarded email")],
    ),
    _s("hs_email_subject", "Email subject", _G_ENG),
    _s("hs_email_text", "Email body", _G_ENG, "textarea"),
    _s("hs_email_html", "Email HTML body", _G_ENG, "html"),
    _enum(
        "hs_email_status",
        "Email send status",
        _G_ENG,
        [(s, s.title()) for s in ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")],
    ),
    _s("hs_email_headers", "Email headers", _G_ENG, "textarea"),
    _s("hs_attachment_ids", "Attached file IDs", _G_ENG),
    _calc("hs_body_preview", "Body preview", _G_ENG, "string"),
    _owner(_G_ENG),
    *_system(_G_ENG, createdate=False),
]
_MEETING_PROPS: list[PropertyDef] = [
    _dt("hs_timestamp", "Activity date", _G_ENG),
    _s("hs_meeting_title", "Meeting name", _G_ENG),
    _s("hs_meeting_body", "Meeting description", _G_ENG, "html"),
    _s("hs_internal_meeting_notes", "Internal meeting notes", _G_ENG, "html"),
    _s("hs_meeting_external_url", "External URL", _G_ENG),
    _s("hs_meeting_location", "Location", _G_ENG),
    _dt("hs_meeting_start_time", "Start time", _G_ENG),
    _dt("hs_meeting_end_time", "End time", _G_ENG),
    _enum(
        "hs_meeting_outcome",
        "Meeting outcome",
        _G_ENG,
        [
            (s, s.replace("_", " ").title())
            for s in ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
        ],
    ),
    _s("hs_activity_type", "Call and meeting type", _G_ENG),
    _s("hs_attachment_ids", "Attached file IDs", _G_ENG),
    _calc("hs_body_preview", "Body preview", _G_ENG, "string"),
    _owner(_G_ENG),
    *_system(_G_ENG, createdate=False),
]
_TASK_PROPS: list[PropertyDef] = [
    _dt("hs_timestamp", "Due date", _G_ENG),
    _s("hs_task_subject", "Task title", _G_ENG),
    _s("hs_task_body", "Task notes", _G_ENG, "html"),
    _enum(
        "hs_task_status",
        "Task status",
        _G_ENG,
        [
            ("NOT_STARTED", "Not started"),
            ("IN_PROGRESS", "In progress"),
            ("WAITING", "Waiting"),
            ("COMPLETED", "Completed"),
            ("DEFERRED", "Deferred"),
        ],
    ),
    _enum(
        "hs_task_priority",
        "Priority",
        _G_ENG,
        [("NONE", "None"), ("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")],
    ),
    _enum(
        "hs_task_type",
        "Task type",
        _G_ENG,
        [("CALL", "Call"), ("EMAIL", "Email"), ("TODO", "To-do"), ("LINKED_IN", "LinkedIn")],
    ),
    _owner(_G_ENG),
    *_system(_G_ENG, createdate=False),
]

PROPERTIES: dict[str, dict[str, PropertyDef]] = {
    object_type: {p.name: p for p in props}
    for object_type, props in {
        "leads": _LEAD_PROPS,
        "contacts": _CONTACT_PROPS,
        "companies": _COMPANY_PROPS,
        "deals": _DEAL_PROPS,
        "notes": _NOTE_PROPS,
        "calls": _CALL_PROPS,
        "emails": _EMAIL_PROPS,
        "meetings": _MEETING_PROPS,
        "tasks": _TASK_PROPS,
    }.items()
}

# What search returns when `properties` is not given, and always adds when it is (research §7).
DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "leads": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "notes": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "calls": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "emails": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "tasks": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}
# The properties a free-text search `query` looks in.
QUERY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "leads": ("hs_lead_name", "hs_associated_contact_email", "hs_associated_company_name"),
    "contacts": ("firstname", "lastname", "email", "phone", "company"),
    "companies": ("name", "domain", "website", "phone"),
    "deals": ("dealname",),
    "notes": ("hs_note_body",),
    "calls": ("hs_call_title", "hs_body_preview"),
    "emails": ("hs_email_subject", "hs_body_preview"),
    "meetings": ("hs_meeting_title", "hs_body_preview"),
    "tasks": ("hs_task_subject", "hs_task_body"),
}
