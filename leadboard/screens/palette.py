"""The command palette (ctrl+p): "jump to lead…", every board command, the work queue and the stats,
each with its key.

Lead names come from HubSpot, so hits are built as `Content` from plain text and highlighted by
offset; Textual's `Matcher.highlight` parses its argument as markup and is never given a name.
Lead search runs in SQL on the cache thread (the same filter as `/`). Textual's own "Theme"
command stays in the palette; the app remembers the theme picked there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from leadboard.commands.registry import COMMANDS
from leadboard.screens.app_api import AppApi, app_api
from leadboard.text import clean_untrusted

if TYPE_CHECKING:
    from leadboard.cache.read_model import BoardLead

__all__ = ["SCREEN_COMMANDS", "LeadPaletteProvider"]

#: (name, help, action on the screen the palette was opened from): the lead commands as the
#: registry declares them, then the links and the board's own.
SCREEN_COMMANDS: list[tuple[str, str, str]] = [
    *((c.palette_name, f"{c.tooltip} ({c.key})", c.action) for c in COMMANDS),
    ("Open in HubSpot", "Open the lead in HubSpot's web app (o)", "open_in_hubspot"),
    ("Copy link", "Copy the lead's HubSpot link (y)", "copy_link"),
    ("Copy phone", "Copy the contact's phone number (p)", "copy_phone"),
    ("Copy email", "Copy the contact's email address (e)", "copy_email"),
    ("Call", "Call the contact: opens a tel: link where the system can (P)", "call_phone"),
    ("Email", "Email the contact: opens a mailto: link where the system can (E)", "write_email"),
    ("Filter", "Filter the board by name, company or email (/)", "filter"),
    ("Cycle sort", "Most urgent, newest, oldest, last touched, name (s)", "cycle_sort"),
    ("Show closed leads", "Switch between open and closed leads (v)", "toggle_closed"),
]
JUMP = "Jump to lead…"
MAX_LEAD_HITS = 20


def _highlighted(text: str, query: str, matcher: Any) -> Content:
    """`text` as literal Content, with the fuzzy-matched characters styled."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def lead_hit_text(lead: BoardLead) -> str:
    name = clean_untrusted(lead.name or lead.contact_name or f"lead {lead.id}").replace("\n", " ")
    extra = clean_untrusted(lead.company_name or lead.contact_email or "").replace("\n", " ")
    return f"{JUMP.removesuffix('…')}: {name}" + (f" · {extra}" if extra else "")


class LeadPaletteProvider(Provider):
    """Leads by name, company or email, and the commands of the screen the palette came from."""

    @property
    def lb_app(self) -> AppApi:
        return app_api(self.app)

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        found: list[tuple[str, str, Callable[[], Any]]] = []
        for name, help_text, action in SCREEN_COMMANDS:
            if not hasattr(screen, f"action_{action}"):
                continue
            if screen.check_action(action, ()) is not True:
                continue
            found.append((name, help_text, partial(screen.run_action, action)))
        found.append(
            (
                "Work the queue",
                "The open leads one at a time, most urgent first (w)",
                self.lb_app.open_work_queue,
            )
        )
        found.append(
            ("Stats", "Funnel, speed to lead, SLA breaches over 7/30/90 days (S)", self.lb_app.open_stats)
        )
        found.append(("Activity", "What changed in HubSpot, newest first (a)", self.lb_app.open_activity))
        found.append(("Sync now", "Pull from and push to HubSpot (r)", self.lb_app.action_sync_now))
        return found

    async def discover(self) -> Hits:
        yield DiscoveryHit(Content(JUMP), self._start_jump, help="Type part of a name, company or email")
        for name, help_text, run in self._commands():
            yield DiscoveryHit(Content(name), run, help=help_text)

    def _start_jump(self) -> None:
        self.lb_app.filter_board()

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlighted(name, query, matcher), run, text=name, help=help_text)
        needle = query.strip()
        if len(needle) < 2:
            return
        leads = await self.lb_app.cache.read(lambda store: store.board(view="all", needle=needle))
        for lead in leads[:MAX_LEAD_HITS]:
            text = lead_hit_text(lead)
            score = max(matcher.match(text), 0.5)
            yield Hit(
                score,
                _highlighted(text, query, matcher),
                partial(self.lb_app.jump_to_lead, lead.id),
                text=text,
                help="closed" if lead.closed else None,
            )
