"""The guided-session state machine: flatten, transitions, buttons, timers, expiry.

The library is built by hand (``tests/session_library.py``, mirroring
content/data) so these tests do not depend on the content loader. Every event
in every status is checked against the documented table in
``test_workout_table.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from stridecoach.domain.workout import (
    ABANDON_AFTER,
    MAX_LOAD_KG,
    AlreadyFinished,
    AlreadyPaused,
    AtFirstSet,
    Back,
    Done,
    Event,
    Expire,
    Expired,
    Load,
    NoSession,
    NotTimed,
    Outcome,
    Pause,
    Paused,
    Position,
    PromptSet,
    Recorded,
    Refused,
    Repeat,
    Resume,
    Resumed,
    RoutineUnavailable,
    SessionInProgress,
    SessionState,
    Skip,
    Skipped,
    StaleButton,
    Start,
    Started,
    StartTimer,
    Stop,
    StopTimer,
    Stopped,
    Summary,
    TimerFinished,
    TimerStarted,
    TimerStopped,
    TimerUp,
    WhereAmI,
    DoseInfo,
    EquipmentLater,
    NoEquipmentNeeded,
    NothingToUndo,
    PainPaused,
    Undone,
    AskDose,
    MissingEquipment,
    Reopened,
    SkipExercise,
    Undo,
    button_applies,
    expected_position,
    flatten,
    is_abandoned,
    transition,
)
from stridecoach.content.model import Routine

from tests.session_library import (
    BACK,
    BACK_ROUTINE,
    BACK_SLOTS,
    CALF,
    CALF_SLOTS,
    EXERCISES,
    HOLLOW,
    LIBRARY,
    T0,
    WEIGHTED,
)


# --- helpers -------------------------------------------------------------------


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def step(state: SessionState | None, event: Event, minutes: float = 0, **kw: object) -> Outcome:
    return transition(state, event, LIBRARY, at(minutes), **kw)  # type: ignore[arg-type]


def started(routine_id: str = CALF) -> SessionState:
    state = step(None, Start(routine_id)).state
    assert state is not None
    return state


def at_position(position: int, routine_id: str = CALF, status: str = "active") -> SessionState:
    """A session that has done every set before ``position``."""
    return replace(started(routine_id), position=position, sets_done=position, status=status)  # type: ignore[arg-type]


def kinds(outcome: Outcome) -> list[type]:
    return [type(o) for o in outcome.outputs]


def one(outcome: Outcome, kind: type) -> object:
    found = [o for o in outcome.outputs if isinstance(o, kind)]
    assert len(found) == 1, outcome.outputs
    return found[0]


# --- flatten ---------------------------------------------------------------------


def test_flatten_counts() -> None:
    assert len(CALF_SLOTS) == 21
    assert len(BACK_SLOTS) == 8


def test_flatten_slot_fields() -> None:
    first = CALF_SLOTS[0]
    assert (first.exercise_id, first.exercise_index, first.exercise_count) == ("jump-rope", 0, 7)
    assert (first.set_no, first.set_count) == (1, 3)
    assert first.amount == "30-60 seconds"
    assert first.title == "Jumping rope"
    assert [s.cue for s in CALF_SLOTS[:3]] == ["Balls of your feet", "Land on your toes", "Light jumps"]

    raise_ = CALF_SLOTS[4]
    assert (raise_.exercise_id, raise_.exercise_index, raise_.set_no) == ("single-leg-calf-raise", 1, 2)
    assert raise_.amount == "10-15 reps on each side"
    assert raise_.timer_seconds is None and not raise_.timed


@pytest.mark.parametrize(
    ("slots", "position", "amount", "timer"),
    [
        (CALF_SLOTS, 0, "30-60 seconds", 30),  # jump rope: lower bound of the range
        (CALF_SLOTS, 6, "60-90 seconds", 60),  # toe walking
        (CALF_SLOTS, 9, "10-15 reps on each side", None),  # ankle knee push
        (CALF_SLOTS, 12, "8 reps", None),  # jumping half chair squat
        (CALF_SLOTS, 15, "8 reps, hold 3-5 s at the top", None),  # a hold per rep is not a timer
        (CALF_SLOTS, 18, "your load", None),  # weighted: no figure, the runner logs the load
        (BACK_SLOTS, 0, "once", None),  # glute test: one set, no figure
        (BACK_SLOTS, 1, "10 seconds", 10),  # hollow hold
        (BACK_SLOTS, 7, "up to 30 reps on each side", None),  # hip twist
    ],
)
def test_flatten_amounts_and_timers(slots: list, position: int, amount: str, timer: int | None) -> None:
    assert slots[position].amount == amount
    assert slots[position].timer_seconds == timer


def test_flatten_loggable_only_weighted() -> None:
    assert [s.exercise_id for s in CALF_SLOTS if s.loggable_load] == ["weighted-calf-raise"] * 3
    assert not any(s.loggable_load for s in BACK_SLOTS)


def test_flatten_without_exercises_falls_back_to_ids() -> None:
    slots = flatten(BACK_ROUTINE)
    assert slots[1].title == "hollow-body-hold" and slots[1].cue == ""


def test_flatten_empty_routine() -> None:
    assert flatten(Routine(id="empty", kind="routine", title="", answer="")) == []


# --- start --------------------------------------------------------------------------


def test_start_creates_active_session() -> None:
    outcome = step(None, Start(CALF))
    state = outcome.state
    assert state is not None
    assert (state.routine_id, state.position, state.status, state.version) == (CALF, 0, "active", 0)
    assert state.started_at == state.last_activity_at == T0
    assert outcome.outputs == (
        Started(CALF, 21, 7),
        PromptSet(CALF_SLOTS[0], 0, 21, reason="start"),
    )


def test_start_unknown_routine() -> None:
    outcome = step(None, Start("nope"))
    assert outcome == Outcome(None, (RoutineUnavailable("nope"),))


def test_start_while_live_offers_to_continue() -> None:
    for status in ("active", "paused"):
        state = at_position(4, status=status)
        outcome = step(state, Start(BACK), 1)
        assert outcome.state is state
        assert outcome.outputs == (SessionInProgress(CALF, CALF_SLOTS[4], 4, 21, paused=status == "paused"),)


@pytest.mark.parametrize("status", ["finished", "stopped", "expired"])
def test_start_after_an_ended_session_starts_afresh(status: str) -> None:
    old = replace(at_position(5), status=status, version=9)
    outcome = step(old, Start(BACK), 60)
    assert outcome.state is not None
    assert (outcome.state.routine_id, outcome.state.position, outcome.state.version) == (BACK, 0, 0)
    assert kinds(outcome) == [Started, PromptSet]


def test_start_over_an_abandoned_session_expires_it_first() -> None:
    old = at_position(5)
    outcome = step(old, Start(BACK), ABANDON_AFTER.total_seconds() / 60 + 1)
    assert kinds(outcome) == [Expired, Started, PromptSet]
    assert outcome.state is not None and outcome.state.routine_id == BACK


# --- full walks ----------------------------------------------------------------------


@pytest.mark.parametrize(("routine_id", "total"), [(CALF, 21), (BACK, 8)])
def test_full_walk_done_after_every_set(routine_id: str, total: int) -> None:
    state = started(routine_id)
    slots = flatten(LIBRARY.routines[routine_id], EXERCISES)
    recorded: list[Recorded] = []
    for position in range(total):
        outcome = step(state, Done(), minutes=position + 1)
        rec = one(outcome, Recorded)
        assert isinstance(rec, Recorded)
        assert (rec.position, rec.slot, rec.load, rec.replaces) == (position, slots[position], None, False)
        recorded.append(rec)
        if position < total - 1:
            assert outcome.outputs[-1] == PromptSet(slots[position + 1], position + 1, total, "next")
        state = outcome.state  # type: ignore[assignment]
    assert state.status == "finished"
    assert state.finished_at == at(total)
    assert outcome.outputs[-1] == Summary(routine_id, total, 0, total, timedelta(minutes=total))
    assert outcome.outputs[-1].complete  # type: ignore[union-attr]
    assert [r.position for r in recorded] == list(range(total))
    assert state.version == total
    # storage fields come straight from the slot
    assert (recorded[4].exercise_id, recorded[4].set_no, recorded[4].amount) == (
        slots[4].exercise_id, slots[4].set_no, slots[4].amount,
    )


def test_done_after_finish_says_already_finished() -> None:
    state = at_position(20)
    state = step(state, Done(), 30).state
    outcome = step(state, Done(), 31)
    assert outcome.state is state
    assert outcome.outputs == (AlreadyFinished(Summary(CALF, 21, 0, 21, timedelta(minutes=30))),)


# --- skip / back / repeat -----------------------------------------------------------


def test_skip_counts_and_moves_on() -> None:
    state = started()
    outcome = step(state, Skip(), 1)
    assert outcome.outputs == (Skipped(CALF_SLOTS[0], 0), PromptSet(CALF_SLOTS[1], 1, 21, "next"))
    assert outcome.state is not None
    assert (outcome.state.position, outcome.state.sets_skipped, outcome.state.sets_done) == (1, 1, 0)


def test_skip_on_last_set_finishes_with_summary() -> None:
    state = at_position(7, BACK)
    outcome = step(state, Skip(), 12)
    assert kinds(outcome) == [Skipped, Summary]
    assert outcome.outputs[-1] == Summary(BACK, 7, 1, 8, timedelta(minutes=12))
    assert outcome.state is not None and outcome.state.status == "finished"


def test_summary_numbers_mixed() -> None:
    state = started(BACK)
    for minute, event in enumerate([Done(), Skip(), Done(), Skip(), Skip(), Done(), Done(), Done()], 1):
        state = step(state, event, minute * 2).state  # type: ignore[assignment]
    assert state.status == "finished"
    assert (state.sets_done, state.sets_skipped) == (5, 3)


def test_repeat_reprompts_without_recording() -> None:
    state = at_position(3)
    outcome = step(state, Repeat(), 1)
    assert outcome.outputs == (PromptSet(CALF_SLOTS[3], 3, 21, "repeat"),)
    assert outcome.state is not None
    assert (outcome.state.position, outcome.state.sets_done) == (3, 3)


def test_back_at_first_set_stays_put() -> None:
    state = started()
    outcome = step(state, Back(), 1)
    assert outcome.outputs == (AtFirstSet(), PromptSet(CALF_SLOTS[0], 0, 21, "back"))
    assert outcome.state is not None and outcome.state.position == 0


def test_back_then_done_replaces_the_earlier_record() -> None:
    state = started()
    state = step(state, Done(), 1).state  # set 0 done
    outcome = step(state, Back(), 2)
    assert outcome.outputs == (PromptSet(CALF_SLOTS[0], 0, 21, "back", revisit=True),)
    outcome = step(outcome.state, Done(), 3)
    assert outcome.outputs[0] == Recorded(CALF_SLOTS[0], 0, None, replaces=True)
    assert outcome.state is not None
    assert (outcome.state.position, outcome.state.sets_done, outcome.state.sets_skipped) == (1, 1, 0)
    assert outcome.outputs[1] == PromptSet(CALF_SLOTS[1], 1, 21, "next", revisit=False)


def test_back_to_a_skipped_set_then_done_moves_it_to_done() -> None:
    state = step(started(), Skip(), 1).state
    state = step(state, Back(), 2).state
    outcome = step(state, Done(), 3)
    assert outcome.outputs[0] == Recorded(CALF_SLOTS[0], 0, None, replaces=False, was_skipped=True)
    assert outcome.state is not None
    assert (outcome.state.sets_done, outcome.state.sets_skipped, outcome.state.skipped_mask) == (1, 0, 0)


def test_back_then_skip_keeps_the_earlier_result() -> None:
    state = step(started(), Done(), 1).state
    state = step(state, Back(), 2).state
    outcome = step(state, Skip(), 3)
    assert outcome.outputs[0] == Skipped(CALF_SLOTS[0], 0, counted=False)
    assert outcome.state is not None
    assert (outcome.state.position, outcome.state.sets_done, outcome.state.sets_skipped) == (1, 1, 0)


def test_back_twice_then_walk_forward_counts_once() -> None:
    state = started()
    for minute in range(1, 4):
        state = step(state, Done(), minute).state  # type: ignore[assignment]
    state = step(state, Back(), 4).state  # type: ignore[assignment]
    state = step(state, Back(), 5).state  # type: ignore[assignment]
    assert state.position == 1
    for minute in range(6, 8):
        state = step(state, Done(), minute).state  # type: ignore[assignment]
    assert (state.position, state.sets_done) == (3, 3)


# --- pause / resume / stop / where ---------------------------------------------


def test_pause_and_resume() -> None:
    state = at_position(2)
    outcome = step(state, Pause(), 1)
    assert outcome.outputs == (Paused(CALF_SLOTS[2], 2, 21),)
    paused = outcome.state
    assert paused is not None and paused.status == "paused"
    assert step(paused, Pause(), 2).outputs == (AlreadyPaused(),)
    outcome = step(paused, Resume(), 3)
    assert outcome.outputs == (Resumed(), PromptSet(CALF_SLOTS[2], 2, 21, "resume"))
    assert outcome.state is not None and outcome.state.status == "active"


def test_resume_when_active_just_shows_the_set() -> None:
    outcome = step(at_position(2), Resume(), 1)
    assert outcome.outputs == (PromptSet(CALF_SLOTS[2], 2, 21, "resume"),)


def test_done_while_paused_resumes_and_records() -> None:
    paused = at_position(2, status="paused")
    outcome = step(paused, Done(), 1)
    assert kinds(outcome) == [Resumed, Recorded, PromptSet]
    assert outcome.state is not None
    assert (outcome.state.status, outcome.state.position, outcome.state.sets_done) == ("active", 3, 3)


@pytest.mark.parametrize("status", ["active", "paused"])
def test_stop_gives_summary(status: str) -> None:
    state = replace(at_position(5, status=status), sets_done=4, sets_skipped=1)
    outcome = step(state, Stop(), 20)
    summary = Summary(CALF, 4, 1, 21, timedelta(minutes=20))
    assert outcome.outputs == (Stopped(summary),)
    assert summary.sets_not_reached == 16 and not summary.complete
    assert outcome.state is not None
    assert (outcome.state.status, outcome.state.finished_at) == ("stopped", at(20))


@pytest.mark.parametrize("status", ["active", "paused"])
def test_where_am_i(status: str) -> None:
    state = at_position(9, status=status)
    outcome = step(state, WhereAmI(), 1)
    assert outcome.outputs == (Position(CALF_SLOTS[9], 9, 21, status == "paused", 9, 0),)
    assert outcome.state is not None and outcome.state.status == status


# --- loads ---------------------------------------------------------------------


@pytest.mark.parametrize("load", [Load(40, "kg"), Load(90, "lb"), Load(2, "plates"), Load(0, "kg")])
def test_load_accepted_on_loggable_set(load: Load) -> None:
    outcome = step(at_position(WEIGHTED), Done(load), 1)
    assert outcome.outputs[0] == Recorded(CALF_SLOTS[WEIGHTED], WEIGHTED, load)


@pytest.mark.parametrize(
    ("load", "reason", "typed", "limit"),
    [
        (Load(-5, "kg"), "negative", "-5 kg", None),
        (Load(9999, "plates"), "too_heavy", "9999 plates", Load(40, "plates")),
        (Load(5000, "kg"), "too_heavy", "5000 kg", Load(MAX_LOAD_KG, "kg")),
    ],
)
def test_bad_load_refused_and_set_stays_open(load: Load, reason: str, typed: str, limit: Load | None) -> None:
    state = at_position(WEIGHTED)
    outcome = step(state, Done(load), 1)
    assert outcome.outputs == (Refused(reason, typed, limit),)  # type: ignore[arg-type]
    assert outcome.state is not None
    assert (outcome.state.position, outcome.state.sets_done) == (WEIGHTED, WEIGHTED)
    # the runner then logs a sane load
    assert kinds(step(outcome.state, Done(Load(40, "kg")), 2)) == [Recorded, PromptSet]


def test_load_without_unit_refused_as_unclear_on_loggable_set() -> None:
    outcome = step(at_position(WEIGHTED), Done(unparsed_load="40"), 1)
    assert outcome.outputs == (Refused("unclear", "40"),)


@pytest.mark.parametrize("event", [Done(Load(40, "kg")), Done(Load(-5, "kg")), Done(unparsed_load="40")])
def test_load_on_a_normal_set_is_ignored_but_counts(event: Done) -> None:
    outcome = step(at_position(3), event, 1)
    assert outcome.outputs[0] == Recorded(CALF_SLOTS[3], 3, None)
    assert outcome.state is not None and outcome.state.sets_done == 4


def test_last_weighted_set_with_load_finishes() -> None:
    outcome = step(at_position(20), Done(Load(60, "kg")), 25)
    assert kinds(outcome) == [Recorded, Summary]
    assert outcome.outputs[0] == Recorded(CALF_SLOTS[20], 20, Load(60, "kg"))


# --- buttons ---------------------------------------------------------------------


def test_button_applies_only_to_the_live_position() -> None:
    state = at_position(4)
    assert button_applies(state, 4) and expected_position(state) == 4
    assert not button_applies(state, 3)
    assert not button_applies(None, 0) and expected_position(None) is None
    assert not button_applies(replace(state, status="finished"), 4)
    assert button_applies(replace(state, status="paused"), 4)


def test_second_press_of_done_records_once() -> None:
    state = at_position(4)
    first = step(state, Done(), 1, button_position=4)
    second = step(first.state, Done(), 1, button_position=4)
    assert kinds(first) == [Recorded, PromptSet]
    assert second.state is first.state
    assert second.outputs == (StaleButton(4, Position(CALF_SLOTS[5], 5, 21, False, 5, 0)),)


def test_old_skip_button_never_acts_on_another_set() -> None:
    state = at_position(6)
    outcome = step(state, Skip(), 1, button_position=2)
    assert outcome.state is state
    assert kinds(outcome) == [StaleButton]


def test_button_after_back_acts_on_its_own_set_without_double_counting() -> None:
    state = step(at_position(4), Done(), 1, button_position=4).state
    state = step(state, Back(), 2).state  # position 4 again
    outcome = step(state, Done(), 3, button_position=4)  # the old message's Done
    assert outcome.outputs[0] == Recorded(CALF_SLOTS[4], 4, None, replaces=True)
    assert outcome.state is not None and outcome.state.sets_done == 5


def test_button_on_ended_session_reports_end() -> None:
    state = replace(at_position(4), status="stopped")
    assert step(state, Done(), 1, button_position=4).outputs == (NoSession("stopped"),)


# --- timers ------------------------------------------------------------------------


def test_timer_on_timed_set() -> None:
    state = started()
    outcome = step(state, StartTimer(), 1)
    assert outcome.outputs == (TimerStarted(30, 0, at(1)),)
    timing = outcome.state
    assert timing is not None and timing.timer_started_at == at(1)
    up = step(timing, TimerUp(0, at(1)), 1.5)
    assert up.outputs == (TimerFinished(CALF_SLOTS[0], 0),)
    assert up.state is not None
    assert up.state.timer_started_at is None
    assert up.state.last_activity_at == at(1)  # a timer is not runner activity
    assert up.state.version == timing.version + 1


def test_timer_on_hollow_hold_is_ten_seconds() -> None:
    outcome = step(at_position(HOLLOW, BACK), StartTimer(), 1)
    assert outcome.outputs == (TimerStarted(10, HOLLOW, at(1)),)


def test_timer_on_untimed_set_is_refused_politely() -> None:
    state = at_position(3)
    outcome = step(state, StartTimer(), 1)
    assert outcome.outputs == (NotTimed(CALF_SLOTS[3]),)
    assert outcome.state is not None and outcome.state.timer_started_at is None


@pytest.mark.parametrize(
    "after_start",
    [[Done()], [Skip()], [Back()], [Repeat()], [Pause()], [Stop()], [Pause(), Resume()]],
)
def test_stale_timer_is_silent(after_start: list[Event]) -> None:
    state = step(at_position(1), StartTimer(), 1).state
    for event in after_start:
        state = step(state, event, 1.2).state
    outcome = step(state, TimerUp(1, at(1)), 1.5)
    assert outcome.outputs == ()
    assert outcome.state is state


def test_restarted_timer_ignores_the_first_job() -> None:
    state = step(started(), StartTimer(), 1).state
    state = step(state, StartTimer(), 1.25).state
    assert step(state, TimerUp(0, at(1)), 1.5).outputs == ()
    assert step(state, TimerUp(0, at(1.25)), 1.75).outputs == (TimerFinished(CALF_SLOTS[0], 0),)


def test_stop_timer_stops_a_running_timer_and_its_job_goes_silent() -> None:
    timing = step(started(), StartTimer(), 1).state
    outcome = step(timing, StopTimer(), 1.2)
    assert outcome.outputs == (TimerStopped(CALF_SLOTS[0], 0, was_running=True),)
    assert outcome.state is not None and outcome.state.timer_started_at is None
    assert outcome.state.position == 0 and outcome.state.sets_done == 0  # the set stays open
    assert step(outcome.state, TimerUp(0, at(1)), 1.5).outputs == ()


def test_stop_timer_without_a_timer_says_so_and_keeps_a_pause() -> None:
    assert step(started(), StopTimer(), 1).outputs == (TimerStopped(CALF_SLOTS[0], 0, was_running=False),)
    paused = step(started(), Pause(), 1).state
    outcome = step(paused, StopTimer(), 2)
    assert outcome.outputs == (TimerStopped(CALF_SLOTS[0], 0, was_running=False),)
    assert outcome.state is not None and outcome.state.status == "paused"


def test_bare_timer_up_without_running_timer_is_silent() -> None:
    state = started()
    assert step(state, TimerUp(), 1).outputs == ()


# --- expiry -----------------------------------------------------------------------


def test_is_abandoned() -> None:
    state = started()
    hours = ABANDON_AFTER.total_seconds() / 60
    assert not is_abandoned(state, at(hours - 1))
    assert is_abandoned(state, at(hours))
    assert is_abandoned(state, at(31), timeout=timedelta(minutes=30))
    assert not is_abandoned(replace(state, status="finished"), at(hours * 10))
    assert not is_abandoned(None, at(0))
    assert ABANDON_AFTER == timedelta(hours=6)


def test_expire_closes_abandoned_session() -> None:
    state = step(at_position(3), Done(), 10).state
    outcome = step(state, Expire(), 10 + 7 * 60)
    assert outcome.outputs == (Expired(Summary(CALF, 4, 0, 21, timedelta(minutes=10))),)
    assert outcome.state is not None
    assert (outcome.state.status, outcome.state.finished_at) == ("expired", at(10))


def test_expire_is_a_no_op_when_the_runner_came_back() -> None:
    state = step(at_position(3), Done(), 60).state
    outcome = step(state, Expire(), 61)
    assert outcome.state is state and outcome.outputs == ()


def test_expire_honours_custom_timeout() -> None:
    state = started()
    assert kinds(step(state, Expire(timedelta(minutes=30)), 31)) == [Expired]


def test_the_abandon_timeout_is_the_callers() -> None:
    """The operator's SESSION_TIMEOUT_HOURS reaches every check, not only Expire."""
    state = at_position(3)
    hour = timedelta(hours=1)
    outcome = step(state, Done(), 90, abandon_after=hour)
    assert kinds(outcome) == [Expired, NoSession]
    assert kinds(step(state, Done(), 90)) == [Recorded, PromptSet]  # the 6-hour default
    restarted = step(state, Start(CALF), 90, abandon_after=hour)
    assert isinstance(restarted.outputs[0], Expired)


def test_done_the_next_day_does_not_record_into_old_session() -> None:
    state = at_position(3)
    outcome = step(state, Done(), 24 * 60)
    assert kinds(outcome) == [Expired, NoSession]
    assert outcome.outputs[-1] == NoSession("expired")
    assert not any(isinstance(o, Recorded) for o in outcome.outputs)


# --- content changed under a live session ---------------------------------------------


def test_routine_removed_under_live_session() -> None:
    state = replace(started(), routine_id="gone")
    outcome = step(state, Done(), 1)
    assert outcome.outputs == (RoutineUnavailable("gone"),)
    assert outcome.state is not None and outcome.state.status == "stopped"


def test_routine_shorter_than_position_finishes() -> None:
    state = replace(at_position(7, BACK), position=12, sets_done=12)
    outcome = step(state, Done(), 1)
    assert kinds(outcome) == [Summary]
    assert outcome.state is not None and outcome.state.status == "finished"


def test_naive_now_is_a_caller_bug() -> None:
    with pytest.raises(ValueError):
        transition(None, Start(CALF), LIBRARY, datetime(2026, 3, 2, 9, 0))


# --- storage round trip ------------------------------------------------------------


def test_state_columns_round_trip() -> None:
    state = step(started(), Skip(), 1).state
    assert state is not None
    columns = state.as_columns()
    assert set(columns) >= {
        "routine_id", "position", "status", "started_at", "last_activity_at", "timer_started_at",
        "sets_done", "sets_skipped", "version", "finished_at", "skipped_mask",
    }

    class Row:  # e.g. a WorkoutSession row, possibly without skipped_mask
        pass

    row = Row()
    for name, value in columns.items():
        setattr(row, name, value)
    assert SessionState.from_record(row) == state
    del row.skipped_mask  # type: ignore[attr-defined]
    assert SessionState.from_record(row) == replace(state, skipped_mask=0)


# --- set text: what each prompt line adds (real content) ---------------------------


def test_note_tip_drops_what_repeats_the_dose() -> None:
    from stridecoach.domain.workout_slots import note_tip

    assert note_tip("10-15 reps, then switch feet.", "10-15 reps on each side", 3) == ""
    assert note_tip("Up to 30 twists per side, small range first.", "up to 30 reps on each side", 1) == (
        "Small range first."
    )
    assert note_tip("10 seconds per round, 6 rounds; increase time as needed.", "10 seconds", 6) == (
        "Increase time as needed."
    )
    assert note_tip("Toes up on a 3-4 inch mat or block; 10-15 reps each leg.", "10-15 reps on each side", 3) == (
        "Toes up on a 3-4 inch mat or block."
    )
    # Other numbers are information, not the dose.
    toe = "The article says 3 to 5 sets; we walk 3, and up to 5 is fine."
    assert note_tip(toe, "60-90 seconds", 3) == toe
    jump = "Jump on the balls of your feet; land on your toes, not flat-footed."
    assert note_tip(jump, "30-60 seconds", 3) == jump


def test_repeats_spots_a_cue_that_says_the_note_again() -> None:
    from stridecoach.domain.workout_slots import repeats

    jump = "Jump on the balls of your feet; land on your toes, not flat-footed."
    assert repeats("Stay on the balls of your feet", jump)
    assert not repeats("Light, springy jumps in place", jump)
    assert repeats("Switch feet after 10-15 reps", "", "10-15 reps on each side")


def test_real_routines_amounts_are_short_and_notes_show_once() -> None:
    from stridecoach.content.loader import default_library

    library = default_library()
    calf = flatten(library.routines["calf-routine"], library.exercises)
    back = flatten(library.routines["back-routine"], library.exercises)
    weighted = [s for s in calf if s.loggable_load]
    assert [s.amount for s in weighted] == ["your load"] * 3  # the /export amount column
    assert "no fixed number" in weighted[0].tip
    assert [s.tip for s in weighted[1:]] == ["", ""]
    glute = back[0]
    assert (glute.amount, glute.tip) == ("once", "")
    assert glute.dose.startswith("Once, before the drills")
    assert all(len(s.amount) <= 30 for s in calf + back)


# --- forgiving controls: stop undoable, undo, skip exercise, skip reasons ------------


def test_resume_shortly_after_stop_reopens_at_the_same_set() -> None:
    stopped = step(at_position(4), Stop(), 1).state
    assert stopped is not None and stopped.status == "stopped"

    reopened = step(stopped, Resume(), 20)
    assert kinds(reopened) == [Reopened, PromptSet]
    assert reopened.state is not None and reopened.state.status == "active"
    assert reopened.state.position == 4 and reopened.state.sets_done == 4
    assert reopened.state.finished_at is None


def test_resume_long_after_stop_finds_no_session_and_changes_nothing() -> None:
    stopped = step(at_position(4), Stop(), 1).state
    late = step(stopped, Resume(), 1 + 31)
    assert kinds(late) == [NoSession] and late.state is stopped


def test_undo_takes_back_the_last_done_and_reopens_that_set() -> None:
    state = step(started(), Done(), 1).state
    state = step(state, Done(), 2).state
    assert state is not None and state.sets_done == 2

    undone = step(state, Undo(), 3)
    assert kinds(undone) == [Undone, PromptSet]
    out = one(undone, Undone)
    assert isinstance(out, Undone) and out.position == 1 and not out.was_skipped
    assert undone.state is not None and undone.state.position == 1 and undone.state.sets_done == 1


def test_undo_with_nothing_to_undo_says_so_and_keeps_the_state_counts() -> None:
    first = started()
    outcome = step(first, Undo(), 1)
    assert kinds(outcome)[0] is NothingToUndo
    assert outcome.state is not None and outcome.state.sets_done == 0 and outcome.state.position == 0


def test_undo_after_the_last_set_reopens_the_finished_session() -> None:
    state = at_position(len(BACK_SLOTS) - 1, BACK)
    finished = step(state, Done(), 1).state
    assert finished is not None and finished.status == "finished"
    undone = step(finished, Undo(), 2)
    assert kinds(undone) == [Reopened, Undone, PromptSet]
    assert undone.state is not None and undone.state.live
    assert undone.state.sets_done == len(BACK_SLOTS) - 1


def test_skip_exercise_skips_the_rest_of_the_exercise_with_its_reason() -> None:
    state = step(started(), Done(), 1).state  # jump rope set 1 done
    outcome = step(state, SkipExercise("no-time"), 2)
    skipped = [o for o in outcome.outputs if isinstance(o, Skipped)]
    assert [s.position for s in skipped] == [1, 2]
    assert all(s.reason == "no-time" and s.whole_exercise for s in skipped)
    assert outcome.state is not None and outcome.state.position == 3
    prompt = one(outcome, PromptSet)
    assert isinstance(prompt, PromptSet) and prompt.slot.exercise_id == "single-leg-calf-raise"


def test_no_barbell_skips_the_weighted_raise_and_no_rope_keeps_the_jump_rope() -> None:
    outcome = step(at_position(WEIGHTED), MissingEquipment("barbell"), 1)
    assert [o.reason for o in outcome.outputs if isinstance(o, Skipped)] == ["no-equipment"] * 3
    assert outcome.state is not None and outcome.state.status == "finished"

    rope = step(started(), MissingEquipment("rope"), 1)
    assert kinds(rope) == [NoEquipmentNeeded, PromptSet]
    assert rope.state is not None and rope.state.position == 0 and rope.state.sets_skipped == 0

    later = step(started(), MissingEquipment("barbell"), 1)
    out = one(later, EquipmentLater)
    assert isinstance(out, EquipmentLater) and out.needed_by == "Weighted calf raise (barbell)"


def test_skip_because_it_hurts_pauses_instead_of_skipping() -> None:
    outcome = step(at_position(2), Skip("pain"), 1)
    assert kinds(outcome) == [PainPaused]
    assert outcome.state is not None and outcome.state.status == "paused" and outcome.state.sets_skipped == 0


def test_how_many_reps_mid_set_says_the_dose_and_changes_nothing_else() -> None:
    state = at_position(3)
    outcome = step(state, AskDose(), 1)
    out = one(outcome, DoseInfo)
    assert isinstance(out, DoseInfo) and out.slot.amount == "10-15 reps on each side"
    assert outcome.state is not None and outcome.state.position == 3 and outcome.state.sets_done == 3
