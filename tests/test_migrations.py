"""Alembic migrations on both databases: fresh, upgraded from every earlier schema, raced.

"Every earlier schema" is each schema an older bot could have left behind, filled with
rows in every table, then upgraded to the newest revision by `Database.migrate`:

- the pre-Alembic versions 1-6, from frozen DDL (`tests/data/schema_v*.sql`); version 6
  twice, as the code of f419b81 made it (training_prefs without the weekly summary
  columns) and as later code made it (with them);
- a database made by Alembic and stopped at each earlier revision (0001 up to the one
  before the newest).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from stridecoach.storage import prefs, schedules, workouts
from stridecoach.storage.db import Database, newest_revision
from stridecoach.storage.migrations import alembic_config, head_revision

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
    # A sent reminder, and one an older bot recorded but never confirmed sent (a crash).
    "reminder": ["id, runner_id, due_at, kind, status, sent_at",
                 "(1, 7, '2026-02-27 07:00:00', 'scheduled', 'sent', '2026-02-27 07:00:02')",
                 "(2, 7, '2026-03-02 06:30:00', 'snooze', 'pending', NULL)"],
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

# Version 5 added schedule.paused_until: Bo paused "until Monday".
LEGACY_V5_ROWS = {
    "schedule": [LEGACY_ROWS["schedule"][0] + ", paused_until",
                 LEGACY_ROWS["schedule"][1][:-1] + ", NULL)",
                 "(8, 1, '18:00', 'Europe/Berlin', true, false, '2026-03-09 17:00:00', NULL, NULL,"
                 " '2026-03-01 10:00:00', '2026-03-08 23:00:00')"],
}

# Version 6 added workout_session.timer_seconds and training_prefs (without the weekly
# summary columns as f419b81 made it, "v6w" with them as later code made it).
LEGACY_V6_ROWS = {
    "workout_session": [LEGACY_ROWS["workout_session"][0] + ", timer_seconds",
                        LEGACY_ROWS["workout_session"][1][:-1] + ", 45)"],
    "training_prefs": ["runner_id, auto_advance, rest_seconds", "(7, true, 60)"],
}
LEGACY_V6W_ROWS = {
    "training_prefs": ["runner_id, auto_advance, rest_seconds, weekly_summary, summary_sent_for",
                       "(7, true, 60, true, '2026-02-23')"],
}
# Revision 0008 added reminder_sender.
SENDER_ROWS = {
    "reminder_sender": ["id, sending_since, last_tick_at", "(1, '2026-03-02 06:00:00', '2026-03-02 06:59:00')"],
}

# Each pre-Alembic schema by the name of its frozen file, and the version it records.
LEGACY_SCHEMAS = {"v1": 1, "v2": 2, "v3": 3, "v4": 4, "v5": 5, "v6": 6, "v6w": 6}
# Each earlier Alembic revision, and the pre-Alembic schema whose tables and columns it has.
REVISIONS = {"0001": "v1", "0002": "v2", "0003": "v3", "0004": "v4", "0005": "v5", "0006": "v6w",
             "0007": "v6w", "0008": "v6w", "0009": "v6w"}
SERIAL_TABLES = ("workout_session", "completed_set", "reminder", "skipped_set", "outbox_message")


def _earlier_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return sorted(r.revision for r in script.walk_revisions() if r.revision != head_revision())


def _rows(schema: str, revision: str | None = None) -> dict[str, list[str]]:
    """The rows a database of `schema` (and of the Alembic `revision`, if given) holds."""
    version = LEGACY_SCHEMAS[schema]
    rows = dict(LEGACY_ROWS)
    for since, extra in ((2, LEGACY_V2_ROWS), (3, LEGACY_V3_ROWS), (4, LEGACY_V4_ROWS), (5, LEGACY_V5_ROWS),
                         (6, LEGACY_V6_ROWS)):
        if version >= since:
            rows.update(extra)
    if schema == "v6w":
        rows.update(LEGACY_V6W_ROWS)
    if revision is not None and revision >= "0008":
        rows.update(SENDER_ROWS)
    return rows


def _fill(conn: object, db: Database, rows: dict[str, list[str]]) -> None:
    for table, (columns, *values) in rows.items():
        for row in values:
            conn.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES {row}")  # type: ignore[attr-defined]
    if db.dialect == "postgresql":  # keep the serial sequences past the ids inserted by hand
        for table in SERIAL_TABLES:
            if table in rows:
                conn.exec_driver_sql(  # type: ignore[attr-defined]
                    f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")


def _legacy_database(url: str, schema: str) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Build a pre-Alembic schema from its frozen DDL, fill it; returns every row by table."""
    db = Database(url)
    lines = (LEGACY_SCHEMA / f"schema_{schema}_{db.dialect}.sql").read_text().splitlines()
    ddl = "\n".join(line for line in lines if not line.startswith("--"))
    statements = [s for s in ddl.split(";\n") if s.strip()]
    rows = _rows(schema)
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        _fill(conn, db, rows)
    contents = _contents(db, rows)
    db.close()
    return contents


def _alembic_database(url: str, revision: str) -> list[tuple[str, list[tuple[object, ...]]]]:
    """A database Alembic brought to `revision` (and no further), filled; every row by table."""
    db = Database(url)
    rows = _rows(REVISIONS[revision], revision)
    with db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        _fill(conn, db, rows)
    contents = _contents(db, rows)
    db.close()
    return contents


def _contents(db: Database, rows: dict[str, list[str]]) -> list[tuple[str, list[tuple[object, ...]]]]:
    with db.engine.connect() as conn:
        return [
            (table, [tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1")).all()])
            for table, (columns, *_rows) in rows.items()
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
        if db.dialect == "postgresql":  # vacuumed by row count, not by share (0009)
            with db.engine.connect() as conn:
                options = conn.execute(text(
                    "SELECT relname, reloptions FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
                    " AND relname IN ('schedule', 'reminder') ORDER BY relname")).all()
            assert [(name, "autovacuum_vacuum_threshold=10000" in opts) for name, opts in options] == [
                ("reminder", True), ("schedule", True)]
    finally:
        db.close()


def _pending_due_index(db: Database) -> str:
    """ix_reminder_pending_due as the database holds it: its CREATE INDEX statement."""
    query = (
        "SELECT sql FROM sqlite_master WHERE name = 'ix_reminder_pending_due'" if db.dialect == "sqlite" else
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_reminder_pending_due'"
        " AND schemaname = current_schema()"
    )
    with db.engine.connect() as conn:
        return str(conn.execute(text(query)).scalar_one())


def test_the_pending_reminders_index_holds_only_pending_rows_from_the_migrations_and_the_models(
    database_url: str,
) -> None:
    """Alembic's compare leaves partial indexes' WHERE out: the index is read back instead.
    The models give PostgreSQL's WHERE only when the index is created there (storage/models.py)."""
    db = Database(database_url)
    try:
        db.migrate()
        migrated = _pending_due_index(db)
        reminder = SQLModel.metadata.tables["reminder"]
        with db.engine.begin() as conn:
            reminder.drop(conn)
            reminder.create(conn)  # the table and its indexes as the models describe them
        from_models = _pending_due_index(db)
    finally:
        db.close()
    assert "WHERE" in migrated and "'pending'" in migrated
    assert from_models == migrated


@pytest.mark.slow  # a serving start-up in a process of its own
def test_a_serving_process_on_sqlite_never_loads_the_postgresql_dialect(tmp_path: Path) -> None:
    """SQLAlchemy's PostgreSQL dialect costs a process 2 MB: only PostgreSQL loads it."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    start = (
        "import sys; from stridecoach.bot.runtime import build_services; "
        "from stridecoach.bot.settings import Settings; from stridecoach.bot.app import build_application; "
        "services = build_services(Settings(_env_file=None, database_url=sys.argv[1]), migrate_apart=True); "
        "build_application(services); services.db.close(); "
        "print('sqlalchemy.dialects.postgresql' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", start, url], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False"]


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    assert newest_revision() == head_revision()


@pytest.mark.slow  # two processes, started one after the other
def test_a_start_on_a_current_schema_leaves_alembic_unloaded(tmp_path: Path) -> None:
    """Alembic and its template engine cost a serving process 8 MB it never gives back."""
    url = f"sqlite:///{tmp_path / 'current.db'}"
    start = (
        "import sys; from stridecoach.storage.db import Database; db = Database(sys.argv[1]); "
        "print(db.migrate(), 'alembic' in sys.modules); db.close()"
    )
    first = subprocess.run([sys.executable, "-c", start, url], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", start, url], capture_output=True, text=True, check=True)
    assert first.stdout.split() == [head_revision(), "True"]  # a fresh database is migrated
    assert again.stdout.split() == [head_revision(), "False"]


@pytest.mark.slow  # a serving start-up in a process of its own, and the migration's child
def test_a_first_start_migrates_in_a_child_and_the_serving_process_never_loads_alembic(tmp_path: Path) -> None:
    """The first start on a new database (or after an upgrade) migrates with Alembic in a
    child process: the process that then serves keeps none of Alembic's 9.7 MB."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    start = (
        "import sys; from stridecoach.bot.runtime import build_services; "
        "from stridecoach.bot.settings import Settings; "
        "services = build_services(Settings(_env_file=None, database_url=sys.argv[1]), migrate_apart=True); "
        "print(services.db.migrate(), 'alembic' in sys.modules, 'mako' in sys.modules); services.db.close()"
    )
    done = subprocess.run([sys.executable, "-c", start, url], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [head_revision(), "False", "False"]
    assert f"database schema upgraded from empty to revision {head_revision()}" in done.stderr  # the child's


def test_a_migration_that_fails_stops_the_start(tmp_path: Path) -> None:
    from stridecoach.bot.runtime import MigrationFailed, build_services
    from stridecoach.bot.settings import Settings

    garbage = tmp_path / "not-a-database.db"
    garbage.write_bytes(b"not a SQLite file " * 100)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{garbage}")
    with pytest.raises(MigrationFailed, match="stridecoach migrate exited with 1"):
        build_services(settings, migrate_apart=True)
    assert garbage.read_bytes() == b"not a SQLite file " * 100  # left as it was


def test_every_earlier_revision_is_tested() -> None:
    assert list(REVISIONS) == _earlier_revisions()


@pytest.mark.parametrize("schema", list(LEGACY_SCHEMAS))
def test_a_database_made_before_alembic_is_upgraded_without_losing_a_row(database_url: str, schema: str) -> None:
    before = _legacy_database(database_url, schema)
    _check_upgrade(database_url, before, _rows(schema))


@pytest.mark.parametrize("revision", list(REVISIONS))
def test_a_database_at_an_earlier_revision_is_upgraded_without_losing_a_row(
    database_url: str, revision: str
) -> None:
    before = _alembic_database(database_url, revision)
    _check_upgrade(database_url, before, _rows(REVISIONS[revision], revision))


def _check_upgrade(url: str, before: list[tuple[str, list[tuple[object, ...]]]], rows: dict[str, list[str]]) -> None:
    db = Database(url)
    try:
        assert db.migrate() == head_revision()
        assert _contents(db, rows) == before  # every row of every table, unchanged
        tables = inspect(db.engine).get_table_names()
        assert "schema_migration" not in tables
        assert set(SQLModel.metadata.tables) <= set(tables)
        assert _schema_differences(db) == []  # every column and index the models declare

        # And the bot carries on with that data: the owed reminder, the one left pending,
        # the open session, the preferences.
        with db.session() as session:
            left = schedules.reclaim_pending(session, now=NOW, grace=timedelta(minutes=60), limit=10)
            assert [(r.runner_id, r.due_at, r.late) for r in left.to_send] == [(7, NOW - timedelta(minutes=30), True)]
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
            saved = prefs.get_prefs(session, runner_id=7)
            kept = (saved.auto_advance, saved.rest_seconds, saved.weekly_summary)
            prefs.set_weekly_summary(session, runner_id=7, on=True, sent_for=date(2026, 3, 2))
        if "training_prefs" in rows:  # as stored; the summary off where the column was missing
            assert kept == (True, 60, "weekly_summary" in rows["training_prefs"][0])
        else:
            assert kept == (False, None, False)
        with db.session() as session:
            assert [p.runner_id for p in prefs.summary_runners(session)] == [7]
    finally:
        db.close()


# Each process imports and connects first, then waits for "go" on stdin, so the
# migrations themselves start together.
MIGRATE = (
    "import sys; from stridecoach.storage.db import Database; db = Database({url!r}); db.engine.connect().close();"
    " print('ready', flush=True); sys.stdin.readline(); print(db.migrate())"
)


@pytest.mark.slow
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
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":  # say why: seen once under load, cause unknown
                proc.kill()
                pytest.fail(f"a migrating process did not start: {proc.communicate(timeout=10)[1]}")
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
