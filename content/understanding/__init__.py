"""The understanding step: a message and its context in, one typed result out.

``build_understander(library)`` loads the knowledge under content/data, trains
the models (about a second; deterministic) and applies the weights and
thresholds fitted on held-out folds (``fitted.toml``, written by
``stridecoach fit``). Plain Python: no Telegram, no database.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from stridecoach.content.loader import DATA_DIR, load_library
from stridecoach.content.model import Library
from stridecoach.content.understanding import artefact
from stridecoach.content.understanding.engine import Params, Understander
from stridecoach.content.understanding.knowledge import (
    EXAMPLES_DIR, UNDERSTANDING_DIR, KnowledgeError, load_knowledge, read_examples,
)
from stridecoach.content.understanding.results import (
    Command, Context, OutOfScope, Question, RedFlag, SessionControl, SmallTalk, Understanding, Unreadable,
)
from stridecoach.content.understanding.training import base_rows, labelled_row, train

FITTED_FILE = "fitted.toml"
log = logging.getLogger(__name__)

__all__ = [
    "FITTED_FILE", "Command", "Context", "KnowledgeError", "OutOfScope", "Params", "Question", "RedFlag", "SessionControl",
    "SmallTalk", "Understander", "Understanding", "Unreadable", "build_understander", "data_fingerprint",
    "default_understander",
]


def data_fingerprint(data_dir: Path) -> str:
    """A hash of everything the models learn from: fitted.toml records the one it was fitted on."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".toml", ".jsonl") and p.name != FITTED_FILE
    )
    for path in files:
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_understander(library: Library, data_dir: Path | None = None) -> Understander:
    """Load the knowledge, train on all of it and apply the fitted parameters.

    Trained once per process for the same data (keyed by its fingerprint): every
    Application built in one process, tests included, shares the models.
    """
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    return _build(root, data_fingerprint(root), library)


@lru_cache(maxsize=4)
def _build(root: Path, fingerprint: str, library: Library) -> Understander:
    # The labelled examples are read only to train: saved models are keyed by a hash of
    # every data file, so changed examples always mean training, and reading them then.
    knowledge = load_knowledge(root, library, labelled=False)
    # Only the packaged content is saved: a folder of a coach's drafts (or a test's)
    # trains in memory and never pushes the packaged models out of the cache.
    saved = artefact.path_for(fingerprint) if root.resolve() == DATA_DIR.resolve() else None
    models = artefact.load(saved, knowledge.vocabulary) if saved is not None else None
    if models is None:
        knowledge = replace(knowledge, labelled=read_examples(root, library, set(knowledge.intents), set(knowledge.controls)))
        rows = base_rows(library, knowledge) + [labelled_row(line) for line in knowledge.labelled]
        models = train(rows, knowledge.vocabulary)
        if saved is not None:
            try:
                artefact.save(models, saved)
            except OSError as exc:  # a read-only home is fine: we just train at every start
                log.info("could not save the trained models to %s (%s)", saved, exc)
    return Understander(models, knowledge, library, Params.load(root / UNDERSTANDING_DIR / FITTED_FILE), fingerprint)


@lru_cache(maxsize=1)
def default_understander() -> Understander:
    """The packaged content's understander, trained once per process."""
    return build_understander(load_library())


_ = EXAMPLES_DIR  # re-exported for the CLI's messages
