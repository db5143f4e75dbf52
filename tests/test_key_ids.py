"""The config's `[keymap]` names bindings by id: the core's list of ids is the screens' list, and a
typo is named with the id the rep most likely meant."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from textual.binding import Binding
from textual.dom import DOMNode

import leadboard.screens
import leadboard.widgets
from leadboard.key_ids import KEY_IDS, keymap_problems


def _subclasses(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def binding_ids_of_the_app() -> set[str]:
    """Every id a `Binding` of leadboard's app, screens and widgets carries."""
    for package in (leadboard.screens, leadboard.widgets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    importlib.import_module("leadboard.app")
    return {
        binding.id
        for cls in _subclasses(DOMNode)
        if cls.__module__.startswith("leadboard.")
        for binding in vars(cls).get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    }


def test_the_core_list_of_key_ids_is_the_screens_list() -> None:
    assert binding_ids_of_the_app() == KEY_IDS


def test_a_misspelt_id_is_named_with_the_closest_real_one() -> None:
    assert keymap_problems(["log-call", "disqualfy", "zzzz"]) == [
        "[keymap] disqualfy is not a key id, so it changes no key: did you mean disqualify?",
        "[keymap] zzzz is not a key id, so it changes no key: see the README's Keys section for the ids.",
    ]
