"""Telegram's flood limits: the fake enforces them, the bot keeps to them.

Time on the Telegram side is a VirtualClock shared by the fake and the bot's
budgets: waiting advances it, nothing sleeps.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from stridecoach.bot.budgets import BROADCAST, ChatBudgets
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.harness import BotHarness, VirtualClock
from tests.conftest import RUNNER


def fake_with_clock() -> tuple[FakeTelegram, VirtualClock]:
    clock = VirtualClock()
    return FakeTelegram(clock=clock, latency=0), clock


def send(fake: FakeTelegram, chat_id: int) -> tuple[int, dict[str, Any]]:
    return fake.handle("sendMessage", {"chat_id": chat_id, "text": "hi"})


# ------------------------------------------------------------------ the fake, as strict as Telegram


def test_the_fake_answers_429_after_a_burst_in_one_chat_and_accepts_once_the_wait_is_over() -> None:
    fake, clock = fake_with_clock()
    fake.make_text_update(RUNNER, "hello")  # the runner wrote: replies, not bulk
    assert [send(fake, RUNNER)[0] for _ in range(5)] == [200] * 5
    status, body = send(fake, RUNNER)
    assert status == 429
    assert body["parameters"]["retry_after"] == 1
    assert "Too Many Requests" in body["description"]
    clock.now += body["parameters"]["retry_after"]
    assert send(fake, RUNNER)[0] == 200
    assert fake.flood_429s == 1


def test_the_fake_limits_bulk_messages_to_30_a_second_but_not_replies() -> None:
    fake, clock = fake_with_clock()
    for chat_id in range(1, 41):
        fake.make_text_update(chat_id, "hello")
    assert {send(fake, chat_id)[0] for chat_id in range(1, 41)} == {200}  # replies to 40 runners

    clock.now += 120  # nobody wrote for two minutes: messages now are notifications
    statuses = [send(fake, chat_id)[0] for chat_id in range(1, 41)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    clock.now += 1
    assert send(fake, 40)[0] == 200


# ------------------------------------------------------------------ the bot keeps to them


async def test_a_burst_of_replies_in_one_chat_is_spread_to_one_a_second_without_a_429(
    services: Any, fake: FakeTelegram
) -> None:
    async with BotHarness(services, fake) as bot:
        clock = bot.clock
        assert isinstance(clock, VirtualClock)
        started = clock.now
        for _ in range(12):
            await bot.send(RUNNER, "/help")
        assert len(fake.chat(RUNNER)) == 12
        assert fake.flood_429s == 0
        # A burst of 3, then one a second: the 12th reply goes out 9 s after the first.
        assert clock.now - started >= 9


async def test_replies_to_many_runners_are_not_held_back_by_a_global_budget(
    services: Any, fake: FakeTelegram
) -> None:
    async with BotHarness(services, fake) as bot:
        clock = bot.clock
        assert isinstance(clock, VirtualClock)
        clock.sleeps.clear()
        for runner in range(1, 101):
            await bot.send(runner, "/help")
        assert all(fake.chat(runner) for runner in range(1, 101))
        # Only the fake's latency (half a call each way): the budgets never made anyone wait.
        assert max(clock.sleeps) < 0.1


async def test_a_429_is_retried_after_retry_after_and_the_runner_gets_the_reply(
    services: Any, fake: FakeTelegram
) -> None:
    async with BotHarness(services, fake) as bot:
        clock = bot.clock
        assert isinstance(clock, VirtualClock)
        fake.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 4",
                       retry_after=4, chat_id=RUNNER)
        replies = await bot.send(RUNNER, "/help")
        assert len(replies) == 1
        assert [s for s in clock.sleeps if s > 1] == [pytest.approx(4.1)]


class Calls:
    """Stands in for PTB's request callback: records when each call went out."""

    def __init__(self, clock: VirtualClock, fail_first: int = 0, retry_after: int = 3) -> None:
        self.clock = clock
        self.sent: list[float] = []
        self.fail_first = fail_first
        self.retry_after = retry_after

    async def __call__(self, *_args: Any, **_kwargs: Any) -> bool:
        if self.fail_first:
            self.fail_first -= 1
            raise RetryAfter(timedelta(seconds=self.retry_after))
        self.sent.append(self.clock.now)
        return True


async def through(budgets: ChatBudgets, calls: Calls, chat_id: int, kind: str | None = None) -> None:
    await budgets.process_request(calls, (), {}, "sendMessage", {"chat_id": chat_id}, kind)


async def test_broadcasts_share_30_a_second_while_replies_do_not() -> None:
    clock = VirtualClock()
    budgets = ChatBudgets(clock=clock)
    calls = Calls(clock)
    start = clock.now
    for chat_id in range(1, 91):
        await through(budgets, calls, chat_id, BROADCAST)
    assert calls.sent[-1] - start == pytest.approx((90 - 5) / 30)  # a burst of 5, then 30/s

    later = clock.now
    for chat_id in range(101, 191):
        await through(budgets, calls, chat_id)
    assert calls.sent[-1] == later  # replies to 90 runners: none waits


async def test_a_429_holds_only_its_own_chat() -> None:
    clock = VirtualClock()
    budgets = ChatBudgets(clock=clock)
    slow = Calls(clock, fail_first=1, retry_after=3)
    await through(budgets, slow, RUNNER)
    assert clock.sleeps == [pytest.approx(3.1)]
    assert len(slow.sent) == 1
    # Another runner's reply right after is not held by that 429.
    other = Calls(clock)
    before = clock.now
    await through(budgets, other, RUNNER + 1)
    assert other.sent == [before]


async def test_a_429_that_persists_is_raised_after_the_retries() -> None:
    clock = VirtualClock()
    budgets = ChatBudgets(clock=clock, max_retries=2)
    with pytest.raises(RetryAfter):
        await through(budgets, Calls(clock, fail_first=5), RUNNER)
    assert len([s for s in clock.sleeps if s > 1]) == 2


def test_idle_chats_are_forgotten() -> None:
    """Memory follows the chats active now, not every runner ever answered."""
    clock = VirtualClock()
    budgets = ChatBudgets(clock=clock)
    for chat_id in range(1, 5000):
        budget = budgets._chat_budget(chat_id)
        assert budget is not None
        budget.reserve(clock.now)
        clock.now += 2  # each chat's budget is full again two seconds later
    assert len(budgets.chats) < 2100
