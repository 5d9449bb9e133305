"""Updates the features must never see, or must never leave unanswered.

- Button data that no button of ours could carry (over Telegram's 64 bytes, a
  number beyond 64 bits, an unknown prefix) is answered politely and goes no
  further: forged data never reaches a feature's parser.
- Every other press a feature does not claim still gets its spinner stopped.
- A `my_chat_member` update for a private chat: "kicked" (the runner blocked the
  bot) pauses their reminders at once; "member" again (unblocked) resumes them.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import ChatMember, Update

from stridecoach.bot.handlers.common import tell_presser
from stridecoach.bot.services import BotContext, Services
from stridecoach.storage import runners, schedules

log = logging.getLogger(__name__)

JUNK_NOTICE = "That button doesn't do anything any more. Send /help to see what I can do."
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
_INT64 = 2**63 - 1
_NUMBER = re.compile(r"-?\d+")


def is_junk(data: object, prefixes: tuple[str, ...]) -> bool:
    """True for callback data none of our buttons carries."""
    if not isinstance(data, str) or not data or len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        return True
    if not data.startswith(prefixes):
        return True
    return any(abs(int(n)) > _INT64 for n in _NUMBER.findall(data))


async def answer_junk(update: Update, context: BotContext) -> None:
    query = update.callback_query
    log.info("answered a press with unknown button data (%d characters)", len(query.data or "") if query else 0)
    await tell_presser(update, context, JUNK_NOTICE)


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    runner_id = change.from_user.id
    if status == ChatMember.BANNED:
        await asyncio.to_thread(_blocked, context.services, runner_id)
        log.info("runner %d blocked the bot: reminders paused", runner_id)
    elif status == ChatMember.MEMBER:
        if await asyncio.to_thread(_unblocked, context.services, runner_id):
            log.info("runner %d unblocked the bot: reminders resumed", runner_id)


def _blocked(services: Services, runner_id: int) -> None:
    with services.db.session() as session:
        schedules.block_runner(session, runner_id=runner_id, now=services.now())


def _unblocked(services: Services, runner_id: int) -> bool:
    """Resume reminders only if it was the block that stopped them."""
    with services.db.session() as session:
        runner = runners.get_runner(session, runner_id)
        if runner is None or not runner.blocked:
            return False
        runners.unblock(session, runner_id)
        schedules.set_paused(session, runner_id=runner_id, paused=False, now=services.now())
        return True
