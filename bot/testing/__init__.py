"""A fake Telegram Bot API, shared by the tests, `stridecoach chat` and the benchmarks."""

from stridecoach.bot.testing.fake_telegram import ApiCall, FakeRequest, FakeTelegram, SentMessage

__all__ = ["ApiCall", "FakeRequest", "FakeTelegram", "SentMessage"]
