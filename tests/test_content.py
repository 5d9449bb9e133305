"""The content library: outline ids, the articles' doses, and loader errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from stridecoach.content import ContentError, check_outline_ids, load_library
from stridecoach.content.loader import DATA_DIR, OUTLINE_IDS
from stridecoach.content.model import Exercise, Routine

# The shared folder sits beside the repository (as in CI); tests that need it skip without it.
SOURCE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_a29cdcb9dc8d8e10.txt"


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_every_outline_id_exists_under_its_kind(library):
    assert check_outline_ids(library) == []
    for kind, ids in OUTLINE_IDS.items():
        bucket = getattr(library, kind)
        for entry_id in ids:
            assert bucket[entry_id].id == entry_id


def test_every_entry_is_answerable_and_findable(library):
    for entry in library.all_entries():
        assert entry.answer.strip(), entry.id
        assert len(entry.answer) <= 1200, entry.id
        assert len(entry.phrasings) >= 5, f"{entry.id}: too few phrasings to be found"
        assert entry.source_file.endswith(f"{entry.id}.toml")
        # Telegram HTML: nothing but <b> is allowed, and no stray angle brackets.
        assert not re.search(r"<(?!/?b>)", entry.answer), entry.id


# (id, sets_min, sets_max, reps_min, reps_max, seconds_min, seconds_max, per_side)
DOSES = [
    ("jump-rope", 3, 3, None, None, 30, 60, False),
    ("single-leg-calf-raise", 3, 3, 10, 15, None, None, True),
    ("toe-walking", 3, 5, None, None, 60, 90, False),
    ("ankle-knee-push", 3, 3, 10, 15, None, None, True),
    ("jumping-half-chair-squat", 3, 3, 8, 8, None, None, False),
    ("double-leg-calf-raise", 3, 3, 8, 8, 3, 5, False),
    ("hollow-body-hold", 6, 6, None, None, 10, 10, False),
    ("hip-mobility-twist", 1, 1, None, 30, None, None, True),
]


@pytest.mark.parametrize("entry_id,smin,smax,rmin,rmax,secmin,secmax,per_side", DOSES)
def test_exercise_dose_matches_the_article(library, entry_id, smin, smax, rmin, rmax, secmin, secmax, per_side):
    dose = library.exercises[entry_id].dose
    assert (dose.sets_min, dose.sets_max) == (smin, smax)
    assert (dose.reps_min, dose.reps_max) == (rmin, rmax)
    assert (dose.seconds_min, dose.seconds_max) == (secmin, secmax)
    assert dose.per_side is per_side
    assert dose.summary


def test_weighted_calf_raise_and_release_have_no_invented_dose(library):
    for entry_id in ("weighted-calf-raise", "hip-flexor-release"):
        dose = library.exercises[entry_id].dose
        assert dose.sets_min is dose.sets_max is dose.reps_min is dose.seconds_min is None
    assert "no fixed" in library.exercises["weighted-calf-raise"].answer


def test_timed_exercises(library):
    timed = {e.id for e in library.exercises.values() if e.timed}
    assert timed == {"jump-rope", "toe-walking", "hollow-body-hold"}


def test_exercises_have_cues(library):
    for ex in library.exercises.values():
        if ex.id != "hip-flexor-release":  # the article only points to a video
            assert 2 <= len(ex.cues) <= 4, ex.id


def test_answers_state_the_doses_in_words(library):
    ex = library.exercises
    assert "30-60 seconds" in ex["jump-rope"].answer and "3 sets" in ex["jump-rope"].answer
    assert "10-15 reps" in ex["single-leg-calf-raise"].answer
    assert "90 seconds" in ex["toe-walking"].answer and "3 to 5 sets" in ex["toe-walking"].answer
    assert "3 to 4 inch" in ex["ankle-knee-push"].answer and "10-15 reps on each leg" in ex["ankle-knee-push"].answer
    assert "3 sets of 8" in ex["jumping-half-chair-squat"].answer
    assert "3 to 5 seconds" in ex["double-leg-calf-raise"].answer and "3 sets of 8" in ex["double-leg-calf-raise"].answer
    assert "10 seconds" in ex["hollow-body-hold"].answer and "6 rounds" in ex["hollow-body-hold"].answer
    assert "30 twists per side" in ex["hip-mobility-twist"].answer
    guide = library.topics["calf-routine-guidelines"].answer
    assert "2 to 3 times a week" in guide and "5-10 minutes" in guide


def test_see_a_professional_says_coaches_not_doctors(library):
    text = library.topics["see-a-professional"].answer.lower()
    for phrase in ("not doctors", "intense back pain", "sciatica", "medical advice", "physical therapy", "beyond"):
        assert phrase in text


def test_calf_routine_walks_the_seven_exercises_in_article_order(library):
    routine = library.routines["calf-routine"]
    assert isinstance(routine, Routine)
    assert [s.exercise_id for s in routine.steps] == [
        "jump-rope",
        "single-leg-calf-raise",
        "toe-walking",
        "ankle-knee-push",
        "jumping-half-chair-squat",
        "double-leg-calf-raise",
        "weighted-calf-raise",
    ]
    steps = {s.exercise_id: s for s in routine.steps}
    assert all(s.sets == 3 for s in routine.steps)
    assert (steps["jump-rope"].seconds_min, steps["jump-rope"].seconds_max) == (30, 60)
    assert (steps["toe-walking"].seconds_min, steps["toe-walking"].seconds_max) == (60, 90)
    assert "5" in steps["toe-walking"].note
    assert steps["single-leg-calf-raise"].per_side and steps["ankle-knee-push"].per_side
    assert (steps["jumping-half-chair-squat"].reps_min, steps["jumping-half-chair-squat"].reps_max) == (8, 8)
    weighted = steps["weighted-calf-raise"]
    assert weighted.loggable_load and weighted.reps_min is None
    assert "no fixed number" in weighted.note and "StrideCoach" in weighted.note and "log" in weighted.note.lower()


def test_back_routine_steps(library):
    steps = library.routines["back-routine"].steps
    assert [s.exercise_id for s in steps] == ["glute-engagement-test", "hollow-body-hold", "hip-mobility-twist"]
    assert steps[0].sets == 1
    assert (steps[1].sets, steps[1].seconds_min, steps[1].seconds_max) == (6, 10, 10)
    assert "increase time as needed" in steps[1].note.lower()
    assert steps[2].reps_max == 30 and steps[2].per_side


_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "ten": 10}


@pytest.mark.skipif(not SOURCE.exists(), reason="source articles not available")
def test_every_number_in_the_content_appears_in_the_source(library):
    source = SOURCE.read_text(encoding="utf-8")
    allowed = set(re.findall(r"\d+", source))
    allowed |= {str(n) for w, n in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", source, re.I)}
    texts = [(e.id, e.answer) for e in library.all_entries()]
    texts += [(f"{r.id} step", s.note) for r in library.routines.values() for s in r.steps]
    texts += [(f"{e.id} dose", e.dose.summary) for e in library.exercises.values()]
    for where, text in texts:
        for number in re.findall(r"\d+", text):
            assert number in allowed, f"{where}: {number} is not in the articles"


# -- loader errors name the file and the field --------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _expect_error(data_dir: Path, *fragments: str) -> None:
    with pytest.raises(ContentError) as info:
        load_library(data_dir)
    # Drop the tmp folder (its name repeats the test's name) so that the
    # fragments are checked against what the loader itself wrote.
    message = str(info.value).replace(str(data_dir), "<data>")
    assert message.startswith("<data>/"), message
    for fragment in fragments:
        assert fragment in message, message


def test_copy_of_the_data_loads(data_copy):
    assert len(load_library(data_copy).all_entries()) == len(load_library().all_entries())


def test_unknown_field(data_copy):
    path = data_copy / "topics" / "toe-running.toml"
    path.write_text(path.read_text() + '\nanwser = "typo"\n')
    _expect_error(data_copy, "toe-running.toml", "anwser", "unknown")


def test_missing_field(data_copy):
    path = data_copy / "topics" / "core-strength.toml"
    path.write_text(re.sub(r'(?m)^title = .*\n', "", path.read_text()))
    _expect_error(data_copy, "core-strength.toml", "title", "missing")


def test_wrong_type_in_dose(data_copy):
    path = data_copy / "exercises" / "jump-rope.toml"
    path.write_text(path.read_text().replace("sets_min = 3", 'sets_min = "three"'))
    _expect_error(data_copy, "jump-rope.toml", "dose.sets_min", "int")


def test_wrong_type_bool_is_not_int(data_copy):
    path = data_copy / "exercises" / "jump-rope.toml"
    path.write_text(path.read_text().replace("timed = true", "timed = 1"))
    _expect_error(data_copy, "jump-rope.toml", "timed", "bool")


def test_empty_answer(data_copy):
    (data_copy / "topics" / "new-topic.toml").write_text('id = "new-topic"\ntitle = "New"\nanswer = "  "\n')
    _expect_error(data_copy, "new-topic.toml", "answer", "empty")


def test_id_must_match_file_name(data_copy):
    path = data_copy / "topics" / "toe-running.toml"
    path.write_text(path.read_text().replace('id = "toe-running"', 'id = "toe-runners"'))
    _expect_error(data_copy, "toe-running.toml", "'id'", "file name")


def test_duplicate_id_across_kinds(data_copy):
    # A routine whose id (and file name) repeats an exercise's id.
    (data_copy / "routines" / "jump-rope.toml").write_text(
        'id = "jump-rope"\ntitle = "Rope"\nanswer = "x"\n[[steps]]\nexercise_id = "jump-rope"\nsets = 1\n'
    )
    _expect_error(data_copy, "routines/jump-rope.toml", "duplicate id 'jump-rope'", "exercises/jump-rope.toml")


def test_routine_step_pointing_at_unknown_exercise(data_copy):
    path = data_copy / "routines" / "back-routine.toml"
    path.write_text(path.read_text().replace('exercise_id = "hollow-body-hold"', 'exercise_id = "plank"'))
    _expect_error(data_copy, "back-routine.toml", "steps[1].exercise_id", "plank")


def test_invalid_toml_names_the_file(data_copy):
    (data_copy / "topics" / "broken.toml").write_text('id = "broken"\ntitle = "unterminated\n')
    _expect_error(data_copy, "broken.toml", "invalid TOML")


def test_loaded_exercise_types(library):
    assert all(isinstance(e, Exercise) for e in library.exercises.values())
    assert library.get("jump-rope") is library.exercises["jump-rope"]
    assert library.get("nope") is None
