"""Placeholder: operations (flood guard, admin /stats) register here."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.services import Services


def register_guards(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    return None


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    return None
