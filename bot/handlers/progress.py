"""What a runner's training leaves behind: /progress, /history, /export, /forget.

Read-only views over the completed sets (storage/progress.py computes nothing;
domain/progress.py does the arithmetic; bot/ui/progress.py renders), plus
deletion of everything stored about the runner after a confirmation.
"""

from __future__ import annotations

import asyncio

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from telegram import InputFile, Message, Update
from telegram.error import TelegramError

from stridecoach.domain import progress as core_progress
from stridecoach.domain.timezones import stored_zone
from stridecoach.domain.plans import sets_in
from stridecoach.bot.db_calls import run_db
from stridecoach.bot.handlers.common import answer_query, private_ids, strip_buttons
from stridecoach.bot.services import BotContext, Services
from stridecoach.bot.ui import progress as progress_ui
from stridecoach.bot.ui.progress_chart import render_week_chart
from stridecoach.storage import prefs as prefs_store
from stridecoach.storage import progress as progress_store
from stridecoach.storage import runners, workouts
from stridecoach.storage.models import Schedule

log = logging.getLogger(__name__)

HISTORY_LIMIT = 10


async def progress_command(update: Update, context: BotContext) -> None:
    """/progress: this week vs 2-3, the streak, totals, loads, and the chart."""
    ids = private_ids(update)
    if ids is None:
        return
    runner_id, chat_id = ids
    services = context.services
    with services.db.session() as session:
        zone_name = progress_store.runner_zone(session, runner_id=runner_id) or "UTC"
        sessions = _with_totals(progress_store.session_records(session, runner_id=runner_id), services)
        sets = progress_store.set_records(session, runner_id=runner_id)
    if not sessions:
        await context.bot.send_message(chat_id, progress_ui.NO_SESSIONS_YET)
        return
    zone = stored_zone(zone_name)
    report = core_progress.build_report(
        sessions, sets, now=services.now(), zone=zone,
        exercise_order=progress_ui.exercise_order(services.library),
    )
    await context.bot.send_message(
        chat_id, progress_ui.render_progress(report, services.library, zone_name=zone_name)
    )
    chart = render_week_chart(report.weeks)
    await context.bot.send_photo(
        chat_id,
        InputFile(chart, filename="progress.png"),
        caption=progress_ui.chart_caption(len(report.weeks)),
    )


def _with_totals(
    records: Sequence[core_progress.SessionRecord], services: Services
) -> list[core_progress.SessionRecord]:
    """Each session with its routine's (or plan's) set count, for the real-work rule."""
    return [replace(r, sets_total=sets_in(r.routine_id, services.library)) for r in records]


SUMMARY_JOB_NAME = "progress:weekly-summary"
SUMMARY_INTERVAL_SECONDS = 600.0


async def start_jobs(application: Any, services: Services) -> None:
    """The weekly summary check (repeating; it sends only to runners who switched it on)."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(SUMMARY_JOB_NAME):
        job.schedule_removal()
    job_queue.run_repeating(weekly_summary_job, interval=SUMMARY_INTERVAL_SECONDS, first=30.0,
                            name=SUMMARY_JOB_NAME)


async def weekly_summary_job(context: BotContext) -> None:
    await send_weekly_summaries(context.bot, context.services)


async def send_weekly_summaries(bot: Any, services: Services) -> int:
    """Send each opted-in runner the summary of their week once it is due; returns how many.

    Recorded after Telegram accepted it: a crash in between sends that one summary
    again (at least once, as the reminders).
    """
    now = services.now()
    due: list[tuple[int, int, core_progress.WeekSummary]] = []
    with services.db.session() as session:
        for prefs in prefs_store.summary_runners(session):
            zone_name = progress_store.runner_zone(session, runner_id=prefs.runner_id)
            zone = stored_zone(zone_name)
            week = core_progress.summary_due(now, zone, prefs.summary_sent_for)
            runner = runners.get_runner(session, prefs.runner_id)
            if week is None or runner is None or runner.blocked:
                continue
            schedule = session.get(Schedule, prefs.runner_id)
            planned = bin(schedule.days_mask).count("1") if schedule is not None and schedule.enabled else 0
            records = _with_totals(progress_store.session_records(session, runner_id=prefs.runner_id), services)
            summary = core_progress.week_summary(records, week_start=week, zone=zone, planned_days=planned)
            due.append((prefs.runner_id, runner.chat_id, summary))
    sent = 0
    for runner_id, chat_id, summary in due:
        try:
            await bot.send_message(chat_id, progress_ui.render_week_summary(summary))
        except TelegramError as exc:
            log.warning("weekly summary for runner %s not sent: %s", runner_id, exc)
            continue
        with services.db.session() as session:
            prefs_store.mark_summary_sent(session, runner_id=runner_id, week=summary.week_start)
        sent += 1
    return sent


async def history_command(update: Update, context: BotContext) -> None:
    """/history: the latest sessions, newest first."""
    ids = private_ids(update)
    if ids is None:
        return
    runner_id, chat_id = ids
    services = context.services
    with services.db.session() as session:
        zone_name = progress_store.runner_zone(session, runner_id=runner_id)
        records = _with_totals(
            progress_store.recent_sessions(session, runner_id=runner_id, limit=HISTORY_LIMIT), services
        )
    text = progress_ui.render_history(
        records, services.library, zone=stored_zone(zone_name)
    )
    await context.bot.send_message(chat_id, text)


async def export_command(update: Update, context: BotContext) -> None:
    """/export: every completed set as a CSV file."""
    ids = private_ids(update)
    if ids is None:
        return
    runner_id, chat_id = ids
    # Claimed before the file goes out: an /export replayed after a crash never sends a
    # second file; it says so, in case the first never arrived.
    if not await run_db(context.services, _claim, context.services, update.update_id):
        await context.bot.send_message(chat_id, progress_ui.EXPORT_ALREADY_SENT)
        return
    # A long history is seconds of reading and formatting: off the event loop, so
    # every other runner (and /healthz) is answered meanwhile.
    content = await asyncio.to_thread(_export, context.services, runner_id)
    if content.count(b"\n") <= 1:  # the header only
        await context.bot.send_message(chat_id, progress_ui.EXPORT_EMPTY)
        return
    await context.bot.send_document(
        chat_id,
        InputFile(content, filename=progress_ui.EXPORT_FILENAME),
        caption=progress_ui.EXPORT_CAPTION,
    )


def _claim(services: Services, update_id: int) -> bool:
    with services.db.session() as session:
        return workouts.claim_update(session, update_id=update_id, now=services.now())


def _export(services: Services, runner_id: int) -> bytes:
    with services.db.session() as session:
        return core_progress.export_csv(progress_store.export_rows(session, runner_id=runner_id))


async def forget_command(update: Update, context: BotContext) -> None:
    """/forget: ask first; the buttons carry the time of asking."""
    ids = private_ids(update)
    if ids is None:
        return
    _, chat_id = ids
    await context.bot.send_message(
        chat_id,
        progress_ui.FORGET_QUESTION,
        reply_markup=progress_ui.forget_keyboard(context.services.now()),
    )


async def forget_answer(update: Update, context: BotContext) -> None:
    """The /forget confirmation buttons: delete everything, or nothing."""
    ids = private_ids(update)
    query = update.callback_query
    if ids is None or query is None:
        return
    data = query.data or ""
    runner_id, chat_id = ids
    await answer_query(update)
    services = context.services
    answer, _, stamp = data.removeprefix(progress_ui.FORGET_PREFIX).partition(":")
    pressed = query.message if isinstance(query.message, Message) else None
    if pressed is not None:
        await strip_buttons(context, chat_id, pressed.message_id)
    if answer != "yes":
        await context.bot.send_message(chat_id, progress_ui.FORGET_CANCELLED)
        return
    try:
        asked_at = datetime.fromtimestamp(int(stamp), tz=services.now().tzinfo)
    except (ValueError, OverflowError, OSError):
        asked_at = None
    age = (services.now() - asked_at).total_seconds() if asked_at else None
    if age is None or not 0 <= age <= progress_ui.FORGET_CONFIRM_SECONDS:
        await context.bot.send_message(chat_id, progress_ui.FORGET_EXPIRED)
        return
    with services.db.session() as session:
        row = workouts.latest_session(session, runner_id=runner_id)
        live_prompt = row.prompt_message_id if row is not None and row.status in ("active", "paused") else None
        runners.delete_runner_data(session, runner_id)
    services.known_runners.discard(runner_id)
    services.chat_data.discard(chat_id)  # the topic answered last, for follow-ups
    if live_prompt is not None:
        await strip_buttons(context, chat_id, live_prompt)
    log.info("runner data deleted on request (/forget)")
    await context.bot.send_message(chat_id, progress_ui.FORGET_DONE)
