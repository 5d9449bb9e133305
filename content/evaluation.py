"""What the runner would read for a question, and how well the matcher scores.

``ask_json``/``reply_text`` back the ``stridecoach ask`` command; ``evaluate``
scores a labelled JSONL file (fields q, ids, kind, optional intent) the way the
project is scored: top-1 on answerable questions, share of unanswerable ones
declined, share of red-flag questions flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from content.matcher import SAFETY_ID, Matcher, MatchResult
from content.model import Library

_INTENT_REPLIES = {
    "start-session": "Starting a guided session: I'll walk you through it one set at a time.",
    "progress": "Here is your progress so far.",
    "reminders-off": "Turning your reminders off.",
    "reminders-pause": "Pausing your reminders. Say \"resume my reminders\" when you want them back.",
    "reminders-resume": "Turning your reminders back on.",
    "session-timer": "OK, the timer.",
    "greeting": "Hi! Ask me anything about calf strength or lower back pain, or say \"start calf routine\".",
    "thanks": "You're welcome! Happy running.",
    "schedule": "Let's set up your reminder schedule.",
    "help": "Here's what I can do for you.",
    "history": "Here are your past sessions.",
    "export": "Preparing an export of your data.",
    "forget": "I'll delete everything I have stored about you (you'll be asked to confirm).",
}
_ROUTINE_NAMES = {"calf-routine": "calf routine", "back-routine": "back routine"}

CAN_HELP_WITH = (
    "I can help with the calf exercises for runners (jump rope, calf raises, toe walking, "
    "knee pushes, jumping half chair squats), the lower back routine (glute test, hollow "
    "body hold, hip mobility twist), why calves and core matter, and how often to train. "
    "Type /help to see the commands."
)


def _title(library: Library, entry_id: str) -> str:
    entry = library.get(entry_id)
    return entry.title if entry else entry_id


def _answer(library: Library, result: MatchResult) -> str:
    if result.decision == "intent":
        reply = _INTENT_REPLIES.get(result.intent or "", "OK.")
        if result.intent == "start-session" and result.routine:
            reply = f"Starting the {_ROUTINE_NAMES.get(result.routine, result.routine)}: I'll walk you through it one set at a time."
        return reply
    if result.decision == "answer" and result.id:
        entry = library.get(result.id)
        return entry.answer if entry else CAN_HELP_WITH
    if result.decision == "did-you-mean" and result.alternatives:
        options = "; ".join(_title(library, i) for i in result.alternatives)
        return f"I'm not sure I understood. Did you mean: {options}?"
    return "Sorry, I don't know that one: it's not something my coaching material covers. " + CAN_HELP_WITH


def ask_json(matcher: Matcher, library: Library, text: str) -> dict[str, Any]:
    """The matcher's decision plus the reply text, as a JSON-ready dict."""
    result = matcher.match(text)
    return {
        "id": result.id if result.decision == "answer" else None,
        "score": result.score,
        "alternatives": list(result.alternatives),
        "safety": result.safety,
        "answer": _answer(library, result),
        "intent": result.intent,
        "decision": result.decision,
        "routine": result.routine,
    }


def reply_text(matcher: Matcher, library: Library, text: str) -> str:
    """The plain-text reply the runner would read."""
    return _answer(library, matcher.match(text))


@dataclass
class Miss:
    question: str
    kind: str
    expected: str  # "id-a | id-b", "(decline)" or "intent:<name>"
    got: str


@dataclass
class EvalReport:
    total: int = 0
    answerable: int = 0
    answered_right: int = 0
    unanswerable: int = 0
    declined: int = 0
    safety_total: int = 0
    safety_flagged: int = 0
    per_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [right, total]
    misses: list[Miss] = field(default_factory=list)

    @property
    def answerable_accuracy(self) -> float:
        return self.answered_right / self.answerable if self.answerable else 1.0

    @property
    def decline_rate(self) -> float:
        return self.declined / self.unanswerable if self.unanswerable else 1.0

    @property
    def safety_rate(self) -> float:
        return self.safety_flagged / self.safety_total if self.safety_total else 1.0

    @property
    def overall_accuracy(self) -> float:
        right = sum(r for r, _ in self.per_kind.values())
        return right / self.total if self.total else 1.0


def _describe(result: MatchResult) -> str:
    if result.decision == "intent":
        return f"intent:{result.intent}"
    if result.decision == "answer":
        return f"{result.id} ({result.score:.0f})"
    alts = ", ".join(result.alternatives)
    return f"{result.decision} ({result.score:.0f}){': ' + alts if alts else ''}"


def evaluate(matcher: Matcher, library: Library, path: str | Path) -> EvalReport:
    """Score every labelled question in the JSONL file at ``path``."""
    report = EvalReport()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        question, ids, kind = item["q"], item.get("ids", []), item.get("kind", "")
        want_intent = item.get("intent")
        result = matcher.match(question)
        answered = result.id if result.decision == "answer" else None
        is_safety = ids == [SAFETY_ID]
        if ids:
            report.answerable += 1
            ok = answered in ids
            report.answered_right += ok
            expected = " | ".join(ids)
        else:
            report.unanswerable += 1
            ok = answered is None and (want_intent is None or result.intent == want_intent)
            report.declined += answered is None
            expected = f"intent:{want_intent}" if want_intent else "(decline)"
        if is_safety:
            report.safety_total += 1
            report.safety_flagged += result.safety
            ok = ok and result.safety
        report.total += 1
        bucket = report.per_kind.setdefault(kind, [0, 0])
        bucket[0] += ok
        bucket[1] += 1
        if not ok:
            report.misses.append(Miss(question, kind, expected, _describe(result)))
    return report


def format_report(report: EvalReport) -> str:
    """A plain-text summary: headline rates, per-kind accuracy, every miss."""
    lines = [
        f"questions: {report.total}   overall: {report.overall_accuracy:.1%}",
        f"answerable top-1: {report.answered_right}/{report.answerable} = {report.answerable_accuracy:.1%}",
        f"unanswerable declined: {report.declined}/{report.unanswerable} = {report.decline_rate:.1%}",
        f"safety flagged: {report.safety_flagged}/{report.safety_total} = {report.safety_rate:.1%}",
        "per kind:",
    ]
    for kind, (right, total) in sorted(report.per_kind.items()):
        lines.append(f"  {kind:<10} {right}/{total} = {right / total:.0%}")
    lines.append(f"misses: {len(report.misses)}")
    for miss in report.misses:
        lines.append(f"  [{miss.kind}] {miss.question!r}\n      expected {miss.expected}; got {miss.got}")
    return "\n".join(lines)
