"""Answering questions: free text, /topics, and the answer buttons."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from stridecoach.bot.handlers.common import answer_query, send_text, strip_buttons
from stridecoach.bot.services import BotContext
from stridecoach.bot.ui import common as common_ui
from stridecoach.bot.ui import questions as ui
from stridecoach.content.understanding import Command, Question, RedFlag, SmallTalk, Understanding, Unreadable

log = logging.getLogger(__name__)


LAST_TOPIC = "last_topic"  # chat_data key: (the entry answered last, when), for follow-ups
# A follow-up comes while the answer is on the screen: past this, a message is read on its
# own ("lets go then" tomorrow offers the routines instead of starting the one read today).
FOLLOW_UP_WINDOW = timedelta(minutes=30)


def last_topic(context: BotContext) -> str | None:
    """The entry answered last, if it was answered within FOLLOW_UP_WINDOW."""
    value = context.chat_data.get(LAST_TOPIC) if context.chat_data is not None else None
    if not (isinstance(value, tuple) and len(value) == 2):
        return None
    entry_id, answered_at = value
    return entry_id if context.services.now() - answered_at <= FOLLOW_UP_WINDOW else None


async def send_reply(update: Update, context: BotContext, result: Understanding) -> None:
    """Reply to anything the understanding step did not turn into an action.

    Shared with the session flow (a question mid-set) and the schedule dialogue.
    """
    library = context.services.library
    match result:
        case RedFlag(tier=tier):
            await send_text(update, context, ui.render_red_flag(library, urgent=tier == "urgent"))
        case Question(entry_id=str() as entry_id, decision="answer") if library.get(entry_id) is not None:
            entry = library.get(entry_id)
            assert entry is not None
            if context.chat_data is not None:
                context.chat_data[LAST_TOPIC] = (entry_id, context.services.now())
            await send_text(update, context, ui.render_answer(entry), ui.answer_keyboard(library, entry))
        case Question(alternatives=alternatives) if alternatives:
            await send_text(update, context, ui.DID_YOU_MEAN, ui.did_you_mean_keyboard(library, list(alternatives)))
        case Unreadable(reason="foreign"):
            await send_text(update, context, ui.ENGLISH_ONLY)
        case Unreadable():
            await send_text(update, context, common_ui.EMPTY_TEXT)
        case Command() | SmallTalk():
            await send_text(update, context, ui.NOT_HERE)
        case _:
            await send_text(update, context, ui.DONT_KNOW)


async def none_of_these(update: Update, context: BotContext) -> None:
    """The "None of these" button under a "did you mean": recorded, so misses can become phrasings."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(update)  # once: in webhook mode the webhook's answer did it
    message = query.message
    offered = (query.data or "").removeprefix(ui.NONE_PREFIX)
    log.info("did-you-mean declined by the runner", extra={"offered": offered})
    if message is not None:
        await strip_buttons(context, message.chat.id, message.message_id)
    await send_text(update, context, ui.NONE_OF_THESE_REPLY)


async def topics(update: Update, context: BotContext) -> None:
    library = context.services.library
    await send_text(update, context, ui.TOPICS_INTRO, ui.topic_keyboard(ui.browse_entries(library)))


async def open_topic(update: Update, context: BotContext) -> None:
    """A topic or did-you-mean button: answer with that entry."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(update)  # once: in webhook mode the webhook's answer did it
    entry_id = (query.data or "").removeprefix(ui.TOPIC_PREFIX)
    entry = context.services.library.get(entry_id)
    if entry is None:
        await send_text(update, context, ui.STALE_TOPIC)
        return
    await send_text(update, context, ui.render_answer(entry), ui.answer_keyboard(context.services.library, entry))


async def empty_text(update: Update, context: BotContext) -> None:
    await send_text(update, context, common_ui.EMPTY_TEXT)
