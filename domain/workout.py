"""The guided-session state machine: one set per message, pure and total.

:func:`transition` takes the current :class:`SessionState` (or ``None``), one
event, the content library and the current time, and returns an
:class:`Outcome`: the new state plus *semantic* outputs (``PromptSet``,
``Recorded``, ``Summary``...). It does no I/O and never raises for any event
in any state; the Telegram shell renders the outputs and the storage layer
persists the state and the ``Recorded`` completions.

Split for readability: events, loads and the text parser live in
``workout_events``, ``SetSlot``/``flatten`` in ``workout_slots``, the output
objects in ``workout_outputs``. Everything public is re-exported here, so the
shell and storage import from ``stridecoach.domain.workout`` only.

The full rules (what each event does in each status, and why) are in
docs/sessions.md; the short version is in the docstrings below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from stridecoach.domain.workout_events import (
    EVENT_TYPES,
    MAX_LOAD,
    MAX_LOAD_KG,
    MAX_LOAD_LB,
    MAX_LOAD_PLATES,
    MIN_LOAD,
    SKIP_REASONS,
    AskDose,
    Back,
    Done,
    Event,
    Expire,
    Load,
    LoadUnit,
    MissingEquipment,
    Pause,
    RefusalReason,
    Repeat,
    Resume,
    Skip,
    SkipExercise,
    SkipReason,
    Start,
    StartTimer,
    Stop,
    StopTimer,
    TimerUp,
    Undo,
    WhereAmI,
    asks_position,
    check_load,
    is_courtesy,
    parse_session_text,
)
from stridecoach.domain.workout_outputs import (
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
    Outcome,
    Output,
    PainPaused,
    Paused,
    Position,
    PromptReason,
    PromptSet,
    Recorded,
    Refused,
    Reopened,
    Resumed,
    RoutineUnavailable,
    SessionInProgress,
    Skipped,
    StaleButton,
    Started,
    Stopped,
    Summary,
    TimerFinished,
    TimerStarted,
    TimerStopped,
    Undone,
)
from stridecoach.domain.plans import equipment_need, resolve_routine
from stridecoach.domain.workout_slots import SetSlot, flatten
from stridecoach.content.model import Library
from stridecoach.domain.workout_state import (
    ABANDON_AFTER,
    LIVE_STATUSES,
    RESUME_STOPPED_WITHIN,
    TERMINAL_STATUSES,
    SessionState,
    SessionStatus,
    button_applies,
    expected_position,
    is_abandoned,
)

__all__ = [
    # events and loads (re-exported so the shell needs one import)
    "Back", "Done", "Event", "EVENT_TYPES", "Expire", "Load", "LoadUnit", "Pause", "Repeat",
    "Resume", "Skip", "Start", "StartTimer", "Stop", "StopTimer", "TimerUp", "WhereAmI", "check_load",
    "parse_session_text", "is_courtesy", "asks_position", "MAX_LOAD", "MAX_LOAD_KG", "MAX_LOAD_LB", "MAX_LOAD_PLATES", "MIN_LOAD",
    "RefusalReason", "Undo", "SkipExercise", "SkipReason", "SKIP_REASONS", "AskDose", "MissingEquipment",
    # state
    "ABANDON_AFTER", "LIVE_STATUSES", "TERMINAL_STATUSES", "SessionStatus", "SessionState",
    "SetSlot", "flatten", "is_abandoned", "button_applies", "expected_position",
    # outputs
    "Outcome", "Output", "Started", "PromptSet", "Recorded", "Skipped", "Summary", "Paused",
    "AlreadyPaused", "Resumed", "Stopped", "Expired", "TimerStarted", "TimerFinished",
    "TimerStopped", "NotTimed", "NoSession", "AlreadyFinished", "SessionInProgress", "Refused", "Position",
    "AtFirstSet", "StaleButton", "RoutineUnavailable", "Undone", "NothingToUndo", "Reopened", "PainPaused",
    "DoseInfo", "NoEquipmentNeeded", "EquipmentLater", "RESUME_STOPPED_WITHIN", "can_reopen",
    "transition",
]

# --- the transition -----------------------------------------------------------


def transition(
    state: SessionState | None,
    event: Event,
    library: Library,
    now: datetime,
    *,
    button_position: int | None = None,
    abandon_after: timedelta = ABANDON_AFTER,
) -> Outcome:
    """Apply one event to a session. Pure, and defined for every event in every state.

    Args:
        state: The runner's latest session (any status), or ``None``.
        event: What happened.
        library: Content: the routines and exercises (``Library``).
        now: Current time, aware UTC.
        button_position: For events from a set button, the position the button
            was sent with; a press that does not match the live session's
            position changes nothing and yields ``StaleButton``.
        abandon_after: Inactivity after which a live session counts as
            abandoned (the operator's SESSION_TIMEOUT_HOURS).

    Returns:
        The new state and the outputs.

    Raises:
        ValueError: ``now`` is naive (a caller bug; storage keeps UTC only).
    """
    if now.tzinfo is None:
        raise ValueError("transition needs an aware UTC datetime")

    if isinstance(event, Start):
        return _start(state, event, library, now, abandon_after)

    if state is None or not state.live:
        if isinstance(event, (Resume, Undo)) and can_reopen(state, event, now):
            assert state is not None
            return _reopen(state, event, _slots(state.routine_id, library), now)
        return _no_live_session(state, event, library)

    slots = _slots(state.routine_id, library)
    repaired = _repair(state, slots, now)
    if repaired is not None:
        return repaired

    if isinstance(event, Expire):
        timeout = event.timeout if event.timeout is not None else abandon_after
        return _expire(state, slots) if is_abandoned(state, now, timeout) else Outcome(state)
    if isinstance(event, TimerUp):
        return _timer_up(state, event, slots)

    # A runner event on a session abandoned long ago: close it first, so
    # "done" the next day does not record into yesterday's session.
    if is_abandoned(state, now, abandon_after):
        expired = _expire(state, slots)
        return expired + _no_live_session(expired.state, event, library)

    if button_position is not None and not button_applies(state, button_position):
        return Outcome(state, (StaleButton(button_position, _position(state, slots)),))

    return _live_event(state, event, slots, now)


def can_reopen(state: SessionState | None, event: Event, now: datetime) -> bool:
    """Whether ``event`` reopens an ended session: "resume"/"undo" shortly after "stop",
    or "undo" shortly after the last set finished it (the last done is taken back)."""
    if state is None or state.finished_at is None or now - state.finished_at > RESUME_STOPPED_WITHIN:
        return False
    if state.status == "stopped":
        return isinstance(event, (Resume, Undo))
    return state.status == "finished" and isinstance(event, Undo) and state.resolved > 0


def _reopen(state: SessionState, event: Event, slots: list[SetSlot], now: datetime) -> Outcome:
    """Open a stopped (or just finished) session again where it was."""
    if not slots:
        return _no_live_session(state, event, None)
    position = min(state.position, len(slots) - 1)
    opened = _touch(state, now, status="active", finished_at=None, timer_started_at=None, position=position)
    if state.status == "finished":  # "undo" after the last set: take that set back
        opened = replace(opened, position=state.resolved)
        return Outcome(opened, (Reopened(),)) + _undo(opened, slots)
    return Outcome(opened, (Reopened(), _prompt(opened, slots, reason="resume")))


def _repair(state: SessionState, slots: list[SetSlot], now: datetime) -> Outcome | None:
    """End a live session the content no longer supports; ``None`` if it is fine.

    Both cases come from a deploy under a live session: the routine was
    removed (stop, tell the runner), or it got shorter than the position
    (nothing left to walk: finish).
    """
    if not slots:
        ended = _touch(state, now, status="stopped", timer_started_at=None, finished_at=now)
        return Outcome(ended, (RoutineUnavailable(state.routine_id),))
    if state.position >= len(slots):
        return _finish(_touch(state, now), slots, now)
    return None


def _slots(routine_id: str, library: Library) -> list[SetSlot]:
    routine = resolve_routine(routine_id, library)
    return flatten(routine, library.exercises) if routine is not None else []


def _touch(state: SessionState, now: datetime, **changes: Any) -> SessionState:
    """A runner event: record activity and bump the version."""
    return replace(state, version=state.version + 1, last_activity_at=now, **changes)


def _start(
    state: SessionState | None,
    event: Start,
    library: Library,
    now: datetime,
    abandon_after: timedelta = ABANDON_AFTER,
) -> Outcome:
    """Start a session, unless one is live (then offer to continue it)."""
    if state is not None and state.live:
        slots = _slots(state.routine_id, library)
        closed = _repair(state, slots, now)
        if closed is None and is_abandoned(state, now, abandon_after):
            closed = _expire(state, slots)
        if closed is not None:  # the old session could not go on: start afresh
            return closed + _start(closed.state, event, library, now, abandon_after)
        return Outcome(
            state,
            (
                SessionInProgress(
                    state.routine_id,
                    slots[state.position],
                    state.position,
                    len(slots),
                    paused=state.status == "paused",
                ),
            ),
        )

    slots = _slots(event.routine_id, library)
    if not slots:
        return Outcome(state, (RoutineUnavailable(event.routine_id),))
    fresh = SessionState(
        routine_id=event.routine_id,
        position=0,
        status="active",
        started_at=now,
        last_activity_at=now,
    )
    routine = resolve_routine(event.routine_id, library)
    assert routine is not None
    return Outcome(
        fresh,
        (
            Started(event.routine_id, len(slots), len(routine.steps)),
            PromptSet(slots[0], 0, len(slots), reason="start"),
        ),
    )


def _no_live_session(state: SessionState | None, event: Event, library: Library | None) -> Outcome:
    """Any non-Start event with no live session."""
    if isinstance(event, (TimerUp, Expire)):
        return Outcome(state)  # background jobs for a session that is over: silence
    if state is not None and state.status == "finished" and library is not None:
        return Outcome(state, (AlreadyFinished(_summary(state, len(_slots(state.routine_id, library)))),))
    return Outcome(state, (NoSession(state.status if state is not None else None),))


def _live_event(state: SessionState, event: Event, slots: list[SetSlot], now: datetime) -> Outcome:
    """A runner event on an active or paused session."""
    if isinstance(event, WhereAmI):
        touched = _touch(state, now)
        return Outcome(touched, (_position(touched, slots),))
    if isinstance(event, Stop):
        ended = _touch(state, now, status="stopped", timer_started_at=None, finished_at=now)
        return Outcome(ended, (Stopped(_summary(ended, len(slots))),))
    if isinstance(event, Pause):
        if state.status == "paused":
            return Outcome(_touch(state, now), (AlreadyPaused(),))
        paused = _touch(state, now, status="paused", timer_started_at=None)
        return Outcome(paused, (Paused(slots[state.position], state.position, len(slots)),))
    if isinstance(event, StopTimer):
        # Pausing already cancelled any timer, so a paused session stays paused.
        running = state.status == "active" and state.timer_started_at is not None
        touched = _touch(state, now, timer_started_at=None)
        return Outcome(touched, (TimerStopped(slots[state.position], state.position, running),))
    if isinstance(event, AskDose):
        touched = _touch(state, now)
        return Outcome(touched, (DoseInfo(slots[state.position], state.position, len(slots)),))
    if isinstance(event, (Skip, SkipExercise)) and event.reason == "pain":
        # Pain is not a reason to carry on: pause, and the shell gives the
        # see-a-professional advice. Nothing is skipped, so resuming is easy.
        paused = _touch(state, now, status="paused", timer_started_at=None)
        return Outcome(paused, (PainPaused(slots[state.position], state.position, len(slots)),))
    if isinstance(event, Undo) and state.status == "paused":
        return Outcome(_touch(state, now, status="active"), (Resumed(),)) + _undo(
            _touch(state, now, status="active"), slots
        )
    if isinstance(event, MissingEquipment):
        return _missing_equipment(_touch(state, now, status="active"), event, slots, now, state.status)
    if isinstance(event, Resume):
        resumed = _touch(state, now, status="active")
        prompt = _prompt(resumed, slots, reason="resume")
        return Outcome(resumed, ((Resumed(), prompt) if state.status == "paused" else (prompt,)))

    # Every other runner event means "I'm working on the set": a paused
    # session resumes implicitly rather than asking "resume first?".
    prefix: tuple[Output, ...] = ()
    if state.status == "paused":
        prefix = (Resumed(),)
    active = _touch(state, now, status="active")
    result = _set_event(active, event, slots, now)
    return Outcome(result.state, prefix + result.outputs)


def _set_event(state: SessionState, event: Event, slots: list[SetSlot], now: datetime) -> Outcome:
    """Done, Skip, Repeat, Back, StartTimer on an active (already touched) session."""
    slot = slots[state.position]
    if isinstance(event, Done):
        return _done(state, event, slots, now)
    if isinstance(event, Skip) and event.reason == "no-equipment":
        return _skip_exercise(state, slots, now, event.reason)  # the kit is missing for every set
    if isinstance(event, Skip):
        return _skip(state, slots, now, event.reason)
    if isinstance(event, SkipExercise):
        return _skip_exercise(state, slots, now, event.reason)
    if isinstance(event, Undo):
        return _undo(state, slots)
    if isinstance(event, Repeat):
        again = replace(state, timer_started_at=None)
        return Outcome(again, (_prompt(again, slots, reason="repeat"),))
    if isinstance(event, Back):
        if state.position == 0:
            return Outcome(state, (AtFirstSet(), _prompt(state, slots, reason="back")))
        back = replace(state, position=state.position - 1, timer_started_at=None)
        return Outcome(back, (_prompt(back, slots, reason="back"),))
    if isinstance(event, StartTimer):
        if slot.timer_seconds is None:
            return Outcome(state, (NotTimed(slot),))
        seconds = _hold(slot, event.seconds)
        timing = replace(state, timer_started_at=now, timer_seconds=seconds)
        return Outcome(timing, (TimerStarted(seconds, state.position, now),))
    raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover - Event is closed


def _done(state: SessionState, event: Done, slots: list[SetSlot], now: datetime) -> Outcome:
    """Record the current set (checking a load on a loggable set) and move on."""
    slot = slots[state.position]
    load: Load | None = None
    if slot.loggable_load:
        if event.unparsed_load is not None and event.load is None:
            return Outcome(state, (Refused("unclear", event.unparsed_load),))
        if event.load is not None:
            reason = check_load(event.load)
            if reason is not None:
                limit = Load(MAX_LOAD[event.load.unit], event.load.unit) if reason == "too_heavy" else None
                return Outcome(state, (Refused(reason, _load_text(event.load), limit),))
            load = event.load
    # On any other set a load is ignored: the set still counts as done.

    bit = 1 << state.position
    if state.position >= state.resolved:  # first time at this set
        counted = replace(state, sets_done=state.sets_done + 1)
        recorded = Recorded(slot, state.position, load)
    elif state.skipped_mask & bit:  # went back to a skipped set and did it
        counted = replace(
            state,
            sets_done=state.sets_done + 1,
            sets_skipped=state.sets_skipped - 1,
            skipped_mask=state.skipped_mask & ~bit,
        )
        recorded = Recorded(slot, state.position, load, was_skipped=True)
    else:  # went back to a done set and did it again: same row, new load/time
        counted = state
        recorded = Recorded(slot, state.position, load, replaces=True)
    return Outcome(counted, (recorded,)) + _advance(counted, slots, now)


def _skip(state: SessionState, slots: list[SetSlot], now: datetime, reason: SkipReason | None = None) -> Outcome:
    """Skip the current set; on a revisit the earlier result stands."""
    marked, skipped = _mark_skipped(state, slots, reason)
    return Outcome(marked, (skipped,)) + _advance(marked, slots, now)


def _mark_skipped(
    state: SessionState, slots: list[SetSlot], reason: SkipReason | None, *, whole_exercise: bool = False
) -> tuple[SessionState, Skipped]:
    slot = slots[state.position]
    if state.position >= state.resolved:
        counted = replace(
            state,
            sets_skipped=state.sets_skipped + 1,
            skipped_mask=state.skipped_mask | (1 << state.position),
        )
        return counted, Skipped(slot, state.position, reason=reason, whole_exercise=whole_exercise)
    return state, Skipped(slot, state.position, counted=False, reason=reason, whole_exercise=whole_exercise)


def _skip_exercise(
    state: SessionState, slots: list[SetSlot], now: datetime, reason: SkipReason | None
) -> Outcome:
    """Skip this set and every later set of the same exercise, then move to the next exercise."""
    exercise_index = slots[state.position].exercise_index
    outputs: list[Output] = []
    current = state
    while True:
        current, skipped = _mark_skipped(current, slots, reason, whole_exercise=True)
        outputs.append(skipped)
        following = current.position + 1
        if following >= len(slots) or slots[following].exercise_index != exercise_index:
            break
        current = replace(current, position=following)
    return Outcome(current, tuple(outputs)) + _advance(current, slots, now)


def _hold(slot: SetSlot, asked: int | None) -> int:
    """The timer length: the runner's pick if it is one of the set's choices, else the low end."""
    low = slot.timer_seconds or 0
    return asked if asked is not None and asked in slot.hold_choices else low


def _undo(state: SessionState, slots: list[SetSlot]) -> Outcome:
    """Take back the last set resolved (done or skipped) and reopen it.

    Only at the frontier (``position == resolved``): after "back" the runner
    is revisiting, and "done"/"skip" there already replace the earlier result.
    """
    target = state.position - 1
    if state.position != state.resolved or target < 0:
        return Outcome(state, (NothingToUndo(), _prompt(state, slots, reason="repeat")))
    bit = 1 << target
    was_skipped = bool(state.skipped_mask & bit)
    undone = replace(
        state,
        position=target,
        timer_started_at=None,
        sets_done=state.sets_done - (0 if was_skipped else 1),
        sets_skipped=state.sets_skipped - (1 if was_skipped else 0),
        skipped_mask=state.skipped_mask & ~bit,
    )
    return Outcome(undone, (Undone(slots[target], target, was_skipped), _prompt(undone, slots, reason="back")))


def _missing_equipment(
    state: SessionState, event: MissingEquipment, slots: list[SetSlot], now: datetime, was: str
) -> Outcome:
    """ "No barbell": skip the step that needs it; "no rope" on the jump rope: do it without."""
    prefix: tuple[Output, ...] = (Resumed(),) if was == "paused" else ()
    slot = slots[state.position]
    need = equipment_need(slot.equipment, event.item)
    if need == "required":
        return Outcome(state, prefix) + _skip_exercise(state, slots, now, "no-equipment")
    if need == "optional":
        return Outcome(state, (*prefix, NoEquipmentNeeded(slot, event.item), _prompt(state, slots, "repeat")))
    later = next(
        (
            later_slot.title
            for later_slot in slots[state.position + 1:]
            if equipment_need(later_slot.equipment, event.item) == "required"
        ),
        None,
    )
    return Outcome(state, (*prefix, EquipmentLater(event.item, later), _prompt(state, slots, "repeat")))


def _advance(state: SessionState, slots: list[SetSlot], now: datetime) -> Outcome:
    """Move to the next set, or finish after the last one."""
    nxt = replace(state, position=state.position + 1, timer_started_at=None)
    if nxt.position >= len(slots):
        return _finish(nxt, slots, now)
    return Outcome(nxt, (_prompt(nxt, slots, reason="next"),))


def _finish(state: SessionState, slots: list[SetSlot], now: datetime) -> Outcome:
    done = replace(state, status="finished", timer_started_at=None, finished_at=now)
    return Outcome(done, (_summary(done, len(slots)),))


def _expire(state: SessionState, slots: list[SetSlot]) -> Outcome:
    """Close an abandoned session. Not runner activity: last_activity_at stays."""
    expired = replace(
        state,
        status="expired",
        timer_started_at=None,
        finished_at=state.last_activity_at,
        version=state.version + 1,
    )
    return Outcome(expired, (Expired(_summary(expired, len(slots))),))


def _timer_up(state: SessionState, event: TimerUp, slots: list[SetSlot]) -> Outcome:
    """Announce the end of the current timer; ignore timers that no longer apply."""
    stale = (
        state.status != "active"
        or state.timer_started_at is None
        or (event.position is not None and event.position != state.position)
        or (event.started_at is not None and event.started_at != state.timer_started_at)
    )
    if stale:
        return Outcome(state)
    # Not runner activity: last_activity_at stays, so expiry is unaffected.
    stopped = replace(state, timer_started_at=None, version=state.version + 1)
    return Outcome(stopped, (TimerFinished(slots[state.position], state.position),))


def _prompt(state: SessionState, slots: list[SetSlot], reason: PromptReason) -> PromptSet:
    return PromptSet(
        slots[state.position], state.position, len(slots), reason, revisit=state.position < state.resolved
    )


def _position(state: SessionState, slots: list[SetSlot]) -> Position:
    return Position(
        slots[state.position],
        state.position,
        len(slots),
        state.status == "paused",
        state.sets_done,
        state.sets_skipped,
        timer_running=state.status == "active" and state.timer_started_at is not None,
    )


def _summary(state: SessionState, total: int) -> Summary:
    end = state.finished_at or state.last_activity_at
    return Summary(state.routine_id, state.sets_done, state.sets_skipped, total, end - state.started_at)


def _load_text(load: Load) -> str:
    amount = f"{load.amount:g}"
    return f"{amount} {load.unit}"
