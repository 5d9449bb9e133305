"""A hand-built content library for the session machine's tests.

It mirrors content/data (the calf routine: 21 sets, a loggable weighted raise
at 18-20 that needs a barbell, timed jump rope (the rope is optional) and toe
walking; the back routine: 8 sets, a timed hollow hold) so the machine's tests
do not depend on the content loader.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from stridecoach.domain.workout import flatten
from stridecoach.content.model import Exercise, Library, Routine, RoutineStep

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CALF = "calf-routine"
BACK = "back-routine"


def _exercise(eid: str, title: str, cues: tuple[str, ...] = (), timed: bool = False) -> Exercise:
    return Exercise(id=eid, kind="exercise", title=title, answer="", cues=cues, timed=timed)


EXERCISES = {
    e.id: e
    for e in [
        replace(
            _exercise("jump-rope", "Jumping rope", ("Balls of your feet", "Land on your toes", "Light jumps"), True),
            equipment=("jump rope (optional: jumping in place works too)",),
        ),
        _exercise("single-leg-calf-raise", "Single-leg calf raise", ("Balance", "Pause at the top")),
        _exercise("toe-walking", "Toe walking", ("Heels high",), True),
        _exercise("ankle-knee-push", "Ankle-mobilizing knee pushes", ("Toes up on the block",)),
        _exercise("jumping-half-chair-squat", "Jumping half chair squats", ("Jump using your calves",)),
        _exercise("double-leg-calf-raise", "Standing double-leg calf raise", ("Feet hip-width",)),
        replace(
            _exercise("weighted-calf-raise", "Weighted calf raise (barbell)", ("Bar across your shoulders",)),
            equipment=("barbell", "squat rack"),
        ),
        _exercise("glute-engagement-test", "Glute engagement test", ("Squeeze your butt",)),
        _exercise("hollow-body-hold", "Hollow body hold", ("Low back glued to the ground",), True),
        _exercise("hip-mobility-twist", "Hip mobility twist", ("Twist from the hips",)),
    ]
}

CALF_ROUTINE = Routine(
    id=CALF,
    kind="routine",
    title="Calf routine",
    answer="",
    steps=(
        RoutineStep("jump-rope", sets=3, seconds_min=30, seconds_max=60),
        RoutineStep("single-leg-calf-raise", sets=3, reps_min=10, reps_max=15, per_side=True),
        RoutineStep("toe-walking", sets=3, seconds_min=60, seconds_max=90),
        RoutineStep("ankle-knee-push", sets=3, reps_min=10, reps_max=15, per_side=True),
        RoutineStep("jumping-half-chair-squat", sets=3, reps_min=8, reps_max=8),
        RoutineStep("double-leg-calf-raise", sets=3, reps_min=8, reps_max=8, seconds_min=3, seconds_max=5),
        RoutineStep("weighted-calf-raise", sets=3, loggable_load=True, note="Pick a load you can lift 8-12 times"),
    ),
)
BACK_ROUTINE = Routine(
    id=BACK,
    kind="routine",
    title="Lower-back routine",
    answer="",
    steps=(
        RoutineStep("glute-engagement-test", sets=1, note="Once, before the drills"),
        RoutineStep("hollow-body-hold", sets=6, seconds_min=10, seconds_max=10),
        RoutineStep("hip-mobility-twist", sets=1, reps_max=30, per_side=True, note="up to 30 twists per side"),
    ),
)
LIBRARY = Library(exercises=EXERCISES, topics={}, routines={CALF: CALF_ROUTINE, BACK: BACK_ROUTINE})
CALF_SLOTS = flatten(CALF_ROUTINE, EXERCISES)
BACK_SLOTS = flatten(BACK_ROUTINE, EXERCISES)
WEIGHTED = 18  # first weighted-calf-raise position in the calf routine
HOLLOW = 1  # first hollow-hold position in the back routine
