"""A routine flattened into the sets a guided session walks, one per message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from stridecoach.content.model import Exercise, Routine, RoutineStep


# --- the flattened routine --------------------------------------------------


@dataclass(frozen=True)
class SetSlot:
    """One set of a routine, in walking order.

    Attributes:
        exercise_id: The exercise this set belongs to.
        exercise_index: 0-based index of the exercise in the routine.
        exercise_count: Number of exercises in the routine.
        set_no: 1-based set number within the exercise.
        set_count: Number of sets of this exercise.
        amount: The dose in words, short, e.g. "10-15 reps on each side",
            "30-60 seconds", "your load" (weighted raise), "once" (a single
            set with no figure). Stored with each completion (/export).
        timer_seconds: For timed sets, the LOWER bound of the range (30 s for
            "30-60 seconds"): the timer marks the minimum, the runner may go
            on and reply done when ready. ``None`` for untimed sets.
        loggable_load: The runner may log a load with "done".
        note: The routine's note for this exercise ("" if none).
        title: The exercise title (the id if the exercise is not in the library).
        cue: One coaching cue for this set, cycling through the exercise's cues.
        dose: The dose as the set prompt says it: ``amount``, except for a
            set with no figure, where it is the note ("Once, before the
            drills: ...") or, for a loggable set, "your chosen load".
        tip: What the note adds to the dose, shown with the first set only:
            the note without the parts that repeat the dose ("10-15 reps,
            then switch feet" next to "10-15 reps on each side" adds nothing).
            "" on later sets and when the note is the dose.
        equipment: The exercise's equipment list from the content ("barbell",
            "jump rope (optional: ...)"); empty when none is needed.
    """

    exercise_id: str
    exercise_index: int
    exercise_count: int
    set_no: int
    set_count: int
    amount: str
    timer_seconds: int | None
    loggable_load: bool
    note: str = ""
    title: str = ""
    cue: str = ""
    dose: str = ""
    tip: str = ""
    equipment: tuple[str, ...] = ()
    timer_max: int | None = None

    @property
    def timed(self) -> bool:
        return self.timer_seconds is not None

    @property
    def hold_choices(self) -> tuple[int, ...]:
        """Where in the range a runner may hold: low, middle, high ("30-60 s": 30, 45, 60).

        The middle is rounded to 5 s. A fixed length (the hollow hold's 10 s) has one choice.
        """
        low, high = self.timer_seconds, self.timer_max
        if low is None:
            return ()
        if high is None or high <= low:
            return (low,)
        middle = int(round((low + high) / 2 / 5) * 5)
        return tuple(sorted({low, middle, high}))


# flatten() is pure and the content is loaded once per process: every "done" needs the
# routine's slots, and building them (notes, tips, cues) cost more than the rest of the
# state machine. Keyed by the routine's id and steps (plans are cut from routines under
# their own ids) and the exercises mapping it was built with, held so its id stays valid.
_FLAT_CACHE: dict[tuple[str, tuple[object, ...], int], tuple[object, tuple[SetSlot, ...]]] = {}
_FLAT_CACHE_MAX = 256


def flatten(routine: Routine, exercises: Mapping[str, Exercise] | None = None) -> list[SetSlot]:
    """List every set of a routine in the order the session walks them (cached per routine).

    Args:
        routine: The routine to walk.
        exercises: Exercise entries by id, for titles and cues. Optional: without
            it titles fall back to the exercise id and cues are empty.

    Returns:
        One ``SetSlot`` per set (calf routine: 21, lower-back routine: 8).
    """
    key = (routine.id, routine.steps, id(exercises))
    cached = _FLAT_CACHE.get(key)
    if cached is not None and cached[0] is exercises:
        return list(cached[1])
    slots = _flatten(routine, exercises or {})
    if len(_FLAT_CACHE) >= _FLAT_CACHE_MAX:
        _FLAT_CACHE.clear()
    _FLAT_CACHE[key] = (exercises, tuple(slots))
    return slots


def _flatten(routine: Routine, exercises: Mapping[str, Exercise]) -> list[SetSlot]:
    slots: list[SetSlot] = []
    count = len(routine.steps)
    for index, step in enumerate(routine.steps):
        exercise = exercises.get(step.exercise_id)
        cues = exercise.cues if exercise is not None else ()
        amount = _amount_text(step)
        dose = _dose_text(step, amount)
        tip = "" if dose == step.note else note_tip(step.note, amount, step.sets)
        for set_no in range(1, step.sets + 1):
            slots.append(
                SetSlot(
                    exercise_id=step.exercise_id,
                    exercise_index=index,
                    exercise_count=count,
                    set_no=set_no,
                    set_count=step.sets,
                    amount=amount,
                    timer_seconds=_timer_seconds(step),
                    loggable_load=step.loggable_load,
                    note=step.note,
                    title=exercise.title if exercise is not None else step.exercise_id,
                    cue=cues[(set_no - 1) % len(cues)] if cues else "",
                    dose=dose,
                    tip=tip if set_no == 1 else "",
                    equipment=exercise.equipment if exercise is not None else (),
                    timer_max=_timer_max(step),
                )
            )
    return slots


def _range_text(low: int | None, high: int | None) -> str:
    """"10-15", "8", "up to 30" (no lower bound), "at least 60" (no upper)."""
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}-{high}"
    if high is not None:
        return f"up to {high}"
    return f"at least {low}"


def _has(low: int | None, high: int | None) -> bool:
    return low is not None or high is not None


def _amount_text(step: RoutineStep) -> str:
    """The dose of one set in words, stored with each completion."""
    side = " on each side" if step.per_side else ""
    has_reps = _has(step.reps_min, step.reps_max)
    has_seconds = _has(step.seconds_min, step.seconds_max)
    if has_reps and has_seconds:
        # Reps with a hold: in the content this is the double-leg calf raise,
        # "8, holding 3-5 seconds at the top".
        reps = _range_text(step.reps_min, step.reps_max)
        hold = _range_text(step.seconds_min, step.seconds_max)
        return f"{reps} reps{side}, hold {hold} s at the top"
    if has_reps:
        return f"{_range_text(step.reps_min, step.reps_max)} reps{side}"
    if has_seconds:
        return f"{_range_text(step.seconds_min, step.seconds_max)} seconds{side}"
    # No figure in the article. The weighted raise's dose is the load the
    # runner logs; the glute test is done once. Kept short: it is a CSV column.
    if step.loggable_load:
        return "your load"
    return "once" if step.sets == 1 else "at your own pace"


def _has_figure(step: RoutineStep) -> bool:
    return _has(step.reps_min, step.reps_max) or _has(step.seconds_min, step.seconds_max)


def _dose_text(step: RoutineStep, amount: str) -> str:
    """The dose as the prompt says it (see ``SetSlot.dose``)."""
    if _has_figure(step):
        return amount
    if step.loggable_load:
        return "your chosen load"
    return step.note or amount


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Clause boundaries inside a note: "; ", ", " and sentence ends (not "2.5").
_CLAUSE = re.compile(r"(;\s*|,\s*|\.\s+|\.$)")
_COUNT_ONLY = re.compile(r"^(\d+)\s+(?:rounds?|sets?)$")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")
_STOPWORDS = frozenset(
    "a an the of on in at to and or your you it its is be with for from then up down not each".split()
)


def note_tip(note: str, amount: str, sets: int) -> str:
    """The note without the clauses that only repeat the dose.

    A clause repeats the dose when every number in it is one of the dose's
    numbers ("10-15 reps" next to "10-15 reps on each side"; "Hold 3-5 seconds
    at the top" next to "8 reps, hold 3-5 s at the top"), or when it is just
    the set count ("6 rounds" on a 6-set exercise). A clause starting with
    "then"/"and" goes with a dropped clause before it ("10-15 reps, then
    switch feet"). Clauses with other numbers stay ("the article says 3 to 5
    sets"), as do clauses without numbers ("land on your toes").
    """
    note = note.strip()
    if not note:
        return ""
    dose_numbers = set(_NUMBER.findall(amount))
    pieces = _CLAUSE.split(note)
    clauses, separators = pieces[0::2], pieces[1::2] + [""]
    kept: list[tuple[str, str]] = []
    dropped_previous = False
    for clause, separator in zip(clauses, separators, strict=True):
        text = clause.strip()
        if not text:
            continue
        numbers = set(_NUMBER.findall(text))
        count_only = _COUNT_ONLY.match(text.lower())
        dependent = text.lower().startswith(("then ", "and ")) and dropped_previous
        drop = (
            bool(numbers and numbers <= dose_numbers)
            or (count_only is not None and int(count_only.group(1)) == sets)
            or dependent
        )
        dropped_previous = drop
        if not drop:
            kept.append((text, separator))
    if not kept:
        return ""
    out = ""
    for index, (text, separator) in enumerate(kept):
        if index == 0:
            for word in ("then ", "and "):
                if text.lower().startswith(word):
                    text = text[len(word):]
            text = text[0].upper() + text[1:]
        out += text + (separator.strip() + " " if index < len(kept) - 1 else "")
    out = out.rstrip(" ,;")
    return out if out.endswith((".", "!", "?")) else out + "."


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}


def repeats(cue: str, *texts: str) -> bool:
    """Whether a cue says again what `texts` already say.

    True when at least half of the cue's content words are in them ("Stay on
    the balls of your feet" after "Jump on the balls of your feet"), or when
    the cue's numbers are all the dose's ("Switch feet after 10-15 reps" next
    to "10-15 reps on each side").
    """
    words = _content_words(cue)
    if not words:
        return False
    said = set().union(*(_content_words(text) for text in texts)) if texts else set()
    numbers = set(_NUMBER.findall(cue))
    if numbers and numbers <= set().union(*(set(_NUMBER.findall(t)) for t in texts)):
        return True
    return len(words & said) * 2 >= len(words)


def _timer_seconds(step: RoutineStep) -> int | None:
    """A set is timed when its dose is seconds and no reps; the timer uses the lower bound."""
    if _has(step.reps_min, step.reps_max):
        return None  # seconds next to reps are a hold per rep, not a set length
    low = step.seconds_min if step.seconds_min is not None else step.seconds_max
    return low if low is not None and low > 0 else None


def _timer_max(step: RoutineStep) -> int | None:
    """The top of a timed set's range (60 s for "30-60 seconds"); None for untimed sets."""
    if _timer_seconds(step) is None:
        return None
    return step.seconds_max if step.seconds_max is not None else step.seconds_min
