"""Alembic migrations on both databases: fresh, upgraded from the pre-Alembic schema, raced."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from stridecoach.storage import schedules, workouts
from stridecoach.storage.db import Database
from stridecoach.storage.migrations import head_revision

ROOT = Path(__file__).resolve().parents[1]
LEGACY_SCHEMA = ROOT / "tests" / "data"
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)
# Rows in every table of the pre-Alembic schema (version 1), as an older bot left them.
LEGACY_ROWS: dict[str, list[str]] = {
    "runner": ["id, chat_id, first_name, created_at, pending_input, blocked",
               "(7, 7, 'Ada', '2026-01-05 08:00:00', NULL, false)",
               "(8, 8, 'Bo', '2026-01-06 09:30:00', 'schedule:time:k1:21:', false)"],
    "schedule": ["runner_id, days_mask, local_time, zone, enabled, paused, next_reminder_at, snooze_until,"
                 " skip_date, updated_at",
                 "(7, 21, '07:00', 'UTC', true, false, '2026-03-02 07:00:00', NULL, NULL, '2026-01-05 08:00:00')"],
    "workout_session": ["id, runner_id, routine_id, position, status, version, sets_done, sets_skipped,"
                        " skipped_mask, started_at, last_activity_at, timer_started_at, finished_at,"
                        " prompt_message_id",
                        "(1, 7, 'back-routine', 2, 'active', 2, 2, 0, 0, '2026-03-01 18:00:00',"
                        " '2026-03-01 18:05:00', NULL, NULL, 55)"],
    "completed_set": ["id, runner_id, session_id, routine_id, exercise_id, set_no, position, amount,"
                      " load_amount, load_unit, completed_at, update_id",
                      "(1, 7, 1, 'back-routine', 'glute-engagement-test', 1, 0, '1', NULL, NULL,"
                      " '2026-03-01 18:02:00', 900)",
                      "(2, 7, 1, 'back-routine', 'hollow-body-hold', 1, 1, '10 s', 2.5, 'kg',"
                      " '2026-03-01 18:05:00', 901)"],
    "reminder": ["id, runner_id, due_at, kind, status, sent_at",
                 "(1, 7, '2026-02-27 07:00:00', 'scheduled', 'sent', '2026-02-27 07:00:02')"],
    "processed_update": ["update_id, processed_at", "(901, '2026-03-01 18:05:00')"],
}
# Version 2 added skipped_set.
LEGACY_V2_ROWS = {
    "skipped_set": ["id, runner_id, session_id, routine_id, exercise_id, set_no, position, reason, skipped_at",
                    "(1, 7, 1, 'back-routine', 'hollow-body-hold', 2, 2, 'no-time', '2026-03-01 18:06:00')"],
}


# Version 3 added inbox_update.
LEGACY_V3_ROWS = {
    "inbox_update": ["update_id, payload, received_at, handled_at",
                     "(902, '{\"update_id\": 902}', '2026-03-01 18:07:00', NULL)"],
}


# Version 4 added outbox_message.
LEGACY_V4_ROWS = {
    "outbox_message": ["id, runner_id, chat_id, session_id, update_id, text, keyboard, status, attempts,"
                       " created_at, last_attempt_at, message_id",
                       "(1, 7, 7, 1, 901, 'Set 3 of 6', NULL, 'sent', 1, '2026-03-01 18:05:00',"
                       " '2026-03-01 18:05:01', 56)"],
}


def _legacy_rows(version: int) -> dict[str, list[str]]:
    rows = dict(LEGACY_ROWS)
    for since, extra in ((2, LEGACY_V2_ROWS), (3, LEGACY_V3_ROWS), (4, LEGACY_V4_ROWS)):
        if version >= since:
            rows.update(extra)
    return rows


def _legacy_database(url: str, version: int) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Build a pre-Alembic schema from its frozen DDL, fill it; returns every row by table."""
    db = Database(url)
    lines = (LEGACY_SCHEMA / f"schema_v{version}_{db.dialect}.sql").read_text().splitlines()
    ddl = "\n".join(line for line in lines if not line.startswith("--"))
    statements = [s for s in ddl.split(";\n") if s.strip()]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        for table, (columns, *rows) in _legacy_rows(version).items():
            for row in rows:
                conn.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES {row}")
        if db.dialect == "postgresql":  # keep the serial sequences past the ids inserted by hand
            serials = ["workout_session", "completed_set", "reminder"]
            serials += ["skipped_set"] if version >= 2 else []
            serials += ["outbox_message"] if version >= 4 else []
            for table in serials:
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")
    contents = _contents(db, version)
    db.close()
    return contents


def _contents(db: Database, version: int) -> list[tuple[str, list[tuple[object, ...]]]]:
    with db.engine.connect() as conn:
        return [
            (table, [tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1")).all()])
            for table, (columns, *_rows) in _legacy_rows(version).items()
        ]


def _schema_differences(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_a_fresh_database_gets_the_models_schema_and_migrating_again_changes_nothing(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert db.migrate() == head_revision()
        assert db.migrate() == head_revision()
        # The migrations build exactly what the models describe: no forgotten revision.
        assert _schema_differences(db) == []
    finally:
        db.close()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_a_database_made_before_alembic_is_upgraded_without_losing_a_row(database_url: str, version: int) -> None:
    before = _legacy_database(database_url, version)
    db = Database(database_url)
    try:
        assert db.migrate() == head_revision()
        assert _contents(db, version) == before  # every row of every table, unchanged
        tables = inspect(db.engine).get_table_names()
        assert "schema_migration" not in tables
        assert {"skipped_set", "inbox_update", "outbox_message"} <= set(tables)
        assert _schema_differences(db) == []

        # And the bot carries on with that data: the owed reminder, the open session.
        with db.session() as session:
            claim = schedules.claim_due(session, now=NOW, grace=timedelta(minutes=60), limit=10)
            assert [(r.runner_id, r.due_at) for r in claim.to_send] == [(7, NOW)]
            row = workouts.latest_session(session, runner_id=7)
            assert row is not None and row.position == 2 and row.prompt_message_id == 55
            assert [s.load_amount for s in workouts.completed_sets(session, session_id=1)] == [None, 2.5]
            assert workouts.claim_update(session, update_id=901, now=NOW) is False  # applied before
            assert workouts.claim_update(session, update_id=902, now=NOW) is True
            schedule = schedules.get_schedule(session, runner_id=7)
            assert schedule is not None and schedule.next_reminder_at is not None
            assert schedule.next_reminder_at.date() == date(2026, 3, 4)  # Wednesday
    finally:
        db.close()


# Each process imports and connects first, then waits for "go" on stdin, so the
# migrations themselves start together.
MIGRATE = (
    "import sys; from stridecoach.storage.db import Database; db = Database({url!r}); db.engine.connect().close();"
    " print('ready', flush=True); sys.stdin.readline(); print(db.migrate())"
)


def test_processes_starting_together_on_an_empty_database_take_turns(database_url: str, tmp_path: Path) -> None:
    for _attempt in range(2):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", MIGRATE.format(url=database_url)],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for _ in range(3)
        ]
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=60) for proc in procs]
        for proc, (out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err
            assert out.strip() == head_revision()
        db = Database(database_url)
        try:
            assert _schema_differences(db) == []
            with db.engine.begin() as conn:  # empty again for the next round
                for table in reversed(SQLModel.metadata.sorted_tables):
                    conn.execute(text(f"DROP TABLE {table.name}"))
                conn.execute(text("DROP TABLE alembic_version"))
        finally:
            db.close()
