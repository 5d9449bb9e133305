"""Storage on a fresh database per test (SQLite and PostgreSQL): idempotent writes, deletion."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from stridecoach.storage import runners
from stridecoach.storage.db import Database, insert_ignore
from stridecoach.storage.models import CompletedSet, Runner, Schedule, WorkoutSession


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_datetimes_come_back_in_utc(db: Database) -> None:
    berlin_noon = datetime.fromisoformat("2026-07-01T12:00:00+02:00")
    with db.session() as session:
        session.add(Runner(id=1, chat_id=1, created_at=berlin_noon))
    with db.session() as session:
        runner = session.get(Runner, 1)
        assert runner is not None
        assert runner.created_at == berlin_noon
        assert runner.created_at.tzinfo == timezone.utc


def test_ensure_runner_is_idempotent_and_only_resuming_reminders_unblocks(db: Database) -> None:
    from datetime import time as clock_time

    from stridecoach.storage import schedules

    now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    with db.session() as session:
        runners.ensure_runner(session, user_id=7, chat_id=7, first_name="Ada")
        runners.ensure_runner(session, user_id=7, chat_id=7, first_name="Ada")
        schedules.upsert_schedule(
            session, runner_id=7, days={0, 2, 4}, local_time=clock_time(7), zone="UTC", now=now
        )
    with db.session() as session:
        schedules.block_runner(session, runner_id=7, now=now)  # Telegram answered 403
    with db.session() as session:
        runners.ensure_runner(session, user_id=7, chat_id=7)  # they write again
    with db.session() as session:
        assert len(session.exec(select(Runner)).all()) == 1
        assert session.get(Runner, 7).blocked is True  # type: ignore[union-attr]
        schedules.set_paused(session, runner_id=7, paused=False, now=now)  # /resume
    with db.session() as session:
        assert session.get(Runner, 7).blocked is False  # type: ignore[union-attr]
        assert session.get(Schedule, 7).next_reminder_at is not None  # type: ignore[union-attr]


def _set(session_id: int, position: int, update_id: int | None) -> dict[str, object]:
    return {
        "runner_id": 7, "session_id": session_id, "routine_id": "back-routine",
        "exercise_id": "hollow-body-hold", "set_no": position + 1, "position": position,
        "amount": "10 s", "completed_at": datetime.now(timezone.utc), "update_id": update_id,
    }


def test_a_set_is_stored_once_per_update_and_once_per_position(db: Database) -> None:
    with db.session() as session:
        session.add(WorkoutSession(id=1, runner_id=7, routine_id="back-routine"))
    with db.session() as session:
        assert insert_ignore(session, CompletedSet, _set(1, 0, update_id=100)) is True
        # Redelivered update: same update id.
        assert insert_ignore(session, CompletedSet, _set(1, 1, update_id=100)) is False
        # A second press of the same set's button: new update id, same position.
        assert insert_ignore(session, CompletedSet, _set(1, 0, update_id=101)) is False
        assert insert_ignore(session, CompletedSet, _set(1, 1, update_id=102)) is True
    with db.session() as session:
        assert len(session.exec(select(CompletedSet)).all()) == 2


def test_failed_unit_of_work_rolls_back(db: Database) -> None:
    with pytest.raises(IntegrityError):
        with db.session() as session:
            session.add(Runner(id=9, chat_id=9))
            session.flush()
            session.add(Runner(id=9, chat_id=9))
    with db.session() as session:
        assert session.get(Runner, 9) is None


def test_delete_runner_data_removes_only_that_runner(db: Database) -> None:
    with db.session() as session:
        for user in (7, 8):
            runners.ensure_runner(session, user_id=user, chat_id=user)
            session.add(WorkoutSession(id=user, runner_id=user, routine_id="back-routine"))
            session.add(Schedule(runner_id=user, days_mask=0b10101))
    with db.session() as session:
        insert_ignore(session, CompletedSet, {**_set(7, 0, 1), "runner_id": 7})
        insert_ignore(session, CompletedSet, {**_set(8, 0, 2), "runner_id": 8})
    with db.session() as session:
        runners.delete_runner_data(session, 7)
    with db.session() as session:
        assert session.get(Runner, 7) is None and session.get(Schedule, 7) is None
        assert [s.runner_id for s in session.exec(select(CompletedSet)).all()] == [8]
        assert session.get(Runner, 8) is not None and session.get(Schedule, 8) is not None


def test_postgresql_urls_use_psycopg_3_with_the_pool_from_the_settings() -> None:
    from stridecoach.bot.settings import Settings
    from stridecoach.storage.db import normalise_url, redacted_url

    assert normalise_url("postgres://u:pw@db:5432/coach") == "postgresql+psycopg://u:pw@db:5432/coach"
    settings = Settings(
        _env_file=None, database_url="postgresql://u:pw@db:5432/coach?sslmode=verify-full&connect_timeout=5",
        database_pool_size=7, database_max_overflow=3, database_pool_timeout=4.5,
    )
    db = Database(settings.database_url, settings.database_options())  # no connection is opened yet
    try:
        assert db.engine.dialect.driver == "psycopg"
        assert (db.engine.pool.size(), db.engine.pool._max_overflow, db.engine.pool._timeout) == (7, 3, 4.5)  # type: ignore[attr-defined]
        # TLS and timeouts ride in the URL's query, down to libpq.
        assert db.engine.url.query == {"sslmode": "verify-full", "connect_timeout": "5"}
        assert "pw" not in redacted_url(db.url)
    finally:
        db.close()
