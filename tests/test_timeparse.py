"""Typed reminder times and training days."""

from __future__ import annotations

from datetime import time

import pytest

from stridecoach.content.understanding.timeparse import mentions_days, parse_days, parse_time_of_day

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", time(7)),  # bare numbers are the 24-hour clock
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("730", time(7, 30)),
        ("0730", time(7, 30)),
        ("1930", time(19, 30)),
        ("19:00", time(19)),
        ("19h30", time(19, 30)),
        ("07:30:00", time(7, 30)),
        ("23:59", time(23, 59)),
        ("00:00", time(0)),
        ("7pm", time(19)),
        ("7 pm", time(19)),
        ("7 PM", time(19)),
        ("7 p.m.", time(19)),
        ("7:15pm", time(19, 15)),
        ("6:45 am", time(6, 45)),
        ("12am", time(0)),
        ("12:30 am", time(0, 30)),
        ("12pm", time(12)),
        ("7pm-ish", time(19)),
        ("7ish", time(7)),
        ("around 7pm", time(19)),
        ("at about 8.", time(8)),
        ("7 o'clock", time(7)),
        ("noon", time(12)),
        ("midnight", time(0)),
        ("half past 6", time(6, 30)),
        ("half past six pm", time(18, 30)),
        ("quarter past 7", time(7, 15)),
        ("quarter to 7", time(6, 45)),
        ("half 6", time(6, 30)),
        ("6 in the morning", time(6)),
        ("7 in the evening", time(19)),
        ("seven pm", time(19)),
        ("twenty past five", time(5, 20)),
        ("twenty-five to 7", time(6, 35)),
        ("4 in the arvo", time(16)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25:61", "24:00", "2400", "24", "13pm", "0am", "", "   ", "soon", "7:5", "7.5", "7:30:15", "12345", "-1",
     "tomorrow", "19:60", "7:", "quarter to 13"],
)  # fmt: skip
def test_bad_times(text: str) -> None:
    assert parse_time_of_day(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon wed fri", {MON, WED, FRI}),
        ("Tuesday, Thursday and Saturday", {TUE, THU, SAT}),
        ("weekdays", {MON, TUE, WED, THU, FRI}),
        ("weekends", {SAT, SUN}),
        ("every day", set(range(7))),
        ("daily", set(range(7))),
        ("tue/thu", {TUE, THU}),
        ("mo we fr", {MON, WED, FRI}),
        ("tu th", {TUE, THU}),
        ("Mon., Wed., Fri.", {MON, WED, FRI}),
        ("mondays and thursdays", {MON, THU}),
        ("mon-fri", {MON, TUE, WED, THU, FRI}),
        ("friday to monday", {FRI, SAT, SUN, MON}),
        ("weekdays and sat", {MON, TUE, WED, THU, FRI, SAT}),
        ("every day except sunday", {MON, TUE, WED, THU, FRI, SAT}),
        ("wednsday", {WED}),
        ("thrusday and saturday", {THU, SAT}),
        ("SUN", {SUN}),
        # Polite filler around the days is ignored; ranges and exclusions keep their meaning.
        ("I'd like reminders on sat and sun please", {SAT, SUN}),
        ("I’d like reminders on Tuesdays and Thursdays.", {TUE, THU}),
        ("please remind me on mon, wed and fri, thanks!", {MON, WED, FRI}),
        ("I'd like to train friday to monday please", {FRI, SAT, SUN, MON}),
        ("every day except sunday please", {MON, TUE, WED, THU, FRI, SAT}),
        ("how about tue and thu?", {TUE, THU}),
        ("all week please", set(range(7))),
    ],
)
def test_days(text: str, expected: set[int]) -> None:
    assert parse_days(text) == frozenset(expected)


@pytest.mark.parametrize(
    "text",
    [
        "", "soon", "3", "1,3,5", "mon and soon", "except mon", "every day except every day", "#1", "t", "s",
        # Filler alone, or negations, are not days.
        "please remind me", "I'd like reminders", "I don't want monday", "I can't do monday", "not monday",
    ],
)
def test_bad_days(text: str) -> None:
    assert parse_days(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sat and maybe sun-ish", True), ("weekends or so", True), ("Tuesdays, ideally", True),
     ("how do I do a calf raise?", False), ("we go", False), ("hello", False)],
)  # fmt: skip
def test_mentions_days(text: str, expected: bool) -> None:
    assert mentions_days(text) is expected
