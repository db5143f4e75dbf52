"""The registry of lead commands: every entry resolves, and every layer reads the same entries."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from leadboard.cache.store import Store
from leadboard.commands.base import COMMAND_ADAPTER, LeadCommand
from leadboard.commands.registry import COMMANDS, CommandKind, spec_for, spec_for_action
from leadboard.screens.command_modal import CommandModal
from leadboard.screens.keys import LEAD_COMMAND_BINDINGS
from leadboard.screens.palette import SCREEN_COMMANDS

KINDS = [spec.kind for spec in COMMANDS]


def test_every_kind_has_one_entry() -> None:
    assert sorted(KINDS) == sorted(CommandKind)
    assert len({spec.action for spec in COMMANDS}) == len(COMMANDS)
    assert len({spec.key_id for spec in COMMANDS}) == len(COMMANDS)
    assert len({spec.cli_verb for spec in COMMANDS}) == len(COMMANDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_entry_names_a_model_of_its_kind_and_a_command_modal(kind: CommandKind) -> None:
    spec = spec_for(kind)
    model = spec.model_class()
    assert issubclass(model, LeadCommand)
    assert model.model_fields["kind"].default == kind
    assert issubclass(spec.modal_class(), CommandModal)
    assert spec_for_action(spec.action) is spec


@pytest.mark.parametrize("kind", KINDS)
def test_the_stored_kind_strings_still_load(kind: CommandKind) -> None:
    """Reps' outboxes hold these strings: each still reads back as its own model."""
    fields = {"move_stage": '"stage_id":"s","note":"n"', "log_call": '"outcome_id":"o","note":"n"'}
    fields |= {"add_note": '"text":"t"', "set_lead_type": '"lead_type":"T"', "qualify": '"note":"n"'}
    fields |= {"disqualify": '"reason":"r","note":"n"'}
    command = COMMAND_ADAPTER.validate_json(f'{{"kind":"{kind}","lead_id":"1",{fields[kind]}}}')
    assert type(command) is spec_for(kind).model_class() and command.kind == kind


def test_the_outbox_schema_allows_every_registered_kind(tmp_path: Path) -> None:
    """A new command needs a migration that lets its kind into the outbox: this fails until it has one."""
    with Store.open(tmp_path / "cache.db"):
        pass
    with sqlite3.connect(tmp_path / "cache.db") as conn:
        (table,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()
    allowed = set(re.findall(r"'([a-z_]+)'", table.split("kind IN", 1)[1].split(")", 1)[0]))
    assert allowed == {str(kind) for kind in KINDS}


def test_the_keys_and_the_palette_offer_every_command() -> None:
    actions = [b.action for b in LEAD_COMMAND_BINDINGS]
    assert [spec.action for spec in COMMANDS] == actions[: len(COMMANDS)]
    assert {spec.action for spec in COMMANDS} <= {action for _, _, action in SCREEN_COMMANDS}


def test_closing_and_open_only_follow_the_lead_process() -> None:
    assert {s.kind for s in COMMANDS if s.closes} == {CommandKind.QUALIFY, CommandKind.DISQUALIFY}
    assert {s.kind for s in COMMANDS if not s.open_only} == {CommandKind.ADD_NOTE, CommandKind.SET_LEAD_TYPE}
