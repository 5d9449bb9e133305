"""The question matcher, as a runner would notice it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import statistics
import time
from pathlib import Path

import pytest

from content import Matcher, MatchResult, load_library
from content.evaluation import evaluate

DEV = Path(__file__).resolve().parents[2] / "shared" / "qa" / "dev.jsonl"  # beside the repository
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


# -- families found by blind testing (see docs/matcher.md, "Families") -------

EXTRA2 = Path(__file__).parent / "data" / "extra_questions2.jsonl"


def test_second_extra_set_meets_targets(matcher, library):
    _check_targets(matcher, library, EXTRA2)


@pytest.mark.parametrize(
    "question",
    [
        # pins and needles in everyday words
        "my leg feels like it's asleep after runs",
        "my foot goes to sleep on long runs",
        "I get a dead leg after the hip twists",
        "my calf feels fuzzy and buzzing after running",
        # night pain
        "the pain in my back wakes me up at night",
        "I can't sleep because of the pain in my hip",
        "my lower back ache keeps me up",
        # weakness, giving way
        "my leg went weak halfway through my run",
        "my knee buckled on a downhill",
        "I can't lift my foot properly since my run",
        "can't bear weight on my right leg",
        "my ankle gave way and now it hurts",
        # trauma and worsening
        "I hurt my back in a fall last week",
        "I was in a car accident and now my back aches when I run",
        "got hit by a cyclist and my hip is sore",
        "my calf pain is getting worse every week",
        "back ache not improving after six weeks",
        # a sudden tear
        "I felt a pop in my calf during skipping",
        "heard a snap in my achilles",
        "felt something go in my calf on a sprint",
        # other red flags
        "back pain and a fever",
        "I lost control of my bladder after a run",
        "numb groin after long runs",
        "losing weight without trying and my back aches",
        "chest pain when I run uphill",
        "my leg just folded under me at mile 3",
        "my calf went pop during strides",
        "ran into a lamppost and my hip aches",
        "my back has been sore for two months and nothing helps",
        "it keeps waking me at 3am, the back pain",
        # down-playing words never cancel a red flag
        "probably nothing serious but my leg went weak on a run",
        "mild pain, but my foot has gone to sleep since yesterday",
    ],
)
def test_everyday_red_flags_get_see_a_professional(matcher, question):
    result = matcher.match(question)
    assert (result.id, result.safety, result.decision) == ("see-a-professional", True, "answer"), result


@pytest.mark.parametrize(
    "question",
    [
        "mild lower back ache after runs, nothing serious",
        "a bit of soreness in my calves",
        "my calves are weak, which exercise helps",
        "I fell behind on my calf work, how often should I do it",
        "I run at night, when should I do calf exercises",
        "something went wrong with my calf raise form",
        "I'm buzzing after my run! how often should I do the calf routine",
        "I landed on my toes and my calves ache",
    ],
)
def test_everyday_benign_wording_is_not_a_red_flag(matcher, question):
    assert not matcher.match(question).safety


def test_real_words_are_not_typo_repaired_into_topic_words(matcher):
    # "wakes" is English, not a typo of "walks": no toe-walking answer
    assert "walk" not in matcher.normalizer.tokens("it wakes me")
    assert answered(matcher, "the ache wakes me") != "toe-walking"


@pytest.mark.parametrize(
    "question,expected",
    [
        # heavy typos: short words, swaps, doubled or missing letters
        ("lower bak pian wen runing", "low-back-pain-causes"),
        ("why are stong calfs importnat", "why-calf-strength"),
        ("how ofen shud i do calf excercises", "calf-routine-guidelines"),
        ("hollw bodi hld", "hollow-body-hold"),
        # number words for the calf-raise siblings
        ("two-leg calf raises how many", "double-leg-calf-raise"),
        ("calf raise on 1 leg", "single-leg-calf-raise"),
        ("heel raises on both legs", "double-leg-calf-raise"),
        # training gaps
        ("could not doing a warm down give me lower back pain", "low-back-pain-causes"),
        ("I never cross train, is that why my back hurts", "low-back-pain-causes"),
        # injury prevention
        ("is prehab worth it for runners", "injury-prevention"),
        ("do ice baths help runners", "injury-prevention"),
        # undoing sitting
        ("what can I do to counteract sitting all day", "hip-mobility-twist"),
        # muscle activation
    ],
)
def test_families_answer(matcher, question, expected):
    assert answered(matcher, question) == expected


@pytest.mark.parametrize(
    "question,acceptable",
    [
        ("my lower back gets stiff halfway through my long runs", {"low-back-pain-causes", "core-strength", "back-routine"}),
        ("back feels tired by mile 8", {"low-back-pain-causes", "core-strength", "back-routine"}),
        ("my glutes don't fire when I run", {"glute-engagement-test", "core-strength"}),
        ("how do I switch on my glutes", {"glute-engagement-test", "core-strength"}),
        ("how to wake up my glutes before a run", {"glute-engagement-test", "core-strength"}),
        ("get my core to turn on", {"core-strength", "hollow-body-hold"}),
        ("what undoes a day at a desk", {"hip-mobility-twist", "hip-flexors-and-sitting", "hip-flexor-release"}),
    ],
)
def test_families_answer_one_of(matcher, question, acceptable):
    assert answered(matcher, question) in acceptable


@pytest.mark.parametrize(
    "question",
    [
        # shopping
        "what's the best jump rope to buy",
        "which brand of barbell should I get",
        "how much does a lacrosse ball cost",
        # rehab after a specific injury
        "how do I strengthen my ankles after a sprain",
        "rehab exercises after knee surgery",
        "how do I recover from a sprained ankle",
        # desk breaks and ergonomics
        "how often should I get up from my desk during the day",
        "what's a good standing desk setup",
        # a body-part word shared with an exercise name is not enough
        "how do I make my ankles stronger",
        # frame words alone are not a topic
        "why do runners get blisters",
        "why is it important to hydrate",
        "how many days a week should runners rest",
        "how do I fix my posture at my desk",
    ],
)
def test_near_miss_families_are_declined(matcher, question):
    result = matcher.match(question)
    assert result.id is None and result.decision in ("dont-know", "did-you-mean"), result


def test_long_message_scores_the_question_sentence(matcher):
    text = (
        "Hi coach! I've been using the app for a month, love it. I do my runs in the morning before "
        "work and I'm usually pretty pressed for time. My question is whether I can squeeze the calf "
        "stuff into the middle of a run or whether it has to be separate? Thanks!!"
    )
    assert answered(matcher, text) == "calf-routine-guidelines"


def test_a_race_named_as_when_is_context(matcher):
    assert answered(matcher, "why does my back ache halfway through a half marathon") == "low-back-pain-causes"
    assert answered(matcher, "what should I eat before a half marathon") is None


def test_getting_back_into_running_is_not_about_the_back(matcher):
    assert "back" not in matcher.normalizer.tokens("trying to get back into running after a break")


@pytest.mark.parametrize(
    "text,intent,routine",
    [
        ("what did I do last time", "history", None),
        ("show me my last session", "history", None),
        ("can I see my past sessions", "history", None),
        ("open my training log", "history", None),
        ("take me through the back routine and do it with me", "start-session", "back-routine"),
        ("let's go, walk me through the calf routine now", "start-session", "calf-routine"),
        ("show me the sessions I've done before", "history", None),
        ("what have I done so far", "history", None),
        ("my past workouts", "history", None),
        ("list my workouts", "history", None),
        ("let's do the back routine", "start-session", "back-routine"),
        ("start calf workout", "start-session", "calf-routine"),
    ],
)
def test_history_and_walkthrough_commands(matcher, text, intent, routine):
    result = matcher.match(text)
    assert (result.decision, result.intent, result.routine) == ("intent", intent, routine)


def test_what_did_i_do_wrong_is_not_history(matcher):
    assert matcher.match("what did I do wrong in my calf raises").intent is None


# --- blind-set families, round 3 (tests/data/extra_questions3.jsonl) -------------


@pytest.mark.parametrize(
    "question,expected",
    [
        ("how do I get into the lunge part of the hip drill", "hip-mobility-twist"),
        ("why a moving drill instead of a static stretch", "hip-mobility-twist"),
        ("I only have a yoga block, which calf exercise", "ankle-knee-push"),
        ("how can I push off harder when I run", "toe-walking"),
        ("ice baths and strength work if I'm not hurt yet", "injury-prevention"),
    ],
)
def test_clear_leader_is_answered_not_offered(matcher, question, expected):
    result = matcher.match(question)
    assert (result.decision, result.id) == ("answer", expected), result


@pytest.mark.parametrize(
    "question,expected",
    [
        ("can I do calf strengthening every single day", "calf-routine-guidelines"),
        ("which calf exercise builds muscle fastest", "weighted-calf-raise"),
        ("the tendon at the back of my heel feels tender after runs", "why-calf-strength"),
        ("how often should I do the back exercises", "back-routine"),
        ("does skipping my cool down cause back pain", "low-back-pain-causes"),
    ],
)
def test_everyday_words_for_dose_and_achilles(matcher, question, expected):
    assert matcher.match(question).id == expected


def test_back_frequency_is_not_the_calf_advice(matcher, library):
    result = matcher.match("how often should I do the back exercises")
    assert result.id == "back-routine"
    assert "no weekly frequency" in library.get("back-routine").answer


@pytest.mark.parametrize(
    "question,safety",
    [
        ("I can't feel my core doing anything when I run", False),
        ("can't feel my glutes working on the hollow hold", False),
        ("I can't feel my toes after long runs", True),
        ("can't feel my foot", True),
        ("I came off my bike and my hip hurts", True),
        ("got rear-ended and my back aches", True),
        ("since the car accident my back is stiff", True),
        ("I think I broke my ankle", True),
        ("I tore my calf", True),
        ("sprained my ankle badly", True),
        ("I'm pregnant, can I do hollow holds?", True),
        ("how do I recover from a sprained ankle", False),
    ],
)
def test_safety_activation_trauma_and_pregnancy(matcher, question, safety):
    result = matcher.match(question)
    assert result.safety is safety, result
    if safety:
        assert result.id == "see-a-professional"


@pytest.mark.parametrize(
    "question",
    [
        "how should I stretch my calves after a run",
        "switch from forefoot to heel striking",
        "best office chair for lower back support",
        "a good cool down routine after a run",
        "how long should I hold a static hip flexor stretch",
        "what should I eat to build calf muscle",
    ],
)
def test_uncovered_neighbours_decline(matcher, question):
    assert matcher.match(question).id is None


@pytest.mark.parametrize("question", ["hollw bdy hld", "calfs strenght", "skiping rope", "lowr bak pian"])
def test_answers_do_not_depend_on_hash_seed(question):
    outputs = set()
    for seed in range(5):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "stridecoach"), "ask", "--json", question],
            capture_output=True, text=True, env=env, check=True, timeout=60,
        )
        outputs.add(proc.stdout)
    assert len(outputs) == 1, outputs


@pytest.mark.parametrize(
    "text,intent",
    [
        ("hi", "greeting"), ("hello there", "greeting"), ("good morning", "greeting"),
        ("thanks!", "thanks"), ("thank you coach", "thanks"), ("cheers, that helped", "thanks"),
        ("pause my reminders", "reminders-pause"), ("pause reminders for a week", "reminders-pause"),
        ("hold my reminders", "reminders-pause"), ("stop the reminders", "reminders-off"),
        ("no more reminders", "reminders-off"), ("resume my reminders", "reminders-resume"),
        ("turn reminders back on", "reminders-resume"), ("stop timer", "session-timer"),
        ("start the timer", "session-timer"),
    ],
)
def test_smalltalk_reminder_and_timer_intents(matcher, text, intent):
    result = matcher.match(text)
    assert (result.decision, result.intent, result.id) == ("intent", intent, None)


def test_greeting_before_a_question_is_not_smalltalk(matcher):
    assert matcher.match("hi, how often should I do calf work").id == "calf-routine-guidelines"


def test_smalltalk_reply_is_short(matcher, library):
    from content.evaluation import ask_json

    reply = ask_json(matcher, library, "thanks!")
    assert reply["decision"] == "intent" and reply["intent"] == "thanks"
    assert len(reply["answer"]) < 80 and "don't know" not in reply["answer"]


@pytest.mark.parametrize(
    "text,decision,ids",
    [
        ("calves", "did-you-mean", ["calf-routine", "why-calf-strength"]),
        ("tell me about calves", "did-you-mean", ["calf-routine", "why-calf-strength"]),
        ("workout", "did-you-mean", ["calf-routine", "back-routine"]),
        ("exercises", "did-you-mean", ["calf-routine", "back-routine"]),
        ("core", "answer", ["core-strength", "hollow-body-hold"]),
        ("lower back", "answer", ["low-back-pain-causes", "back-routine"]),
    ],
)
def test_one_word_subjects_get_the_overview(matcher, text, decision, ids):
    result = matcher.match(text)
    got = ([result.id] if result.id else []) + list(result.alternatives)
    assert result.decision == decision and got[: len(ids)] == ids


def test_answers_do_not_repeat_the_title(library):
    for entry in library.all_entries():
        first = entry.answer.split("\n", 1)[0].lower()
        assert not first.startswith(entry.title.lower()), entry.id


# -- round 4 families (tests/data/extra_questions4.jsonl) ----------------------


@pytest.mark.parametrize(
    "text, ids",
    [
        (
            "Long story short, last autumn I had awful shin splints that kept me off running for six weeks, my "
            "training partner swears it was because my calves were weak. I'm 35 and a bit stubborn. Does having "
            "stronger calves really protect the shins or is that a myth?",
            {"why-calf-strength"},
        ),
        (
            "Right, context first: I finally joined a gym with a squat rack and I've been doing the calf stuff at "
            "home with no weight for two months now. With the bar on my back, do I begin on a single leg or keep "
            "both feet down at first?",
            {"weighted-calf-raise"},
        ),
        (
            "Hi! Been following your plan since January, love the reminders. Your list has a raise done on the "
            "edge of a stair and another one done standing by a wall. What's the actual difference between them?",
            {"single-leg-calf-raise", "double-leg-calf-raise"},
        ),
    ],
)
def test_long_chatty_message_answers_its_question_sentence(matcher, text, ids):
    result = matcher.match(text)
    assert result.decision == "answer" and result.id in ids


def test_long_chatty_off_topic_still_declines(matcher):
    text = (
        "Bit of a random one: I'm moving to Leeds next month for a new job, I run about 30k a week, and I have "
        "no idea about the area at all. Do you know any good running clubs in Leeds that take beginners?"
    )
    assert matcher.match(text).decision != "answer"


@pytest.mark.parametrize(
    "text",
    [
        "my leg feels like it's on fire from my butt down to my knee",
        "a hot wire running from my spine down to my toes",
        "zinging from my lower back into my foot",
        "like a lightning bolt down my leg",
        "pain travels from my lower back to my thigh when I bend over",
        "a searing line from my butt right down to my toes after long runs",
    ],
)
def test_pain_or_heat_along_a_path_between_body_parts_is_a_red_flag(matcher, text):
    result = matcher.match(text)
    assert result.safety and result.id == "see-a-professional"


@pytest.mark.parametrize(
    "text", ["my calves burn on hills, is that normal?", "roll from heel to toe", "go from two legs to one leg with the barbell"]
)
def test_path_without_a_symptom_is_not_a_red_flag(matcher, text):
    assert not matcher.match(text).safety


@pytest.mark.parametrize(
    "text",
    [
        "how do I stop running on the balls of my feet and land on my heels",
        "how can I change how my foot lands when I run",
        "what's the safest way to pick up a heavy suitcase without wrecking my back",
        "can you suggest a good sports physio near me",
        "recommend a chiropractor in my area",
        "which painkillers work best for back pain",
        "what anti inflammatories should I take for calf pain",
        "who is Holly from the videos",
        "what's the ideal way to sit in a chair all day",
    ],
)
def test_round4_off_topic_declines(matcher, text):
    result = matcher.match(text)
    assert result.decision != "answer" and not result.safety


@pytest.mark.parametrize(
    "text, ids",
    [
        ("can sitting all day give me a bad back", {"low-back-pain-causes", "hip-flexors-and-sitting"}),
        ("how many sets and reps are in the back routine exercises", {"back-routine"}),
        ("calf exercises: before the run, in the middle, or afterwards?", {"calf-routine-guidelines"}),
        ("can I fit the calf stuff into five minutes", {"calf-routine-guidelines"}),
        ("which exercise is good for getting ready for hill sprints", {"jumping-half-chair-squat"}),
        ("back exercises I can do at the trailhead before a run", {"back-routine"}),
        ("at what point do I go from both legs to one leg with the barbell", {"weighted-calf-raise"}),
        ("my calves are knotted and tight after hill intervals", {"why-calf-strength"}),
        ("I feel a tugging at the front of my hip on every stride", {"hip-flexors-and-sitting", "hip-mobility-twist"}),
    ],
)
def test_round4_clear_questions_are_answered(matcher, text, ids):
    result = matcher.match(text)
    assert result.decision == "answer" and result.id in ids


@pytest.mark.parametrize(
    "text, decision, target",
    [
        ("walk me through the lower back exercises step by step", "answer", "back-routine"),
        ("can you take me through the calf exercises one by one", "answer", "calf-routine"),
        ("let's do the back workout now, take me through it step by step", "intent", "start-session"),
        # round 6: labellers read "take/walk/talk/guide me through the X" as a
        # question about X; a start word makes it a session
        ("take me through the back routine please", "answer", "back-routine"),
        ("guide me through the back routine", "answer", "back-routine"),
        ("talk me through the calf workout", "answer", "calf-routine"),
        ("could you walk me through the calf routine", "answer", "calf-routine"),
        ("let's do the back routine now, take me through it", "intent", "start-session"),
        ("begin the calf workout and walk me through it", "intent", "start-session"),
        ("before starting the back exercises how do I check I'm in a neutral position", "answer", "glute-engagement-test"),
        ("can I do the back routine the day after a race", "answer", "back-routine"),
    ],
)
def test_step_by_step_explains_unless_starting(matcher, text, decision, target):
    result = matcher.match(text)
    assert result.decision == decision
    assert (result.id if decision == "answer" else result.intent) == target


def test_my_schedule_in_a_story_is_not_the_schedule_command(matcher):
    text = "I've got family staying so my schedule is all over the place. How many days a week do I need to do calf work?"
    assert matcher.match(text).id == "calf-routine-guidelines"


def test_extra_questions4_scores(matcher, library):
    report = evaluate(matcher, library, Path(__file__).parent / "data" / "extra_questions4.jsonl")
    assert report.answerable_accuracy >= 0.9
    assert report.decline_rate == 1.0
    assert report.safety_rate == 1.0


# Round 5 families (blind misses, written in new words; see docs/matcher.md).
@pytest.mark.parametrize(
    "text, expected",
    [
        # 1. sibling exercises by equipment, setting or stance
        ("two-footed calf raise: how far apart do my feet go", "double-leg-calf-raise"),
        ("calf raises on both feet, should my feet be together", "double-leg-calf-raise"),
        ("what calf exercise works on the stairs at home", "single-leg-calf-raise"),
        ("which calf exercise is done on a kerb", "single-leg-calf-raise"),
        ("the calf raise where I hold onto a wall", "double-leg-calf-raise"),
        # 2. timing against the run
        ("do I do calf work before my run or after it", "calf-routine-guidelines"),
        ("why calf exercises after a run rather than first", "calf-routine-guidelines"),
        # 3. injury prevention in other words
        ("I drink loads of water and stretch, do I still need strength work", "injury-prevention"),
        # 4. exercises *for* back pain are the routine; causes stay causes
        ("what moves can I do for lower back pain", "back-routine"),
        ("what causes my lower back pain on long runs", "low-back-pain-causes"),
        # 5. calf symptoms
        ("shin splints whenever I increase my weekly mileage", "why-calf-strength"),
        ("the back of my heel is creaking", "why-calf-strength"),
        ("I land on the balls of my feet and my calves are destroyed", "toe-running"),
        ("calves sore every time I run intervals", "why-calf-strength"),
        # 6. chatty descriptions
        ("What exercise is it for the abs where you lay on your back with your legs lifted?", "hollow-body-hold"),
        (
            "I crash out after my long run, go home and collapse onto the settee, never stretch, never cool down. "
            "Now my lower back is stiff every Monday. Could that routine be to blame?",
            "low-back-pain-causes",
        ),
    ],
)
def test_round5_families(matcher, text, expected):
    assert answered(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "what is the world record for skipping in a minute",
        "who invented the hollow body hold",
        "what's the history of the calf raise",
        "my calves cramp up at night",
        "how do I get rid of cramps in my calves",
    ],
)
def test_round5_trivia_and_cramps_decline(matcher, text):
    result = matcher.match(text)
    assert result.decision != "answer"
    assert not result.safety


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("after my run I collapse on the sofa and my lower back aches", False),
        ("I collapsed on my run today and my back hurts", True),
        ("I collapsed during the race", True),
    ],
)
def test_round5_collapse_figure_of_speech(matcher, text, flagged):
    assert matcher.match(text).safety is flagged


def test_extra_questions5_scores(matcher, library):
    report = evaluate(matcher, library, Path(__file__).parent / "data" / "extra_questions5.jsonl")
    assert report.answerable_accuracy >= 0.95
    assert report.decline_rate == 1.0
    assert report.safety_rate == 1.0


# -- round 6 families ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # after a birth, the pelvic floor, tummy-muscle separation
        "it's been 6 weeks since I gave birth, can I do calf raises",
        "since my baby was born my back aches",
        "since my little one arrived my hips are tight",
        "I had a c-section last year, is the hollow hold ok",
        "there's a heavy dragging feeling in my pelvis on runs",
        "how do I strengthen my pelvic floor",
        "I keep leaking when I run",
        "I have a gap in my stomach muscles after my daughter was born",
        "do I have diastasis",
        # a back that locks or seizes
        "my back locked up on my run",
        "my lower back seized and I can't stand up straight",
        "my back went into spasm",
        "I had to hobble home bent over",
        "I'm stuck bent over since this morning",
        "I put my back out lifting the shopping",
        # bladder and bowel in plain words
        "I've had trouble peeing since my back started hurting",
        "I can't pee properly after long runs",
        "I keep wetting myself on runs",
        "I can't control my bladder",
        "numb down there after my run",
        "I can't seem to control when I need to go to the toilet",
        # other red flags in everyday words
        "there was blood when I peed after my marathon",
        "my back hurts when I cough or sneeze",
        "both my legs feel weird since my back started hurting",
        "my calf is red, hot and puffy",
        "my calf is warm to the touch and sore",
        "my calf has hurt since my long haul flight",
        "I felt light-headed and nearly fainted on my run",
        "pain in my jaw and left arm when I run",
        "I wake up soaked in sweat every night",
        "my back suddenly got really bad out of nowhere",
        "my hip hurts after a fall on the trail",
    ],
)
def test_round6_red_flags(matcher, text):
    result = matcher.match(text)
    assert result.safety and result.id == "see-a-professional"


@pytest.mark.parametrize(
    "text",
    [
        "my calves are sore after a long run",
        "I run with my baby in a jogging stroller",
        "my lower back gets sore after long drives",
        "I flew to Berlin for a marathon, which calf exercise is best",
        "both my legs are sore after the marathon",
        "I get hot and sweaty running at night",
        "my water bottle leaks when I run",
        "I stand bent over at my desk all day",
        "stand up straight and squeeze your glutes",
        "I get a dull ache in my calves after a long run",
        "my calves feel heavy after hills",
    ],
)
def test_round6_ordinary_soreness_stays_benign(text):
    from content.safety import is_red_flag

    assert not is_red_flag(text)


@pytest.mark.parametrize(
    "text, ids",
    [
        ("how do I land the calf jumps without making a racket", {"jumping-half-chair-squat"}),
        ("my jump squats are so noisy, how do I land softer", {"jumping-half-chair-squat"}),
        ("which calf move gets me ready for hill workouts", {"jumping-half-chair-squat"}),
        ("how do I fit calf exercises into my run, during it or after", {"calf-routine-guidelines"}),
        ("should the calf work go mid-run or when I get home", {"calf-routine-guidelines"}),
        ("which exercise stretches the back of my calf", {"ankle-knee-push"}),
        ("what move gives my calf muscle a stretch", {"ankle-knee-push"}),
        ("what should I do first to find my posture before the back drills", {"glute-engagement-test"}),
        ("my lower back gets sore after long drives", {"hip-flexors-and-sitting", "low-back-pain-causes"}),
        ("I get a dull ache in my calves after a long run", {"why-calf-strength", "calf-routine", "injury-prevention"}),
    ],
)
def test_round6_retrieval_families(matcher, text, ids):
    result = matcher.match(text)
    assert result.decision == "answer" and result.id in ids, result


@pytest.mark.parametrize(
    "text",
    [
        "how long should my cool down jog be",
        "how many minutes of easy jogging for a cool-down",
        "how do I learn double unders with a skipping rope",
        "any tips for criss cross tricks on the jump rope",
        "how do I train my dog to run with me",
    ],
)
def test_round6_off_topic_declines(matcher, text):
    assert matcher.match(text).decision != "answer"


def test_round6_real_words_are_not_repaired(matcher):
    tokens = matcher.normalizer.tokens("bit of background: I work from home most days")
    assert "back" not in tokens and "hop" not in tokens


@pytest.mark.parametrize(
    "question",
    [
        "I've lost some feeling between my legs since my back went",
        "my back pain is a 9 out of 10, should I still do the hollow body hold",
        "the ache in my lower back is an 8/10 today",
        "pretty sure I slipped a disc lifting my kid, can I still run",
        "one spot on my shin is super painful to press and it hurts to hop",
    ],
)
def test_numbness_pain_scores_discs_and_bone_stress_see_a_professional(matcher, question):
    result = matcher.match(question)
    assert (result.id, result.safety) == ("see-a-professional", True)


@pytest.mark.parametrize(
    "question",
    ["3 sets of 10 calf raises", "how many reps, 8 or 10?", "how do I hop on one leg", "my calves are sore after hopping"],
)
def test_numbers_and_hopping_alone_are_not_red_flags(matcher, question):
    assert matcher.match(question).safety is False


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("put my workouts on mon wed fri at 7am", "schedule"),
        ("show me my progress", "progress"),
        ("my stats", "progress"),
    ],
)
def test_short_commands_are_intents(matcher, question, intent):
    assert matcher.match(question).intent == intent


def test_a_long_story_is_never_read_as_a_command(matcher):
    story = (
        "Bit of background: ex-basketball player, now doing 5ks. Back in the day I did loads of calf "
        "raises, like a hundred in a row, and my calves never got much stronger. Is there a better way "
        "to load them so I can actually see some progress?"
    )
    result = matcher.match(story)
    assert result.intent is None
    assert result.id == "weighted-calf-raise"


def test_from_start_to_finish_is_not_a_start_word(matcher):
    assert matcher.match("talk me through the entire calf session from start to finish").intent is None


# Round 7 families (tests/data/extra_questions7.jsonl, written before the rules).
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # an exercise described by its position
        ("lying on my back with knees over hips in tabletop, what comes next", {"hollow-body-hold"}),
        ("when I do the banana shape on the floor my back arches off the mat, is that wrong", {"hollow-body-hold"}),
        (
            "tried the hollow body thing… my lower back kept peeling up off the floor… "
            "what is supposed to stay touching the ground",
            {"hollow-body-hold"},
        ),
        # slang names
        ("how many seconds per bout of skipping", {"jump-rope"}),
        ("how many reps of calf hop squats", {"jumping-half-chair-squat"}),
        ("how deep should I go on the squat hops", {"jumping-half-chair-squat"}),
        ("zero gear with me this week, what can I do for my calves", {"double-leg-calf-raise", "jump-rope", "toe-walking"}),
        ("stuck in a hotel room, any calf exercises I can do", {"double-leg-calf-raise", "jump-rope", "toe-walking"}),
        # where the calf work goes against the run
        ("where in my run should I slot the calf work", {"calf-routine-guidelines"}),
        ("where do I put the calf exercises in relation to my run", {"calf-routine-guidelines"}),
        # "single best" is not single-leg; cranky = sore
        ("what's the single best thing to do for a cranky lower back", {"back-routine"}),
        # posture: swayback, arched back, pelvis tipping forward
        ("when I stand my back arches a lot, kind of swaybacked, what helps", {"core-strength", "hip-flexors-and-sitting"}),
        ("my pelvis tips forward when I run, what should I work on", {"core-strength", "hip-flexors-and-sitting"}),
        # wobbly / unstable with the back: core stability
        ("I feel wobbly and unstable late in a run and my low back aches", {"core-strength"}),
        # skipping stretches and driving home: a cause
        ("low back gets achy when I skip my stretches and just drive home", {"low-back-pain-causes"}),
        # keeping an injury from coming back: prevention
        (
            "I had shin splints two seasons ago and don't want them back... anything about stopping that happening again?",
            {"why-calf-strength", "injury-prevention"},
        ),
        ("how do I keep shin splints from coming back", {"why-calf-strength", "injury-prevention"}),
        # the whole sequence for the back
        ("ten minutes in the living room, give me the back pain stuff, the whole sequence", {"back-routine"}),
        ("list all the exercises for my back in order", {"back-routine"}),
    ],
)
def test_round7_families_answer(matcher, question, expected):
    result = matcher.match(question)
    assert result.decision == "answer"
    assert result.id in expected


@pytest.mark.parametrize(
    "question",
    [
        "which running shoes are best for forefoot strikers",
        "what trainers do you recommend for someone who runs on their toes",
        "best shoe for a midfoot striker?",
        "what hotel gym equipment is best for runners",
    ],
)
def test_round7_shoes_and_near_misses_decline(matcher, question):
    assert matcher.match(question).decision != "answer"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("I feel wobbly on the single leg calf raise, normal?", "single-leg-calf-raise"),
        ("when I get home after my run should I do calf raises", "double-leg-calf-raise"),
        ("what is the single leg calf raise", "single-leg-calf-raise"),
    ],
)
def test_round7_rules_leave_neighbours_alone(matcher, question, expected):
    assert matcher.match(question).id == expected


def test_cant_really_feel_a_foot_is_a_red_flag_but_not_feeling_a_muscle_work_is_not(matcher):
    assert matcher.match("can't really feel my left foot after runs and my back aches").safety is True
    assert matcher.match("I can't really feel my glutes working").safety is False
    assert matcher.match("can't quite feel the stretch in my calf").safety is False


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the whole routine, start to finish
        ("take me through the whole calf workout start to finish", "calf-routine"),
        ("walk me through the entire calf session from beginning to end", "calf-routine"),
        ("give me the complete back routine beginning to end", "back-routine"),
        # calf work against the run
        ("when during my run should I fit in the calf exercises", "calf-routine-guidelines"),
        ("do I do the calf strength stuff during my run or separately", "calf-routine-guidelines"),
        # strength work vs stretching alone
        ("why bother with strength training if I already stretch", "injury-prevention"),
        ("i stretch after every run, do i really need strength training too", "injury-prevention"),
        # driving, flights and commutes are sitting
        ("hips are stiff after a five hour car ride, any exercise", ("hip-mobility-twist", "hip-flexors-and-sitting")),
        ("my hips feel locked after a long flight, what should I do", ("hip-mobility-twist", "hip-flexors-and-sitting")),
        # calves that tire on hills
        ("my calves tire out halfway up steep hills", ("why-calf-strength", "calf-routine")),
        ("calves get exhausted on uphill sections, what should I work on", ("why-calf-strength", "calf-routine")),
        # heavy typos reach the synonym maps
        ("why calfs importnt for runers", "why-calf-strength"),
        ("hw importnt r strong calfs for runnrs", "why-calf-strength"),
        # "is that true / a myth / gym bro talk"
        ("my physio mate keeps saying strong calves stop shin splints. is that a myth or legit?",
         ("why-calf-strength", "injury-prevention")),
        ("does building calf strength actually do anything for runners or is that gym bro stuff",
         ("why-calf-strength", "injury-prevention")),
    ],
)
def test_timing_travel_and_whole_routine_wordings_answer(matcher, question, expected):
    result = matcher.match(question)
    allowed = (expected,) if isinstance(expected, str) else expected
    assert result.decision == "answer" and result.id in allowed, (result.decision, result.id)


@pytest.mark.parametrize(
    "question",
    [
        "what's the best stretch for a tight IT band",
        "ITB is super tight on the outside of my thigh, best stretch?",
        "should I foam roll my iliotibial band",
        "best hamstring stretch for runners",
    ],
)
def test_stretches_for_other_body_parts_decline(matcher, question):
    assert matcher.match(question).decision != "answer"


def test_calves_giving_out_on_hills_is_not_a_red_flag_but_a_leg_giving_way_is(matcher):
    assert matcher.match("my calves give out on the climbs").safety is False
    assert matcher.match("my leg gave out on the climb and I fell").safety is True
    assert matcher.match("my knee gives way when I run").safety is True


def test_round8_start_words_still_start(matcher):
    assert matcher.match("start the calf workout").decision == "intent"
    assert matcher.match("let's do the back routine now, take me through it").decision == "intent"


def test_a_hard_fall_that_running_makes_worse_sees_a_professional(matcher):
    result = matcher.match("I fell hard on my back yesterday and running makes it way worse")
    assert (result.id, result.safety) == ("see-a-professional", True)
    assert matcher.match("I fell behind on my training, is that worse for my calves").safety is False


def test_without_any_weights_means_no_equipment(matcher):
    assert matcher.match("how do I do calf raises on both feet without any weights").id == "double-leg-calf-raise"


# Families found by a blind set after the calf-timing rules
# (tests/data/extra_questions9.jsonl, written before these rules).
CORE_OR_HOLLOW = ("core-strength", "hollow-body-hold")


@pytest.mark.parametrize(
    "question",
    [
        "how can I build my core so my back stops aching on runs",
        "how do I train my core so my back doesn't hurt anymore",
        "would improving my core fix my sore back",
    ],
)
def test_building_the_core_for_back_pain_answers_the_core(matcher, question):
    result = matcher.match(question)
    assert result.decision == "answer" and result.id in CORE_OR_HOLLOW, (result.decision, result.id)


@pytest.mark.parametrize(
    "question",
    [
        "feels like my lower back is doing all the work when I run",
        "my lower back takes the brunt of every run",
        "my back gets overloaded on long runs",
    ],
)
def test_a_back_that_takes_all_the_load_answers_the_core(matcher, question):
    result = matcher.match(question)
    assert result.decision == "answer" and result.id in CORE_OR_HOLLOW, (result.decision, result.id)


def test_getting_back_to_work_is_not_the_back_taking_the_load(matcher):
    assert matcher.match("I want to get back to doing the work").decision != "answer"


@pytest.mark.parametrize(
    "question",
    [
        "why a moving hip drill instead of a normal static stretch",
        "static or dynamic for tight hip flexors?",
        "why a dynamic drill rather than a plain held stretch for my hips",
    ],
)
def test_dynamic_against_static_answers_the_hip_twist(matcher, question):
    assert answered(matcher, question) == "hip-mobility-twist"


def test_static_or_dynamic_for_calves_is_not_the_hip_twist(matcher):
    assert answered(matcher, "static or dynamic stretching for calves") != "hip-mobility-twist"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("wat is in the bak routeen", "back-routine"),
        ("bak rooteen plz", "back-routine"),
        ("show me the calf routeen", "calf-routine"),
    ],
)
def test_routine_spelled_by_ear_is_repaired(matcher, question, expected):
    assert answered(matcher, question) == expected


def test_sound_key_groups_spellings_by_ear():
    from content.normalize import sound_key

    assert sound_key("routeen") == sound_key("rooteen") == sound_key("routine")
    assert sound_key("routine") != sound_key("rotation")


@pytest.mark.parametrize(
    "question",
    [
        "the hollow thing keeps going wrong, my lower back pops up off the floor the second I straighten my legs. "
        "What's the correct setup?",
        "my back lifts off the mat as soon as I straighten my legs in the hold",
    ],
)
def test_back_lifting_when_the_legs_straighten_answers_the_hollow_hold(matcher, question):
    assert answered(matcher, question) == "hollow-body-hold"


@pytest.mark.parametrize(
    "question",
    [
        "We put a squat rack in the garage this year. Right now I do 80 bodyweight calf raises in a row and it "
        "is dull. Is there a better way to use the rack for calves?",
        "bodyweight calf raises are way too easy now and there's a rack at my gym",
    ],
)
def test_a_rack_beats_bodyweight_calf_raises(matcher, question):
    assert answered(matcher, question) == "weighted-calf-raise"


def test_weak_core_and_arched_back_story_with_a_connection_question(matcher):
    text = (
        "My coach filmed me on the track last week. My lower back is really arched when I run and she said "
        "something about my core being weak. What's the connection?"
    )
    assert answered(matcher, text) == "core-strength"


@pytest.mark.parametrize(
    "question",
    [
        "how long should an ice bath last after a long run",
        "what temperature should my ice bath be",
        "how do I get rid of a side stitch while running",
        "why do I get stitches when I run",
    ],
)
def test_ice_bath_protocols_and_side_stitches_decline(matcher, question):
    result = matcher.match(question)
    assert result.decision != "answer" and not result.safety, (result.decision, result.id)


def test_ice_baths_in_general_still_answer_injury_prevention(matcher):
    assert answered(matcher, "are ice baths good") == "injury-prevention"


def test_extra_questions9_scores(matcher, library):
    report = evaluate(matcher, library, Path(__file__).parent / "data" / "extra_questions9.jsonl")
    assert report.answerable_accuracy >= 0.95
    assert report.decline_rate == 1.0


def test_wiped_out_calves_are_tired_not_injured(matcher):
    result = matcher.match("my calves feel tight and wiped out after every long run")
    assert result.safety is False and result.id == "why-calf-strength"
    assert matcher.match("I wiped out on my bike and my back hurts").safety is True


def test_named_static_stretches_are_not_answered(matcher):
    assert matcher.match("how do I do the couch stretch for my hip flexors").id is None


def test_which_workouts_did_i_log_is_history(matcher):
    assert matcher.match("what workouts did I log last week").intent == "history"
    assert matcher.match("what did I do wrong on the hollow hold").intent is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("for the one-foot calf raise where does my weight go and do I pause at the top", "single-leg-calf-raise"),
        ("how do I progress the hip twist, reaching back toward the glute and hamstring", "hip-mobility-twist"),
        ("is twice a week enough for calf strengthening or do I need more", "calf-routine-guidelines"),
        ("why does running on the front of my feet wreck my calves", "toe-running"),
        ("why bother with strength work if I'm not hurt yet", "injury-prevention"),
        ("what should I do first before the core and hip drills", "glute-engagement-test"),
        ("lately it's literally just been run, shower, sleep. No gym, no bike, nothing else. Now my lower back has "
         "started nagging. Could dropping everything except running be the reason?", "low-back-pain-causes"),
        ("I drive a truck, 10 hours a day in the cab. The front of my hips feel locked and my back complains. Is the "
         "driving doing this and is there something quick I can do in the parking lot?", "hip-flexors-and-sitting"),
        ("warm up at the trailhead with the twisting lunge thing for my hips, not sure how far to take it or how "
         "many I should be doing each side", "hip-mobility-twist"),
    ],
)
def test_everyday_wordings_of_single_leg_frequency_prevention_and_sitting(matcher, question, expected):
    assert answered(matcher, question) == expected


def test_running_twice_a_day_still_declines(matcher):
    assert matcher.match("should I run twice a day").decision != "answer"


def test_the_signs_of_a_torn_achilles_see_a_professional(matcher):
    for question in (
        "felt like someone kicked me in the back of the heel and now there's a dent above it",
        "there's a gap in my achilles",
    ):
        assert matcher.match(question).safety is True
    assert matcher.match("my calves feel like bricks").safety is False
