"""Close the lead as qualified, with a note and a deal (or the rep's "no deal"); needs a lead type.

A lead with no type can be qualified in one step: the command then carries the type (`lead_type`)
and writes it with the stage. Why in the command rather than a SetLeadType queued before it: one op
is one outbox row and one PATCH, so the type and the stage reach HubSpot exactly once and together
(the 3-way check covers both), with no pair of ops to keep in order, retry or discard together.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict

from leadboard.commands.base import LeadCommand, clean_note
from leadboard.commands.registry import PushStep
from leadboard.domain import PROP_STAGE, PROP_TYPE, CommandRefused, PortalMeta
from leadboard.state import LeadFacts, choices_text, resolve_option
from leadboard.text import clean_untrusted

__all__ = ["Deal", "Qualify"]

#: The longest deal name `describe` shows.
DEAL_NAME_CHARS = 40
#: HubSpot refuses a text property value longer than this (INVALID_LENGTH): checked before queueing,
#: so a qualify never lands its stage and note and then fails at the deal.
DEAL_NAME_LIMIT = 65_536
#: The largest amount kept to the cent as a HubSpot number (a double): beyond it cents are lost.
DEAL_AMOUNT_LIMIT = 10**13


class Deal(BaseModel):
    """The deal a qualify creates (HubSpot's UI creates one too)."""

    model_config = ConfigDict(defer_build=True)
    name: str
    amount: float | None = None
    close_date: date


class Qualify(LeadCommand):
    """Close the lead as qualified, with a note and a deal (`deal=None` means the rep chose "no deal").

    `lead_type`, when set, is the type chosen in the qualify form for a lead that has none: it
    counts in place of the lead's own and is written with the stage."""

    kind: Literal["qualify"] = "qualify"
    note: str
    deal: Deal | None = None
    lead_type: str | None = None

    @property
    def typed(self) -> str:
        return self.note

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        lead_type = self.lead_type
        if lead_type:
            lead_type = resolve_option(meta.lead_types, lead_type, "lead type").value
            if lead_type == lead.lead_type:
                lead_type = None  # the lead has it already: nothing to write
        elif not lead.lead_type:
            raise CommandRefused(
                "Qualify needs a lead type: set it first (one of "
                f"{choices_text(o.label for o in meta.lead_types if not o.hidden)})."
            )
        note = clean_note(self.note, self.spec.doing)
        deal = self.deal
        if deal is not None:
            deal_name = clean_untrusted(deal.name).strip()
            if not deal_name:
                raise CommandRefused("Qualify needs a deal name, or choose 'no deal'.")
            if len(deal_name) > DEAL_NAME_LIMIT:
                raise CommandRefused(
                    f"The deal name is {len(deal_name):,} characters long; HubSpot takes at most "
                    f"{DEAL_NAME_LIMIT:,}. Shorten it."
                )
            if deal.amount is not None and not deal.amount >= 0:
                raise CommandRefused("The deal amount cannot be negative.")
            if deal.amount is not None and not deal.amount < DEAL_AMOUNT_LIMIT:
                raise CommandRefused(
                    f"The deal amount must be below {DEAL_AMOUNT_LIMIT:,}: HubSpot would not keep it exactly."
                )
            deal = deal.model_copy(update={"name": deal_name})
        return self.model_copy(update={"note": note, "deal": deal, "lead_type": lead_type})

    def property_changes(self, meta: PortalMeta) -> dict[str, str]:
        changes = {PROP_STAGE: meta.qualified_stage_id}
        if self.lead_type:
            changes[PROP_TYPE] = self.lead_type
        return changes

    def push_steps(self) -> tuple[PushStep, ...]:
        steps = super().push_steps()
        return steps if self.deal is not None else tuple(s for s in steps if s != "deal")

    def note_headline(self, meta: PortalMeta) -> str | None:
        return "Qualified."

    def describe(self, meta: PortalMeta) -> str:
        as_type = f" as {meta.option_label(meta.lead_types, self.lead_type)}" if self.lead_type else ""
        if self.deal is None:
            return f"qualify{as_type} (no deal)"
        name = " ".join(clean_untrusted(self.deal.name).split())
        if len(name) > DEAL_NAME_CHARS:
            name = name[: DEAL_NAME_CHARS - 1].rstrip() + "…"
        return f"qualify{as_type} (deal: {name})"
