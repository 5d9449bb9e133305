"""The /schedule dialogue, pure: (draft, event) -> (new draft, what to say).

Three questions, one after the other, each answered by buttons or typed text:

    /schedule -> days (toggle buttons or typed; the saved days or Mon/Wed/Fri suggested)
              -> time (buttons or typed) -> zone (typed city or offset, or "keep") -> saved

The draft is a plain value the shell stores between updates
(``Runner.pending_input``, see :meth:`Draft.encode`), so a restart
mid-dialogue changes nothing. Every /schedule message gets its own draft id
and its buttons carry it: a button from an older /schedule message (another
id, or no draft at all) is stale and changes nothing, and a button of this
draft for a question already answered only has its buttons removed.

:func:`step` does no I/O: the shell reads the draft and the saved schedule,
calls it, stores the new draft (and, for :class:`SaveSchedule`, the schedule)
in the same unit of work, then says the replies in order. Nothing is written
to the saved schedule before the last answer (the zone) is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import time
from typing import Literal, TypeAlias, assert_never

from stridecoach.domain.schedule import days_to_mask, mask_to_days
from stridecoach.content.understanding.timeparse import mentions_days, parse_days, parse_time_of_day
from stridecoach.domain.timezones import abbreviation_hint, resolve_zone, zone_label, zone_short

Stage = Literal["days", "time", "zone"]
STAGES: tuple[Stage, ...] = ("days", "time", "zone")

# Mon, Wed, Fri: the calf article recommends 2-3 sessions a week.
SUGGESTED_DAYS = frozenset({0, 2, 4})
# Typed words that end the dialogue without saving (as /cancel does).
CANCEL_WORDS = frozenset({"cancel", "stop", "never mind", "nevermind", "abort", "/cancel"})

_PENDING_PREFIX = "schedule:"
_HHMM = re.compile(r"^([01]\d|2[0-3])([0-5]\d)$")


# --- the draft --------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A /schedule dialogue in progress.

    Attributes:
        stage: The question being asked.
        draft_id: Unique per /schedule message; its buttons carry it.
        mask: The training days picked so far (bit 0 = Monday).
        local_time: "HHMM" once the time is picked, else "".
        message_id: The message showing this question's buttons (0: not known
            yet); they are removed when the dialogue moves on by typed text.
    """

    stage: Stage
    draft_id: str
    mask: int
    local_time: str = ""
    message_id: int = 0

    @property
    def days(self) -> frozenset[int]:
        return mask_to_days(self.mask)

    @property
    def time_of_day(self) -> time:
        """The picked time; only meaningful from the zone question on."""
        return time(int(self.local_time[:2]), int(self.local_time[2:]))

    def encode(self) -> str:
        """As stored in ``Runner.pending_input``: "schedule:<stage>:<id>:<mask>[:<HHMM>[:<message id>]]"."""
        parts = [self.stage, self.draft_id, str(self.mask)]
        if self.local_time or self.message_id:
            parts.append(self.local_time)
        if self.message_id:
            parts.append(str(self.message_id))
        return _PENDING_PREFIX + ":".join(parts)

    @classmethod
    def decode(cls, pending: str | None) -> Draft | None:
        """The draft in ``pending``, or ``None`` (nothing pending, or another kind of pending input)."""
        if not pending or not pending.startswith(_PENDING_PREFIX):
            return None
        parts = pending.removeprefix(_PENDING_PREFIX).split(":")
        stage = next((s for s in STAGES if s == parts[0]), None)
        try:
            mask = int(parts[2])
            message_id = int(parts[4]) if len(parts) > 4 else 0
        except (IndexError, ValueError):
            return None
        local_time = parts[3] if len(parts) > 3 else ""
        if stage is None or not 0 <= mask < 128 or (local_time and not _HHMM.match(local_time)):
            return None
        return cls(stage, parts[1], mask, local_time, message_id)


def draft_id_for(update_id: int) -> str:
    """A draft id from the id of the update that started it: short and unique (base 36)."""
    number, digits = update_id, ""
    while True:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
        if number == 0:
            return digits


@dataclass(frozen=True)
class Saved:
    """What the dialogue needs to know of the runner's saved schedule."""

    days_mask: int
    zone: str


# --- events -------------------------------------------------------------------


@dataclass(frozen=True)
class Begin:
    """/schedule (or "change my reminders"): a new draft, replacing any open one."""

    draft_id: str


@dataclass(frozen=True)
class Typed:
    """Free text while a draft may be pending."""

    text: str


@dataclass(frozen=True)
class Cancel:
    """/cancel."""


@dataclass(frozen=True)
class ToggleDay:
    """A day button: pick or unpick ``day`` (0 = Monday)."""

    draft_id: str
    day: int


@dataclass(frozen=True)
class DaysChosen:
    """The days question's Next button."""

    draft_id: str


@dataclass(frozen=True)
class TimeChosen:
    """A time button, with the time as "HHMM"."""

    draft_id: str
    hhmm: str


@dataclass(frozen=True)
class KeepZone:
    """The zone question's "keep <current zone>" button."""

    draft_id: str


@dataclass(frozen=True)
class CancelPressed:
    """The Cancel button under a question."""

    draft_id: str


Event: TypeAlias = Begin | Typed | Cancel | ToggleDay | DaysChosen | TimeChosen | KeepZone | CancelPressed
Press: TypeAlias = ToggleDay | DaysChosen | TimeChosen | KeepZone | CancelPressed


# --- what to say --------------------------------------------------------------


@dataclass(frozen=True)
class AskDays:
    """Ask for the training days, ``days`` pre-selected (``current``: they are the saved ones)."""

    draft_id: str
    days: frozenset[int]
    current: bool


@dataclass(frozen=True)
class AskTime:
    """Ask for the reminder time on ``days``."""

    draft_id: str
    days: frozenset[int]


@dataclass(frozen=True)
class AskZone:
    """Ask for the time zone; ``keep`` is the saved zone (short form) the runner may keep."""

    draft_id: str
    at: time
    keep: str | None


@dataclass(frozen=True)
class ShowDays:
    """Redraw the pressed message's day buttons with ``days`` picked."""

    draft_id: str
    days: frozenset[int]


@dataclass(frozen=True)
class RemoveButtons:
    """Remove the buttons of an earlier question's message (the dialogue moved on, or ended)."""

    message_id: int


@dataclass(frozen=True)
class RemovePressedButtons:
    """Remove the buttons of the message whose button was pressed (its question is answered)."""


@dataclass(frozen=True)
class SaveSchedule:
    """Write the schedule (and clear the draft in the same unit of work), then confirm it."""

    days: frozenset[int]
    at: time
    zone: str
    label: str


@dataclass(frozen=True)
class BadDays:
    """Days named but not all readable ("sat-ish"): asked again rather than guessed."""

    typed: str


@dataclass(frozen=True)
class BadTime:
    typed: str


@dataclass(frozen=True)
class BadZone:
    """An unusable zone; ``cities``/``offset`` suggest what an abbreviation like EST may mean."""

    typed: str
    cities: tuple[str, ...] = ()
    offset: str = ""


@dataclass(frozen=True)
class AnswerQuestion:
    """A question mid-dialogue: answer it as any question, then say what is still open."""

    text: str
    stage: Stage


@dataclass(frozen=True)
class NoDays:
    """Next pressed with no day picked."""


@dataclass(frozen=True)
class StillWaiting:
    """A button of this draft for a question already answered: say which one is open."""

    stage: Stage


@dataclass(frozen=True)
class Cancelled:
    """The draft is gone; the saved schedule stays as it was."""


@dataclass(frozen=True)
class NothingToCancel:
    pass


@dataclass(frozen=True)
class Stale:
    """A button from an older /schedule message, or one that does not fit: nothing changed."""


Reply: TypeAlias = (
    AskDays | AskTime | AskZone | ShowDays | RemoveButtons | RemovePressedButtons | SaveSchedule | BadDays | BadTime | BadZone
    | AnswerQuestion | NoDays | StillWaiting | Cancelled | NothingToCancel | Stale
)


@dataclass(frozen=True)
class Outcome:
    """What one event did.

    Attributes:
        draft: The draft to store (``None``: no dialogue pending).
        replies: What to say or do, in order.
        claimed: ``False`` when typed text is not for the dialogue (no draft,
            or days expected and the text names none): the shell passes it on
            to the question router. The draft is then unchanged.
    """

    draft: Draft | None
    replies: tuple[Reply, ...] = ()
    claimed: bool = True


# --- the step -----------------------------------------------------------------


def step(draft: Draft | None, event: Event, saved: Saved | None) -> Outcome:
    """Apply one event to the dialogue. Pure; defined for every event with or without a draft.

    Args:
        draft: The pending draft, or ``None``.
        event: What the runner did.
        saved: The runner's saved schedule, or ``None`` when they have none.

    Returns:
        The draft to store and the replies, in order.
    """
    match event:
        case Begin(draft_id):
            return _begin(draft, draft_id, saved)
        case Typed(text):
            return _typed(draft, text, saved) if draft is not None else Outcome(None, claimed=False)
        case Cancel():
            if draft is None:
                return Outcome(None, (NothingToCancel(),))
            return _cancel(draft)
        case ToggleDay() | DaysChosen() | TimeChosen() | KeepZone() | CancelPressed():
            return _press(draft, event, saved)
        case _:
            assert_never(event)


def _begin(old: Draft | None, draft_id: str, saved: Saved | None) -> Outcome:
    retire = _retire(old)  # an older /schedule left open
    if saved is not None and saved.days_mask:
        days, current = mask_to_days(saved.days_mask), True
    else:
        days, current = SUGGESTED_DAYS, False
    draft = Draft("days", draft_id, days_to_mask(days))
    return Outcome(draft, (*retire, AskDays(draft_id, days, current)))


def _typed(draft: Draft, text: str, saved: Saved | None) -> Outcome:
    words = text.strip()
    if words.lower().rstrip(".!") in CANCEL_WORDS:
        return _cancel(draft)
    if draft.stage == "days":
        days = parse_days(words)
        if not days and mentions_days(words) and not words.endswith("?"):
            return Outcome(draft, (BadDays(words),))
        if not days:
            return Outcome(draft, claimed=False)  # maybe a question; the day buttons stay usable
        return _ask_time(draft, days, _retire(draft))
    if words.endswith("?"):
        # Answered like any question; the open question stays open.
        return Outcome(draft, (AnswerQuestion(words, draft.stage),))
    if draft.stage == "time":
        picked = parse_time_of_day(words)
        if picked is None:
            return Outcome(draft, (BadTime(words),))
        return _ask_zone(draft, picked, saved, _retire(draft))
    match = resolve_zone(words)
    if match is None:
        hint = abbreviation_hint(words)
        return Outcome(draft, (BadZone(words, hint.cities, hint.offset) if hint else BadZone(words),))
    return _save(draft, match.name, match.label, _retire(draft))


def _press(draft: Draft | None, press: Press, saved: Saved | None) -> Outcome:
    if draft is None or press.draft_id != draft.draft_id:
        return Outcome(draft, (Stale(),))
    expected: Stage | None = _STAGE_OF.get(type(press))
    if expected is not None and draft.stage != expected:
        # This /schedule, but a question already answered (e.g. days typed): not an older message.
        return Outcome(draft, (RemovePressedButtons(), StillWaiting(draft.stage)))
    pressed = (RemovePressedButtons(),)
    match press:
        case CancelPressed():
            return Outcome(None, (*pressed, Cancelled()))
        case ToggleDay(day=day) if 0 <= day <= 6:
            toggled = replace(draft, mask=draft.mask ^ (1 << day))
            return Outcome(toggled, (ShowDays(draft.draft_id, toggled.days),))
        case DaysChosen() if draft.mask == 0:
            return Outcome(draft, (NoDays(),))
        case DaysChosen():
            return _ask_time(draft, draft.days, pressed)
        case TimeChosen(hhmm=hhmm) if _HHMM.match(hhmm):
            return _ask_zone(draft, time(int(hhmm[:2]), int(hhmm[2:])), saved, pressed)
        case KeepZone() if saved is not None:
            return _save(draft, saved.zone, zone_label(saved.zone), pressed)
    return Outcome(draft, (Stale(),))


_STAGE_OF: dict[type, Stage] = {ToggleDay: "days", DaysChosen: "days", TimeChosen: "time", KeepZone: "zone"}


def _ask_time(draft: Draft, days: Iterable[int], before: tuple[Reply, ...]) -> Outcome:
    asked = Draft("time", draft.draft_id, days_to_mask(days))
    return Outcome(asked, (*before, AskTime(draft.draft_id, asked.days)))


def _ask_zone(draft: Draft, at: time, saved: Saved | None, before: tuple[Reply, ...]) -> Outcome:
    asked = Draft("zone", draft.draft_id, draft.mask, f"{at:%H%M}")
    keep = zone_short(saved.zone) if saved is not None else None
    return Outcome(asked, (*before, AskZone(draft.draft_id, at, keep)))


def _save(draft: Draft, zone: str, label: str, before: tuple[Reply, ...]) -> Outcome:
    return Outcome(None, (*before, SaveSchedule(draft.days, draft.time_of_day, zone, label)))


def _cancel(draft: Draft) -> Outcome:
    return Outcome(None, (*_retire(draft), Cancelled()))


def _retire(draft: Draft | None) -> tuple[Reply, ...]:
    """Remove the buttons of a draft's open question, when its message is known."""
    return (RemoveButtons(draft.message_id),) if draft is not None and draft.message_id else ()
