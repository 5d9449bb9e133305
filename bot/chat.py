"""`stridecoach chat`: the real handlers in a terminal, against the fake Bot API.

As faithful to Telegram as a terminal allows:

* the Application starts as in `stridecoach run` (post_init included), so the
  reminder tick, session timers and the sweep run on the real clock;
* inline buttons are listed as ``#1``, ``#2``...; type ``#2`` to press one. A plain
  ``7`` is text, as it would be in Telegram (e.g. a time at the /schedule step);
* pictures and files the bot sends (the /progress chart, the /export CSV) are
  saved to a folder (``--files``, default ``data/chat-files``) and their paths shown.
"""

from __future__ import annotations

import asyncio
import html
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import Update

from stridecoach.bot.app import build_application
from stridecoach.bot.budgets import Clock
from stridecoach.bot.runtime import build_services
from stridecoach.bot.settings import Settings
from stridecoach.bot.testing import FakeRequest, FakeTelegram, SentMessage

CHAT_USER_ID = 1001
_TAG = re.compile(r"</?(b|i|u|s|code|pre|a)[^>]*>")


def to_plain(text: str) -> str:
    """Telegram HTML as a terminal shows it."""
    return html.unescape(_TAG.sub("", text))


DEFAULT_FILES_DIR = Path("data") / "chat-files"
BUTTON_PREFIX = "#"


class TerminalChat:
    """Prints what the bot sends; an edit is printed only when the text changed.

    The fake Bot API calls `show` for new messages and for edits alike. Telegram
    shows an edit in place, so reprinting a message whose buttons were merely
    removed would look like a duplicate: that edit only retires its choices.
    Pictures and documents are written to `files_dir` and their paths printed.
    """

    def __init__(self, files_dir: Path | None = None) -> None:
        self.choices: list[tuple[SentMessage, str]] = []
        self._shown: dict[tuple[int, int], tuple[str, list[tuple[str, str]]]] = {}
        self.files_dir = files_dir or DEFAULT_FILES_DIR
        self.saved: list[Path] = []

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
            path = self._save(message, message.document[0], message.document[1])
            body += f"\n[file saved: {path} ({len(message.document[1])} bytes)]"
        if message.photo is not None:
            path = self._save(message, "photo.png", message.photo)
            body += f"\n[picture saved: {path} ({len(message.photo)} bytes)]"
        if body:
            print(f"\nbot> {to_plain(body)}")
        if buttons:
            self._offer(message, buttons)

    def _offer(self, message: SentMessage, buttons: list[tuple[str, str]]) -> None:
        self.choices = [(message, data) for _, data in buttons]
        for number, (label, _) in enumerate(buttons, start=1):
            print(f"   [{BUTTON_PREFIX}{number}] {label}")

    def _save(self, message: SentMessage, name: str, content: bytes) -> Path:
        """Write a picture or file under files_dir, named after the message so none is overwritten."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = (self.files_dir / f"{message.message_id:04d}-{Path(name).name}").resolve()
        path.write_bytes(content)
        self.saved.append(path)
        return path

    def button_for(self, line: str) -> tuple[SentMessage, str] | None:
        """ "#2" presses the second button shown last; anything else (a plain "7") is text."""
        text = line.strip()
        if not text.startswith(BUTTON_PREFIX) or not text[1:].strip().isdigit():
            return None
        number = int(text[1:])
        if 1 <= number <= len(self.choices):
            return self.choices[number - 1]
        return None


def run_chat(database_url: str | None = None, files_dir: Path | None = None) -> int:
    try:
        asyncio.run(_chat(database_url, files_dir))
    except (KeyboardInterrupt, EOFError):
        pass
    print("\nBye! Keep running strong.")
    return 0


async def _chat(database_url: str | None, files_dir: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'chat.db'}"
        settings = Settings(_env_file=None, database_url=url)
        terminal = TerminalChat(files_dir)
        print(
            "StrideCoach chat: type as you would in Telegram (/start to begin, Ctrl-D to quit).\n"
            f"Press a button with its number after {BUTTON_PREFIX} (e.g. {BUTTON_PREFIX}2); pictures and "
            f"files go to {terminal.files_dir.resolve()}. Reminders fire at their real time."
        )
        async with chat_application(settings, terminal) as (application, fake):
            await _loop(application, fake, terminal)


@asynccontextmanager
async def chat_application(
    settings: Settings,
    terminal: TerminalChat,
    clock: Callable[[], datetime] | None = None,
    *,
    telegram_clock: Clock | None = None,
) -> AsyncIterator[tuple[Any, FakeTelegram]]:
    """The Application started as `stridecoach run` starts it (post_init: commands, the
    reminder tick, session timers and sweep), talking to a fake Bot API that prints.

    `telegram_clock`: the fake's latency and the bot's flood budgets run on it (real time
    unless given; tests pass a virtual one so a dozen replies do not wait a second each).
    """
    fake = FakeTelegram()
    fake.on_message = terminal.show
    if telegram_clock is not None:
        fake.clock = telegram_clock
    services = build_services(settings, clock=clock) if clock is not None else build_services(settings)
    application = build_application(services, request=FakeRequest(fake), telegram_clock=telegram_clock)
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            yield application, fake
        finally:
            await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def _loop(application, fake: FakeTelegram, terminal: TerminalChat) -> None:
    while True:
        line = (await asyncio.to_thread(input, "\nyou> ")).strip()
        await application.process_update(Update.de_json(chat_payload(fake, terminal, line), application.bot))


def chat_payload(fake: FakeTelegram, terminal: TerminalChat, line: str) -> dict[str, Any]:
    """The update a typed line makes: a button press for "#2", else a text message."""
    button = terminal.button_for(line)
    if button is not None:
        message, data = button
        return fake.make_callback_update(CHAT_USER_ID, message, data)
    return fake.make_text_update(CHAT_USER_ID, line)
