"""Operator figures: how many runners, schedules, sessions and sets (this week)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func
from sqlmodel import Session, select

from stridecoach.storage.models import CompletedSet, Runner, Schedule, WorkoutSession


@dataclass(frozen=True)
class Stats:
    runners: int
    active_schedules: int
    sessions_this_week: int
    sets_this_week: int


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week containing `now`."""
    day = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def collect_stats(session: Session, now: datetime | None = None) -> Stats:
    now = now or datetime.now(timezone.utc)
    since = week_start(now)
    runners = session.exec(select(func.count()).select_from(Runner)).one()
    schedules = session.exec(
        select(func.count())
        .select_from(Schedule)
        .where(Schedule.enabled, Schedule.paused == False, Schedule.days_mask > 0)  # noqa: E712
    ).one()
    sessions = session.exec(
        select(func.count()).select_from(WorkoutSession).where(WorkoutSession.started_at >= since)
    ).one()
    sets = session.exec(
        select(func.count()).select_from(CompletedSet).where(CompletedSet.completed_at >= since)
    ).one()
    return Stats(int(runners), int(schedules), int(sessions), int(sets))


def format_stats(stats: Stats) -> str:
    return (
        f"Runners: {stats.runners}\n"
        f"Active schedules: {stats.active_schedules}\n"
        f"Sessions this week: {stats.sessions_this_week}\n"
        f"Sets this week: {stats.sets_this_week}"
    )
