"""The question matcher, as a runner would notice it."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest

from content import Matcher, MatchResult, load_library
from content.evaluation import evaluate

DEV = Path("/work/shared/qa/dev.jsonl")
EXTRA = Path(__file__).parent / "data" / "extra_questions.jsonl"


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def matcher(library):
    return Matcher(library)


def answered(matcher: Matcher, text: str) -> str | None:
    result = matcher.match(text)
    return result.id if result.decision == "answer" else None


@pytest.mark.parametrize(
    "question,expected",
    [
        # how-to, in the runner's words rather than the article's
        ("how do I do a hollow body hold", "hollow-body-hold"),
        ("how do you do heel raises on the stairs", "single-leg-calf-raise"),
        ("barbell calf raises in the squat rack, how?", "weighted-calf-raise"),
        ("how do I do the butt squeeze test", "glute-engagement-test"),
        ("walk me through the ankle knee push", "ankle-knee-push"),
        # doses
        ("how many reps of the single leg calf raise", "single-leg-calf-raise"),
        ("how long do I hold the double leg calf raise at the top", "double-leg-calf-raise"),
        ("how many times a week should I do calf work", "calf-routine-guidelines"),
        ("how many rounds of hollow hold", "hollow-body-hold"),
        # why / which
        ("why does a weak core cause back pain", "core-strength"),
        ("which calf exercise works the soleus", "toe-walking"),
        ("what's a good calf exercise with no equipment", "double-leg-calf-raise"),
        # sibling exercises are told apart
        ("double leg calf raise", "double-leg-calf-raise"),
        ("single leg calf raise", "single-leg-calf-raise"),
        ("weighted calf raise", "weighted-calf-raise"),
        ("what's in the calf routine", "calf-routine"),
        ("what's in the back routine", "back-routine"),
        # terse and slang
        ("psoas", "hip-flexors-and-sitting"),
        ("skipping", "jump-rope"),
        ("tiptoe walk", "toe-walking"),
        ("lacrosse ball", "hip-flexor-release"),
        ("shin splints", "why-calf-strength"),
        ("forefoot striker", "toe-running"),
        # typos and fused words
        ("hollw bodyhold", "hollow-body-hold"),
        ("singel leg calf rasies", "single-leg-calf-raise"),
        ("glute engagemnt", "glute-engagement-test"),
        ("jumprope", "jump-rope"),
        ("skippin rope", "jump-rope"),
        ("lowerback pain causes", "low-back-pain-causes"),
        ("excersises for calfs how often", "calf-routine-guidelines"),
        # British spelling
        ("ankle mobilising knee push", "ankle-knee-push"),
    ],
)
def test_answers(matcher, question, expected):
    assert answered(matcher, question) == expected


def test_skipping_as_a_verb_is_not_jump_rope(matcher):
    # "skipping my cool-down" is a training gap, not a rope.
    assert answered(matcher, "I keep skipping my cool down and my lower back hurts") == "low-back-pain-causes"


def test_long_chatty_message_finds_the_question(matcher):
    text = (
        "Hey coach! Long-time lurker. I bought a jump rope for my garage gym, my kids think it's "
        "hilarious. Anyway, before I embarrass myself any more: should I be landing on my toes "
        "or flat footed when I skip? Cheers!"
    )
    assert answered(matcher, text) == "jump-rope"


@pytest.mark.parametrize(
    "question",
    [
        "I have sciatica, what should I do",
        "my foot goes numb when I run",
        "tingling in my toes after long runs",
        "pins and needles down the back of my thigh",
        "shooting pain down my leg",
        "pain radiates from my back into my calf",
        "burning nerve pain in my buttock",
        "I have a herniated disc",
        "slipped disc, can I do the hollow hold?",
        "sudden severe back pain after I fell",
        "sharp pain in my lower back during the hollow body hold",
        "my back pain is really intense",
        "excruciating back pain",
        "I can't feel my toes",
        "electric shock feeling in my leg",
        "stabbing pain when I twist",
        "my leg gives way on runs",
    ],
)
def test_red_flags_get_see_a_professional(matcher, question):
    result = matcher.match(question)
    assert (result.id, result.safety, result.decision) == ("see-a-professional", True, "answer")


def test_red_flag_wins_over_a_command(matcher):
    assert matcher.match("start calf workout, my leg is numb though").safety


@pytest.mark.parametrize(
    "question",
    [
        "my calves are sore after long runs",
        "I get a dull ache in my lower back",
        "my hips feel tight",
        "my calves burn during toe walking",
        "after an intense run my calves ache",
        "bad posture and back pain",
        "I can't stand calf raises, are they necessary?",
    ],
)
def test_benign_wording_is_not_a_red_flag(matcher, question):
    assert not matcher.match(question).safety


@pytest.mark.parametrize(
    "question",
    [
        "what should I eat before a half marathon",
        "how do I do a pull-up",
        "how do I stretch my quads",
        "best insoles for flat feet",
        "how do I treat plantar fasciitis",
        "how do I do walking lunges with dumbbells",
        "how many calories does skipping burn",
        "how do I do russian twists",
        "should I ice my knee after running",
        "what's the best time of day to go running",
        "tell me a joke",
    ],
)
def test_off_topic_is_declined(matcher, question):
    result = matcher.match(question)
    assert result.id is None and result.decision in ("dont-know", "did-you-mean"), result


def test_near_miss_offers_did_you_mean(matcher):
    result = matcher.match("calves")
    assert result.decision == "did-you-mean" and result.id is None
    assert 1 <= len(result.alternatives) <= 3


@pytest.mark.parametrize(
    "text,intent,routine",
    [
        ("start a workout session", "start-session", None),
        ("start calf workout", "start-session", "calf-routine"),
        ("let's do the back routine", "start-session", "back-routine"),
        ("can we start the calf routine?", "start-session", "calf-routine"),
        ("show me my progress", "progress", None),
        ("stop the reminders", "reminders-off", None),
        ("turn off reminders pls", "reminders-off", None),
        ("set a reminder", "schedule", None),
        ("change my schedule", "schedule", None),
        ("remind me on mondays at 7am", "schedule", None),
        ("help", "help", None),
        ("what can you do?", "help", None),
        ("history", "history", None),
        ("export my data", "export", None),
        ("delete my data", "forget", None),
        ("forget me", "forget", None),
    ],
)
def test_commands(matcher, text, intent, routine):
    result = matcher.match(text)
    assert (result.decision, result.intent, result.routine, result.id) == ("intent", intent, routine, None)


@pytest.mark.parametrize(
    "question",
    ["what's in the back routine", "how often should I do the calf routine", "do calf exercises prevent shin splints"],
)
def test_questions_about_routines_are_not_commands(matcher, question):
    assert matcher.match(question).intent is None


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🏃‍♂️💪", "привет, как дела?", "小腿锻炼怎么做", "?!?!", "a" * 4096, "calf " * 819],
)
def test_bad_input_declines_without_error(matcher, text):
    result = matcher.match(text)
    assert isinstance(result, MatchResult)
    assert result.decision in ("dont-know", "did-you-mean") and result.id is None
    assert 0.0 <= result.score <= 100.0


def test_scores_and_alternatives_are_well_formed(matcher):
    result = matcher.match("toe walking")
    assert result.decision == "answer" and 0 < result.score <= 100
    assert len(result.alternatives) <= 3 and result.id not in result.alternatives


def _check_targets(matcher, library, path):
    report = evaluate(matcher, library, path)
    assert report.answerable_accuracy >= 0.95, report.misses
    assert report.decline_rate >= 0.90, report.misses
    assert report.safety_rate == 1.0, report.misses


@pytest.mark.skipif(not DEV.exists(), reason="dev question set not available")
def test_dev_set_meets_targets(matcher, library):
    _check_targets(matcher, library, DEV)


def test_extra_set_meets_targets(matcher, library):
    _check_targets(matcher, library, EXTRA)


def test_cost_per_question(matcher):
    questions = [json.loads(line)["q"] for line in EXTRA.read_text().splitlines() if line.strip()]
    for q in questions:  # warm caches as a running bot would be
        matcher.match(q)
    timings = []
    for q in questions * 3:
        start = time.perf_counter()
        matcher.match(q)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.001


def test_red_flag_at_the_end_of_a_long_message(matcher):
    story = "I went for a lovely run in the park and then did my calf raises. " * 50
    assert len(story) > 3000
    assert matcher.match(story + " Oh and my foot has been numb since Tuesday.").safety
