"""What the understanding step decides a message is: one typed result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Literal

Tier = Literal["urgent", "professional"]
Decision = Literal["answer", "did-you-mean"]


@dataclass(frozen=True)
class Context:
    """What the bot knows about the conversation when the message arrives."""

    in_session: bool = False
    exercise: str | None = None  # the exercise of the current set, in a session
    last_topic: str | None = None  # the entry answered just before


@dataclass(frozen=True)
class RedFlag:
    """Medical: route to a professional, never answer as coaching."""

    tier: Tier
    score: float


@dataclass(frozen=True)
class SessionControl:
    """Steers the running session ("done", "skip exercise", "where am I")."""

    action: str
    score: float


@dataclass(frozen=True)
class ScheduleSlots:
    """What a "schedule" command names: "remind me tuesdays and thursdays at 7am"."""

    days: frozenset[int] | None = None  # Monday = 0
    at: time | None = None


@dataclass(frozen=True)
class PauseSlots:
    """How long a "reminders-pause" command lasts: "for a week" or "until Monday"."""

    days: int | None = None
    until_weekday: int | None = None  # Monday = 0: the next such day

    @property
    def named(self) -> bool:
        return self.days is not None or self.until_weekday is not None


@dataclass(frozen=True)
class Command:
    """Asks the bot to do something ("start the calf workout", "pause my reminders for a week")."""

    intent: str
    score: float
    routine: str | None = None  # start-session: the routine named, if any
    schedule: ScheduleSlots = ScheduleSlots()  # schedule: the days and time named
    pause: PauseSlots = PauseSlots()  # reminders-pause: how long


@dataclass(frozen=True)
class SmallTalk:
    kind: Literal["greeting", "thanks"]


@dataclass(frozen=True)
class Question:
    """Answered from the content: ``answer`` with ``entry_id``, or ``did-you-mean`` offering alternatives."""

    entry_id: str | None
    confidence: float
    decision: Decision
    alternatives: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class OutOfScope:
    """The articles do not cover it: decline honestly; ``alternatives`` are near topics."""

    score: float
    alternatives: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Unreadable:
    """Nothing to understand: no words at all, or not English."""

    reason: Literal["empty", "foreign"]


Understanding = RedFlag | SessionControl | Command | SmallTalk | Question | OutOfScope | Unreadable
