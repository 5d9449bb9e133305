"""The inbox: nothing a runner sent is lost, whatever moment the process dies.

In-process tests drive the real Application and the inbox against the fake Bot
API; the end-to-end tests kill -9 the real process (polling and webhook) while
it has a backlog and check that every update is answered after the restart.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from telegram import Update

from stridecoach.bot.app import build_application
from stridecoach.bot.inbox import inbox_of
from stridecoach.bot.services import BotApplication, Services
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.emulator import Emulator
from stridecoach.bot.testing.fake_telegram import FakeRequest
from stridecoach.bot.testing.harness import VirtualClock
from stridecoach.bot.testing.ports import free_port
from tests.test_e2e import TOKEN, BotProcess, bot_env, start_and_wait
from tests.test_webhook import SECRET

RUNNER = 4242


def _application(services: Services, fake: FakeTelegram) -> BotApplication:
    """The real Application on the fake Bot API, both on one `VirtualClock` (as in BotHarness):
    the fake's 100 ms latency costs no real time, which `_until` would spend spinning."""
    if not isinstance(fake.clock, VirtualClock):
        fake.clock = VirtualClock()
    return build_application(services, request=FakeRequest(fake), telegram_clock=fake.clock)


def _inbox_rows(services: Services) -> list[tuple[int, bool]]:
    with services.db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT update_id, handled_at IS NOT NULL FROM inbox_update ORDER BY 1")
        return [(int(a), bool(b)) for a, b in rows]


async def test_an_update_is_stored_before_it_is_queued_and_marked_once_handled(
    services: Services, fake: FakeTelegram
) -> None:
    app = _application(services, fake)
    async with app:
        update = Update.de_json(fake.make_text_update(RUNNER, "/start"), app.bot)
        assert await inbox_of(app).accept(app, [update]) == 1
        assert _inbox_rows(services) == [(update.update_id, False)]  # durable, not handled yet
        await app.start()
        await _until(lambda: _inbox_rows(services) == [(update.update_id, True)])
        await app.stop()
    assert "StrideCoach" in fake.last(RUNNER).text


async def test_a_redelivered_update_is_not_handled_twice(services: Services, fake: FakeTelegram) -> None:
    app = _application(services, fake)
    async with app:
        payload = fake.make_text_update(RUNNER, "/start")
        await app.start()
        for _ in range(3):  # Telegram delivering the same update three times
            await inbox_of(app).accept(app, [Update.de_json(payload, app.bot)])
        await _until(lambda: _inbox_rows(services) == [(payload["update_id"], True)])
        await app.stop()
    assert len(fake.chat(RUNNER)) == 1


async def test_updates_stored_but_not_handled_are_handled_at_the_next_start(
    services: Services, fake: FakeTelegram
) -> None:
    first = _application(services, fake)
    async with first:  # stores two updates and "dies" before handling them
        updates = [Update.de_json(fake.make_text_update(user, "/start"), first.bot) for user in (1, 2)]
        await inbox_of(first).accept(first, updates)
    assert fake.sent_log == []

    second = _application(services, fake)
    async with second:
        assert await inbox_of(second).resume(second) == 2
        await second.start()
        await _until(lambda: all(handled for _, handled in _inbox_rows(services)))
        await second.stop()
        assert await inbox_of(second).resume(second) == 0  # nothing left for a third start
    assert len(fake.chat(1)) == 1 and len(fake.chat(2)) == 1


async def test_a_done_is_marked_handled_in_the_unit_of_work_that_records_it(
    services: Services, fake: FakeTelegram
) -> None:
    """One commit per "done": the set, its reply in the outbox and the inbox's mark go
    together, so a crash after it cannot replay the update; the outbox delivers the reply."""
    app = _application(services, fake)
    async with app:
        await app.start()
        inbox = inbox_of(app)
        await inbox.accept(app, [Update.de_json(fake.make_text_update(RUNNER, "/session"), app.bot)])
        await _until(lambda: bool(fake.chat(RUNNER)))
        chooser = fake.last(RUNNER)
        calf = next(data for label, data in chooser.buttons if "Calf" in label)
        await inbox.accept(app, [Update.de_json(fake.make_callback_update(RUNNER, chooser, calf), app.bot)])
        await _until(lambda: "Set 1 of" in fake.last(RUNNER).text)

        gate = fake.hold(RUNNER)  # the reply to "done" hangs in the network
        done = Update.de_json(fake.make_text_update(RUNNER, "done"), app.bot)
        await inbox.accept(app, [done])
        await _until(lambda: (done.update_id, True) in _inbox_rows(services))
        with services.db.engine.connect() as conn:  # marked with the set, before the reply went out
            sets = conn.exec_driver_sql("SELECT COUNT(*) FROM completed_set").scalar()
            pending = conn.exec_driver_sql("SELECT status FROM outbox_message ORDER BY id DESC").first()
        assert sets == 1 and pending is not None and pending[0] == "pending"
        gate.set()
        await _until(lambda: "Set 2 of" in fake.last(RUNNER).text)
        await app.stop()
        assert await inbox.resume(app) == 0  # nothing for a restart to replay
    assert all(handled for _, handled in _inbox_rows(services))


async def test_polling_stores_each_update_as_the_json_telegram_sent(services: Services) -> None:
    """The inbox keeps Telegram's own JSON (bot/inbox.py RawUpdates), not PTB's objects
    turned back into JSON; a field PTB does not know yet is kept as sent."""
    import json

    from stridecoach.bot.polling import PollingReceiver

    fake = FakeTelegram(clock=VirtualClock())  # its latency passes on a virtual clock
    app = build_application(services, request=FakeRequest(fake), telegram_clock=fake.clock)
    payloads = [fake.make_text_update(RUNNER, "/start"), fake.make_text_update(RUNNER + 1, "/help")]
    payloads[1]["message"]["a_field_from_a_newer_bot_api"] = {"kept": True}
    fake.pending_updates.extend(payloads)
    receiver = PollingReceiver(poll_timeout=0)
    async with app:
        await app.start()
        await receiver.start(app)
        await _until(lambda: [handled for _, handled in _inbox_rows(services)] == [True, True])
        await receiver.stop(app)
        await app.stop()
    with services.db.engine.connect() as conn:
        stored = [str(p) for (p,) in conn.exec_driver_sql("SELECT payload FROM inbox_update ORDER BY update_id")]
    assert stored == [json.dumps(p) for p in payloads]
    assert "StrideCoach" in fake.last(RUNNER).text  # and they were handled from it


async def _until(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    # The deadline only stops a broken run: on a loaded 2-core machine the inbox's
    # threads took over 5 s (CI runs beside other work).
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0)  # yield to the Application; the inbox writes run in threads
        await asyncio.to_thread(lambda: None)


# ---------------------------------------------------------------------- the real process


def _answered(emulator: Emulator, users: range) -> int:
    return sum(1 for user in users if emulator.messages(user))


def _query(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path, timeout=5) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.e2e
def test_kill_9_with_a_polling_backlog_loses_nothing(tmp_path: Path) -> None:
    users = range(10_001, 10_151)
    db_path = tmp_path / "poll.db"
    with Emulator(token=TOKEN, max_poll_seconds=5) as emulator:
        bot = BotProcess([sys.executable, "-m", "stridecoach", "run"], bot_env(emulator, db_path), tmp_path)
        for user in users:
            emulator.send_text(user, "/start")
        try:
            start_and_wait(bot, emulator)
            # Kill once some are answered and the rest are confirmed to Telegram (gone from it).
            emulator.wait_for(lambda: _answered(emulator, users) >= 20, 30, "the first answers")
            emulator.wait_for(lambda: not emulator.pending_update_ids(), 30, "the batch fetched")
            bot.kill()
            assert _answered(emulator, users) < len(users), "kill came too late to test anything"
            start_and_wait(bot, emulator)
            emulator.wait_for(lambda: _answered(emulator, users) == len(users), 60, "every runner answered")
            assert bot.terminate() == 0
        finally:
            bot.kill()
    assert _query(db_path, "SELECT COUNT(*) FROM inbox_update WHERE handled_at IS NULL") == [(0,)]


@pytest.mark.e2e
def test_kill_9_with_a_webhook_backlog_loses_nothing(tmp_path: Path) -> None:
    users = range(20_001, 20_251)
    db_path = tmp_path / "hook.db"
    port = free_port()
    with Emulator(token=TOKEN) as emulator:
        env = bot_env(
            emulator, db_path, WEBHOOK_URL=f"http://127.0.0.1:{port}", WEBHOOK_PORT=str(port),
            WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET_TOKEN=SECRET,
            # One update at a time, so "in progress at the kill" below means one or two. With N
            # at once, up to about N runners may get a reply twice after a kill -9.
            MAX_CONCURRENT_UPDATES="1",
        )
        bot = BotProcess([sys.executable, "-m", "stridecoach", "run", "--webhook"], env, tmp_path)
        for user in users:
            emulator.send_text(user, "/start")
        try:
            bot.start()
            # Kill with most updates acknowledged (200) but many not yet handled.
            emulator.wait_for(lambda: len(emulator.pending_update_ids()) <= 50, 60, "200 deliveries")
            bot.kill()
            acknowledged = len(users) - len(emulator.pending_update_ids())
            answered = _answered(emulator, users)
            assert answered < acknowledged, "kill came too late to test anything"
            bot.start()
            emulator.wait_for(lambda: _answered(emulator, users) == len(users), 90, "every runner answered")
            assert bot.terminate() == 0
        finally:
            bot.kill()
    duplicates = sum(len(emulator.messages(user)) - 1 for user in users)
    assert duplicates <= 2  # at most the update(s) in progress at the kill, answered again
