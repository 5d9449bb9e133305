"""Handlers every runner meets: /start, /help, bad input, and the error handler."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from stridecoach.bot.inbox import answered_in_webhook
from stridecoach.bot.services import BotContext
from stridecoach.bot.ui import common as ui
from stridecoach.storage import runners

log = logging.getLogger(__name__)


async def send_text(
    update: Update,
    context: BotContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send HTML text to the update's chat, split to Telegram's limit.

    The keyboard goes on the last chunk, where the runner's eyes are.
    """
    chat = update.effective_chat
    if chat is None:
        return None
    chunks = ui.split_message(text)
    sent: Message | None = None
    for index, chunk in enumerate(chunks):
        markup = keyboard if index == len(chunks) - 1 else None
        sent = await context.bot.send_message(
            chat.id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    return sent


def private_ids(update: Update) -> tuple[int, int] | None:
    """(runner id, chat id) of a private chat's update; None anywhere else."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return None
    return user.id, chat.id


async def strip_buttons(context: BotContext, chat_id: int, message_id: int) -> None:
    """Remove a message's inline keyboard; an already bare or deleted message is fine."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        # "message is not modified", "message to edit not found", "message can't be edited"
        log.debug("could not remove buttons from message %d: %s", message_id, exc.message)


async def answer_query(update: Update, notice: str | None = None) -> None:
    """Stop a pressed button's spinner, with an optional short notice the runner can do
    without (what the handler sends or edits says it too: "Recorded ✅" over the edit
    that shows the set done).

    In webhook mode the webhook's own answer stopped the spinner, without a notice
    (bot/webhook.py): Telegram takes one answer per press, so there is nothing to do.
    A notice the runner must read goes through `tell_presser`.
    """
    query = update.callback_query
    if query is None or answered_in_webhook(update.update_id):
        return
    try:
        await query.answer(notice[:200] if notice else None)
    except BadRequest as exc:  # "query is too old" after a restart or a redelivery
        log.debug("could not answer a callback query: %s", exc.message)


async def tell_presser(update: Update, context: BotContext, notice: str) -> None:
    """A notice the runner must read about their press ("that button is from an earlier set").

    The toast of the press's answer while the spinner is ours to stop (long polling); in
    webhook mode, where the webhook's answer already stopped it, a message in the chat.
    """
    chat = update.effective_chat
    if not answered_in_webhook(update.update_id) or chat is None:
        await answer_query(update, notice)
        return
    await context.bot.send_message(chat.id, html.escape(notice, quote=False))


async def track_runner(update: Update, context: BotContext) -> None:
    """Make sure a runner row exists for whoever wrote in a private chat (group -1)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return
    known = context.services.known_runners
    if user.id in known:
        return
    with context.services.db.session() as session:
        runners.ensure_runner(session, user_id=user.id, chat_id=chat.id, first_name=user.first_name)
    known.add(user.id)


async def start(update: Update, context: BotContext) -> None:
    """Welcome the runner and say what the bot does."""
    user = update.effective_user
    name = html.escape(user.first_name) if user and user.first_name else "runner"
    await send_text(update, context, ui.WELCOME.format(name=name))


async def help_command(update: Update, context: BotContext) -> None:
    await send_text(update, context, ui.HELP)


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    command = (message.text or "").split()[0] if message and message.text else "/"
    command = command.split("@", 1)[0][:64]
    await send_text(update, context, ui.UNKNOWN_COMMAND.format(command=html.escape(command)))


async def non_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes, locations...: a friendly pointer to words."""
    await send_text(update, context, ui.NON_TEXT)


async def group_chat(update: Update, context: BotContext) -> None:
    """The bot coaches one runner at a time; in groups it says so once per command."""
    log.info("ignored a message from a %s chat", update.effective_chat.type if update.effective_chat else "?")
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        await send_text(update, context, ui.GROUP_CHAT)


async def on_error(update: object, context: BotContext) -> None:
    """Log first (so we see it even if replying fails), then apologise to the runner."""
    log.error("unhandled error while handling an update", exc_info=context.error)
    if (isinstance(update, Update) and update.callback_query is not None
            and not answered_in_webhook(update.update_id)):
        await answer_query(update, ui.SOMETHING_WENT_WRONG_SHORT)  # never a spinner left turning
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, ui.SOMETHING_WENT_WRONG)
        except TelegramError:
            log.warning("could not tell the runner about the error")
