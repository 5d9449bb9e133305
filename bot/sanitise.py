"""Text that Telegram will accept: no lone surrogates.

A runner's message can carry a lone UTF-16 surrogate (a half emoji from a broken
client); echoed back, it cannot be encoded as UTF-8 and the whole send fails.
Every outgoing request's text fields pass through `clean_request` (called by the
rate limiter, which sees every Bot API call), which replaces such characters.
"""

from __future__ import annotations

from typing import Any

TEXT_FIELDS = ("text", "caption", "question", "title", "description")


def clean_text(text: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Through UTF-16: a valid pair becomes its character, a lone half becomes U+FFFD.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def clean_request(data: dict[str, Any]) -> None:
    """Clean the text fields of one Bot API request in place."""
    for key in TEXT_FIELDS:
        value = data.get(key)
        if isinstance(value, str):
            data[key] = clean_text(value)
