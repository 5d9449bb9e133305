"""Cross-validation and fitting of the decision weights and thresholds.

Folds are grouped by labelled file: every file in content/data/examples is
held out in turn while the models train on the content, the TOML knowledge and
the other files, so each figure is about wording the models never saw. The
weights and thresholds are then chosen on those held-out predictions (and, to
report honestly, each fold's figures use parameters fitted on the *other*
folds only).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from stridecoach.content.model import Library
from stridecoach.content.understanding.engine import Params, Signals, Understander
from stridecoach.content.understanding.knowledge import ANSWERABLE_KINDS, SAFETY_ID, Knowledge, Labelled
from stridecoach.content.understanding.results import (
    Command, Context, OutOfScope, Question, RedFlag, SessionControl, SmallTalk, Understanding, Unreadable,
)

from stridecoach.content.understanding.training import base_rows, labelled_row, train

ANSWERED_KINDS = ANSWERABLE_KINDS | {"followup", "session-question"}

GRID = {
    # rapidfuzz's lexical evidence and the pull of the topic just answered never go below
    # these floors: the labelled files hold few short follow-ups ("and how many sets?") and
    # few bare names ("calf raises w/o weights?"), so the folds cannot value them, and
    # lower values broke both on the held-out follow-ups (docs/understanding.md).
    "fuzzy_weight": (0.15, 0.3, 0.45),
    "answer_at": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    # Commands carry out something: never below 0.3, whatever the folds prefer.
    "intent_at": (0.3, 0.4, 0.5, 0.6),
    # From 0.2: every red-flag-heavy batch swung the fit lower, buying a few red flags
    # for many more answers and false alarms. Nested cross-validation (the objective
    # below, a missed flag weighed 8 times) on the eighth session's larger data, by lowest
    # value: 0.1 10.4810, 0.15 10.4790, 0.2 10.4875, 0.25 10.4615; on main's data the
    # fit chooses 0.2 either way (docs/understanding.md, the eighth session).
    "flag_at": (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "sentence_flag_at": (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01),
    "flag_topic_trust": (0.0, 0.1, 0.2, 0.3, 0.5),
    "control_at": (0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
    "context_bonus": (0.3, 0.4, 0.5, 0.65, 0.8),
    # From 0.5: the folds barely value it (the tenth session's vocabulary moved the fit from
    # 0.8 to 0.3), while on the held-out sets 0.3 answered 3 fewer of 1,199 mid-set questions
    # than 0.5 or 0.8, and "can i hold my phone while i do this" during toe walking got the
    # hollow body hold (docs/understanding.md, the tenth session).
    "session_bonus": (0.5, 0.8),
    # One sentence of a story carries a command only when it reads as that command more
    # likely than not, whatever the folds prefer: at 0.3 the fit let "so i play netball
    # on weekends and run on weekdays." schedule the runner's week (0.39).
    "request_at": (0.5, 0.6, 0.7, 0.8, 0.9, 1.01),
    "followup_bonus": (0.0, 0.2, 0.4, 0.6, 0.9),
    "move_share": (0.0, 0.25, 0.5, 0.75, 1.0),
    # From 0.75: the folds barely value it (the fourteenth session's data moved the fit from
    # 1.0 to 0.25, and to 0.5 when 0.5 was the lowest allowed), while on the 93 held-out
    # sets 0.25 answered 10 and 13 fewer than 0.75 and 1.0; at 0.5 "what about calves then"
    # after the back routine got why calf strength matters instead of the calf routine, and
    # "now the back side of it?" after injury prevention the hip twist instead of the back
    # routine (docs/understanding.md, the fourteenth session).
    "move_by_text": (0.75, 1.0),
    # From 0.5: the folds cannot value it (every value from 0 to 1 scored 10.500-10.501
    # on them, so a fit could stay at 0), while on the held-out sets 0 cost 27-37 of 8,077
    # answers (at 1: 36 more follow-ups answered, 3 of 832 declines and 2 figurative lost).
    "followup_scope_trust": (0.5, 0.75, 1.0),
    "session_decline_at": (0.2, 0.35, 0.5, 0.65, 0.8, 1.01),
    # Right after an answer, how much more a follow-up that moves on needs to be a command
    # ("and the calf one?" after the back routine asks about it: engine.Params). From 0.25:
    # the folds hold few such follow-ups, and one batch of data moved the fit from 0.5 to 0,
    # while on the held-out sets 0.5 answered 7 more follow-ups than 0 (4 of them questions
    # started as a workout) and carried out 2 fewer go-aheads (docs/understanding.md, the
    # fourteenth session).
    "followup_command_guard": (0.25, 0.5, 0.75),
}
# Searched together, over every pair of their GRID values: the topic's trust raises the
# flag threshold, so a trust above 0 only pays with a lower threshold under it, a move
# one coordinate at a time never makes (measured: docs/understanding.md).
JOINT = (("flag_at", "flag_topic_trust"),)
FOLDS = 5
SUGGEST_SHARE = 0.55  # "did you mean" from this share of answer_at (a UX choice, not scored)
# A red flag missed is worse than a false alarm: the flag threshold's objective
# weighs recall this many times more than a false alarm on a harmless message.
# 8, not 4: measured 2026-11-30 (docs/understanding.md), 4 chose flag_at 0.4 and 8
# chose 0.3: cross-validated 93.0% -> 95.7% of red flags routed, false alarms 1.05 ->
# 1.64 per 20 harmless messages, answered right 86.4% -> 84.6% (a question with a
# symptom word sent to a professional); the product's first rule is that medical
# signs reach a professional. A budget on false alarms (1 in 20, the target) pushed
# the threshold up to 0.5 and routed fewer red flags (92.6%): rejected.
MISSED_FLAG_COST = 8.0


def context_of(line: Labelled, before: Labelled | None = None) -> Context:
    """The context a line is judged in.

    Session lines: the exercise being done. Follow-ups, and any line that names the
    answer it came right after (`previous`, "lets go then" after a routine): that topic.
    Any other line is read as if it came right after the line before it in its
    file was answered: in a real chat most messages arrive with a last topic
    that has nothing to do with them, and the fitted context bonus must not
    drag them back to it.
    """
    if line.kind in ("session", "session-question") or (line.kind == "safety" and line.exercise):
        return Context(in_session=True, exercise=line.exercise)
    if line.kind == "followup" or line.previous is not None:
        return Context(last_topic=line.previous)
    if before is not None and before.ids and before.kind in ANSWERED_KINDS and before.source == line.source:
        return Context(last_topic=before.ids[0])
    return Context()


def outcome(line: Labelled, result: Understanding) -> str:
    """'ok', or what went wrong, for one labelled line."""
    if line.kind == "safety" or (SAFETY_ID in line.ids and isinstance(result, RedFlag)):
        return "ok" if isinstance(result, RedFlag) or (isinstance(result, Question) and result.entry_id == SAFETY_ID) else "missed-flag"
    if isinstance(result, RedFlag):
        return "false-alarm"
    if line.kind == "session":
        want = "done" if line.control == "load" else line.control
        return "ok" if isinstance(result, SessionControl) and result.action == want else "control"
    if line.kind == "command":
        if line.intent in ("greeting", "thanks"):
            return "ok" if isinstance(result, SmallTalk) and result.kind == line.intent else "intent"
        if not (isinstance(result, Command) and result.intent == line.intent):
            return "intent"
        return "ok" if slots_match(line.slots, result) else "slots"
    if isinstance(result, Command) and line.kind != "command":
        return "started-question" if starts_a_workout(result) else "executed-question"
    if line.kind == "ambiguous":
        return "ok" if isinstance(result, Question | OutOfScope) else "intent"
    if line.kind == "offtopic" or (line.kind == "figurative" and not line.ids):
        declined = isinstance(result, OutOfScope | SmallTalk | Unreadable) or (
            isinstance(result, Question) and result.decision == "did-you-mean"
        )
        return "ok" if declined else "answered-offtopic"
    if isinstance(result, Question) and result.decision == "answer":
        return "ok" if result.entry_id in line.ids else "wrong-entry"
    return "not-answered"


def starts_a_workout(result: Command) -> bool:
    """A start the shell carries out at once: one that names its routine (without, it offers the chooser)."""
    return result.intent == "start-session" and result.routine is not None


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def slots_match(labelled: dict[str, Any], command: Command) -> bool:
    """Whether the command carries the values its label names (a label may name some only).

    Labels: start-session {"routine": id or null}; schedule {"days": ["tue", ...], "time":
    "07:00"}; reminders-pause {"days": 7} or {"until": "mon"}.
    """
    if not labelled:
        return True
    if command.intent == "start-session":
        return command.routine == labelled.get("routine")
    if command.intent == "schedule":
        days, at = command.schedule.days, command.schedule.at
        if "days" in labelled and days != frozenset(WEEKDAYS.index(str(d)) for d in labelled["days"]):
            return False
        return "time" not in labelled or (at is not None and f"{at:%H:%M}" == labelled["time"])
    if command.intent == "reminders-pause":
        if "until" in labelled:
            return command.pause.until_weekday == WEEKDAYS.index(str(labelled["until"]))
        return command.pause.days == labelled.get("days")
    return True


@dataclass
class Report:
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    misses: list[tuple[Labelled, str, Understanding]] = field(default_factory=list)
    by_entry: dict[str, list[int]] = field(default_factory=dict)  # entry -> [ok, total]

    def add(self, line: Labelled, result: Understanding) -> None:
        verdict = outcome(line, result)
        self.by_kind.setdefault(line.kind, Counter())[verdict] += 1
        if line.kind in ANSWERED_KINDS and line.ids:
            tally = self.by_entry.setdefault(line.ids[0], [0, 0])
            tally[0] += verdict == "ok"
            tally[1] += 1
        if verdict != "ok":
            self.misses.append((line, verdict, result))

    def absorb(self, other: Report) -> None:
        """Add another report's counts to this one (several files, each scored on its own)."""
        for kind, counts in other.by_kind.items():
            self.by_kind.setdefault(kind, Counter()).update(counts)
        for entry, (ok, total) in other.by_entry.items():
            tally = self.by_entry.setdefault(entry, [0, 0])
            tally[0] += ok
            tally[1] += total
        self.misses.extend(other.misses)

    def count(self, verdict: str) -> int:
        """Lines of every kind with this verdict ("started-question")."""
        return sum(c[verdict] for c in self.by_kind.values())

    def rate(self, kinds: frozenset[str] | set[str]) -> tuple[int, int]:
        ok = sum(c["ok"] for k, c in self.by_kind.items() if k in kinds)
        total = sum(sum(c.values()) for k, c in self.by_kind.items() if k in kinds)
        return ok, total

    def summary(self) -> dict[str, float | None]:
        def pct(kinds: set[str] | frozenset[str]) -> float | None:
            ok, total = self.rate(kinds)
            return round(100.0 * ok / total, 1) if total else None

        harmless = [c for k, c in self.by_kind.items() if k in ("symptom", "figurative")]
        alarms = sum(c["false-alarm"] for c in harmless)
        n_harmless = sum(sum(c.values()) for c in harmless)
        return {
            "answered_right": pct(ANSWERED_KINDS),
            "declined": pct({"offtopic"}),
            "red_flags_routed": pct({"safety"}),
            "false_alarms_per_20": round(20.0 * alarms / n_harmless, 2) if n_harmless else None,
            "commands": pct({"command"}),
            "session_controls": pct({"session"}),
        }


def score(report: Report) -> float:
    """The objective the thresholds maximise: the targets, missed red flags weighted up."""
    s = report.summary()
    answered = (s["answered_right"] or 0.0) / 100
    declined = (s["declined"] or 0.0) / 100
    flags = (s["red_flags_routed"] or 0.0) / 100
    alarms = (s["false_alarms_per_20"] or 0.0) / 20
    commands = (s["commands"] or 0.0) / 100
    controls = (s["session_controls"] or 0.0) / 100
    return answered + declined + MISSED_FLAG_COST * flags - alarms + 0.5 * commands + 0.5 * controls


@dataclass(frozen=True)
class Held:
    line: Labelled
    signals: Signals | None
    understander: Understander  # trained without this line's fold
    context: Context
    fold: int

    def decide(self, params: Params) -> Understanding:
        if self.signals is None:
            return Unreadable("empty")
        u = self.understander
        return u.with_slots(u.decide(self.signals, self.context, params), self.line.text, self.signals, self.context)


def folds_by_file(lines: tuple[Labelled, ...], k: int = FOLDS) -> list[set[str]]:
    """Files dealt into ``k`` folds of similar size (largest first): a file is never split."""
    sizes = Counter(line.source for line in lines)
    folds: list[set[str]] = [set() for _ in range(min(k, len(sizes)))]
    load = [0] * len(folds)
    for source, n in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        i = load.index(min(load))
        folds[i].add(source)
        load[i] += n
    return folds


def held_out_signals(library: Library, knowledge: Knowledge) -> list[Held]:
    """Signals for every labelled line from models trained without its file's fold."""
    base = base_rows(library, knowledge)
    held: list[Held] = []
    for n, fold in enumerate(folds_by_file(knowledge.labelled)):
        rows = base + [labelled_row(x) for x in knowledge.labelled if x.source not in fold]
        u = Understander(train(rows, knowledge.vocabulary), knowledge, library, Params())
        for before, line in zip((None, *knowledge.labelled), knowledge.labelled, strict=False):
            if line.source in fold:
                signals = None if u.unreadable(line.text) else u.signals(line.text)
                held.append(Held(line, signals, u, context_of(line, before), n))
    return held


def evaluate_held(held: list[Held], params: Params) -> Report:
    report = Report()
    for h in held:
        report.add(h.line, h.decide(params))
    return report


def _move(name: str, value: float) -> dict[str, float]:
    return {name: value, "suggest_at": value * SUGGEST_SHARE} if name == "answer_at" else {name: value}


def _smoothed(raw: list[list[float]], i: int, j: int) -> float:
    """The mean score of grid cell (i, j) and its neighbours along both axes (clipped)."""
    cells = [raw[a][b] for a in range(max(0, i - 1), min(len(raw), i + 2))
             for b in range(max(0, j - 1), min(len(raw[0]), j + 2))]
    return sum(cells) / len(cells)


def _on_grid(params: Params) -> Params:
    """Each searched value moved to its nearest GRID value (the first of two as near).

    The search starts here: from a default off the grid (0 under a floor) it could stay
    off it, since a move must beat where it stands, and a floor would not hold.
    """
    near = {name: min(values, key=lambda v: abs(v - getattr(params, name))) for name, values in GRID.items()}
    return replace(params, **{name: v for name, v in near.items() if v != getattr(params, name)})


class _Search:
    """Coordinate search over GRID on held-out signals, each score computed once."""

    def __init__(self, held: list[Held]) -> None:
        self.held = held
        self.scores: dict[Params, float] = {}
        self.best = _on_grid(Params())

    def raw(self, params: Params) -> float:
        if params not in self.scores:
            self.scores[params] = score(evaluate_held(self.held, params))
        return self.scores[params]

    def sweep(self, a: str, b: str | None = None) -> None:
        """Move to the grid cell whose neighbourhood scores best, if it beats where we are.

        A value is judged by the mean of its own score and its grid neighbours': a threshold
        on a narrow peak of the folds' objective is one that the next batch of wording moves
        (flag_at swung between 0.15 and 0.3 with each batch), a plateau is not.
        """
        def at(va: float, vb: float | None) -> Params:
            return replace(self.best, **_move(a, va), **(_move(b, vb) if b is not None and vb is not None else {}))

        values_b: tuple[float | None, ...] = GRID[b] if b is not None else (None,)
        cands = [[at(va, vb) for vb in values_b] for va in GRID[a]]
        raw = [[self.raw(c) for c in row] for row in cands]
        smooth = {(i, j): _smoothed(raw, i, j) for i, row in enumerate(cands) for j in range(len(row))}
        # Where the search stands now, judged the same way (off the grid: its own score).
        here = next((cell for cell in smooth if cands[cell[0]][cell[1]] == self.best), None)
        here_score = smooth[here] if here is not None else self.raw(self.best)
        top = max(smooth, key=smooth.__getitem__)  # the first of equals, in grid order
        if smooth[top] > here_score + 1e-9:
            self.best = cands[top[0]][top[1]]


def fit_params(held: list[Held]) -> Params:
    """Coordinate search over GRID (and JOINT pairs) on held-out signals (two passes)."""
    search = _Search(held)
    for _ in range(2):
        for name in GRID:
            search.sweep(name)
        for a, b in JOINT:
            search.sweep(a, b)
    return search.best


def cross_validate(held: list[Held]) -> Report:
    """Each fold's lines decided with parameters fitted on the other folds' held-out signals."""
    report = Report()
    for fold in sorted({h.fold for h in held}):
        params = fit_params([h for h in held if h.fold != fold])
        for h in held:
            if h.fold == fold:
                report.add(h.line, h.decide(params))
    return report


def write_fitted(path: Path, params: Params, fingerprint: str, report: Report) -> None:
    """fitted.toml: the parameters, the data they were fitted on, and the CV figures."""
    lines = [
        "# Written by `stridecoach fit`: weights and thresholds fitted on held-out folds",
        "# (content/understanding/fitting.py). Do not edit by hand; re-run after changing",
        "# anything under content/data (a test checks the fingerprint is current).",
        f'data_fingerprint = "{fingerprint}"',
        "",
        "[params]",
        *(f"{f.name} = {getattr(params, f.name)!r}" for f in fields(params)),
        "",
        "[cross_validated]",
        *(f"{k} = {v!r}" for k, v in report.summary().items() if v is not None),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_fingerprint(path: Path) -> str | None:
    if not path.exists():
        return None
    with path.open("rb") as f:
        value = tomllib.load(f).get("data_fingerprint")
    return value if isinstance(value, str) else None
