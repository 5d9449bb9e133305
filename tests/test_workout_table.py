"""Every event in every status, checked against the table in docs/sessions.md.

``expect`` below is that table written out case by case, independently of
``stridecoach.domain.workout``: for a state, an event, the time and an optional button
it says exactly which outputs the runner gets and what the new state is. Two
tests hold the machine to it:

* ``test_every_cell_of_the_table``: every status (and no session) x every
  kind of event x no button / the right button / a stale button, once each;
* ``SessionWalk``: a Hypothesis state machine that starts from any consistent
  session (any routine, status, position, mix of done and skipped sets,
  running timer) and applies random sequences of events, clock moves, button
  presses and late timer jobs, comparing every step with the table.

On top of the table every step checks the invariants the storage layer relies
on: positions ``0 .. resolved - 1`` are resolved, ``version`` goes up by one
on every change (a new session starts at 0), an unchanged state is the same
object (nothing to write), at most one ``Recorded`` per step and a load only on
a loggable set.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache

import pytest

from hypothesis import event as note_event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from stridecoach.domain.plans import equipment_need, plan_id, resolve_routine
from stridecoach.domain.workout import (
    ABANDON_AFTER,
    EVENT_TYPES,
    RESUME_STOPPED_WITHIN,
    SKIP_REASONS,
    AlreadyFinished,
    AlreadyPaused,
    AskDose,
    AtFirstSet,
    Back,
    DoseInfo,
    Done,
    EquipmentLater,
    Event,
    Expire,
    Expired,
    Load,
    LoadUnit,
    MissingEquipment,
    NoEquipmentNeeded,
    NoSession,
    NothingToUndo,
    NotTimed,
    Outcome,
    Output,
    PainPaused,
    Pause,
    Paused,
    Position,
    PromptReason,
    PromptSet,
    Recorded,
    Refused,
    Reopened,
    Repeat,
    Resume,
    Resumed,
    RoutineUnavailable,
    SessionInProgress,
    SessionState,
    SessionStatus,
    SetSlot,
    Skip,
    SkipExercise,
    Skipped,
    SkipReason,
    StaleButton,
    Start,
    Started,
    StartTimer,
    Stop,
    Stopped,
    StopTimer,
    Summary,
    TimerFinished,
    TimerStarted,
    TimerStopped,
    TimerUp,
    Undo,
    Undone,
    WhereAmI,
    flatten,
    transition,
)
from tests.session_library import BACK, CALF, CALF_SLOTS, LIBRARY, T0, WEIGHTED

# The two routines and the calf routine's plans (docs/sessions.md, "Sessions that fit").
ROUTINES = (CALF, BACK, plan_id(CALF, "short"), plan_id(CALF, "no-equipment"))
LIMITS: dict[LoadUnit, float] = {"kg": 400, "lb": 880, "plates": 40}  # docs/sessions.md, "Loads"
STATUSES: tuple[SessionStatus, ...] = ("active", "paused", "finished", "stopped", "expired")


# --- the table ---------------------------------------------------------------------


def expect(
    state: SessionState | None, event: Event, now: datetime, button: int | None = None
) -> Outcome:
    """What docs/sessions.md says ``transition(state, event, LIBRARY, now, button_position=button)`` gives."""
    live = state is not None and state.status in ("active", "paused")
    if isinstance(event, Start):
        if state is not None and live:
            if _abandoned(state, now, ABANDON_AFTER):
                closed = _expired(state)
                return closed + _start(closed.state, event.routine_id, now)
            offer = SessionInProgress(
                state.routine_id, _slot(state), state.position, _total(state), state.status == "paused"
            )
            return Outcome(state, (offer,))
        return _start(state, event.routine_id, now)

    if state is None or not live:
        if state is not None and _reopens(state, event, now):
            return _reopen(state, now)
        if isinstance(event, (TimerUp, Expire)):
            return Outcome(state)  # background jobs are silent
        if state is not None and state.status == "finished":
            return Outcome(state, (AlreadyFinished(_summary(state)),))
        return Outcome(state, (NoSession(state.status if state is not None else None),))

    if isinstance(event, Expire):
        timeout = ABANDON_AFTER if event.timeout is None else event.timeout
        return _expired(state) if _abandoned(state, now, timeout) else Outcome(state)
    if isinstance(event, TimerUp):
        running = state.status == "active" and state.timer_started_at is not None
        ours = event.position in (None, state.position) and event.started_at in (None, state.timer_started_at)
        if not (running and ours):
            return Outcome(state)
        done = replace(state, timer_started_at=None, version=state.version + 1)
        return Outcome(done, (TimerFinished(_slot(state), state.position),))
    if _abandoned(state, now, ABANDON_AFTER):
        closed = _expired(state)  # "done" the next morning does not land in yesterday's session
        return closed + Outcome(closed.state, (NoSession("expired"),))
    if button is not None and button != state.position:
        return Outcome(state, (StaleButton(button, _position(state)),))

    touched = replace(state, version=state.version + 1, last_activity_at=now)
    paused = state.status == "paused"
    match event:
        case WhereAmI():
            return Outcome(touched, (_position(touched),))
        case AskDose():
            return Outcome(touched, (DoseInfo(_slot(state), state.position, _total(state)),))
        case Stop():
            ended = replace(touched, status="stopped", timer_started_at=None, finished_at=now)
            return Outcome(ended, (Stopped(_summary(ended)),))
        case Pause() if paused:
            return Outcome(touched, (AlreadyPaused(),))
        case Pause():
            held = replace(touched, status="paused", timer_started_at=None)
            return Outcome(held, (Paused(_slot(state), state.position, _total(state)),))
        case Skip(reason="pain") | SkipExercise(reason="pain"):
            # Pain is not a skip: the session pauses (the shell gives the safety advice).
            held = replace(touched, status="paused", timer_started_at=None)
            return Outcome(held, (PainPaused(_slot(state), state.position, _total(state)),))
        case StopTimer():
            was_running = not paused and state.timer_started_at is not None
            return Outcome(
                replace(touched, timer_started_at=None), (TimerStopped(_slot(state), state.position, was_running),)
            )
        case Resume():
            active = replace(touched, status="active")
            prompt = _prompt(active, "resume")
            return Outcome(active, (Resumed(), prompt) if paused else (prompt,))
    # Everything else is work on the set: a paused session resumes first.
    prefix: tuple[Output, ...] = (Resumed(),) if paused else ()
    result = _set_event(replace(touched, status="active"), event, now)
    return Outcome(result.state, prefix + result.outputs)


def _set_event(state: SessionState, event: Event, now: datetime) -> Outcome:
    slot = _slot(state)
    match event:
        case Done():
            refused = _refusal(event) if slot.loggable_load else None
            if refused is not None:
                return Outcome(state, (refused,))
            load = event.load if slot.loggable_load else None
            return _record(state, load, now)
        case Skip(reason="no-equipment") | SkipExercise():
            # Without the kit no set of the exercise can be done: skip them all.
            return _skip_exercise(state, event.reason, now)
        case Skip():
            marked, skipped = _skip_one(state, event.reason)
            return Outcome(marked, (skipped,)) + _next(marked, now)
        case Undo():
            return _undo(state)
        case MissingEquipment():
            need = equipment_need(slot.equipment, event.item)
            if need == "required":
                return _skip_exercise(state, "no-equipment", now)
            if need == "optional":
                return Outcome(state, (NoEquipmentNeeded(slot, event.item), _prompt(state, "repeat")))
            slots = _slots(state.routine_id)
            later = [s.title for s in slots[state.position + 1 :] if equipment_need(s.equipment, event.item) == "required"]
            return Outcome(state, (EquipmentLater(event.item, later[0] if later else None), _prompt(state, "repeat")))
        case Repeat():
            again = replace(state, timer_started_at=None)
            return Outcome(again, (_prompt(again, "repeat"),))
        case Back() if state.position == 0:
            return Outcome(state, (AtFirstSet(), _prompt(state, "back")))
        case Back():
            back = replace(state, position=state.position - 1, timer_started_at=None)
            return Outcome(back, (_prompt(back, "back"),))
        case StartTimer() if slot.timer_seconds is None:
            return Outcome(state, (NotTimed(slot),))
        case StartTimer(seconds=asked):
            assert slot.timer_seconds is not None
            # The runner's pick when it is one of the range's choices (30/45/60 s), else the low end.
            hold = asked if asked in slot.hold_choices else slot.timer_seconds
            return Outcome(
                replace(state, timer_started_at=now, timer_seconds=hold), (TimerStarted(hold, state.position, now),)
            )
    raise AssertionError(f"not a set event: {event!r}")


def _skip_one(state: SessionState, reason: SkipReason | None, whole: bool = False) -> tuple[SessionState, Skipped]:
    """A first-time skip counts; on a revisit (after "back") the earlier result stands."""
    first_time = state.position >= state.resolved
    if not first_time:
        return state, Skipped(_slot(state), state.position, False, reason, whole)
    counted = replace(
        state, sets_skipped=state.sets_skipped + 1, skipped_mask=state.skipped_mask | 1 << state.position
    )
    return counted, Skipped(_slot(state), state.position, True, reason, whole)


def _skip_exercise(state: SessionState, reason: SkipReason | None, now: datetime) -> Outcome:
    """This set and every later set of the same exercise, one ``Skipped`` each."""
    exercise = _slot(state).exercise_index
    slots = _slots(state.routine_id)
    skipped: list[Output] = []
    while True:
        state, one = _skip_one(state, reason, whole=True)
        skipped.append(one)
        if state.position + 1 == len(slots) or slots[state.position + 1].exercise_index != exercise:
            return Outcome(state, tuple(skipped)) + _next(state, now)
        state = replace(state, position=state.position + 1)


def _undo(state: SessionState) -> Outcome:
    """Only at the frontier: take the last done or skipped set back and reopen it."""
    last = state.position - 1
    if state.position != state.resolved or last < 0:
        return Outcome(state, (NothingToUndo(), _prompt(state, "repeat")))
    was_skipped = bool(state.skipped_mask & 1 << last)
    reopened = replace(
        state,
        position=last,
        timer_started_at=None,
        sets_done=state.sets_done - (not was_skipped),
        sets_skipped=state.sets_skipped - was_skipped,
        skipped_mask=state.skipped_mask & ~(1 << last),
    )
    return Outcome(reopened, (Undone(_slot(reopened), last, was_skipped), _prompt(reopened, "back")))


def _reopens(state: SessionState, event: Event, now: datetime) -> bool:
    """Stop can be taken back (resume, undo) for 30 minutes; so can the last done that finished a session."""
    if state.finished_at is None or now - state.finished_at > RESUME_STOPPED_WITHIN:
        return False
    if state.status == "stopped":
        return isinstance(event, (Resume, Undo))
    return state.status == "finished" and isinstance(event, Undo) and state.resolved > 0


def _reopen(state: SessionState, now: datetime) -> Outcome:
    opened = replace(
        state,
        status="active",
        finished_at=None,
        timer_started_at=None,
        position=min(state.position, _total(state) - 1),
        version=state.version + 1,
        last_activity_at=now,
    )
    if state.status == "finished":  # "undo" after the last set takes that set back
        return Outcome(opened, (Reopened(),)) + _undo(replace(opened, position=state.resolved))
    return Outcome(opened, (Reopened(), _prompt(opened, "resume")))


def _record(state: SessionState, load: Load | None, now: datetime) -> Outcome:
    """Done: a first-time set counts; a revisited skipped set moves to done; a revisited done set is updated."""
    bit = 1 << state.position
    was_skipped = replaces = False
    if state.position >= state.resolved:
        counted = replace(state, sets_done=state.sets_done + 1)
    elif state.skipped_mask & bit:
        counted = replace(
            state,
            sets_done=state.sets_done + 1,
            sets_skipped=state.sets_skipped - 1,
            skipped_mask=state.skipped_mask & ~bit,
        )
        was_skipped = True
    else:
        counted, replaces = state, True
    recorded = Recorded(_slot(state), state.position, load, replaces, was_skipped)
    return Outcome(counted, (recorded,)) + _next(counted, now)


def _refusal(event: Done) -> Refused | None:
    if event.load is None:
        return Refused("unclear", event.unparsed_load) if event.unparsed_load is not None else None
    amount, unit = event.load.amount, event.load.unit
    typed = f"{amount:g} {unit}"
    if amount < 0:
        return Refused("negative", typed)
    if amount > LIMITS[unit]:
        return Refused("too_heavy", typed, Load(LIMITS[unit], unit))
    return None


def _next(state: SessionState, now: datetime) -> Outcome:
    moved = replace(state, position=state.position + 1, timer_started_at=None)
    if moved.position == _total(state):
        finished = replace(moved, status="finished", finished_at=now)
        return Outcome(finished, (_summary(finished),))
    return Outcome(moved, (_prompt(moved, "next"),))


def _start(previous: SessionState | None, routine_id: str, now: datetime) -> Outcome:
    routine = resolve_routine(routine_id, LIBRARY)
    if routine is None:
        return Outcome(previous, (RoutineUnavailable(routine_id),))
    fresh = SessionState(routine_id, 0, "active", started_at=now, last_activity_at=now)
    slots = _slots(routine_id)
    started = Started(routine_id, len(slots), len(routine.steps))
    return Outcome(fresh, (started, PromptSet(slots[0], 0, len(slots), "start")))


def _expired(state: SessionState) -> Outcome:
    """Abandoned: closed as of the last runner activity (the hours away are not time taken)."""
    closed = replace(
        state,
        status="expired",
        timer_started_at=None,
        finished_at=state.last_activity_at,
        version=state.version + 1,
    )
    return Outcome(closed, (Expired(_summary(closed)),))


def _abandoned(state: SessionState, now: datetime, timeout: timedelta) -> bool:
    return now - state.last_activity_at >= timeout


@cache
def _slots(routine_id: str) -> list[SetSlot]:
    routine = resolve_routine(routine_id, LIBRARY)
    return flatten(routine, LIBRARY.exercises) if routine is not None else []


def _slot(state: SessionState) -> SetSlot:
    return _slots(state.routine_id)[state.position]


def _total(state: SessionState) -> int:
    return len(_slots(state.routine_id))


def _prompt(state: SessionState, reason: PromptReason) -> PromptSet:
    return PromptSet(_slot(state), state.position, _total(state), reason, revisit=state.position < state.resolved)


def _position(state: SessionState) -> Position:
    return Position(
        _slot(state), state.position, _total(state), state.status == "paused", state.sets_done, state.sets_skipped,
        timer_running=state.status == "active" and state.timer_started_at is not None,
    )


def _summary(state: SessionState) -> Summary:
    end = state.finished_at or state.last_activity_at
    return Summary(state.routine_id, state.sets_done, state.sets_skipped, _total(state), end - state.started_at)


# --- every cell once -----------------------------------------------------------------

EVENTS: tuple[Event, ...] = (
    Start(CALF), Start(BACK), Start(plan_id(CALF, "short")), Start("nope"),
    Done(), Done(Load(40, "kg")), Done(Load(-1, "kg")), Done(Load(5000, "kg")), Done(Load(881, "lb")),
    Done(Load(41, "plates")), Done(unparsed_load="40"),
    Skip(), Skip("too-hard"), Skip("no-equipment"), Skip("pain"),
    SkipExercise(), SkipExercise("no-time"), SkipExercise("pain"), Undo(), AskDose(),
    # needed here or later (the barbell), optional (the rope), needed nowhere (a step)
    MissingEquipment("barbell"), MissingEquipment("rope"), MissingEquipment("step"),
    Repeat(), Back(), Pause(), Resume(), Stop(), WhereAmI(), StartTimer(), StartTimer(45), StartTimer(500),
    StopTimer(),
    # a bare job, this position's running timer, a restarted timer's first job
    TimerUp(), TimerUp(0, T0), TimerUp(0, T0 - timedelta(seconds=20)),
    Expire(), Expire(timedelta(seconds=1)),
)  # fmt: skip


def check(state: SessionState | None, event: Event, now: datetime, button: int | None = None) -> Outcome:
    """Apply ``event`` with the real machine, compare it with the table and the invariants."""
    outcome = transition(state, event, LIBRARY, now, button_position=button)
    expected = expect(state, event, now, button)
    assert outcome == expected, (state, event, button)
    if expected.state is state:
        assert outcome.state is state, "an unchanged state is the same object: nothing to write"
    _check_step(state, outcome)
    return outcome


def _check_step(old: SessionState | None, outcome: Outcome) -> None:
    """What storage relies on, whatever the table says."""
    new = outcome.state
    if new is not None and new is not old:
        started = any(isinstance(o, Started) for o in outcome.outputs)
        assert new.version == (0 if started or old is None else old.version + 1), "one change, one version"
    records = [o for o in outcome.outputs if isinstance(o, Recorded)]
    assert len(records) <= 1
    assert all(r.load is None or r.slot.loggable_load for r in records)
    if any(isinstance(o, Summary) for o in outcome.outputs):
        assert new is not None and new.status == "finished"


def _state(
    status: SessionStatus | None, position: int, timer: bool = False, resolved: int | None = None, skipped: int = 0
) -> SessionState | None:
    """A calf session at ``position`` whose sets before ``resolved`` are done, but ``skipped`` of them."""
    if status is None:
        return None
    resolved = position if resolved is None else resolved
    ended = status in ("finished", "stopped", "expired")
    return SessionState(
        CALF,
        position,
        status,
        started_at=T0,
        last_activity_at=T0,
        timer_started_at=T0 if timer and status == "active" else None,
        sets_done=resolved - bin(skipped).count("1"),
        sets_skipped=bin(skipped).count("1"),
        version=3,
        finished_at=T0 if ended else None,
        skipped_mask=skipped,
    )


# First set with and without a running timer (Back there stays put), a later
# timed set, the loggable weighted raise, the last set, two revisits after
# "back" (to a skipped set and to a done one), and past the last set (how a
# finished session is stored).
PLACES = [
    {"position": 0},
    {"position": 0, "timer": True},
    {"position": 1, "timer": True},
    {"position": WEIGHTED},
    {"position": 20},
    {"position": 1, "resolved": 3, "skipped": 0b010},
    {"position": 2, "resolved": 4, "skipped": 0b010},
    {"position": 21, "resolved": 21, "skipped": 0b1 << 20},
]


def test_the_cells_name_every_event() -> None:
    assert {type(e) for e in EVENTS} == set(EVENT_TYPES)


def test_every_cell_of_the_table() -> None:
    # Five minutes after the last activity (a stop can still be taken back), and 31.
    for now in (T0 + timedelta(minutes=5), T0 + RESUME_STOPPED_WITHIN + timedelta(minutes=1)):
        for status in (None, *STATUSES):
            for place in PLACES:
                if status in LIVE and place["position"] >= len(CALF_SLOTS):
                    continue  # a live session is never past its last set
                state = _state(status, **place)  # type: ignore[arg-type]
                position = place["position"]
                for event in EVENTS:
                    for button in (None, position, position + 1):
                        check(state, event, now, button)


# --- random walks -------------------------------------------------------------------

LIVE = ("active", "paused")


@st.composite
def sessions(draw: st.DrawFn) -> SessionState | None:
    """Any session the machine could have stored: routine, status, position, done/skipped mix, timer."""
    status = draw(st.sampled_from((None, *STATUSES)))
    if status is None:
        return None
    routine = draw(st.sampled_from(ROUTINES))
    total = len(_slots(routine))
    if status == "finished":
        resolved = position = total
    else:
        resolved = draw(st.integers(0, total))
        position = draw(st.integers(0, min(resolved, total - 1)))
    skipped = draw(st.sets(st.integers(0, resolved - 1))) if resolved else set()
    last = T0 + draw(st.timedeltas(timedelta(0), timedelta(hours=2)))
    return SessionState(
        routine,
        position,
        status,
        started_at=T0,
        last_activity_at=last,
        timer_started_at=last if status == "active" and draw(st.booleans()) else None,
        sets_done=resolved - len(skipped),
        sets_skipped=len(skipped),
        version=draw(st.integers(0, 50)),
        finished_at=None if status in LIVE else last,
        skipped_mask=sum(1 << p for p in skipped),
    )


# Mostly a few seconds or minutes between messages; sometimes right at the
# abandon limit, or a day later.
WAITS = st.sampled_from(
    [timedelta(0), timedelta(seconds=10), timedelta(seconds=45), timedelta(minutes=2), timedelta(minutes=20)]
) | st.sampled_from(
    [RESUME_STOPPED_WITHIN, ABANDON_AFTER - timedelta(seconds=1), ABANDON_AFTER, timedelta(days=1)]
)
LOADS = st.builds(
    Load,
    amount=st.sampled_from([0, 40, 42.5, 400, 400.5, 880, 881, 40.0, 41, 9999, -0.5, -5]),
    unit=st.sampled_from(["kg", "lb", "plates"]),
)
DONES = st.one_of(
    st.just(Done()),
    st.builds(Done, load=LOADS),
    st.builds(Done, unparsed_load=st.sampled_from(["40", "6 stone"])),
)
# A set button carries a position: usually the current one, sometimes an older message's.
BUTTONS = st.none() | st.just("current") | st.integers(0, 21)
REASONS = st.sampled_from(SKIP_REASONS)
TIMEOUTS = st.none() | st.sampled_from([timedelta(seconds=1), timedelta(minutes=30), timedelta(hours=1)])


class SessionWalk(RuleBasedStateMachine):
    """A runner (and the shell's jobs) doing anything in any order; every step is held to the table."""

    def __init__(self) -> None:
        super().__init__()
        self.state: SessionState | None = None
        self.now = T0
        self.timers: list[TimerUp] = []  # every timer job the shell would have scheduled

    @initialize(state=sessions(), wait=WAITS)
    def resume_from_storage(self, state: SessionState | None, wait: timedelta) -> None:
        self.state = state
        self.now = (state.last_activity_at if state is not None else T0) + wait

    def apply(self, event: Event, button: int | None = None) -> None:
        # `pytest --hypothesis-show-statistics` lists the cells the walks reached.
        note_event(f"{self.state.status if self.state else 'none'} x {type(event).__name__}")
        outcome = check(self.state, event, self.now, button)
        self.timers += [TimerUp(o.position, o.started_at) for o in outcome.outputs if isinstance(o, TimerStarted)]
        self.state = outcome.state

    @rule(wait=WAITS)
    def time_passes(self, wait: timedelta) -> None:
        self.now += wait

    def press(self, event: Event, button: int | str | None) -> None:
        if button == "current":
            button = self.state.position if self.state is not None else 0
        assert not isinstance(button, str)
        self.apply(event, button)

    # One rule per command, so that each is drawn as often as the others.
    @rule(event=DONES, button=BUTTONS)
    def done(self, event: Done, button: int | str | None) -> None:
        self.press(event, button)

    @rule(button=BUTTONS)
    def skip(self, button: int | str | None) -> None:
        self.press(Skip(), button)

    @rule(button=BUTTONS)
    def repeat(self, button: int | str | None) -> None:
        self.press(Repeat(), button)

    @rule(button=BUTTONS)
    def back(self, button: int | str | None) -> None:
        self.press(Back(), button)

    @rule(button=BUTTONS)
    def pause(self, button: int | str | None) -> None:
        self.press(Pause(), button)

    @rule(button=BUTTONS)
    def resume(self, button: int | str | None) -> None:
        self.press(Resume(), button)

    @rule(button=BUTTONS)
    def stop(self, button: int | str | None) -> None:
        self.press(Stop(), button)

    @rule(button=BUTTONS)
    def where_am_i(self, button: int | str | None) -> None:
        self.press(WhereAmI(), button)

    @rule(button=BUTTONS)
    def start_timer(self, button: int | str | None) -> None:
        self.press(StartTimer(), button)

    @rule(button=BUTTONS)
    def stop_timer(self, button: int | str | None) -> None:
        self.press(StopTimer(), button)

    @rule(event=st.builds(Skip, REASONS), button=BUTTONS)
    def skip_saying_why(self, event: Skip, button: int | str | None) -> None:
        self.press(event, button)

    @rule(event=st.builds(SkipExercise, REASONS | st.none()), button=BUTTONS)
    def skip_exercise(self, event: SkipExercise, button: int | str | None) -> None:
        self.press(event, button)

    @rule(button=BUTTONS)
    def undo(self, button: int | str | None) -> None:
        self.press(Undo(), button)

    @rule(button=BUTTONS)
    def how_many_reps(self, button: int | str | None) -> None:
        self.press(AskDose(), button)

    @rule(item=st.sampled_from(["barbell", "rope", "step", "block", "dumbbells"]))
    def no_kit(self, item: str) -> None:
        self.press(MissingEquipment(item), None)

    @rule(routine=st.sampled_from([*ROUTINES, "nope"]))
    def session_command(self, routine: str) -> None:
        self.apply(Start(routine))

    @rule(data=st.data())
    def a_timer_job_fires(self, data: st.DataObject) -> None:
        """Any job scheduled so far, late or not, or one that carries no position."""
        self.apply(data.draw(st.sampled_from([TimerUp(), *self.timers])))

    @rule(timeout=TIMEOUTS)
    def the_sweeper_runs(self, timeout: timedelta | None) -> None:
        self.apply(Expire(timeout))

    @invariant()
    def positions_before_the_mark_are_resolved(self) -> None:
        state = self.state
        if state is None:
            return
        total = _total(state)
        assert 0 <= state.sets_done and 0 <= state.sets_skipped and state.resolved <= total
        assert bin(state.skipped_mask).count("1") == state.sets_skipped
        assert state.skipped_mask >> state.resolved == 0, "only resolved sets can be skipped"
        if state.live:
            assert 0 <= state.position <= state.resolved and state.position < total
        else:
            assert state.timer_started_at is None and state.finished_at is not None


SessionWalk.TestCase.settings = settings(max_examples=200, stateful_step_count=40)
test_session_walks = pytest.mark.slow(SessionWalk.TestCase)
