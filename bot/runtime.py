"""Assembling the services from settings: the one place start-up work happens."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys

from stridecoach.bot.services import Clock, Services, system_clock
from stridecoach.bot.settings import Settings
from stridecoach.content.loader import default_library
from stridecoach.content.understanding import build_understander
from stridecoach.storage.db import Database

log = logging.getLogger(__name__)

# Allocations between two collections of the youngest generation (Python's default: 700).
GC_YOUNG_THRESHOLD = 20_000


class MigrationFailed(Exception):
    """`stridecoach migrate`, run for a serving process, did not bring the schema up to date."""


def build_services(settings: Settings, *, clock: Clock = system_clock, migrate_apart: bool = False) -> Services:
    """Load and validate the content, train the understanding step, open and migrate the database.

    `migrate_apart` (the serving process): a schema that is not at the newest revision
    is upgraded by `stridecoach migrate` in a child process, so that Alembic and its
    template engine (Mako) never load into the process that then serves for weeks: they
    stayed in its memory for good (9.7 MB, docs/performance.md "Idle memory").
    """
    library = default_library()
    understander = build_understander(library)
    db = Database(settings.database_url, settings.database_options())
    if migrate_apart and not db.schema_is_current():
        try:
            _migrate_in_child(settings.database_url)
        except MigrationFailed:
            db.close()
            raise
    revision = db.migrate()  # on the serving path now a check only: the schema is current
    log.info("database ready (%s, schema revision %s)", db.dialect, revision)
    services = Services(settings=settings, db=db, library=library, understander=understander, clock=clock)
    settle_garbage_collector()
    return services


def settle_garbage_collector() -> None:
    """The collector's settings for serving, once everything long-lived is loaded."""
    # What is loaded now (libraries, content, the understanding models: about 140,000
    # objects) lives as long as the process: keep it out of the cyclic garbage collector's
    # full passes, which otherwise walked all of it and held the event loop for up to a
    # third of a second under load (docs/performance.md, "Garbage collection").
    gc.freeze()
    # Each update allocates thousands of short-lived objects (PTB's, SQLAlchemy's); at the
    # default 700 the young generation was collected several times per update and 15-20%
    # of the process's CPU went to the collector. Reference counting frees nearly all of
    # them anyway; the collector is only for cycles.
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


def _migrate_in_child(database_url: str) -> None:
    """`stridecoach migrate` on `database_url`, its log lines on our stderr; raises MigrationFailed.

    The URL goes in the child's environment, not its command line (which any user on the
    machine can read); the other settings are the ones this process read (environment, .env).
    """
    log.info("the database schema is not at the newest revision: upgrading it in a child process")
    done = subprocess.run([sys.executable, "-m", "stridecoach", "migrate"],
                          env={**os.environ, "DATABASE_URL": database_url}, check=False)
    if done.returncode != 0:
        raise MigrationFailed(f"stridecoach migrate exited with {done.returncode} (its log is above)")
