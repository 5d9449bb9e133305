"""Typed content entries: what the loader produces and everyone else reads.

Plain dataclasses with no I/O, so the matcher, the session state machine and the
Telegram shell can share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EntryKind = Literal["exercise", "topic", "routine"]


@dataclass(frozen=True)
class Dose:
    """How much of an exercise the article prescribes.

    Ranges are inclusive; a fixed number has min == max. ``None`` means the
    article gives no figure for that dimension.
    """

    sets_min: int | None = None
    sets_max: int | None = None
    reps_min: int | None = None
    reps_max: int | None = None
    seconds_min: int | None = None
    seconds_max: int | None = None
    per_side: bool = False
    summary: str = ""  # the dose in words, e.g. "3 sets of 30-60 seconds"


@dataclass(frozen=True)
class Entry:
    """One thing the bot knows: an exercise, a topic or a routine."""

    id: str
    kind: EntryKind
    title: str
    answer: str  # the reply text, in our words, faithful to the article
    phrasings: tuple[str, ...] = ()  # alternate ways a runner asks for it
    keywords: tuple[str, ...] = ()  # words that point at it
    source_file: str = ""


@dataclass(frozen=True)
class Exercise(Entry):
    dose: Dose = field(default_factory=Dose)
    equipment: tuple[str, ...] = ()  # empty: none needed
    cues: tuple[str, ...] = ()  # short coaching cues, shown one per set
    timed: bool = False  # sets are measured in seconds (offer a timer)


@dataclass(frozen=True)
class RoutineStep:
    """One exercise inside a routine, with the sets the session walks."""

    exercise_id: str
    sets: int  # how many sets the guided session walks
    reps_min: int | None = None
    reps_max: int | None = None
    seconds_min: int | None = None
    seconds_max: int | None = None
    per_side: bool = False
    loggable_load: bool = False  # the runner may log a load ("done 40 kg")
    note: str = ""  # shown with the set prompt, e.g. "up to 30 twists per side"


@dataclass(frozen=True)
class Routine(Entry):
    steps: tuple[RoutineStep, ...] = ()


@dataclass(frozen=True, eq=False)
class Library:
    """Everything loaded from stridecoach.content/data, indexed by id."""

    exercises: dict[str, Exercise]
    topics: dict[str, Entry]
    routines: dict[str, Routine]

    def get(self, entry_id: str) -> Entry | None:
        return (
            self.exercises.get(entry_id)
            or self.topics.get(entry_id)
            or self.routines.get(entry_id)
        )

    def all_entries(self) -> list[Entry]:
        return [*self.exercises.values(), *self.topics.values(), *self.routines.values()]
