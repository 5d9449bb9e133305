"""The understanding step, as a runner would notice it (no Telegram).

Grouped by behaviour: what wins when a message is several things at once, red
flags and their tiers, commands versus questions, context, odd input, and the
knowledge being data a coach can extend.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import time
from pathlib import Path

import pytest

from stridecoach.content.evaluation import evaluate_file
from stridecoach.content.loader import DATA_DIR, load_library
from stridecoach.content.understanding import (
    FITTED_FILE, Command, Context, OutOfScope, Question, RedFlag, SessionControl, SmallTalk, Understander,
    Unreadable, build_understander, data_fingerprint, default_understander,
)
from stridecoach.content.understanding import _build, artefact
from stridecoach.content.understanding.fitting import Report, read_fingerprint
from stridecoach.content.understanding.results import PauseSlots, ScheduleSlots
from stridecoach.content.understanding.knowledge import UNDERSTANDING_DIR, KnowledgeError, load_knowledge
from tests.labelled import held_out_files, held_out_lines, labelled_texts, texts_of

IN_SESSION = Context(in_session=True, exercise="single-leg-calf-raise")


@pytest.fixture(scope="module")
def u() -> Understander:
    return default_understander()


# -- precedence: a red flag or an injury wins; questions are never executed ---------


@pytest.mark.parametrize(
    "text",
    [
        "I pulled my calf yesterday, can I still do the routine?",
        "my back went pop lifting the kids and now my leg is numb, lets do the back routine",
    ],
)
def test_an_injury_beats_a_start(u: Understander, text: str) -> None:
    result = u.understand(text)
    assert isinstance(result, RedFlag), result


@pytest.mark.parametrize("context", [Context(), IN_SESSION])
def test_a_red_flag_wins_in_a_session_too(u: Understander, context: Context) -> None:
    assert isinstance(u.understand("sharp stabbing pain in my calf, it's getting worse", context), RedFlag)


@pytest.mark.parametrize(
    "text",
    [
        "stop the session, i think i tore something",
        "im done, ankle rolled",
        "next set, but my knee is swelling up",
        "undo, i fell over",
    ],
)
def test_an_injury_told_with_a_session_word_reaches_a_professional(u: Understander, text: str) -> None:
    # The control word is the runner's reaction to the injury, not what the message is
    # about; a fitted trust in the control reading once let all four through as controls.
    assert isinstance(u.understand(text, IN_SESSION), RedFlag)


@pytest.mark.parametrize(
    "text, entry",
    [
        ("can I do the calf exercises in the middle of my run?", "calf-routine-guidelines"),
        ("what's in the back routine?", "back-routine"),
        ("how long does the calf workout take?", "calf-routine-guidelines"),
        ("explain the back routine", "back-routine"),
        # There is no one-exercise session: being walked through one exercise is a question.
        ("walk me through the hollow body hold", "hollow-body-hold"),
    ],
)
def test_questions_about_routines_are_answered_not_started(u: Understander, text: str, entry: str) -> None:
    result = u.understand(text)
    assert not isinstance(result, Command), result
    assert isinstance(result, Question) and entry in (result.entry_id, *result.alternatives), result


@pytest.mark.parametrize(
    "text, routine",
    [
        ("start the calf workout", "calf-routine"),
        ("let's do the back routine", "back-routine"),
        ("ok lets go, calves", "calf-routine"),
        ("start a session", None),
        # Being taken through a whole routine is the guided session (docs/understanding.md,
        # "Content files"), not its description.
        ("talk me through the back session set by set", "back-routine"),
        ("guide me through the calf exercises one at a time", "calf-routine"),
    ],
)
def test_imperatives_start_a_session(u: Understander, text: str, routine: str | None) -> None:
    result = u.understand(text)
    assert isinstance(result, Command) and result.intent == "start-session", result
    assert result.routine == routine


def test_held_out_questions_rarely_start_a_workout(u: Understander) -> None:
    # Every held-out line that is not a command (never trained on), read in its context as
    # `stridecoach eval` reads it: a question carried out as a start puts a session the
    # runner never asked for in their history. At most one in 1,000 (13 of 13,982 in the
    # thirteenth session, 8 of 14,114 in the fourteenth: docs/understanding.md).
    library = load_library()
    report = Report()
    for path in held_out_files():
        report.absorb(evaluate_file(u, library, path))
    asked = sum(sum(c.values()) for kind, c in report.by_kind.items() if kind not in ("command", "session", "safety"))
    assert asked > 10000
    assert report.count("started-question") * 1000 <= asked, report.count("started-question")


# -- red flags and their tiers ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my calf is hot, red and swollen since the flight home",
        "chest feels tight and heavy when i run up hills",
        "since my back went i can't hold my pee",
        "my foot suddenly flops and drags when i walk",
        "feeling lightheaded, had to sit down on the floor",  # near-fainting (red-flags.md)
        "got really dizzy on the last set",
        "felt woozy on the last rep, should i keep going",  # symptoms.toml: woozy is dizzy (was declined)
    ],
)
def test_emergency_signs_are_urgent(u: Understander, text: str) -> None:
    result = u.understand(text)
    assert isinstance(result, RedFlag) and result.tier == "urgent", result


@pytest.mark.parametrize(
    "text",
    [
        "tingling down the back of my leg after long runs",
        "can I take ibuprofen before my long run",
        "is this plantar fasciitis?",
        "i'm pregnant, is the hollow body hold ok",
        # No example names these medicines or conditions: vocabulary.toml reads every
        # medicine and condition name as one shared word too (without it three of these
        # five were answered or declined).
        "is it fine to pop a meloxicam before my long run?",
        "got prescribed celebrex, still ok to do the calf raises?",
        "i have lupus, are the jumping squats alright for me",
        "fibromyalgia here, can i do the back routine",
        "anaemic at the moment, should i still do the routine",
        # Nor these (the broader medical vocabulary of the seventh session: without it all
        # four were answered as questions about the exercise).
        "just started rosuvastatin, fine to keep doing calf raises?",
        "taking anastrozole, are the jumping squats alright",
        "my pulmonologist wants me active, which calf exercises should i start with",
        "i'm on dialysis, is the calf routine ok",
        # Nor these: the open word lists of vocabulary/medical.toml (without them, all six
        # were answered as questions about the exercise or declined).
        "just started flecainide, any problem with the calf routine?",
        "cardioversion on friday, can i keep doing calf raises till then",
        "amiodarone and the weighted raises, fine?",
        "my sjogrens flares up sometimes, how many sets should i do",
        "angioplasty in spring, can i start the back routine",
        "dysautonomia, toe walking ok?",
        # Pregnancy told without the word (the fourteenth session's blind examples: before
        # them, both were answered as questions about the routines).
        "my due date is in april, can i keep doing the back routine",
        "the midwife says keep active, which calf exercises are ok",
    ],
)
def test_nerve_symptoms_medication_diagnosis_and_conditions_reach_a_professional(u: Understander, text: str) -> None:
    assert isinstance(u.understand(text), RedFlag)


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # vocabulary/medical_languages.toml: a medical word of another language in an English message
        ("estoy embarazada, can i do the jump rope?", "professional"),
        ("ich bin schwanger, is the hollow hold ok for me?", "professional"),
        ("dolor de pecho on the hills, should i keep going?", "urgent"),
    ],
)
def test_a_medical_word_in_another_language_reaches_a_professional(u: Understander, text: str, tier: str) -> None:
    result = u.understand(text)
    assert isinstance(result, RedFlag) and result.tier == tier, result


def test_a_symptom_at_the_end_of_a_long_story_is_caught(u: Understander) -> None:
    story = (
        "Morning coach! Quick update on my training: I did the calf routine three times this week, "
        "the jump rope is getting easier and my kids think toe walking is hilarious. We went to the "
        "beach on Sunday and I ran a slow 10k on the sand. Anyway since Tuesday my left foot has been "
        "numb and tingling all the way from my lower back down to my toes."
    )
    assert isinstance(u.understand(story), RedFlag)


@pytest.mark.parametrize(
    "text",
    ["I'm itching to start the calf workout!", "my alarm was painfully early today", "this heat is killing me"],
)
def test_figurative_symptom_words_do_not_alarm(u: Understander, text: str) -> None:
    assert not isinstance(u.understand(text), RedFlag)


def test_ordinary_soreness_is_answered_from_the_articles(u: Understander) -> None:
    result = u.understand("my calves are always sore after long runs, why?")
    assert isinstance(result, Question) and result.entry_id == "why-calf-strength", result


def test_soreness_after_an_exercise_is_answered_with_that_exercise(u: Understander) -> None:
    # Ordinary soreness after an exercise is about that exercise. "My calves ache after
    # ..." sits on the red-flag line (the examples' claudication, "buttock and calf ache
    # every time I walk uphill, stops when I rest", is a red flag) and since the tenth
    # session's word lists is sent to a professional: the next test guards soreness as a
    # whole (docs/understanding.md, the tenth session).
    result = u.understand("my calves are sore after the weighted raises, is that expected")
    assert isinstance(result, Question) and result.entry_id == "weighted-calf-raise", result


def test_ordinary_soreness_in_runners_own_words_rarely_alarms(u: Understander) -> None:
    # Every held-out line of ordinary soreness the articles answer (never trained on): at
    # most one false alarm in 20, the target for harmless messages with symptom words.
    soreness = [line for line in held_out_lines() if line["kind"] == "symptom"]
    alarms = [line["q"] for line in soreness if isinstance(u.understand(line["q"]), RedFlag)]
    assert len(soreness) > 1000
    assert len(alarms) * 20 <= len(soreness), (len(alarms), len(soreness), alarms[:5])


def test_an_injury_during_an_exercise_still_reaches_a_professional(u: Understander) -> None:
    result = u.understand("my calf popped during the single leg raises and now i can't put weight on it, keep going?")
    assert isinstance(result, RedFlag), result


# -- commands, small talk and questions ------------------------------------------


@pytest.mark.parametrize(
    "text, intent",
    [
        ("pause my reminders for a week", "reminders-pause"),
        ("remind me tuesdays and thursdays at 7am", "schedule"),
        ("show me my progress", "progress"),
        ("delete all my data", "forget"),
        ("turn the reminders off", "reminders-off"),
    ],
)
def test_commands_in_words(u: Understander, text: str, intent: str) -> None:
    result = u.understand(text)
    assert isinstance(result, Command) and result.intent == intent, result


# A request told inside a story: read whole, the story drowns it.
NEW_BABY = (
    "Quick update from me. The half marathon went well, I finished in just under two hours and the weather "
    "held, which was a small miracle given the forecast. My legs were heavy for a couple of days but nothing "
    "unusual. I'm off to my sister's in Leeds tomorrow for the week, new baby in the family, so I'll be doing "
    "nappies instead of calf raises. Please pause the reminders for a week. I'll be back at it when I get home."
)


# Two times in the story; the request's own sentence names the one it means.
SWIMMING = (
    "The kids have swimming on Tuesdays and Saturdays at 7 and I just sit on a hard bench scrolling my phone. "
    "I would rather get the strength work done first, before the school run. "
    "Set my sessions for those days at half six in the morning please."
)
# Days named in passing; the question is what the story is for.
PLANNING = (
    "I've just started running three mornings a week and I want to fit the calf work in properly. "
    "I was thinking of putting it on Monday and Wednesday evenings after dinner. "
    "How many times a week should I really be doing the calf exercises?"
)


@pytest.mark.parametrize(
    ("text", "intent", "values"),
    [
        (NEW_BABY, "reminders-pause", {"pause": PauseSlots(days=7)}),
        # the time from the request's own sentence, the days from the story
        (SWIMMING, "schedule", {"schedule": ScheduleSlots(frozenset({1, 5}), time(6, 30))}),
    ],
    ids=["pause", "schedule"],
)
def test_a_request_inside_a_long_story_is_carried_out_with_its_values(
    u: Understander, text: str, intent: str, values: dict[str, object]
) -> None:
    result = u.understand(text)
    assert isinstance(result, Command) and result.intent == intent, result
    assert {name: getattr(result, name) for name in values} == values


def test_a_story_that_asks_a_question_is_answered_not_carried_out(u: Understander) -> None:
    result = u.understand(PLANNING)
    assert isinstance(result, Question) and result.entry_id == "calf-routine-guidelines", result


def test_small_talk_is_small_talk(u: Understander) -> None:
    assert u.understand("thanks coach!") == SmallTalk("thanks")
    assert u.understand("hey there") == SmallTalk("greeting")


@pytest.mark.parametrize(
    "text, entry",
    [
        ("how do I do a hollow body hold", "hollow-body-hold"),
        ("hw mny sets of jump rop", "jump-rope"),
        ("what muscle does toe walking work", "toe-walking"),
        ("how does sitting all day tighten my hip flexors", "hip-flexors-and-sitting"),
    ],
)
def test_questions_are_answered_with_their_entry(u: Understander, text: str, entry: str) -> None:
    result = u.understand(text)
    assert isinstance(result, Question) and result.decision == "answer", result
    assert result.entry_id == entry or entry in result.alternatives[:1]


@pytest.mark.parametrize("text", ["what should I eat before a marathon", "best shoes for flat feet"])
def test_out_of_scope_is_declined(u: Understander, text: str) -> None:
    assert isinstance(u.understand(text), OutOfScope)


# -- context: the current exercise, the topic answered last -------------------------


def test_a_mid_set_question_is_about_the_exercise_in_hand_even_with_another_exercise_word(u: Understander) -> None:
    # "hold" is the hollow body hold's word; mid-set on toe walking the runner means toe
    # walking (session_bonus: with it at 0 the hollow body hold is answered).
    context = Context(in_session=True, exercise="toe-walking")
    result = u.understand("can i hold my phone while i do this", context)
    assert isinstance(result, Question) and result.entry_id == "toe-walking", result


@pytest.mark.parametrize(("text", "action"), [("pasue", "pause"), ("sotp", "stop"), ("tiemr", "timer")])
def test_two_letters_swapped_mid_set_still_control_the_session(u: Understander, text: str, action: str) -> None:
    # Thumbs on a phone swap neighbouring letters; none of these misspellings is in any example.
    result = u.understand(text, IN_SESSION)
    assert isinstance(result, SessionControl) and result.action == action, result


@pytest.mark.parametrize(
    ("text", "action"),
    [("⏸️", "pause"), ("▶️", "resume"), ("⏹", "stop"), ("⏱️", "timer"), ("✅", "done"), ("🔁", "repeat")],
)
def test_an_emoji_for_a_control_controls_the_session(u: Understander, text: str, action: str) -> None:
    # vocabulary.toml's [symbols] reads each as its word; folding to ASCII would leave nothing.
    result = u.understand(text, IN_SESSION)
    assert isinstance(result, SessionControl) and result.action == action, result


def test_session_controls_only_count_in_a_session(u: Understander) -> None:
    text = "skip the rest of this exercise, I have no barbell"
    assert u.understand(text, IN_SESSION) == SessionControl("skip-exercise", u.understand(text, IN_SESSION).score)
    assert not isinstance(u.understand(text), SessionControl)


@pytest.mark.parametrize("text", ["how many reps?", "should I hold dumbbells for this one?", "how many sets of this one?"])
def test_a_question_mid_set_is_about_the_current_exercise(u: Understander, text: str) -> None:
    result = u.understand(text, IN_SESSION)
    assert isinstance(result, Question) and result.entry_id == "single-leg-calf-raise", result


def test_a_follow_up_refers_to_the_topic_answered_last(u: Understander) -> None:
    result = u.understand("and how many sets?", Context(last_topic="jump-rope"))
    assert isinstance(result, Question) and result.entry_id == "jump-rope", result


def test_a_follow_up_without_its_subject_is_read_with_the_last_answer(u: Understander) -> None:
    # Nothing in it names an exercise or topic: the follow-up model recognises a
    # message that only makes sense after the answer before it.
    text, last = "how long should i stay down", "hollow-body-hold"
    result = u.understand(text, Context(last_topic=last))
    assert isinstance(result, Question) and result.entry_id == last, result
    assert not (isinstance(alone := u.understand(text), Question) and alone.entry_id == last and alone.decision == "answer")


@pytest.mark.parametrize(
    ("text", "last", "onward"),
    [
        ("right, and how would i fix that then", "hip-flexors-and-sitting", {"hip-mobility-twist", "hip-flexor-release"}),
        ("ok so which moves build it", "core-strength", {"hollow-body-hold", "back-routine"}),
        ("cool, where do i start then", "why-calf-strength", {"calf-routine"}),
        ("and what do i do to fix mine", "low-back-pain-causes", {"back-routine", "core-strength", "hip-mobility-twist"}),
    ],
)
def test_a_follow_up_that_moves_on_gets_what_the_answer_leads_to(u: Understander, text: str, last: str, onward: set[str]) -> None:
    # After "why calves matter", "where do I start then" wants the routine, not the
    # same answer again; on its own the message names nothing to answer.
    result = u.understand(text, Context(last_topic=last))
    assert isinstance(result, Question) and result.entry_id in onward, result
    # The answer before it is what decides it, or at least what makes it sure.
    alone = u.understand(text)
    assert not (isinstance(alone, Question) and alone.decision == "answer" and alone.confidence >= result.confidence)


@pytest.mark.parametrize(
    ("text", "last", "onward"),
    [
        ("what about calves then", "back-routine", {"calf-routine"}),
        ("is there a version for the back", "calf-routine", {"back-routine"}),
        ("now the back side of it?", "injury-prevention", {"back-routine", "low-back-pain-causes"}),
    ],
)
def test_a_follow_up_that_moves_on_goes_where_its_words_point(u: Understander, text: str, last: str, onward: set[str]) -> None:
    # Where follow-ups after an answer usually go (after the calf routine: how often) is
    # split by what the message says: "a version for the back" after the calf routine is
    # the back routine, not the calf routine's guidelines.
    result = u.understand(text, Context(last_topic=last))
    assert isinstance(result, Question) and result.decision == "answer" and result.entry_id in onward, result


@pytest.mark.parametrize("text", ["lets go then", "let's do it", "start calf routine"])
def test_a_go_ahead_right_after_a_routine_is_described_starts_it(u: Understander, text: str) -> None:
    # The routine's answer ends by saying how to start it. The follow-up model reads "lets
    # go then" as following that answer; reading such follow-ups in context before any
    # command would have answered the routine again (measured and refused in the twelfth
    # session: docs/understanding.md).
    result = u.understand(text, Context(last_topic="calf-routine"))
    assert isinstance(result, Command) and result.intent == "start-session", result
    assert result.routine == "calf-routine"  # the one just described, not the chooser


@pytest.mark.parametrize(
    ("text", "last", "routine"),
    [
        ("lets go then", "back-routine", "back-routine"),  # names none: the routine answered last
        ("ok start the calf one now", "back-routine", "calf-routine"),  # names another: that one
        ("lets go then", "toe-walking", None),  # after an exercise's answer: the chooser
        ("lets go then", None, None),
    ],
)
def test_a_start_that_names_no_routine_takes_the_routine_answered_last(
    u: Understander, text: str, last: str | None, routine: str | None
) -> None:
    result = u.understand(text, Context(last_topic=last))
    assert isinstance(result, Command) and result.intent == "start-session", result
    assert result.routine == routine


@pytest.mark.parametrize("text", ["and the calf one?", "ok and the calf one", "what about the calf one"])
def test_a_follow_up_naming_the_other_routine_asks_about_it_and_starts_nothing(u: Understander, text: str) -> None:
    # Right after the back routine's answer this moves on to the calf routine: it asks
    # about it. It once started the calf workout (4 of the 13 questions held-out files
    # saw started, the thirteenth session).
    result = u.understand(text, Context(last_topic="back-routine"))
    assert not isinstance(result, Command), result
    assert isinstance(result, Question) and result.entry_id == "calf-routine", result


def test_a_question_that_stands_alone_is_not_pulled_to_the_last_answer(u: Understander) -> None:
    result = u.understand("why do weak calves lead to shin splints?", Context(last_topic="hollow-body-hold"))
    assert isinstance(result, Question) and result.entry_id == "why-calf-strength", result


# "ok" is the reported bug; the others are worded unlike any example the models train on.
@pytest.mark.parametrize("text", ["ok", "okay then", "is this ok", "aight", "yea", "nah mate", "got ya", "hmmm"])
def test_the_short_replies_of_any_chat_raise_no_alarm_and_start_nothing(u: Understander, text: str) -> None:
    # A lone "ok" once leaned on the "ok" of "is it ok to take ibuprofen" and was sent to a professional.
    for context in (Context(), Context(last_topic="jump-rope"), IN_SESSION):
        result = u.understand(text, context)
        assert not isinstance(result, (RedFlag, Command)), (text, context, result)


@pytest.mark.parametrize(
    "text", ["i can't believe it's friday", "feeling awesome today", "this is actually fun", "omg so hard", "no", "nope no"]
)
def test_chatter_mid_set_neither_alarms_nor_ends_or_skips_the_session(u: Understander, text: str) -> None:
    # "can't believe it" once read as urgent (the "can't" of "can't control my bladder"),
    # "feeling great today" as "stop"; worded here unlike the examples that fixed them.
    # A bare "no" skipped the whole exercise.
    result = u.understand(text, IN_SESSION)
    assert not isinstance(result, RedFlag), result
    assert not (isinstance(result, SessionControl) and result.action in ("stop", "skip-set", "skip-exercise", "back", "undo"))


# "ok and?" and "and?" were called urgent: with no content word the message's whole
# weight fell on "and", which the red-flag examples use to join symptoms.
@pytest.mark.parametrize("text", ["ok and?", "and?", "so then??", "yeah but"])
@pytest.mark.parametrize("context", [Context(), IN_SESSION, Context(last_topic="jump-rope")], ids=["alone", "mid-set", "after-answer"])
def test_fillers_alone_raise_no_alarm(u: Understander, text: str, context: Context) -> None:
    assert not isinstance(u.understand(text, context), RedFlag)


# The same weight fell on a sentence of only "and..." inside a longer message: "ok. and...
# how many sets of calf raises" was sent for urgent help, and "right. and... done" paused
# the session. Each sentence is read for red flags; a sentence of one filler word says nothing.
@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("ok. and... how many sets of calf raises", Context(), Question),
        ("and... what about jump rope, how long?", Context(), Question),
        ("right. and... done", IN_SESSION, SessionControl),
        ("ugh. and. done.", IN_SESSION, SessionControl),
    ],
)
def test_a_sentence_of_fillers_raises_no_alarm_in_a_longer_message(
    u: Understander, text: str, context: Context, expected: type
) -> None:
    assert isinstance(u.understand(text, context), expected)


# -- odd input -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "?!?", "🙂🏃‍♀️🔥"])
def test_nothing_to_read_is_unreadable(u: Understander, text: str) -> None:
    assert u.understand(text) == Unreadable("empty")


@pytest.mark.parametrize("text", ["¿cuántas series de saltos de cuerda debo hacer?", "как укрепить икры", "ふくらはぎ"])
def test_other_languages_get_english_only(u: Understander, text: str) -> None:
    assert u.understand(text) == Unreadable("foreign")


def test_a_phone_keyboards_curly_apostrophes_read_as_straight_ones(u: Understander) -> None:
    # iPhones type ’ by default: "I’m 20 weeks" must be read as "I'm 20 weeks" is.
    typed = [t for t in labelled_texts() if "'" in t]
    assert len(typed) > 1000
    assert [t for t in typed if u.understand(t.replace("'", "\u2019")) != u.understand(t)] == []


def test_gibberish_is_out_of_scope_even_mid_session(u: Understander) -> None:
    assert isinstance(u.understand("qwzx blorp", IN_SESSION), OutOfScope)


def test_a_4096_character_message_gets_one_result(u: Understander) -> None:
    text = ("I love running on the canal path in the mornings. " * 90)[:4000] + " how long should I jump rope?"
    result = u.understand(text[:4096])
    assert isinstance(result, Question | OutOfScope)


# -- knowledge is data ----------------------------------------------------------


@pytest.mark.slow
def test_a_coach_adds_an_exercise_file_and_it_is_answered(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # The labelled sets only add wording to entries that exist; without them training takes
    # seconds, not half a minute, and the new entry is found through its own phrasings alone.
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("blind_*.jsonl", "labelled*.jsonl"))
    (data / "exercises" / "heel-drop.toml").write_text(
        'id = "heel-drop"\ntitle = "Eccentric heel drop"\n'
        'answer = """Stand on a step, rise on both feet, lower slowly on one."""\n'
        'phrasings = ["heel drop", "eccentric heel drops", "how do I do a heel drop", "lowering off a step slowly"]\n'
        'keywords = ["eccentric", "heel drop"]\n'
        '[dose]\nsets_min = 3\nsets_max = 3\nsummary = "3 sets"\n',
        encoding="utf-8",
    )
    understander = build_understander(load_library(data), data)
    result = understander.understand("how do i do eccentric heel drops?")
    assert isinstance(result, Question) and result.entry_id == "heel-drop", result


@pytest.mark.parametrize("symbol", ["a", "7", "✅✅", "ok"])
def test_a_symbol_entry_must_be_one_symbol(tmp_path: Path, symbol: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.jsonl"))
    path = data / "understanding" / "vocabulary.toml"
    words = path.read_text(encoding="utf-8").split("\n[symbols]\n")[0]  # [symbols] is the file's last table
    path.write_text(words + f'\n[symbols]\n"{symbol}" = "done"\n', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"vocabulary\.toml: field 'symbols\."):
        load_knowledge(data, load_library(data), labelled=False)


@pytest.mark.parametrize(
    ("word_list", "refused"),
    [
        ('[words]\nzorvaprofen = "zorvaprofen medicinename"\nwarfarin = "warfarin medicinename"\n', r"field 'words\.warfarin': already given"),
        ('[words]\nzorvaprofen = "zorvaprofen medicinename"\n[fillers]\nwords = ["um"]\n', r"field 'fillers': a word list has only"),
    ],
)
def test_a_word_list_beside_the_vocabulary_is_checked(tmp_path: Path, word_list: str, refused: str) -> None:
    # A word already mapped in another file would silently win or lose by file order;
    # a table other than [words] and [phrases] would be ignored. Both are refused by name.
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.jsonl"))
    lists = data / "understanding" / "vocabulary"
    lists.mkdir(exist_ok=True)
    (lists / "new.toml").write_text(word_list, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"new\.toml: " + refused):
        load_knowledge(data, load_library(data), labelled=False)


def test_the_fitted_thresholds_are_current() -> None:
    fitted = read_fingerprint(DATA_DIR / UNDERSTANDING_DIR / FITTED_FILE)
    assert fitted == data_fingerprint(DATA_DIR), "content/data changed: run `stridecoach fit` (make fit)"


def test_no_held_out_set_is_trained_on() -> None:
    """The held-out figures in docs/understanding.md mean something only if the models never saw those sets.

    Independent writers do coincide on short messages ("done", "pause", "timer"),
    so a few shared lines are expected; a held-out file copied or merged into the
    training examples is not.
    """
    def messages(path: Path) -> set[str]:
        return {" ".join(text.lower().split()) for text in texts_of(path)}

    examples = DATA_DIR / "examples"
    trained = set().union(*(messages(p) for p in examples.glob("*.jsonl")))
    held_out = held_out_files()
    assert held_out, "tests/data/holdout holds the held-out sets"
    for path in held_out:
        assert not (examples / path.name).exists(), path.name
        lines = messages(path)
        shared = lines & trained
        assert len(shared) < 0.25 * len(lines), (path.name, sorted(shared)[:10])


def test_served_from_saved_models_without_holding_the_labelled_lines(u: Understander) -> None:
    # The labelled lines (7 MB in memory) are read only to train; saved models are keyed
    # by a hash of every data file, so changed examples always mean training.
    saved = artefact.path_for(u.fingerprint)
    assert saved is not None and saved.exists(), "the test session saves the packaged models"
    served = _build.__wrapped__(DATA_DIR, u.fingerprint, load_library())
    assert served.knowledge.labelled == ()
    for text, context in [("how many sets of jump rope?", Context()), ("done", IN_SESSION), (NEW_BABY, Context())]:
        assert _to_4_places(served.understand(text, context)) == _to_4_places(u.understand(text, context))


def _to_4_places(result: object) -> object:
    """A result with its scores rounded: saved weights are int16 steps (a probability moves
    by at most about 2e-5), and ``u`` itself was trained in process when the cache was cold."""
    floats = {f.name: round(v, 4) for f in dataclasses.fields(result) if isinstance(v := getattr(result, f.name), float)}  # type: ignore[arg-type]
    return dataclasses.replace(result, **floats)  # type: ignore[type-var]
