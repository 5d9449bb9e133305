"""`stridecoach chat`: the real handlers in a terminal, against the fake Bot API.

Inline buttons are shown as numbered choices; type the number to press one.
"""

from __future__ import annotations

import asyncio
import html
import re
import tempfile
from pathlib import Path

from telegram import Update

from bot.app import build_application
from bot.runtime import build_services
from bot.settings import Settings
from bot.testing import FakeRequest, FakeTelegram, SentMessage

CHAT_USER_ID = 1001
_TAG = re.compile(r"</?(b|i|u|s|code|pre|a)[^>]*>")


def to_plain(text: str) -> str:
    """Telegram HTML as a terminal shows it."""
    return html.unescape(_TAG.sub("", text))


class TerminalChat:
    """Prints what the bot sends; an edit is printed only when the text changed.

    The fake Bot API calls `show` for new messages and for edits alike. Telegram
    shows an edit in place, so reprinting a message whose buttons were merely
    removed would look like a duplicate: that edit only retires its choices.
    """

    def __init__(self) -> None:
        self.choices: list[tuple[SentMessage, str]] = []
        self._shown: dict[tuple[int, int], tuple[str, list[tuple[str, str]]]] = {}

    def show(self, message: SentMessage) -> None:
        key = (message.chat_id, message.message_id)
        body = message.text or message.caption or ""
        buttons = list(message.buttons)
        previous = self._shown.get(key)
        self._shown[key] = (body, buttons)
        if previous is not None:  # an edit
            old_body, old_buttons = previous
            if body == old_body:
                if not buttons:  # buttons removed: nothing new to print
                    self.choices = [(m, d) for m, d in self.choices if m is not message]
                elif buttons != old_buttons:
                    self._offer(message, buttons)
                return
            print(f"\nbot> (edited) {to_plain(body)}")
            if buttons:
                self._offer(message, buttons)
            else:
                self.choices = [(m, d) for m, d in self.choices if m is not message]
            return
        if message.document:
            body += f"\n[file: {message.document[0]}, {len(message.document[1])} bytes]"
        if message.photo is not None:
            body += f"\n[image, {len(message.photo)} bytes]"
        if body:
            print(f"\nbot> {to_plain(body)}")
        if buttons:
            self._offer(message, buttons)

    def _offer(self, message: SentMessage, buttons: list[tuple[str, str]]) -> None:
        self.choices = [(message, data) for _, data in buttons]
        for number, (label, _) in enumerate(buttons, start=1):
            print(f"   [{number}] {label}")


def run_chat(database_url: str | None = None) -> int:
    try:
        asyncio.run(_chat(database_url))
    except (KeyboardInterrupt, EOFError):
        pass
    print("\nBye! Keep running strong.")
    return 0


async def _chat(database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'chat.db'}"
        # pydantic-settings accepts _env_file at run time; its signature does not show it.
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        fake = FakeTelegram()
        terminal = TerminalChat()
        fake.on_message = terminal.show
        application = build_application(build_services(settings), request=FakeRequest(fake))
        print("StrideCoach chat: type as you would in Telegram (/start to begin, Ctrl-D to quit).")
        async with application:
            await application.start()
            try:
                await _loop(application, fake, terminal)
            finally:
                await application.stop()


async def _loop(application, fake: FakeTelegram, terminal: TerminalChat) -> None:
    while True:
        line = (await asyncio.to_thread(input, "\nyou> ")).strip()
        if line.isdigit() and 1 <= int(line) <= len(terminal.choices):
            message, data = terminal.choices[int(line) - 1]
            payload = fake.make_callback_update(CHAT_USER_ID, message, data)
        else:
            payload = fake.make_text_update(CHAT_USER_ID, line)
        await application.process_update(Update.de_json(payload, application.bot))
