"""How updates reach the Application (long polling or a webhook server), and the retry
loop that start-up and both receivers share. Kept apart from ``serve`` so that the
receivers and the lifecycle that starts them do not import each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from stridecoach.bot.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
MAX_RETRY_DELAY_SECONDS = 30.0


class Receiver(Protocol):
    """How updates reach the Application: long polling or a webhook server."""

    name: str
    running: bool

    async def start(self, application: AnyApplication) -> None: ...

    async def stop(self, application: AnyApplication) -> None: ...

    def serves_health_on(self, port: int) -> bool: ...


async def retrying(action: Callable[[], Awaitable[Any]], what: str) -> None:
    """Retry network errors, timeouts, 5xx and 429 with a log line each; anything else raises.

    A rejected token (InvalidToken) or a 400 will not get better by waiting.
    """
    delay = 1.0
    while True:
        try:
            await action()
            return
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
        except InvalidToken:
            raise
        except NetworkError as exc:  # includes TimedOut and HTTP 5xx
            wait, delay = delay, min(MAX_RETRY_DELAY_SECONDS, delay * 2)
            log.warning("could not %s: %s: %s; retrying in %.0fs", what, type(exc).__name__, exc, wait)
            await asyncio.sleep(wait)
            continue
        log.warning("could not %s: flood control; retrying in %.0fs", what, wait)
        await asyncio.sleep(wait)
