"""Where an update's seconds go: wait vs work per stage (`bench_sessions.py --profile`).

Installed by the benchmark around the running objects (no production code is
changed or slowed when the flag is off). Per update id it records when the runner
sent it, when the fake's getUpdates handed it out, when the polling loop had it
back, when the inbox had stored and queued it, when its handler started (after
the runner's lock and a processor slot) and when it ended. Beside that it totals
the time the event loop was blocked (a ticker that should wake every 5 ms), the
time spent inside database transactions (synchronous, on the loop's thread on
SQLite), the waits the budgets imposed, and each Bot API method's round trip.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import event


def _schedstat() -> tuple[float, float] | None:
    """(seconds on a core, seconds runnable but waiting for one) of this thread (Linux schedstat)."""
    try:
        ran, waited, _slices = open("/proc/thread-self/schedstat").read().split()
    except (OSError, ValueError):
        return None
    return int(ran) / 1e9, int(waited) / 1e9


def _caller() -> str:
    """The bot's function that opened this transaction (the first frame outside storage/db.py)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if ("/bot/" in name or "/storage/" in name) and not name.endswith("storage/db.py"):
            if "/storage/" not in name:
                return f"{name.rsplit('/', 2)[-2]}/{name.rsplit('/', 1)[-1]}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))] if ordered else float("nan")


class StageProfile:
    def __init__(self) -> None:
        self.sent: dict[int, float] = {}
        self.fetched: dict[int, float] = {}
        self.polled: dict[int, float] = {}
        self.queued: dict[int, float] = {}
        self.started: dict[int, float] = {}
        self.ended: dict[int, float] = {}
        self.batches: list[int] = []
        self.accept_s: list[float] = []
        self.poll_gap_s: list[float] = []  # from a batch stored to the next getUpdates answer
        self.tx_s: list[float] = []
        self.commit_s: list[float] = []
        self.budget_waits: list[float] = []
        self.budget_calls = 0
        self.api: dict[str, list[float]] = defaultdict(list)
        self.loop_lag: list[float] = []
        self._ticker: asyncio.Task[None] | None = None
        self._last_stored: float | None = None
        self._sched_start: tuple[float, float] | None = None
        self._sched_end: tuple[float, float] | None = None
        self.gc_pauses: dict[int, list[float]] = defaultdict(list)
        self._gc_start = 0.0
        self.tx_by_caller: dict[str, list[float]] = defaultdict(list)

    # ------------------------------------------------------------------ installing

    def install(self, app: Any, fake: Any, services: Any) -> None:
        self._wrap_get_updates(fake)
        self._wrap_inbox(app)
        self._wrap_processor(app)
        self._wrap_budgets(app)
        self._wrap_requests(app)
        self._watch_transactions(services.db.engine)
        self._ticker = asyncio.create_task(self._tick())
        self._sched_start = _schedstat()
        gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        self._sched_end = _schedstat()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._ticker is not None:
            self._ticker.cancel()

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc_pauses[info["generation"]].append(time.perf_counter() - self._gc_start)

    def note_sent(self, update_id: int) -> None:
        self.sent.setdefault(update_id, time.perf_counter())

    def _wrap_get_updates(self, fake: Any) -> None:
        original = fake._api_getUpdates

        def get_updates(params: dict[str, Any]) -> list[dict[str, Any]]:
            result: list[dict[str, Any]] = original(params)
            now = time.perf_counter()
            for update in result:
                self.fetched.setdefault(update["update_id"], now)
            return result

        fake._api_getUpdates = get_updates

    def _wrap_inbox(self, app: Any) -> None:
        """`accept_payloads` stores every batch (`accept`, the webhook and long polling all call it)."""
        inbox = app.bot_data["inbox"]
        original = inbox.accept_payloads

        async def accept_payloads(application: Any, payloads: Any, updates: Any = None) -> int:
            start = time.perf_counter()
            if self._last_stored is not None:
                self.poll_gap_s.append(start - self._last_stored)
            for update_id, _ in payloads:
                self.polled.setdefault(update_id, start)
            result: int = await original(application, payloads, updates)
            end = time.perf_counter()
            self._last_stored = end
            self.accept_s.append(end - start)
            self.batches.append(len(payloads))
            for update_id, _ in payloads:
                self.queued.setdefault(update_id, end)
            return result

        inbox.accept_payloads = accept_payloads

    def _wrap_processor(self, app: Any) -> None:
        inner = app.update_processor.inner
        original = inner.do_process_update

        async def do_process_update(update: Any, coroutine: Awaitable[Any]) -> None:
            update_id = getattr(update, "update_id", None)

            async def timed() -> None:
                if update_id is not None:
                    self.started.setdefault(update_id, time.perf_counter())
                try:
                    await coroutine
                finally:
                    if update_id is not None:
                        self.ended.setdefault(update_id, time.perf_counter())

            await original(update, timed())

        inner.do_process_update = do_process_update

    def _wrap_budgets(self, app: Any) -> None:
        limiter = app.bot.rate_limiter
        original = limiter._wait_turn

        async def wait_turn(*budgets: Any) -> None:
            start = time.perf_counter()
            await original(*budgets)
            self.budget_calls += 1
            waited = time.perf_counter() - start
            if any(b is not None for b in budgets) and waited > 0.0005:
                self.budget_waits.append(waited)

        limiter._wait_turn = wait_turn

    def _wrap_requests(self, app: Any) -> None:
        request = app.bot.request  # the same FakeRequest serves getUpdates
        original = request.do_request

        async def do_request(url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
            start = time.perf_counter()
            try:
                result: tuple[int, bytes] = await original(url, method, *args, **kwargs)
                return result
            finally:
                self.api[url.rsplit("/", 1)[-1]].append(time.perf_counter() - start)

        request.do_request = do_request

    def _watch_transactions(self, engine: Any) -> None:
        """BEGIN to the end of COMMIT (or ROLLBACK); SQLite runs them one at a time on the loop."""
        began: list[tuple[float, str]] = []

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            began.append((time.perf_counter(), _caller()))

        dialect = engine.dialect
        original_commit, original_rollback = dialect.do_commit, dialect.do_rollback

        def finish(start: float) -> None:
            now = time.perf_counter()
            self.commit_s.append(now - start)
            if began:
                start, caller = began.pop()
                self.tx_s.append(now - start)
                self.tx_by_caller[caller].append(now - start)

        def do_commit(dbapi_connection: Any) -> None:
            start = time.perf_counter()
            original_commit(dbapi_connection)
            finish(start)

        def do_rollback(dbapi_connection: Any) -> None:
            start = time.perf_counter()
            original_rollback(dbapi_connection)
            finish(start)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

    async def _tick(self) -> None:
        period = 0.005
        while True:
            start = time.perf_counter()
            await asyncio.sleep(period)
            self.loop_lag.append(max(0.0, time.perf_counter() - start - period))

    # ------------------------------------------------------------------ the report

    def report(self, wall: float, replied: dict[int, float]) -> list[str]:
        lines = ["profile (seconds per update unless said; p50 / p99 / mean):"]
        if self._sched_start and self._sched_end:
            ran, queued = (self._sched_end[i] - self._sched_start[i] for i in (0, 1))
            lines.append(f"  the event loop's thread over {wall:.1f} s: on a core {ran:.1f} s, runnable but waiting "
                         f"for a core (other processes) {queued:.1f} s, idle or blocked {wall - ran - queued:.1f} s")

        def stage(name: str, a: dict[int, float], b: dict[int, float]) -> None:
            values = [b[k] - a[k] for k in a.keys() & b.keys()]
            if values:
                lines.append(f"  {name:<44} {_pct(values, 50) * 1000:8.1f} {_pct(values, 99) * 1000:8.1f} "
                             f"{statistics.fmean(values) * 1000:8.1f} ms  (n={len(values)})")

        stage("sent -> handed out by getUpdates (in Telegram)", self.sent, self.fetched)
        stage("handed out -> back at the polling loop", self.fetched, self.polled)
        stage("back -> stored in the inbox and queued", self.polled, self.queued)
        stage("queued -> handler starts (lock, slot, loop)", self.queued, self.started)
        stage("handler runs (db, budgets, API calls)", self.started, self.ended)
        stage("handler start -> reply seen by the runner", self.started, replied)
        stage("sent -> reply seen by the runner", self.sent, replied)
        if self.batches:
            lines.append(f"  getUpdates batches: {len(self.batches)}, size p50 {_pct(self.batches, 50):.0f} "
                         f"max {max(self.batches)}; inbox.accept p50 {_pct(self.accept_s, 50) * 1000:.1f} ms "
                         f"p99 {_pct(self.accept_s, 99) * 1000:.1f} ms, total {sum(self.accept_s):.1f} s")
        if self.poll_gap_s:
            lines.append(f"  stored -> next batch back: p50 {_pct(self.poll_gap_s, 50) * 1000:.1f} ms "
                         f"p99 {_pct(self.poll_gap_s, 99) * 1000:.1f} ms")
        if self.tx_s:
            lines.append(f"  transactions: {len(self.tx_s)} ({len(self.tx_s) / wall:.0f}/s), p50 "
                         f"{_pct(self.tx_s, 50) * 1000:.2f} ms p99 {_pct(self.tx_s, 99) * 1000:.2f} ms "
                         f"max {max(self.tx_s) * 1000:.1f} ms, total {sum(self.tx_s):.1f} s of {wall:.0f} s wall")
        if self.commit_s:
            lines.append(f"  COMMIT itself: p50 {_pct(self.commit_s, 50) * 1000:.3f} ms p99 "
                         f"{_pct(self.commit_s, 99) * 1000:.2f} ms max {max(self.commit_s) * 1000:.1f} ms, "
                         f"total {sum(self.commit_s):.2f} s")
        for caller, times in sorted(self.tx_by_caller.items(), key=lambda kv: -sum(kv[1]))[:8]:
            lines.append(f"    {caller:<40} {len(times):6d} ({len(times) / max(1, len(self.started)):.2f} per update) "
                         f"p50 {_pct(times, 50) * 1000:.2f} ms p99 {_pct(times, 99) * 1000:.2f} ms, "
                         f"total {sum(times):.1f} s")
        for generation, pauses in sorted(self.gc_pauses.items()):
            lines.append(f"  garbage collection, generation {generation}: {len(pauses)} pauses, max "
                         f"{max(pauses) * 1000:.1f} ms, total {sum(pauses):.2f} s")
        waits = self.budget_waits
        lines.append(f"  budget waits: {len(waits)} of {self.budget_calls} calls waited"
                     + (f", p50 {_pct(waits, 50) * 1000:.0f} ms p99 {_pct(waits, 99) * 1000:.0f} ms, "
                        f"total {sum(waits):.1f} s" if waits else ""))
        for method, times in sorted(self.api.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"  {method:<24} {len(times):6d} calls, round trip p50 {_pct(times, 50) * 1000:.0f} ms "
                         f"p99 {_pct(times, 99) * 1000:.0f} ms")
        lag = self.loop_lag
        if lag:
            lines.append(f"  event loop lag (5 ms ticker): p50 {_pct(lag, 50) * 1000:.1f} ms p99 "
                         f"{_pct(lag, 99) * 1000:.1f} ms max {max(lag) * 1000:.0f} ms, total {sum(lag):.1f} s")
        return lines

