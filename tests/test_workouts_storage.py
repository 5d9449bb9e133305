"""The session repository on a fresh SQLite file per test: state rows, completions, exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from stridecoach.domain.workout import Done, Load, Skip, Start, Stop, transition
from stridecoach.content import load_library
from stridecoach.content.model import Library
from stridecoach.storage import progress, workouts
from stridecoach.storage.db import Database
from stridecoach.storage.models import CompletedSet, ProcessedUpdate, Schedule

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
RUNNER = 7


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def _step(db: Database, library: Library, event: object, *, update_id: int | None, at: datetime = NOW,
          runner: int = RUNNER) -> workouts.SessionRow | None:
    """One update's unit of work, as the handler does it."""
    with db.session() as session:
        if update_id is not None and not workouts.claim_update(session, update_id=update_id, now=at):
            return None
        row = workouts.latest_session(session, runner_id=runner)
        outcome = transition(workouts.state_of(row), event, library, at)  # type: ignore[arg-type]
        return workouts.apply_outcome(session, runner_id=runner, row=row, outcome=outcome, now=at,
                                      update_id=update_id)


def _sets(db: Database) -> list[CompletedSet]:
    with db.session() as session:
        return list(session.exec(select(CompletedSet).order_by(CompletedSet.position)).all())  # type: ignore[arg-type]


def test_start_creates_the_row_and_the_row_is_the_state(db: Database, library: Library) -> None:
    row = _step(db, library, Start("back-routine"), update_id=None)
    assert row is not None and row.id is not None
    with db.session() as session:
        stored = workouts.latest_session(session, runner_id=RUNNER)
        state = workouts.state_of(stored)
    assert state is not None
    assert (state.routine_id, state.position, state.status, state.version) == ("back-routine", 0, "active", 0)
    assert state.started_at == NOW and state.started_at.tzinfo is not None


def test_done_records_a_set_and_advances_in_one_transaction(db: Database, library: Library) -> None:
    _step(db, library, Start("calf-routine"), update_id=None)
    row = _step(db, library, Done(), update_id=101, at=NOW + timedelta(seconds=40))
    assert row is not None and (row.position, row.sets_done, row.version) == (1, 1, 1)
    (done,) = _sets(db)
    assert (done.exercise_id, done.set_no, done.position, done.update_id) == ("jump-rope", 1, 0, 101)
    assert done.amount == "30-60 seconds"
    assert done.completed_at == NOW + timedelta(seconds=40)


def test_a_redelivered_update_id_is_a_no_op(db: Database, library: Library) -> None:
    _step(db, library, Start("calf-routine"), update_id=None)
    assert _step(db, library, Done(), update_id=101) is not None
    assert _step(db, library, Done(), update_id=101) is None  # claimed already
    assert len(_sets(db)) == 1
    with db.session() as session:
        assert workouts.latest_session(session, runner_id=RUNNER).position == 1  # type: ignore[union-attr]


def test_a_failed_unit_of_work_leaves_the_update_unclaimed(db: Database, library: Library) -> None:
    _step(db, library, Start("calf-routine"), update_id=None)
    with pytest.raises(RuntimeError), db.session() as session:
        assert workouts.claim_update(session, update_id=5, now=NOW)
        raise RuntimeError("crash before commit")
    # The crash rolled the claim back: the redelivered update is applied normally.
    assert _step(db, library, Done(), update_id=5) is not None
    assert len(_sets(db)) == 1


def test_a_completion_is_stored_once_per_position_even_if_recorded_twice(db: Database, library: Library) -> None:
    _step(db, library, Start("calf-routine"), update_id=None)
    with db.session() as session:
        row = workouts.latest_session(session, runner_id=RUNNER)
        assert row is not None
        outcome = transition(workouts.state_of(row), Done(), library, NOW)
        recorded = outcome.outputs[0]
        assert workouts.record_completion(session, row=row, recorded=recorded, update_id=1, now=NOW)  # type: ignore[arg-type]
        assert not workouts.record_completion(session, row=row, recorded=recorded, update_id=2, now=NOW)  # type: ignore[arg-type]
    assert len(_sets(db)) == 1


def test_a_set_redone_after_back_updates_its_row(db: Database, library: Library) -> None:
    from stridecoach.domain.workout import Back

    _step(db, library, Start("calf-routine"), update_id=None)
    for position in range(18):
        _step(db, library, Done(), update_id=100 + position)
    _step(db, library, Done(Load(40, "kg")), update_id=200)
    _step(db, library, Back(), update_id=201)
    _step(db, library, Done(Load(45, "kg")), update_id=202, at=NOW + timedelta(minutes=1))
    weighted = [s for s in _sets(db) if s.exercise_id == "weighted-calf-raise"]
    assert [(s.position, s.load_amount, s.load_unit, s.update_id) for s in weighted] == [(18, 45, "kg", 202)]


def test_state_writes_are_compare_and_swap(db: Database, library: Library) -> None:
    _step(db, library, Start("calf-routine"), update_id=None)
    with db.session() as session:
        stale = workouts.latest_session(session, runner_id=RUNNER)  # plain values, kept after the commit
        assert stale is not None
    _step(db, library, Done(), update_id=1)  # another writer moves the session on
    with pytest.raises(workouts.StaleSessionError), db.session() as session:
        assert workouts.claim_update(session, update_id=2, now=NOW)
        outcome = transition(workouts.state_of(stale), Skip(), library, NOW)
        workouts.apply_outcome(session, runner_id=RUNNER, row=stale, outcome=outcome, now=NOW, update_id=2)
    with db.session() as session:
        row = workouts.latest_session(session, runner_id=RUNNER)
        assert row is not None and (row.sets_done, row.sets_skipped) == (1, 0)
        assert session.get(ProcessedUpdate, 2) is None  # rolled back with the failed write


def test_prompt_message_is_only_written_for_the_current_version(db: Database, library: Library) -> None:
    row = _step(db, library, Start("calf-routine"), update_id=None)
    assert row is not None and row.id is not None
    with db.session() as session:
        assert workouts.set_prompt_message(session, session_id=row.id, message_id=10, version=0)
    _step(db, library, Done(), update_id=1)
    with db.session() as session:
        assert not workouts.set_prompt_message(session, session_id=row.id, message_id=11, version=0)
        assert workouts.get_session(session, session_id=row.id).prompt_message_id == 10  # type: ignore[union-attr]


def test_abandoned_sessions_and_running_timers_queries(db: Database, library: Library) -> None:
    from stridecoach.domain.workout import StartTimer

    _step(db, library, Start("calf-routine"), update_id=None, runner=1)
    _step(db, library, Start("calf-routine"), update_id=None, runner=2, at=NOW + timedelta(hours=5))
    _step(db, library, StartTimer(), update_id=9, runner=2, at=NOW + timedelta(hours=5))
    _step(db, library, Start("back-routine"), update_id=None, runner=3)
    _step(db, library, Stop(), update_id=10, runner=3)
    with db.session() as session:
        idle = workouts.abandoned_sessions(session, before=NOW + timedelta(hours=1))
        timers = workouts.running_timers(session)
    assert [r.runner_id for r in idle] == [1]  # runner 3's session is over already
    assert [r.runner_id for r in timers] == [2]


def test_old_update_ids_are_pruned(db: Database) -> None:
    with db.session() as session:
        workouts.claim_update(session, update_id=1, now=NOW - timedelta(hours=50))
        workouts.claim_update(session, update_id=2, now=NOW)
    with db.session() as session:
        assert workouts.prune_processed_updates(session, before=NOW - timedelta(hours=48)) == 1
        assert workouts.claim_update(session, update_id=2, now=NOW) is False


def test_progress_queries_read_one_runners_data(db: Database, library: Library) -> None:
    _step(db, library, Start("back-routine"), update_id=None)
    for uid in (1, 2):
        _step(db, library, Done(), update_id=uid, at=NOW + timedelta(minutes=uid))
    _step(db, library, Start("back-routine"), update_id=None, runner=99)
    _step(db, library, Done(), update_id=50, runner=99)
    with db.session() as session:
        session.add(Schedule(runner_id=RUNNER, zone="Europe/Berlin"))
    with db.session() as session:
        assert progress.runner_zone(session, runner_id=RUNNER) == "Europe/Berlin"
        assert progress.runner_zone(session, runner_id=99) is None
        (record,) = progress.session_records(session, runner_id=RUNNER)
        assert (record.routine_id, record.sets_done, record.status) == ("back-routine", 2, "active")
        assert [s.exercise_id for s in progress.set_records(session, runner_id=RUNNER)] == [
            "glute-engagement-test", "hollow-body-hold"
        ]
        rows = list(progress.export_rows(session, runner_id=RUNNER))
    assert [(r.exercise_id, r.set_no, r.session_status) for r in rows] == [
        ("glute-engagement-test", 1, "active"), ("hollow-body-hold", 1, "active")
    ]


def test_export_rows_page_through_long_histories(db: Database, library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "_EXPORT_PAGE", 4)
    uid = 0
    for day in range(2):
        _step(db, library, Start("back-routine"), update_id=None, at=NOW + timedelta(days=day))
        for _ in range(8):
            uid += 1
            _step(db, library, Done(), update_id=uid, at=NOW + timedelta(days=day, minutes=uid))
    with db.session() as session:
        rows = list(progress.export_rows(session, runner_id=RUNNER))
    assert len(rows) == 16
    assert [r.session_status for r in rows] == ["finished"] * 16
    assert rows == sorted(rows, key=lambda r: r.completed_at)
