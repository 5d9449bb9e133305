"""The schedules repository on a real SQLite file: claiming, grace, snooze, skip, exactly-once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlmodel import select

from stridecoach.storage import runners, schedules
from stridecoach.storage.db import Database
from stridecoach.storage.models import CompletedSet, Reminder, Runner, Schedule, WorkoutSession

UTC = timezone.utc
GRACE = timedelta(hours=1)
RUNNER = 11
MWF = {0, 2, 4}
# Monday 2 March 2026, 18:00 in Berlin (CET, UTC+1) is 17:00 UTC.
MON_18_BERLIN = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _runner(db: Database, runner_id: int = RUNNER) -> None:
    with db.session() as session:
        runners.ensure_runner(session, user_id=runner_id, chat_id=runner_id, first_name="R")


def _schedule(
    db: Database,
    runner_id: int = RUNNER,
    *,
    days: set[int] | None = None,
    at: time = time(18, 0),
    zone: str = "Europe/Berlin",
    now: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
) -> Schedule:
    _runner(db, runner_id)
    with db.session() as session:
        return schedules.upsert_schedule(
            session, runner_id=runner_id, days=days or MWF, local_time=at, zone=zone, now=now
        )


def _claim(db: Database, now: datetime, *, limit: int = 1000) -> schedules.ClaimResult:
    with db.session() as session:
        return schedules.claim_due(session, now=now, grace=GRACE, limit=limit)


def _reminders(db: Database) -> list[Reminder]:
    with db.session() as session:
        return list(session.exec(select(Reminder).order_by(Reminder.due_at)).all())


def _get(db: Database, runner_id: int = RUNNER) -> Schedule:
    with db.session() as session:
        found = schedules.get_schedule(session, runner_id=runner_id)
    assert found is not None
    return found


def test_upsert_arms_the_next_local_instant(db: Database) -> None:
    schedule = _schedule(db)
    assert schedule.next_reminder_at == MON_18_BERLIN
    assert (schedule.days_mask, schedule.local_time, schedule.zone) == (0b10101, "18:00", "Europe/Berlin")


@pytest.mark.parametrize(
    ("days", "zone"), [(set(), "Europe/Berlin"), ({1}, "Narnia/Capital"), ({1}, "Narnia")]
)
def test_bad_schedule_is_rejected_and_the_old_one_kept(db: Database, days: set[int], zone: str) -> None:
    _schedule(db)
    with pytest.raises(ValueError), db.session() as session:
        schedules.upsert_schedule(
            session, runner_id=RUNNER, days=days, local_time=time(7, 0), zone=zone,
            now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        )
    kept = _get(db)
    assert (kept.days_mask, kept.local_time, kept.zone) == (0b10101, "18:00", "Europe/Berlin")


def test_claim_records_once_and_advances(db: Database) -> None:
    _schedule(db)
    assert _claim(db, MON_18_BERLIN - timedelta(seconds=1)).to_send == []

    first = _claim(db, MON_18_BERLIN)
    assert [(o.runner_id, o.due_at, o.late, o.kind) for o in first.to_send] == [
        (RUNNER, MON_18_BERLIN, False, "scheduled")
    ]
    # Wednesday 18:00 Berlin next.
    assert _get(db).next_reminder_at == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    assert _claim(db, MON_18_BERLIN + timedelta(seconds=30)).to_send == []
    assert [(r.due_at, r.status) for r in _reminders(db)] == [(MON_18_BERLIN, "pending")]


def test_a_second_claim_of_the_same_instant_sends_nothing(db: Database) -> None:
    """Two claimers that both read the old next_reminder_at: the unique key decides."""
    _schedule(db)
    assert len(_claim(db, MON_18_BERLIN).to_send) == 1
    with db.session() as session:  # the other claimer's stale view
        schedule = session.get(Schedule, RUNNER)
        assert schedule is not None
        schedule.next_reminder_at = MON_18_BERLIN
        session.add(schedule)
    again = _claim(db, MON_18_BERLIN + timedelta(seconds=5))
    assert again.to_send == [] and again.duplicates == 1
    assert len(_reminders(db)) == 1


def test_late_within_grace_is_sent_once_marked_late(db: Database) -> None:
    _schedule(db)
    result = _claim(db, MON_18_BERLIN + timedelta(minutes=59))
    assert [(o.due_at, o.late) for o in result.to_send] == [(MON_18_BERLIN, True)]


def test_older_than_grace_is_dropped_and_logged(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    _schedule(db)
    caplog.set_level("INFO", logger="stridecoach.storage.schedules")
    result = _claim(db, MON_18_BERLIN + timedelta(minutes=61))
    assert result.to_send == [] and result.dropped == 1
    assert [(r.due_at, r.status) for r in _reminders(db)] == [(MON_18_BERLIN, "dropped")]
    assert "grace window" in caplog.text
    assert _get(db).next_reminder_at == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


def test_a_long_outage_drops_one_and_sends_the_one_inside_the_window(db: Database) -> None:
    """Down from Monday morning to Friday 18:30 Berlin: Mon and Wed dropped as one row, Fri sent late."""
    _schedule(db)
    friday_due = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    result = _claim(db, friday_due + timedelta(minutes=30))
    assert [(o.due_at, o.late) for o in result.to_send] == [(friday_due, True)]
    assert result.dropped == 1
    assert [(r.due_at, r.status) for r in _reminders(db)] == [
        (MON_18_BERLIN, "dropped"),
        (friday_due, "pending"),
    ]
    assert _get(db).next_reminder_at == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)


def test_paused_off_and_blocked_runners_are_not_claimed(db: Database) -> None:
    now = MON_18_BERLIN
    for runner_id in (1, 2, 3, 4):
        _schedule(db, runner_id)
    with db.session() as session:
        schedules.set_paused(session, runner_id=2, paused=True, now=now - timedelta(hours=2))
        schedules.set_enabled(session, runner_id=3, enabled=False, now=now - timedelta(hours=2))
        schedules.block_runner(session, runner_id=4, now=now - timedelta(hours=2))
    assert [o.runner_id for o in _claim(db, now).to_send] == [1]
    with db.session() as session:
        blocked = session.get(Runner, 4)
        assert blocked is not None and blocked.blocked
    assert _get(db, 4).paused and _get(db, 4).next_reminder_at is None


def test_resume_arms_from_now_without_backlog(db: Database) -> None:
    _schedule(db)
    with db.session() as session:
        schedules.set_paused(session, runner_id=RUNNER, paused=True, now=MON_18_BERLIN - timedelta(hours=1))
        schedules.set_paused(session, runner_id=RUNNER, paused=False, now=MON_18_BERLIN + timedelta(hours=3))
    assert _get(db).next_reminder_at == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    assert _claim(db, MON_18_BERLIN + timedelta(hours=3)).to_send == []


def test_snooze_is_a_one_off_reminder(db: Database) -> None:
    _schedule(db)
    _claim(db, MON_18_BERLIN)
    until = MON_18_BERLIN + timedelta(hours=1, seconds=12, microseconds=5)
    with db.session() as session:
        schedules.snooze(session, runner_id=RUNNER, until=until, now=MON_18_BERLIN)
    assert _claim(db, until - timedelta(seconds=2)).to_send == []
    snoozed = _claim(db, until)
    assert [(o.kind, o.due_at) for o in snoozed.to_send] == [("snooze", until.replace(microsecond=0))]
    assert _get(db).snooze_until is None
    assert _claim(db, until + timedelta(minutes=1)).to_send == []


def test_skip_today_and_already_trained_are_not_nagged(db: Database) -> None:
    _schedule(db, 1)
    _schedule(db, 2)
    _schedule(db, 3)
    with db.session() as session:
        schedules.skip_day(session, runner_id=1, local_date=date(2026, 3, 2), now=MON_18_BERLIN - timedelta(hours=5))
        workout = WorkoutSession(runner_id=2, routine_id="calf-routine")
        session.add(workout)
        session.flush()
        # 07:30 Berlin that Monday.
        session.add(CompletedSet(runner_id=2, session_id=workout.id, routine_id="calf-routine",
                                 exercise_id="x", set_no=1, position=0,
                                 completed_at=datetime(2026, 3, 2, 6, 30, tzinfo=UTC)))
    # Skipping moved runner 1's next reminder past Monday already.
    assert _get(db, 1).next_reminder_at == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    result = _claim(db, MON_18_BERLIN)
    assert [o.runner_id for o in result.to_send] == [3]
    assert result.skipped == 1
    statuses = {(r.runner_id, r.status) for r in _reminders(db)}
    assert statuses == {(2, "skipped"), (3, "pending")}


def test_already_trained_on_uses_the_local_date(db: Database) -> None:
    _runner(db)
    with db.session() as session:
        workout = WorkoutSession(runner_id=RUNNER, routine_id="back-routine")
        session.add(workout)
        session.flush()
        # 23:30 UTC on Sunday 1 March is 00:30 on Monday 2 March in Berlin.
        session.add(CompletedSet(runner_id=RUNNER, session_id=workout.id, routine_id="back-routine",
                                 exercise_id="x", set_no=1, position=0,
                                 completed_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)))
    with db.session() as session:
        assert schedules.already_trained_on(session, runner_id=RUNNER, local_date=date(2026, 3, 2), zone="Europe/Berlin")
        assert not schedules.already_trained_on(session, runner_id=RUNNER, local_date=date(2026, 3, 2), zone="UTC")
        assert schedules.already_trained_on(session, runner_id=RUNNER, local_date=date(2026, 3, 1), zone="UTC")


def test_mark_sent_once_and_reclaim_leftovers(db: Database) -> None:
    _schedule(db, 1)
    _schedule(db, 2)
    claimed = _claim(db, MON_18_BERLIN).to_send
    assert len(claimed) == 2
    with db.session() as session:
        assert schedules.mark_sent(session, reminder_id=claimed[0].reminder_id, now=MON_18_BERLIN)
        assert not schedules.mark_sent(session, reminder_id=claimed[0].reminder_id, now=MON_18_BERLIN)
    # The second was never confirmed (a crash): handed back while inside the window...
    with db.session() as session:
        again = schedules.reclaim_pending(session, now=MON_18_BERLIN + timedelta(minutes=5), grace=GRACE, limit=10)
    assert [(o.reminder_id, o.late) for o in again.to_send] == [(claimed[1].reminder_id, True)]
    # ... and closed as failed once the window has passed.
    with db.session() as session:
        late = schedules.reclaim_pending(session, now=MON_18_BERLIN + timedelta(hours=2), grace=GRACE, limit=10)
    assert late.to_send == [] and late.expired == 1
    assert [r.status for r in _reminders(db)] == ["sent", "failed"]


def test_claim_respects_the_limit_oldest_first(db: Database) -> None:
    for runner_id, minute in ((1, 2), (2, 0), (3, 1)):
        _schedule(db, runner_id, at=time(18, minute))
    first = _claim(db, MON_18_BERLIN + timedelta(minutes=2), limit=2)
    assert [o.runner_id for o in first.to_send] == [2, 3]
    second = _claim(db, MON_18_BERLIN + timedelta(minutes=2), limit=2)
    assert [o.runner_id for o in second.to_send] == [1]
