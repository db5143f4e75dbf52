"""A rep whose credential cannot create leadboard's op id property is never stuck: the sync engine
says "ask an admin to run `leadboard setup`" (the line the board and `leadboard status` show), the
change waits with its text, and the next sync after the admin's setup pushes it exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from leadboard.commands.add_note import AddNote
from leadboard.config import Settings
from leadboard.op_markers import OP_ID_PROPERTY
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sync.engine import SyncEngine
from leadboard.sync.errors import NOT_SET_UP
from leadboard.sync.hubspot import OP_ID_OBJECT_TYPES
from tests.sync.push_support import TINY_PORTAL, gateway_for, open_lead_ids
from tests.sync.test_hidden_markers import rep_token_without_schema_scopes


@pytest.fixture(scope="module")
def new_portal() -> Iterator[SandboxHandle]:
    with running_sandbox(replace(TINY_PORTAL, app_properties=False), rate_limits=False) as handle:
        yield handle


def test_the_status_line_asks_for_an_admin_and_the_note_goes_once_after_setup(
    new_portal: SandboxHandle, tmp_path: Path
) -> None:
    new_portal.portal.reset()
    token = rep_token_without_schema_scopes(new_portal)
    settings = Settings(portal=new_portal.base_url, email=new_portal.rep_email, db=tmp_path / "cache.sqlite")
    engine = SyncEngine(settings, token, timeout=(2.0, 2.0))
    try:
        assert engine.sync().error is None
        lead_id = open_lead_ids(new_portal)[0]
        op = engine.store().outbox.enqueue(AddNote(lead_id=lead_id, text="Wants the pricing sheet"))

        waiting = engine.sync()
        assert waiting.status.line().startswith(NOT_SET_UP)
        assert waiting.status.not_set_up and waiting.status.failed == 0 and waiting.status.pending == 1
        assert engine.store().outbox.get(op.op_id).command.typed == "Wants the pricing sheet"
        assert not [n for n in new_portal.portal.objects("notes") if "pricing sheet" in str(n["properties"])]

        with gateway_for(new_portal) as admin:  # the admin's `leadboard setup`, in effect
            for object_type in OP_ID_OBJECT_TYPES:
                admin.create_op_id_property(object_type)

        after = engine.sync()  # `r` on the board, `leadboard sync`: no waiting out the recheck delay
        assert NOT_SET_UP not in after.status.line() and after.status.pending == 0
        assert engine.store().outbox.get(op.op_id).state == "done"
    finally:
        engine.close()
    notes = [
        n["properties"] for n in new_portal.portal.objects("notes") if "pricing sheet" in str(n["properties"])
    ]
    assert len(notes) == 1
    assert notes[0][OP_ID_PROPERTY] == op.op_id and "lb:" not in notes[0]["hs_note_body"]
