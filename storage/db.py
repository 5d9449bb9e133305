"""Engine set-up and the one way to open a unit of work.

SQLite by default (WAL, busy timeout, foreign keys). Transactions start with
BEGIN IMMEDIATE so a read-then-write never hits SQLite's mid-transaction
SQLITE_BUSY deadlock; the busy timeout then simply waits for the writer.
`DATABASE_URL` may name PostgreSQL instead: nothing here is SQLite-only except
the pragmas, which are skipped there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import Insert
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from storage.migrations import migrate
from storage.models import table_of

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class Database:
    """Owns the engine; hands out sessions whose commit the caller controls."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the schema version now in force."""
        return migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any exception."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
    else:
        _ensure_parent_dir(url)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        )
    _install_sqlite_pragmas(engine)
    return engine


def _ensure_parent_dir(url: str) -> None:
    path = Path(url.split("///", 1)[1])
    path.parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL under WAL is durable across application crashes (not power loss).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=32)
def insert_ignore_statement(dialect: str, table: Table) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING into ``table``, for SQLite or PostgreSQL.

    The one place that spells an idempotent insert: a row that would break a
    unique constraint is silently not inserted. Built once per dialect and
    table (compiled once by SQLAlchemy's cache); callers add ``values`` or
    ``returning`` as they need.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def insert_ignore(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """Insert one row unless a unique constraint already holds it; True when it was inserted."""
    connection = session.connection()
    stmt = insert_ignore_statement(connection.dialect.name, table_of(model))
    return bool(connection.execute(stmt, values).rowcount)
