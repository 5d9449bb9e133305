"""A guided session's state (plain columns) and the questions asked of it: is it live,
abandoned, which set may a button act on. The machine that changes it is ``workout``;
the outputs that carry it are ``workout_outputs``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Literal

# A session with no runner activity for this long is abandoned: the sweeper
# sends Expire, and any later message finds it expired. Six hours covers a
# long break (a run between the calf and back work) but not "next morning".
ABANDON_AFTER = timedelta(hours=6)
# "Stop" can be taken back for this long: "resume" (or "undo") reopens the
# session at the same set. Also how long "undo" may reopen a session that
# finished on its last "done". Half an hour is the bot's choice: long enough
# for "oops, I meant pause", short enough that a new workout is a new session.
RESUME_STOPPED_WITHIN = timedelta(minutes=30)

SessionStatus = Literal["active", "paused", "finished", "stopped", "expired"]
LIVE_STATUSES: frozenset[str] = frozenset({"active", "paused"})
TERMINAL_STATUSES: frozenset[str] = frozenset({"finished", "stopped", "expired"})


# --- the state ----------------------------------------------------------------


@dataclass(frozen=True)
class SessionState:
    """One guided session, as plain columns (``storage.models.WorkoutSession``).

    Invariant: the sets at positions ``0 .. sets_done + sets_skipped - 1`` are
    resolved (done or skipped) and ``position`` never passes that mark; after
    "back", ``position`` is below it (a revisit).

    Attributes:
        routine_id: The routine being walked.
        position: Index into ``flatten(routine)`` of the current set.
        status: "active" | "paused" | "finished" | "stopped" | "expired".
        started_at: When the session started (aware UTC).
        last_activity_at: Last runner event (aware UTC); drives expiry.
        timer_started_at: When the current set's timer started, if running.
        sets_done: Sets recorded as done.
        sets_skipped: Sets skipped.
        version: +1 on every change of state; storage can use it for
            compare-and-swap updates. Starts at 0.
        finished_at: When the session ended (finished, stopped or expired).
        skipped_mask: Bit ``p`` set when position ``p`` was skipped, so that
            doing a skipped set after "back" moves it from skipped to done.
            Needs an integer column (default 0); without it the only effect
            is that such a set stays counted as skipped.
        timer_seconds: The running timer's length (the runner's pick in the
            set's range), so a restart re-arms it as chosen. ``None`` with no timer.
    """

    routine_id: str
    position: int
    status: SessionStatus
    started_at: datetime
    last_activity_at: datetime
    timer_started_at: datetime | None = None
    sets_done: int = 0
    sets_skipped: int = 0
    version: int = 0
    finished_at: datetime | None = None
    skipped_mask: int = 0
    timer_seconds: int | None = None

    @property
    def live(self) -> bool:
        """Active or paused: the session still takes sets."""
        return self.status in LIVE_STATUSES

    @property
    def resolved(self) -> int:
        """How many leading positions are already done or skipped."""
        return self.sets_done + self.sets_skipped

    def as_columns(self) -> dict[str, Any]:
        """The state as a column → value dict, for the storage layer."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_record(cls, record: Any) -> SessionState:
        """Build a state from any object with attributes named like the fields.

        Missing optional attributes (e.g. ``skipped_mask`` on an older table)
        take their defaults.
        """
        values = {}
        for f in fields(cls):
            if hasattr(record, f.name):
                values[f.name] = getattr(record, f.name)
        return cls(**values)


def is_abandoned(state: SessionState | None, now: datetime, timeout: timedelta = ABANDON_AFTER) -> bool:
    """Whether a live session has seen no runner activity for ``timeout``.

    Args:
        state: The session, or ``None``.
        now: Current time (aware UTC).
        timeout: Inactivity that counts as abandoned (default 6 hours).

    Returns:
        ``False`` for no session or a session that already ended.
    """
    return state is not None and state.live and now - state.last_activity_at >= timeout


def expected_position(state: SessionState | None) -> int | None:
    """The position a set button must carry to act, or ``None`` if no button can."""
    return state.position if state is not None and state.live else None


def button_applies(state: SessionState | None, position: int) -> bool:
    """Whether a button sent with set ``position`` may act on this session.

    The shell tags every set button with (session id, position) and checks the
    id itself. A press for another position (a second press of Done after set k
    moved on, or a button from an older message) must not act: it would record
    or skip a set the runner was not looking at.
    """
    return expected_position(state) == position
