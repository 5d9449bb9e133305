"""Reminder benchmark: claim 10,000 due among 100,000 runners, peak memory, send rates.

    .venv/bin/python benchmarks/bench_reminders.py [--runners 100000] [--due 10000] [--sends 300]
        [--database-url postgresql://user@host/db] [--claim-only]

`--database-url` runs everything on that database (PostgreSQL: in a fresh schema,
dropped afterwards; the tables are ANALYZEd after loading, as autovacuum would);
the default is a SQLite file in a temporary folder.

Figures printed:
1. one tick's claim (the database part of a tick: the sender lock, `reclaim_pending`,
   `claim_due` up to one tick's batch, 1,200 at the default 25/s and 60 s tick) with
   10,000 due in the same minute among all the runners (target on PostgreSQL with
   1,000,000 runners: under 300 ms; it grows with the runners due, not with all
   runners); then one claim recording all 10,000 due at once (target: under 1 s),
   and a second claim of the same minute (must record nothing);
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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.ext import ExtBot  # noqa: E402

from stridecoach.bot.budgets import ChatBudgets, RealClock  # noqa: E402
from stridecoach.domain.schedule import days_to_mask, next_reminder_utc  # noqa: E402
from stridecoach.bot.reminder_delivery import ReminderDelivery  # noqa: E402
from stridecoach.bot.runtime import build_services  # noqa: E402
from stridecoach.bot.services import Services  # noqa: E402
from stridecoach.bot.settings import Settings  # noqa: E402
from stridecoach.bot.testing.fake_telegram import FakeRequest, FakeTelegram  # noqa: E402
from stridecoach.bot.testing.harness import BotHarness, FakeClock  # noqa: E402
from stridecoach.storage import schedules  # noqa: E402
from stridecoach.storage.db import Database, normalise_url, redacted_url  # noqa: E402
from stridecoach.storage.locks import try_sender_lock  # noqa: E402
from stridecoach.storage.models import Runner, Schedule  # noqa: E402

UTC = timezone.utc
NOW = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # a Wednesday; the minute the 10,000 are due
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo",
         "Europe/London", "Asia/Tokyo", "America/Los_Angeles", "Africa/Lagos", "UTC"]


def populate(db: Database, runners: int, due: int, *, first_id: int = 1, seed: int = 7) -> None:
    """`runners` schedules spread over the week; `due` of them due exactly at NOW.

    Built and inserted 10,000 at a time, so a million runners fit in memory.
    """
    rng = random.Random(seed)
    due_ids = set(rng.sample(range(first_id, first_id + runners), due))
    for start in range(first_id, first_id + runners, 10_000):
        runner_rows: list[dict[str, Any]] = []
        schedule_rows: list[dict[str, Any]] = []
        for runner_id in range(start, min(start + 10_000, first_id + runners)):
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
            session.execute(insert(Runner.__table__), runner_rows)  # type: ignore[attr-defined]
            session.execute(insert(Schedule.__table__), schedule_rows)  # type: ignore[attr-defined]


@contextmanager
def fresh_database(base_url: str | None, workdir: Path, label: str) -> Iterator[str]:
    """A SQLite file in `workdir`, or a fresh schema in the PostgreSQL database `base_url`."""
    if base_url is None or base_url.startswith("sqlite"):
        yield f"sqlite:///{workdir / f'{label}.db'}"
        return
    schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(normalise_url(base_url)).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_claim(url: str, runners: int, due: int) -> None:
    db = Database(url)
    db.migrate()
    started = time.perf_counter()
    populate(db, runners, due)
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    print(f"setup ({db.dialect}): {runners:,} runners with schedules in {time.perf_counter() - started:.1f} s")

    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    services = Services(settings=settings, db=db, library=None, matcher=None)  # type: ignore[arg-type]
    delivery = ReminderDelivery(services, Bot("0:fake", request=FakeRequest(FakeTelegram())))
    grace = timedelta(hours=1)
    started = time.perf_counter()
    lock = try_sender_lock(db.engine, idle_timeout_seconds=120)
    assert lock is not None
    batch = delivery.claim(NOW + timedelta(seconds=20))
    lock.release()
    elapsed = time.perf_counter() - started
    assert len(batch.to_send) == min(due, delivery.batch_limit), (len(batch.to_send), delivery.batch_limit)
    target = 0.3 if db.dialect == "postgresql" else 1.0
    print(f"one tick's claim (sender lock + reclaim + claim of one batch): {len(batch.to_send):,} of "
          f"{due:,} due among {runners:,} in {elapsed * 1000:.0f} ms "
          f"(target < {target * 1000:.0f} ms: {'OK' if elapsed < target else 'SLOW'})")
    with db.session() as session:  # as if that batch had been sent
        for owed in batch.to_send:
            schedules.mark_sent(session, reminder_id=owed.reminder_id, now=NOW)

    rest = due - len(batch.to_send)
    started = time.perf_counter()
    with db.session() as session:
        result = schedules.claim_due(session, now=NOW + timedelta(seconds=30), grace=grace, limit=due)
    elapsed = time.perf_counter() - started
    assert len(result.to_send) == rest, (len(result.to_send), result)
    verdict = "OK" if elapsed < 1.0 else "SLOW"
    print(f"claim: found and recorded the other {len(result.to_send):,} due among {runners:,} "
          f"in one claim in {elapsed * 1000:.0f} ms (target < 1000 ms: {verdict})")

    started = time.perf_counter()
    with db.session() as session:
        again = schedules.claim_due(session, now=NOW + timedelta(seconds=45), grace=grace, limit=due)
    print(f"claim again in the same minute: {len(again.to_send)} recorded "
          f"(must be 0) in {(time.perf_counter() - started) * 1000:.0f} ms")
    assert not again.to_send
    db.close()


async def bench_send(url: str, *, rate: float, sends: int, limiter: bool = True) -> float:
    """Send `sends` due reminders in one tick; the rate measured at the fake Bot API."""
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
    parser.add_argument("--database-url", help="PostgreSQL (a fresh schema per phase) or SQLite; "
                        "default: SQLite files in a temporary folder")
    parser.add_argument("--claim-only", action="store_true", help="skip the send-rate measurements")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.database_url:
        print(f"database: {redacted_url(normalise_url(args.database_url))}")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with fresh_database(args.database_url, workdir, "claim") as url:
            bench_claim(url, args.runners, args.due)
        rss = peak_rss_mb()
        print(f"peak memory (RSS) with {args.runners:,} scheduled runners: {rss:.0f} MB "
              f"(target < 200 MB: {'OK' if rss < 200 else 'HIGH'})")
        if args.claim_only:
            return

        default = Settings.model_fields["reminder_send_rate"].default
        with fresh_database(args.database_url, workdir, "default") as url:
            measured = asyncio.run(bench_send(url, rate=default, sends=args.sends))
        error = abs(measured - default) / default
        print(f"send rate at the default {default:.0f}/s: {measured:.2f}/s over {args.sends} sends "
              f"({error:.1%} off; target within 5%: {'OK' if error <= 0.05 else 'OFF'})")

        raised = 1000.0
        with fresh_database(args.database_url, workdir, "raised") as url:
            measured = asyncio.run(bench_send(url, rate=raised, sends=args.sends))
        print(f"send rate with the rate raised to {raised:.0f}/s: {measured:.2f}/s "
              f"(the broadcast budget's 30/s holds it, after a first burst of 5)")

        with fresh_database(args.database_url, workdir, "ceiling") as url:
            ceiling = asyncio.run(bench_send(url, rate=1e9, sends=2000, limiter=False))
        print(f"pipeline ceiling (no limiter, no pacing; DB record per send): {ceiling:.0f}/s")
        print(f"final peak memory (RSS): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
