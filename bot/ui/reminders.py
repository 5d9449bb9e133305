"""Texts and keyboards of the reminders feature: /schedule, /reminders, and the reminder itself.

Callback data all starts with "r:" (the feature's CallbackQueryHandler pattern) and
stays far below Telegram's 64-byte limit:

    r:d:<draft>:<day>    toggle a training day (Monday = 0) in the /schedule draft
    r:n:<draft>          days picked: ask for the time
    r:t:<draft>:<HHMM>   a time button
    r:k:<draft>          keep the time zone already on file
    r:x:<draft>          cancel the /schedule draft
    r:p / r:u / r:o      pause / resume / turn off (from /reminders)
    r:go:<calf|back>:<reminder id>, r:sz:<reminder id>, r:sk:<reminder id>
                         the reminder's buttons: start a session, snooze 1 h, skip today

<draft> identifies one /schedule conversation, so a button from an older /schedule
message is recognised as stale and changes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from stridecoach.domain.schedule import DAY_NAMES

PREFIX = "r:"
TIME_CHOICES = ("06:30", "07:00", "12:00", "17:30", "18:00", "19:00", "20:00")
ROUTINES = {"calf": "calf-routine", "back": "back-routine"}

# ------------------------------------------------------------------ /schedule

# What the source article says (content/, seed 000): calf exercises "two to three times
# per week", "5-10 minutes each time". The lower-back article gives no frequency or duration.
ARTICLE_ADVICE = "The calf article recommends 2-3 sessions a week, 5-10 minutes each."
_PICK_DAYS_END = "Change them as you like, then tap <b>Next</b>, or type them (for example <i>tue thu</i>)."
PICK_DAYS = (
    "<b>Training days</b>\n"
    f"Tap the days you want a reminder on. {ARTICLE_ADVICE} "
    f"I've suggested three: Mon, Wed, Fri. {_PICK_DAYS_END}"
)  # shown when there is no schedule yet (stridecoach.domain.schedule_dialogue.SUGGESTED_DAYS pre-selected)
PICK_DAYS_CURRENT = (
    "<b>Training days</b>\n"
    "Your current days are selected: {days}. "
    f"{ARTICLE_ADVICE} {_PICK_DAYS_END}"
)
BAD_DAYS = (
    "I couldn't read <i>{text}</i> as training days. Tap them above, or type them like "
    "<i>tue thu</i>, <i>mon-fri</i> or <i>weekends</i>."
)
NO_DAYS = "Pick at least one day first (tap a day so it shows ✅), then tap Next."
ASK_TIME = (
    "<b>Reminder time</b> for {days}\n"
    "Tap a time, or type your own (for example <i>07:15</i> or <i>7pm</i>)."
)
BAD_TIME = (
    "I couldn't read <i>{text}</i> as a time of day. Try something like <i>07:30</i>, "
    "<i>18:00</i> or <i>7pm</i>. Your schedule is unchanged."
)
ASK_ZONE = (
    "<b>Time zone</b>\n"
    "Type your city (for example <i>Berlin</i> or <i>New York</i>) or an offset such as "
    "<i>UTC+2</i>, so the reminder comes at {time} your time."
)
ASK_ZONE_KEEP = ASK_ZONE + "\nOr keep <b>{zone}</b>."
BAD_ZONE_ABBREVIATION = (
    "<i>{text}</i> is a time zone abbreviation, and I can't use those safely: they change "
    "with summer time, and some mean several places. Type a city such as {cities} "
    "(it follows summer time), or an offset like <i>{offset}</i>. Your schedule is unchanged."
)
BAD_ZONE = (
    "I don't know a time zone called <i>{text}</i>. Type a big city near you "
    "(for example <i>Berlin</i>, <i>New York</i>, <i>Sydney</i>) or an offset like "
    "<i>UTC+2</i>. Your schedule is unchanged."
)
ZONE_CONFIRMED = "Time zone: <b>{zone}</b>, now {local_now} there."
FIXED_OFFSET_TIP = (
    "\nA fixed offset doesn't change with summer time; if your clocks do, send /schedule "
    "and type your city instead."
)
SCHEDULE_SAVED = (
    "{zone_line}\n\n"
    "✅ Reminders on <b>{days}</b> at <b>{time}</b>.\n"
    "Next one: <b>{next}</b> your time.\n\n"
    "/reminders shows your schedule; /pause pauses it."
)
SCHEDULE_CANCELLED = "OK, I left your schedule as it was."
STALE_BUTTON = (
    "That button belongs to an older /schedule message, so I ignored it and your "
    "schedule is unchanged. Send /schedule to change it."
)
NOTHING_TO_CANCEL = "Nothing to cancel: no /schedule change is in progress."
STILL_WAITING = {
    "days": "(I'm still waiting for your training days — tap them and Next, type them, or /cancel)",
    "time": "(I'm still waiting for your reminder time — tap or type one, or /cancel)",
    "zone": "(I'm still waiting for your time zone — type a city or /cancel)",
}

# ------------------------------------------------------------------ /reminders, pause, resume, off

NO_SCHEDULE = "You have no reminders yet. Send /schedule to pick training days and a time."
STATUS_ACTIVE = (
    "<b>Your reminders</b>\n"
    "{days} at {time} ({zone})\n"
    "Next one: <b>{next}</b> your time."
)
STATUS_PAUSED = (
    "<b>Your reminders</b> (paused)\n"
    "{days} at {time} ({zone})\n"
    "Send /resume to get them again."
)
STATUS_OFF = (
    "<b>Your reminders</b> are off.\n"
    "Last schedule: {days} at {time} ({zone}). Send /resume to turn them back on."
)
SNOOZED_LINE = "\nSnoozed until {time}."
PAUSED = "⏸ Reminders paused. Send /resume when you're ready."
PAUSED_UNTIL = (
    "⏸ Reminders paused until <b>{until}</b>; they start again by themselves. "
    "Next one: <b>{next}</b> your time. Send /resume to have them back sooner."
)
PAUSED_UNTIL_LINE = "\n⏸ Paused until <b>{until}</b>; reminders start again by themselves."
PAUSE_TOO_LONG = (
    "I can pause reminders for up to {max_days} days ({max_weeks} weeks), and “{typed}” is longer. "
    "Try e.g. <i>pause for 2 weeks</i> or <i>pause until Monday</i>, or turn them off with "
    "<i>stop the reminders</i> (your days and time are kept). Nothing changed."
)
PAUSE_TOO_SHORT = (
    "“{typed}” is not a pause I can set. Try e.g. <i>pause for a week</i> or <i>pause until Monday</i>. "
    "Nothing changed."
)
REMIND_BAD_TIME = (
    "I couldn't read “{typed}” as a time of day. Try e.g. <i>remind me Tuesdays and Thursdays at 7am</i> "
    "or <i>at 18:30</i>. Nothing changed."
)
REMIND_NO_DAYS = (
    "Which days? Say e.g. <i>remind me Tuesdays and Thursdays at {time}</i>, or send /schedule to pick "
    "them with buttons. Nothing changed."
)
REMIND_NO_TIME = (
    "At what time on {days}? Say e.g. <i>remind me {days_words} at 7am</i>, or send /schedule. "
    "Nothing changed."
)
REMIND_ASK_ZONE = (
    "Reminders on <b>{days}</b> at <b>{time}</b>: which time zone are you in? Type a city "
    "(e.g. <i>Berlin</i>, <i>New York</i>) or an offset like <i>UTC+2</i>."
)
ALREADY_PAUSED = "Your reminders are already paused. Send /resume to get them again."
RESUMED = "▶️ Reminders are back on. Next one: <b>{next}</b> your time."
ALREADY_ON = "Your reminders are already on. Next one: <b>{next}</b> your time."
TURNED_OFF = "🔕 Reminders are off. Send /resume to turn them back on, or /schedule to set new ones."

# ------------------------------------------------------------------ the reminder

_REMINDER_NUDGE = "Calf work needs just 5-10 minutes, the calf article says. Calf or lower back today?"
REMINDER = (
    "🏃 <b>Strength time!</b> Today is one of your training days ({time}).\n"
    f"{_REMINDER_NUDGE}"
)
REMINDER_LATE = (
    "🏃 <b>Strength time!</b> Sorry this is late: your {time} reminder was held up on my side.\n"
    f"{_REMINDER_NUDGE}"
)
REMINDER_SNOOZED = "⏰ <b>Snooze over!</b> Time for today's strength session. Ready?"
SNOOZED = "⏰ OK, I'll remind you again at {time}."
SKIPPED = "👍 Rest day noted, no more reminders today. Next one: <b>{next}</b> your time."
NOT_TODAY = "That reminder is from {date}, so there is nothing to snooze or skip now."
REMINDER_GONE = "I can't find that reminder any more. Send /reminders to see your schedule."
NO_NEXT = "none scheduled"


# ------------------------------------------------------------------ formatting


def days_label(days: Iterable[int]) -> str:
    picked = sorted(set(days))
    if len(picked) == 7:
        return "every day"
    return ", ".join(DAY_NAMES[d] for d in picked) or "no days"


def time_label(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def when_label(local: datetime | None) -> str:
    """'Wed 4 Mar, 18:00' for a local datetime; a placeholder when there is none."""
    if local is None:
        return NO_NEXT
    return f"{DAY_NAMES[local.weekday()]} {local.day} {local:%b}, {local:%H:%M}"


def date_label(local: datetime) -> str:
    return f"{DAY_NAMES[local.weekday()]} {local.day} {local:%b}"


def zone_confirmed(label: str, local_now: datetime, *, fixed_offset: bool = False) -> str:
    """'Time zone: New York (America/New_York), now 09:05 there.' (label from zone_label)."""
    line = ZONE_CONFIRMED.format(zone=html.escape(label), local_now=f"{local_now:%H:%M}")
    return line + FIXED_OFFSET_TIP if fixed_offset else line


def bad_zone(text: str, cities: tuple[str, ...] = (), offset: str = "") -> str:
    """The reply to an unusable zone; specific for abbreviations such as EST (cities given)."""
    if not cities:
        return BAD_ZONE.format(text=escaped(text))
    shown = [f"<i>{html.escape(city)}</i>" for city in cities]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
    return BAD_ZONE_ABBREVIATION.format(text=escaped(text), cities=listed, offset=html.escape(offset))


def escaped(text: str, limit: int = 60) -> str:
    return html.escape(text.strip()[:limit])


# ------------------------------------------------------------------ keyboards


def days_keyboard(draft: str, days: Iterable[int]) -> InlineKeyboardMarkup:
    picked = set(days)
    buttons = [
        InlineKeyboardButton(
            f"✅ {name}" if day in picked else name, callback_data=f"{PREFIX}d:{draft}:{day}"
        )
        for day, name in enumerate(DAY_NAMES)
    ]
    return InlineKeyboardMarkup(
        [
            buttons[:4],
            buttons[4:],
            [
                InlineKeyboardButton("Next →", callback_data=f"{PREFIX}n:{draft}"),
                InlineKeyboardButton("Cancel", callback_data=f"{PREFIX}x:{draft}"),
            ],
        ]
    )


def time_keyboard(draft: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(label, callback_data=f"{PREFIX}t:{draft}:{label.replace(':', '')}")
        for label in TIME_CHOICES
    ]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append([InlineKeyboardButton("Cancel", callback_data=f"{PREFIX}x:{draft}")])
    return InlineKeyboardMarkup(rows)


def zone_keyboard(draft: str, current_zone: str | None) -> InlineKeyboardMarkup:
    row: list[InlineKeyboardButton] = []
    if current_zone:
        row.append(InlineKeyboardButton(f"Keep {current_zone}", callback_data=f"{PREFIX}k:{draft}"))
    row.append(InlineKeyboardButton("Cancel", callback_data=f"{PREFIX}x:{draft}"))
    return InlineKeyboardMarkup([row])


def status_keyboard(*, active: bool, paused: bool) -> InlineKeyboardMarkup:
    row: list[InlineKeyboardButton] = []
    if active and not paused:
        row.append(InlineKeyboardButton("⏸ Pause", callback_data=f"{PREFIX}p"))
    else:
        row.append(InlineKeyboardButton("▶️ Resume", callback_data=f"{PREFIX}u"))
    if active:
        row.append(InlineKeyboardButton("🔕 Turn off", callback_data=f"{PREFIX}o"))
    return InlineKeyboardMarkup([row])


def reminder_keyboard(reminder_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Start calf session", callback_data=f"{PREFIX}go:calf:{reminder_id}"),
                InlineKeyboardButton("Start back session", callback_data=f"{PREFIX}go:back:{reminder_id}"),
            ],
            [
                InlineKeyboardButton("Snooze 1 h", callback_data=f"{PREFIX}sz:{reminder_id}"),
                InlineKeyboardButton("Skip today", callback_data=f"{PREFIX}sk:{reminder_id}"),
            ],
        ]
    )


def reminder_text(*, kind: str, local_time: str, late: bool) -> str:
    if kind == "snooze":
        return REMINDER_SNOOZED
    return (REMINDER_LATE if late else REMINDER).format(time=html.escape(local_time))
