"""TF-IDF features over words, word pairs and character n-grams, computed in
plain Python so one message costs microseconds (scikit-learn's vectorisers
spend most of a single-message call on validation).

The same ``Featurizer`` turns training examples into a sparse matrix for
fitting and a single message into (indices, values) for scoring, so training
and serving can never disagree.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from itertools import chain
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy is imported to train only: about 19 MB a serving process does without
    from scipy.sparse import csr_matrix

CHAR_MIN, CHAR_MAX = 3, 5  # character n-grams within a word: typo-tolerant evidence
CHAR_WEIGHT = 0.6  # character evidence counts a little less than whole words
MIN_DF = 2
MAX_CACHED_WORDS = 50000  # bounds the per-word cache: memory does not grow with traffic


def _grams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(
        "c:" + padded[i : i + n] for n in range(CHAR_MIN, CHAR_MAX + 1) for i in range(len(padded) - n + 1)
    )


_char_grams = lru_cache(maxsize=50000)(_grams)


def raw_features(words: list[str]) -> Counter[str]:
    """Feature names with counts: words, adjacent pairs and character n-grams."""
    counts: Counter[str] = Counter()
    for w in words:
        counts["w:" + w] += 1
    for a, b in zip(words, words[1:], strict=False):
        counts["b:" + a + " " + b] += 1
    for w in words:
        for gram in _char_grams(w):
            counts[gram] += 1
    return counts


class Featurizer:
    """A fitted vocabulary with IDF weights; sublinear TF, L2-normalised rows."""

    def __init__(self, index: dict[str, int], idf: np.ndarray) -> None:
        self.index = index
        self.idf = idf
        # The columns of every word the models were trained on, built once (about 0.03 s and
        # 2.5 MB for 6,000 words): a message's known words cost a lookup even the first time
        # the process sees them.
        self._known: dict[str, tuple[int, ...]] = {
            name[2:]: self._lookup(name[2:], _grams(name[2:])) for name in index if name.startswith("w:")
        }
        self._cache: dict[str, tuple[int, ...]] = {}  # other words, as they come

    @classmethod
    def fit(cls, docs: Iterable[list[str]]) -> Featurizer:
        df: Counter[str] = Counter()
        n = 0
        for words in docs:
            n += 1
            df.update(raw_features(words).keys())
        # A feature seen in one example only cannot generalise; dropping them
        # halves the columns and the training time. Whole words always stay.
        names = sorted(name for name, count in df.items() if count >= MIN_DF or name.startswith("w:"))
        index = {name: i for i, name in enumerate(names)}
        idf = np.array([math.log((1 + n) / (1 + df[name])) + 1.0 for name in names])
        for name, i in index.items():
            if name.startswith("c:"):
                idf[i] *= CHAR_WEIGHT
        return cls(index, idf)

    @property
    def size(self) -> int:
        return len(self.index)

    def _lookup(self, word: str, grams: tuple[str, ...]) -> tuple[int, ...]:
        index = self.index
        return tuple(j for j in (index.get(n) for n in ("w:" + word, *grams)) if j is not None)

    def _word_columns(self, word: str) -> tuple[int, ...]:
        """Known columns of one word (itself and its character n-grams), cached per word."""
        cols = self._known.get(word) or self._cache.get(word)
        if cols is None:
            cols = self._lookup(word, _char_grams(word))
            if len(self._cache) < MAX_CACHED_WORDS:
                self._cache[word] = cols
        return cols

    def counts(self, words: list[str]) -> Counter[int]:
        """Column counts for a word list: words, character n-grams and adjacent pairs."""
        return Counter(self.columns(words))

    def columns(self, words: list[str]) -> list[int]:
        """The known columns of a word list, once per occurrence (``counts`` counts them)."""
        cols = list(chain.from_iterable(self._word_columns(w) for w in words))
        index = self.index
        for a, b in zip(words, words[1:], strict=False):
            j = index.get("b:" + a + " " + b)
            if j is not None:
                cols.append(j)
        return cols

    def weigh(self, counts: Counter[int]) -> tuple[np.ndarray, np.ndarray]:
        """Counts as (column indices, sublinear TF-IDF weights), L2-normalised."""
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[idx]
        norm = float(np.sqrt(values @ values))
        return idx, values / norm if norm > 0 else values

    def vector(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The message as (column indices, weights); unknown features are dropped."""
        return self.weigh(self.counts(words))

    def matrix(self, docs: list[list[str]]) -> csr_matrix:
        from scipy.sparse import csr_matrix  # training only (see the import at the top)

        rows, cols, data = [], [], []
        for r, words in enumerate(docs):
            idx, val = self.vector(words)
            rows.extend([r] * len(idx))
            cols.extend(idx.tolist())
            data.extend(val.tolist())
        return csr_matrix((data, (rows, cols)), shape=(len(docs), self.size))
