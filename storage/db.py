"""Engine set-up and the one way to open a unit of work.

Two databases are supported, both first-class:

- SQLite (the default): WAL, busy timeout, foreign keys. Transactions start with
  BEGIN IMMEDIATE so a read-then-write never hits SQLite's mid-transaction
  SQLITE_BUSY deadlock; the busy timeout then simply waits for the writer.
  One process per database file.
- PostgreSQL through psycopg 3 (`pip install stridecoach[postgres]`): `postgresql://`
  and `postgres://` URLs are read as `postgresql+psycopg://`. libpq settings ride
  in the URL's query (`sslmode=verify-full&sslrootcert=...`, `connect_timeout=5`,
  `options=-c statement_timeout=5000`); the pool is sized by `DatabaseOptions`.
  Several processes may share one database (docs/database.md).

Writes that nothing waits for (the outbox's "sent" mark, the inbox's "handled" mark)
may be written behind on SQLite (`Database.write_behind`): queued in memory and run
at the start of the next unit of work, inside its transaction, instead of a commit
of their own. SQLite takes one writer at a time and runs on the event loop's
thread, so a commit saved is loop time saved; every unit of work in the process
first applies what is queued, so no read in this process sees the row without it.
A crash loses only what was queued (the outbox's and the inbox's restart rules
cover it: a reply may go out once more, an update may be handled again and
change nothing).

SQLite copies its write-ahead log into the database file (a checkpoint, with an
fsync) inside whichever commit crosses 1,000 pages: that commit, on the event
loop's thread, then took up to a second on a busy machine and every runner waited.
A `Database` on a SQLite file turns that off and checkpoints in a thread of its own
(`Checkpointer`, PASSIVE: it never waits for a writer and a writer never waits
for it; the fsync releases the GIL). Under steady writes a passive checkpoint
rarely finishes before the next commit, so the log is not started over and grows;
past `Checkpointer.restart_pages` (64 MB) a RESTART checkpoint waits for a gap
between writers (up to 200 ms), holds new writers back while it finishes and
starts the log over: one short stall per 64 MB of log instead of one per 4 MB.
(Measured: 15,600 commits in 20 s, the log stayed at 71-77 MB.)

Nothing in the storage layer relies on a driver's `rowcount` after an INSERT:
idempotent inserts use `INSERT ... ON CONFLICT DO NOTHING RETURNING` and count
the rows that come back (psycopg 3 reports -1 where sqlite3 reports 0 or 1).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, SQLModel, create_engine

from stridecoach.storage.direct import Connects, DirectUnit, StatementCache
from stridecoach.storage.models import table_of

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision(?:: *str)? *= *[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:: *[\w |]+)? *= *[\"']([^\"']+)[\"']", re.MULTILINE)


@lru_cache(maxsize=1)
def newest_revision() -> str:
    """The head of storage/migrations/versions, read from the files without importing Alembic.

    The revision no other revision names as its `down_revision` (one line of history;
    tests/test_migrations.py checks it against Alembic's own answer).
    """
    revisions, parents = set(), set()
    for path in MIGRATIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        parent = _DOWN_REVISION.search(source)
        if parent is not None:
            parents.add(parent.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"storage/migrations/versions must have one head, not {sorted(heads)}")
    return heads.pop()

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class DatabaseOptions:
    """Connection-pool settings (PostgreSQL; SQLite keeps SQLAlchemy's defaults).

    Attributes:
        pool_size: connections kept open per process.
        max_overflow: extra connections opened under load, closed when idle.
        pool_timeout: seconds to wait for a free connection before failing.
        pool_recycle: seconds after which a connection is replaced (-1: never);
            set it below a proxy's or firewall's idle timeout.
        prepared_statements: False behind PgBouncer in transaction mode older than
            1.21, which cannot keep psycopg's server-side prepared statements.
    """

    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0
    pool_recycle: int = 1800
    prepared_statements: bool = True


class Database:
    """Owns the engine; hands out sessions whose commit the caller controls."""

    def __init__(self, url: str, options: DatabaseOptions | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, options or DatabaseOptions())
        # Statements written behind, applied first by the next unit of work (SQLite only).
        self._behind: list[tuple[Executable, dict[str, Any]]] = []
        # Units of work also run in worker threads on SQLite (/export, /healthz, reminder
        # claims): taking the queue and adding to it must not interleave, or a write added
        # between a worker's read of the list and its swap would be neither applied nor kept.
        self._behind_lock = threading.Lock()
        self.checkpointer: Checkpointer | None = None
        # `unit()` runs on the DBAPI cursor with statements compiled once (SQLite only).
        self._statements = StatementCache(self.engine.dialect) if self.dialect == "sqlite" else None
        path = sqlite_file(self.url)
        if path is not None:
            _checkpoint_off_the_loop(self.engine)
            self.checkpointer = Checkpointer(path)

    @property
    def writes_behind(self) -> bool:
        """True when `write_behind` may be used: SQLite, one process per database file.

        Several processes share a PostgreSQL database; a write queued in one of them
        would be invisible to the others, so there every write commits at once.
        """
        return self.engine.dialect.name == "sqlite"

    def write_behind(self, statement: Executable, params: dict[str, Any]) -> None:
        """Run `statement` with `params` at the start of the next unit of work, in its transaction.

        For writes nothing waits for and that may be lost in a crash; see the module docstring.
        """
        if not self.writes_behind:
            raise RuntimeError("write_behind is for SQLite; commit the write instead")
        with self._behind_lock:
            self._behind.append((statement, params))

    @property
    def behind(self) -> int:
        """Writes queued and not yet applied."""
        return len(self._behind)

    def flush_behind(self) -> None:
        """Apply the queued writes now (when no unit of work came along to take them)."""
        if self._behind:
            with self.unit():
                pass

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def migrate(self) -> str:
        """Create or upgrade the schema (Alembic); returns the revision now in force.

        A database already at the newest revision (every start but the first after an
        upgrade) is left alone without importing Alembic: it and its template engine
        took 8 MB of the serving process's memory for good (docs/performance.md, "Memory").
        """
        if self.schema_is_current():
            return newest_revision()
        from stridecoach.storage.migrations import migrate

        return migrate(self.engine)

    def schema_is_current(self) -> bool:
        """True when the database is at the newest revision (read without importing Alembic)."""
        return self._revisions() == [newest_revision()]

    def _revisions(self) -> list[str] | None:
        """The revisions recorded in `alembic_version`; None when there is no such table."""
        try:
            with self.engine.connect() as connection:
                rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
        except DBAPIError:  # no table yet (a fresh database, or one made before Alembic)
            return None
        return [str(row[0]) for row in rows]

    @contextmanager
    def _taking_behind(self) -> Iterator[list[tuple[Executable, dict[str, Any]]]]:
        """The writes queued behind, taken by one unit of work; if it fails they go back
        first in line, for the next unit of work (a queued write is never lost)."""
        with self._behind_lock:
            behind, self._behind = self._behind, []
        try:
            yield behind
        except BaseException:
            with self._behind_lock:
                self._behind[:0] = behind  # not written: the next unit of work takes them
            raise

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any exception."""
        with Session(self.engine, expire_on_commit=False) as session, self._taking_behind() as behind:
            try:
                if behind:
                    _apply(session, behind)
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def unit(self) -> Iterator[Connects]:
        """A unit of work for the hot path ("done"): commits on success, rolls back on any exception.

        On SQLite it is a `DirectUnit` (storage/direct.py): Core statements compiled once
        and run on the DBAPI cursor, begun with BEGIN IMMEDIATE, the queued writes applied
        first, exactly as `session()` does. On PostgreSQL it is `session()` itself. Either
        way the storage functions call `connection().execute(statement, parameters)`;
        nothing of the ORM (`get`, `add`, `exec`) is there on SQLite.
        """
        if self._statements is None:
            with self.session() as session:
                yield session
            return
        pooled = self.engine.raw_connection()
        work = DirectUnit(pooled.dbapi_connection, self._statements)
        try:
            with self._taking_behind() as behind:
                work.execute_sql("BEGIN IMMEDIATE")
                try:
                    for statement, params in behind:
                        work.execute(statement, params)
                    yield work
                    work.commit()
                except BaseException:
                    pooled.rollback()
                    raise
        finally:
            work.close()
            pooled.close()  # back to the pool

    def close(self) -> None:
        if self._behind:
            try:
                self.flush_behind()
            except Exception:  # closing anyway; the restart rules cover what is lost
                log.exception("database: %d write(s) queued behind could not be applied", len(self._behind))
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()


class Checkpointer:
    """Copies SQLite's write-ahead log into the database file from a thread of its own.

    Every `every` seconds a PASSIVE checkpoint (never waits, never blocks a writer);
    when the log has grown past `restart_pages` anyway, a RESTART checkpoint, which
    waits up to `wait_ms` for a gap between writers, holds new writers back while it
    finishes, and starts the log over.
    """

    def __init__(self, path: str, *, every: float = 0.5, restart_pages: int = 16_384, wait_ms: int = 200) -> None:
        self.path, self.every, self.restart_pages, self.wait_ms = path, every, restart_pages, wait_ms
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """One round: PASSIVE, then RESTART if the log is still long."""
        _busy, log_pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if log_pages >= self.restart_pages:
            connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        self.checkpoints += 1

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        while not self._stop.wait(self.every):
            try:
                if connection is None:
                    connection = sqlite3.connect(self.path, timeout=self.wait_ms / 1000, isolation_level=None)
                self.checkpoint(connection)
            except sqlite3.Error as exc:  # busy, or the file is gone (a test's temp dir): next round
                log.debug("database: checkpoint skipped (%s)", exc)
        if connection is not None:
            connection.close()


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names (None: not SQLite, or in memory)."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return database if database and database != ":memory:" else None


def _checkpoint_off_the_loop(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's thread does it
        cursor.close()


def _apply(session: Session, behind: list[tuple[Executable, dict[str, Any]]]) -> None:
    """The queued writes, in order (one execute each: some use expanding IN lists,
    which executemany refuses; each is a prebuilt statement, compiled once)."""
    connection = session.connection()
    for statement, params in behind:
        connection.execute(statement, params)


def normalise_url(url: str) -> str:
    """PostgreSQL URLs without a driver (or Heroku-style `postgres://`) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def redacted_url(url: str) -> str:
    """The URL with its password masked, for log lines."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str, options: DatabaseOptions | None = None) -> Engine:
    options = options or DatabaseOptions()
    if url.startswith("postgresql"):
        return _postgres_engine(url, options)
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


def _postgres_engine(url: str, options: DatabaseOptions) -> Engine:
    connect_args: dict[str, Any] = {}
    if "application_name" not in url:
        # Shows in pg_stat_activity which replica holds a connection (and a lock).
        connect_args["application_name"] = f"stridecoach:{socket.gethostname()[:30]}:{os.getpid()}"
    if not options.prepared_statements:
        connect_args["prepare_threshold"] = None
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_timeout=options.pool_timeout,
        pool_recycle=options.pool_recycle,
        connect_args=connect_args,
    )


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
    ``returning`` as they need. To learn whether a row went in, add
    ``RETURNING`` and count the rows that come back: ``rowcount`` after
    ON CONFLICT DO NOTHING is -1 on psycopg 3.
    """
    if dialect == "postgresql":
        # Imported here: a process on SQLite never loads the PostgreSQL dialect (2 MB).
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


@lru_cache(maxsize=32)
def _insert_ignore_returning_key(dialect: str, table: Table) -> Insert:
    return insert_ignore_statement(dialect, table).returning(*table.primary_key.columns)


def insert_ignore(session: Connects, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """Insert one row unless a unique constraint already holds it; True when it was inserted.

    A row comes back from RETURNING only when the insert happened, on every driver.
    """
    connection = session.connection()
    stmt = _insert_ignore_returning_key(connection.dialect.name, table_of(model))
    return connection.execute(stmt, values).first() is not None
