"""Where a plain text message goes.

Order matters, and lives in one place:
1. a feature waiting for typed input (e.g. the schedule asking for a time zone);
2. an active guided session ("done", "skip", or a question answered mid-session);
3. an intent ("start a workout", "show my progress") handed to its feature;
4. otherwise, a question for the matcher.

Features plug in through `Services.text_claimers` (steps 1-2, tried in order; each
returns True when it handled the text) and `Services.intent_handlers` (step 3).
"""

from __future__ import annotations

from telegram import Update

from bot.handlers import questions
from bot.services import BotContext


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
    result = services.matcher.match(text)
    handler = services.intent_handlers.get(result.intent or "")
    if result.decision == "intent" and handler is not None:
        await handler(update, context, result)
        return
    await questions.send_match_reply(update, context, result)
