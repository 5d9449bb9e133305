"""Storage on a fresh SQLite file per test: schema, idempotent writes, deletion."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage import runners
from storage.db import Database, insert_ignore
from storage.migrations import LATEST_VERSION
from storage.models import CompletedSet, Runner, Schedule, WorkoutSession


def test_fresh_database_is_created_at_latest_version_and_migrate_is_repeatable(db: Database) -> None:
    assert db.migrate() == LATEST_VERSION
    with db.engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_migration")).scalars().all()
    assert versions == [LATEST_VERSION]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db: Database) -> None:
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

    from storage import schedules

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


def test_an_upgrade_runs_only_the_new_migrations_and_keeps_every_row(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database made by this version, then opened by a version with one more migration."""
    from storage import migrations

    old = Database(database_url)
    old.migrate()
    with old.session() as session:
        runners.ensure_runner(session, user_id=7, chat_id=7, first_name="Ada")
    old.close()

    def v2_add_column(conn):  # type: ignore[no-untyped-def]
        conn.execute(text("ALTER TABLE runner ADD COLUMN nickname VARCHAR DEFAULT ''"))

    base = migrations.LATEST_VERSION
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, v2_add_column])
    monkeypatch.setattr(migrations, "LATEST_VERSION", len(migrations.MIGRATIONS))
    new = Database(database_url)
    assert new.migrate() == base + 1
    assert new.migrate() == base + 1  # nothing runs twice
    with new.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, first_name, nickname FROM runner")).all()
        versions = conn.execute(text("SELECT version FROM schema_migration ORDER BY version")).scalars().all()
    new.close()
    assert rows == [(7, "Ada", "")]
    assert versions == [base, base + 1]


def test_a_version_1_database_gets_the_skipped_set_table_and_keeps_its_rows(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skip reasons need the skipped_set table: an existing database gains it on start-up."""
    from sqlalchemy import inspect

    from storage import migrations

    old = Database(database_url)
    old.migrate()
    with old.engine.begin() as conn:  # make it look like a version-1 database
        conn.execute(text("DROP TABLE skipped_set"))
        conn.execute(text("DELETE FROM schema_migration"))
        conn.execute(text("INSERT INTO schema_migration (version, applied_at) VALUES (1, CURRENT_TIMESTAMP)"))
    with old.session() as session:
        runners.ensure_runner(session, user_id=7, chat_id=7, first_name="Ada")
    old.close()

    new = Database(database_url)
    assert new.migrate() == migrations.LATEST_VERSION
    with new.engine.connect() as conn:
        assert inspect(conn).has_table("skipped_set")
        assert conn.execute(text("SELECT first_name FROM runner")).scalars().all() == ["Ada"]
    new.close()


def test_a_version_1_database_gains_the_inbox_and_keeps_its_rows(database_url: str) -> None:
    old = Database(database_url)
    old.migrate()
    with old.session() as session:
        runners.ensure_runner(session, user_id=7, chat_id=7, first_name="Ada")
    with old.engine.begin() as conn:  # back to what version 1 looked like
        conn.execute(text("DROP TABLE inbox_update"))
        conn.execute(text("DELETE FROM schema_migration"))
        conn.execute(text("INSERT INTO schema_migration (version, applied_at) VALUES (1, CURRENT_TIMESTAMP)"))
    old.close()
    new = Database(database_url)
    new.migrate()
    with new.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM inbox_update")).scalar() == 0
        assert conn.execute(text("SELECT first_name FROM runner")).scalars().all() == ["Ada"]
    new.close()


def test_a_version_4_database_gains_paused_until_and_keeps_its_schedules(database_url: str) -> None:
    """A timed pause ("pause for a week") needs schedule.paused_until; old schedules are kept."""
    from sqlalchemy import inspect

    old = Database(database_url)
    old.migrate()
    with old.session() as session:
        runners.ensure_runner(session, user_id=7, chat_id=7, first_name="Ada")
        session.add(Schedule(runner_id=7, days_mask=0b10101))
    with old.engine.begin() as conn:  # back to what version 4 looked like
        conn.execute(text("ALTER TABLE schedule DROP COLUMN paused_until"))
        conn.execute(text("DELETE FROM schema_migration"))
        conn.execute(text("INSERT INTO schema_migration (version, applied_at) VALUES (4, CURRENT_TIMESTAMP)"))
    old.close()
    new = Database(database_url)
    new.migrate()
    with new.engine.connect() as conn:
        assert "paused_until" in {c["name"] for c in inspect(conn).get_columns("schedule")}
        assert conn.execute(text("SELECT days_mask, paused_until FROM schedule")).all() == [(21, None)]
    new.close()


def test_a_version_5_database_gains_the_timed_work_columns_and_keeps_its_sessions(database_url: str) -> None:
    """The picked hold (workout_session.timer_seconds) and training_prefs arrive with migration 6."""
    from sqlalchemy import inspect

    old = Database(database_url)
    old.migrate()
    with old.session() as session:
        runners.ensure_runner(session, user_id=7, chat_id=7, first_name="Ada")
        session.add(WorkoutSession(id=7, runner_id=7, routine_id="back-routine"))
    with old.engine.begin() as conn:  # back to what version 5 looked like
        conn.execute(text("ALTER TABLE workout_session DROP COLUMN timer_seconds"))
        conn.execute(text("DROP TABLE training_prefs"))
        conn.execute(text("DELETE FROM schema_migration"))
        conn.execute(text("INSERT INTO schema_migration (version, applied_at) VALUES (5, CURRENT_TIMESTAMP)"))
    old.close()
    new = Database(database_url)
    new.migrate()
    with new.engine.connect() as conn:
        assert "timer_seconds" in {c["name"] for c in inspect(conn).get_columns("workout_session")}
        assert inspect(conn).has_table("training_prefs")
        assert conn.execute(text("SELECT routine_id FROM workout_session")).scalars().all() == ["back-routine"]
    new.close()
