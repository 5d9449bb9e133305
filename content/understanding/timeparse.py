"""Parse what a runner types for a reminder time ("7:30pm") and training days ("mon wed fri").

Decisions (see docs/schedule.md):

* A bare number is the 24-hour clock: "7" is 07:00, "19" is 19:00. The bot echoes the
  parsed time back, so a runner who meant 7pm can correct it.
* "24:00" is rejected: it would be 00:00 of the *next* day, i.e. a reminder on a day
  the runner did not pick. "midnight" means 00:00 at the start of the day.
* With am/pm the hour must be 1..12 ("13pm", "0am" are rejected); "12am" is 00:00.
* Separated minutes need two digits ("7:5" and "7.5" are rejected as ambiguous).
"""

from __future__ import annotations

import re
from datetime import time

from rapidfuzz import process
from rapidfuzz.distance import OSA

__all__ = ["DAY_NAMES", "mentions_days", "parse_days", "parse_time_of_day"]

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

# Words around a time that carry no meaning: "around 7pm", "7pm-ish", "at 7 o'clock".
_FILLER_RE = re.compile(
    r"\b(?:around|about|approx(?:imately)?|roughly|at|ca|by|maybe|like|o'?clock)\b|-?ish\b|~"
)

# Trailing period words, mapped to am/pm. "morning" is am; the rest are pm.
_PERIODS = {
    "am": "am", "a.m.": "am", "a.m": "am", "in the morning": "am", "morning": "am",
    "pm": "pm", "p.m.": "pm", "p.m": "pm", "in the afternoon": "pm", "afternoon": "pm",
    "in the evening": "pm", "evening": "pm", "night": "pm", "tonight": "pm",
    "in the arvo": "pm", "arvo": "pm",  # Australian: the afternoon
}  # fmt: skip
# Minutes said as words before "past" or "to": "twenty past five", "five to seven".
_MINUTE_WORDS = ((re.compile(r"\btwenty[- ]?five\b"), "25"), (re.compile(r"\btwenty\b"), "20"))
_PERIOD_RE = re.compile(
    r"\s*(" + "|".join(re.escape(p) for p in sorted(_PERIODS, key=len, reverse=True)) + r")$"
)

# "half past 6", "quarter past 6", "quarter to 7", "20 past 6", "half 6" (British: 6:30).
_PAST_TO_RE = re.compile(r"^(?:(half|quarter|\d{1,2})\s+(past|after|to|before)|(half))\s+(\d{1,2})$")

# 24-hour forms: "7", "07", "7:30", "7.30", "07:30:00", "19h30", "19h", "730", "1930".
_CLOCK_RE = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?::00)?|h(?P<hm>\d{2})?)?$"
    r"|^(?P<h4>\d{1,2})(?P<m4>\d{2})$"
)


def _apply_period(hour: int, minute: int, period: str | None) -> time | None:
    if period is None:
        return time(hour, minute) if 0 <= hour <= 23 and 0 <= minute <= 59 else None
    if not (1 <= hour <= 12 and 0 <= minute <= 59):
        return None
    if period == "am":
        return time(0 if hour == 12 else hour, minute)
    return time(12 if hour == 12 else hour + 12, minute)


def _clock(text: str) -> tuple[int, int] | None:
    m = _CLOCK_RE.match(text)
    if m is None:
        return None
    if m["h4"] is not None:  # "730" / "1930": the last two digits are minutes
        return int(m["h4"]), int(m["m4"])
    return int(m["h"]), int(m["m"] or m["hm"] or 0)


def _past_to(text: str) -> tuple[int, int] | None:
    m = _PAST_TO_RE.match(text)
    if m is None:
        return None
    if m[3]:  # "half 6" = 6:30
        return int(m[4]), 30
    amount = {"half": 30, "quarter": 15}.get(m[1]) or int(m[1])
    hour = int(m[4])
    if not 1 <= hour <= 12 or not 1 <= amount <= 30:
        return None
    if m[2] in ("past", "after"):
        return hour, amount
    return (hour - 2) % 12 + 1, 60 - amount  # "quarter to 1" -> 12:45


def parse_time_of_day(text: str) -> time | None:
    """Parse a reminder time of day.

    Accepts "7", "07:30", "7.30", "730", "19:00", "19h30", "7pm", "7 pm", "7:15pm",
    "7pm-ish", "around 7pm", "noon", "midnight", "half past 6", "quarter to 7",
    "6 in the morning", "seven pm", "twenty past five", "4 in the arvo".

    Args:
        text: What the runner typed.

    Returns:
        A naive ``datetime.time`` (whole minutes), or None if the text is not a valid
        time ("25:61", "24:00", "13pm", "", "soon").
    """
    s = text.strip().lower()
    s = _FILLER_RE.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip(" ,.!?")
    if s in ("noon", "midday", "12 noon"):
        return time(12, 0)
    if s in ("midnight", "12 midnight"):
        return time(0, 0)
    period = None
    if m := _PERIOD_RE.search(s):
        period = _PERIODS[m[1]]
        s = s[: m.start()].strip()
    for pattern, digits in _MINUTE_WORDS:
        s = pattern.sub(digits, s)
    s = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda w: str(_NUMBER_WORDS[w[1]]), s)
    parts = _clock(s) or _past_to(s)
    if parts is None:
        return None
    return _apply_period(*parts, period)


# ---------------------------------------------------------------------------- days

_DAY_WORDS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("monday", "mon", "mo"),
        ("tuesday", "tue", "tues", "tu"),
        ("wednesday", "wed", "weds", "we"),
        ("thursday", "thu", "thur", "thurs", "th"),
        ("friday", "fri", "fr"),
        ("saturday", "sat", "sa"),
        ("sunday", "sun", "su"),
    )
):
    _DAY_WORDS.update(dict.fromkeys(_names, _i))
    _DAY_WORDS[_names[0] + "s"] = _i  # "mondays"
_FULL_NAMES = {name: i for name, i in _DAY_WORDS.items() if name.endswith("day")}
# Day names safe to find inside other text: three letters or more ("we", "mo" are words too).
DAY_NAMES = {name: i for name, i in _DAY_WORDS.items() if len(name) >= 3}

_GROUPS = {
    "every day": frozenset(range(7)), "everyday": frozenset(range(7)), "daily": frozenset(range(7)),
    "each day": frozenset(range(7)), "all days": frozenset(range(7)), "all week": frozenset(range(7)),
    "7 days": frozenset(range(7)), "weekdays": frozenset(range(5)), "weekday": frozenset(range(5)),
    "wk days": frozenset(range(5)), "wkdays": frozenset(range(5)), "wkday": frozenset(range(5)),
    "workdays": frozenset(range(5)), "work days": frozenset(range(5)), "working days": frozenset(range(5)),
    "weekends": frozenset({5, 6}), "weekend": frozenset({5, 6}),
}  # fmt: skip
_GROUP_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _GROUPS), key=len, reverse=True)) + r")\b")
_FILLER_DAYS = frozenset({"and", "on", "every", "each", "the", "plus", "also", "only", "days", "day", "&", "+"})
_EXCEPT_RE = re.compile(r"\b(?:except(?: for| on)?|but not|excluding|apart from|other than|without)\b")
# Words around the days that carry no meaning: "I'd like reminders on sat and sun please".
# Removed before parsing, so a range still reads as one ("I'd like fri to mon" -> fri-mon).
# Never negations ("not", "don't", "can't") or range/except words: those change the days;
# never "we" (Wednesday, as in "mo we fr").
_POLITE_WORDS = (
    "i", "i'd", "id", "i'm", "im", "i'll", "would", "could", "can", "you", "like", "love",
    "want", "wanna", "prefer", "need", "please", "pls", "plz", "thanks", "thank", "thx", "ok", "okay",
    "sure", "yes", "just", "let's", "lets", "make", "it", "them", "reminders", "reminder", "remind", "me",
    "my", "in", "at", "for", "train", "training", "run", "workout", "workouts", "session", "sessions",
    "strength", "how", "about", "maybe", "hmm", "both", "set", "put",
)  # fmt: skip
_POLITE_RE = re.compile(
    r"\b(?:like|love|want|prefer|need|going|have) to\b"  # "like to train on ...": keep "fri to mon" ranges
    r"|(?<![\w'])(?:" + "|".join(map(re.escape, sorted(_POLITE_WORDS, key=len, reverse=True))) + r")(?![\w'])"
)
_RANGE_RE = re.compile(r"^([a-z]+)\s*(?:-|–|to|through|thru|till|until)\s*([a-z]+)$")


def _day(word: str) -> int | None:
    """One day word, with typo tolerance for full names ("wednsday", "thrusday")."""
    if word in _DAY_WORDS:
        return _DAY_WORDS[word]
    name = _nearest_full_name(word, 2) if len(word) >= 6 else None
    return None if name is None else _FULL_NAMES[name]


def _nearest_full_name(word: str, max_edits: int) -> str | None:
    """The full day name within ``max_edits`` edits (adjacent swaps count one) of ``word``."""
    hit = process.extractOne(word, _FULL_NAMES.keys(), scorer=OSA.distance, score_cutoff=max_edits)
    return None if hit is None else hit[0]


def day_name_typo(word: str) -> str | None:
    """The day a misspelt day name means ("thrusday" -> "thursday"), or None.

    Only words ending in "day(s)", at most one edit from a day's name when shorter than
    eight letters and two from eight on: "midday", "today" and "holiday" stay words.
    """
    if word in _DAY_WORDS or not word.rstrip("s").endswith("day") or len(word) < 6:
        return None
    stem = word[:-1] if word.endswith("s") else word
    return _nearest_full_name(stem, 1 if len(stem) < 8 else 2)


def _span(start: int, end: int) -> frozenset[int]:
    """Inclusive range in week order, wrapping: fri-mon -> Fri, Sat, Sun, Mon."""
    return frozenset((start + k) % 7 for k in range((end - start) % 7 + 1))


def _parse_list(text: str) -> frozenset[int] | None:
    days: set[int] = set()
    if "#" in text:
        return None
    # Groups become "#0 #1 ..." markers so they mix with names: "weekdays and sat".
    text = _GROUP_RE.sub(lambda m: " " + " ".join(f"#{d}" for d in sorted(_GROUPS[m[1]])) + " ", text)
    # Ranges like "mon-fri" / "monday to friday" are a chunk between separators.
    for chunk in re.split(r"[,/;&+]|\band\b", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if m := _RANGE_RE.match(chunk):
            start, end = _day(m[1]), _day(m[2])
            if start is not None and end is not None:
                days |= _span(start, end)
                continue
        for word in chunk.split():
            if re.fullmatch(r"#[0-6]", word):  # from a group above
                days.add(int(word[1]))
            elif (d := _day(word)) is not None:
                days.add(d)
            elif word not in _FILLER_DAYS:
                return None  # anything unknown: don't guess ("mon and soon")
    return frozenset(days)


def parse_days(text: str) -> frozenset[int] | None:
    """Parse training days, Monday=0..Sunday=6.

    Accepts names and abbreviations ("mon wed fri", "Tuesday, Thursday and Saturday",
    "tue/thu", "mo we fr"), groups ("weekdays", "weekends", "every day", "daily"),
    ranges ("mon-fri", "friday to monday"), exclusions ("every day except sunday")
    and small typos in full names ("wednsday"). Polite filler around the days is
    ignored ("I'd like reminders on sat and sun please").

    Args:
        text: What the runner typed.

    Returns:
        A non-empty frozenset of weekday numbers, or None if any word is not understood
        or no day remains.
    """
    s = text.strip().lower().replace("’", "'")
    s = re.sub(r"[.!?]+$", "", s)
    s = re.sub(r"(\w)\.(?=\s|,|/|$)", r"\1", s)  # "Mon., Wed." -> "Mon, Wed"
    s = _POLITE_RE.sub(" ", s).strip(" ,!")
    if not s:
        return None
    include, *excluded = _EXCEPT_RE.split(s, maxsplit=1)
    days = _parse_list(include)
    if days is None:
        return None
    if excluded:
        removed = _parse_list(excluded[0])
        if not removed:
            return None
        days -= removed
    return days or None


def mentions_days(text: str) -> bool:
    """Whether the text names a day or a group of days ("on sat or so", "weekends maybe").

    For telling "days I could not read" from other text (a question, a command) when
    :func:`parse_days` returns None. Two-letter forms ("we", "mo") do not count.
    """
    s = text.lower().replace("’", "'")
    if _GROUP_RE.search(s):
        return True
    return any(word in DAY_NAMES for word in re.findall(r"[a-z]+", s))
