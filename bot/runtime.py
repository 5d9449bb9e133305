"""Assembling the services from settings: the one place start-up work happens."""

from __future__ import annotations

import logging

from bot.services import Clock, Services, system_clock
from bot.settings import Settings
from content import Matcher, load_library
from storage.db import Database

log = logging.getLogger(__name__)


def build_services(settings: Settings, *, clock: Clock = system_clock) -> Services:
    """Load and validate the content, build the matcher index, open and migrate the database."""
    library = load_library()
    matcher = Matcher(library)
    db = Database(settings.database_url)
    version = db.migrate()
    log.info("database ready (schema version %d)", version)
    return Services(settings=settings, db=db, library=library, matcher=matcher, clock=clock)
