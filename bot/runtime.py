"""Assembling the services from settings: the one place start-up work happens."""

from __future__ import annotations

import logging

from stridecoach.bot.services import Clock, Services, system_clock
from stridecoach.bot.settings import Settings
from stridecoach.content.loader import default_library
from stridecoach.content.understanding import build_understander
from stridecoach.storage.db import Database

log = logging.getLogger(__name__)


def build_services(settings: Settings, *, clock: Clock = system_clock) -> Services:
    """Load and validate the content, train the understanding step, open and migrate the database."""
    library = default_library()
    understander = build_understander(library)
    db = Database(settings.database_url, settings.database_options())
    revision = db.migrate()
    log.info("database ready (%s, schema revision %s)", db.dialect, revision)
    return Services(settings=settings, db=db, library=library, understander=understander, clock=clock)
