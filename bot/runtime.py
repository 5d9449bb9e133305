"""Assembling the services from settings: the one place start-up work happens."""

from __future__ import annotations

import gc
import logging

from stridecoach.bot.services import Clock, Services, system_clock
from stridecoach.bot.settings import Settings
from stridecoach.content.loader import default_library
from stridecoach.content.understanding import build_understander
from stridecoach.storage.db import Database

log = logging.getLogger(__name__)

# Allocations between two collections of the youngest generation (Python's default: 700).
GC_YOUNG_THRESHOLD = 20_000


def build_services(settings: Settings, *, clock: Clock = system_clock) -> Services:
    """Load and validate the content, train the understanding step, open and migrate the database."""
    library = default_library()
    understander = build_understander(library)
    db = Database(settings.database_url, settings.database_options())
    revision = db.migrate()
    log.info("database ready (%s, schema revision %s)", db.dialect, revision)
    services = Services(settings=settings, db=db, library=library, understander=understander, clock=clock)
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
    return services
