"""Every key the board answers to, in one place, each with an id the config's `[keymap]` can remap.

The ids are what a rep writes in `config.toml`, e.g. `[keymap] log-call = "L"`; Textual's
`App.set_keymap` swaps the key of every binding carrying that id. Screens take their `BINDINGS`
from here so the board and the lead screen share one id (and so one remapping) per command.
"""

from __future__ import annotations

from textual.binding import Binding

from leadboard.commands.registry import COMMANDS

__all__ = [
    "APP_BINDINGS",
    "BOARD_BINDINGS",
    "FORM_BINDINGS",
    "LEAD_COMMAND_BINDINGS",
    "LEAD_SCREEN_BINDINGS",
    "QUEUE_BINDINGS",
]

#: The commands that act on one lead, on the board and on the lead screen alike: the rep's lead
#: commands as the registry declares them, then the links.
LEAD_COMMAND_BINDINGS: list[Binding] = [
    *(Binding(c.key, c.action, c.label, id=c.key_id, tooltip=c.tooltip) for c in COMMANDS),
    Binding("o", "open_in_hubspot", "Open", id="open-in-hubspot", show=False, tooltip="Open in HubSpot"),
    Binding("y", "copy_link", "Copy link", id="copy-lead-url", show=False, tooltip="Copy the HubSpot link"),
    Binding("p", "copy_phone", "Copy phone", id="copy-phone", show=False, tooltip="Copy the contact's phone"),
    Binding("e", "copy_email", "Copy email", id="copy-email", show=False, tooltip="Copy the contact's email"),
    Binding("P", "call_phone", "Call", id="call-phone", show=False, tooltip="Call the contact (a tel: link)"),
    Binding("E", "write_email", "Email", id="write-email", show=False, tooltip="Email the contact (mailto:)"),
]

#: Moving around the board, filtering and sorting.
BOARD_BINDINGS: list[Binding] = [
    Binding("j,down", "cursor_down", "Down", id="cursor-down", show=False),
    Binding("k,up", "cursor_up", "Up", id="cursor-up", show=False),
    Binding("h,left", "column_prev", "Previous stage", id="column-prev", show=False),
    Binding("l,right", "column_next", "Next stage", id="column-next", show=False),
    Binding("enter", "open_lead", "Open lead", id="open-lead", show=False, tooltip="Open the lead's details"),
    Binding("escape", "escape", "Clear", id="board-escape", show=False, tooltip="Clear the filter"),
    Binding("slash", "filter", "Filter", id="filter", tooltip="Filter by name, company or email"),
    Binding("s", "cycle_sort", "Sort", id="sort-cycle", show=False, tooltip="Cycle the sort order"),
    Binding("v", "toggle_closed", "Closed", id="toggle-closed", show=False, tooltip="Open or closed leads"),
    Binding(
        "w", "work_queue", "Queue", id="work-queue", show=False, tooltip="Work the open leads one at a time"
    ),
    Binding("S", "stats", "Stats", id="stats", show=False, tooltip="Funnel, speed to lead and SLA breaches"),
    Binding(
        "a",
        "activity",
        "Activity",
        id="activity",
        show=False,
        tooltip="What changed in HubSpot, newest first",
    ),
    *LEAD_COMMAND_BINDINGS,
]

#: The lead screen: back, resolve a change, and the same lead commands.
LEAD_SCREEN_BINDINGS: list[Binding] = [
    Binding("escape", "back", "Back", id="lead-back", tooltip="Back to the board"),
    *LEAD_COMMAND_BINDINGS,
]


#: The work queue: one lead at a time, the same lead commands, and moving through the queue.
QUEUE_BINDINGS: list[Binding] = [
    Binding("escape", "back", "Board", id="queue-back", tooltip="Back to the board"),
    Binding("space,j", "next", "Next", id="queue-next", key_display="space", tooltip="The next lead"),
    Binding("k", "previous", "Previous", id="queue-previous", show=False, tooltip="The previous lead"),
    Binding("s", "skip", "Skip", id="queue-skip", tooltip="Skip: this lead goes to the end of the queue"),
    Binding("enter", "open_lead", "Details", id="queue-open-lead", show=False, tooltip="Open the lead"),
    *LEAD_COMMAND_BINDINGS,
]

#: The command forms (log a call, a note, a move…): save or close; tab moves between the fields.
FORM_BINDINGS: list[Binding] = [
    Binding("ctrl+s", "save", "Save", id="modal-save", tooltip="Save when the form is complete"),
    Binding("escape", "cancel", "Cancel", id="modal-cancel", tooltip="Close without saving"),
]

#: App-wide keys. ctrl+p (the palette) is Textual's own binding; ctrl+q quits.
#: The footer shows the lead process's commands, `/`, `?` and the palette, so it fits 80 columns;
#: every other key is listed by `?` (and in the README), each still remappable by its id.
APP_BINDINGS: list[Binding] = [
    Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False, tooltip="Quit leadboard"),
    Binding("r", "sync_now", "Sync", id="sync-now", show=False, tooltip="Pull and push now"),
    Binding("question_mark", "toggle_keys", "Keys", id="show-keys", tooltip="Show or hide the keys"),
]
