"""Telegram's flood limits, as budgets per kind of message.

Telegram documents (core.telegram.org/bots/faq, "My bot is hitting limits"):

- in one chat, avoid more than about **one message per second**; short bursts
  go through, then 429 "Too Many Requests: retry after N";
- in a group, no more than **20 messages per minute**;
- for **bulk notifications** to many users, no more than about **30 messages
  per second**.

It documents no overall cap for answering runners who just wrote. So:

- every call aimed at a chat (send, edit, delete) spends that chat's budget:
  1/s with a burst of 3 in private chats, 20/min (burst 3) in groups;
- broadcasts (reminders: pass `rate_limit_args=BROADCAST`) also spend one
  global budget of 30/s shared by all chats;
- calls without a chat (answerCallbackQuery, getMe, setMyCommands) are not held back.

A 429 is retried after its `retry_after` (up to `max_retries` times): it stops
only the chat it was about (or, for a broadcast, every broadcast), never the
replies to other runners. PTB's `AIORateLimiter` puts every call, replies
included, through its 30/s budget and halts all calls on any 429; that made
replies queue behind each other (14 "done"/s, docs/performance.md).

Each budget is one float (GCRA, a token bucket in "theoretical arrival time"
form): a reservation returns how long to wait, so waiting callers keep their
order without a loop, and a chat whose budget is full again is forgotten.
The clock is injectable: tests advance a virtual clock instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from stridecoach.bot.retry_after import retry_after_seconds
from stridecoach.bot.sanitise import clean_request

log = logging.getLogger(__name__)

BROADCAST = "broadcast"  # rate_limit_args for messages nobody just asked for (reminders)

PRIVATE_CHAT_RATE = 1.0  # messages per second in one chat
PRIVATE_CHAT_BURST = 3
GROUP_CHAT_RATE = 20 / 60  # messages per second in one group
GROUP_CHAT_BURST = 3
BROADCAST_RATE = 30.0  # bulk messages per second, all chats together
BROADCAST_BURST = 5
# Forget full budgets after this many reservations, so memory follows active chats only.
PRUNE_EVERY = 2048


class Clock(Protocol):
    """Monotonic seconds and a way to wait (a virtual clock in tests)."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Budget:
    """`rate` calls per second with bursts of `burst` (GCRA)."""

    __slots__ = ("interval", "tolerance", "tat")

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.tat = 0.0  # the theoretical arrival time of the next call

    def reserve(self, now: float) -> float:
        """Take the next slot; returns the seconds to wait before using it."""
        tat = max(self.tat, now)
        self.tat = tat + self.interval
        return max(0.0, tat - self.tolerance - now)

    def try_take(self, now: float) -> float:
        """Take a slot only if it is free now; else the seconds until one is (Telegram's side)."""
        tat = max(self.tat, now)
        wait = tat - self.tolerance - now
        if wait > 1e-9:
            return wait
        self.tat = tat + self.interval
        return 0.0

    def hold(self, now: float, seconds: float) -> None:
        """Telegram said "retry after `seconds`": nothing goes out before then."""
        self.tat = max(self.tat, now + seconds + self.tolerance)

    def full(self, now: float) -> bool:
        return self.tat <= now


class ChatBudgets(BaseRateLimiter):
    """PTB's rate-limiter hook: a budget per chat, and one shared budget for broadcasts."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        private_rate: float = PRIVATE_CHAT_RATE,
        private_burst: int = PRIVATE_CHAT_BURST,
        group_rate: float = GROUP_CHAT_RATE,
        group_burst: int = GROUP_CHAT_BURST,
        broadcast_rate: float = BROADCAST_RATE,
        broadcast_burst: int = BROADCAST_BURST,
        max_retries: int = 3,
    ) -> None:
        self.clock: Clock = clock or RealClock()
        self._private = (private_rate, private_burst)
        self._group = (group_rate, group_burst)
        self.broadcasts = Budget(broadcast_rate, broadcast_burst)
        self.chats: dict[int | str, Budget] = {}
        self.max_retries = max_retries
        self._reservations = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        clean_request(data)  # every call passes here: no lone surrogate reaches Telegram
        chat = self._chat_budget(data.get("chat_id"))
        broadcast = self.broadcasts if rate_limit_args == BROADCAST else None
        attempt = 0
        while True:
            await self._wait_turn(chat, broadcast)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= self.max_retries:
                    log.warning("%s: still flood-limited after %d retries", endpoint, attempt)
                    raise
                attempt += 1
                wait = retry_after_seconds(exc) + 0.1
                now = self.clock.monotonic()
                for budget in (chat, broadcast):
                    if budget is not None:
                        budget.hold(now, wait)
                log.info("%s: flood control, retrying in %.1f s", endpoint, wait)

    async def _wait_turn(self, *budgets: Budget | None) -> None:
        now = self.clock.monotonic()
        wait = max((b.reserve(now) for b in budgets if b is not None), default=0.0)
        if wait > 0:
            await self.clock.sleep(wait)

    def _chat_budget(self, chat_id: object) -> Budget | None:
        if chat_id is None:
            return None
        key: int | str
        try:
            key = int(str(chat_id))
        except (TypeError, ValueError):
            key = str(chat_id)  # "@channelname"
        budget = self.chats.get(key)
        if budget is None:
            self._maybe_prune()
            rate, burst = self._group if isinstance(key, str) or key < 0 else self._private
            budget = self.chats[key] = Budget(rate, burst)
        return budget

    def _maybe_prune(self) -> None:
        self._reservations += 1
        if self._reservations % PRUNE_EVERY:
            return
        now = self.clock.monotonic()
        for key in [k for k, b in self.chats.items() if b.full(now)]:
            del self.chats[key]


