"""Load the understanding knowledge: vocabulary, intents, session controls, red
flags, out-of-scope examples (TOML) and labelled question files (JSONL).

Everything the model learns from is here, as data a coach can edit. Validation
is strict: a mistyped field or an unknown label names the file and the line.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stridecoach.content.model import Library
from stridecoach.content.understanding.text import Vocabulary

UNDERSTANDING_DIR = "understanding"
EXAMPLES_DIR = "examples"
# Open word lists kept beside vocabulary.toml (medical names, symptoms in everyday words):
# read as if they were its [words] and [phrases]; a key may be given in one file only.
VOCABULARY_DIR = "vocabulary"
OUT_OF_SCOPE = "out-of-scope"
SAFETY_ID = "see-a-professional"
TIERS = ("urgent", "professional")
# Kinds of labelled line (see docs/understanding.md).
ANSWERABLE_KINDS = frozenset(
    {"howto", "dose", "why", "which", "terse", "typo", "chatty", "question", "slang", "symptom", "not-command", "answerable"}
)
KINDS = ANSWERABLE_KINDS | {
    "offtopic", "unanswerable", "safety", "figurative", "command", "session", "session-question", "followup",
}
# Controls a labelled file may use; "load" is a "done" that carries a load.
LOAD_CONTROL = "load"


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names the file and the place."""


@dataclass(frozen=True)
class Labelled:
    """One labelled message from a JSONL file."""

    text: str
    kind: str
    ids: tuple[str, ...] = ()
    intent: str | None = None
    tier: str | None = None
    control: str | None = None
    exercise: str | None = None  # the exercise being done (session lines)
    previous: str | None = None  # the topic answered just before (follow-ups)
    slots: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # file name: cross-validation folds are grouped by it


@dataclass(frozen=True)
class Knowledge:
    vocabulary: Vocabulary
    intents: dict[str, tuple[str, ...]]  # intent -> examples
    routine_words: dict[str, frozenset[str]]  # routine id -> words that name it in a start
    controls: dict[str, tuple[str, ...]]  # session control -> examples
    session_questions: tuple[str, ...]  # questions asked mid-set: not controls
    red_flags: dict[str, tuple[str, ...]]  # tier -> examples
    benign: tuple[str, ...]  # counter-examples for red flags
    out_of_scope: tuple[str, ...]
    labelled: tuple[Labelled, ...]  # every line of content/data/examples/*.jsonl


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"{path}: not valid TOML ({exc})") from exc


def _strings(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{path}: field '{where}': must be a list of non-empty strings")
    return tuple(value)


def _named_lists(path: Path, raw: dict[str, Any], table: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    items = raw.get(table)
    if not isinstance(items, list) or not items:
        raise KnowledgeError(f"{path}: field '{table}': must be a non-empty array of tables")
    for i, item in enumerate(items):
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise KnowledgeError(f"{path}: field '{table}[{i}].name': missing")
        if name in out:
            raise KnowledgeError(f"{path}: field '{table}[{i}].name': duplicate '{name}'")
        out[name] = _strings(path, f"{table}[{i}].examples", item.get("examples"))
    return out


def _vocabulary(path: Path) -> Vocabulary:
    """vocabulary.toml, plus the word lists of VOCABULARY_DIR beside it (each a [words] and a [phrases] table)."""
    raw = _read_toml(path)
    maps = _word_maps(path, raw)
    for extra in sorted((path.parent / VOCABULARY_DIR).glob("*.toml")):
        extra_raw = _read_toml(extra)
        if other := sorted(set(extra_raw) - {"words", "phrases"}):
            raise KnowledgeError(f"{extra}: field '{other[0]}': a word list has only [words] and [phrases]")
        for table, more in _word_maps(extra, extra_raw).items():
            if twice := sorted(more.keys() & maps[table].keys()):
                raise KnowledgeError(f"{extra}: field '{table}.{twice[0]}': already given in another vocabulary file")
            maps[table] |= more
    languages = raw.get("languages", {})
    english = _strings(path, "languages.english", languages.get("english", []))
    foreign = [w for key, ws in languages.items() if key != "english" for w in _strings(path, f"languages.{key}", ws)]
    fillers = _strings(path, "fillers.words", raw.get("fillers", {}).get("words", []))
    return Vocabulary(
        maps["words"], maps["phrases"], frozenset(foreign), frozenset(english), frozenset(fillers), _symbols(path, raw)
    )


def _word_maps(path: Path, raw: dict[str, Any]) -> dict[str, dict[str, str]]:
    """[words] (one word -> canonical words) and [phrases] (two words or more -> canonical words)."""
    maps: dict[str, dict[str, str]] = {}
    for table in ("words", "phrases"):
        value = raw.get(table, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise KnowledgeError(f"{path}: field '{table}': must map strings to strings")
        maps[table] = {k.lower(): v.lower() for k, v in value.items()}
    for phrase in maps["phrases"]:
        if len(phrase.split()) < 2:
            raise KnowledgeError(f"{path}: field 'phrases.{phrase}': a phrase has two words or more")
    return maps


def _symbols(path: Path, raw: dict[str, Any]) -> dict[str, str]:
    """[symbols]: one character (an emoji's variation selector aside) that is not a letter or digit -> words."""
    value = raw.get("symbols", {})
    if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise KnowledgeError(f"{path}: field 'symbols': must map symbols to words")
    out: dict[str, str] = {}
    for key, word in value.items():
        symbol = key.replace("\ufe0f", "")
        if len(symbol) != 1 or symbol.isalnum():
            raise KnowledgeError(f"{path}: field 'symbols.{key}': one emoji or symbol, not a letter or digit")
        out[symbol] = word.lower()
    return out


def _labelled_line(path: Path, n: int, raw: Any, known: set[str], intents: set[str], controls: set[str]) -> Labelled:
    where = f"{path.name}:{n}"
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str):
        raise KnowledgeError(f"{where}: each line is an object with a string 'q'")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise KnowledgeError(f"{where}: unknown kind {kind!r}")
    ids = tuple(raw.get("ids") or ())
    for entry_id in ids:
        if entry_id not in known:
            raise KnowledgeError(f"{where}: unknown id {entry_id!r}")
    intent = raw.get("intent")
    if kind == "command" and intent not in intents:
        raise KnowledgeError(f"{where}: unknown intent {intent!r}")
    control = raw.get("control")
    if kind == "session" and control not in controls | {LOAD_CONTROL}:
        raise KnowledgeError(f"{where}: unknown control {control!r}")
    tier = raw.get("tier", "professional" if kind == "safety" else None)
    if kind == "safety" and tier not in TIERS:
        raise KnowledgeError(f"{where}: tier must be one of {TIERS}")
    if kind == "unanswerable":
        kind = "offtopic"
    if kind in ANSWERABLE_KINDS and not ids:
        kind = "ambiguous"  # a one-word topic ("calves"): any near entry or a "did you mean" will do
    return Labelled(
        text=raw["q"], kind=kind, ids=ids, intent=intent, tier=tier, control=control,
        exercise=raw.get("exercise"), previous=raw.get("previous"), slots=dict(raw.get("slots") or {}),
        source=path.name,
    )


def read_labelled(path: Path, library: Library, intents: set[str], controls: set[str]) -> list[Labelled]:
    """Parse a labelled JSONL file, validating every line against the library."""
    known = {e.id for e in library.all_entries()}
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise KnowledgeError(f"{path.name}:{n}: not valid JSON ({exc.msg})") from exc
            out.append(_labelled_line(path, n, raw, known, intents, controls))
    return out


def load_knowledge(data_dir: Path, library: Library, *, labelled: bool = True) -> Knowledge:
    """Read content/data/understanding/*.toml and content/data/examples/*.jsonl.

    Without ``labelled`` the example files are not read: serving from saved models
    never needs them (only training does), and held in memory they cost about 7 MB.
    """
    folder = data_dir / UNDERSTANDING_DIR
    intents_raw = _read_toml(folder / "intents.toml")
    intents = _named_lists(folder / "intents.toml", intents_raw, "intent")
    routine_words: dict[str, frozenset[str]] = {}
    for item in intents_raw["intent"]:
        for routine, words in (item.get("routines") or {}).items():
            if routine not in library.routines:
                raise KnowledgeError(f"{folder / 'intents.toml'}: unknown routine {routine!r}")
            routine_words[routine] = frozenset(_strings(folder / "intents.toml", f"routines.{routine}", words))
    session_raw = _read_toml(folder / "session.toml")
    controls = _named_lists(folder / "session.toml", session_raw, "control")
    session_questions = _strings(
        folder / "session.toml", "questions.examples", session_raw.get("questions", {}).get("examples", [])
    )
    flags_raw = _read_toml(folder / "red_flags.toml")
    red_flags = {t: _strings(folder / "red_flags.toml", f"{t}.examples", flags_raw.get(t, {}).get("examples")) for t in TIERS}
    benign = _strings(folder / "red_flags.toml", "benign.examples", flags_raw.get("benign", {}).get("examples"))
    benign += _strings(folder / "red_flags.toml", "benign.more", flags_raw.get("benign", {}).get("more", []))
    benign += _strings(folder / "red_flags.toml", "benign.replies", flags_raw.get("benign", {}).get("replies", []))
    oos_path = folder / "out_of_scope.toml"
    out_of_scope = _strings(oos_path, "examples", _read_toml(oos_path).get("examples"))
    lines = read_examples(data_dir, library, set(intents), set(controls)) if labelled else ()
    return Knowledge(
        vocabulary=_vocabulary(folder / "vocabulary.toml"), intents=intents, routine_words=routine_words,
        controls=controls, session_questions=session_questions, red_flags=red_flags, benign=benign,
        out_of_scope=out_of_scope,
        labelled=lines,
    )


def read_examples(data_dir: Path, library: Library, intents: set[str], controls: set[str]) -> tuple[Labelled, ...]:
    """Every labelled line of content/data/examples/*.jsonl, checked against the library."""
    lines: list[Labelled] = []
    for path in sorted((data_dir / EXAMPLES_DIR).glob("*.jsonl")):
        lines += read_labelled(path, library, intents, controls)
    return tuple(lines)
