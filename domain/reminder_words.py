"""Reminders in the runner's words: "pause for a week", "remind me Tuesdays and Thursdays at 7am".

Plain Python, no Telegram, no clock: a handler calls these with the message
text (and the runner's local date where a date is needed) and acts on the
result. Durations, weekdays and times are parsed here; the days and the time
of day reuse ``stridecoach.content.understanding.timeparse``.

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

from stridecoach.content.understanding.timeparse import parse_days, parse_time_of_day

MAX_PAUSE_DAYS = 56
QUIET_START = time(22, 0)
QUIET_END = time(7, 0)

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "couple": 2, "a couple": 2, "a couple of": 2, "few": 3,
    "a few": 3,
}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "fortnight": 14,
              "month": 30, "months": 30, "year": 365, "years": 365}

_PAUSE_VERB = re.compile(
    r"^(?:please\s+)?(?:can you\s+|could you\s+)?"
    r"(?:pause|mute|hold|stop|silence|suspend|snooze|no)\b"
    r"(?:\s+(?:my|the|all))?(?:\s+(?:reminders?|notifications?|messages?|pings?))?"
    r"(?:\s+(?:for|until|till|til|to|through))?\s+(?P<rest>.+)$"
)
_DURATION = re.compile(
    r"^(?:for\s+)?(?:the\s+)?(?:next\s+)?(?P<count>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|a couple(?: of)?|couple(?: of)?|a few|few)?\s*(?P<unit>days?|weeks?|wks?|fortnight|months?|years?)$"
)
_UNTIL = re.compile(r"^(?:(?:until|till|til|to|through)\s+)?(?:next\s+|this\s+)?(?P<day>[a-z]+)$")


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


def parse_pause(text: str, today: date) -> PauseUntil | PauseRefused | None:
    """ "pause for a week", "pause my reminders until Monday", "no reminders for 3 days".

    Args:
        text: The message.
        today: The runner's local date.

    Returns:
        ``PauseUntil`` with the local date reminders resume; ``PauseRefused``
        for a pause that names a length the bot will not take (over
        MAX_PAUSE_DAYS, zero, a date in the past); ``None`` when the text is
        not a timed pause at all (plain "pause" is the handler's business).
    """
    match = _PAUSE_VERB.match(_clean(text))
    if match is None:
        return None
    rest = match["rest"].strip()
    rest = re.sub(r"^(?:reminders?|them|it)\s+", "", rest)
    duration = _DURATION.match(rest)
    if duration is not None:
        count_word = (duration["count"] or "a").strip()
        count = int(count_word) if count_word.isdigit() else _NUMBER_WORDS.get(count_word, 1)
        return pause_for(today, typed=rest, days=count * _UNIT_DAYS[duration["unit"]])
    until = _UNTIL.match(rest)
    if until is not None:
        word = until["day"]
        if word == "tomorrow":
            return pause_for(today, typed=rest, days=1)
        if word in _WEEKDAYS:
            return pause_for(today, typed=rest, until_weekday=_WEEKDAYS[word])
    return None


def pause_for(
    today: date, *, typed: str, days: int | None = None, until_weekday: int | None = None
) -> PauseUntil | PauseRefused:
    """The pause a length or an end day asks for, within the bot's limits.

    Args:
        today: The runner's local date.
        typed: What the runner wrote, for the refusal's wording.
        days: "for a week" -> 7.
        until_weekday: "until Monday" -> 0: the next such day (a week today when it is today).
    """
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
