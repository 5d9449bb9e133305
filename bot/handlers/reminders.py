"""Reminders: /schedule, /reminders, /pause, /resume, turning them off, and the reminder's buttons.

The /schedule dialogue is decided in domain/schedule_dialogue.py ((draft, event) ->
(new draft, what to say), no Telegram); this module reads the draft from
`Runner.pending_input` and the saved schedule, stores what the step returns in one unit
of work, and says its replies:

    /schedule -> days (toggle buttons or typed, Mon/Wed/Fri suggested) -> time (buttons or typed)
              -> zone (typed city or offset, confirmed back) -> saved

Delivery of the reminders themselves is in bot/reminder_delivery.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timezone
from typing import Any, assert_never

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import Application

from stridecoach.domain import schedule_dialogue as dialogue
from stridecoach.domain.reminder_words import (
    MAX_PAUSE_DAYS,
    PauseRefused,
    PauseUntil,
    RemindAt,
    RemindRefused,
    pause_words,
    parse_remind_request,
    pause_for,
    remind_for,
)
from stridecoach.domain.schedule import days_to_mask, local_date_of, mask_to_days, snooze_until
from stridecoach.domain.schedule_dialogue import Draft, draft_id_for
from stridecoach.domain.timezones import stored_zone, zone_label, zone_short
from stridecoach.bot.handlers import questions, sessions
from stridecoach.bot.handlers.common import answer_query, send_text, strip_buttons
from stridecoach.bot.handlers.router import act_on
from stridecoach.bot.reminder_delivery import ReminderDelivery, schedule_tick
from stridecoach.bot.services import BotContext, Services
from stridecoach.bot.ui import reminders as ui
from stridecoach.content.understanding import Command, Context, Understanding
from stridecoach.storage import runners, schedules, workouts
from stridecoach.storage.models import Schedule

DELIVERY_KEY = "reminders.delivery"
SNOOZE_MINUTES = 60


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """Create the delivery and register its one repeating tick (started with the Application)."""
    delivery = ReminderDelivery(services, application.bot)
    services.extras[DELIVERY_KEY] = delivery
    schedule_tick(application, delivery)


def delivery_of(services: Services) -> ReminderDelivery:
    return services.extras[DELIVERY_KEY]


# ------------------------------------------------------------------ the /schedule dialogue
#
# The dialogue itself is domain/schedule_dialogue.py: (draft, event) -> (new draft,
# what to say). Here: read the draft and the saved schedule, step, store the result
# in one unit of work, then say the replies.


def _draft_id(update: Update) -> str:
    """Unique per /schedule message: the update id in base 36."""
    return draft_id_for(update.update_id)


def _load_draft(context: BotContext, user_id: int) -> Draft | None:
    with context.services.db.session() as session:
        runner = runners.get_runner(session, user_id)
        return Draft.decode(runner.pending_input if runner else None)


def _current_schedule(context: BotContext, user_id: int) -> Schedule | None:
    with context.services.db.session() as session:
        return schedules.get_schedule(session, runner_id=user_id)


async def _step(update: Update, context: BotContext, user_id: int, event: dialogue.Event) -> bool:
    """One step of the dialogue; False when typed text was not for it (the router takes it)."""
    services = context.services
    now = services.now()
    saved_schedule: Schedule | None = None
    with services.db.session() as session:
        runner = runners.get_runner(session, user_id)
        draft = Draft.decode(runner.pending_input if runner else None)
        if draft is None and isinstance(event, dialogue.Typed):
            return False  # most text: no dialogue pending, nothing more to read
        current = schedules.get_schedule(session, runner_id=user_id)
        saved = dialogue.Saved(current.days_mask, current.zone) if current is not None else None
        outcome = dialogue.step(draft, event, saved)
        if not outcome.claimed:
            return False
        # One unit of work per update: the update id is claimed with the change, so a
        # replay after a crash never toggles a day back or answers the wrong step.
        replayed = not workouts.claim_update(session, update_id=update.update_id, now=now)
        if not replayed:
            if outcome.draft != draft:
                runners.set_pending_input(session, user_id, outcome.draft.encode() if outcome.draft else None)
            for reply in outcome.replies:
                if isinstance(reply, dialogue.SaveSchedule):
                    saved_schedule = schedules.upsert_schedule(
                        session, runner_id=user_id, days=reply.days, local_time=reply.at, zone=reply.zone,
                        now=now,
                    )
    if replayed:
        await _show_current(update, context, draft)
        return True
    for reply in outcome.replies:
        await _say(update, context, user_id, reply, outcome.draft, saved_schedule)
    return True


async def _show_current(update: Update, context: BotContext, draft: Draft | None) -> None:
    """A replayed update: nothing changes; say where the dialogue stands (a press is already answered)."""
    if draft is not None:
        await send_text(update, context, ui.STILL_WAITING[draft.stage])
    else:
        await show_reminders(update, context)


async def _say(
    update: Update,
    context: BotContext,
    user_id: int,
    reply: dialogue.Reply,
    draft: Draft | None,
    saved: Schedule | None,
) -> None:
    """Say (or do) one reply of the dialogue."""
    match reply:
        case dialogue.AskDays(draft_id, days, current):
            text = ui.PICK_DAYS_CURRENT.format(days=ui.days_label(days)) if current else ui.PICK_DAYS
            await _prompt(update, context, user_id, draft, text, ui.days_keyboard(draft_id, days))
        case dialogue.AskTime(draft_id, days):
            text = ui.ASK_TIME.format(days=ui.days_label(days))
            await _prompt(update, context, user_id, draft, text, ui.time_keyboard(draft_id))
        case dialogue.AskZone(draft_id, at, keep):
            template = ui.ASK_ZONE_KEEP if keep else ui.ASK_ZONE
            text = template.format(time=ui.time_label(at), zone=keep or "")
            await _prompt(update, context, user_id, draft, text, ui.zone_keyboard(draft_id, keep))
        case dialogue.ShowDays(draft_id, days):
            await _edit_pressed(update, ui.days_keyboard(draft_id, days))
        case dialogue.RemovePressedButtons():
            pressed = update.callback_query.message if update.callback_query else None
            if pressed is not None:
                await strip_buttons(context, pressed.chat.id, pressed.message_id)
        case dialogue.RemoveButtons(message_id):
            # Best effort: the message may be gone or already bare; its buttons are stale anyway.
            if update.effective_chat is not None:
                await strip_buttons(context, update.effective_chat.id, message_id)
        case dialogue.SaveSchedule(zone=zone, label=label):
            assert saved is not None  # written by _step in the same unit of work
            await send_text(update, context, _saved_text(saved, zone, label, context.services.now()))
        case dialogue.BadDays(typed):
            await send_text(update, context, ui.BAD_DAYS.format(text=ui.escaped(typed)))
        case dialogue.BadTime(typed):
            await send_text(update, context, ui.BAD_TIME.format(text=ui.escaped(typed)))
        case dialogue.BadZone(typed, cities, offset):
            await send_text(update, context, ui.bad_zone(typed, cities, offset))
        case dialogue.AnswerQuestion(text, stage):
            await _answer_mid_flow(update, context, user_id, draft, text, stage)
        case dialogue.NoDays():
            await send_text(update, context, ui.NO_DAYS)
        case dialogue.StillWaiting(stage):
            await send_text(update, context, ui.STILL_WAITING[stage])
        case dialogue.Cancelled():
            await send_text(update, context, ui.SCHEDULE_CANCELLED)
        case dialogue.NothingToCancel():
            await send_text(update, context, ui.NOTHING_TO_CANCEL)
        case dialogue.Stale():
            await send_text(update, context, ui.STALE_BUTTON)
        case _:
            assert_never(reply)


async def _prompt(
    update: Update,
    context: BotContext,
    user_id: int,
    draft: Draft | None,
    text: str,
    keyboard: InlineKeyboardMarkup,
) -> None:
    """Send a question with its buttons, and remember that message in the draft.

    The draft is already stored; the message id is added only if the draft is
    still the same (an update handled meanwhile may have moved the dialogue on).
    """
    sent: Message | None = await send_text(update, context, text, keyboard)
    if sent is None or draft is None:
        return
    with context.services.db.session() as session:
        runner = runners.get_runner(session, user_id)
        if runner is not None and Draft.decode(runner.pending_input) == draft:
            runners.set_pending_input(session, user_id, replace(draft, message_id=sent.message_id).encode())


async def _edit_pressed(update: Update, keyboard: InlineKeyboardMarkup) -> None:
    """Redraw the buttons of the message whose button was pressed."""
    query = update.callback_query
    if query is not None:
        await query.edit_message_reply_markup(keyboard)


def _saved_text(schedule: Schedule, zone: str, label: str, now: datetime) -> str:
    return ui.SCHEDULE_SAVED.format(
        zone_line=ui.zone_confirmed(label, now.astimezone(stored_zone(zone)), fixed_offset=_is_fixed_offset(zone)),
        days=ui.days_label(mask_to_days(schedule.days_mask)),
        time=schedule.local_time,
        next=ui.when_label(_local(schedule.next_reminder_at, zone)),
    )


async def schedule_command(update: Update, context: BotContext) -> None:
    """Start a /schedule draft: day toggles, with the current days or Mon/Wed/Fri suggested."""
    user = update.effective_user
    if user is not None:
        await _step(update, context, user.id, dialogue.Begin(_draft_id(update)))


async def schedule_intent(update: Update, context: BotContext, result: Understanding) -> None:
    text = update.effective_message.text if update.effective_message else None
    if text and await claim_words(update, context, text):  # "remind me tuesdays at 7am"
        return
    user = update.effective_user
    named = result.schedule if isinstance(result, Command) else None
    if user is not None and named is not None and (named.days or named.at):  # "ping me tue/thu, say 7:30"
        remind = remind_for(named.days, named.at, typed_days=text or "", typed=text or "")
        await _remind_in_words(update, context, user.id, _current_schedule(context, user.id), remind)
        return
    await schedule_command(update, context)


async def claim_schedule_answer(update: Update, context: BotContext, text: str) -> bool:
    """Typed text for a pending /schedule answer (days, time or zone)."""
    user = update.effective_user
    if user is None:
        return False
    return await _step(update, context, user.id, dialogue.Typed(text))


async def claim_words(update: Update, context: BotContext, text: str) -> bool:
    """ "pause for a week", "remind me Tuesdays and Thursdays at 7am": reminders in the runner's words.

    Claimed before the question router (and before a session's "pause"): only text
    that names a pause length, or starts with "remind me" and names a day or a time.
    """
    user = update.effective_user
    if user is None:
        return False
    pause = pause_words(text)
    remind = parse_remind_request(text) if pause is None else None
    if pause is None and remind is None:
        return False  # most text: nothing more is read
    schedule = _current_schedule(context, user.id)
    if pause is not None:
        request = pause_for(_runner_today(context, schedule), typed=pause.typed, named=pause.slots)
        await _pause_in_words(update, context, user.id, schedule, request)
    elif remind is not None:
        await _remind_in_words(update, context, user.id, schedule, remind)
    return True


def _runner_today(context: BotContext, schedule: Schedule | None) -> date:
    """Today in the runner's zone ("until Monday" is their Monday); UTC when none is on file."""
    now = context.services.now()
    return local_date_of(now, schedule.zone) if schedule is not None else now.date()


async def _pause_in_words(
    update: Update,
    context: BotContext,
    user_id: int,
    schedule: Schedule | None,
    request: PauseUntil | PauseRefused,
) -> None:
    if schedule is None:
        await send_text(update, context, ui.NO_SCHEDULE)
        return
    if isinstance(request, PauseRefused):
        template = ui.PAUSE_TOO_LONG if request.problem == "too_long" else ui.PAUSE_TOO_SHORT
        await send_text(
            update, context,
            template.format(typed=ui.escaped(request.typed), max_days=MAX_PAUSE_DAYS, max_weeks=MAX_PAUSE_DAYS // 7),
        )
        return
    tz = stored_zone(schedule.zone)
    until = datetime.combine(request.resume_on, time(0, 0), tzinfo=tz).astimezone(timezone.utc)
    services = context.services
    with services.db.session() as session:
        paused = schedules.pause_until(session, runner_id=user_id, until=until, now=services.now())
    if paused is None:
        await send_text(update, context, ui.NO_SCHEDULE)
        return
    await send_text(
        update, context,
        ui.PAUSED_UNTIL.format(
            until=ui.date_label(until.astimezone(tz)),
            next=ui.when_label(_local(paused.next_reminder_at, paused.zone)),
        ),
    )


async def _remind_in_words(
    update: Update, context: BotContext, user_id: int, schedule: Schedule | None, remind: RemindAt | RemindRefused
) -> None:
    """Days and time in one message; the zone is asked only when none is known yet."""
    if isinstance(remind, RemindRefused):
        if remind.problem == "bad_time":
            await send_text(update, context, ui.REMIND_BAD_TIME.format(typed=ui.escaped(remind.typed)))
        elif remind.problem == "no_days" and remind.at is not None:
            await send_text(update, context, ui.REMIND_NO_DAYS.format(time=ui.time_label(remind.at)))
        else:
            label = ui.days_label(remind.days or ())
            await send_text(update, context, ui.REMIND_NO_TIME.format(days=label, days_words=label))
        return
    services = context.services
    if schedule is not None:  # a zone on file: saved in one go
        with services.db.session() as session:
            saved = schedules.upsert_schedule(
                session, runner_id=user_id, days=remind.days, local_time=remind.at, zone=schedule.zone,
                now=services.now(),
            )
            runners.set_pending_input(session, user_id, None)
        await send_text(update, context, _saved_text(saved, schedule.zone, zone_label(schedule.zone), services.now()))
        return
    draft = Draft("zone", _draft_id(update), days_to_mask(remind.days), f"{remind.at:%H%M}")
    with services.db.session() as session:
        runners.set_pending_input(session, user_id, draft.encode())
    text = ui.REMIND_ASK_ZONE.format(days=ui.days_label(remind.days), time=ui.time_label(remind.at))
    await _prompt(update, context, user_id, draft, text, ui.zone_keyboard(draft.draft_id, None))


async def cancel_command(update: Update, context: BotContext) -> None:
    """/cancel: drop a pending /schedule draft (the saved schedule stays as it was)."""
    user = update.effective_user
    if user is not None:
        await _step(update, context, user.id, dialogue.Cancel())


async def _answer_mid_flow(
    update: Update, context: BotContext, user_id: int, draft: Draft | None, text: str, stage: dialogue.Stage
) -> None:
    """Route a question as bot/handlers/router.py would (intent or answer), then say what is still open."""
    result = context.services.understander.understand(text, Context(last_topic=questions.last_topic(context)))
    await act_on(update, context, result)
    if _load_draft(context, user_id) == draft:  # not cancelled or restarted by an intent
        await send_text(update, context, ui.STILL_WAITING[stage])


def _is_fixed_offset(zone: str) -> bool:
    """An offset the runner typed ("Etc/GMT-2", "UTC+05:30"), not UTC itself or a place."""
    return zone_short(zone) != "UTC" and zone.startswith(("Etc/", "UTC"))


def _local(instant: datetime | None, zone: str) -> datetime | None:
    return None if instant is None else instant.astimezone(stored_zone(zone))


# ------------------------------------------------------------------ buttons


async def on_button(update: Update, context: BotContext) -> None:
    """Every "r:" button: the /schedule draft, pause/resume/off, and the reminder's buttons."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    await answer_query(update)  # once: in webhook mode the webhook's answer did it
    action, *args = (query.data or "").removeprefix(ui.PREFIX).split(":")
    press = _dialogue_press(action, args)
    if press is not None:
        await _step(update, context, user.id, press)
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


def _dialogue_press(action: str, args: list[str]) -> dialogue.Press | None:
    """A /schedule button ("r:<action>:<draft id>[:<value>]", see bot/ui/reminders.py) as an event."""
    if not args:
        return None
    draft_id, value = args[0], args[1] if len(args) > 1 else ""
    match action:
        case "d" if value.isdigit():
            return dialogue.ToggleDay(draft_id, int(value))
        case "n":
            return dialogue.DaysChosen(draft_id)
        case "t":
            return dialogue.TimeChosen(draft_id, value)
        case "k":
            return dialogue.KeepZone(draft_id)
        case "x":
            return dialogue.CancelPressed(draft_id)
    return None


async def _start_session(update: Update, context: BotContext, which: str) -> None:
    routine_id = ui.ROUTINES.get(which)
    if routine_id is None:
        await send_text(update, context, ui.STALE_BUTTON)
        return
    await sessions.start_routine(update, context, routine_id)


async def _reminder_button(
    update: Update, context: BotContext, user_id: int, action: str, reminder_id: int
) -> None:
    """Snooze 1 h or skip today, for a reminder of today (local date of its due instant).

    The update id is claimed with the change: a press replayed after a crash changes
    nothing and says what the first one did.
    """
    services = context.services
    now = services.now()
    with services.db.session() as session:
        replayed = not workouts.claim_update(session, update_id=update.update_id, now=now)
        reminder = schedules.get_reminder(session, reminder_id=reminder_id)
        schedule = schedules.get_schedule(session, runner_id=user_id)
        if reminder is None or reminder.runner_id != user_id or schedule is None:
            text = ui.REMINDER_GONE
        elif replayed:
            text = _replayed_reminder_press(schedule, action)
        elif local_date_of(reminder.due_at, schedule.zone) != local_date_of(now, schedule.zone):
            text = ui.NOT_TODAY.format(date=ui.date_label(reminder.due_at.astimezone(stored_zone(schedule.zone))))
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


def _replayed_reminder_press(schedule: Schedule, action: str) -> str:
    """What a snooze or skip already applied says, from the stored schedule."""
    if action == "sz" and schedule.snooze_until is not None:
        return ui.SNOOZED.format(time=f"{_local(schedule.snooze_until, schedule.zone):%H:%M}")
    if action == "sk":
        return ui.SKIPPED.format(next=ui.when_label(_local(schedule.next_reminder_at, schedule.zone)))
    return ui.STATUS_ACTIVE.format(**_schedule_fields(schedule))


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
        until = schedules.timed_pause(schedule, context.services.now())
        if until is not None:
            text += ui.PAUSED_UNTIL_LINE.format(until=ui.date_label(until.astimezone(stored_zone(schedule.zone))))
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
        elif schedules.is_active(schedule) and schedules.timed_pause(schedule, services.now()) is None:
            # nothing to resume: leave the schedule (and a snooze) alone
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
    if draft is not None and draft.message_id and update.effective_chat is not None:
        await strip_buttons(context, update.effective_chat.id, draft.message_id)
    await send_text(update, context, ui.NO_SCHEDULE if schedule is None else ui.TURNED_OFF)


async def pause_intent(update: Update, context: BotContext, result: Understanding) -> None:
    text = update.effective_message.text if update.effective_message else None
    if text and await claim_words(update, context, text):  # "pause my reminders for a week"
        return
    user = update.effective_user
    if user is not None and isinstance(result, Command) and result.pause.named:  # "no reminders till sunday pls"
        schedule = _current_schedule(context, user.id)
        request = pause_for(_runner_today(context, schedule), typed=text or "", named=result.pause)
        await _pause_in_words(update, context, user.id, schedule, request)
        return
    await pause(update, context)
