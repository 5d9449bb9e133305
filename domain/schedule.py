"""Reminder schedule arithmetic: training days + local time + zone -> next UTC instant.

Pure functions, no clock: every function takes ``now`` as a parameter. The storage
layer keeps the next reminder as a UTC datetime; the tick sends what is due, then asks
:func:`next_reminder_utc` for the following instant, passing the instant just sent
(or the tick time) as ``now_utc``.

Daylight saving rules (see docs/schedule.md):

* A local time inside a spring-forward gap goes out at the first valid instant after
  the gap (02:30 on the Berlin spring-forward day -> 03:00 CEST = 01:00 UTC).
* A local time that happens twice (autumn fold) goes out once, at the first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

from stridecoach.domain.timezones import stored_zone

__all__ = [
    "ALL_DAYS",
    "DAY_NAMES",
    "WEEKDAYS",
    "WEEKEND",
    "Days",
    "classify_due",
    "days_to_mask",
    "format_days",
    "local_date_of",
    "mask_to_days",
    "next_reminder_utc",
    "snooze_until",
]

Days = frozenset[int]  # Monday=0 .. Sunday=6, as date.weekday()

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALL_DAYS: Days = frozenset(range(7))
WEEKDAYS: Days = frozenset(range(5))
WEEKEND: Days = frozenset({5, 6})

# A skipped date removes at most one training day, so the next one is at most
# 14 local days away; start one day back because the local date of "now" can run
# behind in zones that fall back across midnight.
_SEARCH_FROM, _SEARCH_TO = -1, 15


def _check_days(days: Iterable[int]) -> Days:
    result = frozenset(days)
    if any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in result):
        raise ValueError(f"days must be weekday numbers 0..6, got {sorted(result, key=str)}")
    return result


def days_to_mask(days: Iterable[int]) -> int:
    """Encode days as a bitmask for storage (bit 0 = Monday ... bit 6 = Sunday).

    Args:
        days: Weekday numbers, Monday=0..Sunday=6.

    Returns:
        An int in 0..127, e.g. Mon+Wed+Fri -> 0b0010101 = 21.

    Raises:
        ValueError: A day is outside 0..6.
    """
    return sum(1 << d for d in _check_days(days))


def mask_to_days(mask: int) -> Days:
    """Decode a bitmask made by :func:`days_to_mask`.

    Raises:
        ValueError: The mask is outside 0..127 (corrupt row).
    """
    if not 0 <= mask <= 0b1111111:
        raise ValueError(f"day mask out of range: {mask}")
    return frozenset(d for d in range(7) if mask >> d & 1)


def format_days(days: Iterable[int]) -> str:
    """Format days for humans, in week order: "Mon, Wed, Fri"; "no days" if empty."""
    ordered = sorted(_check_days(days))
    return ", ".join(DAY_NAMES[d] for d in ordered) if ordered else "no days"


def _as_tzinfo(zone: str | tzinfo) -> tzinfo:
    return stored_zone(zone) if isinstance(zone, str) else zone


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {value!r}")


def local_date_of(instant_utc: datetime, zone: str | tzinfo) -> date:
    """The calendar date in ``zone`` at an instant.

    Raises:
        ValueError: ``instant_utc`` is naive.
    """
    _check_aware(instant_utc, "instant_utc")
    return instant_utc.astimezone(_as_tzinfo(zone)).date()


def _first_instant_with_offset_change(lo: datetime, hi: datetime, tz: tzinfo) -> datetime:
    """Binary-search the transition instant in (lo, hi]: the first whole second whose UTC
    offset differs from the offset at ``lo``. Gaps are a few hours at most, so ~14 steps."""
    before = lo.astimezone(tz).utcoffset()
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if datetime.fromtimestamp(mid, timezone.utc).astimezone(tz).utcoffset() == before:
            lo_s = mid
        else:
            hi_s = mid
    return datetime.fromtimestamp(hi_s, timezone.utc)


def _wall_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of local wall time ``day at`` in ``tz``, resolving DST.

    * Fold (time happens twice): fold=0, the first occurrence.
    * Gap (time does not exist): the transition instant, i.e. the first valid local
      time after the gap. zoneinfo would silently give "wall time + gap length"
      (02:30 -> 03:30), so the gap is detected by a UTC round trip.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0)).replace(tzinfo=tz)
    utc = wall.astimezone(timezone.utc)
    if utc.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return utc
    # In a gap, fold=0 uses the offset before the transition and fold=1 the offset after;
    # the two UTC readings bracket the transition instant.
    other = wall.replace(fold=1).astimezone(timezone.utc)
    lo, hi = min(utc, other), max(utc, other)
    return _first_instant_with_offset_change(lo, hi, tz)


def next_reminder_utc(
    days: Iterable[int],
    local_time: time,
    zone: str | tzinfo,
    now_utc: datetime,
    *,
    skip_local_date: date | None = None,
) -> datetime | None:
    """The first reminder instant strictly after ``now_utc``.

    Args:
        days: Training days, Monday=0..Sunday=6.
        local_time: Naive wall-clock time of the reminder in ``zone``.
        zone: A stored zone name (IANA or "UTC±HH:MM", see ``stored_zone``) or a tzinfo.
        now_utc: Aware "now"; pass the instant just sent to get the following one.
        skip_local_date: "Skip today": no reminder on this local date.

    Returns:
        An aware UTC datetime on a training day at ``local_time`` (or the first valid
        instant after a spring-forward gap; the first occurrence in an autumn fold),
        or None if ``days`` is empty.

    Raises:
        ValueError: ``now_utc`` is naive, ``local_time`` is aware, a day is outside
            0..6, or the zone name is unknown.
    """
    training = _check_days(days)
    _check_aware(now_utc, "now_utc")
    if local_time.tzinfo is not None:
        raise ValueError("local_time must be a naive wall-clock time; pass the zone separately")
    if not training:
        return None
    tz = _as_tzinfo(zone)
    now_utc = now_utc.astimezone(timezone.utc)
    today = now_utc.astimezone(tz).date()
    for offset in range(_SEARCH_FROM, _SEARCH_TO):
        day = today + timedelta(days=offset)
        if day.weekday() not in training or day == skip_local_date:
            continue
        instant = _wall_to_utc(day, local_time, tz)
        # Strictly after: from the instant just sent, the same day is never returned again.
        if instant > now_utc:
            return instant
    raise AssertionError("unreachable: a training day exists within two weeks")  # pragma: no cover


def snooze_until(now_utc: datetime, minutes: int = 60) -> datetime:
    """When a snoozed reminder should come back.

    A snooze is a fixed duration, not a wall-clock time, so it is plain UTC arithmetic
    and unaffected by DST.

    Raises:
        ValueError: ``now_utc`` is naive or ``minutes`` is not positive.
    """
    _check_aware(now_utc, "now_utc")
    if minutes <= 0:
        raise ValueError(f"snooze minutes must be positive, got {minutes}")
    return now_utc.astimezone(timezone.utc) + timedelta(minutes=minutes)


DueAction = Literal["send", "late-send", "drop"]


def classify_due(
    due_utc: datetime,
    now_utc: datetime,
    grace: timedelta,
    *,
    tick: timedelta = timedelta(minutes=1),
    sending_since: datetime | None = None,
) -> DueAction:
    """What the tick should do with a reminder whose instant has come.

    Args:
        due_utc: The stored reminder instant; must be ``<= now_utc``.
        now_utc: The tick's time.
        grace: How late a reminder may still go out (e.g. after a restart).
        tick: The tick period; lateness below it counts as on time.
        sending_since: Since when the ticks have run without a break (None: only now).
            Only lateness accrued before it, while nothing was sending (downtime),
            counts against ``grace``; lateness from waiting in a backlog while the
            sender ran never drops a reminder, it only makes it late.

    Returns:
        "send" if less than one tick late, "late-send" if late but within ``grace``
        (send once, perhaps saying it is late), "drop" if older (skip it, just schedule
        the next one). In every case the caller then stores ``next_reminder_utc(...)``.

    Raises:
        ValueError: Naive datetimes, or ``due_utc`` is in the future (not due yet).
    """
    _check_aware(due_utc, "due_utc")
    _check_aware(now_utc, "now_utc")
    lateness = now_utc - due_utc
    if lateness < timedelta(0):
        raise ValueError(f"not due yet: due {due_utc.isoformat()} > now {now_utc.isoformat()}")
    if lateness < tick:
        return "send"
    if lateness <= grace:
        return "late-send"
    if sending_since is None:
        return "drop"
    downtime = max(timedelta(0), min(sending_since, now_utc) - due_utc)
    return "late-send" if downtime <= grace else "drop"
