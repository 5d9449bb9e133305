"""The values a command carries: days and a time to be reminded, how long to pause.

The learned models decide *what* a message asks for (the intent); this module reads
the values out of it once the intent is known, wherever they sit in the sentence:
"could you ping me on tuesdays and thursdays, say 7am" and "remind me tue/thu at
7:00" give the same days and time. Dates, times and durations have a grammar, so
they are parsed, not learned (as dialogue systems pair a classifier with a parser
such as Duckling); the grammar of a time and of a list of days is
``content.understanding.timeparse``, shared with the /schedule dialogue.

Nothing here checks limits (a pause of a year): the handler does, with the runner's
local date and its own wording.
"""

from __future__ import annotations

import re
from datetime import time

from stridecoach.content.understanding.results import PauseSlots, ScheduleSlots
from stridecoach.content.understanding.timeparse import DAY_NAMES, day_name_typo, parse_days, parse_time_of_day

__all__ = ["pause_slots", "schedule_slots", "value_marks"]

_GROUPS = r"every\s*day|daily|each day|(?:week|wk)\s*days?|work(?:ing)?\s*days|week\s*ends?"
_DAY_TOKEN = r"(?:" + "|".join(sorted(map(re.escape, DAY_NAMES), key=len, reverse=True)) + "|" + _GROUPS + r")"
# From the first day word to the last, with the joins a list or a range uses between them.
# Each repetition of the join consumes one character or one whole word, and no two
# alternatives can match the same text, so a long run of joins costs linear time
# (an earlier `\s*(?:...)\s*` form backtracked exponentially on "mon , , , ... x").
_JOIN = r"(?:[\s,/&+\-–]|\b(?:and|or|to|through|thru|till|until|except|for|but|not|on)\b)+"
_DAY_SPAN = re.compile(rf"\b{_DAY_TOKEN}\b(?:{_JOIN}{_DAY_TOKEN}\b)*")
# Words ending in "day(s)" that may be a misspelt day name ("thrusday"): day_name_typo decides.
_DAY_TYPO = re.compile(r"\b[a-z]{4,}days?\b")
_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_HOUR = rf"(?:\d{{1,2}}(?!\d)|(?:{_NUMBER_WORDS})\b)"
_PERIOD_WORDS = r"in (?:the )?(?:morning|afternoon|evening|arvo)|at night|tonight"
_PERIOD = rf"(?:am|pm|a\.m\.|p\.m\.|o'?clock(?:\s+(?:{_PERIOD_WORDS}))?|{_PERIOD_WORDS})"
# "past"/"to" with minutes in digits or words: "5 past 6", "twenty past five", "ten to 7".
_MINUTES = r"(?:half|quarter|\d{1,2}|five|ten|twenty(?:[- ]?five)?)"
# The part of the day said away from the clock ("friday evenings at 7"): a time without
# am/pm of its own takes it. Not "night shift": a nurse on nights may mean the morning.
_DAY_PART = re.compile(r"\b(?:(?P<am>mornings?)|afternoons?|arvos?|evenings?|tonight|nights?(?! ?shifts?))\b")
# A candidate time: an optional lead ("at 7"), the clock, an optional period ("in the evening").
_TIME = re.compile(
    rf"(?P<lead>\b(?:at|@|around|about|by)\s+)?"
    rf"(?P<clock>\b(?:{_MINUTES}\s+(?:past|after|to|before)|half)\s+{_HOUR}"
    rf"|\b\d{{1,2}}[:.h]\d{{2}}(?!\d)|\b(?:[01]\d|2[0-3])[0-5]\d\b|\b{_HOUR}|\bnoon\b|\bmidday\b|\bmidnight\b)"
    rf"(?P<period>\s*{_PERIOD})?"
    r"(?!\s*(?:min|sec|hour|hr|rep|set|day|week|kg|kilo|lb|pound|x\b|times))"
)


def _is_time(match: re.Match[str]) -> bool:
    """A number is a time only with a mark of one: a lead, a period, minutes, or a name."""
    clock = match["clock"]
    marked = match["lead"] or match["period"] or not clock.isalpha() and not clock.isdigit()
    return bool(marked or len(clock) == 4 or clock in ("noon", "midday", "midnight"))


_COUNT = {w: i for i, w in enumerate(_NUMBER_WORDS.split("|"), start=1)} | {
    "a": 1, "an": 1, "a couple of": 2, "couple of": 2, "a couple": 2, "a few": 3, "few": 3,
}
# The one grammar of a pause's length, used by the understanding step ("mute them a couple
# of weeks, on holiday") and by the "pause ..." words a handler claims first. Years are
# read so that "for 2 years" is refused as too long rather than taken as a plain pause.
_COUNT_WORD = r"\d{1,9}|a couple of|couple of|a couple|a few|few|an?|" + _NUMBER_WORDS
_UNIT = r"days?|nights?|weeks?|wks?|fortnights?|months?|years?|yrs?"
_UNIT_DAYS = {"day": 1, "night": 1, "week": 7, "wk": 7, "fortnight": 14, "month": 30, "year": 365, "yr": 365}
# "mute me for 48 hours": whole days, rounded up. Read only once the intent is a pause:
# as a mark for the models, "I sit 8 hours a day" would look like a pause's length.
_HOURS = re.compile(r"\b(?P<count>\d{1,3})\s*(?:hours?|hrs?)\b")
_DURATION = re.compile(rf"\b(?P<count>{_COUNT_WORD})\s+(?P<unit>{_UNIT})\b")
_END_DAY = "tomorrow|" + "|".join(sorted(map(re.escape, DAY_NAMES), key=len, reverse=True))
_UNTIL_WORD = r"until|till|til|'til|untill|to|through"
_UNTIL = re.compile(
    rf"\b(?:{_UNTIL_WORD}|before|back on|from)\s+(?:next\s+|this\s+|the\s+)?(?P<day>{_END_DAY})\b"
)
# The same, as the whole of a message's rest ("for the next 3 days", "till next monday"):
# the count may be left out ("for a fortnight", "for week").
_WHOLE_DURATION = re.compile(rf"(?:for\s+)?(?:the\s+)?(?:next\s+)?(?:(?P<count>{_COUNT_WORD})\s+)?(?P<unit>{_UNIT})")
_WHOLE_UNTIL = re.compile(rf"(?:(?:{_UNTIL_WORD})\s+)?(?:next\s+|this\s+)?(?P<day>{_END_DAY})")


def _clean(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def schedule_slots(text: str) -> ScheduleSlots:
    """The days and the time named anywhere in ``text`` (either may be missing)."""
    s = _DAY_TYPO.sub(lambda m: day_name_typo(m[0]) or m[0], _clean(text))
    at = None
    for match in _TIME.finditer(s):
        if not _is_time(match):
            continue
        at = parse_time_of_day(re.sub(r"\bin (?!the )", "in the ", match[0]))
        if at is not None:
            if not match["period"] and re.fullmatch(r"\D*\d{1,2}(?:[:.]\d{2})?", match["clock"]):
                at = _in_part_of_day(at, s)
            s = s[: match.start()] + " " + s[match.end():]  # "at 7" is not a day list's "7"
            break
    days: frozenset[int] | None = None
    spans = [m[0] for m in _DAY_SPAN.finditer(s)]
    if spans:
        parsed = [parse_days(span) for span in spans]
        found = [d for d in parsed if d]
        days = frozenset().union(*found) if found else None
    return ScheduleSlots(days, at)


def _in_part_of_day(at: time, text: str) -> time:
    """A 12-hour clock time moved into the afternoon or evening the text names elsewhere."""
    part = _DAY_PART.search(text)
    if part is None or part["am"] or not 1 <= at.hour <= 11:
        return at
    return at.replace(hour=at.hour + 12)


def pause_slots(text: str, *, whole: bool = False, hours: bool = True) -> PauseSlots:
    """How long a pause lasts: a duration ("for a week") or the day it ends ("until Monday").

    With ``whole`` the text must be nothing but that ("for 3 days", "till next monday"):
    the "pause ..." words claimed before the understanding step, where "no, I did it for
    2 weeks" must not pause anything. ``hours`` reads "48 hours" as 2 days (not for the
    models' marks, see ``_HOURS``).
    """
    s = _clean(text)
    duration = _WHOLE_DURATION.fullmatch(s) if whole else _DURATION.search(s)
    if duration is not None:
        count_word = duration["count"] or "a"
        count = int(count_word) if count_word.isdigit() else _COUNT[count_word]
        return PauseSlots(days=count * _UNIT_DAYS[duration["unit"].rstrip("s")])
    if hours and not whole and (in_hours := _HOURS.search(s)):
        return PauseSlots(days=max(1, -(-int(in_hours["count"]) // 24)))
    if not whole and "fortnight" in s:
        return PauseSlots(days=14)
    until = _WHOLE_UNTIL.fullmatch(s) if whole else _UNTIL.search(s)
    if until is None:
        return PauseSlots()
    if until["day"] == "tomorrow":
        return PauseSlots(days=1)
    return PauseSlots(until_weekday=DAY_NAMES[until["day"]])


# Marks the models read beside the words: a message that names days, a time of day or a
# pause's length says so to the classifier in one feature each, whatever the wording
# ("wed sat 1730", "fri only, 6.30am", "till next tuesday"). The grammar finds the
# values; the fitted models learn from the examples what they mean (a schedule, a
# pause, or a story that happens to mention Monday). Single symbols: no character
# n-gram of a real word is shared with them.
DAYS_MARK, TIME_MARK, LENGTH_MARK = "§d", "§t", "§l"


# What every value above is built on: a digit, a day's name, a number word, or a word
# with "day", "week", "night"... in it. About two thirds of the sentences of runners'
# stories have none, and this one search costs a fifth of running the grammars on them
# (value_marks reads every sentence of every message). tests/test_slots.py checks that
# the grammars find nothing in a text without one.
MAY_NAME_A_VALUE = re.compile(
    r"[0-9]|day|daily|week|wk|night|month|year|yr|tomorrow|noon"
    rf"|\b(?:{_NUMBER_WORDS}|mon|tues?|weds?|thu|thurs?|fri|sat|sun)\b"
)


def value_marks(text: str) -> list[str]:
    """The value marks of ``text``: days, a time of day, a pause's length (each at most once)."""
    if not MAY_NAME_A_VALUE.search(text.lower()):
        return []
    named = schedule_slots(text)
    marks = [DAYS_MARK] if named.days else []
    if named.at is not None:
        marks.append(TIME_MARK)
    if pause_slots(text, hours=False).named:
        marks.append(LENGTH_MARK)
    return marks
