"""Reminder delivery: one repeating JobQueue tick for every runner, not one job per runner.

Each tick
1. claims, in a worker thread (`asyncio.to_thread`, so the event loop and the
   handlers never wait on SQLite), the reminders owed now: leftovers still pending
   from an earlier run first, then the schedules whose indexed `next_reminder_at`
   has come (see `storage.schedules.claim_due`), and commits;
2. sends them through the bot (and so through its broadcast budget, bot/budgets.py),
   started in claim order and spaced by a `Pacer` at `settings.reminder_send_rate`
   (default 25/s, under Telegram's ~30/s broadcast limit), and records each outcome in
   its own commit. The sends overlap: each goes out as its turn comes, without waiting
   for the answer to the one before (a round trip takes tens to hundreds of
   milliseconds, so one at a time topped out near 10/s at 100 ms), up to `in_flight`
   at once. A slow or failing chat (a hang, back-off after a 5xx) holds only its own
   send; its retries take later turns of the same pacer.

Failures never lose a reminder:
- 403 Forbidden (blocked, deactivated): the runner is flagged blocked and their
  reminders paused; the reminder is closed as failed. Never retried.
- 429 RetryAfter (only when the budgets' own `max_retries` are spent): wait as
  told, then retry.
- timeouts, 5xx and other network errors: bounded retries with exponential back-off.
  A timeout (or a connection dropped mid-call) may have been delivered: Telegram
  accepted it and answered late. After one, exactly one more attempt is made,
  whatever it gives (sent, or `unconfirmed` and never retried), so a reminder
  answered late reaches the runner at most twice.
- still unsent after the retries: the row stays pending and the next tick retries it
  while it is inside the grace window; after that it is closed as failed and logged.
- 400 Bad Request (chat not found, ...): closed as failed, logged.

Several replicas on one PostgreSQL database: a tick first takes the sender lock
(`storage.locks`, an advisory lock held from the claim to the last send). A replica
that finds it taken skips the tick, so one replica at a time claims and sends, and
the send rate is shared by construction. When the sender dies the database releases
the lock and the next tick, on any replica, reclaims the batch it left pending.

The sender lock is held until the last send of the batch has finished, and every
attempt checks it first, so several replicas still never send the same reminder.

A tick claims at most `reminder_send_rate * reminder_tick_seconds * 0.8` reminders, so
its sends finish before the next tick; a larger backlog simply stays due in the
database for the following ticks (oldest first). Nothing lives only in memory, so
a crash or restart at any point loses nothing; the one unavoidable gap is a crash
after Telegram accepted a message and before its "sent" commit, which resends the
messages in flight at that moment after the restart (about the rate times one round
trip; at-least-once, see docs/reminders.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from stridecoach.bot.budgets import BROADCAST
from stridecoach.bot.retry_after import retry_after_seconds
from stridecoach.bot.outbox import classify
from stridecoach.bot.ui import reminders as ui
from stridecoach.storage import schedules
from stridecoach.storage.locks import SenderLock, try_sender_lock
from stridecoach.storage.schedules import ClaimResult, OwedReminder

if TYPE_CHECKING:
    from telegram.ext import Application

    from stridecoach.bot.services import Services

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]
Outcome = Literal["sent", "blocked", "failed", "deferred"]

JOB_NAME = "reminders:tick"
BATCH_SHARE = 0.8  # of one tick's sending capacity, so a batch ends before the next tick


class Pacer:
    """Spaces calls evenly at `rate` per second: no bursts, no credit saved while idle.

    The clock and the sleep are injectable, so tests run at any rate without waiting.
    """

    def __init__(
        self, rate: float, *, monotonic: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: float | None = None

    async def wait(self) -> None:
        """Return when the next call may go out."""
        now = self._monotonic()
        if self._next is None or self._next < now:
            self._next = now
        delay = self._next - now
        self._next += self.interval
        if delay > 0:
            await self._sleep(delay)


@dataclass
class TickReport:
    """What one tick did; logged, and asserted on by the tests."""

    skipped_busy: bool = False
    skipped_other_sender: bool = False  # another replica holds the sender lock
    claimed: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    deferred: int = 0  # still pending after the retries: the next tick tries again
    dropped: int = 0
    skipped: int = 0
    duplicates: int = 0
    expired: int = 0
    claim_seconds: float = 0.0


class ReminderDelivery:
    """The tick: claim owed reminders from the database, then send them paced."""

    def __init__(
        self,
        services: Services,
        bot: ExtBot[Any],
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        max_attempts: int = 4,
        backoff_seconds: float = 1.0,
        in_flight: int | None = None,
    ) -> None:
        self.services = services
        self.bot = bot
        self.sleep = sleep
        self.pacer = Pacer(services.settings.reminder_send_rate, monotonic=monotonic, sleep=sleep)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        # Sends waiting on Telegram at once: two seconds of sending, at least 8, at most 256.
        # At 25/s and 100 ms round trips about 3 are in flight; the rest is room for slow chats.
        rate = services.settings.reminder_send_rate
        self.in_flight = in_flight or min(256, max(8, int(rate * 2)))
        self._busy = asyncio.Lock()
        self._lock: SenderLock | None = None
        # Only sent when on: it is a paid option (the bot's Stars balance pays per message).
        self._paid_broadcast: bool | None = True if services.settings.reminder_paid_broadcast else None

    @property
    def batch_limit(self) -> int:
        settings = self.services.settings
        return max(1, int(settings.reminder_send_rate * settings.reminder_tick_seconds * BATCH_SHARE))

    @property
    def tick_period(self) -> timedelta:
        return timedelta(seconds=self.services.settings.reminder_tick_seconds)

    async def job(self, _context: object) -> None:
        """The JobQueue callback."""
        await self.tick()

    async def tick(self) -> TickReport:
        """Claim and send everything owed now. A tick that finds the previous one still
        sending returns at once (the backlog stays due in the database)."""
        if self._busy.locked():
            log.info("reminder tick skipped: the previous tick is still sending")
            return TickReport(skipped_busy=True)
        async with self._busy:
            lock = await asyncio.to_thread(
                try_sender_lock, self.services.db.engine, idle_timeout_seconds=self.lock_idle_timeout
            )
            if lock is None:
                log.debug("reminder tick skipped: another replica is sending")
                return TickReport(skipped_other_sender=True)
            self._lock = lock
            try:
                return await self._claim_and_send()
            finally:
                self._lock = None
                await asyncio.to_thread(lock.release)

    @property
    def lock_idle_timeout(self) -> float:
        """How long the sender lock's transaction may sit idle before the server ends it:
        two ticks, at least two minutes (a 429's retry_after, back-off)."""
        return max(120.0, 2 * self.services.settings.reminder_tick_seconds)

    async def _claim_and_send(self) -> TickReport:
        now = self.services.now()
        started = time.perf_counter()
        claim = await asyncio.to_thread(self.claim, now)
        report = TickReport(
            claimed=len(claim.to_send),
            dropped=claim.dropped,
            skipped=claim.skipped,
            duplicates=claim.duplicates,
            expired=claim.expired,
            claim_seconds=time.perf_counter() - started,
        )
        await self._send_all(claim.to_send, report)
        if report.claimed or report.dropped or report.expired:
            log.info("reminder tick: %s", report)
        return report

    async def _send_all(self, batch: list[OwedReminder], report: TickReport) -> None:
        """Start each send at its turn of the pacer, in claim order; wait for them all.

        Returns only when every send has finished (the sender lock is released after),
        also when the tick is interrupted: sends already started are finished and
        recorded, the rest stays pending for the next tick.
        """
        slots = asyncio.Semaphore(self.in_flight)

        async def send(owed: OwedReminder) -> None:
            try:
                outcome = await self.deliver(owed, paced=True)
                setattr(report, outcome, getattr(report, outcome) + 1)
            finally:
                slots.release()

        started: list[asyncio.Task[None]] = []
        try:
            for owed in batch:
                await slots.acquire()
                await self.pacer.wait()  # this reminder's first attempt: its turn
                started.append(asyncio.create_task(send(owed), name=f"reminder:{owed.reminder_id}"))
        finally:
            results = await asyncio.gather(*started, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    log.error("reminder send failed unexpectedly", exc_info=result)

    async def _still_sender(self) -> bool:
        """Checked before every send: a replica that lost the lock must not send."""
        lock = self._lock
        return lock is None or await asyncio.to_thread(lock.still_held)

    def claim(self, now: datetime) -> ClaimResult:
        """The database part of a tick (runs in a worker thread): one transaction."""
        settings = self.services.settings
        grace = timedelta(minutes=settings.reminder_grace_minutes)
        with self.services.db.session() as session:
            # Lateness from waiting in a backlog while ticks ran is not downtime: late, never dropped.
            since = schedules.mark_tick(session, now=now, tick=self.tick_period)
            # Leftovers first: they are older, and the fresh claim must not see them twice.
            result = schedules.reclaim_pending(
                session, now=now, grace=grace, limit=self.batch_limit, tick=self.tick_period,
                sending_since=since,
            )
            room = self.batch_limit - len(result.to_send)
            if room > 0:
                fresh = schedules.claim_due(
                    session, now=now, grace=grace, limit=room, tick=self.tick_period, sending_since=since
                )
                result.to_send.extend(fresh.to_send)
                result.dropped += fresh.dropped
                result.skipped += fresh.skipped
                result.duplicates += fresh.duplicates
        return result

    async def deliver(self, owed: OwedReminder, *, paced: bool = False) -> Outcome:
        """Send one reminder, retrying what is worth retrying; record the outcome.

        Every attempt takes a turn of the pacer; `paced`: the caller took the first one.
        """
        text = ui.reminder_text(kind=owed.kind, local_time=owed.local_time, late=owed.late)
        keyboard = ui.reminder_keyboard(owed.reminder_id)
        attempt, timed_out = 0, False
        while attempt < self.max_attempts or (timed_out and attempt == self.max_attempts):
            attempt += 1
            if attempt > 1 or not paced:
                await self.pacer.wait()
            if not await self._still_sender():
                # Left pending: the replica that holds the lock now reclaims and sends it.
                return "deferred"
            try:
                # A broadcast: it spends the global bulk budget too (bot/budgets.py).
                await self.bot.send_message(
                    owed.chat_id, text, reply_markup=keyboard, rate_limit_args=BROADCAST,
                    allow_paid_broadcast=self._paid_broadcast,
                )
            except Forbidden as exc:
                log.warning("runner %s blocked the bot (%s): reminders paused", owed.runner_id, exc)
                await asyncio.to_thread(self._record_blocked, owed)
                return "blocked"
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                log.warning("flood control on reminder %s: waiting %.1f s as told", owed.reminder_id, wait)
                await self.sleep(wait)
            except BadRequest as exc:  # before NetworkError: BadRequest subclasses it
                log.error("reminder %s to runner %s rejected: %s", owed.reminder_id, owed.runner_id, exc)
                await asyncio.to_thread(self._record_failed, owed)
                return "failed"
            except NetworkError as exc:  # timeouts, 5xx, connection errors
                if timed_out:
                    # The one more attempt after a timeout failed too: the first may well have
                    # arrived (Telegram accepted it, the answer was late). Never a third copy.
                    log.warning("reminder %s: %s after a timeout; taken as delivered", owed.reminder_id, exc)
                    await asyncio.to_thread(self._record_unconfirmed, owed)
                    return "sent"
                timed_out = classify(exc) == "uncertain"
                if attempt < self.max_attempts or timed_out:
                    delay = self.backoff_seconds * 2 ** (min(attempt, self.max_attempts) - 1)
                    log.warning("reminder %s: %s; retry %d in %.1f s", owed.reminder_id, exc, attempt, delay)
                    await self.sleep(delay)
            except TelegramError as exc:
                log.error("reminder %s to runner %s failed: %s", owed.reminder_id, owed.runner_id, exc)
                await asyncio.to_thread(self._record_failed, owed)
                return "failed"
            else:
                await asyncio.to_thread(self._record_sent, owed)
                return "sent"
        log.error("reminder %s to runner %s still unsent after %d attempts; left pending for the next tick",
                  owed.reminder_id, owed.runner_id, self.max_attempts)
        return "deferred"

    def _record_unconfirmed(self, owed: OwedReminder) -> None:
        with self.services.db.session() as session:
            schedules.mark_unconfirmed(session, reminder_id=owed.reminder_id, now=self.services.now())

    def _record_sent(self, owed: OwedReminder) -> None:
        with self.services.db.session() as session:
            schedules.mark_sent(session, reminder_id=owed.reminder_id, now=self.services.now())

    def _record_failed(self, owed: OwedReminder) -> None:
        with self.services.db.session() as session:
            schedules.mark_failed(session, reminder_id=owed.reminder_id)

    def _record_blocked(self, owed: OwedReminder) -> None:
        with self.services.db.session() as session:
            schedules.mark_failed(session, reminder_id=owed.reminder_id)
            schedules.block_runner(session, runner_id=owed.runner_id, now=self.services.now())




def schedule_tick(application: Application[Any, Any, Any, Any, Any, Any], delivery: ReminderDelivery) -> None:
    """Register the one repeating tick with the JobQueue.

    APScheduler's defaults would drop a tick that starts more than 1 s late
    (misfire_grace_time=1) after an event-loop stall; a late tick is harmless (it reads
    what is owed from the database), so it may run up to a whole period late, missed
    runs coalesce into one, and never two at once.
    """
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("reminders need the JobQueue: install python-telegram-bot[job-queue]")
    for job in job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    period = delivery.services.settings.reminder_tick_seconds
    job_queue.run_repeating(
        delivery.job,
        interval=period,
        first=1.0,  # catch up on what is owed soon after a restart
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": max(1, int(period)), "coalesce": True, "max_instances": 1},
    )
