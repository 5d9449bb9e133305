"""Where a plain text message goes.

1. the text claimers, in the order of bot/app.py's TEXT_CLAIMERS (reminders in words,
   timing words, an active guided session, a pending /schedule answer); the first
   that returns True has handled it;
2. otherwise the understanding step decides (content/understanding): a red flag,
   a command in words handed to its row of bot/app.py's INTENTS, small talk, a
   question, or out of scope.
"""

from __future__ import annotations

from telegram import Update

from stridecoach.bot.handlers import questions
from stridecoach.bot.services import BotContext
from stridecoach.content.understanding import Command, Context, SmallTalk, Understanding


async def route_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    text = (message.text or "") if message else ""
    if not text.strip():
        await questions.empty_text(update, context)
        return
    for claimer in context.routes.text_claimers:
        if await claimer(update, context, text):
            return
    result = context.services.understander.understand(text, Context(last_topic=questions.last_topic(context)))
    await act_on(update, context, result)


async def act_on(update: Update, context: BotContext, result: Understanding) -> None:
    """Carry out a command in words, or reply; shared by the router, the schedule and the session."""
    handlers = context.routes.intents
    match result:
        case Command(intent=intent) | SmallTalk(kind=intent) if intent in handlers:
            await handlers[intent](update, context, result)
        case _:
            await questions.send_reply(update, context, result)
