"""Placeholder: the reminders feature registers its handlers here."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.services import Services


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    return None


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    return None
