"""Which examples teach which model, and fitting the models.

Five linear models learn from the same normalised text (plus the value marks of
``slots.value_marks``: days, a time of day, a pause's length):

- ``topic``: every content entry, every command intent and "out-of-scope";
- ``flag``: "none", "professional" or "urgent" (red flags);
- ``control``: each session control, or "other" (read only during a session);
- ``follows``: "yes" for a message that only makes sense after the answer before it
  ("and how many sets?", "why though"), "no" for one that stands alone;
- ``moves``: among those follow-ups, "yes" for one that moves on from the topic just
  answered to another ("so what do I do about it?" after why the core matters), "no"
  for one that asks more about it ("and how many sets?").

Where a follow-up moves to is learned too: ``transitions`` counts, per topic answered,
the topics the labelled follow-ups moved on to (core strength -> the hollow body hold
and the back routine; why calves matter -> the calf routine).

Content phrasings, titles and the TOML examples are always trained on; the
labelled JSONL files are what cross-validation holds out, one file at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stridecoach.content.model import Library
from stridecoach.content.understanding import classifier
from stridecoach.content.understanding.features import Featurizer
from stridecoach.content.understanding.knowledge import (
    ANSWERABLE_KINDS, LOAD_CONTROL, OUT_OF_SCOPE, Knowledge, Labelled,
)
from stridecoach.content.understanding.slots import value_marks
from stridecoach.content.understanding.text import Repairer, Vocabulary, canonical_words

if TYPE_CHECKING:  # scipy is imported to train only (features.py)
    from scipy.sparse import csr_matrix

NONE = "none"
OTHER = "other"
YES, NO = "yes", "no"
# The control model's class for a question asked mid-set ("how many reps?"): not a
# control, and its own class so that balancing weighs it like one (inside OTHER
# it would be a handful of rows among thousands).
ASKED = "asked"


@dataclass(frozen=True)
class Row:
    text: str
    topic: str | None  # label for the topic model, None: not a topic example
    flag: str  # none / professional / urgent
    control: str  # a control, or "other"
    follows: str = NO  # YES: a follow-up to the answer before it
    previous: str | None = None  # follow-ups: the topic answered just before
    asks_about: str | None = None  # follow-ups: the topic it asks about (often ``previous`` itself)


def topic_label(line: Labelled) -> str | None:
    if line.kind in ANSWERABLE_KINDS or line.kind == "session-question":
        return line.ids[0]
    if line.kind == "offtopic":
        return OUT_OF_SCOPE
    if line.kind == "figurative":
        return line.ids[0] if line.ids else OUT_OF_SCOPE
    if line.kind == "command":
        return line.intent
    return None  # red flags are the flag model's; session controls and follow-ups live in their context  # session controls, follow-ups (their meaning is in the context)


def labelled_row(line: Labelled) -> Row:
    control = ASKED if line.kind == "session-question" else OTHER
    if line.kind == "session" and line.control:
        control = "done" if line.control == LOAD_CONTROL else line.control
    flag = (line.tier or "professional") if line.kind == "safety" else NONE
    if line.kind != "followup":
        return Row(line.text, topic_label(line), flag, control)
    return Row(line.text, None, flag, control, YES, line.previous, line.ids[0] if line.ids else None)


def base_rows(library: Library, knowledge: Knowledge) -> list[Row]:
    """Examples that are always trained on: content and the TOML knowledge."""
    rows: list[Row] = []
    for entry in library.all_entries():
        for text in (entry.title, entry.id.replace("-", " "), *entry.phrasings, *entry.keywords):
            rows.append(Row(text, entry.id, NONE, OTHER))
    for intent, examples in knowledge.intents.items():
        rows += [Row(t, intent, NONE, OTHER) for t in examples]
    rows += [Row(t, OUT_OF_SCOPE, NONE, OTHER) for t in knowledge.out_of_scope]
    for tier, examples in knowledge.red_flags.items():
        rows += [Row(t, None, tier, OTHER) for t in examples]
    rows += [Row(t, None, NONE, OTHER) for t in knowledge.benign]
    rows += [Row(t, None, NONE, ASKED) for t in knowledge.session_questions]
    for control, examples in knowledge.controls.items():
        rows += [Row(t, None, NONE, control) for t in examples]
    return rows


@dataclass(frozen=True)
class Models:
    featurizer: Featurizer
    repairer: Repairer
    vocabulary: Vocabulary
    topic: classifier.LinearModel
    flag: classifier.LinearModel
    control: classifier.LinearModel
    follows: classifier.LinearModel
    moves: classifier.LinearModel
    # topic answered -> {topic a follow-up moved on to: share of those follow-ups}
    transitions: dict[str, dict[str, float]]
    # rapidfuzz's pool: (canonical text, topic label) of every short topic example
    pool_texts: tuple[str, ...]
    pool_labels: tuple[str, ...]

    def words(self, text: str) -> list[str]:
        return self.repairer.words(canonical_words(text, self.vocabulary)) + value_marks(text)


# The flag model is regularised less than the others (C 30, not 10): chosen on the folds'
# objective (stridecoach fit) among 3, 10, 30 and 100, with two data mixes; at 10 its
# probabilities were flat enough that the fitted flag threshold swung between 0.2 and
# 0.3 with each batch's mix (docs/understanding.md, 2026-11-30 fourth session).
FLAG_C = 30.0
MAX_POOL_WORDS = 12  # rapidfuzz compares short texts only (phrasings, not stories)


def train(rows: Iterable[Row], vocabulary: Vocabulary) -> Models:
    """Fit the featurizer, the five models and the transitions on ``rows`` (deterministic)."""
    rows = list(rows)
    docs = [canonical_words(r.text, vocabulary) + value_marks(r.text) for r in rows]
    known = Counter(w for d in docs for w in d)  # how often each word occurs: typo repair's tie-break
    featurizer = Featurizer.fit(docs)
    x = featurizer.matrix(docs)
    topic_idx = [i for i, r in enumerate(rows) if r.topic is not None]
    topic = classifier.fit(x[topic_idx], [rows[i].topic or "" for i in topic_idx])
    flag = classifier.fit(x, [r.flag for r in rows], balanced=True, c=FLAG_C)
    # Balanced: each control has a few dozen examples among thousands of other rows;
    # unweighted, the model almost never dares to call one (held-out recall ~45%).
    control = classifier.fit(x, [r.control for r in rows], balanced=True)
    # Balanced too: follow-ups are a few hundred of thousands of rows.
    follow_labels = [r.follows for r in rows]
    follows = (
        classifier.fit(x, follow_labels, balanced=True) if YES in follow_labels
        else classifier.never(x.shape[1], NO, YES)
    )
    moves, transitions = _moving_on(rows, x)
    pool = sorted({(" ".join(docs[i]), rows[i].topic or "") for i in topic_idx if 0 < len(docs[i]) <= MAX_POOL_WORDS})
    return Models(
        featurizer, Repairer(dict(known)), vocabulary, topic, flag, control, follows, moves, transitions,
        tuple(t for t, _ in pool), tuple(label for _, label in pool),
    )


def _moving_on(rows: list[Row], x: csr_matrix) -> tuple[classifier.LinearModel, dict[str, dict[str, float]]]:
    """The ``moves`` model and the transitions, from the labelled follow-ups."""
    follow = [i for i, r in enumerate(rows) if r.previous and r.asks_about]
    labels = [YES if rows[i].asks_about != rows[i].previous else NO for i in follow]
    if YES not in labels or NO not in labels:
        return classifier.never(x.shape[1], NO, YES), {}
    counts: dict[str, Counter[str]] = {}
    for i in follow:
        previous, target = rows[i].previous or "", rows[i].asks_about or ""
        if target != previous:
            counts.setdefault(previous, Counter())[target] += 1
    transitions = {p: {t: n / sum(c.values()) for t, n in c.items()} for p, c in counts.items()}
    return classifier.fit(x[follow], labels, balanced=True), transitions
