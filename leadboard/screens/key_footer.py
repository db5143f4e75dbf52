"""The footer every leadboard screen shows: Textual's `Footer`, rebuilt only when its keys change.

Textual's footer removes and composes all of its keys again whenever the screen's bindings may
have changed, which a screen signals on every focus change and every `refresh_bindings` (the
board calls it on each highlight move, so a lead command can grey out on a closed lead). With 14
keys that is 20-30 ms of work on each j/k press, for a footer that looks the same. This one
compares what it would show (each key, its description, whether it is enabled) with what it
shows, and only then rebuilds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen

__all__ = ["COMPACT_BELOW", "KeyFooter", "shown_keys"]

#: What the footer draws for one binding: the binding (key, description, group, tooltip and so on),
#: whether it is enabled, and the tooltip the screen gives it.
ShownKey = tuple["Binding", bool, str]


def shown_keys(screen: Screen[Any]) -> tuple[ShownKey, ...]:
    """The keys a `Footer` on `screen` shows, in order, and the command palette key: everything its
    `compose` reads from the screen's active bindings."""
    active = screen.active_bindings
    keys = [(binding, enabled, tooltip) for _, binding, enabled, tooltip in active.values() if binding.show]
    palette = active.get(screen.app.COMMAND_PALETTE_BINDING)
    if palette is not None:
        keys.append((palette[1], palette[2], palette[3]))
    return tuple(keys)


#: Below this many columns the footer drops the space around each key, so the lead commands, `?`
#: and the palette all fit an 80-column terminal.
COMPACT_BELOW = 100


class KeyFooter(Footer):
    """A `Footer` that rebuilds its keys only when they change, and is compact on narrow terminals."""

    def __init__(self, *, compact: bool | None = None, show_command_palette: bool = True) -> None:
        """`compact`: always (True), never (False), or by the terminal's width (None)."""
        self._auto_compact = compact is None
        super().__init__(compact=bool(compact), show_command_palette=show_command_palette)
        self._keys_shown: tuple[ShownKey, ...] | None = None

    def on_mount(self) -> None:
        self._fit(self.app.size.width)

    def on_resize(self) -> None:
        self._fit(self.app.size.width)

    def _fit(self, width: int) -> None:
        if self._auto_compact and self.compact != (width < COMPACT_BELOW):
            self.compact = width < COMPACT_BELOW

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            keys = shown_keys(screen)
            if keys == self._keys_shown:
                return  # nothing the footer draws has changed
            self._keys_shown = keys
        super().bindings_changed(screen)
