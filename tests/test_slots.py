"""The values a command carries, read wherever they sit in the runner's sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stridecoach.content.understanding import Command, default_understander
from stridecoach.content.understanding.results import PauseSlots, ScheduleSlots
from stridecoach.content.understanding.slots import MAY_NAME_A_VALUE, pause_slots, schedule_slots, value_marks
from stridecoach.content.understanding.text import sentences
from stridecoach.domain.reminder_words import PauseRefused, PauseUntil, pause_for
from tests.labelled import labelled_texts

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    "text, days, at",
    [
        ("remind me tuesdays and thursdays at 7am", {TUE, THU}, time(7, 0)),
        ("could you ping me on tue/thu, say 7:30", {TUE, THU}, time(7, 30)),
        ("every day except sunday at 6 in the morning", {MON, TUE, WED, THU, FRI, SAT}, time(6, 0)),
        ("Set reminders for Monday, Wednesday and Friday around 6pm", {MON, WED, FRI}, time(18, 0)),
        ("weekdays 18:00", {MON, TUE, WED, THU, FRI}, time(18, 0)),
        ("saturdays at noon please", {SAT}, time(12, 0)),
        ("mon to fri at half past 6", {MON, TUE, WED, THU, FRI}, time(6, 30)),
        ("remind me sundays 8 o'clock at night", {SUN}, time(20, 0)),
        ("Book me in Tuesday, Thursday and Saturday at 4 in the arvo", {TUE, THU, SAT}, time(16, 0)),
        ("can reminders go off at 5 past 6 in the morning on weekdays", {MON, TUE, WED, THU, FRI}, time(6, 5)),
        ("pls schedule wk days @ 5:30am before work", {MON, TUE, WED, THU, FRI}, time(5, 30)),
        ("scheduel for thrusday at 5pm", {THU}, time(17, 0)),  # a misspelt day is still that day
        # the part of the day said away from the clock moves a 12-hour time into it
        ("could you remind me Friday evenings at 7", {FRI}, time(19, 0)),
        ("weekday mornings at half six", {MON, TUE, WED, THU, FRI}, time(6, 30)),
        ("remind me at 7 on mondays, I'm on night shift", {MON}, time(7, 0)),
        ("remind me at midday on mondays", {MON}, time(12, 0)),
    ],
)
def test_days_and_time_are_read_anywhere(text: str, days: set[int], at: time) -> None:
    assert schedule_slots(text) == ScheduleSlots(frozenset(days), at)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I want reminders on wednesdays", ScheduleSlots(frozenset({WED}), None)),
        ("set my reminder to 7pm", ScheduleSlots(None, time(19, 0))),
        ("can you remind me to train", ScheduleSlots(None, None)),
        # numbers that are not times stay out: "3 sets", "10 kg"
        ("remind me mondays to do 3 sets", ScheduleSlots(frozenset({MON}), None)),
    ],
)
def test_missing_values_stay_missing(text: str, expected: ScheduleSlots) -> None:
    assert schedule_slots(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pause for a week", PauseSlots(days=7)),
        ("no reminders for 3 days please", PauseSlots(days=3)),
        ("stop reminding me till sunday", PauseSlots(until_weekday=SUN)),
        ("hold the reminders until next Monday", PauseSlots(until_weekday=MON)),
        ("pause until tomorrow", PauseSlots(days=1)),
        ("take a fortnight off reminders", PauseSlots(days=14)),
        ("mute them a couple of weeks, on holiday", PauseSlots(days=14)),
        ("mute everything for 2 years, retiring from running", PauseSlots(days=730)),
        ("mute me for 48 hours", PauseSlots(days=2)),  # hours: whole days, rounded up
        ("pause for 12 hrs", PauseSlots(days=1)),
        ("pause my reminders", PauseSlots()),
    ],
)
def test_pause_lengths_and_end_days(text: str, expected: PauseSlots) -> None:
    assert pause_slots(text) == expected


def test_a_pause_ends_on_the_next_such_day_within_the_limit() -> None:
    monday = date(2026, 11, 30)
    assert pause_for(monday, typed="till sunday", named=PauseSlots(until_weekday=SUN)) == PauseUntil(date(2026, 12, 6), 6)
    assert pause_for(monday, typed="until monday", named=PauseSlots(until_weekday=MON)) == PauseUntil(date(2026, 12, 7), 7)
    assert isinstance(pause_for(monday, typed="for 9 weeks", named=PauseSlots(days=63)), PauseRefused)


@pytest.mark.parametrize(
    "text, intent, check",
    [
        ("could you ping me on tuesdays and thursdays, say 7:30pm",
         "schedule", lambda c: c.schedule == ScheduleSlots(frozenset({TUE, THU}), time(19, 30))),
        ("no reminders till sunday please", "reminders-pause", lambda c: c.pause == PauseSlots(until_weekday=SUN)),
        ("going on holiday, mute the reminders for two weeks", "reminders-pause", lambda c: c.pause.days == 14),
    ],
)
def test_the_understanding_step_returns_the_command_with_its_values(
    text: str, intent: str, check: Callable[[Command], bool]
) -> None:
    result = default_understander().understand(text)
    assert isinstance(result, Command) and result.intent == intent, result
    assert check(result), result


def test_a_long_run_of_joins_is_read_in_one_pass() -> None:
    # 4,000 characters of commas after a day: an earlier pattern backtracked without end here.
    assert schedule_slots("remind me mon" + " , " * 1300 + "x") == ScheduleSlots(frozenset({MON}), None)
    assert schedule_slots("remind me mon" + " and " * 800 + "at 7pm") == ScheduleSlots(frozenset({MON}), time(19, 0))


@pytest.mark.parametrize(
    ("text", "marks"),
    [
        ("wed sat 1730", ["§d", "§t"]),
        ("till next tuesday pls", ["§d", "§l"]),
        ("mute notifs for a fortnight", ["§l"]),
        ("how many sets of toe walking?", []),
        ("10 reps with 8 kg", []),
    ],
)
def test_value_marks_tell_the_models_what_the_grammar_found(text: str, marks: list[str]) -> None:
    assert value_marks(text) == marks


def _names_no_value(text: str) -> bool:
    return schedule_slots(text) == ScheduleSlots() and not pause_slots(text, hours=False).named


def test_every_labelled_sentence_the_quick_check_passes_over_names_no_value() -> None:
    # value_marks skips the grammars when MAY_NAME_A_VALUE finds nothing: if a grammar
    # learns a new anchor (a word such as "fortnite"), the check must learn it too, or
    # the models would stop seeing the marks of the messages that use it.
    skipped = [s for text in labelled_texts() for s in [text, *sentences(text)] if not MAY_NAME_A_VALUE.search(s.lower())]
    assert len(skipped) > 10_000
    assert [s for s in skipped if not _names_no_value(s)] == []


# The grammars' own words, without any anchor: leads, periods, joins, counts, units' neighbours.
_NEAR_MISSES = (
    "at @ around about by half quarter past after to before until till til 'til through thru from back on next "
    "this the for a an couple of few am pm a.m. p.m. o'clock in morning afternoon evening arvo every each and "
    "or except but not work working end ends hours hrs min twenty midd , / & + - :"
).split()


@given(st.lists(st.sampled_from(_NEAR_MISSES) | st.text(max_size=6), max_size=12).map(" ".join))
def test_a_text_without_a_digit_day_or_unit_names_no_value(text: str) -> None:
    if not MAY_NAME_A_VALUE.search(text.lower()):
        assert _names_no_value(text)
        assert value_marks(text) == []
