"""Forged button data, channel posts and a runner blocking/unblocking the bot."""

from __future__ import annotations

import logging
from datetime import time

import pytest

from stridecoach.bot.services import Services
from stridecoach.bot.testing.harness import BotHarness
from stridecoach.storage import runners, schedules

RUNNER = 4242

FORGED = [
    "s:pause:1:0",
    "s:done:99999999999999999999999:0",
    "s:done:-1:-1",
    "s:done:x:y",
    "s:start:no-such-routine",
    "s:",
    "r:sz:notanumber",
    "r:sz:99999999999999999999999999",
    "r:go:calf:abc",
    "r:go:nothing:1",
    "r:d:zzz:9",
    "r:t:zzz:2561",
    "r:k:",
    "q:no-such-entry",
    "d:forget:maybe:zz",
    "d:forget:yes:99999999999999999999999",
    "zz:unknown-prefix",
    "é" * 40,
    "x" * 70,
]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_button_data_is_answered_politely_and_raises_nothing(
    bot: BotHarness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.send(RUNNER, "/start")
    message = bot.fake.last(RUNNER)
    answers = len(bot.fake.calls_to("answerCallbackQuery"))
    with caplog.at_level(logging.ERROR):
        await bot.feed(bot.fake.make_callback_update(RUNNER, message, data))
    assert len(bot.fake.calls_to("answerCallbackQuery")) == answers + 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


async def test_a_channel_post_is_ignored(bot: BotHarness) -> None:
    update = {
        "update_id": bot.fake.next_update_id(),
        "channel_post": {
            "message_id": 5, "date": 0, "chat": {"id": -100123, "type": "channel", "title": "News"},
            "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    assert await bot.feed(update) == []


def _member_update(bot: BotHarness, status: str, old: str) -> dict[str, object]:
    user = {"id": RUNNER, "is_bot": False, "first_name": "Runner"}
    me = {"id": bot.fake.bot_id, "is_bot": True, "first_name": "StrideCoach"}
    member = {"user": me, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    return {
        "update_id": bot.fake.next_update_id(),
        "my_chat_member": {
            "chat": {"id": RUNNER, "type": "private", "first_name": "Runner"},
            "from": user, "date": 0,
            "old_chat_member": {"user": me, "status": old, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": member,
        },
    }


async def test_blocking_the_bot_pauses_reminders_and_unblocking_resumes_them(
    bot: BotHarness, services: Services
) -> None:
    with services.db.session() as session:
        runners.ensure_runner(session, user_id=RUNNER, chat_id=RUNNER, first_name="R")
        schedules.upsert_schedule(session, runner_id=RUNNER, days={0, 2, 4}, local_time=time(18, 0),
                                  zone="UTC", now=services.now())
    await bot.feed(_member_update(bot, "kicked", "member"))
    with services.db.session() as session:
        schedule = schedules.get_schedule(session, runner_id=RUNNER)
        assert schedule is not None and schedule.paused and schedule.next_reminder_at is None
        assert runners.get_runner(session, RUNNER).blocked  # type: ignore[union-attr]
    await bot.feed(_member_update(bot, "member", "kicked"))
    with services.db.session() as session:
        schedule = schedules.get_schedule(session, runner_id=RUNNER)
        assert schedule is not None and not schedule.paused and schedule.next_reminder_at is not None
        assert not runners.get_runner(session, RUNNER).blocked  # type: ignore[union-attr]


async def test_a_lone_surrogate_echoed_back_does_not_break_the_reply(bot: BotHarness) -> None:
    (reply,) = await bot.send(RUNNER, "/x\ud83d")  # half an emoji from a broken client
    assert "/x\ufffd" in reply.text
