"""What the runner would read for a message, and how well the understanding step scores.

``ask_json``/``reply_text`` back ``stridecoach ask``; ``evaluate_file`` scores a
held-out labelled JSONL file with the trained models; ``cross_validated``
reports figures where every labelled file was held out of training in turn
(content/understanding/fitting.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stridecoach.content.model import Library
from stridecoach.content.understanding import (
    Command, Context, OutOfScope, Question, RedFlag, SessionControl, SmallTalk, Understander, Understanding,
    Unreadable,
)
from stridecoach.content.understanding.fitting import WEEKDAYS, Report, context_of
from stridecoach.content.understanding.knowledge import SAFETY_ID, Labelled, read_labelled
from stridecoach.content.understanding.results import PauseSlots, ScheduleSlots

CAN_HELP_WITH = (
    "I can help with the calf exercises for runners (jump rope, calf raises, toe walking, "
    "knee pushes, jumping half chair squats), the lower back routine (glute test, hollow "
    "body hold, hip mobility twist), why calves and core matter, and how often to train. "
    "Type /help to see the commands."
)
URGENT_LEAD = (
    "This could be serious: please get urgent medical help now (call your local emergency number "
    "or go to an emergency department). Don't train until you've been checked."
)
# A message the bot cannot read may be about a medical sign it cannot see: the reply
# points to a professional too, as every red flag's does (docs/understanding.md).
ENGLISH_ONLY = (
    "Sorry, I only understand English. Please ask me in English. If it's about pain, an "
    "injury or a health problem, please see a doctor or physical therapist."
)
EMPTY = "That message looks empty. Ask me something, for example: calf raises without weights?"


def describe(result: Understanding) -> dict[str, Any]:
    """The result as a flat JSON object (``stridecoach ask --json``)."""
    out: dict[str, Any] = {"type": type(result).__name__, "id": None, "score": None, "alternatives": [], "safety": False}
    match result:
        case RedFlag(tier=tier, score=score):
            out.update(id=SAFETY_ID, safety=True, tier=tier, score=round(score, 3))
        case Question(entry_id=entry_id, confidence=conf, decision=decision, alternatives=alts):
            out.update(id=entry_id, score=round(conf, 3), decision=decision, alternatives=list(alts))
        case OutOfScope(score=score, alternatives=alts):
            out.update(score=round(score, 3), alternatives=list(alts))
        case Command(intent=intent, score=score, routine=routine, schedule=schedule, pause=pause):
            out.update(intent=intent, score=round(score, 3), routine=routine, slots=_slots(schedule, pause))
        case SessionControl(action=action, score=score):
            out.update(control=action, score=round(score, 3))
        case SmallTalk(kind=kind):
            out.update(intent=kind)
        case Unreadable(reason=reason):
            out.update(reason=reason)
    return out


def reply_text(understander: Understander, library: Library, text: str) -> str:
    """The plain text a runner would read (commands are described, not carried out)."""
    result = understander.understand(text)
    match result:
        case RedFlag(tier=tier):
            safety = library.get(SAFETY_ID)
            body = safety.answer if safety else ""
            return f"{URGENT_LEAD}\n\n{body}" if tier == "urgent" else body
        case Question(entry_id=str() as entry_id, decision="answer"):
            entry = library.get(entry_id)
            return entry.answer if entry else CAN_HELP_WITH
        case Question(alternatives=alts) if alts:
            return "I'm not sure I understood. Did you mean: " + "; ".join(_title(library, i) for i in alts) + "?"
        case Command(intent=intent, routine=routine, schedule=schedule, pause=pause):
            named = {"routine": routine} if routine else {}
            named |= _slots(schedule, pause)
            return f"(command: {intent}{' ' + json.dumps(named) if named else ''})"
        case SmallTalk(kind=kind):
            return "Hi! Ask me anything about calf strength or lower back pain." if kind == "greeting" else "You're welcome!"
        case Unreadable(reason="foreign"):
            return ENGLISH_ONLY
        case Unreadable():
            return EMPTY
    return "I don't know that one, sorry. " + CAN_HELP_WITH


def ask_json(understander: Understander, library: Library, text: str) -> dict[str, Any]:
    """The verdict as JSON, with the reply text a runner would read under "answer"."""
    return {"q": text, **describe(understander.understand(text)), "answer": reply_text(understander, library, text)}


def _slots(schedule: ScheduleSlots, pause: PauseSlots) -> dict[str, Any]:
    """The values a command carries, in the labelled files' terms (days "mon".."sun", "HH:MM")."""
    out: dict[str, Any] = {}
    if schedule.days:
        out["days"] = [WEEKDAYS[d] for d in sorted(schedule.days)]
    if schedule.at is not None:
        out["time"] = f"{schedule.at:%H:%M}"
    if pause.days is not None:
        out["pause_days"] = pause.days
    if pause.until_weekday is not None:
        out["until"] = WEEKDAYS[pause.until_weekday]
    return out


def _title(library: Library, entry_id: str) -> str:
    entry = library.get(entry_id)
    return entry.title if entry else entry_id


def evaluate_lines(understander: Understander, lines: list[Labelled]) -> Report:
    report = Report()
    for before, line in zip((None, *lines), lines, strict=False):
        report.add(line, understander.understand(line.text, context_of(line, before)))
    return report


def evaluate_file(understander: Understander, library: Library, path: str | Path) -> Report:
    """Score a labelled file the models were not trained on."""
    k = understander.knowledge
    lines = read_labelled(Path(path), library, set(k.intents), set(k.controls))
    return evaluate_lines(understander, lines)


def format_report(report: Report, *, misses: bool = True) -> str:
    s = report.summary()
    out = [
        f"answered right first time: {_pct(s['answered_right'])}",
        f"out-of-scope declined:     {_pct(s['declined'])}",
        f"red flags routed:          {_pct(s['red_flags_routed'])}",
        f"false alarms per 20 harmless messages with symptom words: {s['false_alarms_per_20']}",
        f"commands carried out:      {_pct(s['commands'])}",
        f"session controls:          {_pct(s['session_controls'])}",
        f"questions started as a workout: {report.count('started-question')}",
        "",
        "per kind (ok / total):",
    ]
    for kind, counts in sorted(report.by_kind.items()):
        total = sum(counts.values())
        wrong = ", ".join(f"{v} {k}" for k, v in counts.most_common() if k != "ok")
        out.append(f"  {kind:<17} {counts['ok']:>4} / {total:<4} {wrong}")
    per_entry = dict(sorted(report.by_entry.items()))
    if per_entry:
        out.append("")
        out.append("per entry (answerable lines, ok / total):")
        out += [f"  {e:<26} {ok:>3} / {total}" for e, (ok, total) in per_entry.items()]
    if misses and report.misses:
        out.append("")
        out.append("confusions (expected -> got):")
        for line, verdict, result in report.misses:
            want = ",".join(line.ids) or line.intent or line.control or line.kind
            got = describe(result)
            got_s = got.get("id") or got.get("intent") or got.get("control") or got["type"]
            out.append(f"  [{verdict}] {want} -> {got_s}: {line.text[:90]!r}")
    return "\n".join(out)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


__all__ = ["Context", "ask_json", "describe", "evaluate_file", "format_report", "reply_text"]
