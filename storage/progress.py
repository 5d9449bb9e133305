"""Read-only queries behind /progress, /history and /export.

Keyword-only functions over a SQLModel `Session`; they return the plain
records of `stridecoach.domain.progress`, which does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from sqlmodel import Session, col, or_, select

from stridecoach.domain.progress import ExportRow, SessionRecord, SetRecord
from stridecoach.storage.models import CompletedSet, Schedule, SkippedSet, WorkoutSession

# An export streams in pages so that a long history never sits in memory at once.
_EXPORT_PAGE = 500


def runner_zone(session: Session, *, runner_id: int) -> str | None:
    """The IANA zone of the runner's schedule, if they set one."""
    schedule = session.get(Schedule, runner_id)
    return schedule.zone if schedule is not None else None


def session_records(session: Session, *, runner_id: int) -> list[SessionRecord]:
    """All of a runner's sessions, oldest first (a few hundred a year at most)."""
    rows = session.exec(
        select(WorkoutSession)
        .where(WorkoutSession.runner_id == runner_id)
        .order_by(col(WorkoutSession.started_at), col(WorkoutSession.id))
    ).all()
    return [_record(row) for row in rows]


def recent_sessions(session: Session, *, runner_id: int, limit: int = 10) -> list[SessionRecord]:
    """The runner's latest sessions, newest first.

    A session that ended with no set done (stopped or expired straight away, or
    every set skipped) is left out: it was not a workout, and /progress does
    not count it either.
    Live sessions are always listed.
    """
    rows = session.exec(
        select(WorkoutSession)
        .where(
            WorkoutSession.runner_id == runner_id,
            or_(col(WorkoutSession.sets_done) > 0, col(WorkoutSession.status).in_(("active", "paused"))),
        )
        .order_by(col(WorkoutSession.started_at).desc(), col(WorkoutSession.id).desc())
        .limit(limit)
    ).all()
    reasons = _skip_reasons(session, [row.id for row in rows if row.id is not None])
    return [replace(_record(row), skip_reasons=reasons.get(row.id or 0, ())) for row in rows]


def _skip_reasons(session: Session, session_ids: list[int]) -> dict[int, tuple[tuple[str, str], ...]]:
    """The reasons given for skipped sets, per session, in set order."""
    if not session_ids:
        return {}
    rows = session.exec(
        select(SkippedSet.session_id, SkippedSet.exercise_id, SkippedSet.reason)
        .where(col(SkippedSet.session_id).in_(session_ids), col(SkippedSet.reason).is_not(None))
        .order_by(col(SkippedSet.session_id), col(SkippedSet.position))
    ).all()
    found: dict[int, list[tuple[str, str]]] = {}
    for session_id, exercise_id, reason in rows:
        found.setdefault(session_id, []).append((exercise_id, reason or ""))
    return {key: tuple(value) for key, value in found.items()}


def set_records(session: Session, *, runner_id: int) -> list[SetRecord]:
    """Every completed set of a runner (exercise, instant, load), oldest first."""
    rows = session.exec(
        select(
            CompletedSet.exercise_id,
            CompletedSet.completed_at,
            CompletedSet.load_amount,
            CompletedSet.load_unit,
        )
        .where(CompletedSet.runner_id == runner_id)
        .order_by(col(CompletedSet.completed_at), col(CompletedSet.id))
    ).all()
    return [SetRecord(ex, at, amount, unit) for ex, at, amount, unit in rows]


def export_rows(session: Session, *, runner_id: int) -> Iterator[ExportRow]:
    """Every completed set with its session, oldest first, read page by page."""
    last_id = 0
    while True:
        page = session.exec(
            select(CompletedSet, WorkoutSession)
            .join(WorkoutSession, col(WorkoutSession.id) == col(CompletedSet.session_id))
            .where(CompletedSet.runner_id == runner_id, col(CompletedSet.id) > last_id)
            .order_by(col(CompletedSet.id))
            .limit(_EXPORT_PAGE)
        ).all()
        if not page:
            return
        for done, workout in page:
            yield ExportRow(
                session_id=done.session_id,
                routine_id=done.routine_id,
                session_started_at=workout.started_at,
                session_status=workout.status,
                exercise_id=done.exercise_id,
                set_no=done.set_no,
                amount=done.amount,
                load_amount=done.load_amount,
                load_unit=done.load_unit,
                completed_at=done.completed_at,
            )
        last_id = page[-1][0].id or last_id


def _record(row: WorkoutSession) -> SessionRecord:
    return SessionRecord(
        session_id=row.id or 0,
        routine_id=row.routine_id,
        started_at=row.started_at,
        status=row.status,
        sets_done=row.sets_done,
        sets_skipped=row.sets_skipped,
        finished_at=row.finished_at,
    )
