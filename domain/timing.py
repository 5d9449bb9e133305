"""Timed work that flows: countdown steps, and the runner's words for auto-advance and rest.

Plain Python (no Telegram, no clock). The shell edits one message per timed set
every ``COUNTDOWN_STEP`` seconds; these functions say when and what.

Decisions (docs/sessions.md, "Timed work"):

* One edit every 5 s (``COUNTDOWN_STEP``), the last one at zero. Telegram
  allows about one message a second per chat (edits included); a 60 s hold is
  12 edits, a 10 s hold 2. The runner's own replies stay well inside the limit.
* Auto-advance is off until the runner says so ("auto advance on"): a timed
  set then counts as done when its timer runs out, and the next set follows.
* A rest countdown after each set is off until the runner picks its length
  ("rest 60 s"); the articles give no rest time, so there is no default.
  ``REST_MIN``-``REST_MAX`` (5 s to 10 minutes) bounds it: "rest 0" and
  "rest 3 hours" get a clear reply and change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

COUNTDOWN_STEP = 5
REST_MIN = 5
REST_MAX = 600


def countdown_marks(seconds: int, step: int = COUNTDOWN_STEP) -> list[int]:
    """Seconds left at each edit after the start: 60 s → 55, 50, ... 5, 0; 12 s → 10, 5, 0."""
    if seconds <= 0:
        return [0]
    marks = list(range(seconds - (seconds % step or step), 0, -step))
    return [*marks, 0]


def left_text(seconds_left: int) -> str:
    """ "45 s left", "1:05 left"."""
    if seconds_left >= 60:
        return f"{seconds_left // 60}:{seconds_left % 60:02d} left"
    return f"{seconds_left} s left"


@dataclass(frozen=True)
class AutoAdvance:
    """ "auto advance on" / "off"."""

    on: bool


@dataclass(frozen=True)
class RestLength:
    """ "rest 60 s": a rest countdown of ``seconds`` after each set; ``None``: "rest off"."""

    seconds: int | None


RestProblem = Literal["too_short", "too_long"]


@dataclass(frozen=True)
class RestRefused:
    """A rest length outside REST_MIN-REST_MAX; nothing changes."""

    problem: RestProblem
    typed: str


TimingWords = AutoAdvance | RestLength | RestRefused

_AUTO = re.compile(
    r"^(?:turn\s+|switch\s+|set\s+)?(?:auto[\s-]?advance|auto[\s-]?next|auto[\s-]?move|move on by itself)"
    r"(?:\s+(?P<state>on|off|yes|no|please))?$"
)
_AUTO_BEFORE = re.compile(
    r"^(?:turn|switch)\s+(?P<state>on|off)\s+(?:auto[\s-]?advance|auto[\s-]?next)$"
)
_REST = re.compile(
    r"^(?:set\s+)?(?:a\s+)?rest(?:\s+timer)?(?:\s+(?:of|for|to))?\s+"
    r"(?P<amount>\d+(?:\.\d+)?|off|none|no)\s*(?P<unit>s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?)?"
    r"(?:\s+between sets)?$"
)
_NO_REST = frozenset({"no rest", "no rest timer", "rest off", "rest timer off", "no rest countdown"})


def parse_timing_words(text: str) -> TimingWords | None:
    """ "auto advance on", "rest 60 s", "rest 2 min", "rest off"; ``None`` for anything else."""
    cleaned = " ".join(re.sub(r"[!.?,]+$", "", text.lower().strip()).split())
    if cleaned in _NO_REST:
        return RestLength(None)
    before = _AUTO_BEFORE.match(cleaned)
    if before is not None:
        return AutoAdvance(before["state"] == "on")
    auto = _AUTO.match(cleaned)
    if auto is not None:
        return AutoAdvance(auto["state"] not in ("off", "no"))
    rest = _REST.match(cleaned)
    if rest is None:
        return None
    amount = rest["amount"]
    if amount in ("off", "none", "no"):
        return RestLength(None)
    unit = (rest["unit"] or "s")[0]
    seconds = float(amount) * {"s": 1, "m": 60, "h": 3600}[unit]
    typed = f"{amount} {rest['unit'] or 's'}"
    if seconds < REST_MIN:
        return RestRefused("too_short", typed)
    if seconds > REST_MAX:
        return RestRefused("too_long", typed)
    return RestLength(int(seconds))


@dataclass(frozen=True)
class WeeklySummarySwitch:
    """ "weekly summary on" / "off"."""

    on: bool


_SUMMARY = re.compile(
    r"^(?:turn\s+|switch\s+)?(?:(?P<pre>on|off)\s+)?(?:the\s+|my\s+)?weekly\s+(?:summary|summaries|report|recap)"
    r"(?:\s+(?P<state>on|off|please))?$"
)


def parse_summary_words(text: str) -> WeeklySummarySwitch | None:
    """ "weekly summary on", "turn off the weekly summary"; ``None`` for anything else."""
    cleaned = " ".join(re.sub(r"[!.?,]+$", "", text.lower().strip()).split())
    match = _SUMMARY.match(cleaned)
    if match is None:
        return None
    state = match["state"] or match["pre"] or "on"
    return WeeklySummarySwitch(state != "off")
