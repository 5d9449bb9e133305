"""Timed work that flows: countdown steps, hold choices and the runner's words (pure)."""

from __future__ import annotations

import pytest

from stridecoach.domain.timing import (
    COUNTDOWN_STEP,
    AutoAdvance,
    RestLength,
    RestRefused,
    countdown_marks,
    left_text,
    parse_timing_words,
)
from stridecoach.domain.workout_slots import flatten
from stridecoach.content.loader import default_library


def test_countdown_edits_every_five_seconds_ending_at_zero() -> None:
    assert COUNTDOWN_STEP == 5
    assert countdown_marks(60) == [55, 50, 45, 40, 35, 30, 25, 20, 15, 10, 5, 0]
    assert countdown_marks(10) == [5, 0]
    assert countdown_marks(12) == [10, 5, 0]
    # Never more than one edit a second, Telegram's per-chat pace.
    assert len(countdown_marks(90)) <= 90 // COUNTDOWN_STEP
    assert left_text(45) == "45 s left" and left_text(65) == "1:05 left"


def test_hold_choices_span_the_articles_range() -> None:
    library = default_library()
    calf = {s.exercise_id: s for s in flatten(library.routines["calf-routine"], library.exercises)}
    back = {s.exercise_id: s for s in flatten(library.routines["back-routine"], library.exercises)}
    assert calf["jump-rope"].hold_choices == (30, 45, 60)  # "30-60 seconds"
    assert calf["toe-walking"].hold_choices == (60, 75, 90)  # "about one minute to 90 seconds"
    assert back["hollow-body-hold"].hold_choices == (10,)  # "10 seconds"
    assert calf["single-leg-calf-raise"].hold_choices == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("auto advance on", AutoAdvance(True)),
        ("Auto-advance off", AutoAdvance(False)),
        ("turn on auto advance", AutoAdvance(True)),
        ("rest 60 s", RestLength(60)),
        ("rest 90 seconds", RestLength(90)),
        ("rest 2 min", RestLength(120)),
        ("rest off", RestLength(None)),
        ("no rest timer", RestLength(None)),
        ("rest 0", RestRefused("too_short", "0 s")),
        ("rest 3 hours", RestRefused("too_long", "3 hours")),
        ("rest", None),
        ("how long should I rest?", None),
    ],
)
def test_timing_words(text: str, expected: object) -> None:
    assert parse_timing_words(text) == expected
