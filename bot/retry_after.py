"""How long Telegram asked us to wait after a 429 (RetryAfter), in seconds: one place."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for.

    PTB 22 keeps it as a timedelta in ``_retry_after``; the public ``retry_after``
    is an int or a timedelta depending on an environment flag and warns that its
    type will change, so the private value is read when it is there.
    """
    value: Any = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
