"""The unit of work of a "done" (`Database.unit()`): on SQLite it runs on the DBAPI cursor
with statements compiled once (storage/direct.py); on PostgreSQL it is an ORM session.

What a runner would notice if the direct path went wrong: a set stored with another
time or load than the rest of the bot reads back, half a "done" kept after an error, a
reply they saw treated as unsent. Each test runs on every database the suite has, so
both paths must give the same answers.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import exc, insert, select

from stridecoach.content import load_library
from stridecoach.content.model import Library
from stridecoach.domain.workout import Done, Load, Start, transition
from stridecoach.storage import inbox as inbox_store
from stridecoach.storage import outbox as outbox_store
from stridecoach.storage import workouts
from stridecoach.storage.db import Database
from stridecoach.storage.models import CompletedSet, ProcessedUpdate, WorkoutSession, table_of

AT = datetime(2026, 3, 2, 9, 0, 5, 123456, tzinfo=timezone.utc)
RUNNER = 6_000_000_123  # Telegram ids pass 2**31
WEIGHTED_POSITION = 18  # the calf routine's weighted calf raise


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def _done(db: Database, library: Library, *, update_id: int, at: datetime, load: Load | None = None) -> None:
    """A "done" as the handler applies it: one hot unit of work."""
    with db.unit() as unit:
        assert workouts.claim_update(unit, update_id=update_id, now=at)
        row = workouts.latest_session(unit, runner_id=RUNNER)
        outcome = transition(workouts.state_of(row), Done(load), library, at)
        workouts.apply_outcome(unit, runner_id=RUNNER, row=row, outcome=outcome, now=at, update_id=update_id)


def _start(db: Database, library: Library) -> int:
    with db.session() as session:
        outcome = transition(None, Start("calf-routine"), library, AT)
        row = workouts.apply_outcome(session, runner_id=RUNNER, row=None, outcome=outcome, now=AT)
    assert row is not None
    return row.id


def _sets(db: Database) -> list[CompletedSet]:
    with db.session() as session:
        return list(session.scalars(select(CompletedSet).order_by(CompletedSet.position)).all())  # type: ignore[arg-type]


def test_a_set_done_on_the_hot_path_reads_back_with_its_exact_time_and_load(db: Database, library: Library) -> None:
    session_id = _start(db, library)
    for position in range(WEIGHTED_POSITION):
        _done(db, library, update_id=2**40 + position, at=AT + timedelta(seconds=40 * position))
    weighted_at = AT + timedelta(minutes=20, microseconds=654321)
    _done(db, library, update_id=2**40 + 99, at=weighted_at, load=Load(42.5, "kg"))

    rows = _sets(db)  # read through the ORM, as /progress and /export do
    assert [r.position for r in rows] == list(range(WEIGHTED_POSITION + 1))
    assert rows[0].completed_at == AT and rows[0].completed_at.tzinfo is not None
    weighted = rows[-1]
    assert (weighted.exercise_id, weighted.load_amount, weighted.load_unit) == ("weighted-calf-raise", 42.5, "kg")
    assert (weighted.completed_at, weighted.update_id, weighted.runner_id) == (weighted_at, 2**40 + 99, RUNNER)
    assert all(r.load_amount is None and r.load_unit is None for r in rows[:-1])
    with db.session() as session:
        stored = session.get(WorkoutSession, session_id)
        assert stored is not None
        assert (stored.position, stored.sets_done, stored.version) == (WEIGHTED_POSITION + 1, WEIGHTED_POSITION + 1,
                                                                        WEIGHTED_POSITION + 1)
        assert stored.last_activity_at == weighted_at and stored.started_at == AT
        through_the_session = workouts.latest_session(session, runner_id=RUNNER)
    with db.unit() as unit:  # the hot path reads the row exactly as the ORM session does
        assert workouts.latest_session(unit, runner_id=RUNNER) == through_the_session


def test_a_database_error_half_way_through_a_done_keeps_none_of_it(db: Database, library: Library) -> None:
    _start(db, library)
    with pytest.raises(exc.IntegrityError), db.unit() as unit:
        assert workouts.claim_update(unit, update_id=9, now=AT)
        row = workouts.latest_session(unit, runner_id=RUNNER)
        outcome = transition(workouts.state_of(row), Done(), library, AT)
        workouts.apply_outcome(unit, runner_id=RUNNER, row=row, outcome=outcome, now=AT, update_id=9)
        # the same update id claimed without ON CONFLICT: the database refuses it
        unit.connection().execute(insert(table_of(ProcessedUpdate)), {"update_id": 9, "processed_at": AT})
    assert _sets(db) == []  # the set, the state and the claim were rolled back together
    with db.session() as session:
        assert session.get(ProcessedUpdate, 9) is None
        row = workouts.latest_session(session, runner_id=RUNNER)
        assert row is not None and (row.position, row.version) == (0, 0)
    _done(db, library, update_id=9, at=AT)  # Telegram delivers it again: it counts once
    assert [r.update_id for r in _sets(db)] == [9]


def test_a_stale_session_row_on_the_hot_path_is_refused_and_nothing_is_kept(db: Database, library: Library) -> None:
    _start(db, library)
    with db.unit() as unit:
        stale = workouts.latest_session(unit, runner_id=RUNNER)
    _done(db, library, update_id=1, at=AT)  # another writer moved the session on
    with pytest.raises(workouts.StaleSessionError), db.unit() as unit:
        assert workouts.claim_update(unit, update_id=2, now=AT)
        outcome = transition(workouts.state_of(stale), Done(), library, AT)
        workouts.apply_outcome(unit, runner_id=RUNNER, row=stale, outcome=outcome, now=AT, update_id=2)
    assert [r.update_id for r in _sets(db)] == [1]
    with db.session() as session:
        assert session.get(ProcessedUpdate, 2) is None  # the handler retries it on the row as it is


def test_a_reply_marked_sent_behind_is_seen_by_the_next_done(db: Database, library: Library) -> None:
    session_id = _start(db, library)
    with db.unit() as unit:
        reply = outbox_store.record(unit, runner_id=RUNNER, chat_id=RUNNER, session_id=session_id, update_id=1,
                                    text="Set 2 of 21", keyboard='{"inline_keyboard": []}', now=AT)
    shown = AT + timedelta(seconds=1)
    mark = outbox_store.mark_statement(outbox_id=reply, status="sent", now=shown, message_id=77)
    if db.writes_behind:
        db.write_behind(*mark)
        with pytest.raises(RuntimeError), db.unit():
            raise RuntimeError("a handler failed before its commit")
        assert db.behind == 1  # kept for the next unit of work
    else:
        with db.session() as session:
            session.connection().execute(*mark)
    with db.unit() as unit:
        latest = outbox_store.latest_reply(unit, session_id=session_id)
    assert latest is not None and not latest.open  # the next "done" advances, it does not resend
    assert latest.shown_at == shown and latest.keyboard == '{"inline_keyboard": []}'
    assert db.behind == 0


def test_a_statement_the_direct_path_cannot_run_as_written_is_refused(db: Database, library: Library) -> None:
    if db.dialect != "sqlite":
        pytest.skip("the direct path is SQLite's; PostgreSQL runs the statement through SQLAlchemy")
    _start(db, library)
    table = table_of(WorkoutSession)
    expanding = select(table.c.id).where(table.c.runner_id.in_([RUNNER, RUNNER + 1]))
    with pytest.raises(exc.InvalidRequestError, match="expanding"), db.unit() as unit:
        unit.connection().execute(expanding)
    # skipped_mask has a Python-side default, which only SQLAlchemy's execution applies
    with pytest.raises(exc.InvalidRequestError, match="default"), db.unit() as unit:
        unit.connection().execute(insert(table), {"runner_id": RUNNER, "routine_id": "calf-routine"})
    with db.session() as session:
        assert len(session.scalars(select(WorkoutSession)).all()) == 1  # nothing was written


def test_a_batch_of_updates_is_stored_once_each_and_a_repeat_is_recognised(db: Database) -> None:
    """Every update passes the inbox's unit of work: one insert per update on SQLite's cursor,
    one multi-row insert on PostgreSQL; a message Telegram delivers again is handled once."""
    first = [(1, '{"update_id": 1}'), (2, '{"update_id": 2, "message": {"text": "done"}}')]
    with db.unit() as unit:
        assert inbox_store.store(unit, updates=first, now=AT) == [1, 2]
    again = [(2, '{"update_id": 2, "message": {"text": "done"}}'), (3, '{"update_id": 3}'), (3, '{"update_id": 3}')]
    with db.unit() as unit:
        assert inbox_store.store(unit, updates=again, now=AT) == [3]  # only the new one is queued
    with db.session() as session:
        assert inbox_store.unhandled(session) == [*first, (3, '{"update_id": 3}')]
