"""`leadboard recover`: the changes that were waiting in a cache that broke, queued again.

They come from the journal kept beside the cache (cache/journal.py), with their op ids, so the push
looks for each in HubSpot before sending it: a change that reached HubSpot before the cache broke
is not written twice.
"""

from __future__ import annotations

from pathlib import Path

import click

from leadboard.cli.common import Session, fail, plural, shown


def run_recover(session: Session, journal: Path | None) -> None:
    from leadboard.cache.journal import journal_path, waiting_changes
    from leadboard.cache.store import CacheError, Store

    db = session.settings().db
    source = journal if journal is not None else journal_path(db)
    if not source.is_file():
        fail(f"There is no changes journal at {source}: nothing to recover.")
    waiting = waiting_changes(source)
    try:
        store = Store.open(db)
    except CacheError as exc:
        fail(str(exc))
    with store:
        restored = store.outbox.restore(waiting)
    already = len(waiting) - len(restored)
    click.echo(
        f"Queued {plural(len(restored), 'change')} from {shown(source)} again"
        + (f" ({already} already in this cache)" if already else "")
        + (". Run `leadboard sync` to send them to HubSpot." if restored else ".")
    )
