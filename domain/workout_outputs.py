"""What a session transition says: semantic outputs, not final text.

The Telegram shell renders these (wording, buttons); the storage layer
persists ``Recorded`` completions and the new state. Kept apart from the state
machine so the shell can import them without the transition logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeAlias

from stridecoach.domain.workout_events import Load, RefusalReason, SkipReason
from stridecoach.domain.workout_slots import SetSlot
from stridecoach.domain.workout_state import SessionState


# --- outputs ------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """End-of-session numbers.

    Attributes:
        routine_id: The routine.
        sets_done: Sets recorded.
        sets_skipped: Sets skipped.
        sets_total: Sets in the routine.
        duration: Time taken: start to finish/stop; for an expired session,
            start to the last activity (the hours away are not "time taken").
    """

    routine_id: str
    sets_done: int
    sets_skipped: int
    sets_total: int
    duration: timedelta

    @property
    def sets_not_reached(self) -> int:
        return max(self.sets_total - self.sets_done - self.sets_skipped, 0)

    @property
    def complete(self) -> bool:
        """Every set was done (none skipped, none left)."""
        return self.sets_done == self.sets_total


@dataclass(frozen=True)
class Started:
    """A new session began; a ``PromptSet`` for the first set follows."""

    routine_id: str
    sets_total: int
    exercise_count: int


PromptReason = Literal["start", "next", "repeat", "back", "resume"]


@dataclass(frozen=True)
class PromptSet:
    """Show this set with its buttons ([Done] [Skip] [Stop], + [Start timer] if timed).

    Attributes:
        slot: The set.
        position: Its index (tag the buttons with it).
        total: Sets in the routine.
        reason: Why it is shown: first set, next set, repeat, back, resume.
        revisit: The set was already done or skipped (the runner went back).
    """

    slot: SetSlot
    position: int
    total: int
    reason: PromptReason = "next"
    revisit: bool = False


@dataclass(frozen=True)
class Recorded:
    """A completed set the storage layer must persist.

    Attributes:
        slot: The set (exercise_id, set_no, amount are stored from it).
        position: Its index; unique per session in storage.
        load: The logged load, only for loggable sets.
        replaces: The set was recorded before and the runner did it again after
            "back": update the existing row (load, time) instead of inserting.
        was_skipped: The set had been skipped and is done now (after "back"):
            storage forgets the skip.
    """

    slot: SetSlot
    position: int
    load: Load | None = None
    replaces: bool = False
    was_skipped: bool = False

    @property
    def exercise_id(self) -> str:
        return self.slot.exercise_id

    @property
    def set_no(self) -> int:
        return self.slot.set_no

    @property
    def amount(self) -> str:
        return self.slot.amount


@dataclass(frozen=True)
class Skipped:
    """A set was skipped. ``counted`` is False on a revisit (the earlier result stands).

    Attributes:
        reason: Why, if the runner said ("too-hard", "no-equipment", "no-time");
            stored with the skipped set.
        whole_exercise: Part of "skip exercise": the shell says it once for all.
    """

    slot: SetSlot
    position: int
    counted: bool = True
    reason: SkipReason | None = None
    whole_exercise: bool = False


@dataclass(frozen=True)
class Undone:
    """ "Undo": the set at ``position`` is open again; its done (or skip) is taken back.

    Storage deletes the stored completion (or skip) for that position.
    """

    slot: SetSlot
    position: int
    was_skipped: bool


@dataclass(frozen=True)
class NothingToUndo:
    """ "Undo" with nothing to take back (first set, or only navigation since)."""


@dataclass(frozen=True)
class Reopened:
    """A session stopped (or finished) a moment ago is open again at the same set."""


@dataclass(frozen=True)
class PainPaused:
    """The runner skipped because it hurts: the session is paused, the safety advice follows."""

    slot: SetSlot
    position: int
    total: int


@dataclass(frozen=True)
class DoseInfo:
    """ "How many reps?": the current set's dose, said again (nothing changes)."""

    slot: SetSlot
    position: int
    total: int


@dataclass(frozen=True)
class NoEquipmentNeeded:
    """The runner lacks ``item`` but the current exercise only uses it optionally (the rope)."""

    slot: SetSlot
    item: str


@dataclass(frozen=True)
class EquipmentLater:
    """The runner lacks ``item``; the current set does not need it.

    ``needed_by`` is the title of a later exercise of this session that does
    (say "no barbell" there to skip it), or ``None`` if none does.
    """

    item: str
    needed_by: str | None


@dataclass(frozen=True)
class Paused:
    """The session is paused; "resume" continues at this set."""

    slot: SetSlot
    position: int
    total: int


@dataclass(frozen=True)
class AlreadyPaused:
    """Pause while paused: nothing changes."""


@dataclass(frozen=True)
class Resumed:
    """A paused session is active again (a ``PromptSet`` or a result follows)."""


@dataclass(frozen=True)
class Stopped:
    """The runner ended the session early."""

    summary: Summary


@dataclass(frozen=True)
class Expired:
    """The session was abandoned and closed."""

    summary: Summary


@dataclass(frozen=True)
class TimerStarted:
    """Say "Go" and schedule ``TimerUp(position, started_at)`` in ``seconds``."""

    seconds: int
    position: int
    started_at: datetime


@dataclass(frozen=True)
class TimerFinished:
    """Say "Time! Reply done when you're ready"."""

    slot: SetSlot
    position: int


@dataclass(frozen=True)
class TimerStopped:
    """ "Stop timer": the timer is off (``was_running`` False: none was running); the set stays open."""

    slot: SetSlot
    position: int
    was_running: bool


@dataclass(frozen=True)
class NotTimed:
    """Start timer on a set that is counted in reps."""

    slot: SetSlot


@dataclass(frozen=True)
class NoSession:
    """A session command with no session running: hint at /session.

    ``previous`` is the last session's status ("stopped", "expired") or None.
    """

    previous: str | None = None


@dataclass(frozen=True)
class AlreadyFinished:
    """A session command after the routine was completed."""

    summary: Summary


@dataclass(frozen=True)
class SessionInProgress:
    """Start while a session is live: offer to continue it or stop it first."""

    routine_id: str
    slot: SetSlot
    position: int
    total: int
    paused: bool


@dataclass(frozen=True)
class Refused:
    """A load that cannot be logged; nothing was recorded, the set is still open.

    Attributes:
        reason: "negative", "too_heavy" or "unclear" (no or unknown unit).
        typed: What the runner typed as the load, for the reply.
        limit: For "too_heavy", the largest load accepted in that unit.
    """

    reason: RefusalReason
    typed: str
    limit: Load | None = None


@dataclass(frozen=True)
class Position:
    """Where am I: the current set and the counts so far."""

    slot: SetSlot
    position: int
    total: int
    paused: bool
    sets_done: int
    sets_skipped: int
    timer_running: bool = False


@dataclass(frozen=True)
class AtFirstSet:
    """Back on the first set: there is nothing before it (a ``PromptSet`` follows)."""


@dataclass(frozen=True)
class StaleButton:
    """A button from another set was pressed; nothing changed.

    ``pressed`` is the position on the button; ``current`` where the session is.
    """

    pressed: int
    current: Position


@dataclass(frozen=True)
class RoutineUnavailable:
    """The routine is not in the library (or has no sets)."""

    routine_id: str


Output: TypeAlias = (
    Started | PromptSet | Recorded | Skipped | Summary | Paused | AlreadyPaused | Resumed | Stopped
    | Expired | TimerStarted | TimerFinished | TimerStopped | NotTimed | NoSession | AlreadyFinished
    | SessionInProgress | Refused | Position | AtFirstSet | StaleButton | RoutineUnavailable | Undone
    | NothingToUndo | Reopened | PainPaused | DoseInfo | NoEquipmentNeeded | EquipmentLater
)


@dataclass(frozen=True)
class Outcome:
    """What a transition produced.

    Attributes:
        state: The new state (``None`` only when there was no session and none
            started). The same object as the input when nothing changed.
        outputs: What to tell the runner / persist, in order.
    """

    state: SessionState | None
    outputs: tuple[Output, ...] = ()

    def __add__(self, later: Outcome) -> Outcome:
        """Chain two steps: the later state, both outputs in order."""
        return Outcome(later.state, self.outputs + later.outputs)
