"""The outbox: the reply a runner must see after a change is stored with the change, then sent.

Used for the guided session's replies (the next set, the summary): the reply is
rendered inside the session's transaction and stored in `outbox_message`
(storage/outbox.py). Sending it records what Telegram said:

| outcome                                   | status      | what happens next                      |
| ----------------------------------------- | ----------- | -------------------------------------- |
| accepted                                  | `sent`      | nothing                                |
| 5xx, 429, connection refused              | `pending`   | retried by the job; a typed "done"     |
|                                           |             | re-sends it instead of advancing       |
| timed out, connection dropped mid-call    | `uncertain` | maybe delivered: one more attempt at   |
|                                           |             | most (the job or the next "done"),     |
|                                           |             | then `assumed` delivered               |
| 403 (blocked)                             | `blocked`   | not retried by the job; re-sent if the |
|                                           |             | runner comes back and types "done"     |
| 400                                       | `failed`    | never retried                          |

So a failed reply never lets a retried "done" record a set the runner did not
see, and a reply Telegram accepted late is delivered at most twice.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from stridecoach.bot.db_calls import run_db, write_later
from stridecoach.bot.services import Services
from stridecoach.bot.ui.sessions import Keyboard
from stridecoach.storage import outbox as store

log = logging.getLogger(__name__)

RETRY_JOB_NAME = "outbox:retry"
RETRY_INTERVAL_SECONDS = 10.0
# The job stops retrying after this; a typed "done" still re-sends what is open.
RETRY_FOR = timedelta(hours=1)


def classify(error: TelegramError) -> str:
    """The outbox status a failed send leaves behind (see the module docstring)."""
    if isinstance(error, TimedOut):
        return "uncertain"
    if isinstance(error, Forbidden):
        return "blocked"  # not delivered; re-sent if the runner comes back and types "done"
    if isinstance(error, BadRequest):
        return "failed"
    if isinstance(error, RetryAfter):
        return "pending"
    if isinstance(error, NetworkError) and str(error.message).startswith("httpx."):
        # A transport error: refused before sending is certain, anything later may have arrived.
        return "pending" if "ConnectError" in error.message else "uncertain"
    return "pending"  # an HTTP error status: Telegram did not accept it


def keyboard_json(keyboard: InlineKeyboardMarkup | Keyboard | None) -> str | None:
    """The keyboard as the Bot API's JSON (stored in the outbox and sent as it is).

    A set's `Keyboard` is plain data already. PTB's objects are written out by hand for
    the buttons our keyboards use (text plus callback data or a URL): PTB's generic
    `to_dict` walks every attribute and cost more than the rest of recording the reply.
    """
    if keyboard is None:
        return None
    if isinstance(keyboard, Keyboard):
        return keyboard.json
    rows = []
    for row in keyboard.inline_keyboard:
        buttons = []
        for button in row:
            if button.callback_data is not None and isinstance(button.callback_data, str):
                buttons.append({"text": button.text, "callback_data": button.callback_data})
            elif button.url is not None and button.callback_data is None:
                buttons.append({"text": button.text, "url": button.url})
            else:  # any other kind of button: PTB's own serialisation
                buttons.append(button.to_dict())
        rows.append(buttons)
    return json.dumps({"inline_keyboard": rows})


async def show(
    bot: Any,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | Keyboard | str | None,
    *,
    edit_message_id: int | None = None,
) -> int:
    """Send `text`, or put it in place of message `edit_message_id` (one call either way);
    returns the message's id.

    A message that can no longer be edited (deleted, too old) gets a new message instead.
    `keyboard` may be given as the Bot API's JSON already (`keyboard_json`).

    Only the message id is read from Telegram's answer (see `_call`).
    """
    markup = keyboard if isinstance(keyboard, str) or keyboard is None else keyboard_json(keyboard)
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if markup is not None:
        params["reply_markup"] = markup
    if edit_message_id is not None:
        try:
            edited = await _call(bot, "editMessageText", {**params, "message_id": edit_message_id})
            if isinstance(edited, dict):
                return int(edited["message_id"])
        except BadRequest as exc:
            log.debug("could not edit message %d (%s); sending a new one", edit_message_id, exc.message)
    sent = await _call(bot, "sendMessage", params)
    return int(sent["message_id"])


async def _call(bot: Any, method: str, params: dict[str, Any]) -> Any:
    """One Bot API call whose answer stays the JSON Telegram sent (a dict, or True).

    `Bot._post` is the step of every PTB method (`send_message` -> `_post` -> `_do_post`)
    before the answer is turned into objects: the same defaults, rate limiter (our
    budgets), request and errors. Turning each answer into a `Message` with its keyboard,
    and each keyboard into JSON, was about a seventh of the process's CPU per "done"
    (docs/performance.md), for a message id. PTB's public `do_api_request` does the same
    but warns when given a method it has a name for.
    """
    return await bot._post(method, params)


async def attempt(
    bot: Any,
    services: Services,
    outbox_id: int,
    *,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | Keyboard | str | None,
    edit_message_id: int | None = None,
) -> int | None:
    """Send one recorded reply (or edit it into `edit_message_id`) and record the outcome;
    the message's id, or None when it failed.

    The attempt is recorded at the moment it *started*: the runner cannot have seen
    the message before then (the rule behind a "done" typed before the set was shown).
    """
    started = services.now()
    try:
        sent = await show(bot, chat_id, text, keyboard, edit_message_id=edit_message_id)
    except TelegramError as exc:
        status = classify(exc)
        log.warning("outbox: reply %d to chat %d not accepted (%s: %s); it stays %s",
                    outbox_id, chat_id, type(exc).__name__, exc, status)
        await run_db(services, _mark, services, outbox_id, status, None, started)
        if status == "blocked":
            await run_db(services, _block, services, chat_id)
        return None
    # Nothing waits for this mark: it goes with the next unit of work (bot/db_calls.py).
    await write_later(services, store.mark_statement(outbox_id=outbox_id, status="sent", now=started,
                                                     message_id=sent))
    return sent


def _mark(services: Services, outbox_id: int, status: str, message_id: int | None, started: Any) -> None:
    with services.db.session() as session:
        store.mark(session, outbox_id=outbox_id, status=status, now=started, message_id=message_id)


def _block(services: Services, chat_id: int) -> None:
    from stridecoach.storage import schedules

    with services.db.session() as session:
        schedules.block_runner(session, runner_id=chat_id, now=services.now())


def _due(services: Services) -> list[tuple[int, int, str, str | None]]:
    now = services.now()
    with services.db.session() as session:
        ids = store.due_for_retry(
            session, before=now - timedelta(seconds=RETRY_INTERVAL_SECONDS), since=now - RETRY_FOR
        )
        rows = [store.get(session, outbox_id=i) for i in ids]
        return [(r.id or 0, r.chat_id, r.text, r.keyboard) for r in rows if r is not None]


async def retry_due(bot: Any, services: Services) -> int:
    """Send again every open reply whose last attempt is old enough; returns how many were sent."""
    sent = 0
    for outbox_id, chat_id, text, keyboard in await run_db(services, _due, services):
        if await attempt(bot, services, outbox_id, chat_id=chat_id, text=text, keyboard=keyboard) is not None:
            sent += 1
    return sent


async def retry_job(context: Any) -> None:
    await retry_due(context.bot, context.application.bot_data["services"])


AFTER_CRASH_KEY = "outbox.after_crash"


def schedule_retries(application: Any) -> None:
    """At start-up: replies the previous process may have sent become `uncertain`; then the job."""
    services: Services = application.bot_data["services"]
    with services.db.session() as session:
        changed = store.after_crash(session)
    application.bot_data[AFTER_CRASH_KEY] = changed
    if changed:
        log.info("outbox: %d reply(ies) the last run may have sent get one more attempt at most", len(changed))
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(RETRY_JOB_NAME):
        job.schedule_removal()
    job_queue.run_repeating(retry_job, interval=RETRY_INTERVAL_SECONDS, first=RETRY_INTERVAL_SECONDS,
                            name=RETRY_JOB_NAME)


async def resend_after_crash(application: Any, lead: str) -> int:
    """Before the first new update is received: send once more each reply the last process
    recorded and may not have sent (`schedule_retries` found them), led by `lead`.

    A "done" whose unit of work committed just before a crash is not replayed (the inbox
    mark went with it); this is how its runner sees where they are, before their next
    message arrives, so that message is about the set they now see.
    """
    services: Services = application.bot_data["services"]
    ids: list[int] = application.bot_data.pop(AFTER_CRASH_KEY, [])
    sent = 0
    for outbox_id in ids:
        row = await run_db(services, _get, services, outbox_id)
        if row is None:
            continue
        _, chat_id, text, keyboard = row
        shown = await attempt(application.bot, services, outbox_id, chat_id=chat_id, text=f"{lead}\n\n{text}",
                              keyboard=keyboard)
        sent += shown is not None
    return sent


def _get(services: Services, outbox_id: int) -> tuple[int, int, str, str | None] | None:
    with services.db.session() as session:
        row = store.get(session, outbox_id=outbox_id)
        if row is None or row.status not in store.OPEN_STATUSES:
            return None
        return (row.id or 0, row.chat_id, row.text, row.keyboard)
