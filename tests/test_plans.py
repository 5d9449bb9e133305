"""Sessions that fit: the calf plans cut from the real content, pure (no Telegram)."""

from __future__ import annotations

from stridecoach.domain.plans import (
    base_routine_id,
    equipment_need,
    estimate_seconds,
    plan_id,
    plans_for,
    resolve_routine,
    split_plan_id,
)
from stridecoach.domain.workout_slots import flatten
from stridecoach.content.loader import default_library

LIBRARY = default_library()


def _exercises(routine_id: str) -> list[str]:
    routine = resolve_routine(routine_id, LIBRARY)
    assert routine is not None
    return [step.exercise_id for step in routine.steps]


def test_plan_ids_round_trip_and_count_as_their_routine() -> None:
    assert plan_id("calf-routine", "full") == "calf-routine"
    assert plan_id("calf-routine", "short") == "calf-routine:short"
    assert split_plan_id("calf-routine:no-equipment") == ("calf-routine", "no-equipment")
    assert split_plan_id("calf-routine:bogus") == ("calf-routine:bogus", "full")
    assert base_routine_id("calf-routine:short") == "calf-routine"
    assert resolve_routine("calf-routine:bogus", LIBRARY) is None
    assert plans_for("back-routine") == ("full",)


def test_the_short_session_fits_the_articles_five_to_ten_minutes() -> None:
    routine = resolve_routine("calf-routine:short", LIBRARY)
    assert routine is not None
    low, high = estimate_seconds(routine)
    assert 5 * 60 <= low <= high <= 10 * 60
    full = resolve_routine("calf-routine", LIBRARY)
    assert full is not None and estimate_seconds(full)[0] > 10 * 60  # why a short plan is needed


def test_the_short_session_keeps_the_articles_doses() -> None:
    full = {step.exercise_id: step for step in LIBRARY.routines["calf-routine"].steps}
    short = resolve_routine("calf-routine:short", LIBRARY)
    assert short is not None
    for step in short.steps:
        assert step == full[step.exercise_id]


def test_the_equipment_free_session_needs_nothing_and_includes_the_articles_no_equipment_pick() -> None:
    exercises = _exercises("calf-routine:no-equipment")
    assert "double-leg-calf-raise" in exercises  # "Best Calf Exercise Without Equipment"
    for exercise_id in exercises:
        kit = LIBRARY.exercises[exercise_id].equipment
        assert all("optional" in item for item in kit), (exercise_id, kit)
    slots = flatten(resolve_routine("calf-routine:no-equipment", LIBRARY), LIBRARY.exercises)  # type: ignore[arg-type]
    assert "jump in place" in slots[0].tip.lower()


def test_equipment_need_reads_the_content() -> None:
    weighted = LIBRARY.exercises["weighted-calf-raise"].equipment
    rope = LIBRARY.exercises["jump-rope"].equipment
    assert equipment_need(weighted, "barbell") == "required"
    assert equipment_need(rope, "rope") == "optional"
    assert equipment_need(rope, "barbell") is None
