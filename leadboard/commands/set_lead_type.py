"""Set the lead type (`hs_lead_type`): it must be chosen by hand; allowed any time, but only as a change."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from leadboard.commands.base import LeadCommand
from leadboard.domain import PROP_TYPE, CommandRefused, PortalMeta
from leadboard.state import LeadFacts, resolve_option

__all__ = ["SetLeadType"]


class SetLeadType(LeadCommand):
    """Set `hs_lead_type` (it must be chosen by hand); allowed any time. Setting the type the lead
    has already is refused: it would push a change that changes nothing, and log it as one."""

    kind: Literal["set_lead_type"] = "set_lead_type"
    lead_type: str

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        chosen = resolve_option(meta.lead_types, self.lead_type, "lead type")
        if chosen.value == lead.lead_type:
            raise CommandRefused(f"The lead type is {chosen.label} now: choose another one to change it.")
        return self.model_copy(update={"lead_type": chosen.value})

    def property_changes(self, meta: PortalMeta) -> dict[str, str]:
        return {PROP_TYPE: self.lead_type}

    def describe(self, meta: PortalMeta) -> str:
        return f"set the lead type to {meta.option_label(meta.lead_types, self.lead_type) or ''}"
