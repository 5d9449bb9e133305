"""The outbox: a reply that failed never lets a retried "done" record a set the runner did not see.

The real Application against the fake Bot API, with each kind of fault injected
on the reply to a "done": the set is stored once, the runner's retried "done"
re-sends the next set instead of recording it, and a reply that timed out is
sent at most once more.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from stridecoach.bot import outbox
from stridecoach.bot.services import Services
from stridecoach.bot.testing.harness import BotHarness, FakeClock
from stridecoach.storage.models import CompletedSet, OutboxMessage
from tests.test_sessions_flow import start

RUNNER = 4242


def positions(services: Services) -> list[int]:
    with services.db.session() as session:
        rows = session.exec(select(CompletedSet).order_by(col(CompletedSet.position))).all()
        return [row.position for row in rows]


def statuses(services: Services) -> list[str]:
    with services.db.session() as session:
        return [r.status for r in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()]


def set_prompts(bot: BotHarness, number: int) -> int:
    """How many messages the runner has that show set `number` of the first exercise."""
    return sum(1 for m in bot.fake.chat(RUNNER) if f"Set {number} of" in m.text)


FAULTS: dict[str, dict[str, Any]] = {
    "500": {"status": 500, "description": "Internal Server Error"},
    "502": {"status": 502, "description": "Bad Gateway"},
    "403": {"status": 403, "description": "Forbidden: bot was blocked by the user"},
    "dropped connection": {"dropped": True},
    "hang": {"timeout": True},
    # Telegram's flood control, answered again to each of the budgets' retries (bot/budgets.py):
    # the RetryAfter reaches the outbox, which keeps the reply open.
    "429": {"status": 429, "description": "Too Many Requests: retry after 3", "retry_after": 3, "times": 4},
}


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_failed_reply_never_turns_a_retried_done_into_a_phantom_set(
    bot: BotHarness, services: Services, fault: str
) -> None:
    await start(bot)
    bot.fake.fail_next("sendMessage", **FAULTS[fault])
    await bot.send(RUNNER, "done")  # set 1 stored; the reply showing set 2 fails
    assert positions(services) == [0]
    assert set_prompts(bot, 2) == 0

    replies = await bot.send(RUNNER, "done")  # the runner, still looking at set 1, says done again
    assert positions(services) == [0]  # no phantom set 2
    (shown,) = replies
    assert shown.text.startswith("Already recorded") and "Set 2 of" in shown.text
    assert "try again" not in shown.text.lower()

    await bot.send(RUNNER, "done")  # now they have seen set 2: this one counts
    assert positions(services) == [0, 1]


def test_a_recorded_keyboard_reads_back_as_the_same_buttons() -> None:
    import json

    from telegram import InlineKeyboardMarkup

    from stridecoach.bot.ui import sessions as ui

    keyboard = ui.set_keyboard(12, 3, timed=True)
    stored = outbox.keyboard_json(keyboard)
    assert stored is not None
    assert InlineKeyboardMarkup.de_json(json.loads(stored), None) == keyboard.markup()
    assert outbox.keyboard_json(None) is None


async def test_a_reply_answered_late_is_sent_at_most_once_more(bot: BotHarness, services: Services) -> None:
    await start(bot)
    bot.fake.fail_next("sendMessage", late=True)
    await bot.send(RUNNER, "done")  # Telegram delivered set 2, but its answer never came back
    assert set_prompts(bot, 2) == 1 and statuses(services)[-1] == "uncertain"

    bot.fake.fail_next("sendMessage", late=True)
    await bot.send(RUNNER, "done")  # maybe about set 2, maybe a retry: re-sent once, nothing recorded
    assert positions(services) == [0]
    assert set_prompts(bot, 2) == 2 and statuses(services)[-1] == "assumed"

    await bot.send(RUNNER, "done")  # no third copy: this "done" counts
    assert positions(services) == [0, 1]
    assert set_prompts(bot, 2) == 2


async def test_the_retry_job_delivers_a_failed_reply_by_itself(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await start(bot)
    bot.fake.fail_next("sendMessage", status=500)
    await bot.send(RUNNER, "done")
    assert set_prompts(bot, 2) == 0
    clock.advance(seconds=outbox.RETRY_INTERVAL_SECONDS + 1)
    assert await outbox.retry_due(bot.app.bot, services) == 1
    assert set_prompts(bot, 2) == 1 and statuses(services)[-1] == "sent"
    assert await outbox.retry_due(bot.app.bot, services) == 0  # delivered: never again
    await bot.send(RUNNER, "done")
    assert positions(services) == [0, 1]


async def test_the_retry_job_tries_a_timed_out_reply_only_once_more(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await start(bot)
    bot.fake.fail_next("sendMessage", late=True, times=3)
    await bot.send(RUNNER, "done")
    for _ in range(3):
        clock.advance(seconds=outbox.RETRY_INTERVAL_SECONDS + 1)
        await outbox.retry_due(bot.app.bot, services)
    assert set_prompts(bot, 2) == 2  # the first send and one more attempt, never a loop
    assert statuses(services)[-1] == "assumed"


async def test_pressing_done_on_the_new_set_proves_it_arrived(bot: BotHarness, services: Services) -> None:
    await start(bot)
    bot.fake.fail_next("sendMessage", late=True)
    await bot.send(RUNNER, "done")  # delivered, answer lost
    await bot.press(RUNNER, "Done")  # the button of set 2: they have it
    assert positions(services) == [0, 1]
    assert "uncertain" not in statuses(services)


async def test_a_done_typed_before_the_next_set_was_shown_is_not_a_second_set(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await start(bot)
    shown_at = int(clock.now.timestamp())
    await bot.send(RUNNER, "done")  # set 1 recorded, set 2 shown now
    # A second "done" the runner typed 20 s earlier (the bot was restarting) arrives late.
    early = bot.fake.make_text_update(RUNNER, "done")
    early["message"]["date"] = shown_at - 20
    (shown,) = await bot.feed(early)
    assert positions(services) == [0]
    assert shown.text.startswith("Already recorded") and "Set 2 of" in shown.text
    clock.advance(seconds=40)
    later = bot.fake.make_text_update(RUNNER, "done")
    later["message"]["date"] = int(clock.now.timestamp())  # typed after seeing set 2
    await bot.feed(later)
    assert positions(services) == [0, 1]
