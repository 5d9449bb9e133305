"""Texts and keyboards for /progress, /history, /export and /forget.

Telegram HTML; every name shown comes from our own content files, and
nothing typed by the runner is echoed here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from itertools import groupby

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from stridecoach.domain.progress import (
    TARGET_MAX_PER_WEEK,
    TARGET_MIN_PER_WEEK,
    LoadDay,
    LoadSummary,
    WeekSummary,
    ProgressReport,
    SessionRecord,
    to_unit,
)
from stridecoach.domain.plans import plan_title
from stridecoach.content.model import Library

FORGET_PREFIX = "d:forget:"  # d:forget:<yes|no>:<unix time the question was asked>
FORGET_CONFIRM_SECONDS = 600  # a confirmation button older than this no longer deletes

NO_SESSIONS_YET = (
    "No sessions yet. Send /session to start a guided calf or lower-back workout; "
    "I'll keep count from there."
)
CHART_CAPTION = (
    "Sessions per week, last {weeks} weeks. The red line is {target} a week, the low end of the "
    "calf article's 2-3 times a week."
)
NO_HISTORY = "You haven't done a guided session yet. Send /session to start one."
EXPORT_EMPTY = "There's nothing to export yet: no completed sets are stored for you."
EXPORT_CAPTION = "Your completed sets, one row per set (times in UTC)."
EXPORT_FILENAME = "stridecoach-sets.csv"
EXPORT_ALREADY_SENT = (
    "I already sent your export for that /export (the CSV file above). "
    "If it never arrived, send /export again."
)

FORGET_QUESTION = (
    "This deletes <b>everything</b> I store about you: your sessions, every completed set, "
    "your schedule and reminders. It can't be undone.\n\nDelete it all?"
)
FORGET_DONE = (
    "Done: everything I stored about you is deleted. If you write to me again I'll start "
    "fresh. Take care of those calves!"
)
FORGET_CANCELLED = "Nothing was deleted. Your data stays as it is."
FORGET_EXPIRED = "That confirmation has expired, so nothing was deleted. Send /forget to ask again."

STATUS_WORDS = {
    "active": "in progress",
    "paused": "paused",
    "finished": "finished",
    "stopped": "stopped early",
    "expired": "ended (inactive)",
}


def forget_keyboard(asked_at: datetime) -> InlineKeyboardMarkup:
    stamp = int(asked_at.timestamp())
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes, delete everything", callback_data=f"{FORGET_PREFIX}yes:{stamp}"),
                InlineKeyboardButton("Cancel", callback_data=f"{FORGET_PREFIX}no:{stamp}"),
            ]
        ]
    )


def render_progress(report: ProgressReport, library: Library, *, zone_name: str) -> str:
    """The /progress text: this week vs the target, the streak, totals and loads."""
    lines: list[str | None] = [
        "<b>Your progress</b>", "", _this_week_line(report.this_week), _streak_line(report.streak_weeks)
    ]
    lines.append(
        f"Lower back sessions: {report.back_this_week} this week, {report.back_total} all time "
        "(the back article gives no weekly frequency, so no target)."
    )
    lines.append(f"Sessions with real work (at least half their sets), all time: {report.total_sessions}.")
    if report.short_sessions:
        lines.append(
            f"<i>{report.short_sessions} shorter session(s) are saved but not counted: under half their sets.</i>"
        )
    if report.totals:
        lines += ["", "<b>Sets done per exercise</b>"]
        lines += [
            f"• {html.escape(_title(library, total.exercise_id))}: {total.sets}"
            for total in report.totals
        ]
    if report.loads:
        summary = report.load_summary
        unit = summary.unit if summary is not None and summary.best is not None else None
        lines += ["", "<b>Weighted calf raise load</b>"]
        lines += [_load_line(point, unit) for point in report.loads]
        if summary is not None:
            lines += _load_summary_lines(summary)
    lines += ["", TARGET_NOTE, f"<i>Weeks run Monday to Sunday, {html.escape(zone_name)} time.</i>"]
    lines.append("<i>Say <b>weekly summary on</b> for your planned days vs sessions done every Sunday evening.</i>")
    return "\n".join(line for line in lines if line is not None)


def exercise_order(library: Library) -> list[str]:
    """Exercise ids in routine order: the routines as /session lists them, each in its order."""
    order: list[str] = []
    for routine in sorted(library.routines.values(), key=lambda r: r.title):
        order += [step.exercise_id for step in routine.steps if step.exercise_id not in order]
    return order


def day_label(day: date, *, weekday: bool = True) -> str:
    """'Mon 2 Mar' (or '2 Mar'): one date format everywhere, no zero-padding."""
    plain = f"{day.day} {day.strftime('%b')}"
    return f"{day.strftime('%a')} {plain}" if weekday else plain


def chart_caption(weeks: int) -> str:
    return CHART_CAPTION.format(weeks=weeks, target=TARGET_MIN_PER_WEEK)


TARGET_NOTE = (
    f"<i>Target: {TARGET_MIN_PER_WEEK}-{TARGET_MAX_PER_WEEK} calf sessions a week, from the calf "
    f"article's advice to do calf work {TARGET_MIN_PER_WEEK}-{TARGET_MAX_PER_WEEK} times a week "
    "(5-10 minutes each time); a short or equipment-free calf session counts. A session counts "
    "when at least half its sets are done (StrideCoach's rule). The lower back article gives no "
    "frequency, so back sessions are counted on their own.</i>"
)


def _this_week_line(count: int) -> str:
    target = f"{TARGET_MIN_PER_WEEK}-{TARGET_MAX_PER_WEEK}"
    if count == 0:
        return f"This week: no calf sessions yet; the target is {target} a week."
    if count < TARGET_MIN_PER_WEEK:
        missing = TARGET_MIN_PER_WEEK - count
        return f"This week: {count} of {target} calf sessions. {missing} more to reach the target!"
    if count <= TARGET_MAX_PER_WEEK:
        return f"This week: {count} calf sessions. Target of {target} met, nicely done! 💪"
    return (
        f"This week: {count} calf sessions, above the target of {target}. "
        "Great commitment; remember muscles grow stronger while they rest, too."
    )


def _streak_line(weeks: int) -> str:
    if weeks == 0:
        return f"Streak: none yet. A week with {TARGET_MIN_PER_WEEK}+ calf sessions starts one; rest days never break it."
    unit = "week" if weeks == 1 else "weeks in a row"
    return f"Streak: {weeks} {unit} at {TARGET_MIN_PER_WEEK}+ calf sessions. 🔥"


def _load_line(day: LoadDay, unit: str | None = None) -> str:
    """Every load of the day as logged; a kg/lb load in the other unit also in the runner's unit."""
    shown = []
    for amount, logged in day.loads:
        text = f"{_amount(amount)} {html.escape(logged)}"
        converted = to_unit(amount, logged, unit) if unit is not None and logged != unit else None
        if converted is not None:
            text += f" (= {_amount(round(converted, 1))} {unit})"
        shown.append(text)
    return f"• {day_label(day.day)}: {', '.join(shown)}"


def _load_summary_lines(summary: LoadSummary) -> list[str]:
    lines: list[str] = []
    if summary.best is not None:
        best, day = summary.best
        lines.append(f"Best: {_amount(round(best, 1))} {summary.unit} ({day_label(day)}).")
    change = summary.change
    if change is not None:
        rounded = round(change, 1)
        if rounded > 0:
            lines.append(f"Trend: up {_amount(rounded)} {summary.unit} from your first day to your latest. Progress!")
        elif rounded < 0:
            lines.append(
                f"Trend: {_amount(-rounded)} {summary.unit} lighter than your first day; fine on tired days."
            )
        else:
            lines.append("Trend: steady. When it feels easy, add a little weight.")
    if summary.best_plates is not None:
        lines.append(
            f"Most plates: {_amount(summary.best_plates)} (plates stay plates: I don't know their weight)."
        )
    return lines


def render_history(records: Sequence[SessionRecord], library: Library, *, zone: tzinfo) -> str:
    """The /history list, newest first."""
    if not records:
        return NO_HISTORY
    lines = ["<b>Your recent sessions</b>", ""]
    for record in records:
        local = record.started_at.astimezone(zone)
        when = f"{day_label(local.date())}, {local.strftime('%H:%M')}"
        status = STATUS_WORDS.get(record.status, record.status)
        line = (
            f"• {when} · {html.escape(_title(library, record.routine_id))} · "
            f"{record.sets_done} done, {record.sets_skipped} skipped · {status}"
        )
        if record.finished_at is not None and record.status == "finished":
            line += f" in {duration_words(record.finished_at - record.started_at)}"
        if not record.counts and record.status not in ("active", "paused"):
            line += " · not counted (under half its sets)"
        lines.append(line)
        if record.skip_reasons:
            lines.append(f"  skipped: {skip_reason_words(record.skip_reasons, library)}")
    return "\n".join(lines)


SKIP_REASON_WORDS = {"too-hard": "too hard", "no-equipment": "no equipment", "no-time": "no time"}


def skip_reason_words(reasons: Sequence[tuple[str, str]], library: Library) -> str:
    """ "Jumping rope ×2 (no time), Single-leg calf raise (too hard)": runs of one exercise and reason."""
    parts = []
    for (exercise_id, reason), run in groupby(reasons):
        count = len(list(run))
        times = f" ×{count}" if count > 1 else ""
        words = SKIP_REASON_WORDS.get(reason, reason)
        parts.append(f"{html.escape(_title(library, exercise_id))}{times} ({words})")
    return ", ".join(parts)


def duration_words(delta: timedelta) -> str:
    """'24 min', '1 h 05 min', 'under a minute'."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return "under a minute"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _title(library: Library, entry_id: str) -> str:
    entry = library.get(entry_id)
    return entry.title if entry is not None else plan_title(entry_id, library)


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


WEEKLY_SUMMARY_ON = (
    "📅 Weekly summary on: every Sunday evening (18:00 your time; {zone}) I'll send your planned "
    "training days against the sessions you did. Say <i>weekly summary off</i> to stop it."
)
WEEKLY_SUMMARY_OFF = "Weekly summary off. /progress shows your week whenever you like."


def render_week_summary(summary: WeekSummary) -> str:
    """The Sunday summary: planned days vs sessions done, against the calf article's 2-3."""
    end = summary.week_start + timedelta(days=6)
    span = f"{day_label(summary.week_start)} – {day_label(end)}"
    planned = (
        f"{summary.planned_days} training day{'s' if summary.planned_days != 1 else ''} planned"
        if summary.planned_days
        else "no training days planned (/schedule sets them)"
    )
    calf = f"{summary.calf_sessions} calf session{'s' if summary.calf_sessions != 1 else ''}"
    back = f"{summary.back_sessions} lower back session{'s' if summary.back_sessions != 1 else ''}"
    verdict = (
        "the calf article's 2-3 a week: met. 💪"
        if summary.met_target
        else f"the calf article suggests {TARGET_MIN_PER_WEEK}-{TARGET_MAX_PER_WEEK} a week; next week is a fresh start."
    )
    return (
        f"📅 <b>Your week</b> ({span})\n"
        f"{planned}; done: {calf} and {back} (counting sessions with at least half their sets).\n"
        f"Calf work: {verdict}"
    )
