"""A sales floor on one HubSpot app: N rep engines share the app's budget in the sandbox.

Each rep is the real `SyncEngine` with its own SQLite cache and its own OAuth user token, minted
by the sandbox for the same client id, so all of them spend from one app budget (110 requests per
10 s, search 5 a second, HubSpot's headers and 429 bodies). The engines talk real HTTP to the
sandbox. They are driven by a few worker threads, each owning a share of the engines and running
each engine's background sync when its pacing (sync/pacing.py) says it is due; a 1,000-engine floor
does not need 1,000 threads.

While they run, HubSpot-side changes arrive at a steady rate (a lead of a random rep renamed in
the portal) and reps add notes that are pushed at once, as the board pushes (a 429 pause ends the
run; the note waits for the next). After every sync, a rep's pending changes are looked up in its
cache: freshness is the time from the change in the portal to its arrival there. `rep_429` counts
the syncs and pushes after which a 429 reached the rep: its status line or an error shown speaking
of a rate limit or a 429. 429s the engines absorb are printed apart.

Time compression (`--compress K`, default 4 above 100 reps): the sandbox's windows, the engines'
limiters and their pacing intervals are all K times shorter, so K simulated seconds pass in one
real second; figures are printed in simulated time. Retry-After and pauses are whole real seconds
(HubSpot's format), so under compression a 429 costs K times more simulated time than it would:
the figures err on the slow side. So does a machine too busy to run every engine when it is due
(1,000 engines at 10x saturated two shared cores: the freshness measured was the backlog).

Run: `python benchmarks/team_scale.py --reps 50 [--seconds 600]`. The last line is the summary:
`reps=N rep_429=X freshness_p50_s=A freshness_p95_s=B requests_per_rep_hour=R budget_used_pct=U`
where `budget_used_pct` is the share of the app's burst budget (110 per 10 s) used in steady state.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from leadboard.commands.add_note import AddNote
from leadboard.config import Settings
from leadboard.sandbox.limits import RateLimits
from leadboard.sandbox.oauth import Grant
from leadboard.sandbox.portal import PortalSettings
from leadboard.sandbox.runner import SandboxHandle, running_sandbox
from leadboard.sandbox.users import portal_users
from leadboard.sync.engine import SyncEngine, SyncReport, SyncStatus
from leadboard.sync.pacing import Pacer, PacingSettings
from leadboard.sync.ratelimit import GENERAL_WINDOW, SEARCH_WINDOW, RateLimiter

SCOPES = (
    "crm.objects.leads.read",
    "crm.objects.leads.write",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.deals.write",
    "crm.objects.owners.read",
)
REDIRECT = "http://127.0.0.1:53682/callback"
SEARCH_PATH_END = "/search"
NAME = "hs_lead_name"


@dataclass
class Rep:
    index: int
    email: str
    engine: SyncEngine
    leads: list[str] = field(default_factory=list)
    pending: dict[str, tuple[str, float]] = field(default_factory=dict)  # lead → (name, real time)
    notes: list[str] = field(default_factory=list)  # leads the rep just noted, queued by its worker
    lock: threading.Lock = field(default_factory=threading.Lock)
    synced: bool = False


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    freshness: list[float] = field(default_factory=list)  # simulated seconds
    rep_429: int = 0
    syncs: int = 0
    pushes: int = 0
    notes_pushed: int = 0
    late: list[float] = field(default_factory=list)  # real seconds a run started after it was due


def mint_token(sandbox: SandboxHandle, user_id: int, email: str) -> str:
    """A user token of the sandbox's one app, as its OAuth flow would issue it."""
    oauth = sandbox.context.oauth
    assert oauth is not None
    code = oauth.issue_code(Grant(sandbox.client_id, user_id, email, SCOPES), REDIRECT, None)
    answer = oauth.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "redirect_uri": REDIRECT,
        }
    )
    return str(answer["access_token"])


class Floor:
    """The worker threads and their schedules: each engine belongs to one worker (its SQLite
    connection is per thread), due times are real monotonic seconds."""

    def __init__(self, reps: list[Rep], workers: int, tally: Tally, compress: float) -> None:
        self.reps, self.tally, self.compress = reps, tally, compress
        self.stop = threading.Event()
        self._queues: list[list[tuple[float, int, int, str]]] = [[] for _ in range(workers)]
        self._conds = [threading.Condition() for _ in range(workers)]
        self._seq = itertools.count()
        self._threads = [threading.Thread(target=self._run, args=(w,), daemon=True) for w in range(workers)]

    def schedule(self, rep: Rep, at: float, action: str) -> None:
        w = rep.index % len(self._queues)
        with self._conds[w]:
            heapq.heappush(self._queues[w], (at, next(self._seq), rep.index, action))
            self._conds[w].notify()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for cond in self._conds:
            with cond:
                cond.notify_all()
        for thread in self._threads:
            thread.join()

    def _run(self, w: int) -> None:
        queue, cond = self._queues[w], self._conds[w]
        while not self.stop.is_set():
            with cond:
                if not queue:
                    cond.wait(0.1)
                    continue
                at, _, index, action = queue[0]
                wait = at - time.monotonic()
                if wait > 0:
                    cond.wait(min(wait, 0.1))
                    continue
                heapq.heappop(queue)
            rep = self.reps[index]
            with self.tally.lock:
                self.tally.late.append(-wait)
            if action == "sync":
                self._sync(rep)
            else:
                self._push(rep)
        for rep in self.reps:
            if rep.index % len(self._queues) == w:
                rep.engine.close()

    def _sync(self, rep: Rep) -> None:
        report = rep.engine.sync(background=True)
        self._count_shown(rep, report)
        if report.pull is not None and report.error is None:
            rep.synced = True  # its first sync is in (a rep may own no lead at all)
        self._arrivals(rep)
        with self.tally.lock:
            self.tally.syncs += 1
            self.tally.notes_pushed += report.push.done if report.push is not None else 0
        self.schedule(rep, time.monotonic() + rep.engine.pacer.next_delay(), "sync")

    def _push(self, rep: Rep) -> None:
        with rep.lock:
            notes, rep.notes = rep.notes, []
        for lead_id in notes:
            rep.engine.store().outbox.enqueue(AddNote(lead_id=lead_id, text="Called back, left a voicemail"))
        # The board's push: a 429 pause it meets ends the run (the note stays pending for the next).
        report = rep.engine.push(max_pause_wait=0.0)
        with self.tally.lock:
            self.tally.pushes += 1
            self.tally.notes_pushed += report.done
        self._count_shown(rep, None, report.errors)

    def _count_shown(self, rep: Rep, report: SyncReport | None, errors: list[str] | None = None) -> None:
        """A 429 reached the rep when its status line or an error it is shown speaks of one."""
        status: SyncStatus = rep.engine.status()
        shown = [status.line(), *(errors or ())]
        if report is not None and report.error:
            shown.append(report.error)
        if any(_speaks_of_429(text) for text in shown):
            with self.tally.lock:
                self.tally.rep_429 += 1

    def _arrivals(self, rep: Rep) -> None:
        with rep.lock:
            pending = dict(rep.pending)
        if not pending:
            return
        store = rep.engine.store()
        now = time.monotonic()
        arrived = []
        for lead_id, (name, made_at) in pending.items():
            if store.lead_properties(lead_id).get(NAME) == name:
                arrived.append((lead_id, made_at))
        with rep.lock:
            for lead_id, made_at in arrived:
                if rep.pending.get(lead_id, ("", -1.0))[1] == made_at:
                    del rep.pending[lead_id]
        with self.tally.lock:
            self.tally.freshness.extend((now - made_at) * self.compress for _, made_at in arrived)


def _speaks_of_429(text: str) -> bool:
    lowered = text.lower()
    return "rate limit" in lowered or "429" in lowered or "slow down" in lowered


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600.0, help="simulated steady-state seconds")
    parser.add_argument(
        "--compress", type=float, default=None, help="time compression (default 1, 4 > 100 reps)"
    )
    parser.add_argument(
        "--interval", type=int, default=None, help="sync_interval (default 30 s ≤ 100 reps, else 180)"
    )
    parser.add_argument("--floor", type=int, default=15)
    parser.add_argument("--ceiling", type=int, default=900)
    parser.add_argument("--changes-per-rep-hour", type=float, default=6.0)
    parser.add_argument("--notes-per-rep-hour", type=float, default=2.0)
    parser.add_argument("--leads-per-rep", type=int, default=4)
    parser.add_argument(
        "--workers", type=int, default=None, help="threads driving the engines (default 8, 32 > 100 reps)"
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    reps_n = args.reps
    k = args.compress if args.compress is not None else (1.0 if reps_n <= 100 else 4.0)
    interval = args.interval if args.interval is not None else (30 if reps_n <= 100 else 180)
    rng = random.Random(args.seed)
    # A rep's engine waits out a 429's Retry-After (whole real seconds) on its worker thread: with
    # few threads, those waits queue every other engine behind them. Real boards each have a thread.
    workers = args.workers if args.workers is not None else (8 if reps_n <= 100 else 32)

    limits = RateLimits(burst_window=10.0 / k, search_window=1.0 / k)
    portal_settings = PortalSettings(
        seed=args.seed,
        rep_leads=max(1, args.leads_per_rep),
        owners=reps_n + 1,
        other_leads=reps_n * args.leads_per_rep,
        search_lag=1.0 / k,
    )
    started = time.perf_counter()
    with (
        running_sandbox(portal_settings, rate_limits=limits) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        users = portal_users(sandbox.portal)[:reps_n]
        print(
            f"{reps_n} reps on one app ({sandbox.client_id}); time compressed {k:g}x "
            f"(sandbox windows {10 / k:g} s and {1 / k:g} s); engines: sync_interval {interval} s, "
            f"[sync] floor {args.floor} s, ceiling {args.ceiling} s (simulated); "
            f"{args.changes_per_rep_hour:g} HubSpot-side changes and {args.notes_per_rep_hour:g} notes "
            f"per rep-hour; {workers} worker threads. Load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (measured under load)."
        )
        reps: list[Rep] = []
        by_owner: dict[str, int] = {}
        for i, user in enumerate(users):
            settings = Settings(
                portal=sandbox.base_url,
                email=user.email,
                db=Path(tmp) / f"rep{i}.sqlite",
                sync_interval=interval,
            )
            limiter = RateLimiter(general_window=GENERAL_WINDOW / k, search_window=SEARCH_WINDOW / k)
            engine = SyncEngine(settings, mint_token(sandbox, user.user_id, user.email), limiter=limiter)
            engine.pacer = Pacer(
                PacingSettings(interval / k, min(args.floor, interval) / k, max(args.ceiling, interval) / k),
                rng=random.Random(args.seed * 7919 + i),
            )
            reps.append(Rep(i, user.email, engine))
            by_owner[user.owner_id] = i
        for lead in sandbox.portal.objects("leads"):
            owner = lead["properties"].get("hubspot_owner_id")
            if owner in by_owner:
                reps[by_owner[owner]].leads.append(str(lead["id"]))
        print(f"seeded and {reps_n} tokens minted in {time.perf_counter() - started:.1f} s")

        tally = Tally()
        floor = Floor(reps, min(workers, reps_n), tally, k)
        t0 = time.monotonic()
        for rep in reps:  # Monday, nine o'clock: every board opens; first syncs spread by the pacing
            floor.schedule(rep, t0 + rep.engine.pacer.first_delay(), "sync")
        floor.start()
        shown_at = time.monotonic()
        while not all(rep.synced for rep in reps):
            time.sleep(0.2)
            if time.monotonic() - shown_at > 30:
                shown_at = time.monotonic()
                print(f"  ... {sum(rep.synced for rep in reps)} of {reps_n} first syncs in", flush=True)
        warm = time.monotonic() - t0
        startup_log = sandbox.request_log()
        sandbox.clear_request_log()
        print(
            f"first syncs done in {warm * k:.0f} s simulated ({warm:.1f} s real): "
            f"{len(startup_log)} requests, {sum(1 for r in startup_log if r.status == 429)} answered 429 "
            f"(absorbed by the engines unless counted in rep_429: {tally.rep_429})"
        )

        # Steady state: HubSpot-side changes and the reps' notes at steady rates.
        real_seconds = args.seconds / k
        change_gap = 3600.0 / k / max(1e-9, args.changes_per_rep_hour * reps_n)
        note_gap = 3600.0 / k / max(1e-9, args.notes_per_rep_hour * reps_n)
        steady_start = time.monotonic()
        with tally.lock:
            tally.late.clear()  # how late engines ran in steady state, not behind the warm-up's queue
        next_change, next_note, seq, made = steady_start, steady_start, 0, 0
        notes_queued = 0
        while time.monotonic() - steady_start < real_seconds:
            now = time.monotonic()
            if args.changes_per_rep_hour > 0 and now >= next_change:
                rep = rng.choice(reps)
                if rep.leads:
                    lead_id = rng.choice(rep.leads)
                    seq += 1
                    name = f"Changed in HubSpot #{seq}"
                    with rep.lock:
                        sandbox.portal.remote_edit("leads", lead_id, {NAME: name})
                        rep.pending[lead_id] = (name, time.monotonic())
                    made += 1
                next_change += change_gap
            if args.notes_per_rep_hour > 0 and now >= next_note:
                rep = rng.choice(reps)
                open_leads = rep.leads[:1]
                if open_leads:
                    with rep.lock:
                        rep.notes.append(open_leads[0])
                    floor.schedule(rep, time.monotonic(), "push")
                    notes_queued += 1
                next_note += note_gap
            time.sleep(max(0.0, min(next_change, next_note) - time.monotonic(), 0.001))
        steady = time.monotonic() - steady_start
        log = sandbox.request_log()
        # Let the last changes arrive (measured as they do), up to one ceiling.
        drain_until = time.monotonic() + max(args.ceiling, interval) / k
        while any(rep.pending for rep in reps) and time.monotonic() < drain_until:
            time.sleep(0.2)
        left = [(time.monotonic() - t) * k for rep in reps for (_, t) in rep.pending.values()]
        floor.join()

    statuses = Counter(r.status for r in log)
    searches = sum(1 for r in log if r.path.endswith(SEARCH_PATH_END))
    search_429 = sum(1 for r in log if r.path.endswith(SEARCH_PATH_END) and r.status == 429)
    general = len(log) - searches
    sim_steady = steady * k
    burst_capacity = limits.app_burst_max * sim_steady / 10.0
    search_capacity = limits.search_max * sim_steady
    budget_used = 100.0 * general / burst_capacity
    search_used = 100.0 * searches / search_capacity
    freshness = tally.freshness + left
    per_rep_hour = len(log) / reps_n / (sim_steady / 3600.0)
    print(
        f"steady state {sim_steady:.0f} s simulated: {made} HubSpot-side changes, {len(tally.freshness)} "
        f"arrived, {len(left)} still out at the end (counted at their age), {tally.notes_pushed} of "
        f"{notes_queued} notes pushed"
    )
    print(
        f"  requests {len(log)} ({searches} searches, {general} others), 429s answered "
        f"{statuses.get(429, 0)} ({search_429} to searches; absorbed unless counted in rep_429)"
    )
    print(
        f"  app burst budget used {budget_used:.1f} % (110 per 10 s); search allowance used "
        f"{search_used:.1f} % (5 a second); boards slowed by the shared budget now: "
        f"{sum(1 for rep in reps if rep.engine.pacer.busy)}; mean interval "
        f"{statistics.mean(rep.engine.pacer.interval for rep in reps) * k:.0f} s"
    )
    print(
        f"  engines ran {statistics.mean(tally.late or [0.0]) * k:.1f} s (simulated) after they were due on "
        f"average, {percentile(tally.late, 95) * k:.1f} s at p95 (the machine keeping up, or not)"
    )
    if args.changes_per_rep_hour == 0 and args.notes_per_rep_hour == 0:
        print(f"idle rep, 10 working hours: {per_rep_hour * 10:.0f} requests (goal <= 300)")
    print(
        f"reps={reps_n} rep_429={tally.rep_429} freshness_p50_s={percentile(freshness, 50):.1f} "
        f"freshness_p95_s={percentile(freshness, 95):.1f} requests_per_rep_hour={per_rep_hour:.1f} "
        f"budget_used_pct={budget_used:.1f}"
    )


if __name__ == "__main__":
    main()
