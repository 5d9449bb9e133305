"""Answering questions: free text, /topics, and the answer buttons."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import send_text
from bot.services import BotContext
from bot.ui import common as common_ui
from bot.ui import questions as ui
from content.matcher import MatchResult


async def send_match_reply(update: Update, context: BotContext, result: MatchResult) -> None:
    """Render a match result; shared with the session flow (a question mid-session)."""
    library = context.services.library
    entry = library.get(result.id) if result.id else None
    if result.decision == "answer" and entry is not None:
        await send_text(update, context, ui.render_answer(entry, safety=result.safety))
    elif result.decision == "did-you-mean" and result.alternatives:
        await send_text(
            update, context, ui.DID_YOU_MEAN, ui.did_you_mean_keyboard(library, result.alternatives)
        )
    else:
        await send_text(update, context, ui.DONT_KNOW)


async def topics(update: Update, context: BotContext) -> None:
    library = context.services.library
    await send_text(update, context, ui.TOPICS_INTRO, ui.topic_keyboard(ui.browse_entries(library)))


async def open_topic(update: Update, context: BotContext) -> None:
    """A topic or did-you-mean button: answer with that entry."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    entry_id = (query.data or "").removeprefix(ui.TOPIC_PREFIX)
    entry = context.services.library.get(entry_id)
    if entry is None:
        await send_text(update, context, ui.STALE_TOPIC)
        return
    await send_text(update, context, ui.render_answer(entry))


async def empty_text(update: Update, context: BotContext) -> None:
    await send_text(update, context, common_ui.EMPTY_TEXT)
