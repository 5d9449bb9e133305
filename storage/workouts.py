"""Guided sessions and completed sets: the repository behind the session state machine.

The `workout_session` row IS the persisted `SessionState` (same column names),
so a restart, or another process, continues exactly where the runner was.

Keyword-only functions taking a SQLModel `Session`; the caller owns the unit of
work (`Database.session()`), so one Telegram update is applied in one
transaction:

    claim_update(...)      -> False: this update was applied before; do nothing
    latest_session(...)    -> the row; state_of(row) -> SessionState
    transition(...)        (pure, stridecoach.domain.workout)
    apply_outcome(...)     -> the new state and its Recorded sets, written together

Exactly once, twice over (platform facts §5): the update id is recorded in
`processed_update` in the same transaction as the transition, and every
completion is inserted with ON CONFLICT DO NOTHING under the unique keys
(update_id) and (session_id, position). State updates are compare-and-swap on
`version`, which keeps them safe on PostgreSQL's READ COMMITTED too (SQLite's
BEGIN IMMEDIATE already serialises writers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlmodel import Session, col

from stridecoach.domain.workout import (
    LIVE_STATUSES,
    Expired,
    Outcome,
    Recorded,
    RoutineUnavailable,
    SessionState,
    Skipped,
    Started,
    Undone,
)
from stridecoach.storage.db import insert_ignore
from stridecoach.storage.direct import Connects
from stridecoach.storage.models import (
    CompletedSet,
    ProcessedUpdate,
    Runner,
    SkippedSet,
    TrainingPrefs,
    WorkoutSession,
    table_of,
)

_TABLE = table_of(WorkoutSession)
_STATE_FIELDS = tuple(SessionState.__dataclass_fields__)
# Hot-path statements are built once: constructing an UPDATE of 11 columns costs
# more CPU than SQLite takes to run it.
_CAS_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("_id"), _TABLE.c.version == bindparam("_old_version"))
    .values({name: bindparam(name) for name in _STATE_FIELDS})
)
_PROMPT_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("_id"), _TABLE.c.version == bindparam("_version"))
    .values(prompt_message_id=bindparam("_message_id"))
)


_REPLACE_COMPLETION = (
    update(table_of(CompletedSet))
    .where(
        table_of(CompletedSet).c.session_id == bindparam("_session_id"),
        table_of(CompletedSet).c.position == bindparam("_position"),
    )
    .values(
        load_amount=bindparam("load_amount"), load_unit=bindparam("load_unit"),
        completed_at=bindparam("completed_at"), update_id=bindparam("update_id"),
    )
)


def _forget_statement(table: Table) -> Any:
    return delete(table).where(
        table.c.session_id == bindparam("_session_id"), table.c.position == bindparam("_position")
    )


# "Undo" (or a skipped set done after all): the stored row of that position goes.
_FORGET = {model: _forget_statement(table_of(model)) for model in (CompletedSet, SkippedSet)}


@dataclass(slots=True)
class SessionRow:
    """A `workout_session` row as plain values, read and written with SQLAlchemy Core.

    The hot path ("done") reads and writes one of these per update; an ORM object
    would cost more CPU in SQLAlchemy's bookkeeping than SQLite takes to run the SQL.
    `state_of(row)` gives the state machine's view.
    """

    id: int
    runner_id: int
    routine_id: str
    position: int
    status: str
    version: int
    sets_done: int
    sets_skipped: int
    skipped_mask: int
    started_at: datetime
    last_activity_at: datetime
    timer_started_at: datetime | None
    finished_at: datetime | None
    timer_seconds: int | None
    prompt_message_id: int | None
    # Read with the row in the same statement, for the unit of work of a "done": the
    # runner's rest countdown (training_prefs) and the typed input another feature
    # waits for (runner.pending_input). Not columns of the session.
    rest_seconds: int | None = None
    pending_input: str | None = None


_ROW_FIELDS = tuple(f.name for f in fields(SessionRow))[:-2]
_PREFS = table_of(TrainingPrefs)
_RUNNER = table_of(Runner)
_SELECT_ROWS = select(
    *(_TABLE.c[name] for name in _ROW_FIELDS), _PREFS.c.rest_seconds, _RUNNER.c.pending_input
).select_from(
    _TABLE.outerjoin(_PREFS, _PREFS.c.runner_id == _TABLE.c.runner_id).outerjoin(
        _RUNNER, _RUNNER.c.id == _TABLE.c.runner_id
    )
)
_LATEST = _SELECT_ROWS.where(_TABLE.c.runner_id == bindparam("_runner_id")).order_by(_TABLE.c.id.desc()).limit(1)
_BY_ID = _SELECT_ROWS.where(_TABLE.c.id == bindparam("_id"))
_INSERT = insert(_TABLE).returning(_TABLE.c.id)


def _rows(session: Connects, statement: Any, params: dict[str, Any] | None = None) -> list[SessionRow]:
    return [SessionRow(*values) for values in session.connection().execute(statement, params or {})]


class StaleSessionError(RuntimeError):
    """The session row changed under us (another writer): roll back and let the caller retry."""


def claim_update(session: Connects, *, update_id: int, now: datetime) -> bool:
    """Record that `update_id` is being applied; False when it was applied before."""
    return insert_ignore(session, ProcessedUpdate, {"update_id": update_id, "processed_at": now})


def get_session(session: Connects, *, session_id: int) -> SessionRow | None:
    found = _rows(session, _BY_ID, {"_id": session_id})
    return found[0] if found else None


def latest_session(session: Connects, *, runner_id: int) -> SessionRow | None:
    """The runner's most recent session, whatever its status (the state machine's input)."""
    found = _rows(session, _LATEST, {"_runner_id": runner_id})
    return found[0] if found else None


def state_of(row: SessionRow | None) -> SessionState | None:
    """The state machine's view of a row."""
    return None if row is None else SessionState.from_record(row)


def apply_outcome(
    session: Connects,
    *,
    runner_id: int,
    row: SessionRow | None,
    outcome: Outcome,
    now: datetime,
    update_id: int | None = None,
) -> SessionRow | None:
    """Persist a transition: the new state, and each `Recorded` set exactly once.

    Args:
        runner_id: The runner the session belongs to.
        row: The row the transition started from (None when there was none).
        outcome: What `transition` returned for that row's state.
        now: When the update is applied (UTC); stored as `completed_at`.
        update_id: The Telegram update that caused it (None for jobs).

    Returns:
        The row now holding the runner's session (a new one after `Started`).

    Raises:
        StaleSessionError: `row` changed since it was read (compare-and-swap on version).
    """
    state = outcome.state
    started = any(isinstance(out, Started) for out in outcome.outputs)
    if started:
        if row is not None and row.status in LIVE_STATUSES:
            _close_replaced(session, row, outcome, now)
        assert state is not None
        row = _insert(session, runner_id, state)
    elif row is not None and state is not None and state != state_of(row):
        _compare_and_swap(session, row, state)
    if row is None:
        return row
    for out in outcome.outputs:
        if isinstance(out, Recorded):
            record_completion(session, row=row, recorded=out, update_id=update_id, now=now)
            if out.was_skipped:
                _forget_position(session, SkippedSet, row, out.position)
        elif isinstance(out, Skipped) and out.counted:
            record_skip(session, row=row, skipped=out, now=now)
        elif isinstance(out, Undone):
            _forget_position(session, SkippedSet if out.was_skipped else CompletedSet, row, out.position)
    return row


def _insert(session: Connects, runner_id: int, state: SessionState) -> SessionRow:
    values = {**state.as_columns(), "runner_id": runner_id, "prompt_message_id": None}
    new_id = session.connection().execute(_INSERT, values).scalar_one()
    return SessionRow(**{name: values[name] for name in _ROW_FIELDS if name != "id"}, id=int(new_id))


def record_skip(session: Connects, *, row: SessionRow, skipped: Skipped, now: datetime) -> bool:
    """Store one skipped set with its reason; a second skip of the same position writes nothing."""
    return insert_ignore(
        session,
        SkippedSet,
        {
            "runner_id": row.runner_id,
            "session_id": row.id,
            "routine_id": row.routine_id,
            "exercise_id": skipped.slot.exercise_id,
            "set_no": skipped.slot.set_no,
            "position": skipped.position,
            "reason": skipped.reason,
            "skipped_at": now,
        },
    )


def _forget_position(session: Connects, model: Any, row: SessionRow, position: int) -> None:
    """ "Undo" (or a skipped set done after all): the stored row for that position goes."""
    session.connection().execute(_FORGET[model], {"_session_id": row.id, "_position": position})


def _compare_and_swap(session: Connects, row: SessionRow, state: SessionState) -> None:
    values = state.as_columns()
    result = session.connection().execute(
        _CAS_UPDATE, {**values, "_id": row.id, "_old_version": row.version}
    )
    if result.rowcount != 1:
        raise StaleSessionError(f"workout_session {row.id} changed since it was read")
    for name, value in values.items():
        setattr(row, name, value)  # the row in hand follows what was written


def _close_replaced(session: Connects, row: SessionRow, outcome: Outcome, now: datetime) -> None:
    """A Start that closed a live session first (abandoned, or its routine is gone)."""
    expired = any(isinstance(out, Expired) for out in outcome.outputs)
    unavailable = any(isinstance(out, RoutineUnavailable) for out in outcome.outputs)
    if not (expired or unavailable):  # pragma: no cover - the machine never starts over a live session
        raise StaleSessionError("a session started while another was live")
    old = state_of(row)
    assert old is not None
    _compare_and_swap(
        session,
        row,
        SessionState(
            **{
                **old.as_columns(),
                "status": "expired" if expired else "stopped",
                "timer_started_at": None,
                "finished_at": old.last_activity_at if expired else now,
                "version": old.version + 1,
            }
        ),
    )


def record_completion(
    session: Connects,
    *,
    row: SessionRow,
    recorded: Recorded,
    update_id: int | None,
    now: datetime,
) -> bool:
    """Store one completed set; True when a row was written.

    A set done again after "back" (`recorded.replaces`) updates its row's load
    and time; it never adds a second row for the same position.
    """
    load = recorded.load
    values: dict[str, Any] = {
        "load_amount": load.amount if load is not None else None,
        "load_unit": load.unit if load is not None else None,
        "completed_at": now,
        "update_id": update_id,
    }
    if recorded.replaces:
        result = session.connection().execute(
            _REPLACE_COMPLETION, {**values, "_session_id": row.id, "_position": recorded.position}
        )
        if result.rowcount:
            return True
    return insert_ignore(
        session,
        CompletedSet,
        {
            **values,
            "runner_id": row.runner_id,
            "session_id": row.id,
            "routine_id": row.routine_id,
            "exercise_id": recorded.exercise_id,
            "set_no": recorded.set_no,
            "position": recorded.position,
            "amount": recorded.amount,
        },
    )


def completed_sets(session: Session, *, session_id: int) -> list[CompletedSet]:
    """The sets stored for one session, by position."""
    return list(
        session.scalars(
            select(CompletedSet)
            .where(col(CompletedSet.session_id) == session_id)
            .order_by(col(CompletedSet.position))
        ).all()
    )


def set_prompt_message(
    session: Connects, *, session_id: int, message_id: int | None, version: int
) -> bool:
    """Remember which message carries the session's buttons.

    Written only if the session is still at `version`: when another update
    moved it on meanwhile, that update's message owns the buttons and this
    returns False (the caller then strips its own message's buttons).
    """
    result = session.connection().execute(
        _PROMPT_UPDATE, {"_id": session_id, "_version": version, "_message_id": message_id}
    )
    return bool(result.rowcount)


def abandoned_sessions(session: Session, *, before: datetime, limit: int = 500) -> Sequence[SessionRow]:
    """Live sessions with no runner activity since `before` (oldest first)."""
    return _rows(
        session,
        _SELECT_ROWS.where(_TABLE.c.status.in_(sorted(LIVE_STATUSES)), _TABLE.c.last_activity_at < before)
        .order_by(_TABLE.c.last_activity_at)
        .limit(limit),
    )


def running_timers(session: Session) -> Sequence[SessionRow]:
    """Active sessions whose current set has a timer running (to re-arm after a restart)."""
    return _rows(
        session, _SELECT_ROWS.where(_TABLE.c.status == "active", _TABLE.c.timer_started_at.is_not(None))
    )


def prune_processed_updates(session: Session, *, before: datetime) -> int:
    """Forget update ids applied before `before`; Telegram redelivers for 24 h at most."""
    result = session.exec(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < before)
    )
    return int(result.rowcount or 0)
