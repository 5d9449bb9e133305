"""Every text and keyboard of a guided session.

`render(outputs, ...)` turns the state machine's semantic outputs into ONE
chat message (text + optional keyboard): "✅ Set 1 done" and the next set's
prompt arrive together, which keeps a session to one message per reply (and
under Telegram's one-message-a-second-per-chat limit).

Callback data is `s:<action>:<session id>:<position>` (at most ~30 bytes;
Telegram allows 64). The session id ties a button to its session and the
position to its set, so an old or doubled press can never act on another set.
`s:start:<routine id>` starts a routine; /forget has its own `d:forget:` buttons (see
bot/ui/progress.py).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import assert_never

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from stridecoach.domain.workout import (
    AlreadyFinished,
    AlreadyPaused,
    AtFirstSet,
    DoseInfo,
    EquipmentLater,
    Expired,
    NoEquipmentNeeded,
    NoSession,
    NothingToUndo,
    NotTimed,
    Output,
    PainPaused,
    Paused,
    Position,
    PromptSet,
    Recorded,
    Refused,
    Reopened,
    Resumed,
    RoutineUnavailable,
    SessionInProgress,
    SetSlot,
    Skipped,
    StaleButton,
    Started,
    Stopped,
    Summary,
    TimerFinished,
    TimerStarted,
    TimerStopped,
    Undone,
    RESUME_STOPPED_WITHIN,
)
from stridecoach.domain.plans import (
    CALF_ROUTINE,
    PlanKind,
    base_routine_id,
    estimate_seconds,
    plan_id,
    plan_title,
    plans_for,
    resolve_routine,
)
from stridecoach.domain.timing import left_text
from stridecoach.domain.workout_slots import repeats
from stridecoach.bot.ui.progress import SKIP_REASON_WORDS, duration_words
from stridecoach.content.model import Library

PREFIX = "s:"
START_PREFIX = "s:start:"

# Actions on a set button; the handler maps each to a state-machine event.
DONE, SKIP, STOP, TIMER, RESUME, PAUSE = "done", "skip", "stop", "timer", "resume", "pause"
STOP_TIMER = "stoptimer"
# "Stop it" on the session-in-progress offer: stop, then offer the routines.
STOP_AND_CHOOSE = "stopnew"
SET_ACTIONS = frozenset({DONE, SKIP, STOP, TIMER, RESUME, PAUSE, STOP_AND_CHOOSE, STOP_TIMER})

LABEL_DONE = "Done ✅"
LABEL_SKIP = "Skip"
LABEL_STOP = "Stop"
LABEL_TIMER = "Start timer ⏱"
LABEL_STOP_TIMER = "Stop timer ⏹"
LABEL_RESUME = "Resume ▶️"
LABEL_CONTINUE = "Continue ▶️"

CHOOSE_ROUTINE = (
    "Which routine today?\n\n"
    "<b>Calf routine</b>: 7 exercises, 21 sets. The calf article suggests calf work 2-3 times "
    "a week, 5-10 minutes each time, in the middle or at the end of a run while your muscles "
    "are warm.\n"
    "• <b>Short calf session</b>: {short}\n"
    "• <b>Calf, no equipment</b>: {bare}\n"
    "<b>Lower back routine</b>: 3 exercises, 8 sets.\n\n"
    "I'll walk you through it one set at a time. Say <i>skip exercise</i> (or <i>no barbell</i>) "
    "to leave out a step on the way."
)
# Button labels of the calf plans. Neither contains "calf routine", so a runner
# (or a test) looking for the full routine's button finds that one.
PLAN_LABELS = {"short": "Short calf session ⏱", "no-equipment": "Calf, no equipment 🏠"}

SESSION_COMMANDS = (
    "During a session you can say:\n"
    "• <i>done</i> (or ✅, <i>finished</i>, <i>ok</i>, <i>next</i>): the set is done\n"
    "• <i>done 40 kg</i> / <i>done 2 plates</i>: log the load (weighted calf raise)\n"
    "• <i>undo</i>: take back the last done\n"
    "• <i>skip</i>, <i>skip exercise</i>, <i>repeat</i>, <i>back</i>: move around; a reason is welcome "
    "(<i>skip, too hard</i> / <i>no equipment</i> / <i>no time</i>)\n"
    "• <i>no barbell</i>, <i>no rope</i>: I skip or swap the step that needs it\n"
    "• <i>how many reps?</i>, <i>start timer</i>, <i>stop timer</i>\n"
    "• <i>pause</i>, <i>resume</i>, <i>stop</i>, <i>where am I</i>\n"
    "And questions about the exercises are always welcome."
)
NOT_UNDERSTOOD = "Sorry, I didn't catch that. " + SESSION_COMMANDS

BACK_TO_SESSION = "Back to your session:"
PAUSED_FOR_SAFETY = (
    "I've paused your session so you can get that checked; the sets you did are saved. "
    "Say \"resume\" (or tap Resume) when you're ready to carry on, or \"stop\" to end it."
)
NOT_PAUSED = "You're not paused — here's your set:"
YOU_RE_WELCOME = "You're welcome! 🙂 Reply <i>done</i> when you've finished the set:"
YOU_RE_WELCOME_PAUSED = "You're welcome! 🙂 Reply <i>resume</i> when you're ready:"
NO_SESSION = (
    "No session is running right now. Send /session (or say <i>start calf workout</i>) "
    "to start one."
)
NO_SESSION_EXPIRED = (
    "Your last session ended on its own after a long break; every set you did is saved. "
    "Send /session to start a new one."
)

# Answers to a button press (the small toast Telegram shows; at most 200 characters).
NOTICE_NOT_YOURS = "That button isn't part of your session, so I left it alone."
NOTICE_ENDED = "That session has ended; its sets are saved. Send /session to start a new one."
NOTICE_DUPLICATE = "Already taken care of ✅"
# A replayed update, or "done" while the previous reply had not reached the runner.
ALREADY_RECORDED = "Already recorded ✅ Here's where you are:"
NOTICE_STALE = "That button is from an earlier set; you're on set {current} of {total} now."
NOTICE_UNKNOWN = "That button is from an older version of me. Send /session to start again."

ENCOURAGEMENT_COMPLETE = (
    "Every set done. Strong calves and a stable core are what keep runners injury-free; "
    "this is how you build them. 💪"
)
ENCOURAGEMENT_MOSTLY = "Great work! Skipped sets are fine; consistency matters more than perfection."
ENCOURAGEMENT_SOME = "Every set counts. Next time, a few more!"
# Frequency claims, faithful to the articles: only the calf article gives one
# ("two to three times per week", "5-10 minutes each time"); the lower back
# article gives none, so the back routine's summary makes no claim.
WEEKLY_NOTES = {
    "calf-routine": (
        "The calf article suggests calf work 2-3 times a week, 5-10 minutes each time; "
        "/progress shows how your week looks."
    ),
}
WEEKLY_NOTE_DEFAULT = "/progress shows your sessions week by week."

# The weighted raise: the article gives no rep count. The bot's suggestion
# follows the article's own progression ("Start by doing this as a double-leg
# calf raise"), whose dose is 3 sets of 8; labelled as ours wherever shown.
WEIGHTED_REPS_NOTE = (
    "The article gives no rep count for this one. StrideCoach's suggestion (ours, not the "
    "article's): 8 slow reps, as in the standing double-leg calf raise it builds on, with a load "
    "you can lift for all 8 with control; then reply e.g. <i>done 40 kg</i>."
)
RESUME_MINUTES = int(RESUME_STOPPED_WITHIN.total_seconds() // 60)
AUTO_ADVANCE_ON = (
    "⏩ Auto-advance is on: when a set's timer runs out, I count the set as done and show the next "
    "one. Say <i>auto advance off</i> to reply done yourself again."
)
AUTO_ADVANCE_OFF = "Auto-advance is off: after the timer, reply <i>done</i> when you're ready."
REST_ON = (
    "😮‍💨 Rest timer on: {seconds} s after each set, counting down on the next set's message. "
    "The articles give no rest time, so the length is yours; say <i>rest off</i> to drop it."
)
REST_OFF = "Rest timer off: the next set shows straight away."
REST_REFUSED = (
    "I can count a rest from {low} seconds to {high} minutes, and “{typed}” is outside that. "
    "Try e.g. <i>rest 60 s</i> or <i>rest 2 min</i>, or <i>rest off</i>. Nothing changed."
)
LABEL_UNDO_STOP = "Resume ▶️"


@dataclass(frozen=True)
class Keyboard:
    """Callback buttons as plain data, row by row: (label, callback data) per button.

    A set's keyboard is made for every "done": as PTB objects (each button a frozen
    `TelegramObject`) and turned back into JSON it cost more than the rest of rendering
    the reply. `json` is the Bot API's `reply_markup` as sent and as stored in the outbox;
    `markup()` is PTB's object, for the calls that take one (the timers' in-place edits).
    """

    rows: tuple[tuple[tuple[str, str], ...], ...]

    @cached_property  # recorded in the outbox, then sent: written once
    def json(self) -> str:
        return json.dumps(
            {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in self.rows]}
        )

    def markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in self.rows]
        )


def markup_of(keyboard: InlineKeyboardMarkup | Keyboard | None) -> InlineKeyboardMarkup | None:
    """PTB's object for a reply's keyboard (for the calls that take one)."""
    return keyboard.markup() if isinstance(keyboard, Keyboard) else keyboard


@dataclass(frozen=True)
class Reply:
    """One message to send.

    Attributes:
        text: Telegram HTML.
        keyboard: Set buttons; a message with them becomes the session's prompt
            (the previous prompt's buttons are removed).
        ends_session: The session is over: remove the last prompt's buttons.
        notice: A short answer for the button press that caused it, if any.
    """

    text: str
    keyboard: InlineKeyboardMarkup | Keyboard | None = None
    ends_session: bool = False
    notice: str | None = None


# ------------------------------------------------------------------ callback data


@dataclass(frozen=True)
class SetButton:
    action: str
    session_id: int
    position: int
    seconds: int | None = None  # a timer button's hold length ("45 s" of "30-60 s")


def set_callback(action: str, session_id: int, position: int, seconds: int | None = None) -> str:
    tail = f":{seconds}" if seconds is not None else ""
    return f"{PREFIX}{action}:{session_id}:{position}{tail}"


def parse_set_callback(data: str) -> SetButton | None:
    """`s:<action>:<session id>:<position>[:<seconds>]` → SetButton; None if malformed.

    Only a timer button carries seconds (where in the range to hold)."""
    parts = data.split(":")
    if len(parts) not in (4, 5) or parts[0] != "s" or parts[1] not in SET_ACTIONS:
        return None
    if len(parts) == 5 and parts[1] != TIMER:
        return None
    try:
        session_id, position = int(parts[2]), int(parts[3])
        seconds = int(parts[4]) if len(parts) == 5 else None
    except ValueError:
        return None
    if session_id <= 0 or position < 0 or (seconds is not None and seconds <= 0):
        return None
    return SetButton(parts[1], session_id, position, seconds)


# ------------------------------------------------------------------ keyboards


def routine_keyboard(library: Library) -> InlineKeyboardMarkup:
    """One button per routine, and after a routine with plans (the calf one) one per plan."""
    buttons: list[list[InlineKeyboardButton]] = []
    for routine in sorted(library.routines.values(), key=lambda r: r.title):
        if not routine.steps:
            continue
        buttons.append([InlineKeyboardButton(routine.title, callback_data=f"{START_PREFIX}{routine.id}")])
        for kind in plans_for(routine.id)[1:]:
            if resolve_routine(plan_id(routine.id, kind), library) is not None:
                label = PLAN_LABELS.get(kind, f"{routine.title} ({kind})")
                buttons.append(
                    [InlineKeyboardButton(label, callback_data=f"{START_PREFIX}{plan_id(routine.id, kind)}")]
                )
    return InlineKeyboardMarkup(buttons)


def choose_routine_text(library: Library) -> str:
    """The /session chooser, with each calf plan's size and the bot's time estimate."""
    return CHOOSE_ROUTINE.format(
        short=_plan_line(library, "short"), bare=_plan_line(library, "no-equipment")
    )


def _plan_line(library: Library, kind: PlanKind) -> str:
    routine = resolve_routine(plan_id(CALF_ROUTINE, kind), library)
    if routine is None:
        return "not available"
    titles = ", ".join(
        html.escape(library.exercises[s.exercise_id].title if s.exercise_id in library.exercises else s.exercise_id)
        for s in routine.steps
    )
    sets = sum(step.sets for step in routine.steps)
    low, high = estimate_seconds(routine)
    minutes = f"{round(low / 60)}-{round(high / 60)}"
    why = PLAN_WHY.get(kind, "")
    return f"{titles}; {sets} sets, about {minutes} minutes (StrideCoach's estimate). {why}"


PLAN_WHY = {
    "short": "Fits the article's 5-10 minutes; the article's doses, our pick of three exercises.",
    "no-equipment": (
        "Our pick of the article's exercises that need nothing (its best one without equipment "
        "is the double-leg calf raise); jump in place if you have no rope."
    ),
}


def set_keyboard(
    session_id: int, position: int, *, timed: bool, choices: Sequence[int] = ()
) -> Keyboard:
    """Done / Skip / Stop, and on a timed set one timer button per hold choice
    ("Start timer ⏱ 30 s", "45 s", "60 s" for "30-60 seconds")."""
    row = (
        (LABEL_DONE, set_callback(DONE, session_id, position)),
        (LABEL_SKIP, set_callback(SKIP, session_id, position)),
        (LABEL_STOP, set_callback(STOP, session_id, position)),
    )
    if timed and len(choices) > 1:
        timers = tuple(
            (
                f"{LABEL_TIMER} {seconds} s" if index == 0 else f"{seconds} s",
                set_callback(TIMER, session_id, position, seconds),
            )
            for index, seconds in enumerate(choices)
        )
        return Keyboard((timers, row))
    if timed:
        return Keyboard((((LABEL_TIMER, set_callback(TIMER, session_id, position)),), row))
    return Keyboard((row,))


def timer_keyboard(session_id: int, position: int) -> InlineKeyboardMarkup:
    """While a timer counts down: Done / Skip / Stop, and Stop timer (no second Start timer)."""
    stop_timer = ((LABEL_STOP_TIMER, set_callback(STOP_TIMER, session_id, position)),)
    return Keyboard((stop_timer, *set_keyboard(session_id, position, timed=False).rows)).markup()


def slot_keyboard(session_id: int, position: int, slot: SetSlot) -> Keyboard:
    return set_keyboard(session_id, position, timed=slot.timed, choices=slot.hold_choices)


def counting_text(base: str, seconds_left: int, total: int) -> str:
    """The set message while its timer runs: the set, then the time left (edited in place)."""
    if seconds_left >= total:
        lead = f"⏱ <b>Go!</b> {total} seconds"
    else:
        lead = f"⏱ {left_text(seconds_left)}"
    return f"{base}\n\n{lead}. Reply <i>done</i> whenever you finish."


def time_up_text(base: str, *, auto: bool = False) -> str:
    if auto:
        return f"{base}\n\n⏰ <b>Time!</b> Counted as done (auto-advance is on)."
    return f"{base}\n\n⏰ <b>Time!</b> Reply <i>done</i> when you're ready."


def rest_text(base: str, seconds_left: int) -> str:
    """A set message during the rest countdown the runner chose (edited in place)."""
    if seconds_left <= 0:
        return f"{base}\n\n😮‍💨 Rest over: go when you're ready."
    return f"{base}\n\n😮‍💨 Rest: {left_text(seconds_left)} (your rest length; tap a button to go sooner)."


def paused_keyboard(session_id: int, position: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LABEL_RESUME, callback_data=set_callback(RESUME, session_id, position)),
                InlineKeyboardButton(LABEL_STOP, callback_data=set_callback(STOP, session_id, position)),
            ]
        ]
    )


def undo_stop_keyboard(session_id: int, position: int | None) -> InlineKeyboardMarkup | None:
    """The "Resume" button under a stop: pressed within the window it reopens the session."""
    if position is None:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(LABEL_UNDO_STOP, callback_data=set_callback(RESUME, session_id, position))]]
    )


def in_progress_keyboard(session_id: int, position: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LABEL_CONTINUE, callback_data=set_callback(RESUME, session_id, position)),
                InlineKeyboardButton("Stop it", callback_data=set_callback(STOP_AND_CHOOSE, session_id, position)),
            ]
        ]
    )


# ------------------------------------------------------------------ rendering


def render(
    outputs: Sequence[Output], *, library: Library, session_id: int | None, routine_id: str | None
) -> Reply | None:
    """Turn one transition's outputs into a single message (None when there is nothing to say).

    Args:
        outputs: What `transition` returned, in order.
        library: For routine and exercise titles.
        session_id: The session the buttons act on.
        routine_id: That session's routine (for the prompt header).
    """
    routine_title = _routine_title(library, routine_id) if routine_id else ""
    parts: list[str] = []
    keyboard: InlineKeyboardMarkup | Keyboard | None = None
    ends = False
    after_end: InlineKeyboardMarkup | None = None
    notice: str | None = None
    sid = session_id or 0
    for out in outputs:
        match out:
            case Started():
                parts.append(_started(out, library))
                ends = False  # a new session replaced an abandoned one
            case PromptSet():
                parts.append(prompt_text(out, routine_title))
                keyboard = slot_keyboard(sid, out.position, out.slot)
            case Recorded():
                parts.append(_recorded(out))
                notice = "Recorded ✅"
            case Skipped():
                if out.whole_exercise:
                    if not any(isinstance(o, Skipped) and o.whole_exercise for o in _before(outputs, out)):
                        parts.append(_skipped_exercise(out, outputs))
                elif out.counted:
                    parts.append("⏭ Skipped" + _reason_words(out.reason) + ".")
                else:
                    parts.append("⏭ Skipped; your earlier result for that set stands.")
            case Undone():
                what = "skip" if out.was_skipped else "done"
                parts.append(
                    f"↩️ Undone: the {what} of {html.escape(out.slot.title)}, set {out.slot.set_no}, "
                    "is taken back and that set is open again."
                )
            case NothingToUndo():
                parts.append("There's nothing to undo here: no set was done or skipped just before this one.")
            case Reopened():
                parts.append("▶️ Session reopened where you stopped; everything you did is still saved.")
                ends = False
            case PainPaused():
                parts.append(_pain_text(library))
                parts.append(
                    f"⏸ I've paused your session at {_where(out.slot)}; nothing was skipped. Reply "
                    "<i>resume</i> only if it feels fine, or <i>stop</i> to end here."
                )
                keyboard = paused_keyboard(sid, out.position)
            case DoseInfo():
                parts.append(dose_info_text(out))
                keyboard = slot_keyboard(sid, out.position, out.slot)
            case NoEquipmentNeeded():
                parts.append(
                    f"No {html.escape(out.item)} needed for {html.escape(out.slot.title)}: "
                    f"{_optional_note(out)}"
                )
            case EquipmentLater():
                if out.needed_by:
                    parts.append(
                        f"Noted: this set doesn't need a {html.escape(out.item)}. Only "
                        f"{html.escape(out.needed_by)} does; when you get there, say <i>no {html.escape(out.item)}</i> "
                        "and I'll skip it."
                    )
                else:
                    parts.append(f"No problem: nothing in this session needs a {html.escape(out.item)}.")
            case Summary():
                parts.append(summary_text(out, library))
                ends = True
            case Stopped():
                parts.append(_stopped(out.summary, library))
                ends = True
                after_end = undo_stop_keyboard(sid, _stopped_position(outputs))
            case Expired():
                parts.append(_expired(out.summary, library))
                ends = True
            case Paused():
                parts.append(
                    f"⏸ Paused at {_where(out.slot)}. Reply <i>resume</i> when you're ready; "
                    "your session is kept for a few hours."
                )
                keyboard = paused_keyboard(sid, out.position)
            case AlreadyPaused():
                parts.append("Already paused. Reply <i>resume</i> when you're ready.")
            case Resumed():
                parts.append("▶️ Welcome back, let's continue.")
            case TimerStarted():
                parts.append(
                    f"⏱ <b>Go!</b> {out.seconds} seconds. I'll tell you when the time is up; "
                    "reply <i>done</i> whenever you finish."
                )
                keyboard = timer_keyboard(sid, out.position)
            case TimerFinished():
                parts.append("⏰ <b>Time!</b> Reply <i>done</i> when you're ready.")
                keyboard = set_keyboard(sid, out.position, timed=False)
            case TimerStopped():
                if out.was_running:
                    parts.append("⏹ Timer stopped. Reply <i>done</i> when you've finished the set.")
                    keyboard = slot_keyboard(sid, out.position, out.slot)
                else:
                    parts.append("No timer is running. Reply <i>done</i> when you've finished the set.")
            case NotTimed():
                parts.append("This set is counted in reps, so there's no timer. Reply <i>done</i> when you've finished.")
            case NoSession():
                after_expiry = any(isinstance(earlier, Expired) for earlier in outputs)
                parts.append("Send /session to start a new one." if after_expiry else _no_session(out))
            case AlreadyFinished():
                parts.append(
                    "No session is running right now: you finished your "
                    f"{html.escape(_routine_title(library, out.summary.routine_id))} session 🎉 "
                    "Send /session to start another."
                )
            case SessionInProgress():
                paused = " (paused)" if out.paused else ""
                parts.append(
                    f"You're in the middle of the {html.escape(_routine_title(library, out.routine_id))}{paused}: "
                    f"set {out.position + 1} of {out.total}, {html.escape(out.slot.title)}. "
                    "Continue it, or stop it first to start another."
                )
                keyboard = in_progress_keyboard(sid, out.position)
            case Refused():
                parts.append(refused_text(out))
            case Position():
                parts.append(position_text(out, routine_title))
                if out.paused:
                    keyboard = paused_keyboard(sid, out.position)
                elif out.timer_running:  # a timer runs: offer to stop it, never a second start
                    keyboard = timer_keyboard(sid, out.position)
                else:
                    keyboard = slot_keyboard(sid, out.position, out.slot)
            case AtFirstSet():
                parts.append("This is the first set; there's nothing before it.")
            case StaleButton():
                notice = NOTICE_STALE.format(current=out.current.position + 1, total=out.current.total)
            case RoutineUnavailable():
                parts.append("That routine isn't available any more, sorry. Send /session to pick one.")
                ends = True
            case _:
                assert_never(out)
    if not parts:
        return Reply("", notice=notice) if notice else None
    return Reply("\n\n".join(parts), after_end if ends else keyboard, ends_session=ends, notice=notice)


LOAD_DOSE = (
    "your chosen load, 8 slow reps (StrideCoach's suggestion: the article gives no rep count) — "
    "reply e.g. “done 40 kg” or “done 2 plates”"
)


def prompt_text(prompt: PromptSet, routine_title: str) -> str:
    """The set prompt; each line says something the others don't:

        Calf routine · exercise 2 of 7 · Single-leg calf raise
        Set 1 of 3: 10-15 reps on each side.
        <i>the note's tip, first set only</i>
        Cue: balance on the ball of one foot.

    The tip is the routine note minus what repeats the dose (``SetSlot.tip``);
    a cue that repeats the tip or the dose is left out. A single set has no
    "Set 1 of 1"; a set with no figure says its note as the dose ("Once,
    before the drills: ..."); the weighted raise's dose is the load to log.
    """
    slot = prompt.slot
    lines: list[str] = []
    if prompt.reason == "repeat":
        lines.append("🔁 Same set again:")
    elif prompt.reason == "back":
        lines.append("↩️ Back one set:")
    lines.append(f"<b>{html.escape(_header(slot, routine_title))}</b>")
    lines.append(dose_line(slot))
    if slot.tip:
        lines.append(f"<i>{html.escape(slot.tip)}</i>")
    if slot.cue and not repeats(slot.cue, slot.tip, slot.dose or slot.amount):
        lines.append(f"Cue: {html.escape(_sentence(slot.cue[0].lower() + slot.cue[1:]))}")
    if slot.timed and len(slot.hold_choices) > 1:
        lines.append("Tap <b>Start timer</b> with the length you want, or just reply <i>done</i>.")
    elif slot.timed:
        lines.append("Tap <b>Start timer</b> when you begin, or just reply <i>done</i>.")
    if prompt.revisit:
        lines.append("<i>You've been through this set already: done redoes it, skip keeps the earlier result.</i>")
    return "\n".join(lines)


def dose_info_text(info: DoseInfo) -> str:
    """ "How many reps?" mid-set: the dose again, and for the weighted raise the bot's suggestion."""
    slot = info.slot
    if slot.loggable_load:
        return f"{html.escape(slot.title)}, set {slot.set_no} of {slot.set_count}. {WEIGHTED_REPS_NOTE}"
    return (
        f"{html.escape(slot.title)}, set {slot.set_no} of {slot.set_count}: "
        f"{html.escape(_sentence(slot.amount))} Reply <i>done</i> when you've finished the set."
    )


def dose_line(slot: SetSlot) -> str:
    """ "Set 1 of 3: 30-60 seconds.", "One set: up to 30 reps on each side.", "Once, before ..."."""
    dose = slot.dose or slot.amount
    if slot.loggable_load:
        dose = LOAD_DOSE
    if slot.set_count > 1:
        return f"Set {slot.set_no} of {slot.set_count}: {html.escape(_sentence(dose))}"
    if dose != slot.amount and not slot.loggable_load:  # the note is the dose: it reads on its own
        return html.escape(_sentence(dose[0].upper() + dose[1:]))
    return f"One set: {html.escape(_sentence(dose))}"


def position_text(position: Position, routine_title: str) -> str:
    slot = position.slot
    left = position.total - position.sets_done - position.sets_skipped
    state = "⏸ Paused at" if position.paused else "📍 You're at"
    return (
        f"{state} <b>{html.escape(_header(slot, routine_title))}</b>, "
        f"set {slot.set_no} of {slot.set_count} ({position.position + 1} of {position.total} overall).\n"
        f"So far: {position.sets_done} done, {position.sets_skipped} skipped, {max(left, 0)} to go."
    )


def summary_text(summary: Summary, library: Library) -> str:
    title = html.escape(_routine_title(library, summary.routine_id))
    lines = [
        f"🎉 <b>{title} complete!</b>",
        f"Sets done: {summary.sets_done} of {summary.sets_total}"
        + (f" · skipped: {summary.sets_skipped}" if summary.sets_skipped else ""),
        f"Time taken: {duration_words(summary.duration)}",
        "",
    ]
    if summary.complete:
        lines.append(ENCOURAGEMENT_COMPLETE)
    elif summary.sets_done * 2 >= summary.sets_total:
        lines.append(ENCOURAGEMENT_MOSTLY)
    else:
        lines.append(ENCOURAGEMENT_SOME)
    lines.append(WEEKLY_NOTES.get(base_routine_id(summary.routine_id), WEEKLY_NOTE_DEFAULT))
    return "\n".join(lines)


def refused_text(refused: Refused) -> str:
    typed = html.escape(refused.typed)
    if refused.reason == "negative":
        return (
            f"I can't log a negative load ({typed}). Reply with the weight you lifted, e.g. "
            "<i>done 40 kg</i>, or just <i>done</i>. The set is still open."
        )
    if refused.reason == "too_heavy":
        limit = refused.limit
        most = f" (the most I accept is {limit.amount:g} {limit.unit})" if limit is not None else ""
        return (
            f"{typed} is more than I can log{most}. A typo? Reply e.g. <i>done 40 kg</i> or "
            "<i>done 2 plates</i>, or just <i>done</i>. The set is still open."
        )
    return (
        f"I didn't get the unit in “{typed}”. Reply e.g. <i>done 40 kg</i>, <i>done 90 lb</i> or "
        "<i>done 2 plates</i>, or just <i>done</i>. The set is still open."
    )


def _started(out: Started, library: Library) -> str:
    title = html.escape(_routine_title(library, out.routine_id))
    return (
        f"Let's go: <b>{title}</b>, {out.exercise_count} exercises, {out.sets_total} sets. "
        "Reply <i>done</i> after each set (or tap the button)."
    )


def _recorded(out: Recorded) -> str:
    load = f" with {out.load.amount:g} {out.load.unit}" if out.load is not None else ""
    verb = "redone" if out.replaces else "done"
    return f"✅ {html.escape(out.slot.title)}, set {out.slot.set_no} {verb}{load}."


def _stopped(summary: Summary, library: Library) -> str:
    title = html.escape(_routine_title(library, summary.routine_id))
    skipped = f", {summary.sets_skipped} skipped" if summary.sets_skipped else ""
    undo = (
        f"Changed your mind? Say <i>resume</i> (or tap Resume) within {RESUME_MINUTES} minutes "
        "to pick up at the same set."
    )
    if summary.sets_done == 0:
        return f"⏹ {title} stopped before any set was done, so there's nothing to save.\n{undo}"
    return (
        f"⏹ {title} stopped. Sets done: {summary.sets_done} of {summary.sets_total}{skipped}; "
        f"time taken: {duration_words(summary.duration)}.\n"
        f"Everything you did is saved. {undo} Or send /session when you want to go again."
    )


def _before(outputs: Sequence[Output], item: Output) -> list[Output]:
    for index, out in enumerate(outputs):
        if out is item:
            return list(outputs[:index])
    return []


def _reason_words(reason: str | None) -> str:
    words = SKIP_REASON_WORDS.get(reason or "")
    return f" ({words}; noted in /history)" if words else ""


def _skipped_exercise(first: Skipped, outputs: Sequence[Output]) -> str:
    count = sum(1 for o in outputs if isinstance(o, Skipped) and o.whole_exercise and o.counted)
    sets = "set" if count == 1 else "sets"
    return f"⏭ Skipped the rest of {html.escape(first.slot.title)} ({count} {sets}){_reason_words(first.reason)}."


def _stopped_position(outputs: Sequence[Output]) -> int | None:
    """The Resume button under a stop carries position 0: a stopped session is reopened
    where it stopped whatever the button says (the session id is what ties it)."""
    return 0


def _pain_text(library: Library) -> str:
    topic = library.topics.get("see-a-professional")
    if topic is None:
        return "Pain is a signal to stop. If it persists, please see a doctor or physical therapist."
    return "Pain is a reason to stop, not to push through.\n\n" + html.escape(topic.answer)


def _optional_note(out: NoEquipmentNeeded) -> str:
    if out.item == "rope":
        return (
            "the article says you don't have to use a jump rope. Jump in place on the balls of your "
            "feet, landing on your toes. Same set:"
        )
    return "it works fine without. Same set:"


def _expired(summary: Summary, library: Library) -> str:
    title = html.escape(_routine_title(library, summary.routine_id))
    ended = f"Your {title} session ended on its own after a long break"
    if summary.sets_done == 0:
        return f"{ended}, before any set was done."
    if summary.sets_done == 1:
        return f"{ended}. The set you did is saved."
    return f"{ended}. The {summary.sets_done} sets you did are saved."


def _no_session(out: NoSession) -> str:
    if out.previous == "expired":
        return NO_SESSION_EXPIRED
    return NO_SESSION


def _header(slot: SetSlot, routine_title: str) -> str:
    return f"{routine_title} · exercise {slot.exercise_index + 1} of {slot.exercise_count} · {slot.title}"


def _where(slot: SetSlot) -> str:
    return (
        f"exercise {slot.exercise_index + 1} of {slot.exercise_count} ({html.escape(slot.title)}), "
        f"set {slot.set_no} of {slot.set_count}"
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _routine_title(library: Library, routine_id: str) -> str:
    return plan_title(routine_id, library)


routine_title = _routine_title
