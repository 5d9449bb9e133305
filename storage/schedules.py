"""Schedules and the reminders they owe: the repository behind /schedule and the reminder tick.

Every function is keyword-only, takes an open Session and leaves the commit to the
caller (one unit of work per update or per tick).

How a reminder is owed, recorded and sent exactly once (see docs/reminders.md):

1. `Schedule.next_reminder_at` (UTC, indexed) is the next instant a runner is owed a
   reminder; it is None while reminders are paused or off, so the tick's range scan
   never sees those rows. `Schedule.snooze_until` (indexed) is a one-off reminder.
2. `claim_due` selects rows whose instant has come, records one `Reminder` row per
   owed instant under the unique key (runner_id, due_at) and advances
   `next_reminder_at` with the pure arithmetic in `stridecoach.domain.schedule`, all in the
   caller's transaction. A redelivered or concurrent claim of the same instant
   inserts nothing (ON CONFLICT DO NOTHING) and so sends nothing.
3. Only rows recorded as "pending" are handed back for sending; the sender then calls
   `mark_sent` / `mark_failed`. Pending rows left behind by a crash are handed back
   once more by `reclaim_pending` while still inside the grace window.

Reminder.status values: pending | sent | dropped (owed longer ago than the grace
window, never sent) | skipped (the runner skipped that day or had already trained)
| failed (could not be delivered: blocked, bad chat, or still unsent when the grace
window ran out).

Portability: the queries are plain SQL that SQLite and PostgreSQL both run. With
several replicas on PostgreSQL only the holder of the sender lock (storage.locks)
claims, reclaims and sends, so `reclaim_pending` never takes a row another live
replica is sending; the claim selects lock their schedule rows (FOR UPDATE, ignored
by SQLite) so a concurrent /pause is never overwritten by the advance.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

# ARRAY: the generic type, which the PostgreSQL dialect compiles as its own; naming
# sqlalchemy.dialects.postgresql.ARRAY would load that dialect (2 MB) on SQLite too.
from sqlalchemy import ARRAY, BigInteger, String, bindparam, func, update
from sqlmodel import Session, col, select

from stridecoach.domain.schedule import (
    classify_due,
    days_to_mask,
    local_date_of,
    mask_to_days,
    next_reminder_utc,
)
from stridecoach.domain.reminder_words import in_quiet_hours
from stridecoach.domain.timezones import stored_zone, zone_from_name
from stridecoach.storage.db import insert_ignore_statement
from stridecoach.storage.models import (
    CompletedSet,
    Reminder,
    ReminderSender,
    Runner,
    Schedule,
    UTCDateTime,
    table_of,
)
from stridecoach.storage.runners import unblock

log = logging.getLogger(__name__)

PENDING, SENT, DROPPED, SKIPPED, FAILED = "pending", "sent", "dropped", "skipped", "failed"
SCHEDULED, SNOOZE = "scheduled", "snooze"

# SQLite's default bound-parameter limit is 32766 (older builds: 999); stay well below.
_CHUNK = 500
# A runner's latest set is looked up this far back: it covers every zone's "today"
# (UTC-12 .. UTC+14) and a grace window.
_TRAINED_LOOKBACK = timedelta(days=2)
_SCHEDULE = table_of(Schedule)


@dataclass(frozen=True, slots=True)
class OwedReminder:
    """A recorded reminder the sender should deliver now."""

    reminder_id: int
    runner_id: int
    chat_id: int
    due_at: datetime
    kind: str  # scheduled | snooze
    late: bool  # more than one tick late (after a restart, or a backlog)
    local_time: str  # the schedule's HH:MM, for the text


@dataclass
class ClaimResult:
    """What one claim recorded: the reminders to send and how many were not sent, and why."""

    to_send: list[OwedReminder] = field(default_factory=list)
    dropped: int = 0  # older than the grace window
    skipped: int = 0  # skip-today or already trained that day
    duplicates: int = 0  # already recorded (a second claim of the same instant)
    expired: int = 0  # pending rows that ran out of grace before they could be sent


# ------------------------------------------------------------------ schedule edits


def parse_local_time(value: str) -> time:
    """The stored "HH:MM" as a naive time."""
    return time.fromisoformat(value)


def format_local_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def get_schedule(session: Session, *, runner_id: int) -> Schedule | None:
    return session.get(Schedule, runner_id)


def next_instant(schedule: Schedule, *, after: datetime) -> datetime | None:
    """The schedule's first reminder strictly after `after`, honouring its skip date and a
    timed pause (nothing before `paused_until`)."""
    if schedule.paused_until is not None and after < schedule.paused_until:
        after = schedule.paused_until - timedelta(microseconds=1)
    return next_reminder_utc(
        mask_to_days(schedule.days_mask),
        parse_local_time(schedule.local_time),
        schedule.zone,
        after,
        skip_local_date=schedule.skip_date,
    )


def pause_until(session: Session, *, runner_id: int, until: datetime, now: datetime) -> Schedule | None:
    """ "Pause for a week": no reminder before `until`; then they carry on by themselves.

    The schedule stays on (the tick simply finds nothing due before `until`); a
    snooze is dropped. An indefinite pause or "off" is replaced by the timed one.
    """
    schedule = session.get(Schedule, runner_id)
    if schedule is None:
        return None
    schedule.enabled = True
    schedule.paused = False
    schedule.paused_until = until
    schedule.snooze_until = None
    schedule.next_reminder_at = next_instant(schedule, after=now)
    unblock(session, runner_id)
    schedule.updated_at = now
    session.add(schedule)
    return schedule


def timed_pause(schedule: Schedule | None, now: datetime) -> datetime | None:
    """The end of a timed pause still running at `now`, else None."""
    if schedule is None or schedule.paused_until is None or schedule.paused_until <= now:
        return None
    return schedule.paused_until


def upsert_schedule(
    session: Session,
    *,
    runner_id: int,
    days: Iterable[int],
    local_time: time,
    zone: str,
    now: datetime,
) -> Schedule:
    """Create or replace a runner's schedule; it is enabled, unpaused and armed from `now`.

    Raises:
        ValueError: no days, or an unknown zone (the old schedule is left untouched).
    """
    mask = days_to_mask(days)
    if mask == 0:
        raise ValueError("a schedule needs at least one training day")
    zone_from_name(zone)  # raises ValueError for an unknown zone
    schedule = session.get(Schedule, runner_id) or Schedule(runner_id=runner_id)
    schedule.days_mask = mask
    schedule.local_time = format_local_time(local_time)
    schedule.zone = zone
    schedule.enabled = True
    schedule.paused = False
    schedule.paused_until = None  # a new schedule replaces a timed pause
    schedule.snooze_until = None
    # Keep a "skip today" only if it is still today or later in the new zone.
    if schedule.skip_date is not None and schedule.skip_date < local_date_of(now, zone):
        schedule.skip_date = None
    schedule.next_reminder_at = next_instant(schedule, after=now)
    schedule.updated_at = now
    session.add(schedule)
    unblock(session, runner_id)
    return schedule


def set_paused(session: Session, *, runner_id: int, paused: bool, now: datetime) -> Schedule | None:
    """Pause (no reminders, no snooze) or resume (armed from `now`: no backlog is sent)."""
    schedule = session.get(Schedule, runner_id)
    if schedule is None:
        return None
    schedule.paused_until = None  # "pause" or "resume" replaces a timed pause
    if paused:
        schedule.paused = True
        _disarm(schedule)
    else:
        _arm(session, schedule, now)
    schedule.updated_at = now
    session.add(schedule)
    return schedule


def set_enabled(session: Session, *, runner_id: int, enabled: bool, now: datetime) -> Schedule | None:
    """Turn reminders off (the days and time are kept) or back on (armed from `now`)."""
    schedule = session.get(Schedule, runner_id)
    if schedule is None:
        return None
    schedule.paused_until = None
    if enabled:
        _arm(session, schedule, now)
    else:
        schedule.enabled = False
        _disarm(schedule)
    schedule.updated_at = now
    session.add(schedule)
    return schedule


def _arm(session: Session, schedule: Schedule, now: datetime) -> None:
    """On and unpaused, armed from `now` (no backlog); the runner can be reached again."""
    schedule.enabled = True
    schedule.paused = False
    schedule.next_reminder_at = next_instant(schedule, after=now)
    unblock(session, schedule.runner_id)


def _disarm(schedule: Schedule) -> None:
    schedule.next_reminder_at = None
    schedule.snooze_until = None


def is_active(schedule: Schedule | None) -> bool:
    return schedule is not None and schedule.enabled and not schedule.paused


def snooze(session: Session, *, runner_id: int, until: datetime, now: datetime) -> Schedule | None:
    """Owe the runner a one-off reminder at `until` (replacing an earlier snooze)."""
    schedule = session.get(Schedule, runner_id)
    if not is_active(schedule):
        return None
    assert schedule is not None
    schedule.snooze_until = until.replace(microsecond=0)
    schedule.updated_at = now
    session.add(schedule)
    return schedule


def skip_day(session: Session, *, runner_id: int, local_date: date, now: datetime) -> Schedule | None:
    """No (more) reminders on `local_date`: drops a snooze and re-arms past that date."""
    schedule = session.get(Schedule, runner_id)
    if schedule is None:
        return None
    schedule.skip_date = local_date
    schedule.snooze_until = None
    if is_active(schedule):
        schedule.next_reminder_at = next_instant(schedule, after=now)
    schedule.updated_at = now
    session.add(schedule)
    return schedule


def block_runner(session: Session, *, runner_id: int, now: datetime) -> None:
    """Telegram said 403: the runner blocked the bot. Flag them and pause their reminders."""
    session.exec(update(Runner).where(col(Runner.id) == runner_id).values(blocked=True))
    schedule = session.get(Schedule, runner_id)
    if schedule is not None:
        schedule.paused = True
        _disarm(schedule)
        schedule.updated_at = now
        session.add(schedule)


# ------------------------------------------------------------------ reminders


def get_reminder(session: Session, *, reminder_id: int) -> Reminder | None:
    return session.get(Reminder, reminder_id)


def mark_sent(session: Session, *, reminder_id: int, now: datetime) -> bool:
    """Record delivery; False if the row was no longer pending (nothing changed)."""
    result = session.exec(
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.status) == PENDING)
        .values(status=SENT, sent_at=now)
    )
    return bool(result.rowcount)


def mark_unconfirmed(session: Session, *, reminder_id: int, now: datetime) -> bool:
    """A send timed out and its one retry failed: maybe delivered, never sent a third time."""
    result = session.exec(
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.status) == PENDING)
        .values(status="unconfirmed", sent_at=now)
    )
    return bool(result.rowcount)


def mark_failed(session: Session, *, reminder_id: int) -> bool:
    """Give up on a reminder (it stays in the table, as failed)."""
    result = session.exec(
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.status) == PENDING)
        .values(status=FAILED)
    )
    return bool(result.rowcount)


def already_trained_on(session: Session, *, runner_id: int, local_date: date, zone: str) -> bool:
    """True if the runner completed at least one set on `local_date` in `zone`."""
    start, end = _local_day_bounds(local_date, zone)
    found = session.exec(
        select(CompletedSet.id)
        .where(
            CompletedSet.runner_id == runner_id,
            CompletedSet.completed_at >= start,
            CompletedSet.completed_at < end,
        )
        .limit(1)
    ).first()
    return found is not None


def _local_day_bounds(local_date: date, zone: str) -> tuple[datetime, datetime]:
    tz = stored_zone(zone)
    start = datetime.combine(local_date, time(0)).replace(tzinfo=tz).astimezone(timezone.utc)
    end = (
        datetime.combine(local_date + timedelta(days=1), time(0))
        .replace(tzinfo=tz)
        .astimezone(timezone.utc)
    )
    return start, end


@dataclass
class _Owed:
    runner_id: int
    chat_id: int
    due_at: datetime
    kind: str
    status: str
    late: bool
    local_time: str


def claim_due(
    session: Session,
    *,
    now: datetime,
    grace: timedelta,
    limit: int,
    tick: timedelta = timedelta(minutes=1),
    sending_since: datetime | None = None,
) -> ClaimResult:
    """Record every reminder owed at `now` (up to `limit` runners) and advance the schedules.

    Selects by the indexed `next_reminder_at` and `snooze_until` columns, oldest first.
    Per runner, an owed instant is classified with `classify_due`: on time or late
    within `grace` -> pending (sent by the caller), older -> dropped (recorded, logged,
    never sent; the schedule then jumps to its first instant inside the window, so a
    long outage costs one dropped row per runner, not one per missed day). A runner
    who skipped that day or already trained on it gets a "skipped" row instead.

    Args:
        session: open session; the caller commits (then sends).
        now: the tick's time (aware UTC).
        grace: how late an owed reminder may still go out.
        limit: most schedules to claim (and snoozes, separately) in one call; the rest
            stay due for the next call.
        tick: lateness under one tick counts as on time.
        sending_since: since when ticks have run without a break (`mark_tick`); only
            lateness from before it (downtime) counts against `grace`, so a backlog
            is sent late, never dropped. None: all lateness counts.

    Returns:
        The pending reminders to send now, and counts of the ones that are not sent.
    """
    result = ClaimResult()
    owed: list[_Owed] = []
    next_at: list[dict[str, Any]] = []
    window_start = (now if sending_since is None else min(now, sending_since)) - grace

    # Two range scans, each reading only the rows that are due (the indexed instant
    # columns), and nothing else: the runner's chat id and their latest set come from
    # correlated subqueries, one primary-key / index probe per row returned, so the
    # cost follows the runners due, never the size of any table (docs/reminders.md).
    trained_since = now - _TRAINED_LOOKBACK
    due_rows = session.exec(
        select(  # type: ignore[call-overload]  # SQLModel's select() is typed for up to 4 columns
            Schedule.runner_id,
            _chat_of_runner(),
            Schedule.days_mask,
            Schedule.local_time,
            Schedule.zone,
            Schedule.next_reminder_at,
            Schedule.skip_date,
            _last_set_since(trained_since),
        )
        .where(
            col(Schedule.next_reminder_at) <= now,
            Schedule.enabled == True,  # noqa: E712
            Schedule.paused == False,  # noqa: E712
        )
        .order_by(col(Schedule.next_reminder_at))
        .limit(limit)
        # PostgreSQL: hold these rows until commit, so a /pause or /schedule committed
        # meanwhile is not overwritten by the advance below (SQLite: BEGIN IMMEDIATE).
        .with_for_update(of=_SCHEDULE)
    ).all()
    snooze_rows = session.exec(
        select(  # type: ignore[call-overload]
            Schedule.runner_id,
            _chat_of_runner(),
            Schedule.local_time,
            Schedule.snooze_until,
            Schedule.zone,
            Schedule.skip_date,
            _last_set_since(trained_since),
        )
        .where(
            col(Schedule.snooze_until) <= now,
            Schedule.enabled == True,  # noqa: E712
            Schedule.paused == False,  # noqa: E712
        )
        .order_by(col(Schedule.snooze_until))
        .limit(limit)
        .with_for_update(of=_SCHEDULE)
    ).all()
    _disarm_unreachable(session, [r[0] for r in (*due_rows, *snooze_rows) if r[1] is None], now)
    scheduled = [tuple(r) for r in due_rows if r[1] is not None]
    snoozed = [tuple(r) for r in snooze_rows if r[1] is not None]
    days_of = {r[0]: (r[4], r[6], r[7]) for r in scheduled}  # zone, skip date, last set
    days_of.update({r[0]: (r[4], r[5], r[6]) for r in snoozed})

    for runner_id, chat_id, mask, local_time, zone, due, skip_date, _trained in scheduled:
        days = mask_to_days(mask)
        at = parse_local_time(local_time)
        cursor: datetime | None = due
        while cursor is not None and cursor <= now:
            verdict = classify_due(cursor, now, grace, tick=tick, sending_since=sending_since)
            if verdict == "late-send" and _quiet(now, zone, at):
                verdict = "drop"  # late, and night where the runner is: never wake them
            if verdict == "drop":
                owed.append(_Owed(runner_id, chat_id, cursor, SCHEDULED, DROPPED, True, local_time))
                # Jump to the first instant still inside the window (possibly due now).
                after = max(cursor, window_start)
            else:
                owed.append(
                    _Owed(runner_id, chat_id, cursor, SCHEDULED, PENDING, verdict == "late-send", local_time)
                )
                after = cursor
            cursor = next_reminder_utc(days, at, zone, after, skip_local_date=skip_date)
        next_at.append({"b_runner": runner_id, "b_next": cursor})

    for runner_id, chat_id, local_time, due, snooze_zone, _skip, _trained in snoozed:
        assert due is not None  # the query keeps snooze_until <= now only
        verdict = classify_due(due, now, grace, tick=tick, sending_since=sending_since)
        if verdict == "late-send" and _quiet(now, snooze_zone, parse_local_time(local_time)):
            verdict = "drop"
        status = DROPPED if verdict == "drop" else PENDING
        owed.append(_Owed(runner_id, chat_id, due, SNOOZE, status, verdict != "send", local_time))

    _skip_trained_and_skipped_days(owed, days_of)

    inserted = _insert_reminders(session, owed)
    for item in owed:
        reminder_id = inserted.get((item.runner_id, item.due_at))
        if reminder_id is None:
            result.duplicates += 1
            log.warning("reminder for runner %s due %s was already recorded; not sending it again",
                        item.runner_id, item.due_at.isoformat())
        elif item.status == DROPPED:
            result.dropped += 1
            log.info("dropped the reminder for runner %s due %s: older than the %s grace window, "
                     "or late at night for them", item.runner_id, item.due_at.isoformat(), grace)
        elif item.status == SKIPPED:
            result.skipped += 1
        else:
            result.to_send.append(
                OwedReminder(reminder_id, item.runner_id, item.chat_id, item.due_at, item.kind,
                             item.late, item.local_time)
            )

    _advance(session, next_at)
    if snoozed:
        session.execute(
            update(_SCHEDULE)
            .where(_SCHEDULE.c.runner_id == bindparam("b_runner"))
            .values(snooze_until=None),
            [{"b_runner": runner_id} for runner_id, *_ in snoozed],
        )
    return result


def _advance(session: Session, next_at: list[dict[str, Any]]) -> None:
    """Store each claimed schedule's next instant (`b_runner`, `b_next`)."""
    if not next_at:
        return
    if session.get_bind().dialect.name == "postgresql":
        # One UPDATE ... FROM two unnested arrays instead of one statement per schedule.
        session.execute(_ADVANCE, {"runner_ids": [row["b_runner"] for row in next_at],
                                   "next_ats": [row["b_next"] for row in next_at]})
        return
    session.execute(
        update(_SCHEDULE)
        .where(_SCHEDULE.c.runner_id == bindparam("b_runner"))
        .values(next_reminder_at=bindparam("b_next")),
        next_at,
    )


_ADVANCES = select(
    func.unnest(bindparam("runner_ids", type_=ARRAY(BigInteger))).label("runner_id"),
    func.unnest(bindparam("next_ats", type_=ARRAY(UTCDateTime()))).label("next_at"),
).subquery("advance")
_ADVANCE = (
    update(_SCHEDULE)
    .where(_SCHEDULE.c.runner_id == _ADVANCES.c.runner_id)
    .values(next_reminder_at=_ADVANCES.c.next_at)
)


def _quiet(now: datetime, zone: str, chosen: time) -> bool:
    """Night in the runner's zone (QUIET_START-QUIET_END) while their chosen time is not:
    a late reminder is then dropped, not sent. A runner who chose a night-time reminder
    (e.g. 23:55) asked for the night, so theirs still go out, late or not."""
    if in_quiet_hours(chosen):
        return False
    return in_quiet_hours(now.astimezone(stored_zone(zone)))


def _chat_of_runner() -> Any:
    """The runner's chat id, NULL when they blocked the bot or have no runner row."""
    return (
        select(col(Runner.chat_id))
        .where(col(Runner.id) == col(Schedule.runner_id), Runner.blocked == False)  # noqa: E712
        .scalar_subquery()
        .label("chat_id")
    )


def _last_set_since(since: datetime) -> Any:
    """The runner's latest completed set after `since` (one probe of the (runner_id,
    completed_at) index), NULL when none."""
    return (
        select(func.max(col(CompletedSet.completed_at)))
        .where(col(CompletedSet.runner_id) == col(Schedule.runner_id), col(CompletedSet.completed_at) >= since)
        .scalar_subquery()
        .label("trained_at")
    )


def _disarm_unreachable(session: Session, runner_ids: Sequence[int], now: datetime) -> None:
    """Schedules of runners who cannot be reached stop coming due.

    A blocked runner's schedule is normally disarmed already (`block_runner`); one
    that is not, or has no runner row, is disarmed here.
    """
    if not runner_ids:
        return
    for i in range(0, len(runner_ids), _CHUNK):
        session.execute(
            update(_SCHEDULE)
            .where(_SCHEDULE.c.runner_id.in_(runner_ids[i : i + _CHUNK]))
            .values(paused=True, next_reminder_at=None, snooze_until=None, updated_at=now)
        )
    log.info("reminders paused for %d blocked or unknown runner(s)", len(runner_ids))


def _skip_trained_and_skipped_days(
    owed: list[_Owed], days_of: dict[int, tuple[str, date | None, datetime | None]]
) -> None:
    """Turn pending into skipped where the runner skipped that day or already trained on it.

    `days_of` holds each claimed runner's zone, "skip today" date and latest set within
    `_TRAINED_LOOKBACK`, read by the claim's own select.
    """
    for item in owed:
        if item.status != PENDING:
            continue
        zone, skip_date, trained_at = days_of[item.runner_id]
        day = local_date_of(item.due_at, zone)
        if skip_date == day:
            item.status = SKIPPED
        elif trained_at is not None and local_date_of(trained_at, zone) == day:
            item.status = SKIPPED
            log.info("runner %s already trained on %s: no reminder", item.runner_id, day)


def _insert_reminders(session: Session, owed: list[_Owed]) -> dict[tuple[int, datetime], int]:
    """Bulk INSERT ... ON CONFLICT DO NOTHING RETURNING: the ids of the rows actually inserted.

    The many-row form of `storage.db.insert_ignore`; only rows this call inserted come
    back, so a reminder recorded by an earlier claim is never handed out twice.
    """
    if not owed:
        return {}
    table = table_of(Reminder)
    dialect = session.get_bind().dialect.name
    returning = (table.c.id, table.c.runner_id, table.c.due_at)
    if dialect == "postgresql":
        # One statement with four array parameters, whatever the batch. A multi-row
        # VALUES list (1,000 rows, 4,000 placeholders) is a new, long query text that
        # psycopg parses on every call (too long for its cache): at 1,200 reminders that
        # parsing cost more than the insert itself.
        stmt = insert_ignore_statement(dialect, table).from_select(
            ["runner_id", "due_at", "kind", "status"], _REMINDER_ROWS
        ).returning(*returning)
        rows = session.execute(stmt, {
            "runner_ids": [o.runner_id for o in owed], "due_ats": [o.due_at for o in owed],
            "kinds": [o.kind for o in owed], "statuses": [o.status for o in owed],
        })
    else:
        # An executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs
        # ("insertmanyvalues") from one cached compilation.
        stmt = insert_ignore_statement(dialect, table).returning(*returning)
        rows = session.execute(stmt, [
            {"runner_id": o.runner_id, "due_at": o.due_at, "kind": o.kind, "status": o.status} for o in owed
        ])
    return {(runner_id, due_at): reminder_id for reminder_id, runner_id, due_at in rows}


# The rows of a reminder insert on PostgreSQL: four arrays unnested side by side.
_REMINDER_ROWS = select(
    func.unnest(bindparam("runner_ids", type_=ARRAY(BigInteger))),
    func.unnest(bindparam("due_ats", type_=ARRAY(UTCDateTime()))),
    func.unnest(bindparam("kinds", type_=ARRAY(String))),
    func.unnest(bindparam("statuses", type_=ARRAY(String))),
)


def mark_tick(session: Session, *, now: datetime, tick: timedelta) -> datetime:
    """Record a tick of the sender; returns since when ticks have run without a break.

    A gap of more than three tick periods since the last tick (every replica down,
    or none could send) starts a new stretch at `now`. Call it under the sender lock.
    """
    row = session.get(ReminderSender, 1, with_for_update=True)
    if row is None:
        row = ReminderSender(id=1, sending_since=now, last_tick_at=now)
    elif now - row.last_tick_at > 3 * tick or now < row.last_tick_at:
        log.info("reminder ticks resume after a break since %s", row.last_tick_at.isoformat())
        row.sending_since = now
    row.last_tick_at = now
    session.add(row)
    return row.sending_since


def reclaim_pending(
    session: Session,
    *,
    now: datetime,
    grace: timedelta,
    limit: int,
    tick: timedelta = timedelta(minutes=1),
    sending_since: datetime | None = None,
) -> ClaimResult:
    """Pending reminders recorded earlier but never confirmed sent (a crash, or retries ran out).

    Call it before `claim_due` in the same tick, while no send of this process is in
    flight. Still inside `grace` and the runner still wants reminders: handed back
    for sending. Otherwise the row is closed as failed (logged).
    """
    result = ClaimResult()
    rows = session.exec(
        select(  # type: ignore[call-overload]  # SQLModel's select() is typed for up to 4 columns
            Reminder.id,
            Reminder.runner_id,
            Runner.chat_id,
            Reminder.due_at,
            Reminder.kind,
            Schedule.local_time,
            Schedule.enabled,
            Schedule.paused,
            Runner.blocked,
        )
        .join(Runner, col(Runner.id) == col(Reminder.runner_id))
        .join(Schedule, col(Schedule.runner_id) == col(Reminder.runner_id))
        .where(col(Reminder.status) == PENDING, col(Reminder.due_at) <= now)
        .order_by(Reminder.due_at)
        .limit(limit)
    ).all()
    for reminder_id, runner_id, chat_id, due_at, kind, local_time, enabled, paused, blocked in rows:
        verdict = classify_due(due_at, now, grace, tick=tick, sending_since=sending_since)
        if verdict == "drop" or not enabled or paused or blocked:
            mark_failed(session, reminder_id=reminder_id)
            result.expired += 1
            log.warning("reminder %s for runner %s due %s was never delivered; closed as failed",
                        reminder_id, runner_id, due_at.isoformat())
            continue
        result.to_send.append(
            OwedReminder(reminder_id, runner_id, chat_id, due_at, kind, verdict != "send", local_time)
        )
    return result
