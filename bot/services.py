"""What every handler needs, built once at start-up and reached through the context.

`context.services` (see `BotContext`) replaces loose `bot_data["..."]` keys: one
typed object holding the settings, the database, the loaded content, the
understanding step and the clock. The clock is injectable so that tests never sleep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

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


KNOWN_RUNNERS_KEPT = 20_000


class RecentIds:
    """A set of ids that forgets the least recently added ones beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._ids: dict[int, None] = {}

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, item: int) -> None:
        self._ids.pop(item, None)
        self._ids[item] = None
        if len(self._ids) > self.limit:
            del self._ids[next(iter(self._ids))]

    def discard(self, item: int) -> None:
        self._ids.pop(item, None)


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


BotApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
