"""What every lead command is: a pydantic model with a kind, a lead, and its rule (`check`).

The layers above never ask "which command is this?": they call the command's methods (its rule,
the properties it writes, its push steps, the headline of its note, its description) or read its
`CommandSpec`. `check_command` and `COMMAND_ADAPTER` (the outbox's (de)serialiser, built from the
registry on first use) are the entry points the store, the modals and the CLI share.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field

from leadboard.commands.registry import COMMANDS, CommandSpec, PushStep, spec_for
from leadboard.domain import NOTE_HTML_LIMIT, CommandRefused, PortalMeta
from leadboard.note_html import note_to_html
from leadboard.state import LeadFacts
from leadboard.text import clean_untrusted

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "COMMAND_ADAPTER",
    "Command",
    "LeadCommand",
    "check_command",
    "clean_note",
    "command_adapter",
    "property_changes",
    "require_open",
]


class LeadCommand(BaseModel):
    """One command of the rep on one lead. Subclasses set `kind` to their `CommandKind` value.

    Models build their validators on first use, not at import (`defer_build`): the store imports
    them on paths where most are never validated."""

    model_config = ConfigDict(defer_build=True)
    kind: str
    lead_id: str

    @property
    def spec(self) -> CommandSpec:
        return spec_for(self.kind)

    @property
    def typed(self) -> str:
        """The text the rep typed (note or note text), "" when the command has none."""
        return ""

    def check(self, lead: LeadFacts, meta: PortalMeta, now: datetime) -> Self:
        """The command's rule: the normalised command, or `CommandRefused` saying what is missing."""
        raise NotImplementedError

    def property_changes(self, meta: PortalMeta) -> dict[str, str]:
        """The lead properties a checked command writes: the store overlays these and keeps their base."""
        return {}

    def push_steps(self) -> tuple[PushStep, ...]:
        """The HubSpot writes the push makes, in order: the spec's, less any the command leaves out."""
        return self.spec.push_steps

    def note_headline(self, meta: PortalMeta) -> str | None:
        """The line the pushed note opens with ("Moved to Connected."), None for the rep's text alone."""
        return None

    def touched_at(self) -> datetime | None:
        """When the command touched the lead, if not when it was made (a call: when it happened)."""
        return None

    def describe(self, meta: PortalMeta) -> str:
        """What it does, in the rep's words, e.g. "move to Attempting" (labels from the portal)."""
        return self.spec.title.lower()


#: What every layer above passes around: one checked or unchecked command of any kind.
Command = LeadCommand
C = TypeVar("C", bound=LeadCommand)


def clean_note(text: str, action: str) -> str:
    """The rep's note, cleaned and stripped; refused when blank or too long for HubSpot once in HTML.

    `action` is the command's `doing` words ("Logging a call"), for the refusal."""
    note = clean_untrusted(text).strip()
    if not note:
        raise CommandRefused(f"{action} needs a note: write what happened.")
    size = len(note_to_html(note))
    if size > NOTE_HTML_LIMIT:
        raise CommandRefused(
            f"The note is too long: {size:,} characters once formatted for HubSpot, and the most it takes "
            f"is {NOTE_HTML_LIMIT:,}. Shorten it by {size - NOTE_HTML_LIMIT:,} characters."
        )
    return note


def require_open(lead: LeadFacts, meta: PortalMeta, action: str) -> None:
    """Refuse a command that only applies to an open lead on a closed one."""
    if not meta.is_open(lead.stage_id):
        raise CommandRefused(
            f"{action} is not possible: '{lead.name or lead.id}' is closed "
            f"({meta.stage_label(lead.stage_id)}). "
            "You can still add a note or set its lead type."
        )


def check_command(command: C, lead: LeadFacts, meta: PortalMeta, *, now: datetime | None = None) -> C:
    """Apply the lead process to `command` for `lead` as the rep sees it now; return the normalised command.

    Normalised: notes cleaned and stripped, options resolved from label to value. Raises `CommandRefused`
    with a sentence that says what is missing. `lead` must be the *effective* lead (pending ops applied),
    so a pending lead type counts for Qualify and a pending disqualify closes the lead. `now` (aware;
    default: the clock) is what "in the future" is measured against (a call's time, a follow-up day).
    """
    if command.lead_id != lead.id:
        raise CommandRefused(f"This command is for lead {command.lead_id}, not {lead.id}.")
    if command.spec.open_only:
        require_open(lead, meta, command.spec.doing)
    return command.check(lead, meta, now if now is not None else datetime.now(UTC))


def property_changes(command: Command, meta: PortalMeta) -> dict[str, str]:
    """The lead properties a (checked) command writes: the store overlays these and keeps their base."""
    return command.property_changes(meta)


@cache
def command_adapter() -> TypeAdapter[Command]:
    """The (de)serialiser of every registered command kind, as the outbox stores them; built on first use."""
    from pydantic import TypeAdapter

    models = tuple(spec.model_class() for spec in COMMANDS)
    union: Any = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 (built at run time)
    adapter: TypeAdapter[Command] = TypeAdapter(union)
    return adapter


class _LazyCommandAdapter:
    """`COMMAND_ADAPTER`: the calls the outbox and tests make, forwarded to `command_adapter()`, so
    importing this module builds no adapter."""

    def validate_json(self, data: str | bytes) -> Command:
        return command_adapter().validate_json(data)

    def validate_python(self, data: Any) -> Command:
        return command_adapter().validate_python(data)

    def dump_json(self, command: Command) -> bytes:
        return command_adapter().dump_json(command)

    def dump_python(self, command: Command, *, mode: Literal["json", "python"] = "python") -> Any:
        return command_adapter().dump_python(command, mode=mode)


COMMAND_ADAPTER = _LazyCommandAdapter()
