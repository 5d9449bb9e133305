"""Guided-session events, logged loads, and the text → event parser.

Everything here is plain Python: no Telegram, no database, no clock. The
state machine (``stridecoach.domain.workout``) consumes these events; the Telegram shell
produces them from button presses, scheduled jobs and, through
:func:`parse_session_text`, from what the runner types.

Parser contract (see docs/sessions.md):

* It recognises only short, clear session commands ("done", "skip", "back",
  "where am I", "done 40 kg", "👍", ...).
* Everything else, including questions, long sentences and short nonsense,
  gives ``None``. There is deliberately no ``Unrecognised`` marker: the shell
  first offers unparsed text to the question matcher, and only if the matcher
  has nothing does it show the list of session commands. One fallback path is
  simpler than two.
* It never decides whether a load is acceptable; it reports what was typed.
  Bounds are checked by :func:`check_load`, called by the state machine, so
  the rule lives in one place.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeAlias

LoadUnit = Literal["kg", "lb", "plates"]

# Upper bounds for a logged load, inclusive. A barbell calf raise with 400 kg
# is already beyond almost any runner; anything above is a typo ("4000 kg") or
# a joke, and we would rather ask again than store it. 880 lb ≈ 400 kg.
# "Plates" are whatever the runner calls a plate; 40 of them is not a set.
MAX_LOAD_KG = 400.0
MAX_LOAD_LB = 880.0
MAX_LOAD_PLATES = 40.0
MAX_LOAD: dict[LoadUnit, float] = {"kg": MAX_LOAD_KG, "lb": MAX_LOAD_LB, "plates": MAX_LOAD_PLATES}
# Zero is allowed (a runner may log a bodyweight set as "0 kg"); below is not.
MIN_LOAD = 0.0

# Commands are short. Anything with more words than this is treated as chat or
# a question, never as a command (e.g. "done with my run yesterday, how do I…").
MAX_COMMAND_WORDS = 6


@dataclass(frozen=True)
class Load:
    """A load the runner logged with a set, e.g. 40 kg or 2 plates."""

    amount: float
    unit: LoadUnit


RefusalReason = Literal["negative", "too_heavy", "unclear"]


def check_load(load: Load) -> RefusalReason | None:
    """Say why a load cannot be logged, or ``None`` when it is fine.

    Args:
        load: The load as typed (the parser does no range checks).

    Returns:
        ``"negative"`` below :data:`MIN_LOAD`, ``"too_heavy"`` above the
        unit's bound in :data:`MAX_LOAD`, ``"unclear"`` for NaN/infinity or an
        unknown unit (only possible when a caller builds a ``Load`` by hand),
        else ``None``.
    """
    if load.unit not in MAX_LOAD or not math.isfinite(load.amount):
        return "unclear"
    if load.amount < MIN_LOAD:
        return "negative"
    if load.amount > MAX_LOAD[load.unit]:
        return "too_heavy"
    return None


# --- events -----------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Begin a guided session of a routine (from /session or its buttons)."""

    routine_id: str


@dataclass(frozen=True)
class Done:
    """The current set is done, optionally with a load.

    Attributes:
        load: The parsed load, if the runner gave one with a known unit.
        unparsed_load: What followed "done" when it looked like a load but had
            no or an unknown unit ("done 40", "done 3 stone"). On a loggable
            set the machine asks again; on any other set it is ignored.
    """

    load: Load | None = None
    unparsed_load: str | None = None


# Why a set was skipped, when the runner says ("skip, too hard"). Stored with
# the skipped set and shown in /history. "pain" is not stored as a skip: it
# pauses the session and gets the see-a-professional reply instead.
SkipReason = Literal["too-hard", "no-equipment", "no-time", "pain"]
SKIP_REASONS: tuple[SkipReason, ...] = ("too-hard", "no-equipment", "no-time", "pain")


@dataclass(frozen=True)
class Skip:
    """Skip the current set, optionally saying why."""

    reason: SkipReason | None = None


@dataclass(frozen=True)
class SkipExercise:
    """Skip the rest of the current exercise (every set of it not done yet)."""

    reason: SkipReason | None = None


@dataclass(frozen=True)
class Undo:
    """Take back the last "done" (or skip) and go back to that set.

    On a session stopped a moment ago, undo the stop (as ``Resume`` does).
    """


@dataclass(frozen=True)
class AskDose:
    """ "How many reps?" during a set: say the current set's dose again."""


@dataclass(frozen=True)
class MissingEquipment:
    """ "I have no barbell" / "no rope": skip or swap the step that needs it."""

    item: str


@dataclass(frozen=True)
class Repeat:
    """Show the current set again (nothing is recorded)."""


@dataclass(frozen=True)
class Back:
    """Go back to the previous set."""


@dataclass(frozen=True)
class Pause:
    """Pause the session."""


@dataclass(frozen=True)
class Resume:
    """Resume a paused session."""


@dataclass(frozen=True)
class Stop:
    """End the session early, with a summary."""


@dataclass(frozen=True)
class WhereAmI:
    """Ask which set the session is on."""


@dataclass(frozen=True)
class StartTimer:
    """Start the timer of the current (timed) set.

    ``seconds`` is where in the set's range the runner chose to hold ("30-60 s":
    30, 45 or 60, from the set's ``hold_choices``); ``None`` means the low end.
    """

    seconds: int | None = None


@dataclass(frozen=True)
class StopTimer:
    """Stop the current set's timer ("stop timer"); the set stays open."""


@dataclass(frozen=True)
class TimerUp:
    """A timer the shell scheduled has run out.

    The shell should pass back the ``position`` and ``started_at`` it got in
    ``TimerStarted``; a timer that no longer matches the session (the set was
    done, the runner moved on, or restarted the timer) is then ignored. When
    both are ``None`` the only staleness check is "is a timer running at all".
    """

    position: int | None = None
    started_at: datetime | None = None


@dataclass(frozen=True)
class Expire:
    """The sweeper found the session abandoned.

    Attributes:
        timeout: Inactivity that counts as abandoned; ``None`` means the
            state machine's default (``ABANDON_AFTER``). The machine re-checks,
            so a runner who came back after the sweeper's query is not cut off.
    """

    timeout: timedelta | None = None


Event: TypeAlias = (
    Start | Done | Skip | SkipExercise | Undo | AskDose | MissingEquipment | Repeat | Back | Pause
    | Resume | Stop | WhereAmI | StartTimer | StopTimer | TimerUp | Expire
)
EVENT_TYPES: tuple[type, ...] = (
    Start, Done, Skip, SkipExercise, Undo, AskDose, MissingEquipment, Repeat, Back, Pause, Resume,
    Stop, WhereAmI, StartTimer, StopTimer, TimerUp, Expire,
)


# --- parser -----------------------------------------------------------------

# Emoji that mean "done". Replaced by the word before anything else is stripped.
# Every symbol vocabulary.toml reads as "done" or "ok" is here (a test checks it).
_DONE_EMOJI = ("✅", "✔", "☑", "✓", "👍", "👌")

# Exact phrases (after normalisation: lower case, no apostrophes, no
# punctuation, single spaces). Exact matching keeps the parser predictable:
# a phrase either is a command or it is passed on to the question matcher.
# Typos are listed one by one rather than fuzzy-matched, so "don" (a name) or
# "dine" never become Done.
_PHRASES: dict[str, tuple[str, ...]] = {
    "done": (
        "done", "all done", "set done", "done it", "did it", "i did it", "did that",
        "finished", "finished it", "finished set", "completed", "complete", "ok", "okay",
        "im done", "i am done", "yes done", "got it done",
        # "next" advances after the set, as in most workout apps (docs/sessions.md);
        # "next exercise" is not listed: it might mean skipping the rest.
        "next", "next set", "next one", "next pls",
        # clear typos only
        "dnoe", "doen", "donw", "donee", "odne", "finshed", "finised", "fnished", "finsihed",
    ),
    "skip": (
        "skip", "skip it", "skip this", "skip this one", "skip set", "skip this set", "skip that",
        "pass", "skp", "sikp", "skipp", "skpi",
    ),
    "repeat": (
        "repeat", "repeat it", "repeat that", "repeat this", "repeat set", "repeat the set",
        "again", "one more", "one more time", "do it again", "redo",
        "repaet", "reapeat", "repeta",
    ),
    "back": (
        "back", "go back", "previous", "previous set", "prev", "bakc",
    ),
    # "undo" takes back the last done (it used to be Back, which only moved).
    "undo": (
        "undo", "undo that", "undo it", "undo last", "undo done", "undo the last one", "take it back",
        "oops", "oops undo", "that was a mistake", "i didnt do that", "not done", "undp", "udno",
    ),
    "skip_exercise": (
        "skip exercise", "skip this exercise", "skip the exercise", "skip the whole exercise",
        "skip whole exercise", "skip the rest", "skip rest", "skip the rest of this exercise",
        "skip rest of exercise", "skip the rest of the exercise", "skip all sets", "skip all",
        "next exercise", "skip to next exercise", "skip to the next exercise",
    ),
    "ask_dose": (
        "how many reps", "how many", "how many reps again", "how many reps do i do",
        "how many reps should i do", "how many reps is it", "how many times", "how long",
        "how long again", "how long do i hold", "how long is the set", "how many sets",
        "how much", "what reps", "reps", "how many reps per set", "how many per side",
    ),
    "pause": (
        "pause", "pause it", "pause session", "pause the session", "hold on", "brb", "wait",
        "puase", "paus",
    ),
    "resume": (
        "resume", "resume session", "continue", "continue session", "go on", "carry on",
        "lets continue", "lets go on", "im back", "i am back", "unpause",
        "contine", "continu", "contiune", "resum",
    ),
    "stop": (
        "stop", "stop it", "stop session", "stop the session", "stop workout", "end",
        "end session", "end the session", "quit", "cancel", "abort", "exit",
        "done for today", "im done for today", "enough", "thats enough", "enough for today",
    ),
    "where": (
        "where am i", "where was i", "where are we", "what set", "which set", "what set is this",
        "which set is this", "what set am i on", "which set am i on", "what exercise",
        "which exercise", "status", "progress", "what now", "whats next",
    ),
    "timer": (
        "timer", "start", "start timer", "start the timer", "start a timer", "timer start",
        "start timing", "start clock", "start the clock",
    ),
    "stop_timer": (
        "stop timer", "stop the timer", "timer stop", "stop timing", "stop clock", "stop the clock",
        "cancel timer", "cancel the timer", "end timer", "end the timer",
    ),
}
_EVENT_FOR: dict[str, Event] = {
    "done": Done(), "skip": Skip(), "repeat": Repeat(), "back": Back(), "pause": Pause(),
    "resume": Resume(), "stop": Stop(), "where": WhereAmI(), "timer": StartTimer(),
    "stop_timer": StopTimer(), "undo": Undo(), "skip_exercise": SkipExercise(), "ask_dose": AskDose(),
}
_PHRASE_TO_EVENT: dict[str, Event] = {
    phrase: _EVENT_FOR[kind] for kind, phrases in _PHRASES.items() for phrase in phrases
}
# "Where am I?" and "how many reps?" are questions by nature, so they are the
# only kinds allowed a "?". Any other "?" ("done?", "skip?") goes to the matcher.
_QUESTION_OK = frozenset(_PHRASES["where"]) | frozenset(_PHRASES["ask_dose"])
# The where-am-I phrases that can only be about a session's position. With no
# session running they get "no session is running"; the others ("status",
# "progress", "what now") then mean something else and go to the matcher.
_POSITION_PHRASES = frozenset(
    phrase for phrase in _PHRASES["where"] if phrase not in {"status", "progress", "what now", "whats next"}
)

# Thanks and the like: not a command. Mid-session the shell answers with a
# friendly nudge back to the set; it never records a set ("ok thanks" after
# "Go!" is an acknowledgement, not "done").
_COURTESY = frozenset(
    {
        "thanks", "thank you", "thanks a lot", "thank you so much", "thanks so much", "many thanks",
        "thx", "ty", "cheers", "ta", "thanks coach", "nice thanks", "great thanks", "cool thanks",
        "perfect thanks", "got it thanks", "sounds good", "got it", "cool", "great", "nice", "perfect",
    }
)

# Polite words that may wrap a command ("ok skip", "stop please").
_LEADING_FILLER = frozenset({"ok", "okay", "so", "right", "alright", "um", "uh", "yes", "yeah"})
_TRAILING_FILLER = frozenset({"please", "pls", "plz", "now"})

# Single words that mean done on their own; any combination of them ("done
# done", "ok done", "✅ 👍") is still just Done.
_DONE_WORDS = frozenset({"done", "ok", "okay", "finished", "completed", "complete"})

# Reasons a runner may give with a skip ("skip, too hard", "skip exercise no
# time"), after the filler in _REASON_FILLER is dropped. Exact phrases again.
_REASONS: dict[str, SkipReason] = {
    **dict.fromkeys(
        ("too hard", "hard", "too difficult", "difficult", "cant do it", "cant do this", "too tough",
         "too heavy", "too much", "cant"),
        "too-hard",
    ),
    **dict.fromkeys(
        ("no equipment", "no kit", "no gear", "no barbell", "no bar", "no rope", "no jump rope",
         "no weights", "no step", "no box", "no block", "no mat", "no rack", "no squat rack",
         "dont have the equipment", "dont have a barbell", "dont have a rope", "missing equipment",
         "equipment", "no dumbbells"),
        "no-equipment",
    ),
    **dict.fromkeys(
        ("no time", "out of time", "short on time", "running late", "in a hurry", "not enough time",
         "dont have time", "time"),
        "no-time",
    ),
    **dict.fromkeys(
        ("pain", "it hurts", "hurts", "painful", "its painful", "injured", "injury", "sore", "too sore",
         "my calf hurts", "my back hurts"),
        "pain",
    ),
}
_REASON_FILLER = ("because", "cause", "cos", "coz", "as", "its", "it is", "i have", "ive got", "i got",
                  "i", "this is", "thats", "reason", "since")
_SKIP_WORDS = frozenset({"skip", "skp", "sikp", "skipp", "skpi"})
_EXERCISE_SCOPE = (
    ("this", "exercise"), ("the", "exercise"), ("exercise",), ("the", "rest"), ("rest",),
    ("the", "whole", "exercise"), ("whole", "exercise"),
)
# "I have no barbell" with no "skip": the step that needs it is skipped (or,
# for the jump rope, which the article says you can do without, swapped).
_MISSING: dict[str, str] = {
    **dict.fromkeys(("no barbell", "i have no barbell", "i dont have a barbell", "dont have a barbell",
                     "no barbell here", "no bar", "no squat rack", "no rack", "i dont have a squat rack"),
                    "barbell"),
    **dict.fromkeys(("no rope", "no jump rope", "i have no rope", "i dont have a rope",
                     "i dont have a jump rope", "dont have a rope", "no skipping rope"), "rope"),
    **dict.fromkeys(("no step", "no box", "i dont have a step", "i have no step"), "step"),
    **dict.fromkeys(("no block", "no mat", "i dont have a block", "i have no block", "i dont have a mat"),
                    "block"),
    **dict.fromkeys(("no dumbbells", "no weights", "i have no weights", "i dont have weights",
                     "i dont have dumbbells"), "dumbbells"),
}

_UNITS: dict[str, LoadUnit] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), "lb"),
    **dict.fromkeys(("plate", "plates"), "plates"),
}
# Numbers the runner may add that are not loads ("done 12 reps", "done 45 s"):
# the set is done and the figure is simply not logged.
_NOT_A_LOAD = frozenset(
    {"rep", "reps", "x", "times", "s", "sec", "secs", "second", "seconds",
     "min", "mins", "minute", "minutes", "set", "sets"}
)
_DONE_PREFIX = r"(?:done|did|did it|finished|completed|ok|okay)"
_LOAD_RE = re.compile(
    rf"^(?:(?P<pre>{_DONE_PREFIX})\s+)?(?:(?:with|at|using)\s+)?"
    r"(?P<num>-?\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)?"
    rf"(?:\s+(?P<post>{_DONE_PREFIX}))?$"
)


def parse_session_text(text: str) -> Event | None:
    """Turn a message into a session event, or ``None`` if it is not a command.

    Tolerates case, surrounding punctuation, "done" emoji (✅ 👍 ✔️), a few
    filler words ("ok skip", "stop please") and a short list of obvious typos.

    Args:
        text: The runner's message, as received.

    Returns:
        ``Done``, ``Skip``, ``Repeat``, ``Back``, ``Pause``, ``Resume``,
        ``Stop``, ``WhereAmI``, ``StartTimer`` or ``StopTimer``; ``None`` for questions,
        chat and nonsense (the shell asks the matcher, then shows help).
        Never ``Start``, ``TimerUp`` or ``Expire``: those come from commands,
        buttons and jobs, not from free text.
    """
    is_question = "?" in text
    words = _normalise(text).split()
    if not words or len(words) > MAX_COMMAND_WORDS:
        return None
    for candidate in _without_filler(words):
        phrase = " ".join(candidate)
        event = _PHRASE_TO_EVENT.get(phrase)
        if event is not None:
            return event if (not is_question or phrase in _QUESTION_OK) else None
        if is_question:
            continue
        if all(word in _DONE_WORDS for word in candidate):
            return Done()
        if phrase in _MISSING:
            return MissingEquipment(_MISSING[phrase])
        with_reason = _parse_skip_reason(candidate)
        if with_reason is not None:
            return with_reason
        timer = _TIMER_FOR.match(phrase)
        if timer is not None:
            return StartTimer(int(timer["seconds"] or timer["seconds2"]))
        done_with_load = _parse_load(phrase)
        if done_with_load is not None:
            return done_with_load
    return None


def is_courtesy(text: str) -> bool:
    """ "thanks", "ok thanks", "cool": chat that needs a friendly word, not an action."""
    words = _normalise(text).split()
    return any(" ".join(candidate) in _COURTESY for candidate in _without_filler(words))


def asks_position(text: str) -> bool:
    """Whether the text asks where in a session the runner is ("where am I?", "which set")."""
    words = _normalise(text).split()
    return any(" ".join(candidate) in _POSITION_PHRASES for candidate in _without_filler(words))


def _normalise(text: str) -> str:
    """Lower-case, emoji → "done", drop apostrophes and punctuation except in numbers."""
    cleaned = unicodedata.normalize("NFKC", text).replace("\ufe0f", "")
    for emoji in _DONE_EMOJI:
        cleaned = cleaned.replace(emoji, " done ")
    cleaned = cleaned.lower().replace("’", "").replace("'", "")
    cleaned = re.sub(r"(\d),(\d)", r"\1.\2", cleaned)  # "2,5 kg" is a decimal comma
    cleaned = re.sub(r"[^a-z0-9.\-\s]", " ", cleaned)  # "done, 40kg!" → "done  40kg "
    cleaned = re.sub(r"\.(?!\d)|(?<!\d)\.", " ", cleaned)  # keep only decimal points
    cleaned = re.sub(r"-(?!\d)", " ", cleaned)  # keep only a minus sign before a digit
    cleaned = re.sub(r"([a-z])\1{2,}", r"\1", cleaned)  # "doneee", "okkk" → "done", "ok"
    return " ".join(cleaned.split())


def _without_filler(words: list[str]) -> list[list[str]]:
    """The word list as typed, then with polite filler trimmed (if anything is left)."""
    candidates = [words]
    trimmed = list(words)
    while len(trimmed) > 1 and trimmed[-1] in _TRAILING_FILLER:
        trimmed.pop()
    while len(trimmed) > 1 and trimmed[0] in _LEADING_FILLER:
        trimmed.pop(0)
    if trimmed != words:
        candidates.append(trimmed)
    return candidates


# "start timer 45", "timer 60 s", "hold 45", "45 s timer": where in the range to hold.
_TIMER_FOR = re.compile(
    r"^(?:(?:start\s+(?:the\s+|a\s+)?)?timer(?:\s+for)?|hold(?:\s+for)?)\s+(?P<seconds>\d{1,3})\s*(?:s|sec|secs|seconds)?$"
    r"|^(?P<seconds2>\d{1,3})\s*(?:s|sec|secs|seconds)\s+timer$"
)


def _parse_skip_reason(words: list[str]) -> Skip | SkipExercise | None:
    """ "skip too hard", "skip - no equipment", "skip exercise, no time" → Skip/SkipExercise(reason)."""
    if not words or words[0] not in _SKIP_WORDS:
        return None
    rest = words[1:]
    whole_exercise = False
    for scope in _EXERCISE_SCOPE:
        if tuple(rest[: len(scope)]) == scope:
            rest, whole_exercise = rest[len(scope):], True
            break
    if rest[:1] == ["of"]:  # "skip the rest of it"
        rest = rest[2:] if rest[1:2] in (["it"], ["this"]) else rest
    changed = True
    while changed and rest:
        changed = False
        for filler in _REASON_FILLER:
            parts = filler.split()
            if rest[: len(parts)] == parts and len(rest) > len(parts):
                rest, changed = rest[len(parts):], True
                break
    reason = _REASONS.get(" ".join(rest))
    if reason is None:
        return None
    return SkipExercise(reason) if whole_exercise else Skip(reason)


_LOAD_ANYWHERE = re.compile(r"(?<![\w.])(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)")


def load_in(text: str) -> Load | None:
    """The load named anywhere in a message: "used 8kg dumbbells", "I had 15 pound ones".

    For a message already understood as a finished set (the understanding step's
    "done"); only a number with a load unit counts, so "did 12 each leg" logs nothing.
    """
    for match in _LOAD_ANYWHERE.finditer(_normalise(text)):
        unit = _UNITS.get(match["unit"])
        if unit is not None:
            return Load(float(match["num"]), unit)
    return None


def _parse_load(phrase: str) -> Done | None:
    """Parse "done 40 kg", "40kg done", "2 plates", "done 40" into ``Done``.

    A bare number with a load unit counts as done ("2 plates"); a bare number
    without a unit ("40") does not: it could be anything.
    """
    match = _LOAD_RE.match(phrase)
    if match is None:
        return None
    said_done = bool(match["pre"] or match["post"])
    unit_word = match["unit"]
    if unit_word in _DONE_WORDS and not match["post"]:
        unit_word, said_done = None, True  # "40 done": the word after the number is "done"
    if unit_word in _UNITS:
        return Done(load=Load(float(match["num"]), _UNITS[unit_word]))
    if not said_done:
        return None
    if unit_word in _NOT_A_LOAD:
        return Done()
    typed = match["num"] if unit_word is None else f"{match['num']} {unit_word}"
    return Done(unparsed_load=typed)
