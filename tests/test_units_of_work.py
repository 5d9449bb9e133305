"""One unit of work per update outside sessions: a replayed /schedule step or /export changes nothing.

A replay is what the inbox hands the handlers after a crash between a handler's
commit and the update being marked handled (Telegram's own redeliveries are
recognised by the inbox before any handler runs).
"""

from __future__ import annotations

from stridecoach.bot.services import Services
from stridecoach.bot.testing.harness import BotHarness
from stridecoach.storage import runners

RUNNER = 4242


def pending(services: Services) -> str | None:
    with services.db.session() as session:
        runner = runners.get_runner(session, RUNNER)
        return runner.pending_input if runner else None


async def test_a_replayed_day_toggle_does_not_flip_the_day_back(bot: BotHarness, services: Services) -> None:
    await bot.send(RUNNER, "/schedule")
    target, data = bot.find_button(RUNNER, "Tue")
    payload = bot.fake.make_callback_update(RUNNER, target, data)
    await bot.feed(payload)
    after_first = pending(services)
    answers = len(bot.fake.calls_to("answerCallbackQuery"))
    replies = await bot.feed(payload)  # the same update again
    assert pending(services) == after_first  # Tuesday stays as the first press left it
    assert len(bot.fake.calls_to("answerCallbackQuery")) == answers + 1  # the spinner stops
    assert any("still waiting" in m.text for m in replies)  # and the runner sees where they are


async def test_a_replayed_typed_step_is_not_applied_to_the_next_step(bot: BotHarness, services: Services) -> None:
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Tue")
    await bot.press(RUNNER, "Next")
    payload = bot.fake.make_text_update(RUNNER, "7pm")
    await bot.feed(payload)  # the time: now the dialogue asks for the zone
    at_zone = pending(services)
    assert at_zone is not None and at_zone.startswith("schedule:zone")
    replies = await bot.feed(payload)  # replayed: "7pm" is not taken as a (bad) time zone
    assert pending(services) == at_zone
    assert [m.text for m in replies] == ["(I'm still waiting for your time zone — type a city or /cancel)"]


async def test_a_replayed_export_does_not_send_the_file_again(bot: BotHarness, services: Services) -> None:
    from stridecoach.bot.ui import progress as progress_ui
    from tests.test_sessions_flow import start

    await start(bot)
    await bot.send(RUNNER, "done")
    payload = bot.fake.make_text_update(RUNNER, "/export")
    await bot.feed(payload)
    assert len(bot.fake.calls_to("sendDocument")) == 1
    replies = await bot.feed(payload)  # the same update, replayed after a crash
    assert len(bot.fake.calls_to("sendDocument")) == 1
    assert [m.text for m in replies] == [progress_ui.EXPORT_ALREADY_SENT]
