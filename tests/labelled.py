"""The labelled question files, for tests that read them all.

The training examples (content/data/examples) and the held-out sets (tests/data/holdout,
never trained on): docs/understanding.md, "Content files".
"""

from __future__ import annotations

import json
from pathlib import Path

from stridecoach.content.loader import DATA_DIR

HOLDOUT_DIR = Path(__file__).parent / "data" / "holdout"


def held_out_files() -> list[Path]:
    """The held-out sets, tests/data/holdout/*.jsonl (never trained on)."""
    return sorted(HOLDOUT_DIR.glob("*.jsonl"))


def held_out_lines() -> list[dict[str, str]]:
    """Every line of the held-out sets."""
    return [json.loads(raw) for path in held_out_files() for raw in path.read_text(encoding="utf-8").splitlines()]


def texts_of(path: Path) -> list[str]:
    """The text of every line of one labelled file."""
    return [json.loads(raw)["q"] for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]


def labelled_texts() -> list[str]:
    """The text of every labelled line, trained on or held out."""
    files = [*sorted((DATA_DIR / "examples").glob("*.jsonl")), *held_out_files()]
    return [text for path in files for text in texts_of(path)]
