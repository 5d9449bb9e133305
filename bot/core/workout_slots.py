"""A routine flattened into the sets a guided session walks, one per message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from content.model import Exercise, Routine, RoutineStep


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
        amount: The dose in words, e.g. "10-15 reps on each side",
            "30-60 seconds". Stored with each completion.
        timer_seconds: For timed sets, the LOWER bound of the range (30 s for
            "30-60 seconds"): the timer marks the minimum, the runner may go
            on and reply done when ready. ``None`` for untimed sets.
        loggable_load: The runner may log a load with "done".
        note: The routine's note for this exercise ("" if none).
        title: The exercise title (the id if the exercise is not in the library).
        cue: One coaching cue for this set, cycling through the exercise's cues.
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

    @property
    def timed(self) -> bool:
        return self.timer_seconds is not None


def flatten(routine: Routine, exercises: Mapping[str, Exercise] | None = None) -> list[SetSlot]:
    """List every set of a routine in the order the session walks them.

    Args:
        routine: The routine to walk.
        exercises: Exercise entries by id, for titles and cues. Optional: without
            it titles fall back to the exercise id and cues are empty.

    Returns:
        One ``SetSlot`` per set (calf routine: 21, lower-back routine: 8).
    """
    exercises = exercises or {}
    slots: list[SetSlot] = []
    count = len(routine.steps)
    for index, step in enumerate(routine.steps):
        exercise = exercises.get(step.exercise_id)
        cues = exercise.cues if exercise is not None else ()
        for set_no in range(1, step.sets + 1):
            slots.append(
                SetSlot(
                    exercise_id=step.exercise_id,
                    exercise_index=index,
                    exercise_count=count,
                    set_no=set_no,
                    set_count=step.sets,
                    amount=_amount_text(step),
                    timer_seconds=_timer_seconds(step),
                    loggable_load=step.loggable_load,
                    note=step.note,
                    title=exercise.title if exercise is not None else step.exercise_id,
                    cue=cues[(set_no - 1) % len(cues)] if cues else "",
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
    # No figure in the article (glute test, weighted raise): the note says it.
    return step.note or "at your own pace"


def _timer_seconds(step: RoutineStep) -> int | None:
    """A set is timed when its dose is seconds and no reps; the timer uses the lower bound."""
    if _has(step.reps_min, step.reps_max):
        return None  # seconds next to reps are a hold per rep, not a set length
    low = step.seconds_min if step.seconds_min is not None else step.seconds_max
    return low if low is not None and low > 0 else None
