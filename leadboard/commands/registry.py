"""The registry of the rep's lead commands: one `CommandSpec` per command, in `COMMANDS`.

Why a table of plain data, and why dotted paths: the board reads this module before its first
frame (its keys, which commands a closed lead greys out), so it must not import pydantic, the
cache, the sync or Textual. It also sits in the core, below every layer that acts on a command, so
it may not import them either. Each entry therefore *names* the heavier parts by dotted path
("module:Class"), and `CommandSpec.model_class()` / `modal_class()` import them when first asked:

- `model`: the command's own module in leadboard/commands/ (its pydantic model and its rule, the
  model's `check`), in the core;
- `modal`: the Textual modal the board, the lead screen and the queue open for it (the UI layer);
- `push_steps`: the HubSpot writes the push makes for it, in order, by step name; the sync layer
  (sync/ops.py) knows how to make each step, the command may leave optional ones out.

tests/test_command_registry.py resolves every path, so a typo fails a test rather than a rep's key.
Adding a command: write leadboard/commands/<kind>.py and its modal, add one entry here (and, for
the outbox's CHECK constraint, a migration that allows the new kind).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "COMMANDS",
    "CLOSING_KINDS",
    "FIRST_TOUCH_KINDS",
    "LAST_TOUCH_KINDS",
    "OPEN_ONLY_ACTIONS",
    "CommandKind",
    "CommandSpec",
    "PushStep",
    "partial_push_words",
    "spec_for",
    "spec_for_action",
]

#: The HubSpot writes a push can make: the lead's properties (3-way checked), then creates.
PushStep = Literal["props", "note", "call", "deal", "task"]

#: What each step leaves in HubSpot, in a rep's words.
STEP_WORDS: dict[PushStep, str] = {
    "props": "the change to the lead",
    "note": "the note",
    "call": "the call",
    "deal": "the deal",
    "task": "the follow-up task",
}


def partial_push_words(steps: tuple[PushStep, ...], reached: int) -> str:
    """Which of a compound op's steps are in HubSpot and which are not, once it stopped part way
    ("" when none reached HubSpot: then nothing needs saying). HubSpot has no transactions: the steps
    that landed stay there whatever becomes of the op."""
    if reached <= 0 or reached >= len(steps):
        return ""
    done = _joined(STEP_WORDS[s] for s in steps[:reached])
    left = _joined(STEP_WORDS[s] for s in steps[reached:])
    return f"Already in HubSpot: {done}. Not in HubSpot: {left}."


def _joined(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class CommandKind(StrEnum):
    """A command's kind: the `kind` of its model and the `kind` column of its outbox row.

    The values are stored in reps' SQLite outboxes (and allowed by the outbox's CHECK constraint):
    never rename one."""

    MOVE_STAGE = "move_stage"
    LOG_CALL = "log_call"
    ADD_NOTE = "add_note"
    SET_LEAD_TYPE = "set_lead_type"
    QUALIFY = "qualify"
    DISQUALIFY = "disqualify"


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class CommandSpec:
    """Everything the layers above need to know about one command, declared once."""

    kind: CommandKind
    #: "module:Class" of the pydantic model; its `check` is the command's rule.
    model: str
    #: "module:Class" of the modal that asks the rep for it.
    modal: str
    #: The HubSpot writes the push makes, in order (the model's `push_steps` may leave optional ones out).
    push_steps: tuple[PushStep, ...]
    #: Only for an open lead (a closed lead takes notes and a lead type, nothing else).
    open_only: bool
    #: Closes the lead (the work queue lets it go once queued).
    closes: bool
    #: Counts as the lead's first touch (speed to lead).
    first_touch: bool
    #: Counts as the lead's last touch while it waits in the outbox (the board's "last touched" sort).
    last_touch: bool
    #: Words: the lead screen's change list ("Log call"), refusals ("Logging a call" is not possible),
    #: the notice once saved ("Call logged"), the palette's entry ("Log a call").
    title: str
    doing: str
    done: str
    palette_name: str
    #: The Textual action the screens bind (`action_<action>`), its key, its keymap id, its footer
    #: label and its tooltip (also the palette's help).
    action: str
    key: str
    key_id: str
    label: str
    tooltip: str
    #: The command line's verb: `leadboard <cli_verb> LEAD …`.
    cli_verb: str

    def model_class(self) -> Any:
        """The command's model, a `LeadCommand` subclass (imports pydantic: not for the first paint)."""
        return _resolve(self.model)

    def modal_class(self) -> Any:
        """The command's modal class (a `CommandModal` subclass; the UI layer calls this)."""
        return _resolve(self.modal)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        kind=CommandKind.LOG_CALL,
        model="leadboard.commands.log_call:LogCall",
        modal="leadboard.screens.log_call:LogCallModal",
        push_steps=("call",),
        open_only=True,
        closes=False,
        first_touch=True,
        last_touch=True,
        title="Log call",
        doing="Logging a call",
        done="Call logged",
        palette_name="Log a call",
        action="log_call",
        key="c",
        key_id="log-call",
        label="Call",
        tooltip="Log a call made outside HubSpot",
        cli_verb="log-call",
    ),
    CommandSpec(
        kind=CommandKind.ADD_NOTE,
        model="leadboard.commands.add_note:AddNote",
        modal="leadboard.screens.add_note:AddNoteModal",
        push_steps=("note",),
        open_only=False,
        closes=False,
        first_touch=True,
        last_touch=True,
        title="Note",
        doing="Adding a note",
        done="Note added",
        palette_name="Add a note",
        action="add_note",
        key="n",
        key_id="add-note",
        label="Note",
        tooltip="Add a note to the lead and its contact",
        cli_verb="note",
    ),
    CommandSpec(
        kind=CommandKind.MOVE_STAGE,
        model="leadboard.commands.move_stage:MoveStage",
        modal="leadboard.screens.move_stage:MoveStageModal",
        push_steps=("props", "note"),
        open_only=True,
        closes=False,
        first_touch=True,
        last_touch=True,
        title="Move stage",
        doing="Moving a lead",
        done="Moved",
        palette_name="Move stage",
        action="move_stage",
        key="m",
        key_id="move-stage",
        label="Move",
        tooltip="Move to another stage, with a note",
        cli_verb="move",
    ),
    CommandSpec(
        kind=CommandKind.SET_LEAD_TYPE,
        model="leadboard.commands.set_lead_type:SetLeadType",
        modal="leadboard.screens.set_type:SetLeadTypeModal",
        push_steps=("props",),
        open_only=False,
        closes=False,
        first_touch=False,
        last_touch=False,
        title="Set lead type",
        doing="Setting the lead type",
        done="Lead type set",
        palette_name="Set lead type",
        action="set_type",
        key="t",
        key_id="set-lead-type",
        label="Type",
        tooltip="Set the lead type",
        cli_verb="set-type",
    ),
    CommandSpec(
        kind=CommandKind.QUALIFY,
        model="leadboard.commands.qualify:Qualify",
        modal="leadboard.screens.qualify:QualifyModal",
        push_steps=("props", "note", "deal"),
        open_only=True,
        closes=True,
        first_touch=True,
        last_touch=False,
        title="Qualify",
        doing="Qualify",
        done="Qualified",
        palette_name="Qualify",
        action="qualify",
        key="Q",
        key_id="qualify",
        label="Qualify",
        tooltip="Qualify: a note and a deal",
        cli_verb="qualify",
    ),
    CommandSpec(
        kind=CommandKind.DISQUALIFY,
        model="leadboard.commands.disqualify:Disqualify",
        modal="leadboard.screens.disqualify:DisqualifyModal",
        push_steps=("props", "note", "task"),
        open_only=True,
        closes=True,
        first_touch=True,
        last_touch=False,
        title="Disqualify",
        doing="Disqualify",
        done="Disqualified",
        palette_name="Disqualify",
        action="disqualify",
        key="X",
        key_id="disqualify",
        label="Disqualify",
        tooltip="Disqualify: a reason and a note",
        cli_verb="disqualify",
    ),
)

_BY_KIND = {spec.kind: spec for spec in COMMANDS}
_BY_ACTION = {spec.action: spec for spec in COMMANDS}

#: Screen actions that only apply to an open lead.
OPEN_ONLY_ACTIONS = frozenset(spec.action for spec in COMMANDS if spec.open_only)
#: Kinds that close the lead.
CLOSING_KINDS = frozenset(spec.kind for spec in COMMANDS if spec.closes)
#: Kinds that count as a first touch, and as a last touch while waiting in the outbox.
FIRST_TOUCH_KINDS = frozenset(spec.kind for spec in COMMANDS if spec.first_touch)
LAST_TOUCH_KINDS = frozenset(spec.kind for spec in COMMANDS if spec.last_touch)


def spec_for(kind: str) -> CommandSpec:
    """The spec of a kind (a `CommandKind` or its stored string); ValueError for an unknown one."""
    return _BY_KIND[CommandKind(kind)]


def spec_for_action(action: str) -> CommandSpec | None:
    """The spec whose screen action is `action`, or None for another action (filter, open_lead…)."""
    return _BY_ACTION.get(action)
