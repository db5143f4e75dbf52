"""Plain-text descriptions of leads and outbox ops for the command line, built from portal labels.

Every string that came from HubSpot (names, labels, error messages) is passed through `one_line`,
so nothing printed here can carry an escape sequence to the rep's terminal.
"""

from __future__ import annotations

from leadboard.cache.outbox import Op
from leadboard.cli.common import one_line
from leadboard.state import PROP_REASON, PROP_STAGE, PROP_TYPE, PortalMeta


def lead_title(lead_id: str, name: str | None) -> str:
    """`lead 123 (Jane Doe)`, or `lead 123` when the name is unknown."""
    title = one_line(name or "", limit=60)
    return f"lead {one_line(lead_id, limit=40)}" + (f" ({title})" if title else "")


def describe_op(op: Op, meta: PortalMeta) -> str:
    """What the change does, in the rep's words: "move to Attempting", "disqualify (Bad Timing),
    follow-up task on 2027-02-22"… (each command's `describe`; a recycling disqualify names its
    task's day, so `leadboard status` tells it apart from a plain one)."""
    return one_line(op.command.describe(meta))


def value_label(meta: PortalMeta, prop: str, value: str | None) -> str:
    """A property value as the rep knows it: stage and option labels, else the value itself."""
    if value is None or value == "":
        return "(empty)"
    if prop == PROP_STAGE:
        return one_line(meta.stage_label(value))
    if prop == PROP_TYPE:
        return one_line(meta.option_label(meta.lead_types, value) or value)
    if prop == PROP_REASON:
        return one_line(meta.option_label(meta.disqualification_reasons, value) or value)
    return one_line(value, limit=60)


def conflict_text(op: Op, meta: PortalMeta) -> str:
    """ "HubSpot now has X for hs_pipeline_stage; you set Y (it was Z)", one clause per property."""
    if not op.conflict:
        return one_line(op.last_error or "Changed in HubSpot since you made this change.")
    parts = []
    for prop, sides in op.conflict.items():
        theirs = value_label(meta, prop, sides.get("theirs"))
        mine = value_label(meta, prop, sides.get("mine"))
        base = value_label(meta, prop, sides.get("base"))
        parts.append(f"HubSpot now has {theirs} for {one_line(prop)}; you set {mine} (it was {base})")
    return "; ".join(parts)


def problem_text(op: Op, meta: PortalMeta) -> str:
    """Why an op needs the rep: its conflict, or the error HubSpot (or the engine) gave."""
    if op.state == "conflict":
        return conflict_text(op, meta)
    return one_line(op.last_error or "no reason was recorded", limit=300)
