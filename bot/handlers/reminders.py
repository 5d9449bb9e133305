"""Reminders: /schedule, /reminders, /pause, /resume, turning them off, and the reminder's buttons.

The /schedule conversation lives in the database, not in memory: `Runner.pending_input`
holds the draft ("schedule:<stage>:<draft id>:<day mask>[:<HHMM>[:<message id>]]"), so a restart
mid-conversation changes nothing and a button from an older /schedule message
(another draft id, or no draft at all) is recognised as stale and changes nothing.
The saved schedule is only written when the last answer (the time zone) is valid.
The draft also remembers the message whose buttons belong to the current step, so
when the flow moves on by typed text (or ends) those buttons are removed.

    /schedule -> days (toggle buttons or typed, Mon/Wed/Fri suggested) -> time (buttons or typed)
              -> zone (typed city or offset, confirmed back) -> saved

Delivery of the reminders themselves is in bot/reminder_delivery.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.schedule import local_date_of, mask_to_days, snooze_until
from bot.core.timeparse import mentions_days, parse_days, parse_time_of_day
from bot.core.timezones import abbreviation_hint, resolve_zone, zone_from_name, zone_label, zone_short
from bot.handlers import questions
from bot.handlers.chat_filters import PRIVATE_MESSAGE
from bot.handlers.common import send_text
from bot.reminder_delivery import ReminderDelivery, schedule_tick
from bot.services import BotContext, Services
from bot.ui import reminders as ui
from content.matcher import MatchResult
from storage import runners, schedules
from storage.models import Schedule

log = logging.getLogger(__name__)

DELIVERY_KEY = "reminders.delivery"
SNOOZE_MINUTES = 60
_PENDING_PREFIX = "schedule:"


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    application.add_handler(CommandHandler("schedule", schedule_command, filters=PRIVATE_MESSAGE))
    application.add_handler(CommandHandler("reminders", show_reminders, filters=PRIVATE_MESSAGE))
    application.add_handler(CommandHandler("pause", pause, filters=PRIVATE_MESSAGE))
    application.add_handler(CommandHandler("resume", resume, filters=PRIVATE_MESSAGE))
    # Only the /schedule draft can be cancelled (nothing else in bot/ registers /cancel).
    application.add_handler(CommandHandler("cancel", cancel_command, filters=PRIVATE_MESSAGE))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{ui.PREFIX}"))
    # Registered before the sessions claimer (bot/features.py): a pending schedule
    # question is answered first.
    services.text_claimers.append(claim_text)
    services.intent_handlers["schedule"] = _on_schedule_intent
    services.intent_handlers["reminders-off"] = _on_off_intent  # stop / turn off / disable
    services.intent_handlers["reminders-pause"] = _on_pause_intent  # "pause my reminders"
    services.intent_handlers["reminders-resume"] = _on_resume_intent  # "turn reminders back on"


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """Create the delivery and register its one repeating tick (started with the Application)."""
    delivery = ReminderDelivery(services, application.bot)
    services.extras[DELIVERY_KEY] = delivery
    schedule_tick(application, delivery)


def delivery_of(services: Services) -> ReminderDelivery:
    return services.extras[DELIVERY_KEY]


# ------------------------------------------------------------------ the draft


@dataclass(frozen=True)
class Draft:
    """A /schedule conversation in progress, as stored in Runner.pending_input."""

    stage: str  # days | time | zone
    draft_id: str
    mask: int
    local_time: str = ""  # HHMM once picked
    message_id: int = 0  # the message showing this stage's buttons (0: unknown)

    def encode(self) -> str:
        parts = [self.stage, self.draft_id, str(self.mask)]
        if self.local_time or self.message_id:
            parts.append(self.local_time)
        if self.message_id:
            parts.append(str(self.message_id))
        return _PENDING_PREFIX + ":".join(parts)

    @classmethod
    def decode(cls, pending: str | None) -> Draft | None:
        if not pending or not pending.startswith(_PENDING_PREFIX):
            return None
        parts = pending.removeprefix(_PENDING_PREFIX).split(":")
        try:
            return cls(
                parts[0],
                parts[1],
                int(parts[2]),
                parts[3] if len(parts) > 3 else "",
                int(parts[4]) if len(parts) > 4 else 0,
            )
        except (IndexError, ValueError):
            return None

    @property
    def time_of_day(self) -> time:
        return time(int(self.local_time[:2]), int(self.local_time[2:]))


def _draft_id(update: Update) -> str:
    """Unique per /schedule message: the update id in base 36."""
    number, digits = update.update_id, ""
    while True:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
        if number == 0:
            return digits


def _load_draft(context: BotContext, user_id: int) -> Draft | None:
    with context.services.db.session() as session:
        runner = runners.get_runner(session, user_id)
        return Draft.decode(runner.pending_input if runner else None)


def _save_draft(context: BotContext, user_id: int, draft: Draft | None) -> None:
    with context.services.db.session() as session:
        runners.set_pending_input(session, user_id, draft.encode() if draft else None)


def _current_schedule(context: BotContext, user_id: int) -> Schedule | None:
    with context.services.db.session() as session:
        return schedules.get_schedule(session, runner_id=user_id)


async def _prompt(
    update: Update, context: BotContext, user_id: int, draft: Draft, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    """Save the draft, send the step's message with its buttons, and remember that message."""
    _save_draft(context, user_id, replace(draft, message_id=0))
    sent: Message | None = await send_text(update, context, text, keyboard)
    if sent is not None and _load_draft(context, user_id) == replace(draft, message_id=0):
        _save_draft(context, user_id, replace(draft, message_id=sent.message_id))


async def _retire_buttons(update: Update, context: BotContext, draft: Draft | None) -> None:
    """Remove the buttons of a draft's current step (the flow moved on by text, or ended).

    Best effort: the message may be gone or already without buttons; its buttons are
    stale in any case (the draft id or stage no longer matches).
    """
    chat = update.effective_chat
    if draft is None or not draft.message_id or chat is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat.id, draft.message_id, reply_markup=None)
    except TelegramError as exc:
        log.debug("could not remove the buttons of message %s: %s", draft.message_id, exc)


# ------------------------------------------------------------------ /schedule


async def schedule_command(update: Update, context: BotContext) -> None:
    """Start a /schedule draft: day toggles, with the current days or Mon/Wed/Fri suggested."""
    user = update.effective_user
    if user is None:
        return
    current = _current_schedule(context, user.id)
    if current and current.days_mask:
        days = mask_to_days(current.days_mask)
        text = ui.PICK_DAYS_CURRENT.format(days=ui.days_label(days))
    else:
        days, text = ui.SUGGESTED_DAYS, ui.PICK_DAYS
    await _retire_buttons(update, context, _load_draft(context, user.id))  # an older /schedule left open
    draft = Draft("days", _draft_id(update), sum(1 << d for d in days))
    await _prompt(update, context, user.id, draft, text, ui.days_keyboard(draft.draft_id, days))


async def _on_schedule_intent(update: Update, context: BotContext, _result: MatchResult) -> None:
    await schedule_command(update, context)


async def claim_text(update: Update, context: BotContext, text: str) -> bool:
    """Take typed text only while a /schedule answer is pending (days, time or zone)."""
    user = update.effective_user
    if user is None:
        return False
    draft = _load_draft(context, user.id)
    if draft is None:
        return False
    words = text.strip()
    if words.lower().rstrip(".!") in ui.CANCEL_WORDS:
        await _cancel_draft(update, context, user.id, draft)
        return True
    if draft.stage == "days":
        days = parse_days(words)
        if not days and mentions_days(words) and not words.endswith("?"):
            # Days we could not read fully: ask again rather than guess or restart the flow.
            await send_text(update, context, ui.BAD_DAYS.format(text=ui.escaped(words)))
            return True
        if not days:
            return False  # not days: maybe a question; the day buttons stay usable
        await _retire_buttons(update, context, draft)
        await _ask_time(update, context, user.id, replace(draft, mask=sum(1 << d for d in days)))
        return True
    if words.endswith("?"):
        # A question mid-flow is answered; the pending answer stays pending, and we say so.
        await _answer_mid_flow(update, context, user.id, draft, words)
        return True
    if draft.stage == "time":
        picked = parse_time_of_day(words)
        if picked is None:
            await send_text(update, context, ui.BAD_TIME.format(text=ui.escaped(words)))
            return True
        await _retire_buttons(update, context, draft)
        await _ask_zone(update, context, user.id, replace(draft, local_time=f"{picked:%H%M}"))
        return True
    if draft.stage == "zone":
        match = resolve_zone(words)
        if match is None:
            hint = abbreviation_hint(words)
            reply = ui.bad_zone(words, hint.cities, hint.offset) if hint else ui.bad_zone(words)
            await send_text(update, context, reply)
            return True
        await _retire_buttons(update, context, draft)
        await _save_schedule(update, context, user.id, draft, match.name, label=match.label)
        return True
    return False


async def _answer_mid_flow(update: Update, context: BotContext, user_id: int, draft: Draft, text: str) -> None:
    """Route a question as bot/handlers/router.py would (intent or answer), then say what is still open."""
    services = context.services
    result = services.matcher.match(text)
    handler = services.intent_handlers.get(result.intent or "")
    if result.decision == "intent" and handler is not None:
        await handler(update, context, result)
    else:
        await questions.send_match_reply(update, context, result)
    waiting = ui.STILL_WAITING.get(draft.stage)
    if waiting and _load_draft(context, user_id) == draft:  # not cancelled or restarted by an intent
        await send_text(update, context, waiting)


async def _cancel_draft(update: Update, context: BotContext, user_id: int, draft: Draft) -> None:
    _save_draft(context, user_id, None)
    await _retire_buttons(update, context, draft)
    await send_text(update, context, ui.SCHEDULE_CANCELLED)


async def cancel_command(update: Update, context: BotContext) -> None:
    """/cancel: drop a pending /schedule draft (the saved schedule stays as it was)."""
    user = update.effective_user
    if user is None:
        return
    draft = _load_draft(context, user.id)
    if draft is None:
        await send_text(update, context, ui.NOTHING_TO_CANCEL)
        return
    await _cancel_draft(update, context, user.id, draft)


async def _ask_time(update: Update, context: BotContext, user_id: int, draft: Draft) -> None:
    days = mask_to_days(draft.mask)
    text = ui.ASK_TIME.format(days=ui.days_label(days))
    await _prompt(update, context, user_id, replace(draft, stage="time"), text, ui.time_keyboard(draft.draft_id))


async def _ask_zone(update: Update, context: BotContext, user_id: int, draft: Draft) -> None:
    current = _current_schedule(context, user_id)
    zone = zone_short(current.zone) if current else None
    template = ui.ASK_ZONE_KEEP if zone else ui.ASK_ZONE
    text = template.format(time=ui.time_label(draft.time_of_day), zone=zone or "")
    await _prompt(update, context, user_id, replace(draft, stage="zone"), text, ui.zone_keyboard(draft.draft_id, zone))


async def _save_schedule(
    update: Update, context: BotContext, user_id: int, draft: Draft, zone: str, *, label: str
) -> None:
    services = context.services
    now = services.now()
    with services.db.session() as session:
        schedule = schedules.upsert_schedule(
            session,
            runner_id=user_id,
            days=mask_to_days(draft.mask),
            local_time=draft.time_of_day,
            zone=zone,
            now=now,
        )
        runners.set_pending_input(session, user_id, None)
    tz = zone_from_name(zone)
    text = ui.SCHEDULE_SAVED.format(
        zone_line=ui.zone_confirmed(label, now.astimezone(tz), fixed_offset=_is_fixed_offset(zone)),
        days=ui.days_label(mask_to_days(schedule.days_mask)),
        time=schedule.local_time,
        next=ui.when_label(_local(schedule.next_reminder_at, zone)),
    )
    await send_text(update, context, text)


def _is_fixed_offset(zone: str) -> bool:
    """An offset the runner typed ("Etc/GMT-2", "UTC+05:30"), not UTC itself or a place."""
    return zone_short(zone) != "UTC" and zone.startswith(("Etc/", "UTC"))


def _local(instant: datetime | None, zone: str) -> datetime | None:
    return None if instant is None else instant.astimezone(zone_from_name(zone))


# ------------------------------------------------------------------ buttons


async def on_button(update: Update, context: BotContext) -> None:
    """Every "r:" button: the /schedule draft, pause/resume/off, and the reminder's buttons."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    await query.answer()
    action, *args = (query.data or "").removeprefix(ui.PREFIX).split(":")
    if action in ("d", "n", "t", "k", "x"):
        await _draft_button(update, context, user.id, action, args)
    elif action == "p":
        await pause(update, context)
    elif action == "u":
        await resume(update, context)
    elif action == "o":
        await turn_off(update, context)
    elif action == "go" and len(args) == 2:
        await _start_session(update, context, args[0])
    elif action in ("sz", "sk") and len(args) == 1 and args[0].isdigit():
        await _reminder_button(update, context, user.id, action, int(args[0]))
    else:
        await send_text(update, context, ui.STALE_BUTTON)


async def _draft_button(update: Update, context: BotContext, user_id: int, action: str, args: list[str]) -> None:
    draft = _load_draft(context, user_id)
    expected_stage = {"d": "days", "n": "days", "t": "time", "k": "zone", "x": None}[action]
    if draft is None or not args or args[0] != draft.draft_id:
        await send_text(update, context, ui.STALE_BUTTON)
        return
    query = update.callback_query
    assert query is not None
    if expected_stage is not None and draft.stage != expected_stage:
        # This /schedule, but a step already answered (e.g. days typed): not an older message.
        await query.edit_message_reply_markup(None)
        await send_text(update, context, ui.STILL_WAITING[draft.stage])
        return
    if action == "x":
        _save_draft(context, user_id, None)
        await query.edit_message_reply_markup(None)
        await send_text(update, context, ui.SCHEDULE_CANCELLED)
    elif action == "d" and len(args) == 2 and args[1].isdigit() and 0 <= int(args[1]) <= 6:
        toggled = replace(draft, mask=draft.mask ^ (1 << int(args[1])))
        _save_draft(context, user_id, toggled)
        await query.edit_message_reply_markup(ui.days_keyboard(draft.draft_id, mask_to_days(toggled.mask)))
    elif action == "n":
        if draft.mask == 0:
            await send_text(update, context, ui.NO_DAYS)
            return
        await query.edit_message_reply_markup(None)
        await _ask_time(update, context, user_id, draft)
    elif action == "t" and len(args) == 2 and len(args[1]) == 4 and args[1].isdigit():
        await query.edit_message_reply_markup(None)
        await _ask_zone(update, context, user_id, replace(draft, local_time=args[1]))
    elif action == "k":
        current = _current_schedule(context, user_id)
        if current is None:
            await send_text(update, context, ui.STALE_BUTTON)
            return
        await query.edit_message_reply_markup(None)
        await _save_schedule(update, context, user_id, draft, current.zone, label=zone_label(current.zone))
    else:
        await send_text(update, context, ui.STALE_BUTTON)


async def _start_session(update: Update, context: BotContext, which: str) -> None:
    routine_id = ui.ROUTINES.get(which)
    if routine_id is None:
        await send_text(update, context, ui.STALE_BUTTON)
        return
    # Late import: the sessions feature is optional here and may not exist yet.
    from bot.handlers import sessions

    start_routine = getattr(sessions, "start_routine", None)
    if start_routine is None:
        await send_text(update, context, ui.SESSIONS_UNAVAILABLE)
        return
    await start_routine(update, context, routine_id)


async def _reminder_button(
    update: Update, context: BotContext, user_id: int, action: str, reminder_id: int
) -> None:
    """Snooze 1 h or skip today, for a reminder of today (local date of its due instant)."""
    services = context.services
    now = services.now()
    with services.db.session() as session:
        reminder = schedules.get_reminder(session, reminder_id=reminder_id)
        schedule = schedules.get_schedule(session, runner_id=user_id)
        if reminder is None or reminder.runner_id != user_id or schedule is None:
            text = ui.REMINDER_GONE
        elif local_date_of(reminder.due_at, schedule.zone) != local_date_of(now, schedule.zone):
            text = ui.NOT_TODAY.format(date=ui.date_label(reminder.due_at.astimezone(zone_from_name(schedule.zone))))
        elif not schedules.is_active(schedule):
            text = ui.STATUS_PAUSED.format(**_schedule_fields(schedule)) if schedule.enabled else ui.TURNED_OFF
        elif action == "sz":
            until = snooze_until(now, SNOOZE_MINUTES)
            schedules.snooze(session, runner_id=user_id, until=until, now=now)
            text = ui.SNOOZED.format(time=f"{_local(until, schedule.zone):%H:%M}")
        else:
            today = local_date_of(now, schedule.zone)
            schedules.skip_day(session, runner_id=user_id, local_date=today, now=now)
            text = ui.SKIPPED.format(next=ui.when_label(_local(schedule.next_reminder_at, schedule.zone)))
    await send_text(update, context, text)


# ------------------------------------------------------------------ /reminders, /pause, /resume, off


def _schedule_fields(schedule: Schedule) -> dict[str, str]:
    return {
        "days": ui.days_label(mask_to_days(schedule.days_mask)),
        "time": schedule.local_time,
        "zone": zone_short(schedule.zone),
        "next": ui.when_label(_local(schedule.next_reminder_at, schedule.zone)),
    }


async def show_reminders(update: Update, context: BotContext) -> None:
    """The schedule, and the next reminder in the runner's local time."""
    user = update.effective_user
    if user is None:
        return
    schedule = _current_schedule(context, user.id)
    if schedule is None:
        await send_text(update, context, ui.NO_SCHEDULE)
        return
    fields = _schedule_fields(schedule)
    if not schedule.enabled:
        text = ui.STATUS_OFF.format(**fields)
    elif schedule.paused:
        text = ui.STATUS_PAUSED.format(**fields)
    else:
        text = ui.STATUS_ACTIVE.format(**fields)
        if schedule.snooze_until is not None:
            text += ui.SNOOZED_LINE.format(time=f"{_local(schedule.snooze_until, schedule.zone):%H:%M}")
    keyboard = ui.status_keyboard(active=schedule.enabled, paused=schedule.paused)
    await send_text(update, context, text, keyboard)


async def pause(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    services = context.services
    with services.db.session() as session:
        current = schedules.get_schedule(session, runner_id=user.id)
        if current is None:
            text = ui.NO_SCHEDULE
        elif current.paused or not current.enabled:
            text = ui.ALREADY_PAUSED
        else:
            schedules.set_paused(session, runner_id=user.id, paused=True, now=services.now())
            text = ui.PAUSED
    await send_text(update, context, text)


async def resume(update: Update, context: BotContext) -> None:
    """Resume paused reminders, or turn them back on; armed from now (no backlog)."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    with services.db.session() as session:
        schedule = schedules.get_schedule(session, runner_id=user.id)
        if schedule is None:
            text = ui.NO_SCHEDULE
        elif schedules.is_active(schedule):  # nothing to resume: leave the schedule (and a snooze) alone
            text = ui.ALREADY_ON.format(next=ui.when_label(_local(schedule.next_reminder_at, schedule.zone)))
        else:
            schedules.set_enabled(session, runner_id=user.id, enabled=True, now=services.now())
            text = ui.RESUMED.format(next=ui.when_label(_local(schedule.next_reminder_at, schedule.zone)))
    await send_text(update, context, text)


async def turn_off(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    services = context.services
    with services.db.session() as session:
        schedule = schedules.set_enabled(session, runner_id=user.id, enabled=False, now=services.now())
        runner = runners.get_runner(session, user.id)
        draft = Draft.decode(runner.pending_input if runner else None)
        if draft is not None:
            runners.set_pending_input(session, user.id, None)
    await _retire_buttons(update, context, draft)
    await send_text(update, context, ui.NO_SCHEDULE if schedule is None else ui.TURNED_OFF)


async def _on_off_intent(update: Update, context: BotContext, _result: MatchResult) -> None:
    await turn_off(update, context)


async def _on_pause_intent(update: Update, context: BotContext, _result: MatchResult) -> None:
    await pause(update, context)


async def _on_resume_intent(update: Update, context: BotContext, _result: MatchResult) -> None:
    await resume(update, context)
