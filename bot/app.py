"""The composition root: builds the Application and says, in one file, who handles what.

Who handles a message? Read this file top to bottom:

  group -2  the flood guard (may stop a burst before anything else runs)
  group -1  runner bookkeeping (creates the runner row on first contact)
  group  0  the one handler that answers the update, the first that matches:
    button presses   junk data is answered and stopped; then BUTTONS by prefix;
                     a press nobody claims still gets its spinner stopped
    membership       the runner blocked or unblocked the bot
    commands         COMMANDS, then "unknown command"
    plain text       bot/handlers/router.py: the TEXT_CLAIMERS in order, then the
                     understanding step, whose commands in words go to INTENTS
    anything else    stickers, photos... get a pointer to words; groups are declined

The tables below are the only registration there is: a new command, button
prefix, text claimer or intent is a row here (docs/architecture.md). The
Application refuses to start when the understanding step knows an intent with
no row, and tests/test_composition.py fails for a button prefix with no row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from types import MappingProxyType
from typing import Any

import httpx
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
from telegram.request import BaseRequest, HTTPXRequest

from stridecoach.bot import outbox
from stridecoach.bot.application import StrideCoachApplication
from stridecoach.bot.budgets import BROADCAST_RATE, ChatBudgets, Clock
from stridecoach.bot.handlers import (
    common,
    guards,
    operations,
    progress,
    questions,
    reminders,
    router,
    sessions,
    timed_work,
)
from stridecoach.bot.handlers.chat_filters import PRIVATE, PRIVATE_MESSAGE
from stridecoach.bot.inbox import Inbox, InboxProcessor, RawUpdates
from stridecoach.bot.services import BotApplication, BotContext, IntentHandler, Routes, Services, TextClaimer
from stridecoach.bot.settings import Settings
from stridecoach.bot.ui import common as ui
from stridecoach.bot.ui import progress as progress_ui
from stridecoach.bot.ui import questions as questions_ui
from stridecoach.bot.ui import reminders as reminders_ui
from stridecoach.bot.ui import sessions as sessions_ui
from stridecoach.bot.ui.common import bot_commands
from stridecoach.bot.update_order import RunnerOrderedProcessor
from stridecoach.content.understanding import Understanding

log = logging.getLogger(__name__)

# What PTB calls for an update: a coroutine function of (update, context).
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


def _ignoring_words(handler: Handler) -> IntentHandler:
    """An intent that does what its command does ("show my progress" is /progress)."""

    async def run(update: Update, context: BotContext, _result: Understanding) -> None:
        await handler(update, context)

    return run


def _say(text: str) -> IntentHandler:
    async def run(update: Update, context: BotContext, _result: Understanding) -> None:
        await common.send_text(update, context, text)

    return run


# ------------------------------------------------------------------ the tables

# Slash commands in private chats (the menu Telegram shows is bot/ui/common.py's COMMANDS).
COMMANDS: tuple[tuple[str, Handler], ...] = (
    ("start", common.start),
    ("help", common.help_command),
    ("topics", questions.topics),
    ("session", sessions.session_command),
    ("progress", progress.progress_command),
    ("history", progress.history_command),
    ("export", progress.export_command),
    ("forget", progress.forget_command),
    ("schedule", reminders.schedule_command),
    ("reminders", reminders.show_reminders),
    ("pause", reminders.pause),
    ("resume", reminders.resume),
    ("cancel", reminders.cancel_command),  # only the /schedule draft can be cancelled
    ("stats", operations.stats_command),  # operators only; others see "unknown command"
)

# Button presses by the prefix of their callback_data (prefixes never overlap).
# Data with no row here is answered as junk before any handler parses it.
BUTTONS: tuple[tuple[str, Handler], ...] = (
    (sessions_ui.PREFIX, sessions.on_button),  # s: routine chooser, set buttons, timers
    (reminders_ui.PREFIX, reminders.on_button),  # r: /schedule steps, reminder buttons
    (progress_ui.FORGET_PREFIX, progress.forget_answer),  # d:forget: the /forget confirmation
    (questions_ui.TOPIC_PREFIX, questions.open_topic),  # q: a topic or did-you-mean answer
    (questions_ui.NONE_PREFIX, questions.none_of_these),  # qn: "None of these"
)

# Plain text is offered to each claimer in turn; the first that returns True has it.
TEXT_CLAIMERS: tuple[TextClaimer, ...] = (
    # "pause for a week", "remind me Tuesdays at 7am": two regexes, no database read
    # unless one matches, so they work mid-session too.
    reminders.claim_words,
    # "rest 60 s", "auto advance on": a regex, no database read unless it matches.
    timed_work.claim_timing_words,
    # "done", "skip", a question mid-set: one transaction for a typed "done". Its read
    # sees a pending /schedule question and passes the text on to the next claimer.
    sessions.claim_session_text,
    # The answer to a pending /schedule question (days, time, zone).
    reminders.claim_schedule_answer,
)

# Commands in words and small talk, by the intent names of
# content/data/understanding/intents.toml (every one has a row).
INTENTS: Mapping[str, IntentHandler] = MappingProxyType({
    "start-session": sessions.start_intent,
    "progress": _ignoring_words(progress.progress_command),
    "history": _ignoring_words(progress.history_command),
    "export": _ignoring_words(progress.export_command),
    "forget": _ignoring_words(progress.forget_command),
    "schedule": reminders.schedule_intent,
    "reminders-pause": reminders.pause_intent,
    "reminders-resume": _ignoring_words(reminders.resume),
    "reminders-off": _ignoring_words(reminders.turn_off),
    "reminders-show": _ignoring_words(reminders.show_reminders),
    "help": _ignoring_words(common.help_command),
    "topics": _ignoring_words(questions.topics),
    # Small talk gets a short friendly line, not "I don't know" and the whole menu.
    "greeting": _say(ui.GREETING),
    "thanks": _say(ui.THANKS),
    # A timer belongs to a set: inside a session the session's claimer starts it;
    # anywhere else the runner hears "I can't do that from here".
    "session-timer": questions.send_reply,
})

ROUTES = Routes(text_claimers=TEXT_CLAIMERS, intents=INTENTS)

# Repeating jobs started with the Application (the reminder tick, the abandoned-session
# sweep and re-armed set timers, the weekly summary).
BACKGROUND_JOBS = (reminders.start_jobs, sessions.start_jobs, progress.start_jobs)


def button_prefixes() -> tuple[str, ...]:
    return tuple(prefix for prefix, _ in BUTTONS)



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
        .application_class(StrideCoachApplication)  # no persistence, no ids kept for one
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
        builder = builder.request(request)
        updates_request = request
    else:
        # PTB's two default HTTP clients (256 connections for calls, one for getUpdates),
        # sharing one TLS context: each would load the certificate authorities into a
        # context of its own (0.8 MB each). httpx's own default context, made once.
        tls = httpx.create_ssl_context()
        builder = builder.request(HTTPXRequest(connection_pool_size=256, httpx_kwargs={"verify": tls}))
        updates_request = HTTPXRequest(connection_pool_size=1, httpx_kwargs={"verify": tls})
    # getUpdates through a request that keeps the JSON Telegram sent, for the inbox to store.
    raw_updates = RawUpdates(updates_request)
    builder = builder.get_updates_request(raw_updates)
    application: BotApplication = builder.build()
    application.bot_data["raw_updates"] = raw_updates
    application.bot_data["services"] = services
    application.bot_data["routes"] = ROUTES
    application.bot_data["inbox"] = inbox
    _register_handlers(application, services)
    return application


def _broadcast_rate(settings: Settings) -> float:
    """Telegram's free bulk limit (~30/s), or REMINDER_SEND_RATE when paid broadcasts are on."""
    if not settings.reminder_paid_broadcast:
        return BROADCAST_RATE
    return max(BROADCAST_RATE, settings.reminder_send_rate)


def _check_intents(services: Services) -> None:
    """Refuse to start when the understanding step knows an intent with no row (or the reverse)."""
    known = set(services.understander.knowledge.intents)
    missing, stale = sorted(known - set(INTENTS)), sorted(set(INTENTS) - known)
    if missing or stale:
        raise RuntimeError(
            f"bot/app.py INTENTS does not match intents.toml: no row for {missing}, rows for unknown {stale}"
        )


def _register_handlers(application: BotApplication, services: Services) -> None:
    _check_intents(services)
    operations.flood_guard(services)  # built now so that settings errors show at start-up
    application.add_handler(TypeHandler(Update, operations.guard_flood), group=-2)
    application.add_handler(TypeHandler(Update, common.track_runner), group=-1)

    # Button presses: forged or outdated data is answered politely before any handler parses it.
    prefixes = button_prefixes()
    application.add_handler(CallbackQueryHandler(
        guards.answer_junk, pattern=lambda data: guards.is_junk(data, prefixes)
    ))
    for prefix, on_press in BUTTONS:
        application.add_handler(CallbackQueryHandler(on_press, pattern=_starts_with(prefix)))
    application.add_handler(CallbackQueryHandler(guards.answer_junk))  # never a spinner left turning

    application.add_handler(ChatMemberHandler(guards.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))

    for name, on_command in COMMANDS:
        application.add_handler(CommandHandler(name, on_command, filters=PRIVATE_MESSAGE))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.COMMAND, common.unknown_command))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.TEXT, router.route_text))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & ~filters.TEXT, common.non_text))
    # Groups, channels: the bot coaches in private chats only.
    # (Channel posts are not messages: they reach no handler and get no answer.)
    application.add_handler(MessageHandler(~PRIVATE & filters.UpdateType.MESSAGE, common.group_chat))
    application.add_error_handler(common.on_error)


def _starts_with(prefix: str) -> Callable[[object], bool]:
    return lambda data: isinstance(data, str) and data.startswith(prefix)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await application.bot.set_my_commands(bot_commands())
    services: Services = application.bot_data["services"]
    for start_jobs in BACKGROUND_JOBS:
        await start_jobs(application, services)
    outbox.schedule_retries(application)  # replies Telegram has not accepted yet
    log.info("StrideCoach is up as @%s", application.bot.username)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = application.bot_data["services"]
    services.db.close()
    log.info("database closed")
