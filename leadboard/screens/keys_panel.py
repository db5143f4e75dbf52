"""The keys panel `?` opens: leadboard's own keys first, grouped by where they work, then Textual's.

Textual's own panel lists the focused widget's generic keys first ("← Scroll Left") though ←/→
switch stages here, and it takes the screen's full height, so at 80 columns it covers the footer.
This one is built from the bindings in `keys.py` and the command registry (each key as the rep's
`[keymap]` has it), docked right above the footer. Its text is plain (no markup is parsed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from leadboard.commands.registry import COMMANDS
from leadboard.screens.keys import (
    APP_BINDINGS,
    BOARD_BINDINGS,
    FORM_BINDINGS,
    LEAD_COMMAND_BINDINGS,
    LEAD_SCREEN_BINDINGS,
    QUEUE_BINDINGS,
)

__all__ = ["KeysPanel", "key_groups"]

#: Keys named in words where Textual would draw a symbol a new rep may not read.
_KEY_WORDS = {
    "enter": "enter",
    "escape": "esc",
    "space": "space",
    "tab": "tab",
    "shift+tab": "shift+tab",
    "question_mark": "?",
    "slash": "/",
    "left": "←",
    "right": "→",
    "up": "↑",
    "down": "↓",
}
#: What each lead command does, in the palette's words ("Log a call"), by keymap id.
_COMMAND_WORDS = {spec.key_id: spec.palette_name for spec in COMMANDS}
#: A row of the panel: the keys as shown and what they do.
Row = tuple[str, str]

_LEAD_IDS = {binding.id for binding in LEAD_COMMAND_BINDINGS}


def _without_lead_commands(bindings: Iterable[Binding]) -> list[Binding]:
    return [binding for binding in bindings if binding.id not in _LEAD_IDS]


def _keys_shown(binding: Binding, keymap: Mapping[str, str]) -> str:
    """A binding's keys as the rep's keymap has them, e.g. "h/←"."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    if binding.key_display and keys == binding.key:
        return binding.key_display
    return "/".join(_KEY_WORDS.get(key.strip(), key.strip()) for key in keys.split(","))


def _what(binding: Binding) -> str:
    if binding.id in _COMMAND_WORDS:
        return _COMMAND_WORDS[binding.id]
    return binding.tooltip or binding.description


def key_groups(keymap: Mapping[str, str]) -> list[tuple[str, str, list[Row]]]:
    """(heading, where it applies, rows) for each group of leadboard's keys, in the order shown."""

    def rows(bindings: Iterable[Binding]) -> list[Row]:
        return [(_keys_shown(binding, keymap), _what(binding)) for binding in bindings]

    return [
        ("Board", "the stages and their leads", rows(_without_lead_commands(BOARD_BINDINGS))),
        (
            "Lead",
            "a lead: on the board, its screen, the queue",
            rows([*LEAD_COMMAND_BINDINGS, *_without_lead_commands(LEAD_SCREEN_BINDINGS)]),
        ),
        ("Work queue", "one lead at a time (w)", rows(_without_lead_commands(QUEUE_BINDINGS))),
        (
            "Form",
            "logging a call, a note, a move…",
            [*rows(FORM_BINDINGS), ("tab/shift+tab", "Next or previous field")],
        ),
        ("App", "on every screen", [*rows(APP_BINDINGS), ("ctrl+p", "Commands and jump to a lead")]),
    ]


class KeysPanel(VerticalScroll):
    """leadboard's keys by group, then the other keys the current screen answers to (Textual's)."""

    DEFAULT_CSS = """
    KeysPanel {
        dock: right;
        width: 40;
        max-width: 60%;
        height: 100%;
        margin-bottom: 1;  /* the footer's line stays whole beneath it */
        padding: 0 1;
        border-left: vkey $foreground 30%;
        background: $surface;
    }
    KeysPanel > #keys-panel-text { width: 1fr; height: auto; }
    """

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__(id="keys-panel")
        self.keymap = dict(keymap)
        self.groups: list[tuple[str, str, list[Row]]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="keys-panel-text", markup=False)

    def on_mount(self) -> None:
        self.groups = self._groups()
        parts: list[RenderableType] = []
        for heading, where, rows in self.groups:
            parts.append(Text.assemble((heading, "bold"), "\n", (f"  {where}", "italic")))
            table = Table.grid(padding=(0, 1), pad_edge=False)
            table.add_column(no_wrap=True, style="bold")
            table.add_column()
            for keys, what in rows:
                table.add_row(Text(f"  {keys}"), Text(what))  # Text: never read as markup
            parts.extend([table, Text("")])
        self.query_one("#keys-panel-text", Static).update(Group(*parts[:-1]))

    def plain_text(self) -> str:
        """What the panel says, one line a heading or a key, as plain text."""
        lines: list[str] = []
        for heading, where, rows in self.groups:
            lines += [heading, f"  {where}", *(f"  {keys}  {what}" for keys, what in rows), ""]
        return "\n".join(lines).rstrip()

    def _groups(self) -> list[tuple[str, str, list[Row]]]:
        """leadboard's groups, then the screen's other keys (Textual's), leaving out any key
        leadboard's groups already name."""
        groups = key_groups(self.keymap)
        named = {key for _, _, rows in groups for keys, _ in rows for key in keys.split("/")}
        others: dict[str, str] = {}
        for _, binding, _, _ in self.screen.active_bindings.values():
            keys = _keys_shown(binding, self.keymap)
            if binding.description and keys not in named and binding.action != "command_palette":
                others.setdefault(keys, binding.description)
        if others:
            groups.append(("Other keys", "Textual's, for the focused part", list(others.items())))
        return groups
