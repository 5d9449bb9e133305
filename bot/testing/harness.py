"""Drive the real Application through the fake Bot API: the runner's side of a chat.

Used by the tests and the benchmarks:

    async with BotHarness(services) as bot:
        replies = await bot.send(USER, "how do I do a hollow body hold")
        await bot.press(USER, "Done ✅")
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from telegram import Update

from stridecoach.bot.budgets import Clock
from stridecoach.bot.testing.fake_telegram import FakeRequest, FakeTelegram, SentMessage

if TYPE_CHECKING:
    from stridecoach.bot.services import BotApplication, Services


@dataclass
class FakeClock:
    """A clock the test moves by hand: no sleeping, no flaky timing."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


@dataclass
class VirtualClock:
    """Monotonic time for the Telegram side (latency, flood limits, the bot's budgets).

    Waiting advances it at once instead of sleeping, so a test pays nothing for
    the fake's 100 ms latency or for the bot keeping to 1 message/s in a chat.
    `sleeps` records every wait, for tests about retry_after.
    """

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


class BotHarness:
    """The real Application, initialised, with a fake Telegram behind it.

    The fake and the bot's rate limiter share one clock: a `VirtualClock` unless
    given (benchmarks pass `bot.budgets.RealClock()` to measure real time).
    """

    def __init__(
        self, services: Services, fake: FakeTelegram | None = None, *, clock: Clock | None = None
    ) -> None:
        from stridecoach.bot.app import build_application

        self.services = services
        self.fake = fake or FakeTelegram()
        self.clock: Clock = clock or VirtualClock()
        self.fake.clock = self.clock
        self.app: BotApplication = build_application(
            services, request=FakeRequest(self.fake), telegram_clock=self.clock
        )

    async def __aenter__(self) -> BotHarness:
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        if self.app.job_queue is not None and self.app.job_queue.scheduler.running:
            await self.app.job_queue.stop(wait=False)
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)
        if exc_type is None:
            self.check_buttons_are_routed()

    def check_buttons_are_routed(self) -> None:
        """Every button the bot showed has a row in bot/app.py's BUTTONS.

        Run after every test that drives the bot, so a new kind of button nobody
        routes fails the test that shows it (a press on it would only say "that
        button doesn't do anything any more").
        """
        from stridecoach.bot.app import button_prefixes

        prefixes = button_prefixes()
        for message in self.fake.sent_log:
            for label, data in message.buttons:
                if data and not data.startswith(prefixes):
                    raise AssertionError(
                        f"the button {label!r} carries {data!r}, which no row of BUTTONS in bot/app.py routes"
                    )

    async def feed(self, payload: dict[str, Any]) -> list[SentMessage]:
        """Process one raw update; returns the messages the bot sent, or whose text it
        edited in place, while handling it (each once, in order)."""
        before = len(self.fake.activity)
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        changed: dict[int, SentMessage] = {}
        for message in self.fake.activity[before:]:
            changed.setdefault(id(message), message)
        return list(changed.values())

    async def send(self, user_id: int, text: str, **kwargs: Any) -> list[SentMessage]:
        """The runner types `text`."""
        return await self.feed(self.fake.make_text_update(user_id, text, **kwargs))

    async def press(
        self, user_id: int, label: str, message: SentMessage | None = None
    ) -> list[SentMessage]:
        """The runner presses the button whose text contains `label` (latest message first)."""
        target, data = self.find_button(user_id, label, message)
        return await self.feed(self.fake.make_callback_update(user_id, target, data))

    def find_button(
        self, user_id: int, label: str, message: SentMessage | None = None
    ) -> tuple[SentMessage, str]:
        candidates = [message] if message else list(reversed(self.fake.chat(user_id)))
        for candidate in candidates:
            for text, data in candidate.buttons:
                if label.lower() in text.lower():
                    return candidate, data
        shown = [m.button_texts for m in candidates if m.buttons]
        raise AssertionError(f"no button {label!r} in chat {user_id}; buttons shown: {shown}")

    def last_text(self, user_id: int) -> str:
        return self.fake.last(user_id).text
