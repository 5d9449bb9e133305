"""Feature wiring: each feature module registers its own handlers here, in a fixed order.

Kept apart from stridecoach.bot/app.py so that adding a feature is one line in each list
below and never reorders the core handlers.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from stridecoach.bot.handlers import operations, progress, reminders, sessions
from stridecoach.bot.services import Services


def register_guards(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """Handlers in group -2 that may stop an update early (flood guard)."""
    operations.register_guards(application, services)


def register_features(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    # Text claimers: the session's goes first but passes text on while a /schedule
    # question is pending (one read in its transaction); then the schedule's.
    reminders.register(application, services)
    sessions.register(application, services)
    # Before everything: "pause for a week", "remind me Tuesdays at 7am" (two regexes, no
    # database read unless one matches), so they work mid-session too.
    services.text_claimers.insert(0, reminders.claim_words)
    progress.register(application, services)
    operations.register(application, services)


async def start_background_jobs(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    await reminders.start_jobs(application, services)
    await sessions.start_jobs(application, services)
    await progress.start_jobs(application, services)
