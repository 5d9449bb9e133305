"""Guided sessions: /session, the set buttons, timers, the in-session text claimer and
the start intent (registered in bot/app.py; /progress and the rest are in progress.py).

Every handler has the same shape: read the update, run one short database
unit of work around the pure state machine (`_transact`: claim the update id,
load the row, `transition`, persist), then render the outputs through
bot/ui/sessions.py and send them. Nothing about a session lives in memory:
the row is the state, so a restart continues where the runner was.

Messages carrying set buttons: each new one becomes the session's
`prompt_message_id` and the previous one loses its buttons, so old buttons
never pile up. A button whose session is not the presser's, or is over, gets
a polite toast and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from telegram import Message, Update
from telegram.ext import Application

from stridecoach.bot import inbox, outbox
from stridecoach.domain.workout_events import load_in
from stridecoach.domain.workout import (
    Back,
    button_applies,
    Done,
    Event,
    Expire,
    Output,
    Pause,
    Position,
    PromptSet,
    Recorded,
    Repeat,
    Resume,
    Resumed,
    SessionState,
    SetSlot,
    Skip,
    Skipped,
    SkipExercise,
    Start,
    StartTimer,
    Stop,
    Stopped,
    StopTimer,
    TimerFinished,
    TimerStarted,
    TimerStopped,
    TimerUp,
    Undo,
    WhereAmI,
    asks_position,
    can_reopen,
    flatten,
    is_abandoned,
    is_courtesy,
    parse_session_text,
    transition,
)
from stridecoach.domain.plans import resolve_routine
from stridecoach.bot.handlers import timed_work
from stridecoach.bot.handlers.common import answer_query, private_ids, strip_buttons, tell_presser
from stridecoach.bot.handlers.questions import send_reply
from stridecoach.bot.handlers.router import act_on
from stridecoach.bot.services import BotContext, Services
from stridecoach.bot.ui import sessions as ui
from stridecoach.content.understanding import Command, Context, Question, RedFlag, SessionControl, SmallTalk, Understanding
from stridecoach.content.model import Library
from stridecoach.storage import outbox as outbox_store
from stridecoach.storage import runners
from stridecoach.storage import workouts
from stridecoach.storage.models import Runner

log = logging.getLogger(__name__)

TIMER_JOB_PREFIX = "timer:"  # timer:<session id>:<position>
SWEEP_JOB_NAME = "sessions:sweep"
SWEEP_INTERVAL_SECONDS = 300.0
# Update ids are kept a while after use: Telegram redelivers for 24 h at most.
PROCESSED_UPDATE_TTL = timedelta(hours=48)
# Version conflicts retried before giving up (each retry re-reads the row).
CONFLICT_RETRIES = 3

# With no session running, only these commands are answered with "no session
# is running": they can only be about a session. The others mean something
# else then and go on to the matcher: "back" (their back), "pause"/"resume"
# (reminders), "start" (a new session), "progress"/"status", "stop timer".
# "Where am I" / "which set" are answered too (see `_claims_without_session`).
_NO_SESSION_EVENTS = (Done, Skip, Repeat, Stop, Undo)
# What the understanding step's session controls do (content/data/understanding/session.toml).
_CONTROL_EVENTS: dict[str, Event] = {
    "done": Done(), "skip-set": Skip(), "skip-exercise": SkipExercise(), "back": Back(), "undo": Undo(),
    "repeat": Repeat(), "pause": Pause(), "resume": Resume(), "stop": Stop(), "where": WhereAmI(),
    "timer": StartTimer(), "stop-timer": StopTimer(),
}
_BUTTON_EVENTS: dict[str, Event] = {
    ui.DONE: Done(),
    ui.SKIP: Skip(),
    ui.STOP: Stop(),
    ui.TIMER: StartTimer(),
    ui.RESUME: Resume(),
    ui.PAUSE: Pause(),
    ui.STOP_AND_CHOOSE: Stop(),
    ui.STOP_TIMER: StopTimer(),
}


def _button_event(button: ui.SetButton) -> Event:
    """A set button's event; a timer button carries where in the range to hold."""
    if button.action == ui.TIMER:
        return StartTimer(button.seconds)
    return _BUTTON_EVENTS[button.action]


# ------------------------------------------------------------------ background jobs


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """The abandoned-session sweep (repeating), and timers that were running at shutdown."""
    job_queue = application.job_queue
    if job_queue is None:
        log.warning("no JobQueue: timers and the abandoned-session sweep are off")
        return
    for job in job_queue.get_jobs_by_name(SWEEP_JOB_NAME):
        job.schedule_removal()
    job_queue.run_repeating(sweep_job, interval=SWEEP_INTERVAL_SECONDS, first=5.0, name=SWEEP_JOB_NAME)
    expire_abandoned(services)
    now = services.now()
    with services.db.session() as session:
        rows = [(row, session.get(Runner, row.runner_id)) for row in workouts.running_timers(session)]
    for row, runner in rows:
        state = workouts.state_of(row)
        slot = _current_slot(state, services.library)
        if state is None or state.timer_started_at is None or slot is None or slot.timer_seconds is None:
            continue
        # The hold the runner picked ("45 s" of "30-60 s"); the countdown edits are not re-armed,
        # the "Time!" is (as a new message: the job no longer knows the set's message).
        due = state.timer_started_at + timedelta(seconds=state.timer_seconds or slot.timer_seconds)
        _schedule_timer(
            application,
            _TimerData(row.id or 0, row.runner_id, runner.chat_id if runner else row.runner_id,
                       state.position, state.timer_started_at),
            delay=max((due - now).total_seconds(), 0.0),
        )
    if rows:
        log.info("re-armed %d session timer(s) after start-up", len(rows))


# ------------------------------------------------------------------ the unit of work

StepKind = Literal[
    "pending-input", "applied", "duplicate", "question", "pass", "not-yours", "ended", "resend"]
# What a step is, for the caller:
#   applied                    the event changed the session (or said why not): render and send
#   duplicate, resend, question nothing changed: show where the runner is (a replay; a "done"
#                              about a set whose reply never arrived; a question mid-session)
#   not-yours, ended           a button of another runner's session, or of one that is over
#   pass, pending-input        not a session's text: the next claimer reads it
# Typed events that only make sense once the runner has seen the current set.
_NEEDS_SEEN_PROMPT = (Done, Skip)


@dataclass(frozen=True, slots=True)
class Unit:
    """Who acts and what the unit of work claims with the change.

    update_id: claimed in `processed_update` before anything changes (None: a job,
        or a Start, which is idempotent by itself).
    settles: the reply recorded in the outbox is all this update needs, so the inbox
        marks it handled in the same transaction (one commit per update; bot/inbox.py).
    """

    runner_id: int
    chat_id: int | None = None  # the runner's private chat unless told
    update_id: int | None = None
    settles: bool = False


@dataclass(frozen=True, slots=True)
class Typed:
    """Free text: with no live session only the commands in `_NO_SESSION_EVENTS`
    (or `claim_without_session`, "where am I?") are ours; the rest passes on."""

    at: datetime | None = None  # Telegram's message date
    claim_without_session: bool = False


@dataclass(frozen=True, slots=True)
class Aimed:
    """A set button (`position`), or a job, aimed at one session; None position: a timer."""

    session_id: int
    position: int | None = None


# Where the event comes from; None: a command for the runner's latest session (Start).
Source = Typed | Aimed | None


@dataclass(frozen=True)
class _Step:
    """What one transaction did, for the async part to render and send."""

    kind: StepKind
    outputs: tuple[Output, ...] = ()
    state: SessionState | None = None
    session_id: int | None = None
    routine_id: str | None = None
    version: int = 0
    previous_prompt: int | None = None
    # The reply recorded in the outbox with this change (or, for "resend" and
    # "duplicate", the earlier reply Telegram has not accepted yet).
    outbox_id: int | None = None
    outbox_text: str | None = None
    outbox_keyboard: str | None = None
    # The rendered reply, when the transaction already rendered it (for the outbox).
    reply: ui.Reply | None = None
    # The runner's rest countdown after a recorded set (read in the same transaction).
    rest: int | None = None


def _transact(services: Services, unit: Unit, event: Event | None, source: Source = None) -> _Step:
    """Apply one event in one short transaction, retried when the row changed under it.

    The claim of the update id, the transition, the completed sets, the reply the
    runner must see (the outbox) and, for a settling update, the inbox's "handled"
    mark are one unit of work. A compare-and-swap miss means another writer (another
    replica, a job) moved the session on between our read and our write: the whole
    unit of work is rolled back and applied again to the state as it is now, so the
    event is never lost.
    """
    for attempt in range(1, CONFLICT_RETRIES + 2):
        try:
            step = _transact_once(services, unit, event, source)
        except workouts.StaleSessionError:
            if attempt > CONFLICT_RETRIES:
                raise
            log.info("session changed under update %s; applying again (%d)", unit.update_id, attempt)
            continue
        if step.kind == "applied" and step.outbox_id is not None and unit.settles and unit.update_id:
            inbox.settled(unit.update_id)  # committed with the change
        return step
    raise AssertionError("unreachable")


def _transact_once(services: Services, unit: Unit, event: Event | None, source: Source) -> _Step:
    """One attempt of `_transact`. A typed "done" or "skip" while the previous reply has
    not reached the runner changes nothing: the step is "resend" and that reply goes out again.
    """
    now = services.now()
    library = services.library
    timeout = _timeout(services)
    runner_id, update_id = unit.runner_id, unit.update_id
    typed = source if isinstance(source, Typed) else None
    aimed = source if isinstance(source, Aimed) else None
    button_position = aimed.position if aimed is not None else None
    with services.db.unit() as session:
        if aimed is not None:
            row = workouts.get_session(session, session_id=aimed.session_id)
            if row is None or row.runner_id != runner_id:
                return _Step("not-yours" if row is not None else "ended")
            reopens = (
                event is not None
                and can_reopen(workouts.state_of(row), event, now)
                and _is_latest(session, row, runner_id)
            )
            if row.status not in ("active", "paused") and not reopens:
                return _Step("ended", session_id=row.id, routine_id=row.routine_id)
        else:
            row = workouts.latest_session(session, runner_id=runner_id)
        if typed is not None and _pending_input(session, row, runner_id) is not None:
            # Another feature asked a question (the /schedule draft): its claimer answers.
            # Read with the session row, in the session's own transaction, instead of in
            # a transaction of its own before every typed message.
            return _Step("pending-input")
        state = workouts.state_of(row)
        previous_prompt = row.prompt_message_id if row is not None else None
        live = state is not None and state.live

        ours_anyway = (
            isinstance(event, _NO_SESSION_EVENTS)
            or (typed is not None and typed.claim_without_session)
            or (event is not None and can_reopen(state, event, now))  # "resume" just after "stop"
        )
        if typed is not None and (event is None or (not live and not ours_anyway)):
            if live and not is_abandoned(state, now, timeout):
                # Claimed too, so a redelivered question is not answered twice.
                if update_id is not None and not workouts.claim_update(session, update_id=update_id, now=now):
                    return _view_step("duplicate", row, state)
                return _view_step("question", row, state)
            prefix = _expire_if_abandoned(session, row, state, services, now)
            return _Step("pass", prefix)

        if update_id is not None and not workouts.claim_update(session, update_id=update_id, now=now):
            return _with_open_reply(session, _view_step("duplicate", row, state))
        none_open = False  # known in this transaction: the session has no open reply
        if row is not None and live:
            if button_position is not None and button_applies(state, button_position):
                outbox_store.close_seen(session, session_id=row.id, now=now)  # its buttons reached them
                none_open = True
            elif typed is not None and isinstance(event, _NEEDS_SEEN_PROMPT):
                latest = outbox_store.latest_reply(session, session_id=row.id)
                if latest is not None and latest.open:
                    # The last reply never reached them: this "done" is about the set they saw.
                    return replace(_view_step("resend", row, state), outbox_id=latest.id,
                                   outbox_text=latest.text, outbox_keyboard=latest.keyboard)
                none_open = True
                shown_at = latest.shown_at if latest is not None else None
                if typed.at is not None and shown_at is not None and _typed_before(shown_at, typed.at):
                    # Typed before the current set was shown (a "done" sent twice while the
                    # bot was slow or restarting): it is about the set already recorded.
                    return _view_step("resend", row, state)

        prefix = ()
        if not isinstance(event, (Expire, TimerUp)):
            prefix = _expire_if_abandoned(session, row, state, services, now)
            if prefix:
                state = workouts.state_of(row)
        if event is None:  # every path to here has an event: a typed "done" or a button's
            raise ValueError("a session step without an event")
        outcome = transition(
            state, event, library, now, button_position=button_position, abandon_after=timeout
        )
        row = workouts.apply_outcome(
            session, runner_id=runner_id, row=row, outcome=outcome, now=now, update_id=update_id
        )
        step = _Step(
            "applied",
            prefix + outcome.outputs,
            outcome.state,
            row.id if row is not None else None,
            row.routine_id if row is not None else None,
            row.version if row is not None else 0,
            previous_prompt,
        )
        if _shows_next_after_record(step) and row is not None:
            step = replace(step, rest=row.rest_seconds)  # read with the row
        if update_id is not None and row is not None:
            step = _record_reply(session, step, runner_id=runner_id, chat_id=unit.chat_id or runner_id,
                                 update_id=update_id, library=library, now=now, none_open=none_open)
            if unit.settles and step.outbox_id is not None:
                inbox.settle(session, update_id, now)
        return step


def _shows_next_after_record(step: _Step) -> bool:
    """This reply records a set and shows the next one (where a rest countdown goes)."""
    recorded = any(isinstance(out, Recorded) for out in step.outputs)
    next_set = any(isinstance(out, PromptSet) and out.reason == "next" for out in step.outputs)
    return recorded and next_set and step.session_id is not None


def _pending_input(session: Any, row: workouts.SessionRow | None, runner_id: int) -> str | None:
    return row.pending_input if row is not None else runners.pending_input(session, runner_id)


def _record_reply(
    session: Any, step: _Step, *, runner_id: int, chat_id: int, update_id: int, library: Library,
    now: datetime, none_open: bool = False,
) -> _Step:
    """Store the reply that matters (a new set prompt, the end of the session) with the change."""
    reply = _render(step, library)
    if reply is None or not reply.text or (reply.keyboard is None and not reply.ends_session):
        return step
    outbox_id = outbox_store.record(
        session, runner_id=runner_id, chat_id=chat_id, session_id=step.session_id, update_id=update_id,
        text=reply.text, keyboard=outbox.keyboard_json(reply.keyboard), now=now, supersede_open=not none_open,
    )
    return replace(step, outbox_id=outbox_id, reply=reply)


# A "done" typed this long before the current set was shown cannot be about it.
_RETRY_WINDOW = timedelta(minutes=5)


def _typed_before(shown_at: datetime, typed_at: datetime) -> bool:
    """True when the runner typed before the bot showed them the current set.

    Telegram's message date has whole seconds, so "before" means a second or more
    earlier than the send; nobody reads a set, does it and types "done" in under one.
    """
    gap = shown_at - typed_at
    return timedelta(seconds=1) <= gap <= _RETRY_WINDOW


def _with_open_reply(session: Any, step: _Step) -> _Step:
    """Attach the session's reply that Telegram has not accepted yet, if there is one."""
    if step.session_id is None:
        return step
    waiting = outbox_store.open_for_session(session, session_id=step.session_id)
    if waiting is None:
        return step
    return replace(step, outbox_id=waiting.id, outbox_text=waiting.text, outbox_keyboard=waiting.keyboard)


def _is_latest(session: Any, row: workouts.SessionRow, runner_id: int) -> bool:
    latest = workouts.latest_session(session, runner_id=runner_id)
    return latest is not None and latest.id == row.id


def _expire_if_abandoned(
    session: Any, row: Any, state: SessionState | None, services: Services, now: datetime
) -> tuple[Output, ...]:
    """Lazy expiry: close a session the sweep has not reached yet (with the configured timeout)."""
    timeout = _timeout(services)
    if row is None or not is_abandoned(state, now, timeout):
        return ()
    outcome = transition(state, Expire(timeout), services.library, now)
    workouts.apply_outcome(session, runner_id=row.runner_id, row=row, outcome=outcome, now=now)
    return outcome.outputs


def _view_step(kind: StepKind, row: Any, state: SessionState | None) -> _Step:
    return _Step(
        kind,
        state=state,
        session_id=row.id if row is not None else None,
        routine_id=row.routine_id if row is not None else None,
        version=row.version if row is not None else 0,
        previous_prompt=row.prompt_message_id if row is not None else None,
    )


def _timeout(services: Services) -> timedelta:
    return timedelta(hours=services.settings.session_timeout_hours)


def _current_view(state: SessionState | None, library: Library) -> Output | None:
    """The current set as a prompt (or the paused position), without changing anything."""
    slots = _slots(state, library)
    if state is None or not slots or state.position >= len(slots):
        return None
    slot, total = slots[state.position], len(slots)
    if state.status == "paused":
        return Position(slot, state.position, total, True, state.sets_done, state.sets_skipped)
    return PromptSet(slot, state.position, total, reason="resume", revisit=state.position < state.resolved)


def _slots(state: SessionState | None, library: Library) -> list[SetSlot]:
    """The live session's flattened routine (empty when there is none)."""
    if state is None or not state.live:
        return []
    routine = resolve_routine(state.routine_id, library)
    return flatten(routine, library.exercises) if routine is not None else []


def _current_slot(state: SessionState | None, library: Library) -> SetSlot | None:
    slots = _slots(state, library)
    return slots[state.position] if state is not None and state.position < len(slots) else None


# ------------------------------------------------------------------ delivery


async def _deliver(
    context: BotContext,
    chat_id: int,
    step: _Step,
    *,
    runner_id: int,
    lead: str | None = None,
    pressed: Message | None = None,
    reply: ui.Reply | None = None,
    edit_pressed: bool | None = None,
) -> int | None:
    """Render a step's outputs as one message and deliver it in one Bot API call; the
    message's id, None when nothing was sent.

    A pressed set button whose set is now finished (done, skipped) or whose session
    ended gets its own message edited in place: the finished set's prompt becomes
    the one-line record followed by the next set and its buttons, right where the
    runner is looking. Anything else goes out as a new message. Older messages keep
    their buttons (removing them cost a call per "done"); a press on one of them
    gets a short notice and, if it is stale, its buttons removed then.
    """
    services = context.services
    if reply is None:
        reply = _render(step, services.library)
    if reply is None or not reply.text:
        if pressed is not None and pressed.message_id != step.previous_prompt:
            await strip_buttons(context, chat_id, pressed.message_id)
        return None
    if lead is None and await _start_timer_in_place(context, chat_id, step, runner_id=runner_id, pressed=pressed):
        return None
    text = f"{lead}\n\n{reply.text}" if lead else reply.text
    if edit_pressed is None:
        edit_pressed = pressed is not None and lead is None and _finishes_a_set(step, reply)
    edit = pressed.message_id if edit_pressed and pressed is not None else None
    rest = step.rest
    shown = ui.rest_text(text, rest) if rest else text
    if step.outbox_id is not None:
        # Recorded with the change: a failure leaves it open for the retry job or the next "done".
        sent = await outbox.attempt(context.bot, services, step.outbox_id, chat_id=chat_id, text=shown,
                                    keyboard=reply.keyboard, edit_message_id=edit)
    else:
        sent = await outbox.show(context.bot, chat_id, shown, reply.keyboard, edit_message_id=edit)
    _arm_timers(context, chat_id, step, runner_id=runner_id)
    if rest and sent is not None and step.session_id is not None and step.state is not None:
        timed_work.start_rest(context, timed_work.rest_countdown(
            step.session_id, runner_id, chat_id, sent, step.state.position, text,
            services.now(), rest, ui.markup_of(reply.keyboard),
        ))
    if (
        sent is not None
        and reply.keyboard is not None
        and step.session_id is not None
        and sent != step.previous_prompt
        and not _finishes_a_set(step, reply)
    ):
        # Remembered for /forget's clean-up; not on the "done" path, where it would cost a
        # second transaction per set (the newest prompt is then a message or two later).
        with services.db.unit() as session:
            workouts.set_prompt_message(
                session, session_id=step.session_id, message_id=sent, version=step.version
            )
    return sent


def _finishes_a_set(step: _Step, reply: ui.Reply) -> bool:
    return reply.ends_session or any(isinstance(out, (Recorded, Skipped)) for out in step.outputs)


def _arm_timers(context: BotContext, chat_id: int, step: _Step, *, runner_id: int) -> None:
    for out in step.outputs:
        if isinstance(out, TimerStopped) and step.session_id is not None:
            _cancel_timer(context.application, step.session_id, out.position)
        if isinstance(out, TimerStarted) and step.session_id is not None:
            _schedule_timer(
                context.application,
                _TimerData(step.session_id, runner_id, chat_id, out.position, out.started_at),
                delay=float(out.seconds),
            )


async def _start_timer_in_place(
    context: BotContext, chat_id: int, step: _Step, *, runner_id: int, pressed: Message | None
) -> bool:
    """ "Start timer" edits the set's own message into its countdown: one message per timed set.

    Only when the reply is just the timer starting and the set's message is known
    (the pressed one, or the session's prompt); otherwise the caller sends as before.
    """
    if len(step.outputs) != 1 or not isinstance(step.outputs[0], TimerStarted) or step.session_id is None:
        return False
    started = step.outputs[0]
    message_id = pressed.message_id if pressed is not None else step.previous_prompt
    slot = _current_slot(step.state, context.services.library)
    if message_id is None or slot is None or step.state is None:
        return False
    base = _prompt_base(step, slot, context.services.library)
    data = timed_work.Countdown(
        step.session_id, runner_id, chat_id, message_id, started.position, base,
        started.started_at + timedelta(seconds=started.seconds), started.seconds, started.started_at,
    )
    if not await timed_work.start_in_place(context, data, keyboard=ui.timer_keyboard(step.session_id, started.position)):
        return False
    if step.outbox_id is not None:  # the reply recorded with the change is this edit: delivered
        with context.services.db.session() as session:
            outbox_store.mark(session, outbox_id=step.outbox_id, status="sent", now=context.services.now(),
                              message_id=message_id)
    _schedule_timer(
        context.application,
        _TimerData(step.session_id, runner_id, chat_id, started.position, started.started_at,
                   message_id=message_id, base_text=base),
        delay=float(started.seconds),
    )
    return True


def _prompt_base(step: _Step, slot: SetSlot, library: Library) -> str:
    """The set's prompt as its message shows it, for the countdown to add a line under."""
    assert step.state is not None
    total = len(_slots(step.state, library))
    prompt = PromptSet(slot, step.state.position, total, reason="resume",
                       revisit=step.state.position < step.state.resolved)
    return ui.prompt_text(prompt, ui.routine_title(library, step.routine_id or step.state.routine_id))


def _render(step: _Step, library: Library) -> ui.Reply | None:
    if step.reply is not None:  # rendered once, in the transaction that recorded it
        return step.reply
    return ui.render(step.outputs, library=library, session_id=step.session_id, routine_id=step.routine_id)








# ------------------------------------------------------------------ starting


async def session_command(update: Update, context: BotContext) -> None:
    """/session: offer the routines, or the live session to continue."""
    await _offer_routines(update, context)


async def _offer_routines(update: Update, context: BotContext) -> None:
    ids = private_ids(update)
    if ids is None:
        return
    runner_id, chat_id = ids
    services = context.services
    with services.db.unit() as session:
        row = workouts.latest_session(session, runner_id=runner_id)
        state = workouts.state_of(row)
    if state is not None and state.live and not is_abandoned(state, services.now(), _timeout(services)):
        # Start of the same routine while live changes nothing: it yields SessionInProgress.
        outcome = transition(
            state, Start(state.routine_id), services.library, services.now(),
            abandon_after=_timeout(services),
        )
        step = _Step("applied", outcome.outputs, state, row.id if row else None, state.routine_id,
                     state.version, row.prompt_message_id if row else None)
        await _deliver(context, chat_id, step, runner_id=runner_id)
        return
    await context.bot.send_message(chat_id, ui.choose_routine_text(services.library), reply_markup=ui.routine_keyboard(services.library))


async def start_routine(
    update: Update, context: BotContext, routine_id: str, *, edit: Message | None = None
) -> None:
    """Start `routine_id` for the update's runner (also called from the reminder buttons).

    Start is idempotent on its own (a live session is offered to continue, never
    replaced), so it does not claim the update id: a caller may have claimed it.
    `edit`: the routine chooser that was pressed; it is turned into the first set.
    """
    ids = private_ids(update)
    if ids is None:
        return
    runner_id, chat_id = ids
    step = _transact(context.services, Unit(runner_id, chat_id), Start(routine_id))
    await _deliver(context, chat_id, step, runner_id=runner_id, pressed=edit, edit_pressed=edit is not None)


async def start_intent(update: Update, context: BotContext, result: Understanding) -> None:
    """"start calf workout" starts it; "let's do a workout" offers the routines."""
    routine = result.routine if isinstance(result, Command) else None
    if routine and routine in context.services.library.routines:
        await start_routine(update, context, routine)
    else:
        await _offer_routines(update, context)


# ------------------------------------------------------------------ buttons


async def on_button(update: Update, context: BotContext) -> None:
    """Every `s:` button: start a routine or act on a set."""
    query = update.callback_query
    ids = private_ids(update)
    if query is None or ids is None:
        await answer_query(update)
        return
    data = query.data or ""
    if data.startswith(ui.START_PREFIX):
        # The chooser has done its job: it becomes the first set (one call), while the
        # button's spinner is stopped in parallel.
        chooser = query.message if isinstance(query.message, Message) else None
        await asyncio.gather(
            answer_query(update),
            start_routine(update, context, data.removeprefix(ui.START_PREFIX), edit=chooser),
        )
        return
    button = ui.parse_set_callback(data)
    if button is None:
        await tell_presser(update, context, ui.NOTICE_UNKNOWN)
        return
    runner_id, chat_id = ids
    pressed = query.message if isinstance(query.message, Message) else None
    # A press's whole effect is the change and the recorded reply (the chooser that
    # "stop and choose" sends after it is not): the inbox mark goes in the same commit.
    unit = Unit(runner_id, chat_id, update.update_id, settles=button.action != ui.STOP_AND_CHOOSE)
    step = _transact(context.services, unit, _button_event(button), Aimed(button.session_id, button.position))
    if step.kind == "not-yours":
        await tell_presser(update, context, ui.NOTICE_NOT_YOURS)
        return
    if step.kind == "ended":
        await tell_presser(update, context, ui.NOTICE_ENDED)
        if pressed is not None:
            await strip_buttons(context, chat_id, pressed.message_id)
        return
    if step.kind == "duplicate":
        # A replay after a crash: nothing changes; stop the spinner and show where they are
        # (the message leads with "Already recorded ✅", so the notice is only a toast).
        await answer_query(update, ui.NOTICE_DUPLICATE)
        await _show_where(context, chat_id, step, runner_id=runner_id)
        return
    reply = _render(step, context.services.library)
    # Both calls at once: the runner waits one round trip, not two. In webhook mode the
    # webhook's answer stopped the spinner already and only the edit goes out. A notice
    # with no message beside it (a press on an earlier set's button) must be read.
    if reply is not None and reply.notice and not reply.text:
        answer = tell_presser(update, context, reply.notice)
    else:
        answer = answer_query(update, reply.notice if reply else None)
    await asyncio.gather(
        answer,
        _deliver(context, chat_id, step, runner_id=runner_id, pressed=pressed, reply=reply),
    )
    if button.action == ui.STOP_AND_CHOOSE and any(isinstance(o, Stopped) for o in step.outputs):
        await context.bot.send_message(
            chat_id,
            ui.choose_routine_text(context.services.library),
            reply_markup=ui.routine_keyboard(context.services.library),
        )


async def _show_where(context: BotContext, chat_id: int, step: _Step, *, runner_id: int) -> None:
    """The reply the runner has not received yet, if any (at most once more when it timed
    out), else the current set."""
    services = context.services
    if step.outbox_id is None or step.outbox_text is None:
        await _resend_current(context, chat_id, step, runner_id=runner_id, lead=ui.ALREADY_RECORDED)
        return
    sent = await outbox.attempt(
        context.bot, services, step.outbox_id, chat_id=chat_id,
        text=f"{ui.ALREADY_RECORDED}\n\n{step.outbox_text}", keyboard=step.outbox_keyboard,
    )
    if sent is None or step.outbox_keyboard is None or step.session_id is None:
        return
    with services.db.unit() as session:
        owned = workouts.set_prompt_message(
            session, session_id=step.session_id, message_id=sent, version=step.version
        )
    if owned and step.previous_prompt not in (None, sent):
        await strip_buttons(context, chat_id, step.previous_prompt)


async def _resend_current(
    context: BotContext, chat_id: int, step: _Step, *, runner_id: int, lead: str | None = None
) -> None:
    """Show the current set again (after a question, thanks or nonsense)."""
    view = _current_view(step.state, context.services.library)
    if view is None:
        if lead:
            await context.bot.send_message(chat_id, lead)
        return
    shown = _Step("applied", (view,), step.state, step.session_id, step.routine_id, step.version,
                  step.previous_prompt)
    await _deliver(context, chat_id, shown, runner_id=runner_id, lead=lead)


# ------------------------------------------------------------------ free text


async def claim_session_text(update: Update, context: BotContext, text: str) -> bool:
    """The text claimer: session commands, and questions or nonsense during a session.

    Returns False (not ours) for text with no live session, except "done"-like
    commands, which get a hint to start one.
    """
    ids = private_ids(update)
    if ids is None:
        return False
    runner_id, chat_id = ids
    services = context.services
    event = parse_session_text(text)  # the exact words the bot teaches ("done", "skip", "done 40 kg")
    understood: Understanding | None = None
    if event is None:
        exercise = _live_exercise(services, runner_id)
        if exercise is not None:
            understood = services.understander.understand(text, Context(in_session=True, exercise=exercise))
            event = _event_for(understood, text)
    # The exact words' whole effect is the change and the recorded reply; anything the
    # understanding step read (a red flag's advice) is sent besides, so it is marked after.
    unit = Unit(runner_id, chat_id, update.update_id, settles=understood is None)
    typed = Typed(
        update.message.date if update.message is not None else None,
        claim_without_session=isinstance(event, WhereAmI) and asks_position(text),
    )
    step = _transact(services, unit, event, typed)
    if step.kind == "pending-input":
        return False
    if step.kind == "pass":
        if step.outputs:  # the session had been abandoned: say so, then let the text go on
            await _deliver(context, chat_id, step, runner_id=runner_id)
        return False
    if step.kind in ("duplicate", "resend"):
        # A replay of an update already applied (the process died before it was marked
        # handled), or a "done" while the last reply has not reached the runner: nothing
        # changes; show them where they are (docs/sessions.md, "Redelivered updates").
        if event is None:  # a replayed question: the set again, the answer is not repeated
            await _resend_current(context, chat_id, step, runner_id=runner_id)
        else:
            await _show_where(context, chat_id, step, runner_id=runner_id)
        return True
    if step.kind == "question":
        if is_courtesy(text):
            paused = step.state is not None and step.state.status == "paused"
            lead = ui.YOU_RE_WELCOME_PAUSED if paused else ui.YOU_RE_WELCOME
            await _resend_current(context, chat_id, step, runner_id=runner_id, lead=lead)
            return True
        await _answer_mid_session(update, context, understood, step, runner_id=runner_id, chat_id=chat_id)
        return True
    if isinstance(understood, RedFlag) and step.kind == "applied":
        # Safety first, then the paused session with its resume button: never the next set.
        await send_reply(update, context, understood)
        await _deliver(context, chat_id, step, runner_id=runner_id, lead=ui.PAUSED_FOR_SAFETY)
        return True
    not_paused = (
        isinstance(event, Resume)
        and any(isinstance(o, PromptSet) for o in step.outputs)
        and not any(isinstance(o, Resumed) for o in step.outputs)
    )
    await _deliver(context, chat_id, step, runner_id=runner_id, lead=ui.NOT_PAUSED if not_paused else None)
    return True


def _live_exercise(services: Services, runner_id: int) -> str | None:
    """The exercise of the runner's current set, if a session is live (read only)."""
    with services.db.unit() as session:
        state = workouts.state_of(workouts.latest_session(session, runner_id=runner_id))
    if state is None or not state.live or is_abandoned(state, services.now(), _timeout(services)):
        return None
    slot = _current_slot(state, services.library)
    return slot.exercise_id if slot is not None else None


def _event_for(result: Understanding, text: str) -> Event | None:
    """A session control becomes its event; a red flag pauses the session; anything else is not ours."""
    match result:
        case SessionControl(action="done"):  # the domain reads a load named in passing ("used 8kg ones")
            return Done(load=load_in(text))
        case SessionControl(action=action):
            return _CONTROL_EVENTS.get(action)
        case RedFlag():
            return Pause()
    return None


async def _answer_mid_session(
    update: Update, context: BotContext, result: Understanding | None, step: _Step, *, runner_id: int, chat_id: int
) -> None:
    """A question is answered about the current exercise and the set prompt comes again."""
    match result:
        case Command(intent="start-session"):
            await act_on(update, context, result)  # offers to continue the live session: no resend
        case Question() | Command() | SmallTalk():
            await act_on(update, context, result)
            await _resend_current(context, chat_id, step, runner_id=runner_id, lead=ui.BACK_TO_SESSION)
        case _:
            await _resend_current(context, chat_id, step, runner_id=runner_id, lead=ui.NOT_UNDERSTOOD)


# ------------------------------------------------------------------ jobs


@dataclass(frozen=True)
class _TimerData:
    session_id: int
    runner_id: int
    chat_id: int
    position: int
    started_at: datetime
    message_id: int | None = None  # the set's message, counting down in place
    base_text: str = ""


def timer_job_name(session_id: int, position: int) -> str:
    return f"{TIMER_JOB_PREFIX}{session_id}:{position}"


def _schedule_timer(application: Any, data: _TimerData, *, delay: float) -> None:
    job_queue = application.job_queue
    if job_queue is None:
        return
    name = timer_job_name(data.session_id, data.position)
    for job in job_queue.get_jobs_by_name(name):  # a restarted timer replaces the old one
        job.schedule_removal()
    job_queue.run_once(timer_job, when=delay, name=name, data=data, chat_id=data.chat_id,
                       user_id=data.runner_id)


def _cancel_timer(application: Any, session_id: int, position: int) -> None:
    timed_work.cancel(application, session_id, position)
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(timer_job_name(session_id, position)):
        job.schedule_removal()


async def timer_job(context: BotContext) -> None:
    """A set's timer ran out: "Time!", unless the runner moved on meanwhile."""
    job = context.job
    if job is None or not isinstance(job.data, _TimerData):
        return
    data = job.data
    step = _transact(
        context.services, Unit(data.runner_id, data.chat_id), TimerUp(data.position, data.started_at),
        Aimed(data.session_id),
    )
    if step.kind != "applied":
        return
    finished = any(isinstance(out, TimerFinished) for out in step.outputs)
    auto = finished and timed_work.auto_advance(context.services, data.runner_id)
    if finished and data.message_id is not None:
        countdown = timed_work.Countdown(
            data.session_id, data.runner_id, data.chat_id, data.message_id, data.position, data.base_text,
            data.started_at, 0, data.started_at,
        )
        keyboard = ui.set_keyboard(data.session_id, data.position, timed=False).markup()
        if await timed_work.time_up_in_place(context, countdown, auto=auto, keyboard=keyboard):
            if auto:
                await _auto_advance(context, data)
            return
    await _deliver(context, data.chat_id, step, runner_id=data.runner_id)
    if auto:
        await _auto_advance(context, data)


async def _auto_advance(context: BotContext, data: _TimerData) -> None:
    """Auto-advance is on: the set whose timer ran out counts as done; the next set follows.

    Applied as a "done" pressed on that set's button, so it acts only if the runner has
    not moved on meanwhile, and the (session, position) key stores it at most once.
    """
    step = _transact(
        context.services, Unit(data.runner_id, data.chat_id), Done(), Aimed(data.session_id, data.position)
    )
    if step.kind == "applied":
        await _deliver(context, data.chat_id, step, runner_id=data.runner_id)


async def sweep_job(context: BotContext) -> None:
    """Repeating: end abandoned sessions (silently; the runner hears on their next message)."""
    expire_abandoned(context.services)


def expire_abandoned(services: Services) -> int:
    """End live sessions idle for longer than SESSION_TIMEOUT_HOURS; returns how many.

    Their completed sets stay stored. Also forgets old processed update ids.
    """
    now = services.now()
    timeout = _timeout(services)
    ended = 0
    try:
        with services.db.session() as session:
            for row in workouts.abandoned_sessions(session, before=now - timeout):
                outcome = transition(workouts.state_of(row), Expire(timeout), services.library, now)
                workouts.apply_outcome(session, runner_id=row.runner_id, row=row, outcome=outcome, now=now)
                ended += outcome.state is not None and outcome.state.status == "expired"
            pruned = workouts.prune_processed_updates(session, before=now - PROCESSED_UPDATE_TTL)
    except workouts.StaleSessionError:
        # Another replica's sweep (or the runner) moved a session meanwhile; nothing was
        # written, and the next sweep takes whatever is still abandoned.
        log.info("sweep: a session changed under it; the next sweep carries on")
        return 0
    if ended or pruned:
        log.info("sweep: %d abandoned session(s) ended, %d old update id(s) forgotten", ended, pruned)
    return ended


__all__ = [
    "start_jobs",
    "start_intent",
    "start_routine",
    "claim_session_text",
    "on_button",
    "session_command",
    "timer_job",
    "sweep_job",
    "expire_abandoned",
    "timer_job_name",
    "TIMER_JOB_PREFIX",
    "SWEEP_JOB_NAME",
]
