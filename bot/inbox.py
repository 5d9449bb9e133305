"""The inbox: every update is stored before Telegram is told it arrived, then handled from the store.

Telegram forgets an update once we confirm it (the next getUpdates offset, or the
webhook's 200). PTB's own Updater and webhook handler confirm as soon as an update
is *queued in memory*, so a crash loses whatever was queued. Here:

1. `Inbox.accept` writes the batch to the `inbox_update` table (one transaction;
   in a worker thread on a server database, inline on SQLite: bot/db_calls.py) and
   only then returns, so the caller may confirm it (bot/polling.py moves the offset
   on; bot/webhook.py answers 200). Updates
   already in the table (Telegram redelivered them) are not queued again.
2. The stored updates go on `application.update_queue`; PTB processes them
   through `InboxProcessor`, which marks each one handled when the Application
   is done with it (whatever the handlers did, errors included, so a poisonous
   update is not retried forever). On SQLite the mark is written behind: it goes
   in the next unit of work's transaction, not a commit of its own (bot/db_calls.py).
3. At start-up `Inbox.resume` queues every stored update that was never marked
   handled: after a kill -9 or a SIGTERM that left a backlog, they are handled
   once. A crash between a handler's commit and the mark replays that update;
   the handlers' own update-id claims (`processed_update`) make the replay
   change nothing, and it re-sends the runner's current view.
4. A handler whose whole effect is one unit of work plus a reply recorded in the
   outbox (a guided session's "done") marks the update handled *in that unit of
   work* (`settle`): one commit per update instead of two. After a crash such an
   update is not replayed; the outbox sends its reply (bot/outbox.py).
5. In webhook mode a button press is answered (its spinner stopped) in the
   webhook's own HTTP answer once it is stored (bot/webhook.py). The webhook notes
   the callback query here (`answering_in_webhook`); `InboxProcessor` tells the
   handlers (`answered_in_webhook`) so they do not answer a second time, which
   Telegram refuses. An update queued again after a restart (`resume`) was not
   noted by this process: its handler answers as in polling mode.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor, SimpleUpdateProcessor
from telegram.request import BaseRequest, RequestData

from stridecoach.bot.db_calls import run_db, write_later
from stridecoach.bot.services import Services
from stridecoach.storage import inbox as store

log = logging.getLogger(__name__)

# Handled updates are kept this long to recognise Telegram's redeliveries (24 h at most).
KEEP_HANDLED = timedelta(hours=48)
PRUNE_EVERY = 1000  # handled updates between two prunes
# Callback queries answered in a webhook's answer, waiting for their handler. An entry
# is taken when the handling starts; one never taken (a redelivery of an update already
# handled) is forgotten after this many newer ones, so memory stays bounded.
WEBHOOK_ANSWERS_KEPT = 10_000


class Inbox:
    """Stores updates durably and feeds them to the Application."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._marked = 0
        self._webhook_answers: dict[str, None] = {}  # callback query ids, oldest first

    def answering_in_webhook(self, query_id: str) -> None:
        """The webhook will answer callback query `query_id` in its HTTP answer (bot/webhook.py)."""
        self._webhook_answers[query_id] = None
        if len(self._webhook_answers) > WEBHOOK_ANSWERS_KEPT:
            del self._webhook_answers[next(iter(self._webhook_answers))]

    def not_answering_in_webhook(self, query_id: str) -> None:
        """The webhook could not store the update and will not answer it after all."""
        self._webhook_answers.pop(query_id, None)

    def take_webhook_answer(self, update: Update) -> bool:
        """Was `update`'s callback query answered by the webhook? Asked once, when its handling starts."""
        query = update.callback_query
        if query is None or not self._webhook_answers:
            return False
        try:
            del self._webhook_answers[query.id]
        except KeyError:
            return False
        return True

    async def accept(self, application: Any, updates: Sequence[Update]) -> int:
        """Store `updates`, then queue the ones not seen before; returns how many were new.

        When this returns, the updates are durable and Telegram may be told.
        """
        payloads = [(u.update_id, json.dumps(u.to_dict(recursive=True))) for u in updates]
        return await self.accept_payloads(application, payloads, updates)

    async def accept_payloads(
        self,
        application: Any,
        payloads: Sequence[tuple[int, str]],
        updates: Sequence[Update] | None = None,
    ) -> int:
        new = set(await run_db(self.services, self._store, payloads))
        if updates is None:
            updates = [Update.de_json(json.loads(p), application.bot) for uid, p in payloads if uid in new]
        for update in updates:
            if update.update_id in new:
                await application.update_queue.put(update)
        skipped = len(payloads) - len(new)
        if skipped:
            log.info("inbox: %d update(s) Telegram delivered again were already stored", skipped)
        return len(new)

    def _store(self, payloads: Sequence[tuple[int, str]]) -> list[int]:
        with self.services.db.unit() as unit:  # every update passes here: the hot path's unit of work
            return store.store(unit, updates=payloads, now=self.services.now())

    async def resume(self, application: Any) -> int:
        """Queue every stored update that was never handled (after a crash or a hurried stop)."""
        rows = await run_db(self.services, self._unhandled)
        for update_id, payload in rows:
            try:
                update = Update.de_json(json.loads(payload), application.bot)
            except (TypeError, KeyError, ValueError, AttributeError) as exc:
                log.error("inbox: stored update %d cannot be read (%s); marking it handled", update_id, exc)
                await self.mark_handled([update_id])
                continue
            await application.update_queue.put(update)
        if rows:
            log.info("inbox: %d update(s) stored but not handled before the last stop; handling them now",
                     len(rows))
        return len(rows)

    def _unhandled(self) -> list[tuple[int, str]]:
        with self.services.db.session() as session:
            store.prune_handled(session, before=self.services.now() - KEEP_HANDLED)
            return store.unhandled(session)

    async def mark_handled(self, update_ids: Sequence[int]) -> None:
        await run_db(self.services, self._mark, list(update_ids))

    async def mark_handled_later(self, update_id: int) -> None:
        """Mark one update handled with the next unit of work (bot/db_calls.py `write_later`).

        A crash before that replays the update; the handlers' claims make a replay change nothing.
        """
        await write_later(self.services, store.mark_one_statement(update_id=update_id, now=self.services.now()))
        await self.count_handled(1)

    def _mark(self, update_ids: list[int]) -> None:
        now = self.services.now()
        with self.services.db.session() as session:
            store.mark_handled(session, update_ids=update_ids, now=now)
            self._marked += len(update_ids)
            if self._marked >= PRUNE_EVERY:
                self._marked = 0
                store.prune_handled(session, before=now - KEEP_HANDLED)

    async def count_handled(self, how_many: int) -> None:
        """Updates marked handled inside a handler's unit of work; prunes old ones now and then."""
        self._marked += how_many
        if self._marked >= PRUNE_EVERY:
            await run_db(self.services, self._prune)

    def _prune(self) -> None:
        self._marked = 0
        with self.services.db.session() as session:
            store.prune_handled(session, before=self.services.now() - KEEP_HANDLED)

    def unhandled_count(self) -> int:
        with self.services.db.session() as session:
            return store.unhandled_count(session)


@dataclass
class _Handling:
    """The update the current task is handling (set by `InboxProcessor`)."""

    update_id: int
    settled: bool = False
    answered_in_webhook: bool = False  # the button's spinner was stopped by the webhook's answer


_HANDLING: ContextVar[_Handling | None] = ContextVar("stridecoach_inbox_handling", default=None)


def settle(session: Any, update_id: int, now: datetime) -> bool:
    """Mark `update_id` handled inside the caller's unit of work (before its commit).

    For handlers whose whole effect is that unit of work and a reply it records in
    the outbox. Returns False (and writes nothing) unless `update_id` is the update
    this task is handling through the inbox. Call `settled` once the unit of work
    committed, so the processor does not mark it a second time.
    """
    handling = _HANDLING.get()
    if handling is None or handling.update_id != update_id:
        return False
    store.mark_one_handled(session, update_id=update_id, now=now)
    return True


def answered_in_webhook(update_id: int) -> bool:
    """True when the press `update_id` was already answered in the webhook's HTTP answer.

    Telegram takes one answer per callback query, so the handler must not answer it
    again: see bot/handlers/common.py `answer_query` and `tell_presser`.
    """
    handling = _HANDLING.get()
    return handling is not None and handling.update_id == update_id and handling.answered_in_webhook


def settled(update_id: int) -> None:
    """The unit of work that called `settle` for `update_id` has committed."""
    handling = _HANDLING.get()
    if handling is not None and handling.update_id == update_id:
        handling.settled = True


class InboxProcessor(BaseUpdateProcessor):
    """Wraps the update processor in use and marks each update handled when it is done.

    Concurrency and ordering are the inner processor's business (one at a time by
    default); this only adds the mark. A cancelled update (shutdown) stays unhandled
    and is handled after the restart.
    """

    def __init__(self, inbox: Inbox, inner: BaseUpdateProcessor | None = None) -> None:
        self.inner = inner or SimpleUpdateProcessor(1)
        super().__init__(max_concurrent_updates=self.inner.max_concurrent_updates)
        self.inbox = inbox

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await self.inner.process_update(update, coroutine)
            return
        handling = _Handling(update.update_id, answered_in_webhook=self.inbox.take_webhook_answer(update))
        token = _HANDLING.set(handling)  # the handlers run in this task: `settle` sees it
        try:
            await self.inner.process_update(update, coroutine)
        finally:
            _HANDLING.reset(token)
        try:
            if handling.settled:  # marked in the handler's own unit of work
                await self.inbox.count_handled(1)
            else:
                await self.inbox.mark_handled_later(update.update_id)
        except Exception:  # the update was handled; a replay after restart is harmless
            log.exception("inbox: could not mark update %d handled", update.update_id)

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()


class RawUpdates(BaseRequest):
    """The getUpdates request, keeping the updates' JSON as Telegram sent it.

    The inbox stores each update's JSON; turning PTB's parsed `Update` objects back
    into JSON (`to_dict`) cost about 7% of the process's CPU under load. PTB parses
    every answer with `BaseRequest.parse_json_payload`, a documented hook: this
    wrapper around the real request keeps the list getUpdates answered, and the
    polling loop takes it (`take`) together with the `Update` objects PTB made of it.
    """

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner
        self._answer: list[Any] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        return await self.inner.do_request(url, method, request_data, read_timeout=read_timeout,
                                           write_timeout=write_timeout, connect_timeout=connect_timeout,
                                           pool_timeout=pool_timeout)

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        data = BaseRequest.parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        self._answer = result if isinstance(result, list) else None
        return data

    def take(self, updates: Sequence[Update]) -> list[tuple[int, str]] | None:
        """(update id, JSON) for `updates`, from the answer they were parsed from;
        None when that answer is not the one kept (the caller serialises them itself)."""
        answer, self._answer = self._answer, None
        if answer is None or [item.get("update_id") for item in answer] != [u.update_id for u in updates]:
            return None
        return [(update.update_id, json.dumps(item)) for update, item in zip(updates, answer, strict=True)]


def raw_updates_of(application: Any) -> RawUpdates | None:
    raw: RawUpdates | None = application.bot_data.get("raw_updates")
    return raw


def inbox_of(application: Any) -> Inbox:
    inbox: Inbox = application.bot_data["inbox"]
    return inbox
