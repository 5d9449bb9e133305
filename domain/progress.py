"""Progress arithmetic: calf sessions against the calf article's 2-3 a week.

The target comes from the calf article, which suggests calf work "two to
three times per week"; the lower back article gives no frequency. Only calf
sessions (the full routine or a calf plan) count towards the 2-3; back
sessions are counted separately with no target.

A session counts only when it did **real work**: at least half of its sets
done (``REAL_WORK_SHARE``, the bot's choice). A calf session stopped after 1
of 21 sets is kept and listed, but is not a workout towards the target.

Pure functions over plain records (no Telegram, no database), so /progress,
/history and the chart can be tested with hand-made data.

Weeks run Monday 00:00 to Sunday 24:00 in the runner's time zone: the zone of
their reminder schedule when they set one, else UTC. A session counts for the
week in which it *started*, and only if at least one set was completed in it
(see above). See docs/progress.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo

from stridecoach.domain.plans import CALF_ROUTINE, base_routine_id

# A session is real work when at least this share of its sets was done (the
# bot's choice: half; the articles say nothing about partial sessions).
REAL_WORK_SHARE = 0.5
KG_PER_LB = 0.45359237  # exact, by definition of the pound
TARGET_MIN_PER_WEEK = 2  # the calf article: calf work 2 to 3 times a week
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
    # (exercise id, reason) per skipped set the runner gave a reason for, in set order.
    skip_reasons: tuple[tuple[str, str], ...] = ()
    # Sets in the session's routine or plan (0 when unknown: then one set done counts).
    sets_total: int = 0

    @property
    def counts(self) -> bool:
        """Real work: at least REAL_WORK_SHARE of the session's sets done."""
        if self.sets_total <= 0:
            return self.sets_done > 0
        return self.sets_done > 0 and self.sets_done >= self.sets_total * REAL_WORK_SHARE

    @property
    def is_calf(self) -> bool:
        """Calf work (the routine or a calf plan): what the calf article's 2-3 a week is about."""
        return base_routine_id(self.routine_id) == CALF_ROUTINE


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
class LoadDay:
    """Every load logged on one day, in the order the sets were done."""

    day: date  # in the runner's zone
    loads: tuple[tuple[float, str], ...]  # (amount, unit)

    def heaviest(self, unit: str) -> float | None:
        amounts = [amount for amount, u in self.loads if u == unit]
        return max(amounts) if amounts else None


@dataclass(frozen=True)
class LoadSummary:
    """The weighted raise's loads in the runner's unit.

    Attributes:
        unit: "kg" or "lb": the unit of the runner's latest load in kg or lb.
        best: The heaviest load ever, converted to ``unit``, and its day.
        first: The heaviest load of the first day with a kg/lb load, in ``unit``.
        last: The heaviest load of the latest such day, in ``unit``.
        days: How many days have a kg/lb load.
        best_plates: The most plates logged (plates are never converted: a
            plate's weight is not known), or ``None``.
    """

    unit: str
    best: tuple[float, date] | None
    first: float | None
    last: float | None
    days: int
    best_plates: float | None = None

    @property
    def change(self) -> float | None:
        if self.first is None or self.last is None or self.days < 2:
            return None
        return self.last - self.first


@dataclass(frozen=True)
class ProgressReport:
    this_week: int  # calf sessions with real work this week
    streak_weeks: int  # calf weeks at target, rest days never break it
    weeks: list[WeekCount]  # calf sessions per week, oldest first, current week last
    totals: list[ExerciseTotal]  # in routine order (see `totals_per_exercise`)
    loads: list[LoadDay]  # oldest first
    total_sessions: int  # every session with real work, calf or back
    back_this_week: int = 0
    back_total: int = 0
    load_summary: LoadSummary | None = None
    short_sessions: int = 0  # sessions kept but under the real-work mark, all time


def to_unit(amount: float, unit: str, target: str) -> float | None:
    """A load in kg or lb converted to ``target`` (kg or lb); ``None`` for plates or unknown units."""
    if unit == target and unit in ("kg", "lb"):
        return amount
    if unit == "lb" and target == "kg":
        return amount * KG_PER_LB
    if unit == "kg" and target == "lb":
        return amount / KG_PER_LB
    return None


def load_summary(sets: Iterable[SetRecord], *, zone: tzinfo) -> LoadSummary | None:
    """Best and trend of the logged loads, normalised to the runner's unit (their latest kg/lb)."""
    weighed = [r for r in sets if r.load_amount is not None and r.load_unit in ("kg", "lb")]
    plates = [r.load_amount for r in sets if r.load_amount is not None and r.load_unit == "plates"]
    best_plates = max(plates) if plates else None
    if not weighed:
        return LoadSummary("kg", None, None, None, 0, best_plates) if best_plates is not None else None
    weighed.sort(key=lambda r: r.completed_at)
    unit = str(weighed[-1].load_unit)
    per_day: dict[date, float] = {}
    best: tuple[float, date] | None = None
    for record in weighed:
        value = to_unit(float(record.load_amount or 0), str(record.load_unit), unit)
        if value is None:
            continue
        day = record.completed_at.astimezone(zone).date()
        per_day[day] = max(per_day.get(day, value), value)
        if best is None or value > best[0]:
            best = (value, day)
    ordered = sorted(per_day)
    return LoadSummary(
        unit, best, per_day[ordered[0]], per_day[ordered[-1]], len(ordered), best_plates
    )


def week_of(moment: datetime, zone: tzinfo) -> date:
    """The Monday (a local date) of the week containing `moment`."""
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def week_counts(
    sessions: Iterable[SessionRecord], *, now: datetime, zone: tzinfo, weeks: int = CHART_WEEKS
) -> list[WeekCount]:
    """Counted sessions per week for the last `weeks` weeks, oldest first, current week last.

    Pass only the sessions that count towards a target (``build_report`` passes the calf ones).
    """
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

    Counted in weeks, not days, so rest days never break it (the article asks
    for 2-3 sessions a week, not daily work). The current week is still in
    progress: it extends the streak once it meets the target, and does not
    break it before then.
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


def totals_per_exercise(
    sets: Iterable[SetRecord], *, order: Sequence[str] = ()
) -> list[ExerciseTotal]:
    """Completed sets per exercise.

    Args:
        order: Exercise ids in routine order (the calf routine, then the back
            routine): the totals follow it. Exercises not in it come after,
            most sets first (ties: most recent first, then by id).
    """
    counts: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for record in sets:
        counts[record.exercise_id] = counts.get(record.exercise_id, 0) + 1
        if record.exercise_id not in last or record.completed_at > last[record.exercise_id]:
            last[record.exercise_id] = record.completed_at
    totals = [ExerciseTotal(ex, counts[ex], last[ex]) for ex in counts]
    rank = {exercise_id: index for index, exercise_id in enumerate(dict.fromkeys(order))}
    totals.sort(
        key=lambda t: (rank.get(t.exercise_id, len(rank)), -t.sets, -t.last_done.timestamp(), t.exercise_id)
    )
    return totals


def load_history(sets: Iterable[SetRecord], *, zone: tzinfo, limit: int = 10) -> list[LoadDay]:
    """Every logged load, one entry per day (the last `limit` days with a load), oldest first.

    Each day lists its loads in the order the sets were done, so no set is
    hidden behind a heavier one of the same day. Units are never converted
    into each other: "2 plates" and "40 kg" are different measures, and the
    runner chose which one to log.
    """
    days: dict[date, list[tuple[datetime, float, str]]] = {}
    for record in sets:
        if record.load_amount is None or not record.load_unit:
            continue
        day = record.completed_at.astimezone(zone).date()
        days.setdefault(day, []).append((record.completed_at, record.load_amount, record.load_unit))
    history = [
        LoadDay(day, tuple((amount, unit) for _, amount, unit in sorted(entries, key=lambda e: e[0])))
        for day, entries in sorted(days.items())
    ]
    return history[-limit:]


def build_report(
    sessions: Sequence[SessionRecord],
    sets: Sequence[SetRecord],
    *,
    now: datetime,
    zone: tzinfo,
    weeks: int = CHART_WEEKS,
    exercise_order: Sequence[str] = (),
) -> ProgressReport:
    """Everything /progress shows, from one runner's sessions and completed sets.

    The weeks, this week and the streak are calf sessions (the calf article's
    2-3 a week); back sessions are counted on their own.
    """
    calf = [s for s in sessions if s.is_calf]
    back = [s for s in sessions if not s.is_calf and s.counts]
    counted = week_counts(calf, now=now, zone=zone, weeks=weeks)
    this_week = week_of(now, zone)
    return ProgressReport(
        this_week=counted[-1].sessions,
        streak_weeks=streak(calf, now=now, zone=zone),
        weeks=counted,
        totals=totals_per_exercise(sets, order=exercise_order),
        loads=load_history(sets, zone=zone),
        total_sessions=sum(1 for s in sessions if s.counts),
        back_this_week=sum(1 for s in back if week_of(s.started_at, zone) == this_week),
        back_total=len(back),
        load_summary=load_summary(sets, zone=zone),
        short_sessions=sum(1 for s in sessions if not s.counts and s.sets_done > 0),
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


# --- the weekly summary (opt-in) ----------------------------------------------

# When the summary of a week goes out: Sunday 18:00 in the runner's zone (the bot's
# choice: the week's training is done, and it is not yet night). Never in the quiet
# hours: after an outage it waits for the morning.
SUMMARY_WEEKDAY = 6
SUMMARY_HOUR = 18


@dataclass(frozen=True)
class WeekSummary:
    """One week as the Sunday summary tells it."""

    week_start: date  # the Monday, in the runner's zone
    planned_days: int  # training days in the runner's schedule (0 without one)
    calf_sessions: int  # with real work
    back_sessions: int  # with real work

    @property
    def met_target(self) -> bool:
        return self.calf_sessions >= TARGET_MIN_PER_WEEK


def latest_summary_week(now: datetime, zone: tzinfo) -> date:
    """The Monday of the latest week whose summary time (Sunday 18:00 local) has passed."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == SUMMARY_WEEKDAY and local.hour >= SUMMARY_HOUR:
        return monday
    return monday - timedelta(weeks=1)


def summary_due(now: datetime, zone: tzinfo, sent_for: date | None) -> date | None:
    """The week to summarise now, or ``None`` (already sent, or night where the runner is)."""
    from stridecoach.domain.reminder_words import in_quiet_hours

    week = latest_summary_week(now, zone)
    if sent_for is not None and sent_for >= week:
        return None
    if in_quiet_hours(now.astimezone(zone)):
        return None
    return week


def week_summary(
    sessions: Iterable[SessionRecord], *, week_start: date, zone: tzinfo, planned_days: int
) -> WeekSummary:
    """Planned training days against the sessions with real work started that week."""
    counted = [s for s in sessions if s.counts and week_of(s.started_at, zone) == week_start]
    return WeekSummary(
        week_start,
        planned_days,
        sum(1 for s in counted if s.is_calf),
        sum(1 for s in counted if not s.is_calf),
    )
