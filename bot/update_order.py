"""Concurrent updates, each runner's in order.

PTB handles one update at a time unless told otherwise, and a Bot API round
trip takes tens to hundreds of milliseconds: one runner's reply would wait for
every other runner's. `concurrent_updates=True` fixes the wait but lets two
updates of one runner race ("done" and "done" handled out of order, a button
press overtaking the message before it).

`RunnerOrderedProcessor` (PTB's `BaseUpdateProcessor` hook, wiki "Concurrency")
does both: updates of different runners overlap, up to `max_concurrent`
at a time; updates of one runner (the update's user, else its chat) run one
after another in the order they arrived. asyncio locks wake waiters first in,
first out, and the Application creates one task per update in queue order, so
arrival order is kept. A runner's lock is dropped when nobody holds or waits
for it: memory follows the runners active right now, not every runner seen.

A runner's queued updates wait for their lock before taking one of the
`max_concurrent` slots, so one runner's burst never keeps other runners waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_CONCURRENCY = 256
# PTB's own semaphore is taken before ours; set so high that it never makes an update wait.
_UNBOUNDED = 1_000_000


class RunnerOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent: int = DEFAULT_CONCURRENCY) -> None:
        super().__init__(_UNBOUNDED)
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be a positive integer")
        self.max_concurrent = max_concurrent
        self._slots = asyncio.Semaphore(max_concurrent)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}  # holders and waiters per key

    @property
    def active_runners(self) -> int:
        """Runners with an update being handled or waiting (for /healthz and tests)."""
        return len(self._locks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = runner_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            left = self._users[key] - 1
            if left:
                self._users[key] = left
            else:
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def runner_key(update: object) -> int | None:
    """Whose order an update belongs to: its user, else its chat (None: no order to keep)."""
    if not isinstance(update, Update):
        return None
    user = update.effective_user
    if user is not None:
        return user.id
    chat = update.effective_chat
    return chat.id if chat is not None else None
