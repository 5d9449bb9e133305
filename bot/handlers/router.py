"""Where a plain text message goes.

Order matters, and lives in one place:
1. a feature waiting for typed input (e.g. the schedule asking for a time zone);
2. an active guided session ("done", "skip", or a question answered mid-session);
3. otherwise the understanding step decides (content/understanding): a red flag,
   a command in words handed to its feature, small talk, a question, or out of scope.

Features plug in through `Services.text_claimers` (steps 1-2, tried in order; each
returns True when it handled the text) and `Services.intent_handlers` (step 3).
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
    services = context.services
    for claimer in services.text_claimers:
        if await claimer(update, context, text):
            return
    result = services.understander.understand(text, Context(last_topic=questions.last_topic(context)))
    await act_on(update, context, result)


async def act_on(update: Update, context: BotContext, result: Understanding) -> None:
    """Carry out a command in words, or reply; shared by the router, the schedule and the session."""
    handlers = context.services.intent_handlers
    match result:
        case Command(intent=intent) | SmallTalk(kind=intent) if intent in handlers:
            await handlers[intent](update, context, result)
        case _:
            await questions.send_reply(update, context, result)
