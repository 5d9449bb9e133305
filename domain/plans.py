"""Sessions that fit: the full routine, a short calf session, an equipment-free one.

Plain Python over the content library (no Telegram, no database). A plan is
named by a routine id with a suffix, ``calf-routine:short`` or
``calf-routine:no-equipment``; that id is what a session row stores, so a
restart walks the same sets and /export shows which plan was done. The full
routine keeps its plain id.

Which exercises, and why (the bot's choice, from the calf article's own picks;
docs/sessions.md "Sessions that fit"):

* **short** (fits the article's "5-10 minutes each time"): its best dynamic
  exercise (jumping rope, 3 x 30-60 s), its jumping half chair squats (3 x 8)
  and its best exercise without equipment (standing double-leg calf raises,
  3 x 8 with a 3-5 s hold). Every dose is the article's; only the choice of
  three exercises out of seven is ours. :func:`estimate_seconds` backs the fit.
* **no-equipment**: the article's exercises that need nothing: jumping in
  place (the article: "You don't have to use a jump rope"), toe walking
  ("works fine without weights"), jumping half chair squats and standing
  double-leg calf raises (its "best calf exercise without equipment"). Left
  out: the simple calf raise (a step or box), the knee pushes (a 3-4 inch mat
  or block) and the weighted raise (a barbell and a squat rack).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from stridecoach.content.model import Library, Routine, RoutineStep

PlanKind = Literal["full", "short", "no-equipment"]
PLAN_KINDS: tuple[PlanKind, ...] = ("full", "short", "no-equipment")
SEPARATOR = ":"
ONLY = "only"  # calf-routine:only:<exercise>: one exercise of a routine, started from its answer
CALF_ROUTINE = "calf-routine"

# Exercise ids per plan, in the routine's order (the order comes from the routine).
_PLAN_EXERCISES: dict[str, dict[PlanKind, tuple[str, ...]]] = {
    CALF_ROUTINE: {
        "short": ("jump-rope", "jumping-half-chair-squat", "double-leg-calf-raise"),
        "no-equipment": ("jump-rope", "toe-walking", "jumping-half-chair-squat", "double-leg-calf-raise"),
    },
}
_PLAN_TITLES: dict[PlanKind, str] = {"short": "short", "no-equipment": "no equipment"}
# Without a rope the article's jump rope is jumping in place.
_NO_ROPE_NOTE = (
    "No rope needed: jump in place on the balls of your feet, landing on your toes "
    "(the article says you don't have to use a jump rope)."
)

# Seconds the bot assumes per rep when it estimates how long a plan takes (the
# articles give none): a controlled raise or push about 3 s, a jump squat
# about 2 s, plus the hold for a raise with one; 30 s to switch or rest
# between sets. Only used to check that a plan fits the article's 5-10 minutes.
SECONDS_PER_REP = 3
SECONDS_PER_JUMP_REP = 2
SECONDS_BETWEEN_SETS = 20


def plan_id(routine_id: str, kind: PlanKind) -> str:
    """``calf-routine`` + ``short`` → ``calf-routine:short``; the full plan keeps the plain id."""
    return routine_id if kind == "full" else f"{routine_id}{SEPARATOR}{kind}"


def split_plan_id(routine_id: str) -> tuple[str, PlanKind]:
    """``calf-routine:short`` → (``calf-routine``, ``short``); an unknown suffix is not a plan."""
    base, _, kind = routine_id.partition(SEPARATOR)
    if not kind:
        return routine_id, "full"
    for known in PLAN_KINDS:
        if kind == known:
            return base, known
    return routine_id, "full"


def base_routine_id(routine_id: str) -> str:
    """The content routine a (plan) id belongs to: what /progress counts it as."""
    return routine_id.partition(SEPARATOR)[0]


def plans_for(routine_id: str) -> tuple[PlanKind, ...]:
    """The plans a routine offers before it starts (``("full",)`` for most)."""
    return ("full", *_PLAN_EXERCISES.get(routine_id, {}).keys())


def single_exercise_id(routine_id: str, exercise_id: str) -> str:
    """``calf-routine`` + ``toe-walking`` -> ``calf-routine:only:toe-walking``: the "Do it now" session."""
    return f"{routine_id}{SEPARATOR}{ONLY}{SEPARATOR}{exercise_id}"


def routine_with(exercise_id: str, library: Library) -> Routine | None:
    """The first routine that walks ``exercise_id`` (its sets and doses are the session's)."""
    return next((r for r in library.routines.values() if any(s.exercise_id == exercise_id for s in r.steps)), None)


def resolve_routine(routine_id: str, library: Library) -> Routine | None:
    """The routine a session walks: the content routine, a plan cut from it, or one of its exercises."""
    routine = library.routines.get(routine_id)
    if routine is not None:
        return routine
    base, _, rest = routine_id.partition(SEPARATOR)
    if rest.startswith(ONLY + SEPARATOR):
        return _single_exercise(library.routines.get(base), rest.removeprefix(ONLY + SEPARATOR), routine_id, library)
    base, kind = split_plan_id(routine_id)
    routine = library.routines.get(base)
    picks = _PLAN_EXERCISES.get(base, {}).get(kind) if kind != "full" else None
    if routine is None or picks is None:
        return None
    steps = tuple(
        _without_equipment(step) if kind == "no-equipment" else step
        for step in routine.steps
        if step.exercise_id in picks
    )
    return replace(routine, id=routine_id, title=f"{routine.title} ({_PLAN_TITLES[kind]})", steps=steps)


def _single_exercise(routine: Routine | None, exercise_id: str, routine_id: str, library: Library) -> Routine | None:
    steps = tuple(s for s in routine.steps if s.exercise_id == exercise_id) if routine is not None else ()
    exercise = library.exercises.get(exercise_id)
    if routine is None or not steps or exercise is None:
        return None
    return replace(routine, id=routine_id, title=exercise.title, steps=steps)


def _without_equipment(step: RoutineStep) -> RoutineStep:
    return replace(step, note=_NO_ROPE_NOTE) if step.exercise_id == "jump-rope" else step


def sets_in(routine_id: str, library: Library) -> int:
    """How many sets a routine or plan walks (0 if unknown): the base of "real work"."""
    routine = resolve_routine(routine_id, library)
    return sum(step.sets for step in routine.steps) if routine is not None else 0


def plan_title(routine_id: str, library: Library) -> str:
    routine = resolve_routine(routine_id, library)
    return routine.title if routine is not None else routine_id


# --- equipment ----------------------------------------------------------------

Need = Literal["required", "optional"]

# What a runner may say they lack → words found in an exercise's equipment list.
_ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "barbell": ("barbell", "squat rack"),
    "rope": ("rope",),
    "step": ("step", "box"),
    "block": ("block", "mat"),
    "dumbbells": ("dumbbell",),
}


def equipment_need(equipment: tuple[str, ...], item: str) -> Need | None:
    """Whether an exercise's equipment list (from the content) needs ``item`` ("barbell", "rope", ...).

    An entry marked "optional" (the jump rope, the dumbbells) is optional.
    """
    words = _ITEM_WORDS.get(item, (item,))
    found: Need | None = None
    for entry in equipment:
        lowered = entry.lower()
        if any(word in lowered for word in words):
            if "optional" not in lowered:
                return "required"
            found = "optional"
    return found


# --- how long a plan takes --------------------------------------------------


def estimate_seconds(routine: Routine) -> tuple[int, int]:
    """A (low, high) estimate of a routine's working time, in seconds, with the bot's assumptions.

    Timed sets take their range; reps take SECONDS_PER_REP each (jump reps
    SECONDS_PER_JUMP_REP), per side doubled, plus a hold per rep when the step
    has one; SECONDS_BETWEEN_SETS between sets. A step with no figure (the
    weighted raise) counts as 8 reps, the bot's suggestion for it.
    """
    low = high = 0
    total_sets = 0
    for step in routine.steps:
        total_sets += step.sets
        step_low, step_high = _set_seconds(step)
        low += step.sets * step_low
        high += step.sets * step_high
    rests = max(total_sets - 1, 0) * SECONDS_BETWEEN_SETS
    return low + rests, high + rests


def _set_seconds(step: RoutineStep) -> tuple[int, int]:
    sides = 2 if step.per_side else 1
    has_reps = step.reps_min is not None or step.reps_max is not None
    if not has_reps and (step.seconds_min is not None or step.seconds_max is not None):
        low = step.seconds_min if step.seconds_min is not None else step.seconds_max or 0
        high = step.seconds_max if step.seconds_max is not None else low
        return low * sides, high * sides
    reps_low = step.reps_min if step.reps_min is not None else (step.reps_max or 8)
    reps_high = step.reps_max if step.reps_max is not None else reps_low
    per_rep = SECONDS_PER_JUMP_REP if "jump" in step.exercise_id else SECONDS_PER_REP
    hold_low = step.seconds_min or 0 if has_reps else 0
    hold_high = step.seconds_max or hold_low if has_reps else 0
    return (
        reps_low * (per_rep + hold_low) * sides,
        reps_high * (per_rep + hold_high) * sides,
    )
