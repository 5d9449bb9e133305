"""Reminders in the runner's words: "pause for a week", "remind me Tuesdays and Thursdays at 7am".

Plain Python, no Telegram, no clock: a handler calls these with the message
text (and the runner's local date where a date is needed) and acts on the
result. The grammar of a pause's length is ``content.understanding.slots.pause_slots``
and that of days and a time ``content.understanding.timeparse``, shared with the
understanding step; this module adds the "pause ..." and "remind me ..." frames and
the bot's limits.

Decisions (docs/reminders.md):

* A pause lasts at most ``MAX_PAUSE_DAYS`` (8 weeks, the bot's choice): long
  enough for a holiday or an injury break, short enough that "pause for 400
  days" is asked again rather than silently forgetting the runner.
* "until Monday" means reminders start again on the next Monday (today being
  Monday: a week today). "for a week" means they start again 7 days from today.
* Quiet hours (``QUIET_START``-``QUIET_END``, 22:00-07:00 local, the bot's
  choice) only stop *late* reminders (owed while the bot was down): a reminder
  on time at the hour the runner chose always goes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from stridecoach.content.understanding.results import PauseSlots
from stridecoach.content.understanding.slots import pause_slots
from stridecoach.content.understanding.timeparse import parse_days, parse_time_of_day

MAX_PAUSE_DAYS = 56
QUIET_START = time(22, 0)
QUIET_END = time(7, 0)

_PAUSE_VERB = re.compile(
    r"^(?:please\s+)?(?:can you\s+|could you\s+)?"
    r"(?:pause|mute|hold|stop|silence|suspend|snooze|no)\b"
    r"(?:\s+(?:my|the|all))?(?:\s+(?:reminders?|notifications?|messages?|pings?))?"
    r"(?:\s+(?:for|until|till|til|to|through))?\s+(?P<rest>.+)$"
)

@dataclass(frozen=True)
class PauseUntil:
    """Pause reminders; they start again by themselves on ``resume_on`` (a local date)."""

    resume_on: date
    days: int


PauseProblem = Literal["too_long", "too_short", "unclear"]


@dataclass(frozen=True)
class PauseRefused:
    """A pause the bot will not set ("pause for 400 days"): say why and keep the schedule."""

    problem: PauseProblem
    typed: str


@dataclass(frozen=True)
class RemindAt:
    """ "Remind me Tuesdays and Thursdays at 7am": days (Monday=0) and a local time."""

    days: frozenset[int]
    at: time


RemindProblem = Literal["bad_time", "no_days", "no_time"]


@dataclass(frozen=True)
class RemindRefused:
    """A "remind me" whose days or time could not be read; nothing is changed."""

    problem: RemindProblem
    typed: str
    days: frozenset[int] | None = None
    at: time | None = None


def _clean(text: str) -> str:
    cleaned = text.lower().replace("’", "'").strip()
    cleaned = re.sub(r"[!?.,]+$", "", cleaned)
    cleaned = re.sub(r"\s+(?:please|pls|thanks|thank you)$", "", cleaned)
    return " ".join(cleaned.split())


@dataclass(frozen=True)
class PauseWords:
    """ "pause for a week": the length or end day named, and the words that named it."""

    slots: PauseSlots
    typed: str


def pause_words(text: str) -> PauseWords | None:
    """ "pause for a week", "pause my reminders until Monday", "no reminders for 3 days".

    Returns ``None`` when the text is not a timed pause at all (plain "pause" is the
    handler's business; "no, I did it for 2 weeks" is not a pause).
    """
    match = _PAUSE_VERB.match(_clean(text))
    if match is None:
        return None
    rest = match["rest"].strip()
    rest = re.sub(r"^(?:reminders?|them|it)\s+", "", rest)
    named = pause_slots(rest, whole=True)
    return PauseWords(named, rest) if named.named else None


def pause_for(today: date, *, typed: str, named: PauseSlots) -> PauseUntil | PauseRefused:
    """The pause a length or an end day asks for, within the bot's limits.

    Args:
        today: The runner's local date.
        typed: What the runner wrote, for the refusal's wording.
        named: "for a week" (days 7) or "until Monday" (the next such day; a week today
            when it is today).
    """
    days, until_weekday = named.days, named.until_weekday
    if until_weekday is not None:
        days = (until_weekday - today.weekday()) % 7 or 7
    if days is None or days <= 0:
        return PauseRefused("too_short", typed)
    if days > MAX_PAUSE_DAYS:
        return PauseRefused("too_long", typed)
    return PauseUntil(today + timedelta(days=days), days)


_REMIND = re.compile(r"^(?:please\s+)?(?:can you\s+|could you\s+)?remind\s+me\s+(?P<rest>.+)$")
_TIME_PART = re.compile(
    r"\b(?:at|@|around|by)\s+(?P<time>[0-9][0-9:.h]*\s*(?:am|pm|a\.m\.|p\.m\.)?(?:-ish)?|noon|midnight)\s*$"
)
_TO_TRAIN = re.compile(r"\b(?:to\s+(?:train|run|work out|workout|exercise|do (?:my|the) \w+))\b")


def parse_remind_request(text: str) -> RemindAt | RemindRefused | None:
    """ "remind me Tuesdays and Thursdays at 7am" → days and time in one go.

    Returns ``None`` when the text does not start with "remind me" or names
    neither a day nor a time (a question for the matcher).
    """
    match = _REMIND.match(_clean(text))
    if match is None:
        return None
    rest = _TO_TRAIN.sub(" ", match["rest"])
    rest = " ".join(rest.split())
    time_match = _TIME_PART.search(rest)
    at: time | None = None
    days_text = rest
    if time_match is not None:
        at = parse_time_of_day(time_match["time"])
        days_text = rest[: time_match.start()].strip()
        if at is None:
            return RemindRefused("bad_time", time_match["time"], days=_days(days_text))
    days = _days(days_text)
    if at is None and days is None:
        return None
    return remind_for(days, at, typed_days=days_text, typed=rest)


def remind_for(
    days: frozenset[int] | None, at: time | None, *, typed_days: str, typed: str
) -> RemindAt | RemindRefused:
    """Days and a time named together, or what is missing (``typed_days``/``typed`` for the wording)."""
    if days is None:
        return RemindRefused("no_days", typed_days, at=at)
    if at is None:
        return RemindRefused("no_time", typed, days=days)
    return RemindAt(days, at)


def _days(text: str) -> frozenset[int] | None:
    cleaned = re.sub(r"^(?:on|every|each)\s+", "", text.strip())
    cleaned = re.sub(r"\b(?:every|each|on)\b", " ", cleaned)
    if not cleaned.strip():
        return None
    days = parse_days(cleaned)
    return frozenset(days) if days else None


def in_quiet_hours(local: datetime | time, *, start: time = QUIET_START, end: time = QUIET_END) -> bool:
    """Whether a local wall-clock time falls in the night (start inclusive, end exclusive)."""
    moment = local.time() if isinstance(local, datetime) else local
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end
