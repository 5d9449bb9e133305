"""Guided sessions under load: many runners walking routines at once.

Usage: .venv/bin/python benchmarks/bench_sessions.py [--runners 300] [--redeliver 0.05]

Each simulated runner sends /session, presses "Calf routine" and completes its
21 sets, alternating between typing "done" and pressing the Done button, all
runners interleaved on one event loop through the real Application (every
handler group: flood guard, runner bookkeeping, the session handlers), the
fake Bot API and SQLite on disk (WAL, synchronous=NORMAL, a temp directory).
A fraction of the "done" updates is delivered twice (as Telegram does after a
crash before the next getUpdates); they must not add completions.

Printed: "done" updates per second (wall, all runners), p50/p99/max handling
time of one "done" update (process_update start to finish, including the
database commits and the fake Bot API calls), and the completions stored
against the number expected.

Two deliberate differences from production, both outside our handling code:
the flood guard's limit is raised (a simulated runner taps far faster than a
human), and the rate limiter's global 30 messages/s budget is disabled (that
budget is Telegram's network limit, not a cost of handling an update).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.runtime import build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.testing.fake_telegram import FakeRequest, FakeTelegram  # noqa: E402
from storage.models import CompletedSet  # noqa: E402

CALF_SETS = 21
FIRST_RUNNER = 10_000_000


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


async def _run(runners: int, redeliver: float, seed: int) -> int:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=f"sqlite:///{tmp}/bench.db",
            telegram_bot_token=None,
            flood_max_messages=10_000,
        )
        services = build_services(settings)
        fake = FakeTelegram()
        app = build_application(services, request=FakeRequest(fake))
        app.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)  # see docstring
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)

        done_ms: list[float] = []
        redelivered = 0

        async def feed(payload: dict[str, object]) -> float:
            start = time.perf_counter()
            await app.process_update(Update.de_json(payload, app.bot))
            return (time.perf_counter() - start) * 1000

        async def runner(user_id: int) -> None:
            nonlocal redelivered
            await feed(fake.make_text_update(user_id, "/session"))
            picker = fake.last(user_id)
            await feed(fake.make_callback_update(user_id, picker, "s:start:calf-routine"))
            for index in range(CALF_SETS):
                await asyncio.sleep(0)  # let other runners interleave
                if index % 2:
                    payload = fake.make_text_update(user_id, "done")
                else:
                    prompt = fake.last(user_id)
                    data = next(d for label, d in prompt.buttons if label.startswith("Done"))
                    payload = fake.make_callback_update(user_id, prompt, data)
                done_ms.append(await feed(payload))
                if rng.random() < redeliver:
                    redelivered += 1
                    await feed(payload)

        wall_start, cpu_start = time.perf_counter(), time.process_time()
        await asyncio.gather(*(runner(FIRST_RUNNER + i) for i in range(runners)))
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start

        with services.db.session() as session:
            stored = session.exec(select(func.count()).select_from(CompletedSet)).one()
        expected = runners * CALF_SETS
        await app.shutdown()
        services.db.close()

    print(f"runners: {runners}, 'done' updates: {len(done_ms)} (+{redelivered} redelivered), "
          f"SQLite on disk")
    print(f"throughput: {len(done_ms) / wall:,.0f} 'done' updates/s "
          f"({(len(done_ms) + redelivered + 2 * runners) / wall:,.0f} updates/s of any kind), "
          f"wall {wall:.2f} s")
    print(f"'done' handling time: p50 {statistics.median(done_ms):.2f} ms  "
          f"p99 {_percentile(done_ms, 99):.2f} ms  max {max(done_ms):.2f} ms")
    handled = len(done_ms) + redelivered + 2 * runners
    # On a shared machine wall time includes other processes' turns; CPU time is our own cost.
    print(f"CPU per update (all kinds): {cpu / handled * 1000:.2f} ms "
          f"-> {handled / cpu:,.0f} updates/s on one otherwise idle core")
    verdict = "OK" if stored == expected else "MISMATCH"
    print(f"completions stored: {stored} / expected {expected}  [{verdict}]")
    return 0 if stored == expected else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=300)
    parser.add_argument("--redeliver", type=float, default=0.05, help="share of 'done' updates sent twice")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(_run(args.runners, args.redeliver, args.seed)))


if __name__ == "__main__":
    main()
