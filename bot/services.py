"""What every handler needs, built once at start-up and reached through the context.

`context.services` (see `BotContext`) replaces loose `bot_data["..."]` keys: one
typed object holding the settings, the database, the loaded content, the
understanding step and the clock. The clock is injectable so that tests never sleep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Generic, NoReturn, TypeVar

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from stridecoach.bot.settings import Settings
from stridecoach.content.model import Library
from stridecoach.content.understanding import Understander, Understanding
from stridecoach.storage.db import Database

Clock = Callable[[], datetime]
# A feature that may take a text message before the understanding step sees it;
# True when it did.
TextClaimer = Callable[[Update, "BotContext", str], Awaitable[bool]]
# A command in words ("pause my reminders") gets the understanding result (a Command
# or SmallTalk). What it returns (e.g. the message sent) is ignored.
IntentHandler = Callable[[Update, "BotContext", Understanding], Awaitable[object]]


@dataclass(frozen=True)
class Routes:
    """Where text goes, as the composition root (bot/app.py) wrote it down.

    Handlers that hand text on (the router, the session, the /schedule dialogue)
    read these tables through `context.routes` rather than importing bot/app.py,
    which imports them.
    """

    text_claimers: tuple[TextClaimer, ...]
    intents: Mapping[str, IntentHandler]


K = TypeVar("K")
V = TypeVar("V")

KNOWN_RUNNERS_KEPT = 20_000
# Chats whose `context.chat_data` is kept (the last topic answered, for follow-ups): about
# 230 bytes each, so at most 2.3 MB, whatever the number of runners ever seen. A follow-up
# comes within minutes; 10,000 other chats writing in between is far beyond this bot's peak.
CHAT_DATA_KEPT = 10_000


class _Recent(Generic[K, V]):
    """A dict that forgets the entries used least recently beyond `limit` (its insertion
    order is the order of use: an entry used again moves to the end)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: dict[K, V] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def _use(self, key: K, make: Callable[[], V]) -> V:
        """The entry for `key` (made the first time), now the most recently used."""
        value = self._items.pop(key) if key in self._items else make()
        self._items[key] = value
        if len(self._items) > self.limit:
            del self._items[next(iter(self._items))]
        return value

    def discard(self, key: K) -> None:
        self._items.pop(key, None)


class RecentIds(_Recent[int, None]):
    """A set of ids that forgets the least recently added ones beyond `limit`."""

    def add(self, item: int) -> None:
        self._use(item, lambda: None)


class RecentChatData(_Recent[int, dict[Any, Any]]):
    """`context.chat_data` for the `limit` chats whose data was used most recently
    (every free-text message uses it); `discard` drops a chat's (/forget).

    PTB keeps a dict per chat in `Application.chat_data` for the life of the process,
    created the first time a handler reads `context.chat_data` (the router reads the
    last topic for every free-text message): one per runner ever seen. Its way to forget
    one, `Application.drop_chat_data`, notes the id for a persistence we do not use, in a
    set nothing empties. So `BotContext.chat_data` comes from here instead, and beyond
    `limit` the chat whose data was used least recently is forgotten.
    """

    def of(self, chat_id: int) -> dict[Any, Any]:
        """The chat's data (new and empty the first time); the chat is now the most recent."""
        return self._use(chat_id, dict)


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    db: Database
    library: Library
    understander: Understander
    clock: Clock = system_clock
    # Runner ids whose row is known to exist: skips a write on every update.
    # A cache only, of the most recent runners (memory must not grow with every
    # runner ever seen); /forget removes the id together with the row.
    known_runners: RecentIds = field(default_factory=lambda: RecentIds(KNOWN_RUNNERS_KEPT))
    # What handlers keep per chat in memory (`context.chat_data`), for the most recent chats.
    chat_data: RecentChatData = field(default_factory=lambda: RecentChatData(CHAT_DATA_KEPT))
    # Per-feature scratch space that must not be persisted (e.g. the flood guard's counters).
    extras: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with a typed `services` property."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def routes(self) -> Routes:
        return self.application.bot_data["routes"]

    @property
    def chat_data(self) -> dict[Any, Any] | None:
        """The chat's data, kept for the most recent chats only (`RecentChatData`).

        The same dict for every update of a chat, as PTB's, while the chat stays among the
        `CHAT_DATA_KEPT` used most recently; PTB's own `Application.chat_data` stays empty.
        """
        chat_id = self._chat_id  # set by PTB from the update's chat (or a job's chat_id)
        return self.services.chat_data.of(chat_id) if chat_id is not None else None

    @chat_data.setter
    def chat_data(self, _: object) -> NoReturn:
        raise AttributeError("chat_data cannot be replaced; change the dict it holds")


BotApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
