"""Reps sharing one HubSpot app: their boards read the shared window from HubSpot's headers, slow
down when it runs low, say so, and never lose a change to a 429."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadboard.commands.add_note import AddNote
from leadboard.config import Settings
from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sandbox.users import portal_users
from leadboard.sync.engine import SyncEngine, SyncStatus
from leadboard.sync.pacing import RESERVE, Pacer, PacingSettings
from leadboard.sync.ratelimit import RateLimiter, read_budget
from tests.sandbox.oauth_support import authorize_params, exchange, pkce_pair, redirect_query, request
from tests.sync.push_support import TINY_PORTAL, created_with_marker

ALL_SCOPES = " ".join(
    (
        "crm.objects.leads.read",
        "crm.objects.leads.write",
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.objects.companies.read",
        "crm.objects.owners.read",
    )
)
#: The app's window: 110 requests per 10 s, as HubSpot gives an OAuth app.
APP = RateLimits(app_burst_max=110, burst_window=10.0, search_max=50)
#: Simulated other reps keep 90 of its 110 in use: 20 left, under 40 % but above the reserve.
BUSY_FLOOR = replace(APP, other_load=90)
#: Other reps fill the window (a short one here, so its Retry-After is short): every request of
#: ours is turned away with a 429.
FULL_FLOOR = replace(APP, other_load=110, burst_window=2.0)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(TINY_PORTAL, rate_limits=APP) as handle:
        yield handle


def sign_in(sandbox: SandboxHandle, user_id: int) -> str:
    """One rep's user token for the sandbox's app, through its OAuth pages."""
    verifier, challenge = pkce_pair()
    fields = {
        **authorize_params(sandbox, challenge, scope=ALL_SCOPES),
        "user_id": str(user_id),
        "decision": "connect",
    }
    code = redirect_query(request(sandbox, "POST", "/oauth/authorize", fields))["code"]
    token = exchange(sandbox, code, verifier).json()["access_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture
def reps(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[list[SyncEngine]]:
    """Two reps of one team, each with a board (engine, cache, token) on the same app."""
    sandbox.portal.reset()
    sandbox.set_rate_limits(APP)
    engines = []
    for i, user in enumerate(portal_users(sandbox.portal)[:2]):
        settings = Settings(portal=sandbox.base_url, email=user.email, db=tmp_path / f"rep{i}.sqlite")
        engines.append(SyncEngine(settings, sign_in(sandbox, user.user_id), timeout=(2.0, 2.0)))
    for engine in engines:
        assert engine.sync().error is None
    yield engines
    for engine in engines:
        engine.close()
    sandbox.set_rate_limits(APP)


def a_lead_of(engine: SyncEngine) -> str:
    owner = engine.meta().owner_id or ""  # type: ignore[union-attr]
    return sorted(engine.store().owned_lead_ids(owner))[0]


def test_a_window_running_low_stretches_the_pulls_and_says_so(
    reps: list[SyncEngine], sandbox: SandboxHandle
) -> None:
    rep = reps[0]
    sandbox.set_rate_limits(BUSY_FLOOR)
    rep.store().outbox.enqueue(AddNote(lead_id=a_lead_of(rep), text="Busy floor"))
    assert rep.push().done == 1  # its answer carries the window's headers: 19 of 110 left

    for _ in range(2):  # each pull stretches the interval by about a quarter
        report = rep.sync(background=True)

    assert report.error is None
    assert rep.pacer.interval > rep.settings.sync_interval * 1.2
    assert re.search(r" · HubSpot is busy: refreshing every \d min$", report.status.line())

    sandbox.set_rate_limits(APP)  # the other reps went home
    rep.store().outbox.enqueue(AddNote(lead_id=a_lead_of(rep), text="Quiet again"))
    assert rep.push().done == 1  # a full window in its headers
    for _ in range(12):
        report = rep.sync(background=True)
    assert rep.pacer.interval == rep.settings.sync_interval
    assert report.status.line() == "synced just now"


def test_a_429_pauses_both_reps_and_their_changes_wait_then_go(
    reps: list[SyncEngine], sandbox: SandboxHandle
) -> None:
    ops = [rep.store().outbox.enqueue(AddNote(lead_id=a_lead_of(rep), text="Before the 429")) for rep in reps]
    sandbox.set_rate_limits(FULL_FLOOR)

    for rep, op in zip(reps, ops, strict=True):
        report = rep.push(max_pause_wait=0.0)  # the board's push meets the 429 and stops there
        assert report.done == 0
        assert rep.limiter.pause is not None  # this board holds its requests
        assert rep.store().outbox.get(op.op_id).state == "pending"  # queued, not failed
        # The window is spent: until it recovers, the next background pull gives way to pushes.
        assert not rep.pacer.may_pull(rep.limiter.budget, rep.limiter.now())
        assert created_with_marker(sandbox, "note", op.op_id) == []

    sandbox.set_rate_limits(APP)
    for rep, op in zip(reps, ops, strict=True):
        assert rep.push(wait=5.0).done == 1  # once its Retry-After has passed
        assert rep.store().outbox.get(op.op_id).state == "done"
        assert len(created_with_marker(sandbox, "note", op.op_id)) == 1


def test_a_push_that_meets_a_429_stays_pending_and_the_rep_sees_no_429(
    reps: list[SyncEngine], sandbox: SandboxHandle
) -> None:
    rep = reps[0]
    op = rep.store().outbox.enqueue(AddNote(lead_id=a_lead_of(rep), text="Pushed into a full window"))
    sandbox.set_rate_limits(FULL_FLOOR)

    report = rep.push(max_pause_wait=0.0)  # the board's push: a pause it meets ends the run

    assert (report.done, report.errors) == (0, [])
    assert rep.store().outbox.get(op.op_id).state == "pending"
    line = rep.status().line()
    assert line.startswith("HubSpot is busy: 1 change waiting, resuming in ")
    assert "rate limit" not in line.lower() and "429" not in line
    report_of_sync = rep.sync(background=True)  # the board's timer meanwhile
    assert report_of_sync.error is None
    assert "rate limit" not in report_of_sync.status.line().lower()

    sandbox.set_rate_limits(APP)  # the window recovers: the change goes
    assert rep.push(wait=5.0).done == 1
    assert len(created_with_marker(sandbox, "note", op.op_id)) == 1


def test_after_a_shared_429_the_reps_next_intervals_differ(
    reps: list[SyncEngine], sandbox: SandboxHandle
) -> None:
    # Other reps hold the account's whole search allowance for a moment: every probe meets a 429.
    sandbox.set_rate_limits(replace(APP, search_max=1, other_search_load=1))

    reports = [rep.sync(background=True) for rep in reps]

    assert [report.error for report in reports] == [None, None]  # absorbed: no rep is shown a 429
    assert all("rate limit" not in report.status.line().lower() for report in reports)
    intervals = [rep.pacer.interval for rep in reps]
    assert all(interval > rep.settings.sync_interval for interval, rep in zip(intervals, reps, strict=True))
    assert intervals[0] != intervals[1]  # they part ways instead of coming back together
    by_rep = reps[0].sync()  # the rep pressed `r` meanwhile: no 429 in their face either
    assert by_rep.error is None
    assert "rate limit" not in by_rep.status.line().lower() and "429" not in by_rep.status.line()


def test_an_oauth_apps_smaller_window_lowers_the_boards_own_budget() -> None:
    limiter = RateLimiter()
    limiter.observe(
        {
            "X-HubSpot-RateLimit-Max": "110",
            "X-HubSpot-RateLimit-Remaining": "30",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
    )
    budget = limiter.budget
    assert budget is not None and (budget.maximum, budget.remaining, budget.interval) == (110, 30, 10.0)
    sent = 0
    while limiter.try_acquire() == 0.0:
        sent += 1
    assert sent < 110  # a margin under the app's window, not the private app's 150
    assert read_budget({"Content-Type": "application/json"}, 0.0) is None  # search answers carry none


def test_the_pacer_stretches_on_a_low_window_and_after_a_429_and_comes_back() -> None:
    pacer = Pacer(PacingSettings(interval=180, floor=30, ceiling=900), rng=random.Random(1))
    low = read_budget({"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "20"}, 0.0)
    full = read_budget({"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "100"}, 0.0)

    stretched = pacer.after_pull(budget=low, now=1.0, changed=False, rate_limited=False)
    assert 180 * 1.1 < stretched < 180 * 1.4  # about a quarter longer
    assert pacer.after_pull(budget=None, now=1.0, changed=False, rate_limited=True) > stretched * 1.1
    for _ in range(20):
        pacer.after_pull(budget=low, now=1.0, changed=False, rate_limited=True)
    assert pacer.interval == 900  # the ceiling
    assert pacer.busy_words() == "HubSpot is busy: refreshing every 15 min"
    nearly_spent = read_budget({"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "5"}, 0.0)
    assert not pacer.may_pull(nearly_spent, now=1.0)  # what is left goes to the reps' pushes
    assert pacer.may_pull(nearly_spent, now=60.0)  # a reading a window old says nothing any more
    assert pacer.after_pull(budget=full, now=1.0, changed=True, rate_limited=False) == 885  # a step back
    for _ in range(60):  # additive: a step of the configured interval a quiet cycle, never below it
        pacer.after_pull(budget=full, now=1.0, changed=False, rate_limited=False)
    assert pacer.interval == 180 and pacer.busy_words() is None
    assert (
        pacer.after_pull(budget=full, now=1.0, changed=True, rate_limited=False) == 144
    )  # HubSpot is lively
    assert 0 <= pacer.first_delay() <= 90
    pacer.retry_soon()  # a first sync broke off on a 429: the rep has nothing to see yet
    assert pacer.next_delay() <= 30  # within the floor, not a whole interval
    assert pacer.next_delay() > 100  # once


def test_boards_that_met_the_same_429_part_ways() -> None:
    settings = PacingSettings(interval=180, floor=30, ceiling=900)
    boards = [Pacer(settings, rng=random.Random(n)) for n in (1, 2)]
    after = [board.after_pull(budget=None, now=1.0, changed=False, rate_limited=True) for board in boards]
    assert after[0] != after[1]  # not back in lock-step
    assert all(180 < interval < 900 for interval in after)


def test_the_status_line_says_when_the_shared_budget_slows_the_board() -> None:
    now = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    status = SyncStatus(
        last_sync_at=now - timedelta(minutes=2),
        syncing=False,
        pending=0,
        failed=0,
        conflicts=0,
        blocked=0,
        offline=False,
        rate_limited_until=None,
        auth_needed=False,
        missing_scopes=(),
        busy="HubSpot is busy: refreshing every 4 min",
    )
    assert status.line(now) == "synced 2 min ago · HubSpot is busy: refreshing every 4 min"
    assert replace(status, pending=2).line(now) == "2 changes waiting"


def test_the_sync_table_bounds_the_adaptive_interval() -> None:
    settings = Settings.parse({"sync_interval": 120, "sync": {"floor": 20, "ceiling": 600}})
    assert PacingSettings.of(settings) == PacingSettings(interval=120, floor=20, ceiling=600)
    with pytest.raises(ValueError, match=r"sync\.floor: must be between 10 and 86400 seconds"):
        Settings.parse({"sync": {"floor": 5}})
    with pytest.raises(ValueError, match="floor must not be above ceiling"):
        Settings.parse({"sync": {"floor": 600, "ceiling": 60}})


def test_a_background_pull_gives_way_page_by_page_while_the_window_is_low() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float, _cancel: object) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(clock=lambda: clock[0], sleep=sleep)
    low = {"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "5"}
    limiter.observe({**low, "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"})

    limiter.acquire("search")  # the rep's own request goes at once
    assert slept == []
    with limiter.yielding(RESERVE):
        limiter.acquire("search")  # the next page of a background pull waits for the window
    assert sum(slept) >= 10.0  # until the low reading is a window old
    with limiter.yielding(RESERVE):
        slept.clear()
        limiter.observe({"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "80"})
        limiter.acquire("search")  # recovered: the pull resumes
    assert slept == []
