"""Long polling that confirms an update to Telegram only after the inbox has stored it.

Telegram confirms every update below the `offset` of the next getUpdates call.
PTB's Updater moves the offset on as soon as a batch is queued in memory; this
source moves it on only after `Inbox.accept` has committed the batch. A kill at
any moment therefore loses nothing: an update is either still with Telegram
(redelivered to the next process, and recognised if it had been stored) or in
the inbox (handled by the next process).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from stridecoach.bot.inbox import inbox_of, raw_updates_of
from stridecoach.bot.receivers import MAX_RETRY_DELAY_SECONDS, retrying
from stridecoach.bot.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

# getUpdates long-poll timeout: long enough to be cheap, short enough to stop quickly.
POLL_TIMEOUT_SECONDS = 10


class PollingReceiver:
    name = "long polling"

    def __init__(self, poll_timeout: int = POLL_TIMEOUT_SECONDS) -> None:
        self.running = False
        self.poll_timeout = poll_timeout
        self._task: asyncio.Task[None] | None = None

    async def start(self, application: Any) -> None:
        # A webhook left set by an earlier webhook run would make getUpdates answer 409.
        await retrying(lambda: application.bot.delete_webhook(), "delete a leftover webhook")
        self.running = True
        self._task = asyncio.create_task(self._poll(application), name="stridecoach:polling")

    async def stop(self, application: Any) -> None:
        """Stop fetching. A batch fetched but not stored yet stays with Telegram (not confirmed)."""
        self.running = False
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def serves_health_on(self, port: int) -> bool:
        return False

    async def _poll(self, application: Any) -> None:
        inbox = inbox_of(application)
        raw = raw_updates_of(application)
        offset = 0
        delay = 1.0
        while True:
            try:
                updates = await application.bot.get_updates(
                    offset=offset, timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES
                )
            except InvalidToken:
                log.error("getUpdates: Telegram rejected the bot token; no more updates will arrive")
                self.running = False
                return
            except (RetryAfter, Conflict, NetworkError, TelegramError) as exc:
                wait = _retry_after(exc) or delay
                delay = min(MAX_RETRY_DELAY_SECONDS, delay * 2)
                log.warning("getUpdates failed (%s: %s); retrying in %.0fs", type(exc).__name__, exc, wait)
                await asyncio.sleep(wait)
                continue
            delay = 1.0
            if not updates:
                continue
            try:  # durable before the next offset confirms them
                payloads = raw.take(updates) if raw is not None else None
                if payloads is None:
                    await inbox.accept(application, updates)
                else:  # the JSON as Telegram sent it (bot/inbox.py RawUpdates)
                    await inbox.accept_payloads(application, payloads, updates)
            except Exception:  # the database refused: keep the offset, Telegram keeps the batch
                log.exception("inbox: could not store %d update(s); fetching them again", len(updates))
                await asyncio.sleep(delay)
                delay = min(MAX_RETRY_DELAY_SECONDS, delay * 2)
                continue
            offset = updates[-1].update_id + 1


def _retry_after(exc: Exception) -> float | None:
    if not isinstance(exc, RetryAfter):
        return None
    return retry_after_seconds(exc)
