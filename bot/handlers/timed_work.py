"""Timed work that flows: one message per timed set, counting down in place.

The set's own message is edited: "Go! 45 seconds" → "40 s left" → ... → "Time!",
every ``COUNTDOWN_STEP`` seconds (domain/timing.py says why 5 s). A rest
countdown of the runner's chosen length runs the same way on the next set's
message. Each countdown is a repeating JobQueue job that checks the session row
before every edit, so a set done, skipped or stopped meanwhile ends it quietly
(the message is left with a final line and without stale buttons).

Also the runner's words for it: "auto advance on|off", "rest 60 s", "rest off".
bot/handlers/sessions.py calls in here; nothing here imports it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from stridecoach.domain import progress as core_progress
from stridecoach.domain.timezones import stored_zone
from stridecoach.domain.timing import (
    COUNTDOWN_STEP,
    REST_MAX,
    REST_MIN,
    AutoAdvance,
    RestLength,
    RestRefused,
    parse_summary_words,
    parse_timing_words,
)
from stridecoach.bot.handlers.common import private_ids
from stridecoach.bot.services import BotContext, Services
from stridecoach.bot.ui import sessions as ui
from stridecoach.storage import prefs as prefs_store
from stridecoach.storage import workouts

log = logging.getLogger(__name__)

COUNTDOWN_JOB_PREFIX = "countdown:"  # countdown:<session id>:<position>
REST_JOB_PREFIX = "rest:"  # rest:<session id>:<position>


@dataclass(frozen=True)
class Countdown:
    """What a countdown job needs to edit its message."""

    session_id: int
    runner_id: int
    chat_id: int
    message_id: int
    position: int
    base_text: str  # the set as shown, without the countdown line
    ends_at: datetime
    total: int
    started_at: datetime | None = None  # a set timer's start (None for a rest countdown)
    keyboard: Any = None  # the set's buttons, kept on the message while the rest counts down


def countdown_job_name(session_id: int, position: int) -> str:
    return f"{COUNTDOWN_JOB_PREFIX}{session_id}:{position}"


def rest_job_name(session_id: int, position: int) -> str:
    return f"{REST_JOB_PREFIX}{session_id}:{position}"


# ------------------------------------------------------------------ the set timer


async def start_in_place(
    context: BotContext, data: Countdown, *, keyboard: InlineKeyboardMarkup
) -> bool:
    """Turn the set's message into its countdown ("Go! 45 seconds"); False if it cannot be edited."""
    try:
        await context.bot.edit_message_text(
            ui.counting_text(data.base_text, data.total, data.total),
            chat_id=data.chat_id,
            message_id=data.message_id,
            reply_markup=keyboard,
        )
    except BadRequest as exc:
        log.debug("could not edit message %d into a countdown: %s", data.message_id, exc.message)
        return False
    _repeat(context.application, countdown_job_name(data.session_id, data.position), data)
    return True


async def time_up_in_place(context: BotContext, data: Countdown, *, auto: bool, keyboard: Any) -> bool:
    """ "Time!" on the set's own message; False if it cannot be edited (the caller sends instead)."""
    cancel(context.application, data.session_id, data.position)
    try:
        await context.bot.edit_message_text(
            ui.time_up_text(data.base_text, auto=auto),
            chat_id=data.chat_id,
            message_id=data.message_id,
            reply_markup=None if auto else keyboard,
        )
    except BadRequest as exc:
        log.debug("could not edit message %d to time up: %s", data.message_id, exc.message)
        return False
    return True


async def countdown_job(context: BotContext) -> None:
    """Every COUNTDOWN_STEP s: edit the time left, or stop quietly once the set has moved on."""
    job = context.job
    if job is None or not isinstance(job.data, Countdown):
        return
    data = job.data
    services = context.services
    left = int((data.ends_at - services.now()).total_seconds())
    if not _still_current(services, data):
        # The set was done, skipped or stopped: stop quietly. No edit: a pressed Done has
        # already turned this very message into the record and the next set.
        job.schedule_removal()
        return
    if data.started_at is None:  # rest
        if left <= 0:
            job.schedule_removal()
            await _edit(context, data, ui.rest_text(data.base_text, 0), data.keyboard)
            return
        await _edit(context, data, ui.rest_text(data.base_text, _rounded(left)), data.keyboard)
        return
    if left <= 0:
        job.schedule_removal()  # the timer job says "Time!"
        return
    await _edit(
        context, data, ui.counting_text(data.base_text, _rounded(left), data.total),
        ui.timer_keyboard(data.session_id, data.position),
    )


def _rounded(seconds: int) -> int:
    """Show the time left on the 5-second grid the edits run on ("45 s left", not "44")."""
    return max(((seconds + COUNTDOWN_STEP - 1) // COUNTDOWN_STEP) * COUNTDOWN_STEP, 0)


def _still_current(services: Services, data: Countdown) -> bool:
    """The session is still on this set (and, for a set timer, this very timer runs)."""
    with services.db.session() as session:
        row = workouts.get_session(session, session_id=data.session_id)
        state = workouts.state_of(row)
    if state is None or state.status != "active" or state.position != data.position:
        return False
    if data.started_at is not None:
        return state.timer_started_at == data.started_at
    return state.timer_started_at is None  # a timer started during the rest ends the rest


async def _edit(context: BotContext, data: Countdown, text: str, keyboard: Any) -> None:
    try:
        await context.bot.edit_message_text(
            text, chat_id=data.chat_id, message_id=data.message_id, reply_markup=keyboard
        )
    except BadRequest as exc:  # deleted, or not modified: the next step will do
        log.debug("countdown edit of message %d failed: %s", data.message_id, exc.message)


def _repeat(application: Any, name: str, data: Countdown) -> None:
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    job_queue.run_repeating(
        countdown_job, interval=COUNTDOWN_STEP, first=COUNTDOWN_STEP, name=name, data=data,
        chat_id=data.chat_id, user_id=data.runner_id,
    )


def cancel(application: Any, session_id: int, position: int) -> None:
    """Stop the countdown (set timer or rest) of one set."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    for name in (countdown_job_name(session_id, position), rest_job_name(session_id, position)):
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()


# ------------------------------------------------------------------ rest between sets


def rest_seconds(services: Services, runner_id: int) -> int | None:
    with services.db.session() as session:
        return prefs_store.get_prefs(session, runner_id=runner_id).rest_seconds


def auto_advance(services: Services, runner_id: int) -> bool:
    with services.db.session() as session:
        return prefs_store.get_prefs(session, runner_id=runner_id).auto_advance


def start_rest(context: BotContext, data: Countdown) -> None:
    """Count the rest down on the next set's message (already sent with the first line)."""
    _repeat(context.application, rest_job_name(data.session_id, data.position), data)


def rest_countdown(
    session_id: int, runner_id: int, chat_id: int, message_id: int, position: int, base: str,
    now: datetime, seconds: int, keyboard: Any,
) -> Countdown:
    return Countdown(session_id, runner_id, chat_id, message_id, position, base,
                     now + timedelta(seconds=seconds), seconds, keyboard=keyboard)


# ------------------------------------------------------------------ the runner's words


async def claim_timing_words(update: Update, context: BotContext, text: str) -> bool:
    """ "auto advance on", "rest 60 s", "rest off", "weekly summary on": the runner's preferences."""
    ids = private_ids(update)
    if ids is None:
        return False
    summary = parse_summary_words(text)
    if summary is not None:
        await _switch_summary(context, *ids, on=summary.on)
        return True
    words = parse_timing_words(text)
    if words is None:
        return False
    runner_id, chat_id = ids
    services = context.services
    if isinstance(words, RestRefused):
        reply = ui.REST_REFUSED.format(typed=words.typed, low=REST_MIN, high=REST_MAX // 60)
    else:
        with services.db.session() as session:
            if isinstance(words, AutoAdvance):
                prefs_store.set_auto_advance(session, runner_id=runner_id, on=words.on)
                reply = ui.AUTO_ADVANCE_ON if words.on else ui.AUTO_ADVANCE_OFF
            else:
                assert isinstance(words, RestLength)
                prefs_store.set_rest(session, runner_id=runner_id, seconds=words.seconds)
                reply = ui.REST_OFF if words.seconds is None else ui.REST_ON.format(seconds=words.seconds)
    await context.bot.send_message(chat_id, reply)
    return True


async def _switch_summary(context: BotContext, runner_id: int, chat_id: int, *, on: bool) -> None:
    """Weekly summary on (the first one this coming Sunday) or off."""
    from stridecoach.bot.ui import progress as progress_ui
    from stridecoach.storage import progress as progress_store

    services = context.services
    with services.db.session() as session:
        zone_name = progress_store.runner_zone(session, runner_id=runner_id) or "UTC"
        zone = stored_zone(zone_name)
        past = core_progress.latest_summary_week(services.now(), zone)
        prefs_store.set_weekly_summary(session, runner_id=runner_id, on=on, sent_for=past)
    reply = progress_ui.WEEKLY_SUMMARY_ON.format(zone=zone_name) if on else progress_ui.WEEKLY_SUMMARY_OFF
    await context.bot.send_message(chat_id, reply)
