"""How a runner likes timed work to flow: auto-advance and a rest countdown (training_prefs)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from stridecoach.storage.models import TrainingPrefs

_REST = select(col(TrainingPrefs.rest_seconds)).where(col(TrainingPrefs.runner_id) == bindparam("_id"))


def get_prefs(session: Session, *, runner_id: int) -> TrainingPrefs:
    """The runner's preferences; the defaults (no auto-advance, no rest timer) when none are stored."""
    return session.get(TrainingPrefs, runner_id) or TrainingPrefs(runner_id=runner_id)


def rest_seconds(session: Session, *, runner_id: int) -> int | None:
    """The runner's rest countdown length (None: off). A column read: it runs on every "done"."""
    value = session.connection().execute(_REST, {"_id": runner_id}).scalar()
    return None if value is None else int(value)


def set_auto_advance(session: Session, *, runner_id: int, on: bool) -> TrainingPrefs:
    prefs = get_prefs(session, runner_id=runner_id)
    prefs.auto_advance = on
    session.add(prefs)
    return prefs


def set_rest(session: Session, *, runner_id: int, seconds: int | None) -> TrainingPrefs:
    prefs = get_prefs(session, runner_id=runner_id)
    prefs.rest_seconds = seconds
    session.add(prefs)
    return prefs


def set_weekly_summary(session: Session, *, runner_id: int, on: bool, sent_for: date | None) -> TrainingPrefs:
    """Switch the Sunday summary; `sent_for` marks the weeks already past as done."""
    prefs = get_prefs(session, runner_id=runner_id)
    prefs.weekly_summary = on
    if on:
        prefs.summary_sent_for = sent_for
    session.add(prefs)
    return prefs


def summary_runners(session: Session) -> list[TrainingPrefs]:
    """Everyone who switched the weekly summary on (a few rows: it is opt-in)."""
    return list(session.exec(select(TrainingPrefs).where(TrainingPrefs.weekly_summary == True)).all())  # noqa: E712


def mark_summary_sent(session: Session, *, runner_id: int, week: date) -> None:
    prefs = get_prefs(session, runner_id=runner_id)
    prefs.summary_sent_for = week
    session.add(prefs)
