"""`leadboard demo` signs its rep in through the sandbox's OAuth (no browser), so the board runs the
token store, the refreshing provider and who-am-I as a real rep's does; the sign-in goes with the demo."""

from __future__ import annotations

from leadboard.cli.credentials import load_oauth
from leadboard.cli.launch import signed_in_demo
from leadboard.sync.engine import SyncEngine


def test_the_demo_rep_is_signed_in_through_oauth_and_syncs_without_an_email() -> None:
    with signed_in_demo() as (settings, tokens):
        assert settings.email is None
        assert tokens.user_id is not None
        stored = load_oauth(settings)
        assert stored is not None and stored.user_id == tokens.user_id
        engine = SyncEngine(settings, tokens)
        try:
            report = engine.sync()
            status = engine.status()
        finally:
            engine.close()
        assert report.error is None
        assert status.signed_in_as is not None and status.signed_in_as.startswith("Demo Rep (portal ")
    assert load_oauth(settings) is None, "the demo's sign-in is removed when the demo ends"
