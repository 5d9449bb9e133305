"""The composition root: builds the Application and registers every handler.

Handler groups run in order and each update visits every group:
  -2  flood guard (may stop a burst before anything else runs)
  -1  runner bookkeeping (creates the runner row on first contact)
   0  the one handler that answers the update
Within group 0 the first matching handler wins, so the order below matters:
commands, then buttons, then plain text, then everything else.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from stridecoach.bot import features, outbox
from stridecoach.bot.budgets import BROADCAST_RATE, ChatBudgets, Clock
from stridecoach.bot.handlers import common, guards, questions, router
from stridecoach.bot.handlers.chat_filters import PRIVATE, PRIVATE_MESSAGE
from stridecoach.bot.inbox import Inbox, InboxProcessor
from stridecoach.bot.services import BotApplication, BotContext, Services
from stridecoach.bot.settings import Settings
from stridecoach.bot.ui import questions as questions_ui
from stridecoach.bot.ui import common as ui
from stridecoach.bot.ui.common import bot_commands
from stridecoach.bot.update_order import RunnerOrderedProcessor

log = logging.getLogger(__name__)

# Every callback_data prefix a button of ours carries: s: sessions, r: reminders,
# q: topics, d: data (/forget).
CALLBACK_PREFIXES = ("s:", "r:", "q:", "qn:", "d:")



def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    telegram_clock: Clock | None = None,
) -> BotApplication:
    """Build the Application around ready services.

    Updates of different runners are handled concurrently, each runner's in
    order (bot/update_order.py); outgoing calls keep Telegram's flood limits per
    kind of message (bot/budgets.py).

    Args:
        services: settings, database, content, matcher and clock.
        request: a custom network layer (the fake Bot API in tests and `stridecoach chat`);
            None means real HTTP to Telegram or to TELEGRAM_API_BASE_URL.
        telegram_clock: the rate limiter's clock (tests share a virtual one with the fake).
    """
    settings = services.settings
    inbox = Inbox(services)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(ChatBudgets(clock=telegram_clock, broadcast_rate=_broadcast_rate(settings)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # No PTB Updater: it confirms updates to Telegram as soon as they are queued in
        # memory. Our update sources (bot/polling.py, bot/webhook.py) store each update in
        # the inbox first; InboxProcessor marks it handled once the handlers are done.
        .updater(None)
        # Inside it, runners overlap and each runner's updates keep their order.
        .concurrent_updates(InboxProcessor(inbox, RunnerOrderedProcessor(settings.max_concurrent_updates)))
    )
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else "0:fake"
    builder = builder.token(token)
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
    if settings.telegram_api_file_url:
        builder = builder.base_file_url(settings.telegram_api_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: BotApplication = builder.build()
    application.bot_data["services"] = services
    application.bot_data["inbox"] = inbox
    _register_handlers(application, services)
    return application


def _broadcast_rate(settings: Settings) -> float:
    """Telegram's free bulk limit (~30/s), or REMINDER_SEND_RATE when paid broadcasts are on."""
    if not settings.reminder_paid_broadcast:
        return BROADCAST_RATE
    return max(BROADCAST_RATE, settings.reminder_send_rate)


def _register_handlers(application: BotApplication, services: Services) -> None:
    features.register_guards(application, services)
    application.add_handler(TypeHandler(Update, common.track_runner), group=-1)

    # Forged or outdated button data is answered politely before any feature parses it.
    application.add_handler(CallbackQueryHandler(
        guards.answer_junk, pattern=lambda data: guards.is_junk(data, CALLBACK_PREFIXES)
    ))
    application.add_handler(ChatMemberHandler(guards.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(CommandHandler("start", common.start, filters=PRIVATE_MESSAGE))
    application.add_handler(CommandHandler("help", common.help_command, filters=PRIVATE_MESSAGE))
    application.add_handler(CommandHandler("topics", questions.topics, filters=PRIVATE_MESSAGE))
    services.intent_handlers["help"] = lambda update, context, _result: common.help_command(
        update, context
    )
    services.intent_handlers["topics"] = lambda update, context, _result: questions.topics(update, context)
    # Small talk gets a short friendly line, not "I don't know" and the whole menu.
    services.intent_handlers["greeting"] = lambda update, context, _result: common.send_text(
        update, context, ui.GREETING
    )
    services.intent_handlers["thanks"] = lambda update, context, _result: common.send_text(
        update, context, ui.THANKS
    )
    # Sessions, reminders and operations add their commands, buttons and text claimers.
    features.register_features(application, services)

    application.add_handler(
        CallbackQueryHandler(questions.open_topic, pattern=f"^{questions_ui.TOPIC_PREFIX}")
    )
    application.add_handler(
        CallbackQueryHandler(questions.none_of_these, pattern=f"^{questions_ui.NONE_PREFIX}")
    )
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.COMMAND, common.unknown_command))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.TEXT, router.route_text))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & ~filters.TEXT, common.non_text))
    # Groups, channels: the bot coaches in private chats only.
    # (Channel posts are not messages: they reach no handler and get no answer.)
    application.add_handler(MessageHandler(~PRIVATE & filters.UpdateType.MESSAGE, common.group_chat))
    # Every press gets its spinner stopped, even one no feature claims.
    application.add_handler(CallbackQueryHandler(guards.answer_junk))
    application.add_error_handler(common.on_error)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await application.bot.set_my_commands(bot_commands())
    services: Services = application.bot_data["services"]
    await features.start_background_jobs(application, services)
    outbox.schedule_retries(application)  # replies Telegram has not accepted yet
    log.info("StrideCoach is up as @%s", application.bot.username)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = application.bot_data["services"]
    services.db.close()
    log.info("database closed")
