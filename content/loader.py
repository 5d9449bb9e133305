"""Load and validate the coach-editable TOML files under content/data.

One file per entry: ``exercises/<id>.toml``, ``topics/<id>.toml`` and
``routines/<id>.toml``. The folder decides the entry's kind. Validation is
strict on purpose: a coach who mistypes a field name should get an error that
names the file and the field at start-up, not a bot that silently ignores it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from stridecoach.content.model import Dose, Entry, Exercise, Library, Routine, RoutineStep

DATA_DIR = Path(__file__).parent / "data"

# The ids the question sets and the evaluation label answers by (see
# content-outline.md). Renaming one breaks every labelled question.
OUTLINE_IDS: dict[str, tuple[str, ...]] = {
    "exercises": (
        "jump-rope",
        "single-leg-calf-raise",
        "toe-walking",
        "ankle-knee-push",
        "jumping-half-chair-squat",
        "double-leg-calf-raise",
        "weighted-calf-raise",
        "glute-engagement-test",
        "hollow-body-hold",
        "hip-mobility-twist",
        "hip-flexor-release",
    ),
    "topics": (
        "why-calf-strength",
        "calf-routine-guidelines",
        "toe-running",
        "injury-prevention",
        "low-back-pain-causes",
        "core-strength",
        "hip-flexors-and-sitting",
        "see-a-professional",
    ),
    "routines": ("calf-routine", "back-routine"),
}

# Telegram shows at most 4096 characters; keep answers well inside that.
MAX_ANSWER_CHARS = 1200


class ContentError(ValueError):
    """A content file is missing, malformed or inconsistent."""


# field name -> (accepted types, required). ``bool`` is checked before ``int``
# because ``True`` is an ``int`` in Python.
_COMMON: dict[str, tuple[tuple[type, ...], bool]] = {
    "id": ((str,), True),
    "title": ((str,), True),
    "answer": ((str,), True),
    "phrasings": ((list,), False),
    "keywords": ((list,), False),
}
_EXERCISE = {
    **_COMMON,
    "dose": ((dict,), True),
    "equipment": ((list,), False),
    "cues": ((list,), False),
    "timed": ((bool,), False),
}
_ROUTINE = {**_COMMON, "steps": ((list,), True)}
_KIND_SCHEMA = {"exercises": _EXERCISE, "topics": _COMMON, "routines": _ROUTINE}


def _dataclass_schema(cls: type) -> dict[str, tuple[tuple[type, ...], bool]]:
    """Build a schema from a dataclass: fields without defaults are required."""
    out: dict[str, tuple[tuple[type, ...], bool]] = {}
    for f in fields(cls):
        ann = str(f.type)
        if "bool" in ann:
            types: tuple[type, ...] = (bool,)
        elif "int" in ann:
            types = (int,)
        else:
            types = (str,)
        required = f.default is f.default_factory  # both MISSING: no default
        out[f.name] = (types, required)
    return out


_DOSE_SCHEMA = _dataclass_schema(Dose)
_STEP_SCHEMA = _dataclass_schema(RoutineStep)


def _fail(path: Path, where: str, problem: str) -> ContentError:
    return ContentError(f"{path}: field '{where}': {problem}")


def _check_fields(
    path: Path, raw: dict[str, Any], schema: dict[str, tuple[tuple[type, ...], bool]], prefix: str = ""
) -> None:
    for key in raw:
        if key not in schema:
            raise _fail(path, prefix + key, f"unknown field (allowed: {', '.join(schema)})")
    for key, (types, required) in schema.items():
        if key not in raw:
            if required:
                raise _fail(path, prefix + key, "missing required field")
            continue
        value = raw[key]
        ok = isinstance(value, types) and not (bool not in types and isinstance(value, bool))
        if not ok:
            wanted = " or ".join(t.__name__ for t in types)
            raise _fail(path, prefix + key, f"expected {wanted}, got {type(value).__name__}")


def _str_list(path: Path, raw: dict[str, Any], key: str) -> tuple[str, ...]:
    items = raw.get(key, [])
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise _fail(path, f"{key}[{i}]", "expected a non-empty string")
    return tuple(items)


def _load_file(path: Path, folder: str, root: Path) -> Entry:
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: field '(file)': invalid TOML: {exc}") from exc
    _check_fields(path, raw, _KIND_SCHEMA[folder])
    if raw["id"] != path.stem:
        raise _fail(path, "id", f"'{raw['id']}' does not match the file name '{path.stem}'")
    for key in ("title", "answer"):
        if not raw[key].strip():
            raise _fail(path, key, "must not be empty")
    if len(raw["answer"]) > MAX_ANSWER_CHARS:
        raise _fail(path, "answer", f"longer than {MAX_ANSWER_CHARS} characters")
    common = dict(
        id=raw["id"],
        title=raw["title"].strip(),
        answer=raw["answer"].strip(),
        phrasings=_str_list(path, raw, "phrasings"),
        keywords=_str_list(path, raw, "keywords"),
        source_file=str(path.relative_to(root)) if path.is_relative_to(root) else str(path),
    )
    if folder == "topics":
        return Entry(kind="topic", **common)
    if folder == "exercises":
        _check_fields(path, raw["dose"], _DOSE_SCHEMA, prefix="dose.")
        return Exercise(
            kind="exercise",
            dose=Dose(**raw["dose"]),
            equipment=_str_list(path, raw, "equipment"),
            cues=_str_list(path, raw, "cues"),
            timed=raw.get("timed", False),
            **common,
        )
    steps = []
    if not raw["steps"]:
        raise _fail(path, "steps", "a routine needs at least one step")
    for i, step in enumerate(raw["steps"]):
        if not isinstance(step, dict):
            raise _fail(path, f"steps[{i}]", "expected a table ([[steps]])")
        _check_fields(path, step, _STEP_SCHEMA, prefix=f"steps[{i}].")
        if step["sets"] < 1:
            raise _fail(path, f"steps[{i}].sets", "must be at least 1")
        steps.append(RoutineStep(**step))
    return Routine(kind="routine", steps=tuple(steps), **common)


def load_library(data_dir: Path | None = None) -> Library:
    """Read and validate every entry under ``data_dir`` (default: content/data).

    Raises ContentError naming the file and field on the first problem found.
    """
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    if not root.is_dir():
        raise ContentError(f"{root}: field '(folder)': content folder not found")
    buckets: dict[str, dict[str, Any]] = {"exercises": {}, "topics": {}, "routines": {}}
    seen: dict[str, Path] = {}
    for folder, bucket in buckets.items():
        for path in sorted((root / folder).glob("*.toml")):
            entry = _load_file(path, folder, root)
            if entry.id in seen:
                raise _fail(path, "id", f"duplicate id '{entry.id}' (also in {seen[entry.id]})")
            seen[entry.id] = path
            bucket[entry.id] = entry
    library = Library(exercises=buckets["exercises"], topics=buckets["topics"], routines=buckets["routines"])
    for routine in library.routines.values():
        for i, step in enumerate(routine.steps):
            if step.exercise_id not in library.exercises:
                raise _fail(
                    root / routine.source_file,
                    f"steps[{i}].exercise_id",
                    f"unknown exercise '{step.exercise_id}'",
                )
    return library


@lru_cache(maxsize=1)
def default_library() -> Library:
    """The packaged library, loaded once per process."""
    return load_library()


def check_outline_ids(library: Library) -> list[str]:
    """Return the outline ids missing from ``library`` (or filed under the wrong kind)."""
    have: dict[str, Mapping[str, Entry]] = {
        "exercises": library.exercises, "topics": library.topics, "routines": library.routines,
    }
    return [i for kind, ids in OUTLINE_IDS.items() for i in ids if i not in have[kind]]
