"""Running the bot for real: long polling by default, webhooks when asked."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application
from bot.logging_setup import configure_logging
from bot.runtime import build_services
from bot.settings import Settings

log = logging.getLogger(__name__)


def serve(settings: Settings, *, webhook: bool = False) -> int:
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    configure_logging(settings.log_level, settings.log_format, secrets=[token])
    services = build_services(settings)
    application = build_application(services)
    try:
        if webhook or settings.webhook_url:
            from bot.webhook import run_webhook

            run_webhook(application, settings)
        else:
            # Polling confirms a batch as soon as it is queued; our handlers are
            # idempotent (update ids and per-set keys), so a replay is harmless.
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        log.error("Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN")
        return 1
    except NetworkError as exc:
        log.error("could not reach the Telegram Bot API: %s", exc)
        return 1
    return 0
