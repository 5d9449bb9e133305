"""Reminders in the runner's words: pause lengths, "remind me" requests, quiet hours (pure)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from stridecoach.domain.reminder_words import (
    MAX_PAUSE_DAYS,
    PauseRefused,
    PauseUntil,
    RemindAt,
    RemindRefused,
    in_quiet_hours,
    pause_for,
    pause_words,
    parse_remind_request,
)

WEDNESDAY = date(2026, 3, 4)


def parse_pause(text: str, today: date) -> PauseUntil | PauseRefused | None:
    """What the reminders handler does with the words: the pause they name, within the limits."""
    words = pause_words(text)
    return None if words is None else pause_for(today, typed=words.typed, named=words.slots)


@pytest.mark.parametrize(
    ("text", "resume_on"),
    [
        ("pause for a week", date(2026, 3, 11)),
        ("Pause my reminders for a week please", date(2026, 3, 11)),
        ("pause until Monday", date(2026, 3, 9)),
        ("pause reminders till next monday", date(2026, 3, 9)),
        ("pause until wednesday", date(2026, 3, 11)),  # today is Wednesday: a week today
        ("no reminders for 3 days", date(2026, 3, 7)),
        ("pause for 2 weeks", date(2026, 3, 18)),
        ("mute reminders for a fortnight", date(2026, 3, 18)),
        ("pause until tomorrow", date(2026, 3, 5)),
    ],
)
def test_timed_pauses_resume_on_a_local_date(text: str, resume_on: date) -> None:
    result = parse_pause(text, WEDNESDAY)
    assert isinstance(result, PauseUntil) and result.resume_on == resume_on


@pytest.mark.parametrize(("text", "problem"), [("pause for 400 days", "too_long"), ("pause for 0 days", "too_short"),
                                               ("pause for 2 years", "too_long"), ("pause for 9 weeks", "too_long"),
                                               ("pause for 1000 days", "too_long")])
def test_pauses_the_bot_will_not_set_are_refused(text: str, problem: str) -> None:
    result = parse_pause(text, WEDNESDAY)
    assert isinstance(result, PauseRefused) and result.problem == problem
    assert MAX_PAUSE_DAYS == 56


@pytest.mark.parametrize(
    "text",
    ["pause", "pause my reminders", "pause it", "how do I pause?", "stop", "no, I did it for 2 weeks",
     "stop after 3 sets"],
)
def test_plain_pause_is_not_a_timed_pause(text: str) -> None:
    assert parse_pause(text, WEDNESDAY) is None


@pytest.mark.parametrize(
    ("text", "days", "at"),
    [
        ("remind me Tuesdays and Thursdays at 7am", {1, 3}, time(7, 0)),
        ("remind me every tuesday at 7am", {1}, time(7, 0)),
        ("Remind me on mon, wed and fri at 18:30", {0, 2, 4}, time(18, 30)),
        ("remind me to train weekends at 9", {5, 6}, time(9, 0)),
    ],
)
def test_remind_me_sets_days_and_time_in_one_go(text: str, days: set[int], at: time) -> None:
    assert parse_remind_request(text) == RemindAt(frozenset(days), at)


def test_remind_me_with_a_bad_time_or_missing_part_is_refused() -> None:
    bad = parse_remind_request("remind me at 25:00")
    assert isinstance(bad, RemindRefused) and bad.problem == "bad_time" and bad.typed == "25:00"
    no_days = parse_remind_request("remind me at 7am")
    assert isinstance(no_days, RemindRefused) and no_days.problem == "no_days"
    no_time = parse_remind_request("remind me tuesdays")
    assert isinstance(no_time, RemindRefused) and no_time.problem == "no_time"
    assert parse_remind_request("remind me how to do a calf raise") is None
    assert parse_remind_request("what time is it") is None


def test_quiet_hours_are_the_night() -> None:
    assert in_quiet_hours(time(23, 30)) and in_quiet_hours(time(3, 0)) and in_quiet_hours(time(22, 0))
    assert not in_quiet_hours(time(7, 0)) and not in_quiet_hours(time(18, 0))
    assert in_quiet_hours(datetime(2026, 3, 4, 2, 0, tzinfo=timezone.utc))
