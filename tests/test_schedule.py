"""Reminder arithmetic across DST changes: no day skipped, none doubled, no real clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from stridecoach.domain.schedule import (
    ALL_DAYS,
    WEEKDAYS,
    classify_due,
    days_to_mask,
    format_days,
    local_date_of,
    mask_to_days,
    next_reminder_utc,
    snooze_until,
)
from stridecoach.domain.timezones import zone_from_name

UTC = timezone.utc
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
DST_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------- oracle


def oracle(day: date, at: time, zone: str) -> datetime:
    """Brute force, independent of the implementation: scan UTC minutes around the day and
    take the first whose local wall time is ``at`` on ``day``; if none (a gap), the first
    whose local wall time is later than ``at`` on ``day``."""
    tz = zone_from_name(zone)
    naive = datetime.combine(day, at)
    start = naive.replace(tzinfo=UTC) - timedelta(hours=15)
    later = None
    for minute in range(30 * 60):
        instant = start + timedelta(minutes=minute)
        local = instant.astimezone(tz)
        if local.date() != day:
            continue
        if local.time().replace(tzinfo=None) == at:
            return instant
        if later is None and local.time().replace(tzinfo=None) > at:
            later = instant
    assert later is not None
    return later


def is_transition_day(day: date, zone: str) -> bool:
    tz = zone_from_name(zone)
    return datetime.combine(day, time(0), tz).utcoffset() != datetime.combine(
        day + timedelta(days=1), time(0), tz
    ).utcoffset()


def dates_between(start: date, end: date):
    while start < end:
        yield start
        start += timedelta(days=1)


# ------------------------------------------------------------------ explicit DST days


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # spring forward: 02:30 does not exist -> first valid minute after the gap
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 0)),  # 03:00 CEST
        ("Europe/Berlin", date(2027, 3, 28), time(2, 30), utc(2027, 3, 28, 1, 0)),
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 0)),  # 03:00 EDT
        ("America/New_York", date(2027, 3, 14), time(2, 30), utc(2027, 3, 14, 7, 0)),
        ("Australia/Sydney", date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 16, 0)),  # 03:00 AEDT
        ("Australia/Sydney", date(2027, 10, 3), time(2, 30), utc(2027, 10, 2, 16, 0)),
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 30)),  # 02:30 +11
        ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 15), utc(2027, 10, 2, 15, 30)),
        # fall back: the time happens twice -> the first occurrence (fold=0)
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),  # CEST
        ("Europe/Berlin", date(2027, 10, 31), time(2, 30), utc(2027, 10, 31, 0, 30)),
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # EDT
        ("America/New_York", date(2027, 11, 7), time(1, 30), utc(2027, 11, 7, 5, 30)),
        ("Australia/Sydney", date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),  # AEDT
        ("Australia/Sydney", date(2027, 4, 4), time(2, 30), utc(2027, 4, 3, 15, 30)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), utc(2026, 4, 4, 14, 45)),  # +11
        ("Australia/Lord_Howe", date(2027, 4, 4), time(1, 45), utc(2027, 4, 3, 14, 45)),
        # no DST
        ("Asia/Kolkata", date(2026, 3, 29), time(2, 30), utc(2026, 3, 28, 21, 0)),
        ("UTC+05:30", date(2026, 3, 29), time(2, 30), utc(2026, 3, 28, 21, 0)),
        ("Etc/GMT-2", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 0, 30)),
    ],
)
def test_dst_days(zone: str, day: date, at: time, expected: datetime) -> None:
    day_before = datetime.combine(day - timedelta(days=1), time(12), UTC)
    result = next_reminder_utc({day.weekday()}, at, zone, day_before)
    assert result == expected
    assert result.tzinfo is UTC
    assert result == oracle(day, at, zone)
    # From the instant just sent, the next one is a week later (never the same day).
    following = next_reminder_utc({day.weekday()}, at, zone, result)
    assert local_date_of(following, zone) == day + timedelta(days=7)


def test_fall_back_second_occurrence_does_not_resend() -> None:
    # Berlin 2026-10-25: 02:30 CEST (00:30Z) is sent; at 02:10 CET (01:10Z, second pass
    # through 02:xx) nothing is due again today.
    sent = utc(2026, 10, 25, 0, 30)
    assert next_reminder_utc(ALL_DAYS, time(2, 30), "Europe/Berlin", utc(2026, 10, 25, 1, 10)) == utc(
        2026, 10, 26, 1, 30
    )
    assert next_reminder_utc(ALL_DAYS, time(2, 30), "Europe/Berlin", sent) == utc(2026, 10, 26, 1, 30)


# ------------------------------------------------------------------ a whole year


ZONE_TIMES = [
    ("Europe/Berlin", time(2, 30)),
    ("Europe/Berlin", time(7, 0)),
    ("America/New_York", time(2, 30)),
    ("America/New_York", time(1, 30)),
    ("Australia/Sydney", time(2, 30)),
    ("Australia/Lord_Howe", time(2, 15)),
    ("Australia/Lord_Howe", time(1, 45)),
    ("Asia/Kolkata", time(2, 30)),
    ("Asia/Kolkata", time(0, 0)),
    ("UTC+05:30", time(23, 59)),
]
DAY_SETS = [ALL_DAYS, frozenset({SUN}), frozenset({MON, WED, FRI}), frozenset({SAT, SUN})]


@pytest.mark.parametrize(("zone", "at"), ZONE_TIMES)
@pytest.mark.parametrize("days", DAY_SETS, ids=format_days)
def test_two_years_one_reminder_per_training_day(zone: str, at: time, days: frozenset[int]) -> None:
    tz = zone_from_name(zone)
    start, end = date(2026, 1, 1), date(2028, 1, 1)
    now = datetime.combine(start, time(0), tz).astimezone(UTC) - timedelta(seconds=1)
    sent: list[datetime] = []
    for _ in range(800):  # bounded: a "not strictly after" bug must fail, not hang
        following = next_reminder_utc(days, at, zone, now)
        assert following > now
        now = following
        if local_date_of(now, zone) >= end:
            break
        sent.append(now)

    expected_days = [d for d in dates_between(start, end) if d.weekday() in days]
    assert [local_date_of(s, zone) for s in sent] == expected_days  # none missed, none doubled
    assert sent == sorted(set(sent))
    transitions = 0
    for day, instant in zip(expected_days, sent, strict=True):
        if is_transition_day(day, zone):
            transitions += 1
            assert instant == oracle(day, at, zone)
        else:
            local = instant.astimezone(tz)
            assert (local.date(), local.time().replace(tzinfo=None)) == (day, at)
    if days == ALL_DAYS:  # the test really crossed the DST changes (2 per year)
        assert transitions == (4 if zone in DST_ZONES else 0)


# ------------------------------------------------------------------ a once-a-minute tick


def run_ticks(
    days: frozenset[int], at: time, zone: str, start: datetime, end: datetime, *, from_due: bool
) -> list[datetime]:
    """Simulate the storage tick minute by minute; return the due instants sent."""
    grace = timedelta(minutes=30)
    due = next_reminder_utc(days, at, zone, start)
    sent = []
    now = start
    while now < end:
        if due is not None and due <= now:
            assert not sent or due > sent[-1], "the same reminder came back"
            if classify_due(due, now, grace) != "drop":
                sent.append(due)
            due = next_reminder_utc(days, at, zone, due if from_due else now)
        now += timedelta(minutes=1)
    return sent


@pytest.mark.parametrize("from_due", [True, False], ids=["next-from-due", "next-from-tick"])
@pytest.mark.parametrize(
    ("zone", "at", "day"),
    [
        ("Europe/Berlin", time(2, 30), date(2026, 3, 29)),
        ("Europe/Berlin", time(2, 30), date(2026, 10, 25)),
        ("Europe/Berlin", time(2, 0), date(2026, 10, 25)),
        ("America/New_York", time(1, 30), date(2026, 11, 1)),
        ("America/New_York", time(2, 0), date(2026, 3, 8)),
        ("Australia/Sydney", time(2, 30), date(2026, 4, 5)),
        ("Australia/Lord_Howe", time(1, 45), date(2026, 4, 5)),
        ("Australia/Lord_Howe", time(2, 15), date(2026, 10, 4)),
    ],
)
def test_minute_ticks_over_dst_weekend(zone: str, at: time, day: date, from_due: bool) -> None:
    start = datetime.combine(day - timedelta(days=2), time(0), UTC)
    end = datetime.combine(day + timedelta(days=2), time(0), UTC)
    sent = run_ticks(ALL_DAYS, at, zone, start, end, from_due=from_due)
    local_days = [local_date_of(s, zone) for s in sent]
    assert len(local_days) == len(set(local_days))  # never twice on one local day
    first, last = local_date_of(start, zone), local_date_of(end, zone)
    for d in dates_between(first + timedelta(days=1), last):  # full days inside the window
        assert d in local_days
    assert oracle(day, at, zone) in sent


def test_sweep_of_nows_never_repeats_the_local_day() -> None:
    # Every 10 minutes across the Berlin fall-back night: the answer is after now, and
    # asking again from the answer moves on to the next local day.
    cases = [
        ("Europe/Berlin", time(2, 30), date(2026, 10, 25)),
        ("Australia/Lord_Howe", time(1, 45), date(2026, 4, 5)),
    ]
    for zone, at, day in cases:
        now = datetime.combine(day - timedelta(days=1), time(12), UTC)
        while now < datetime.combine(day + timedelta(days=1), time(12), UTC):
            result = next_reminder_utc(ALL_DAYS, at, zone, now)
            assert result > now
            again = next_reminder_utc(ALL_DAYS, at, zone, result)
            assert local_date_of(again, zone) == local_date_of(result, zone) + timedelta(days=1)
            now += timedelta(minutes=10)


# ------------------------------------------------------------------ skip, empty, errors


def test_skip_today() -> None:
    now = utc(2026, 6, 1, 4, 0)  # Monday 06:00 in Berlin
    assert next_reminder_utc(ALL_DAYS, time(7), "Europe/Berlin", now) == utc(2026, 6, 1, 5, 0)
    skipped = next_reminder_utc(ALL_DAYS, time(7), "Europe/Berlin", now, skip_local_date=date(2026, 6, 1))
    assert skipped == utc(2026, 6, 2, 5, 0)


def test_skip_the_only_training_day_moves_a_week() -> None:
    now = utc(2026, 6, 1, 4, 0)
    result = next_reminder_utc({MON}, time(7), "Europe/Berlin", now, skip_local_date=date(2026, 6, 1))
    assert result == utc(2026, 6, 8, 5, 0)


def test_skip_uses_local_date_not_utc_date() -> None:
    # Sydney Tuesday 06:00 local is Monday 20:00 UTC: skipping local Tuesday skips it.
    now = utc(2026, 6, 1, 12, 0)  # Monday 22:00 in Sydney
    plain = next_reminder_utc(ALL_DAYS, time(6), "Australia/Sydney", now)
    assert plain == utc(2026, 6, 1, 20, 0)
    skipped = next_reminder_utc(ALL_DAYS, time(6), "Australia/Sydney", now, skip_local_date=date(2026, 6, 2))
    assert skipped == utc(2026, 6, 2, 20, 0)


def test_skip_a_date_that_is_not_next_changes_nothing() -> None:
    now = utc(2026, 6, 1, 4, 0)
    assert next_reminder_utc(WEEKDAYS, time(7), "UTC", now, skip_local_date=date(2026, 6, 3)) == utc(2026, 6, 1, 7)


def test_no_days_is_none() -> None:
    assert next_reminder_utc(frozenset(), time(7), "Europe/Berlin", utc(2026, 1, 1)) is None


def test_strictly_after_now() -> None:
    exactly = utc(2026, 6, 1, 5, 0)  # Monday 07:00 Berlin
    assert next_reminder_utc(ALL_DAYS, time(7), "Europe/Berlin", exactly) == utc(2026, 6, 2, 5, 0)
    just_before = exactly - timedelta(microseconds=1)
    assert next_reminder_utc(ALL_DAYS, time(7), "Europe/Berlin", just_before) == exactly


def test_accepts_tzinfo_and_non_utc_aware_now() -> None:
    now_in_berlin = datetime(2026, 6, 1, 6, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    result = next_reminder_utc([MON], time(7), ZoneInfo("Europe/Berlin"), now_in_berlin)
    assert result == utc(2026, 6, 1, 5, 0)
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda: next_reminder_utc(ALL_DAYS, time(7), "UTC", datetime(2026, 1, 1)),  # naive now
        lambda: next_reminder_utc(ALL_DAYS, time(7, tzinfo=UTC), "UTC", utc(2026, 1, 1)),
        lambda: next_reminder_utc({7}, time(7), "UTC", utc(2026, 1, 1)),
        lambda: snooze_until(datetime(2026, 1, 1)),
        lambda: snooze_until(utc(2026, 1, 1), minutes=0),
        lambda: local_date_of(datetime(2026, 1, 1), "UTC"),
        lambda: classify_due(utc(2026, 1, 1, 0, 1), utc(2026, 1, 1), timedelta(hours=1)),  # not due
        lambda: mask_to_days(128),
        lambda: days_to_mask([-1]),
    ],
)
def test_bad_arguments_raise(call) -> None:
    with pytest.raises(ValueError):
        call()


# ------------------------------------------------------------------ helpers


def test_days_mask_round_trip() -> None:
    assert days_to_mask({MON, WED, FRI}) == 0b0010101
    assert days_to_mask(ALL_DAYS) == 127
    assert days_to_mask(()) == 0
    for mask in range(128):
        assert days_to_mask(mask_to_days(mask)) == mask


def test_format_days() -> None:
    assert format_days({FRI, MON, WED}) == "Mon, Wed, Fri"
    assert format_days({SUN}) == "Sun"
    assert format_days(set()) == "no days"


def test_local_date_of() -> None:
    instant = utc(2026, 6, 1, 20, 0)
    assert local_date_of(instant, "Australia/Sydney") == date(2026, 6, 2)
    assert local_date_of(instant, "America/New_York") == date(2026, 6, 1)
    assert local_date_of(instant, "UTC-03:30") == date(2026, 6, 1)


def test_snooze_is_plain_duration_across_dst() -> None:
    # 00:30Z on the Berlin fall-back night plus 60 minutes is 01:30Z whatever the wall clock does.
    assert snooze_until(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 25, 1, 30)
    assert snooze_until(utc(2026, 10, 25, 0, 30), minutes=15) == utc(2026, 10, 25, 0, 45)


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (timedelta(0), "send"),
        (timedelta(seconds=59), "send"),
        (timedelta(minutes=1), "late-send"),
        (timedelta(minutes=30), "late-send"),
        (timedelta(minutes=30, seconds=1), "drop"),
        (timedelta(days=3), "drop"),
    ],
)
def test_classify_due(late: timedelta, expected: str) -> None:
    due = utc(2026, 6, 1, 5, 0)
    assert classify_due(due, due + late, timedelta(minutes=30)) == expected


def test_a_backlog_is_late_never_dropped_but_downtime_still_counts() -> None:
    due = utc(2026, 6, 1, 5, 0)
    grace = timedelta(minutes=60)
    # Ticks ran all along: 100,000 due at 05:00 take 83 min at 1,200 a minute; the last are late, not lost.
    assert classify_due(due, due + timedelta(minutes=83), grace, sending_since=utc(2026, 6, 1)) == "late-send"
    # Down 05:00-05:40, then 50 min of backlog: 40 min of downtime, inside the window.
    assert classify_due(due, due + timedelta(minutes=90), grace, sending_since=utc(2026, 6, 1, 5, 40)) == "late-send"
    # Down for 2 hours: dropped as before, whatever the backlog.
    assert classify_due(due, due + timedelta(hours=3), grace, sending_since=utc(2026, 6, 1, 7, 0)) == "drop"


def test_restart_after_downtime_sends_once_then_resumes() -> None:
    # Bot down from 06:50 to 07:20 Berlin on Monday: late-send once, then Tuesday.
    due = next_reminder_utc(ALL_DAYS, time(7), "Europe/Berlin", utc(2026, 6, 1, 4, 50))
    back = utc(2026, 6, 1, 5, 20)
    assert classify_due(due, back, timedelta(minutes=30)) == "late-send"
    assert next_reminder_utc(ALL_DAYS, time(7), "Europe/Berlin", back) == utc(2026, 6, 2, 5, 0)


def test_a_zone_the_tz_database_no_longer_has_reads_as_utc() -> None:
    # Never stored (upsert refuses it), but a tzdata upgrade could drop a name: the
    # reminder then comes at the runner's time in UTC rather than stopping the tick.
    start = utc(2026, 1, 1)
    assert next_reminder_utc(ALL_DAYS, time(7), "Narnia/Capital", start) == next_reminder_utc(
        ALL_DAYS, time(7), "UTC", start
    )
