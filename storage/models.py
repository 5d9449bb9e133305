"""SQLModel tables. Every instant is stored in UTC.

The unique constraints carry the exactly-once guarantees:
- completed_set (update_id): a redelivered "done" never counts twice;
- completed_set (session_id, position): the button of set k records set k once;
- processed_update (update_id): a state-changing update is applied once;
- reminder (runner_id, due_at): each owed reminder is recorded and sent once;
- inbox_update (update_id): an update Telegram delivers twice is stored and handled once.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Table, Text, UniqueConstraint, event, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a ``table=True`` model, for Core inserts and updates."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass, not in its stubs
    return table


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, so we never let one in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _utc_column(*, nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Runner(SQLModel, table=True):
    """A Telegram user who talked to the bot (private chats only)."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_name: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    # What free text we are waiting for, e.g. "schedule:time"; None when nothing.
    pending_input: str | None = None
    # Set when Telegram answers 403 (the runner blocked the bot): reminders stop.
    blocked: bool = False


class WorkoutSession(SQLModel, table=True):
    """One guided session; its row IS the state machine's state."""

    __tablename__ = "workout_session"

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    routine_id: str
    position: int = 0
    status: str = Field(default="active", index=True)
    version: int = 0
    sets_done: int = 0
    sets_skipped: int = 0
    # Bit p set = position p was skipped (so doing it after "back" moves it to done).
    skipped_mask: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    started_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    last_activity_at: datetime = Field(
        default_factory=utcnow, sa_column=_utc_column(nullable=False, index=True)
    )
    timer_started_at: datetime | None = Field(default=None, sa_column=_utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column())
    # The running timer's length in seconds (the runner's pick in the set's range).
    timer_seconds: int | None = None
    # The message that carries the current set's buttons, so they can be removed.
    prompt_message_id: int | None = None


class TrainingPrefs(SQLModel, table=True):
    """How a runner likes timed work to flow (set with words: "auto advance on", "rest 60 s")."""

    __tablename__ = "training_prefs"

    runner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    auto_advance: bool = False  # a timed set counts as done when its timer runs out
    rest_seconds: int | None = None  # a rest countdown after each set; None: no rest timer
    weekly_summary: bool = False  # a Sunday-evening summary: planned days vs sessions done
    summary_sent_for: date | None = None  # the Monday of the last week summarised (sent once)


class CompletedSet(SQLModel, table=True):
    """One row per completed set."""

    __tablename__ = "completed_set"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_completed_set_session_position"),
        UniqueConstraint("update_id", name="uq_completed_set_update_id"),
        # The reminder claim's "already trained today?" probe: one runner's latest set.
        Index("ix_completed_set_runner_completed", "runner_id", "completed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    session_id: int = Field(foreign_key="workout_session.id", index=True)
    routine_id: str
    exercise_id: str = Field(index=True)
    set_no: int
    position: int
    amount: str = ""
    load_amount: float | None = None
    load_unit: str | None = None
    completed_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    update_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class SkippedSet(SQLModel, table=True):
    """One row per skipped set, with the runner's reason if they gave one (shown in /history)."""

    __tablename__ = "skipped_set"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_skipped_set_session_position"),)

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    session_id: int = Field(foreign_key="workout_session.id", index=True)
    routine_id: str
    exercise_id: str
    set_no: int
    position: int
    reason: str | None = None  # too-hard | no-equipment | no-time; None when not said
    skipped_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids already applied (at-least-once delivery guard)."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=_utc_column(nullable=False, index=True)
    )


class InboxUpdate(SQLModel, table=True):
    """Every update as it arrived, stored before Telegram is told we have it (bot/inbox.py).

    `handled_at` stays empty until the Application has finished with the update, so
    a crash leaves the unhandled ones here for the next start to handle, once.
    """

    __tablename__ = "inbox_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    handled_at: datetime | None = Field(default=None, sa_column=_utc_column(index=True))


class OutboxMessage(SQLModel, table=True):
    """A reply the runner must see after a state change, recorded in the change's transaction.

    status: pending (not accepted by Telegram yet) | uncertain (the send timed out:
    maybe delivered) | sent | assumed (uncertain twice: taken as delivered) |
    superseded (a newer reply replaced it) | blocked (403) | failed (400: never deliverable).
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    session_id: int | None = Field(default=None, index=True)
    update_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    keyboard: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    last_attempt_at: datetime | None = Field(default=None, sa_column=_utc_column())
    message_id: int | None = None


class Schedule(SQLModel, table=True):
    """A runner's training days and reminder time. One per runner."""

    runner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    days_mask: int = 0  # bit d set = weekday d (Monday = 0)
    local_time: str = "18:00"  # HH:MM in the runner's zone
    zone: str = "UTC"
    enabled: bool = True
    paused: bool = False
    # The next reminder instant; the tick selects on this column.
    next_reminder_at: datetime | None = Field(default=None, sa_column=_utc_column(index=True))
    snooze_until: datetime | None = Field(default=None, sa_column=_utc_column(index=True))
    skip_date: date | None = None  # a local date the runner said "skip today" for
    # "Pause for a week": no reminder before this instant (UTC, the local midnight the
    # runner resumes on); reminders carry on by themselves after it. None: no timed pause.
    paused_until: datetime | None = Field(default=None, sa_column=_utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


PENDING = text("status = 'pending'")
# reclaim_pending reads the few pending rows, oldest first, however long the history: an
# index of the pending rows only, on both databases (migration 0009). PostgreSQL's WHERE is
# given when the index is created on PostgreSQL (`_pending_only_on_postgresql` below):
# naming `postgresql_where` here would load the PostgreSQL dialect (2 MB) into every
# process, on SQLite too, as SQLAlchemy loads a dialect to check its options.
PENDING_DUE_INDEX = Index("ix_reminder_pending_due", "due_at", sqlite_where=PENDING)


class Reminder(SQLModel, table=True):
    """Each reminder owed, recorded before it is sent."""

    __table_args__ = (
        # Also serves every lookup by runner (a runner's reminders, /forget).
        UniqueConstraint("runner_id", "due_at", name="uq_reminder_runner_due"),
        PENDING_DUE_INDEX,
    )

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    due_at: datetime = Field(sa_column=_utc_column(nullable=False))
    kind: str = "scheduled"  # scheduled | snooze
    status: str = "pending"  # pending | sent | dropped | skipped | failed | unconfirmed
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column())


@event.listens_for(PENDING_DUE_INDEX, "before_create")
def _pending_only_on_postgresql(index: Index, connection: Any, **_: Any) -> None:
    """The index's WHERE for PostgreSQL, once a PostgreSQL connection creates it."""
    if connection.dialect.name == "postgresql":
        index.dialect_kwargs["postgresql_where"] = PENDING


class ReminderSender(SQLModel, table=True):
    """One row: since when reminder ticks have run without a break (see docs/reminders.md).

    Written by the tick that holds the sender lock. A reminder that fell due while
    ticks were running and waited in a backlog is sent late, never dropped; only
    lateness from before `sending_since` (downtime) counts against the grace window.
    """

    __tablename__ = "reminder_sender"

    id: int = Field(default=1, primary_key=True)
    sending_since: datetime = Field(sa_column=_utc_column(nullable=False))
    last_tick_at: datetime = Field(sa_column=_utc_column(nullable=False))
