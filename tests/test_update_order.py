"""Concurrent updates: runners overlap, one runner's updates keep their order.

Updates go through the Application's update queue, as polling and the webhook
put them, so PTB's update fetcher and our RunnerOrderedProcessor decide what
runs when. A runner's chat is made slow by holding the fake Bot API's answers
for it (`FakeTelegram.hold`); nothing sleeps: every wait is on an event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update

from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.fake_telegram import SentMessage
from stridecoach.bot.testing.harness import BotHarness
from stridecoach.bot.update_order import RunnerOrderedProcessor, runner_key
from tests.conftest import OTHER_RUNNER, RUNNER

GUARD = 10.0  # seconds: only reached if the behaviour is broken


class Arrivals:
    """Wakes a waiter when a chat has received `count` messages."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self._waiters: list[tuple[int, int, asyncio.Event]] = []
        fake.on_message = self._on_message

    def _on_message(self, _message: SentMessage) -> None:
        for chat_id, count, event in self._waiters:
            if len(self.fake.chat(chat_id)) >= count:
                event.set()

    async def wait_text(self, chat_id: int, needle: str) -> None:
        """Until the chat's latest message (sent or edited) contains `needle`."""
        while not (self.fake.chat(chat_id) and needle in self.fake.last(chat_id).text):
            event = asyncio.Event()
            self._waiters.append((chat_id, 0, event))
            await asyncio.wait_for(event.wait(), GUARD)

    async def wait(self, chat_id: int, count: int) -> None:
        event = asyncio.Event()
        if len(self.fake.chat(chat_id)) < count:
            self._waiters.append((chat_id, count, event))
            await asyncio.wait_for(event.wait(), GUARD)


@pytest.fixture
async def running(bot: BotHarness) -> AsyncIterator[BotHarness]:
    """The harness's Application, started: updates flow through its queue."""
    await bot.app.start()
    try:
        yield bot
    finally:
        for gate in bot.fake.gates.values():  # never leave an update stuck at "Telegram"
            gate.set()
        await bot.app.stop()


async def put(bot: BotHarness, payload: dict[str, Any]) -> None:
    await bot.app.update_queue.put(Update.de_json(payload, bot.app.bot))


async def test_a_slow_runner_does_not_hold_up_another(running: BotHarness, fake: FakeTelegram) -> None:
    arrivals = Arrivals(fake)
    slow = fake.hold(RUNNER)
    await put(running, fake.make_text_update(RUNNER, "/start"))
    await put(running, fake.make_text_update(OTHER_RUNNER, "/help"))

    await arrivals.wait(OTHER_RUNNER, 1)  # answered while the first runner's reply is still held
    assert fake.chat(RUNNER) == []

    slow.set()
    await arrivals.wait(RUNNER, 1)
    assert "StrideCoach" in fake.last(RUNNER).text


async def test_one_runners_updates_are_handled_in_the_order_they_arrived(
    running: BotHarness, fake: FakeTelegram
) -> None:
    arrivals = Arrivals(fake)
    slow = fake.hold(RUNNER)
    await put(running, fake.make_text_update(RUNNER, "/start"))
    await put(running, fake.make_text_update(RUNNER, "/help"))
    await put(running, fake.make_text_update(RUNNER, "/topics"))
    await put(running, fake.make_text_update(OTHER_RUNNER, "/help"))

    # The other runner, queued last, is answered; of the first runner's updates only the
    # first has reached Telegram: the later ones wait their turn.
    await arrivals.wait(OTHER_RUNNER, 1)
    assert fake.held_calls[RUNNER] == 1

    slow.set()
    await arrivals.wait(RUNNER, 3)
    welcome, help_text, topics = (m.text for m in fake.chat(RUNNER))
    assert "StrideCoach" in welcome
    assert help_text == fake.last(OTHER_RUNNER).text
    assert topics != help_text and fake.chat(RUNNER)[2].buttons  # /topics answers with buttons


async def test_a_runner_walks_a_session_while_another_waits_on_telegram(
    running: BotHarness, fake: FakeTelegram
) -> None:
    arrivals = Arrivals(fake)
    slow = fake.hold(OTHER_RUNNER)
    await put(running, fake.make_text_update(OTHER_RUNNER, "/session"))
    await put(running, fake.make_text_update(RUNNER, "/session"))
    await arrivals.wait(RUNNER, 1)
    chooser = fake.last(RUNNER)
    calf = next(data for label, data in chooser.buttons if "calf" in label.lower())
    await put(running, fake.make_callback_update(RUNNER, chooser, calf))
    await arrivals.wait_text(RUNNER, "Set 1 of")  # the chooser became the first set
    for done in range(1, 4):
        await put(running, fake.make_text_update(RUNNER, "done"))
        await arrivals.wait(RUNNER, 1 + done)
    assert [m.text.split("\n")[0] for m in fake.chat(RUNNER)[1:]] == [
        "✅ Jumping rope, set 1 done.", "✅ Jumping rope, set 2 done.", "✅ Jumping rope, set 3 done."
    ]
    assert fake.chat(OTHER_RUNNER) == [] and fake.held_calls[OTHER_RUNNER] == 1

    slow.set()
    await arrivals.wait(OTHER_RUNNER, 1)
    assert "Calf routine" in fake.last(OTHER_RUNNER).button_texts


def test_updates_are_ordered_per_runner_else_per_chat() -> None:
    fake = FakeTelegram(latency=0)
    text = Update.de_json(fake.make_text_update(RUNNER, "hi"), None)
    assert runner_key(text) == RUNNER
    assert runner_key(object()) is None


async def test_locks_are_forgotten_once_a_runner_is_idle(running: BotHarness, fake: FakeTelegram) -> None:
    """Memory follows the runners active now, not every runner ever seen."""
    arrivals = Arrivals(fake)
    for user in range(1, 51):
        await put(running, fake.make_text_update(user, "/help"))
    for user in range(1, 51):
        await arrivals.wait(user, 1)
    processor = getattr(running.app.update_processor, "inner", running.app.update_processor)
    assert isinstance(processor, RunnerOrderedProcessor)  # inside the inbox's processor
    await running.app.update_queue.join()
    assert processor.active_runners == 0


async def test_a_version_conflict_is_applied_again_never_lost(
    bot: BotHarness, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer (a replica, a job) moves the session between our read and our write."""
    from sqlalchemy import text

    from stridecoach.storage import workouts

    await bot.send(RUNNER, "/session")
    await bot.press(RUNNER, "Calf routine")
    real_apply = workouts.apply_outcome
    conflicts = []

    def apply_after_another_writer(session: Any, **kwargs: Any) -> Any:
        row = kwargs["row"]
        if not conflicts and row is not None:
            conflicts.append(row.id)
            session.connection().execute(
                text("UPDATE workout_session SET version = version + 1 WHERE id = :id"), {"id": row.id}
            )
        return real_apply(session, **kwargs)

    monkeypatch.setattr(workouts, "apply_outcome", apply_after_another_writer)
    await bot.send(RUNNER, "done")

    assert conflicts  # the first attempt did meet a changed row
    assert fake.last(RUNNER).text.startswith("✅")
    with bot.services.db.session() as session:
        stored = session.connection().execute(text("SELECT position FROM completed_set")).all()
        position = session.connection().execute(text("SELECT position FROM workout_session")).scalar()
    assert [row[0] for row in stored] == [0]
    assert position == 1


def test_the_known_runner_cache_keeps_the_most_recent_runners_only() -> None:
    from stridecoach.bot.services import RecentIds

    known = RecentIds(3)
    for runner in (1, 2, 3, 4):
        known.add(runner)
    assert 1 not in known and {2, 3, 4} == {r for r in (1, 2, 3, 4) if r in known}
    known.add(2)  # seen again: now the most recent
    known.add(5)
    assert 2 in known and 3 not in known
    known.discard(2)  # /forget
    assert 2 not in known and len(known) == 2


async def test_a_runner_keeps_their_order_after_their_lock_was_forgotten(
    running: BotHarness, fake: FakeTelegram
) -> None:
    """Forgetting an idle runner's lock (memory) must not cost the order of their next burst."""
    arrivals = Arrivals(fake)
    await put(running, fake.make_text_update(RUNNER, "/start"))
    await arrivals.wait(RUNNER, 1)
    await running.app.update_queue.join()
    processor = getattr(running.app.update_processor, "inner", running.app.update_processor)
    assert processor.active_runners == 0  # the lock is gone

    slow = fake.hold(RUNNER)
    await put(running, fake.make_text_update(RUNNER, "/help"))
    await put(running, fake.make_text_update(RUNNER, "/topics"))
    await put(running, fake.make_text_update(OTHER_RUNNER, "/help"))
    await arrivals.wait(OTHER_RUNNER, 1)
    assert fake.held_calls[RUNNER] == 1  # /topics waits behind /help on the new lock
    slow.set()
    await arrivals.wait(RUNNER, 3)
    assert fake.chat(RUNNER)[1].text == fake.last(OTHER_RUNNER).text  # /help first
    assert fake.chat(RUNNER)[2].buttons  # then /topics


async def test_chat_data_is_kept_for_the_most_recent_chats_only(bot: BotHarness) -> None:
    """What a chat keeps in memory (the last topic, for follow-ups) is bounded: memory does not
    grow with every runner ever seen, and a runner among the recent ones keeps theirs."""
    from stridecoach.bot.services import RecentChatData

    bot.services.chat_data = RecentChatData(3)
    await bot.send(RUNNER, "how do I do jump rope")
    for other in (OTHER_RUNNER, OTHER_RUNNER + 1):
        await bot.send(other, "why do runners need strong calves?")
    [more] = await bot.send(RUNNER, "and how many sets?")  # still among the 3 most recent
    assert "Jump" in more.text

    for other in (OTHER_RUNNER + 2, OTHER_RUNNER + 3, OTHER_RUNNER + 4):
        await bot.send(other, "why do runners need strong calves?")
    assert len(bot.services.chat_data) == 3 and RUNNER not in bot.services.chat_data
    assert OTHER_RUNNER + 4 in bot.services.chat_data
    assert not bot.app.chat_data  # PTB's own table, which nothing would empty, stays unused


def test_recent_chat_data_forgets_the_chat_that_wrote_least_recently() -> None:
    from stridecoach.bot.services import RecentChatData

    kept = RecentChatData(2)
    kept.of(1)["last_topic"] = "jump-rope"
    kept.of(2)
    assert kept.of(1) == {"last_topic": "jump-rope"}  # the same dict; 1 is now the most recent
    kept.of(3)
    assert 2 not in kept and 1 in kept and 3 in kept
    assert kept.of(2) == {}  # a forgotten chat starts afresh


async def test_no_id_is_kept_per_runner_for_a_persistence_the_bot_does_not_have(bot: BotHarness) -> None:
    """PTB marks every update's chat and user for its persistence, in sets only a persistence
    empties; the bot has none, so they would hold an id per runner ever seen."""
    for runner in (RUNNER, OTHER_RUNNER):
        await bot.send(runner, "/help")
        await bot.send(runner, "how do I do jump rope")
    assert bot.app.persistence is None
    assert not bot.app._chat_ids_to_be_updated_in_persistence  # PTB's own names for them
    assert not bot.app._user_ids_to_be_updated_in_persistence
