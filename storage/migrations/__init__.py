"""Schema migrations with Alembic, run at start-up and serialised across processes.

`migrate(engine)` brings any database to the newest revision in `versions/`:

- a fresh database runs every revision from the first (0001: the initial schema);
- a database made by the versioned migrations that came before Alembic (it has a
  `schema_migration` table and no `alembic_version`) is stamped at the revision
  equal to its version (1 -> 0001 ... 6 -> 0006) and upgraded from there: no table is
  recreated, no row lost;
- a database already at the newest revision is left alone.

Processes that start together (several replicas, a deploy that restarts them all)
take turns: on PostgreSQL the whole upgrade runs in one transaction holding
`pg_advisory_xact_lock` (released at commit, or by the server if the process
dies; it also works through PgBouncer in transaction mode); on SQLite an
exclusive `flock` on `<database>.migrate-lock` plus SQLite's own write lock. The
second process then finds the schema current and does nothing.

To change the schema: change storage/models.py, then
`.venv/bin/alembic revision --autogenerate -m "what changes"` (against a database
at the newest revision), read and correct the draft (a new NOT NULL column needs a
`server_default`; SQLite changes run in batch mode), and add a test that upgrades a
database of the previous revision with rows in it. A migration only ever adds or
copies; none drops a runner's data.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine

from stridecoach.storage.locks import SCHEMA_KEY_SQL

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
# The revisions equal to the schemas the pre-Alembic migrations produced, by their version.
LEGACY_REVISIONS = {1: "0001", 2: "0002", 3: "0003", 4: "0004", 5: "0005", 6: "0006"}
# pg_advisory_xact_lock(class, schema hash) for migrations: one per schema (see storage.locks).
MIGRATION_LOCK_CLASS = 0x53430001


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migration in storage/migrations/versions")
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that no other process's migration shares."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(
                text(f"SELECT pg_advisory_xact_lock(:cls, {SCHEMA_KEY_SQL})"), {"cls": MIGRATION_LOCK_CLASS}
            )
            yield connection
        return
    database = engine.url.database  # the file, for SQLite
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        with engine.begin() as connection:
            yield connection
        return
    path = Path(database)
    lock_path = path.with_name(path.name + ".migrate-lock")
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # blocks until the other process is done
        try:
            with engine.begin() as connection:  # BEGIN IMMEDIATE: SQLite's write lock too
                yield connection
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest revision; returns it."""
    with migration_lock(engine) as connection:
        before = current_revision(connection)
        legacy = _legacy_version(connection) if before is None else None
        if legacy is not None:
            before = LEGACY_REVISIONS[legacy]
            command.stamp(alembic_config(connection), before)
            log.info("adopted a database made before Alembic (version %d) as revision %s", legacy, before)
        command.upgrade(alembic_config(connection), "head")
        after = current_revision(connection)
    if after is None:
        raise RuntimeError("the database has no schema revision after the upgrade")
    if after != before:
        log.info("database schema upgraded from %s to revision %s", before or "empty", after)
    return after


def _legacy_version(connection: Connection) -> int | None:
    """The version a pre-Alembic database records, None when it is not one."""
    tables = set(inspect(connection).get_table_names())
    if "schema_migration" not in tables or "runner" not in tables:
        return None
    version = int(connection.execute(text("SELECT MAX(version) FROM schema_migration")).scalar() or 1)
    if version not in LEGACY_REVISIONS:
        raise RuntimeError(f"schema_migration says version {version}, which no Alembic revision matches")
    return version
