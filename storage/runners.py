"""Runner rows: created on first contact, deleted with everything else on /forget."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session, col

from stridecoach.storage.db import insert_ignore
from stridecoach.storage.direct import Connects
from stridecoach.storage.models import (
    CompletedSet,
    Reminder,
    Runner,
    Schedule,
    SkippedSet,
    TrainingPrefs,
    WorkoutSession,
    utcnow,
)


def ensure_runner(session: Session, *, user_id: int, chat_id: int, first_name: str = "") -> None:
    """Create the runner on first contact; idempotent.

    A runner flagged `blocked` (Telegram answered 403) stays flagged until they
    turn reminders back on (`unblock`): writing to the bot again does not, by
    itself, restart reminders they were no longer receiving.
    """
    insert_ignore(
        session,
        Runner,
        {"id": user_id, "chat_id": chat_id, "first_name": first_name[:64], "created_at": utcnow(),
         "blocked": False},
    )


def unblock(session: Session, user_id: int) -> None:
    """The runner asked for reminders again: Telegram will deliver to them."""
    session.exec(
        update(Runner).where(col(Runner.id) == user_id, col(Runner.blocked).is_(True)).values(blocked=False)
    )


def get_runner(session: Session, user_id: int) -> Runner | None:
    return session.get(Runner, user_id)


_PENDING = select(col(Runner.pending_input)).where(col(Runner.id) == bindparam("_id"))


def pending_input(session: Connects, user_id: int) -> str | None:
    """What typed input a feature is waiting for from this runner (None: nothing).

    A plain column read (no ORM object): it runs on every typed message mid-session.
    """
    value = session.connection().execute(_PENDING, {"_id": user_id}).scalar()
    return None if value is None else str(value)


def set_pending_input(session: Session, user_id: int, pending: str | None) -> None:
    runner = session.get(Runner, user_id)
    if runner is not None:
        runner.pending_input = pending
        session.add(runner)


def delete_runner_data(session: Session, user_id: int) -> None:
    """Delete everything stored about one runner, children first."""
    for model in (CompletedSet, SkippedSet, WorkoutSession, Reminder, Schedule, TrainingPrefs):
        session.exec(delete(model).where(col(model.runner_id) == user_id))
    session.exec(delete(Runner).where(col(Runner.id) == user_id))
