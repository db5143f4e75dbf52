"""The binding ids a rep may remap in the config's `[keymap]`, and the check that names a typo.

Why here, in the core: the config file is read by every command, and the scriptable ones and
`leadboard doctor` must say "`disqualfy` is not a key id" without importing Textual or the screens
that declare the bindings. The screens keep their `Binding`s (leadboard/screens/keys.py and each
screen's `BINDINGS`); tests/test_key_ids.py checks that this list and theirs are the same.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from leadboard.commands.registry import COMMANDS

__all__ = ["KEY_IDS", "keymap_problems"]

#: Every id a leadboard binding carries; the lead commands' ids come from the command registry.
KEY_IDS: frozenset[str] = frozenset(
    {
        *(spec.key_id for spec in COMMANDS),
        # the links on a lead
        "open-in-hubspot",
        "copy-lead-url",
        "copy-phone",
        "copy-email",
        "call-phone",
        "write-email",
        # the board
        "cursor-down",
        "cursor-up",
        "column-prev",
        "column-next",
        "open-lead",
        "board-escape",
        "filter",
        "sort-cycle",
        "toggle-closed",
        "work-queue",
        "stats",
        "activity",
        # the lead screen
        "lead-back",
        # the work queue
        "queue-back",
        "queue-next",
        "queue-previous",
        "queue-skip",
        "queue-open-lead",
        # the stats screen
        "stats-close",
        "stats-7-days",
        "stats-30-days",
        "stats-90-days",
        "stats-next-period",
        "stats-refresh",
        # the activity screen
        "activity-close",
        # forms and dialogs
        "modal-save",
        "modal-cancel",
        "confirm-no",
        "confirm-switch",
        "op-close",
        # everywhere
        "quit",
        "sync-now",
        "show-keys",
    }
)


def keymap_problems(binding_ids: Iterable[str]) -> list[str]:
    """One sentence per id in `[keymap]` that no binding carries, naming the closest real id.

    Textual's `set_keymap` ignores an unknown id in silence, so without this a typo just leaves
    the key as it was and the rep never learns why.
    """
    problems = []
    for binding_id in binding_ids:
        if binding_id in KEY_IDS:
            continue
        close = difflib.get_close_matches(binding_id, sorted(KEY_IDS), n=1)
        hint = f"did you mean {close[0]}?" if close else "see the README's Keys section for the ids."
        problems.append(f"[keymap] {binding_id} is not a key id, so it changes no key: {hint}")
    return problems
