"""Reminder benchmark: claim 10,000 due among 100,000 runners, peak memory, send rates.

    .venv/bin/python benchmarks/bench_reminders.py [--runners 100000] [--due 10000] [--sends 300]

Figures printed:
1. one claim (the database part of a tick) finding and recording the 10,000 runners
   due in the same minute among 100,000 with schedules spread over the week
   (target: under 1 s), and a second claim of the same minute (must record nothing);
2. the peak resident memory of this process with the 100,000 schedules (target: under
   200 MB);
3. the send rate the tick holds against the fake Bot API through the real
   Application (its broadcast budget included, bot/budgets.py): at the default 25/s
   (target: within 5%), with the configured rate raised above Telegram's ~30/s (the
   broadcast budget's 30/s then holds it), and the ceiling of the claim/send/record pipeline
   with no limiter at all.
Runs in about half a minute; every send waits real time (that is what is measured).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.ext import ExtBot  # noqa: E402

from bot.budgets import ChatBudgets, RealClock  # noqa: E402
from bot.core.schedule import days_to_mask, next_reminder_utc  # noqa: E402
from bot.reminder_delivery import ReminderDelivery  # noqa: E402
from bot.runtime import build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.testing.fake_telegram import FakeRequest, FakeTelegram  # noqa: E402
from bot.testing.harness import BotHarness, FakeClock  # noqa: E402
from storage import schedules  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Runner, Schedule  # noqa: E402

UTC = timezone.utc
NOW = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # a Wednesday; the minute the 10,000 are due
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo",
         "Europe/London", "Asia/Tokyo", "America/Los_Angeles", "Africa/Lagos", "UTC"]


def populate(db: Database, runners: int, due: int, *, first_id: int = 1, seed: int = 7) -> None:
    """`runners` schedules spread over the week; `due` of them due exactly at NOW."""
    rng = random.Random(seed)
    runner_rows: list[dict[str, Any]] = []
    schedule_rows: list[dict[str, Any]] = []
    due_ids = set(rng.sample(range(first_id, first_id + runners), due))
    for runner_id in range(first_id, first_id + runners):
        runner_rows.append({"id": runner_id, "chat_id": runner_id, "first_name": "R",
                            "created_at": NOW, "blocked": False})
        if runner_id in due_ids:
            days, at, zone, next_at = {NOW.weekday()}, dtime(NOW.hour, NOW.minute), "UTC", NOW
            days |= set(rng.sample(range(7), 2))
        else:
            days = set(rng.sample(range(7), rng.choice((2, 3))))
            at = dtime(rng.randrange(5, 22), rng.choice((0, 15, 30, 45)))
            zone = rng.choice(ZONES)
            next_at = next_reminder_utc(days, at, zone, NOW)
        schedule_rows.append({
            "runner_id": runner_id, "days_mask": days_to_mask(days), "local_time": f"{at:%H:%M}",
            "zone": zone, "enabled": True, "paused": False, "next_reminder_at": next_at,
            "snooze_until": None, "skip_date": None, "updated_at": NOW,
        })
    with db.session() as session:
        for i in range(0, runners, 10_000):
            session.execute(insert(Runner.__table__), runner_rows[i : i + 10_000])  # type: ignore[attr-defined]
            session.execute(insert(Schedule.__table__), schedule_rows[i : i + 10_000])  # type: ignore[attr-defined]


def bench_claim(workdir: Path, runners: int, due: int) -> None:
    db = Database(f"sqlite:///{workdir / 'claim.db'}")
    db.migrate()
    started = time.perf_counter()
    populate(db, runners, due)
    print(f"setup: {runners:,} runners with schedules in {time.perf_counter() - started:.1f} s")

    grace = timedelta(hours=1)
    started = time.perf_counter()
    with db.session() as session:
        result = schedules.claim_due(session, now=NOW + timedelta(seconds=30), grace=grace, limit=due)
    elapsed = time.perf_counter() - started
    assert len(result.to_send) == due, (len(result.to_send), result)
    verdict = "OK" if elapsed < 1.0 else "SLOW"
    print(f"claim: found and recorded {len(result.to_send):,} due among {runners:,} "
          f"in {elapsed * 1000:.0f} ms (target < 1000 ms: {verdict})")

    started = time.perf_counter()
    with db.session() as session:
        again = schedules.claim_due(session, now=NOW + timedelta(seconds=45), grace=grace, limit=due)
    print(f"claim again in the same minute: {len(again.to_send)} recorded "
          f"(must be 0) in {(time.perf_counter() - started) * 1000:.0f} ms")
    assert not again.to_send
    db.close()


async def bench_send(workdir: Path, *, rate: float, sends: int, label: str, limiter: bool = True) -> float:
    """Send `sends` due reminders in one tick; the rate measured at the fake Bot API."""
    url = f"sqlite:///{workdir / f'send-{label}.db'}"
    settings = Settings(_env_file=None, database_url=url, reminder_send_rate=rate)  # type: ignore[call-arg]
    services = build_services(settings, clock=FakeClock(NOW + timedelta(seconds=5)))
    populate(services.db, sends, sends, first_id=10_000_000)
    fake = FakeTelegram(latency=0)  # the pacing is measured, not the network
    stamps: list[float] = []
    fake.on_message = lambda _message: stamps.append(time.perf_counter())
    async with BotHarness(services, fake, clock=RealClock()) as harness:
        # "No limiter": budgets too large to ever wait (the tick passes rate_limit_args,
        # which PTB accepts only with a rate limiter).
        unlimited = ChatBudgets(private_rate=1e9, private_burst=10**6, broadcast_rate=1e9,
                                broadcast_burst=10**6)
        bot: Bot = harness.app.bot if limiter else ExtBot(
            "0:fake", request=FakeRequest(fake), rate_limiter=unlimited
        )
        if not limiter:
            await bot.initialize()
        delivery = ReminderDelivery(services, bot)
        report = await delivery.tick()
    assert report.sent == sends, report
    measured = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return measured


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--sends", type=int, default=300, help="sends per rate measurement")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench_claim(workdir, args.runners, args.due)
        rss = peak_rss_mb()
        print(f"peak memory (RSS) with {args.runners:,} scheduled runners: {rss:.0f} MB "
              f"(target < 200 MB: {'OK' if rss < 200 else 'HIGH'})")

        default = Settings.model_fields["reminder_send_rate"].default
        measured = asyncio.run(bench_send(workdir, rate=default, sends=args.sends, label="default"))
        error = abs(measured - default) / default
        print(f"send rate at the default {default:.0f}/s: {measured:.2f}/s over {args.sends} sends "
              f"({error:.1%} off; target within 5%: {'OK' if error <= 0.05 else 'OFF'})")

        raised = 1000.0
        measured = asyncio.run(bench_send(workdir, rate=raised, sends=args.sends, label="raised"))
        print(f"send rate with the rate raised to {raised:.0f}/s: {measured:.2f}/s "
              f"(the broadcast budget's 30/s holds it, after a first burst of 5)")

        ceiling = asyncio.run(
            bench_send(workdir, rate=1e9, sends=2000, label="ceiling", limiter=False)
        )
        print(f"pipeline ceiling (no limiter, no pacing; DB record per send): {ceiling:.0f}/s")
        print(f"final peak memory (RSS): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
