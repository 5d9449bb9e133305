"""Progress: the pure week arithmetic, then /progress, /history, /export and /forget end to end."""

from __future__ import annotations

from dataclasses import replace

import csv
import io
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PIL import Image
from sqlmodel import select

from stridecoach.domain.timezones import stored_zone
from stridecoach.domain.progress import (
    EXPORT_COLUMNS,
    ExportRow,
    SessionRecord,
    build_report,
    export_csv,
    load_history,
    streak,
    totals_per_exercise,
    week_counts,
    KG_PER_LB,
    SetRecord,
    load_summary,
    to_unit,
    week_of,
)
from stridecoach.bot.testing.harness import BotHarness, FakeClock
from stridecoach.bot.ui.progress_chart import render_week_chart
from stridecoach.storage.models import CompletedSet, Runner, Schedule, WorkoutSession
from tests.conftest import OTHER_RUNNER, RUNNER

if TYPE_CHECKING:
    from stridecoach.bot.services import Services

UTC = timezone.utc
# Wednesday 4 March 2026, 12:00 UTC. Its week starts Monday 2 March.
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def _session(started: datetime, *, done: int = 5, sid: int = 0, routine: str = "calf-routine") -> SessionRecord:
    return SessionRecord(
        session_id=sid, routine_id=routine, started_at=started, status="finished",
        sets_done=done, sets_skipped=0, finished_at=started + timedelta(minutes=10),
    )


def _weeks_ago(weeks: int, *, day: int = 0, hour: int = 9) -> datetime:
    monday = datetime(2026, 3, 2, hour, 0, tzinfo=UTC)
    return monday - timedelta(weeks=weeks) + timedelta(days=day)


# ---------------------------------------------------------------- pure functions


def test_week_of_is_the_local_monday() -> None:
    assert week_of(NOW, UTC) == date(2026, 3, 2)
    # Sunday 23:30 UTC is already Monday in Berlin: the next week there.
    late_sunday = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert week_of(late_sunday, UTC) == date(2026, 2, 23)
    assert week_of(late_sunday, ZoneInfo("Europe/Berlin")) == date(2026, 3, 2)


def test_week_counts_cover_eight_weeks_and_only_count_sessions_with_a_set_done() -> None:
    sessions = [
        _session(_weeks_ago(0)),
        _session(_weeks_ago(0, day=1), done=0),  # opened and stopped: not a workout
        _session(_weeks_ago(1)), _session(_weeks_ago(1, day=2)), _session(_weeks_ago(1, day=4)),
        _session(_weeks_ago(7)),
        _session(_weeks_ago(8)),  # outside the window
    ]
    weeks = week_counts(sessions, now=NOW, zone=UTC)
    assert len(weeks) == 8
    assert weeks[-1].start == date(2026, 3, 2)
    assert weeks[0].start == date(2026, 1, 12)
    assert [w.sessions for w in weeks] == [1, 0, 0, 0, 0, 0, 3, 1]
    assert [w.met_target for w in weeks][-2:] == [True, False]


def test_streak_counts_consecutive_weeks_at_two_or_more_and_tolerates_the_current_week() -> None:
    two_a_week = [_session(_weeks_ago(w, day=d)) for w in (1, 2, 3) for d in (0, 3)]
    # The current week has only one session so far: it neither breaks nor extends the streak.
    assert streak([*two_a_week, _session(_weeks_ago(0))], now=NOW, zone=UTC) == 3
    # Once it reaches two, it counts.
    assert streak([*two_a_week, _session(_weeks_ago(0)), _session(_weeks_ago(0, day=1))], now=NOW, zone=UTC) == 4
    # A gap week with one session ends it.
    broken = [*two_a_week, _session(_weeks_ago(4)), _session(_weeks_ago(5)), _session(_weeks_ago(5, day=1))]
    assert streak(broken, now=NOW, zone=UTC) == 3
    assert streak([], now=NOW, zone=UTC) == 0
    assert streak([_session(_weeks_ago(2)), _session(_weeks_ago(2, day=1))], now=NOW, zone=UTC) == 0


def test_streak_uses_the_runners_week_boundaries() -> None:
    # Two sessions late on Sunday evening UTC+14 are already Monday there.
    tz = ZoneInfo("Pacific/Kiritimati")
    sunday_night = [_session(datetime(2026, 2, 22, 11, 0, tzinfo=UTC)), _session(datetime(2026, 2, 22, 12, 0, tzinfo=UTC))]
    assert streak(sunday_night, now=NOW, zone=UTC) == 0  # week of 16 Feb; week of 23 Feb had none
    assert streak(sunday_night, now=NOW, zone=tz) == 1  # local Monday 23 Feb: last week met it


def test_totals_per_exercise_sorted_by_count() -> None:
    t0 = NOW - timedelta(days=3)
    sets = [
        SetRecord("jump-rope", t0), SetRecord("jump-rope", t0 + timedelta(minutes=1)),
        SetRecord("hollow-body-hold", t0), SetRecord("jump-rope", t0 + timedelta(minutes=2)),
        SetRecord("toe-walking", t0 + timedelta(days=1)), SetRecord("toe-walking", t0 + timedelta(days=1)),
    ]
    totals = totals_per_exercise(sets)
    assert [(t.exercise_id, t.sets) for t in totals] == [
        ("jump-rope", 3), ("toe-walking", 2), ("hollow-body-hold", 1)
    ]
    assert totals[0].last_done == t0 + timedelta(minutes=2)


def test_load_history_lists_every_load_once_per_day_in_set_order() -> None:
    day1, day2 = NOW - timedelta(days=7), NOW
    sets = [
        SetRecord("weighted-calf-raise", day1, 40, "kg"),
        SetRecord("weighted-calf-raise", day1 + timedelta(minutes=2), 45, "kg"),
        SetRecord("weighted-calf-raise", day2, 40, "kg"),
        SetRecord("weighted-calf-raise", day2 + timedelta(minutes=1), 2, "plates"),
        SetRecord("weighted-calf-raise", day2 + timedelta(minutes=2), 2.5, "plates"),
        SetRecord("weighted-calf-raise", day2),  # no load logged
        SetRecord("jump-rope", day2),
    ]
    days = load_history(sets, zone=UTC)
    assert [(d.day, d.loads) for d in days] == [
        (day1.date(), ((40, "kg"), (45, "kg"))),
        (day2.date(), ((40, "kg"), (2, "plates"), (2.5, "plates"))),  # "2 plates" is not hidden
    ]
    assert days[1].heaviest("plates") == 2.5 and days[1].heaviest("lb") is None
    assert len(load_history([SetRecord("w", NOW - timedelta(days=d), d, "kg") for d in range(30)], zone=UTC)) == 10


def test_build_report_puts_it_together() -> None:
    sessions = [_session(_weeks_ago(0)), _session(_weeks_ago(0, day=1)), _session(_weeks_ago(3), done=0)]
    report = build_report(sessions, [SetRecord("jump-rope", NOW)], now=NOW, zone=UTC)
    assert report.this_week == 2
    assert report.streak_weeks == 1
    assert report.total_sessions == 2
    assert [t.exercise_id for t in report.totals] == ["jump-rope"]


def test_a_runner_in_utc_plus_5_30_gets_local_weeks() -> None:
    # "UTC+5:30" is stored as "UTC+05:30" (no IANA name has minutes); its week starts
    # at Monday 00:00 local, which is Sunday 18:30 UTC.
    zone = stored_zone("UTC+05:30")
    assert zone.utcoffset(None) == timedelta(hours=5, minutes=30)
    sunday_evening = [_session(datetime(2026, 2, 22, 19, 0, tzinfo=UTC)), _session(datetime(2026, 2, 22, 20, 0, tzinfo=UTC))]
    assert streak(sunday_evening, now=NOW, zone=UTC) == 0  # still Sunday in UTC
    assert streak(sunday_evening, now=NOW, zone=zone) == 1  # Monday 23 Feb 00:30 and 01:30 local
    assert stored_zone("Etc/GMT-2").utcoffset(None) == timedelta(hours=2)


def test_export_csv_has_a_header_and_iso_utc_instants() -> None:
    started = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    row = ExportRow(1, "calf-routine", started, "finished", "weighted-calf-raise", 2, "3 sets", 42.5, "kg", started)
    parsed = list(csv.reader(io.StringIO(export_csv([row]).decode())))
    assert tuple(parsed[0]) == EXPORT_COLUMNS
    assert parsed[1] == [
        "1", "calf-routine", "2026-03-02T09:00:00Z", "finished", "weighted-calf-raise", "2",
        "3 sets", "42.5", "kg", "2026-03-02T09:00:00Z",
    ]


def test_chart_is_a_png_with_bars_for_each_week() -> None:
    weeks = week_counts([_session(_weeks_ago(w)) for w in (0, 1, 1, 5)], now=NOW, zone=UTC)
    png = render_week_chart(weeks)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (720, 400)
    # The week with 2 sessions (met the target) has a green bar; an empty chart has none.
    green = (46, 160, 67)
    assert green in {colour for _, colour in image.getcolors(maxcolors=100_000) or []}
    empty = Image.open(io.BytesIO(render_week_chart(week_counts([], now=NOW, zone=UTC)))).convert("RGB")
    assert green not in {colour for _, colour in empty.getcolors(maxcolors=100_000) or []}


# ---------------------------------------------------------------- through the bot


async def _walk_back_routine(bot: BotHarness, clock: FakeClock, runner: int = RUNNER) -> None:
    await bot.send(runner, "/session")
    await bot.press(runner, "Lower back routine")
    for _ in range(8):
        clock.advance(seconds=45)
        await bot.send(runner, "done")


async def _walk_to_weighted(bot: BotHarness, clock: FakeClock, load: str) -> None:
    await bot.send(RUNNER, "/session")
    await bot.press(RUNNER, "Calf routine")
    for _ in range(18):
        clock.advance(seconds=40)
        await bot.send(RUNNER, "done")
    await bot.send(RUNNER, f"done {load}")
    await bot.send(RUNNER, "stop")


async def test_progress_with_no_sessions_says_how_to_start(bot: BotHarness) -> None:
    (reply,) = await bot.send(RUNNER, "/progress")
    assert "No sessions yet" in reply.text


async def test_progress_shows_the_week_the_streak_totals_loads_and_a_chart(
    bot: BotHarness, clock: FakeClock
) -> None:
    # Last week: two back sessions (the target met). This week: one calf session with a load.
    clock.set(datetime(2026, 2, 24, 7, 0, tzinfo=UTC))
    await _walk_back_routine(bot, clock)
    clock.set(datetime(2026, 2, 26, 7, 0, tzinfo=UTC))
    await _walk_back_routine(bot, clock)
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await _walk_to_weighted(bot, clock, "40 kg")
    clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await _walk_to_weighted(bot, clock, "50 kg")
    await bot.send(OTHER_RUNNER, "/session")  # someone else's activity never shows up

    text, chart = await bot.send(RUNNER, "/progress")
    # Calf sessions count towards the calf article's 2-3; last week's back sessions do not.
    assert "This week: 2 calf sessions. Target of 2-3 met" in text.text
    assert "Streak: 1 week at 2+ calf sessions." in text.text
    assert "Lower back sessions: 0 this week, 2 all time" in text.text
    assert "• Hollow body hold: 12" in text.text
    assert "• Jumping rope: 6" in text.text
    assert "• Weighted calf raise (barbell): 2" in text.text
    assert "Mon 2 Mar: 40 kg" in text.text and "Tue 3 Mar: 50 kg" in text.text
    assert "Best: 50 kg (Tue 3 Mar)." in text.text
    assert "Trend: up 10 kg from your first day to your latest." in text.text
    assert "UTC time" in text.text
    assert "the calf article's advice to do calf work 2-3 times a week" in text.text
    assert "The lower back article gives no frequency" in text.text
    assert "the article recommends" not in text.text
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    assert "red line is 2 a week, the low end of the calf article's 2-3 times a week" in (chart.caption or "")


async def test_progress_weeks_follow_the_schedule_zone(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    # Sunday 23:30 UTC = Monday 00:30 in Berlin: "this week" there, "last week" in UTC.
    clock.set(datetime(2026, 3, 8, 23, 30, tzinfo=UTC))
    await _walk_back_routine(bot, clock)
    clock.set(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    (utc_text, _) = await bot.send(RUNNER, "/progress")
    assert "Lower back sessions: 0 this week" in utc_text.text
    with services.db.session() as session:
        session.add(Schedule(runner_id=RUNNER, zone="Europe/Berlin"))
    (berlin_text, _) = await bot.send(RUNNER, "/progress")
    assert "Lower back sessions: 1 this week" in berlin_text.text
    assert "Europe/Berlin time" in berlin_text.text


async def test_history_lists_recent_sessions_newest_first(bot: BotHarness, clock: FakeClock) -> None:
    (empty,) = await bot.send(RUNNER, "/history")
    assert "haven't done a guided session yet" in empty.text
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    await _walk_back_routine(bot, clock)
    clock.set(datetime(2026, 3, 3, 18, 0, tzinfo=UTC))
    await bot.send(RUNNER, "/session")
    await bot.press(RUNNER, "Calf routine")
    await bot.send(RUNNER, "done")
    await bot.send(RUNNER, "skip")
    await bot.send(RUNNER, "stop")
    (reply,) = await bot.send(RUNNER, "/history")
    lines = reply.text.splitlines()
    assert lines[0] == "<b>Your recent sessions</b>"
    assert lines[2] == (
        "• Tue 3 Mar, 18:00 · Calf routine · 1 done, 1 skipped · stopped early · not counted (under half its sets)"
    )
    assert lines[3] == "• Mon 2 Mar, 10:00 · Lower back routine · 8 done, 0 skipped · finished in 6 min"


async def test_export_sends_a_csv_of_every_completed_set(bot: BotHarness, clock: FakeClock) -> None:
    (nothing,) = await bot.send(RUNNER, "/export")
    assert "nothing to export" in nothing.text
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    await _walk_to_weighted(bot, clock, "42.5 kg")
    await _walk_back_routine(bot, clock, OTHER_RUNNER)

    (doc,) = await bot.send(RUNNER, "/export")
    assert doc.document is not None
    name, content = doc.document
    assert name == "stridecoach-sets.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert len(rows) == 19
    assert {r["routine_id"] for r in rows} == {"calf-routine"}
    assert rows[0]["exercise_id"] == "jump-rope" and rows[0]["set_no"] == "1"
    assert rows[0]["completed_at_utc"] == "2026-03-02T10:00:40Z"
    assert rows[0]["session_started_at_utc"] == "2026-03-02T10:00:00Z"
    assert (rows[-1]["exercise_id"], rows[-1]["load_amount"], rows[-1]["load_unit"]) == (
        "weighted-calf-raise", "42.5", "kg"
    )
    assert {r["session_status"] for r in rows} == {"stopped"}


async def test_forget_asks_first_and_cancel_keeps_everything(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await _walk_back_routine(bot, clock)
    (question,) = await bot.send(RUNNER, "/forget")
    assert "deletes <b>everything</b>" in question.text
    assert question.button_texts == ["Yes, delete everything", "Cancel"]
    (cancelled,) = await bot.press(RUNNER, "Cancel")
    assert cancelled.text == "Nothing was deleted. Your data stays as it is."
    assert bot.fake.messages[(RUNNER, question.message_id)].buttons == []
    with services.db.session() as session:
        assert len(session.exec(select(CompletedSet)).all()) == 8


async def test_forget_confirmed_deletes_everything_about_that_runner_only(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await _walk_back_routine(bot, clock)
    await _walk_back_routine(bot, clock, OTHER_RUNNER)
    await bot.send(RUNNER, "how many sets of jump rope?")  # the topic is remembered for a follow-up
    assert RUNNER in services.chat_data
    await bot.send(RUNNER, "/session")
    await bot.press(RUNNER, "Calf routine")  # a live session with buttons
    prompt = bot.fake.last(RUNNER)
    with services.db.session() as session:
        session.add(Schedule(runner_id=RUNNER, zone="Europe/Berlin"))
    await bot.send(RUNNER, "/forget")
    (done,) = await bot.press(RUNNER, "Yes, delete everything")
    assert done.text.startswith("Done: everything I stored about you is deleted.")
    assert RUNNER not in services.chat_data  # nor the topic answered last, kept in memory
    assert bot.fake.messages[(RUNNER, prompt.message_id)].buttons == []
    with services.db.session() as session:
        assert session.exec(select(CompletedSet).where(CompletedSet.runner_id == RUNNER)).all() == []
        assert session.exec(select(WorkoutSession).where(WorkoutSession.runner_id == RUNNER)).all() == []
        assert session.get(Schedule, RUNNER) is None
        assert session.get(Runner, RUNNER) is None
        assert len(session.exec(select(CompletedSet).where(CompletedSet.runner_id == OTHER_RUNNER)).all()) == 8
    (after,) = await bot.send(RUNNER, "/progress")
    assert "No sessions yet" in after.text


async def test_an_old_forget_confirmation_deletes_nothing(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await _walk_back_routine(bot, clock)
    await bot.send(RUNNER, "/forget")
    clock.advance(minutes=11)
    (expired,) = await bot.press(RUNNER, "Yes, delete everything")
    assert "expired, so nothing was deleted" in expired.text
    with services.db.session() as session:
        assert len(session.exec(select(CompletedSet)).all()) == 8


async def test_progress_history_export_forget_as_words(bot: BotHarness) -> None:
    (progress_reply,) = await bot.send(RUNNER, "show my progress")
    assert "No sessions yet" in progress_reply.text
    (history_reply,) = await bot.send(RUNNER, "show my history")
    assert "haven't done a guided session yet" in history_reply.text
    (forget_reply,) = await bot.send(RUNNER, "delete my data")
    assert forget_reply.button_texts == ["Yes, delete everything", "Cancel"]


# ---------------------------------------------------------------- QA pass


def test_totals_follow_the_routine_order() -> None:
    from stridecoach.bot.ui.progress import exercise_order
    from stridecoach.content.loader import default_library

    order = exercise_order(default_library())
    assert order[:2] == ["jump-rope", "single-leg-calf-raise"] and order[-1] == "hip-mobility-twist"
    sets = [SetRecord("weighted-calf-raise", NOW), SetRecord("jump-rope", NOW - timedelta(days=1)),
            SetRecord("hollow-body-hold", NOW), SetRecord("single-leg-calf-raise", NOW),
            SetRecord("unknown", NOW)]
    totals = totals_per_exercise(sets, order=order)
    assert [t.exercise_id for t in totals] == [
        "jump-rope", "single-leg-calf-raise", "weighted-calf-raise", "hollow-body-hold", "unknown"
    ]


def test_chart_labels_use_one_date_format_and_say_this_week() -> None:
    from stridecoach.bot.ui.progress_chart import week_labels

    labels = week_labels(week_counts([], now=NOW, zone=UTC))
    assert labels == ["12 Jan", "19 Jan", "26 Jan", "2 Feb", "9 Feb", "16 Feb", "23 Feb", "this week"]


async def test_progress_lists_exercises_in_routine_order_and_every_load(
    bot: BotHarness, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await bot.send(RUNNER, "/session")
    await bot.press(RUNNER, "Calf routine")
    for _ in range(18):
        clock.advance(seconds=40)
        await bot.send(RUNNER, "done")
    for load in ("40 kg", "2 plates", "2.5 plates"):
        clock.advance(seconds=40)
        await bot.send(RUNNER, f"done {load}")
    text, _ = await bot.send(RUNNER, "/progress")
    lines = text.text.splitlines()
    start = lines.index("<b>Sets done per exercise</b>")
    assert [line.split(":")[0] for line in lines[start + 1:start + 8]] == [
        "• Jumping rope", "• Single-leg calf raise", "• Toe walking", "• Ankle-mobilizing knee pushes",
        "• Jumping half chair squats", "• Standing double-leg calf raise", "• Weighted calf raise (barbell)",
    ]
    assert "• Mon 2 Mar: 40 kg, 2 plates, 2.5 plates" in lines
    assert [line for line in lines if line.startswith("• Mon 2 Mar")] == ["• Mon 2 Mar: 40 kg, 2 plates, 2.5 plates"]
    assert "Best: 40 kg (Mon 2 Mar)." in lines
    assert "Most plates: 2.5 (plates stay plates: I don't know their weight)." in lines


async def test_history_leaves_out_sessions_ended_with_no_set_done(bot: BotHarness, clock: FakeClock) -> None:
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    await _walk_back_routine(bot, clock)
    clock.set(datetime(2026, 3, 3, 18, 0, tzinfo=UTC))
    await bot.send(RUNNER, "/session")
    await bot.press(RUNNER, "Calf routine")
    (stopped,) = await bot.send(RUNNER, "stop")
    assert "stopped before any set was done" in stopped.text
    (reply,) = await bot.send(RUNNER, "/history")
    assert "0 done" not in reply.text
    assert reply.text.splitlines()[2:] == [
        "• Mon 2 Mar, 10:00 · Lower back routine · 8 done, 0 skipped · finished in 6 min"
    ]



# ---------------------------------------------------------------- progress you can trust


def test_a_session_counts_only_with_real_work_at_least_half_its_sets() -> None:
    one_of_21 = replace(_session(_weeks_ago(0), done=1), sets_total=21)
    ten_of_21 = replace(_session(_weeks_ago(0), done=10), sets_total=21)
    half_of_short = replace(_session(_weeks_ago(0), done=5, routine="calf-routine:short"), sets_total=9)
    assert not one_of_21.counts and not ten_of_21.counts
    assert replace(ten_of_21, sets_done=11).counts and half_of_short.counts
    assert half_of_short.is_calf and not _session(_weeks_ago(0), routine="back-routine").is_calf


def test_calf_and_back_sessions_are_counted_apart() -> None:
    sessions = [
        replace(_session(_weeks_ago(0)), sets_total=9),
        replace(_session(_weeks_ago(0, day=1), done=8, routine="back-routine"), sets_total=8),
        replace(_session(_weeks_ago(0, day=1), done=1), sets_total=21),  # stopped after 1 of 21
    ]
    report = build_report(sessions, [], now=NOW, zone=UTC)
    assert report.this_week == 1 and report.back_this_week == 1
    assert report.streak_weeks == 0  # one real calf session is not the 2-3
    assert report.short_sessions == 1


def test_loads_are_normalised_to_the_runners_latest_unit_with_best_and_trend() -> None:
    sets = [
        SetRecord("weighted-calf-raise", _weeks_ago(1), 40.0, "kg"),
        SetRecord("weighted-calf-raise", _weeks_ago(0), 110.0, "lb"),
        SetRecord("weighted-calf-raise", _weeks_ago(0, hour=10), 2.0, "plates"),
    ]
    summary = load_summary(sets, zone=UTC)
    assert summary is not None and summary.unit == "lb"
    assert summary.best is not None and summary.best[0] == 110.0
    assert summary.change is not None and round(summary.change, 1) == round(110 - 40 / KG_PER_LB, 1)
    assert summary.best_plates == 2.0
    assert to_unit(100, "lb", "kg") == 45.359237 and to_unit(2, "plates", "kg") is None


def test_a_fixed_offset_zone_gives_local_days() -> None:
    zone = stored_zone("UTC+05:30")
    # 20:00 UTC on Sunday is 01:30 on Monday in UTC+05:30: a new week there.
    assert week_of(datetime(2026, 3, 1, 20, 0, tzinfo=UTC), zone) == date(2026, 3, 2)
    assert stored_zone("Etc/GMT-2").utcoffset(None) == timedelta(hours=2)


async def test_history_and_progress_use_a_fixed_offset_runners_local_days(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    with services.db.session() as session:
        session.add(Runner(id=RUNNER, chat_id=RUNNER))
        session.add(Schedule(runner_id=RUNNER, zone="UTC+05:30"))
    clock.set(datetime(2026, 3, 1, 20, 0, tzinfo=UTC))  # Monday 01:30 in UTC+05:30
    await _walk_back_routine(bot, clock)
    (history,) = await bot.send(RUNNER, "/history")
    assert "• Mon 2 Mar, 01:30 · Lower back routine" in history.text
    (text, _) = await bot.send(RUNNER, "/progress")
    assert "Lower back sessions: 1 this week" in text.text and "UTC+05:30 time" in text.text


# ---------------------------------------------------------------- the weekly summary (opt-in)


def test_the_summary_is_due_once_after_sunday_evening_and_never_at_night() -> None:
    from stridecoach.domain.progress import latest_summary_week, summary_due

    berlin = ZoneInfo("Europe/Berlin")
    sunday_evening = datetime(2026, 3, 8, 17, 30, tzinfo=UTC)  # 18:30 in Berlin
    assert latest_summary_week(sunday_evening, berlin) == date(2026, 3, 2)
    assert latest_summary_week(sunday_evening - timedelta(hours=1), berlin) == date(2026, 2, 23)
    assert summary_due(sunday_evening, berlin, date(2026, 2, 23)) == date(2026, 3, 2)
    assert summary_due(sunday_evening, berlin, date(2026, 3, 2)) is None  # sent already
    back_at_3am = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # 03:00 in Berlin after an outage
    assert summary_due(back_at_3am, berlin, date(2026, 2, 23)) is None
    assert summary_due(back_at_3am + timedelta(hours=5), berlin, date(2026, 2, 23)) == date(2026, 3, 2)


async def test_weekly_summary_on_sends_planned_days_against_sessions_done_once(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    from stridecoach.bot.handlers.progress import send_weekly_summaries

    with services.db.session() as session:
        session.add(Runner(id=RUNNER, chat_id=RUNNER))
        session.add(Schedule(runner_id=RUNNER, zone="Europe/Berlin", days_mask=0b10101))
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))  # Wednesday
    (on,) = await bot.send(RUNNER, "weekly summary on")
    assert "every Sunday evening" in on.text
    assert await send_weekly_summaries(bot.app.bot, services) == 0  # last week is not sent afterwards
    for day in (4, 6):
        clock.set(datetime(2026, 3, day, 10, 0, tzinfo=UTC))
        await bot.send(RUNNER, "/session")
        await bot.press(RUNNER, "Short calf session")
        for _ in range(9):
            clock.advance(seconds=40)
            await bot.send(RUNNER, "done")
    clock.set(datetime(2026, 3, 8, 16, 30, tzinfo=UTC))  # Sunday 17:30 in Berlin: not yet
    assert await send_weekly_summaries(bot.app.bot, services) == 0
    clock.set(datetime(2026, 3, 8, 17, 5, tzinfo=UTC))  # 18:05 in Berlin
    assert await send_weekly_summaries(bot.app.bot, services) == 1
    summary = bot.fake.last(RUNNER).text
    assert "Mon 2 Mar – Sun 8 Mar" in summary
    assert "3 training days planned; done: 2 calf sessions and 0 lower back sessions" in summary
    assert "2-3 a week: met" in summary
    assert await send_weekly_summaries(bot.app.bot, services) == 0  # once
    (off,) = await bot.send(RUNNER, "weekly summary off")
    assert "off" in off.text
