"""Versioned schema migrations, run at start-up.

A fresh database gets the current schema from the models and is stamped with
the latest version. An existing one runs, in order, every migration above the
version it records. A migration only ever adds (tables, columns, indexes) or
copies data; none drops a runner's data.

To change the schema: change storage/models.py, then append a function to
MIGRATIONS that brings a database of the previous version to the new one
(ALTER TABLE ... ADD COLUMN with a default, CREATE INDEX, ...), and add a test
that upgrades a database of the previous version with rows in it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import DateTime, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

log = logging.getLogger(__name__)


def _v1_initial(conn: Connection) -> None:
    """Version 1: the initial schema (created from the models on a fresh database)."""
    import storage.models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(conn)


def _v2_skipped_set(conn: Connection) -> None:
    """Version 2: the skipped_set table (skips and their reasons, for /history)."""
    import storage.models  # noqa: F401

    SQLModel.metadata.tables["skipped_set"].create(conn, checkfirst=True)


def _v3_inbox(conn: Connection) -> None:
    """Version 3: the inbox of received updates (bot/inbox.py)."""
    from storage.models import InboxUpdate, table_of

    table_of(InboxUpdate).create(conn, checkfirst=True)


def _v4_outbox(conn: Connection) -> None:
    """Version 4: the outbox of replies that matter (bot/outbox.py)."""
    from storage.models import OutboxMessage, table_of

    table_of(OutboxMessage).create(conn, checkfirst=True)


def _v5_paused_until(conn: Connection) -> None:
    """Version 5: schedule.paused_until ("pause for a week" resumes by itself)."""
    columns = {column["name"] for column in inspect(conn).get_columns("schedule")}
    if "paused_until" not in columns:
        kind = DateTime().compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE schedule ADD COLUMN paused_until {kind}"))


def _v6_timed_work(conn: Connection) -> None:
    """Version 6: workout_session.timer_seconds (the hold the runner picked) and training_prefs."""
    columns = {column["name"] for column in inspect(conn).get_columns("workout_session")}
    if "timer_seconds" not in columns:
        conn.execute(text("ALTER TABLE workout_session ADD COLUMN timer_seconds INTEGER"))
    from storage.models import TrainingPrefs

    TrainingPrefs.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


# Index i holds the migration to version i + 1.
MIGRATIONS: list[Callable[[Connection], None]] = [
    _v1_initial, _v2_skipped_set, _v3_inbox, _v4_outbox, _v5_paused_until, _v6_timed_work,
]
LATEST_VERSION = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_migration"):
        return 0
    value = conn.execute(text("SELECT MAX(version) FROM schema_migration")).scalar()
    return int(value or 0)


def migrate(engine: Engine) -> int:
    """Bring the schema to LATEST_VERSION; returns it."""
    import storage.models  # noqa: F401

    with engine.begin() as conn:
        version = current_version(conn)
        if version == 0 and not inspect(conn).has_table("runner"):
            SQLModel.metadata.create_all(conn)
            _stamp(conn, LATEST_VERSION)
            log.info("created database schema at version %d", LATEST_VERSION)
            return LATEST_VERSION
        for target in range(version + 1, LATEST_VERSION + 1):
            MIGRATIONS[target - 1](conn)
            _stamp(conn, target)
            log.info("migrated database schema to version %d", target)
    return LATEST_VERSION


def _stamp(conn: Connection, version: int) -> None:
    conn.execute(
        text("INSERT INTO schema_migration (version, applied_at) VALUES (:v, CURRENT_TIMESTAMP)"),
        {"v": version},
    )
