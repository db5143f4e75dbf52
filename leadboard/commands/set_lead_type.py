"""Set the lead type (`hs_lead_type`): it must be chosen by hand; allowed any time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from leadboard.commands.base import LeadCommand
from leadboard.domain import PROP_TYPE, PortalMeta
from leadboard.state import LeadFacts, resolve_option

__all__ = ["SetLeadType"]


class SetLeadType(LeadCommand):
    """Set `hs_lead_type` (it must be chosen by hand); allowed any time."""

    kind: Literal["set_lead_type"] = "set_lead_type"
    lead_type: str

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        chosen = resolve_option(meta.lead_types, self.lead_type, "lead type")
        return self.model_copy(update={"lead_type": chosen.value})

    def property_changes(self, meta: PortalMeta) -> dict[str, str]:
        return {PROP_TYPE: self.lead_type}

    def describe(self, meta: PortalMeta) -> str:
        return f"set the lead type to {meta.option_label(meta.lead_types, self.lead_type) or ''}"
