"""The text → session event parser, and load bounds."""

from __future__ import annotations

import math

import pytest

from stridecoach.domain.workout_events import (
    Undo,
    MAX_COMMAND_WORDS,
    MAX_LOAD_KG,
    MAX_LOAD_LB,
    MAX_LOAD_PLATES,
    Back,
    Done,
    Load,
    Pause,
    Repeat,
    Resume,
    Skip,
    StartTimer,
    Stop,
    StopTimer,
    WhereAmI,
    asks_position,
    check_load,
    is_courtesy,
    load_in,
    parse_session_text,
)

DONE_PHRASES = [
    "done", "Done", "DONE", "done!", "Done.", "done!!!", "  done  ", "done ✅", "✅", "✅✅", "👍",
    "👍🏽", "✔️", "✔", "☑️", "👌", "finished", "Finished!", "ok", "OK", "okay", "Ok!", "did it",
    "Did it!", "I did it", "all done", "set done", "completed", "i'm done", "I’m done", "im done",
    "doneee", "dnoe", "doen", "ok done", "done done", "done 👍", "ok 👍", "yes done", "done please",
    # "next" advances after the set, as in most workout apps
    "next", "Next!", "next set", "next one", "ok next", "next please",
]


@pytest.mark.parametrize("text", DONE_PHRASES)
def test_done_phrasings(text: str) -> None:
    assert parse_session_text(text) == Done()


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("skip", Skip()), ("Skip!", Skip()), ("skip it", Skip()), ("skip this one", Skip()),
        ("skip this set", Skip()), ("pass", Skip()), ("skp", Skip()), ("ok skip", Skip()),
        ("skip please", Skip()), ("skiiip", Skip()),
        ("repeat", Repeat()), ("again", Repeat()), ("Again!", Repeat()), ("one more time", Repeat()),
        ("do it again", Repeat()), ("repeat that please", Repeat()),
        ("back", Back()), ("Back.", Back()), ("go back", Back()), ("previous", Back()),
        ("previous set", Back()), ("undo", Undo()),
        ("pause", Pause()), ("Pause!", Pause()), ("hold on", Pause()), ("brb", Pause()), ("wait", Pause()),
        ("resume", Resume()), ("continue", Resume()), ("Continue!", Resume()), ("go on", Resume()),
        ("i'm back", Resume()), ("I'm back!", Resume()), ("im back", Resume()), ("carry on", Resume()),
        ("stop", Stop()), ("Stop!", Stop()), ("end session", Stop()), ("quit", Stop()), ("cancel", Stop()),
        ("done for today", Stop()), ("I'm done for today", Stop()), ("that's enough", Stop()),
        ("stop please", Stop()),
        ("where am I", WhereAmI()), ("where am I?", WhereAmI()), ("Where am i??", WhereAmI()),
        ("what set am I on?", WhereAmI()), ("which set", WhereAmI()), ("status", WhereAmI()),
        ("start timer", StartTimer()), ("Start the timer", StartTimer()), ("timer", StartTimer()),
        ("start", StartTimer()), ("start timer please", StartTimer()),
        ("stop timer", StopTimer()), ("Stop the timer!", StopTimer()), ("cancel timer", StopTimer()),
        ("stop timer please", StopTimer()), ("ok stop the timer", StopTimer()),
    ],
)
def test_command_phrasings(text: str, event: object) -> None:
    assert parse_session_text(text) == event


@pytest.mark.parametrize(
    ("text", "load"),
    [
        ("done 40 kg", Load(40, "kg")),
        ("done 40kg", Load(40, "kg")),
        ("done, 40kg", Load(40, "kg")),
        ("Done, 40 KG!", Load(40, "kg")),
        ("done 40 kgs", Load(40, "kg")),
        ("done 40 kilos", Load(40, "kg")),
        ("done with 40 kg", Load(40, "kg")),
        ("done at 42.5kg", Load(42.5, "kg")),
        ("done 42,5 kg", Load(42.5, "kg")),
        ("40 kg done", Load(40, "kg")),
        ("40kg done!", Load(40, "kg")),
        ("40 kg", Load(40, "kg")),
        ("✅ 40 kg", Load(40, "kg")),
        ("done 90 lb", Load(90, "lb")),
        ("done 90 lbs", Load(90, "lb")),
        ("done 90 pounds", Load(90, "lb")),
        ("done 2 plates", Load(2, "plates")),
        ("2 plates", Load(2, "plates")),
        ("1 plate", Load(1, "plates")),
        ("did 60 kg", Load(60, "kg")),
        ("finished 60 kg", Load(60, "kg")),
        # Out of range loads are parsed as typed; the state machine refuses them.
        ("done -5 kg", Load(-5, "kg")),
        ("done 9999 plates", Load(9999, "plates")),
        ("done 5000 kg", Load(5000, "kg")),
    ],
)
def test_loads(text: str, load: Load) -> None:
    assert parse_session_text(text) == Done(load=load)


@pytest.mark.parametrize(
    ("text", "typed"),
    [("done 40", "40"), ("done, 40", "40"), ("40 done", "40"), ("done 6 stone", "6 stone")],
)
def test_load_without_known_unit_is_kept_for_the_machine(text: str, typed: str) -> None:
    assert parse_session_text(text) == Done(unparsed_load=typed)


@pytest.mark.parametrize("text", ["done 12 reps", "done 45 s", "done 60 seconds", "done 3 sets"])
def test_figures_that_are_not_loads_are_dropped(text: str) -> None:
    assert parse_session_text(text) == Done()


NOT_COMMANDS = [
    # questions, even when they start with a command word
    "done with my run yesterday, how do I stretch?",
    "done with my run yesterday, how do I…?",
    "done with my run yesterday",
    "how do I do a hollow hold?",
    "ok so how long should I hold it",
    "can I skip the jump rope if my knee hurts?",
    "should I stop if it hurts",
    "what does hollow body mean?",
    "done?",
    "skip?",
    "ok?",
    "stop the pain in my calf",
    "back pain after running",
    "my back hurts",
    "I'm back from my run, what should I stretch",
    "again my calf hurts",
    "start a new routine for me please now",
    # chat and nonsense
    "",
    "   ",
    "hello",
    "thanks",
    "ok thanks",
    "yes",
    "lol",
    "asdfgh",
    "don",
    "dine",
    "40",
    "40 stones",
    "12 reps",
    "🙂",
    "thank you",
    "cheers",
    "😂😂",
    "done " + "very " * MAX_COMMAND_WORDS,
]


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_not_commands_give_none(text: str) -> None:
    assert parse_session_text(text) is None


def test_parser_never_returns_start_timerup_or_expire() -> None:
    # Those come from /session, buttons and jobs only.
    for text in ["start calf routine", "/session", "time up", "expire", "timer up"]:
        assert parse_session_text(text) in (None, StartTimer())


@pytest.mark.parametrize(
    ("load", "reason"),
    [
        (Load(40, "kg"), None),
        (Load(0, "kg"), None),
        (Load(MAX_LOAD_KG, "kg"), None),
        (Load(MAX_LOAD_KG + 0.5, "kg"), "too_heavy"),
        (Load(5000, "kg"), "too_heavy"),
        (Load(-5, "kg"), "negative"),
        (Load(-0.5, "lb"), "negative"),
        (Load(MAX_LOAD_LB, "lb"), None),
        (Load(MAX_LOAD_LB + 1, "lb"), "too_heavy"),
        (Load(2, "plates"), None),
        (Load(MAX_LOAD_PLATES, "plates"), None),
        (Load(9999, "plates"), "too_heavy"),
        (Load(math.nan, "kg"), "unclear"),
        (Load(math.inf, "kg"), "unclear"),
        (Load(10, "stone"), "unclear"),  # type: ignore[arg-type]
    ],
)
def test_check_load(load: Load, reason: str | None) -> None:
    assert check_load(load) == reason


def test_bounds_are_consistent_across_units() -> None:
    # 880 lb is about 400 kg: the two limits describe the same barbell.
    assert abs(MAX_LOAD_LB * 0.4536 - MAX_LOAD_KG) < 5


@pytest.mark.parametrize("text", ["thanks", "ok thanks", "Thank you!", "thx", "okay, cheers", "cool", "got it thanks"])
def test_courtesy_is_recognised_and_is_never_a_command(text: str) -> None:
    assert is_courtesy(text)
    assert parse_session_text(text) is None  # never records a set


@pytest.mark.parametrize("text", ["done", "ok", "how long do I hold it?", "no thanks I want to stop", "next"])
def test_not_courtesy(text: str) -> None:
    assert not is_courtesy(text)


def test_asks_position_only_for_position_questions() -> None:
    for text in ["where am I", "where am I?", "which set", "what set am I on?"]:
        assert asks_position(text) and parse_session_text(text) == WhereAmI()
    # Also WhereAmI mid-session, but with no session they mean something else.
    for text in ["status", "progress", "what now"]:
        assert parse_session_text(text) == WhereAmI() and not asks_position(text)


@pytest.mark.parametrize(
    "text, load",
    [
        ("used 8kg dumbbells", Load(8.0, "kg")),
        ("I use 15 pound dumbells", Load(15.0, "lb")),
        ("12 reps at 2,5 kg", Load(2.5, "kg")),
        ("did 12 each leg", None),  # a number without a load unit is not a load
        ("done, 45 seconds", None),
    ],
)
def test_a_load_named_in_passing_is_read(text: str, load: Load | None) -> None:
    assert load_in(text) == load


def test_every_symbol_read_as_done_or_ok_counts_a_set() -> None:
    # The session's parser keeps its own "done" emoji (the domain does not import content);
    # a symbol vocabulary.toml reads as "done" or "ok" must count the set here too, or a
    # runner's ✓ mid-set would be read by the slower understanding step instead.
    from stridecoach.content import load_library
    from stridecoach.content.loader import DATA_DIR
    from stridecoach.content.understanding.knowledge import load_knowledge

    symbols = load_knowledge(DATA_DIR, load_library(), labelled=False).vocabulary.symbols
    done_like = [symbol for symbol, word in symbols.items() if word in ("done", "ok")]
    assert done_like, "vocabulary.toml reads some symbols as done"
    for symbol in done_like:
        assert isinstance(parse_session_text(symbol), Done), symbol
        assert isinstance(parse_session_text(f"{symbol}\ufe0f"), Done), symbol
