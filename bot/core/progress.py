"""Progress arithmetic: weeks against the 2-3 sessions a week the calf article recommends.

Pure functions over plain records (no Telegram, no database), so /progress,
/history and the chart can be tested with hand-made data.

Weeks run Monday 00:00 to Sunday 24:00 in the runner's time zone: the zone of
their reminder schedule when they set one, else UTC. A session counts for the
week in which it *started*, and only if at least one set was completed in it
(a session opened and stopped straight away is not a workout). See
docs/progress.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TARGET_MIN_PER_WEEK = 2  # the article: calf work 2 to 3 times a week
TARGET_MAX_PER_WEEK = 3
CHART_WEEKS = 8  # the chart and the week list show this many weeks, current one last


@dataclass(frozen=True)
class SessionRecord:
    """One guided session as progress sees it."""

    session_id: int
    routine_id: str
    started_at: datetime  # aware, UTC
    status: str  # active | paused | finished | stopped | expired
    sets_done: int
    sets_skipped: int
    finished_at: datetime | None = None

    @property
    def counts(self) -> bool:
        """Whether the session counts towards the weekly target."""
        return self.sets_done > 0


@dataclass(frozen=True)
class SetRecord:
    """One completed set."""

    exercise_id: str
    completed_at: datetime  # aware, UTC
    load_amount: float | None = None
    load_unit: str | None = None


@dataclass(frozen=True)
class WeekCount:
    start: date  # the Monday, in the runner's zone
    sessions: int

    @property
    def met_target(self) -> bool:
        return self.sessions >= TARGET_MIN_PER_WEEK


@dataclass(frozen=True)
class ExerciseTotal:
    exercise_id: str
    sets: int
    last_done: datetime


@dataclass(frozen=True)
class LoadPoint:
    day: date  # in the runner's zone
    amount: float  # the heaviest load logged that day for this unit
    unit: str


@dataclass(frozen=True)
class ProgressReport:
    this_week: int
    streak_weeks: int
    weeks: list[WeekCount]  # oldest first, current week last
    totals: list[ExerciseTotal]  # most sets first
    loads: list[LoadPoint]  # oldest first
    total_sessions: int


def resolve_zone(name: str | None) -> tzinfo:
    """The runner's zone by IANA name; UTC when unset or unknown."""
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def week_of(moment: datetime, zone: tzinfo) -> date:
    """The Monday (a local date) of the week containing `moment`."""
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def week_counts(
    sessions: Iterable[SessionRecord], *, now: datetime, zone: tzinfo, weeks: int = CHART_WEEKS
) -> list[WeekCount]:
    """Counted sessions per week for the last `weeks` weeks, oldest first, current week last."""
    current = week_of(now, zone)
    starts = [current - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    tally = dict.fromkeys(starts, 0)
    for record in sessions:
        if record.counts:
            week = week_of(record.started_at, zone)
            if week in tally:
                tally[week] += 1
    return [WeekCount(start, tally[start]) for start in starts]


def streak(sessions: Iterable[SessionRecord], *, now: datetime, zone: tzinfo) -> int:
    """Consecutive weeks with at least TARGET_MIN_PER_WEEK sessions, up to now.

    The current week is still in progress: it extends the streak once it meets
    the target, and does not break it before then.
    """
    per_week: dict[date, int] = {}
    for record in sessions:
        if record.counts:
            week = week_of(record.started_at, zone)
            per_week[week] = per_week.get(week, 0) + 1
    current = week_of(now, zone)
    count = 1 if per_week.get(current, 0) >= TARGET_MIN_PER_WEEK else 0
    week = current - timedelta(weeks=1)
    while per_week.get(week, 0) >= TARGET_MIN_PER_WEEK:
        count += 1
        week -= timedelta(weeks=1)
    return count


def totals_per_exercise(sets: Iterable[SetRecord]) -> list[ExerciseTotal]:
    """Completed sets per exercise, most first (ties: most recent first, then by id)."""
    counts: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for record in sets:
        counts[record.exercise_id] = counts.get(record.exercise_id, 0) + 1
        if record.exercise_id not in last or record.completed_at > last[record.exercise_id]:
            last[record.exercise_id] = record.completed_at
    totals = [ExerciseTotal(ex, counts[ex], last[ex]) for ex in counts]
    totals.sort(key=lambda t: (-t.sets, -t.last_done.timestamp(), t.exercise_id))
    return totals


def load_history(sets: Iterable[SetRecord], *, zone: tzinfo, limit: int = 10) -> list[LoadPoint]:
    """The heaviest load logged per day and unit, the last `limit` points, oldest first.

    Units are never converted into each other: "2 plates" and "40 kg" are
    different measures, and the runner chose which one to log.
    """
    best: dict[tuple[date, str], float] = {}
    for record in sets:
        if record.load_amount is None or not record.load_unit:
            continue
        key = (record.completed_at.astimezone(zone).date(), record.load_unit)
        best[key] = max(best.get(key, record.load_amount), record.load_amount)
    points = [LoadPoint(day, amount, unit) for (day, unit), amount in best.items()]
    points.sort(key=lambda p: (p.day, p.unit))
    return points[-limit:]


def build_report(
    sessions: Sequence[SessionRecord],
    sets: Sequence[SetRecord],
    *,
    now: datetime,
    zone: tzinfo,
    weeks: int = CHART_WEEKS,
) -> ProgressReport:
    """Everything /progress shows, from one runner's sessions and completed sets."""
    counted = week_counts(sessions, now=now, zone=zone, weeks=weeks)
    return ProgressReport(
        this_week=counted[-1].sessions,
        streak_weeks=streak(sessions, now=now, zone=zone),
        weeks=counted,
        totals=totals_per_exercise(sets),
        loads=load_history(sets, zone=zone),
        total_sessions=sum(1 for s in sessions if s.counts),
    )


EXPORT_COLUMNS = (
    "session_id",
    "routine_id",
    "session_started_at_utc",
    "session_status",
    "exercise_id",
    "set_no",
    "amount",
    "load_amount",
    "load_unit",
    "completed_at_utc",
)


@dataclass(frozen=True)
class ExportRow:
    session_id: int
    routine_id: str
    session_started_at: datetime
    session_status: str
    exercise_id: str
    set_no: int
    amount: str
    load_amount: float | None
    load_unit: str | None
    completed_at: datetime


def export_csv(rows: Iterable[ExportRow]) -> bytes:
    """The runner's completed sets as UTF-8 CSV (one row per set, instants in ISO 8601 UTC)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.session_id,
                row.routine_id,
                _iso(row.session_started_at),
                row.session_status,
                row.exercise_id,
                row.set_no,
                row.amount,
                "" if row.load_amount is None else _number(row.load_amount),
                row.load_unit or "",
                _iso(row.completed_at),
            )
        )
    return buffer.getvalue().encode("utf-8")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
