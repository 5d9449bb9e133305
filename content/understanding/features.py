"""TF-IDF features over words, word pairs and character n-grams, computed in
plain Python so one message costs microseconds (scikit-learn's vectorisers
spend most of a single-message call on validation).

The same ``Featurizer`` turns training examples into a sparse matrix for
fitting and a single message into (indices, values) for scoring, so training
and serving can never disagree.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy is imported to train only: about 19 MB a serving process does without
    from scipy.sparse import csr_matrix

CHAR_MIN, CHAR_MAX = 3, 5  # character n-grams within a word: typo-tolerant evidence
CHAR_WEIGHT = 0.6  # character evidence counts a little less than whole words
MIN_DF = 3
MAX_CACHED_WORDS = 50000  # bounds the per-word cache: memory does not grow with traffic
# The known words' columns are built this many words at a time. All 7,300 at once held
# about 150,000 n-gram strings alive together while the lasting columns were allocated
# among them; freed, they left pymalloc's arenas holding about 4 MB of holes for good.
KNOWN_CHUNK = 256


def _gram_list(word: str) -> list[str]:
    padded = f" {word} "
    return ["c:" + padded[i : i + n] for n in range(CHAR_MIN, CHAR_MAX + 1) for i in range(len(padded) - n + 1)]


def _grams(word: str) -> tuple[str, ...]:
    return tuple(_gram_list(word))


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


# Python's own string hash (SipHash, 64 bits, seeded per process): computed in this process
# at load time, never saved. A name of its own so that a test can make names collide.
_hash = hash


class HashedNames:
    """Feature names looked up by their hash, without keeping the names.

    The saved models' 52,000 feature names cost about 7 MB as Python strings and a dict;
    a sorted array of their hashes and a parallel array of their columns cost 0.6 MB.
    Looking a name up hashes it and searches the sorted hashes. Two known names with
    the same hash would make one of them unreachable, so ``of`` refuses such a set (the
    caller keeps the dict). A name the models never saw is only mistaken for a known one
    if its 64-bit hash equals one of theirs: about 3 in 10^15 per lookup for 52,000
    names, and the seed changes with every process, so it would not repeat.
    """

    def __init__(self, hashes: np.ndarray, columns: np.ndarray) -> None:
        self._hashes = hashes  # sorted, int64
        self._columns = columns  # the column of each hash, int32

    @classmethod
    def of(cls, names: Iterable[str], count: int) -> HashedNames | None:
        """The ``count`` names' hashes (column i is the i-th name), or None when two of them collide."""
        hashes = np.fromiter(map(_hash, names), dtype=np.int64, count=count)
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        if len(hashes) == 0 or bool(np.any(hashes[1:] == hashes[:-1])):
            return None
        return cls(hashes, order.astype(np.int32))

    def find_each(self, names: list[str]) -> list[int]:
        """The column of each of ``names``, -1 for a name the models never saw."""
        if not names:
            return []
        wanted = np.fromiter(map(_hash, names), dtype=np.int64, count=len(names))
        at = self._hashes.searchsorted(wanted)
        hit = self._hashes.take(at, mode="clip") == wanted  # past the last hash: compared with the last
        return np.where(hit, self._columns.take(at, mode="clip"), -1).tolist()


class SavedNames:
    """The feature names as saved: one text, a name a line, split a slice at a time.

    Loading never holds all 52,000 names as strings at once: freed together once looked
    up, they left pymalloc's arenas holding about 3 MB of free blocks among live ones.
    """

    SLICE = 1 << 14  # characters split at a time (about 1,500 names)

    def __init__(self, text: str) -> None:
        self._text = text

    def __iter__(self) -> Iterator[str]:
        text, start = self._text, 0
        while start < len(text):
            end = text.find("\n", start + self.SLICE)
            end = len(text) if end < 0 else end
            yield from text[start:end].split("\n")
            start = end + 1

    @staticmethod
    def join(names: list[str]) -> str:
        if any("\n" in name for name in names):
            raise ValueError("a feature name is one line")
        return "\n".join(names)


class Featurizer:
    """A fitted vocabulary with IDF weights; sublinear TF, L2-normalised rows.

    Trained, it looks feature names up in a dict of them (``index``); loaded from saved
    models (``by_hash``), by their hashes (``HashedNames``), and the names are dropped.
    A word's columns are kept as ``array("i")`` (4 bytes a column, not a tuple of int
    objects): the known words' columns, and the cache of the others, cost a third.
    """

    def __init__(self, names: Iterable[str], idf: np.ndarray, *, by_hash: bool = False) -> None:
        """Column i is the i-th of ``names`` (iterated more than once: a list, or ``SavedNames``).
        ``by_hash``: look names up by hash and keep no dict of them (saved models being
        served), unless two names' hashes collide."""
        self._hashed = HashedNames.of(names, len(idf)) if by_hash else None
        self.index: dict[str, int] | None = None if self._hashed else {name: i for i, name in enumerate(names)}
        self.idf = idf
        # The columns of every word the models were trained on, built once (about 0.03 s and
        # 1 MB for 6,500 words): a message's known words cost a lookup even the first time
        # the process sees them.
        known = [name[2:] for name in names if name.startswith("w:")]
        self._known: dict[str, array[int]] = {}
        for start in range(0, len(known), KNOWN_CHUNK):
            self._known.update(self._look_up(known[start : start + KNOWN_CHUNK], _gram_list))
        self._cache: dict[str, array[int]] = {}  # other words, as they come

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
        idf = np.array([math.log((1 + n) / (1 + df[name])) + 1.0 for name in names])
        for i, name in enumerate(names):
            if name.startswith("c:"):
                idf[i] *= CHAR_WEIGHT
        return cls(names, idf)

    @property
    def size(self) -> int:
        return len(self.idf)

    @property
    def names(self) -> list[str]:
        """The feature names in column order (to save them); a served featurizer has dropped them."""
        if self.index is None:
            raise ValueError("the feature names were dropped when the models were loaded")
        return sorted(self.index, key=self.index.__getitem__)

    def _find_each(self, names: list[str]) -> list[int]:
        """The column of each of ``names``, -1 for an unknown one."""
        if self._hashed is not None:
            return self._hashed.find_each(names)
        index = self.index or {}
        return [index.get(name, -1) for name in names]

    def _look_up(self, words: list[str], grams: Callable[[str], Sequence[str]]) -> dict[str, array[int]]:
        """Known columns of each word (itself and its character n-grams), in one search."""
        names = [["w:" + word, *grams(word)] for word in words]
        columns = iter(self._find_each(list(chain.from_iterable(names))))
        return {
            word: array("i", [j for j in islice(columns, len(its_names)) if j >= 0])
            for word, its_names in zip(words, names, strict=True)
        }

    def _words_columns(self, words: Iterable[str]) -> dict[str, array[int]]:
        """Known columns of each word, cached per word; the words not seen yet are looked
        up together."""
        found: dict[str, array[int]] = {}
        new: list[str] = []
        for word in words:
            cols = self._known.get(word) or self._cache.get(word)
            if cols is None:
                new.append(word)
            else:
                found[word] = cols
        for word, cols in self._look_up(new, _char_grams).items():
            found[word] = cols
            if len(self._cache) < MAX_CACHED_WORDS:
                self._cache[word] = cols
        return found

    def counts(self, words: list[str]) -> Counter[int]:
        """Column counts for a word list: words, character n-grams and adjacent pairs."""
        return Counter(self.columns(words))

    def columns(self, words: list[str]) -> list[int]:
        """The known columns of a word list, once per occurrence (``counts`` counts them)."""
        return self.part_columns([words])[0]

    def part_columns(self, parts: list[list[str]]) -> list[list[int]]:
        """``columns`` of each part (a message's sentences). Everything not cached yet (new
        words, every word pair) is looked up in one search for the whole message: a search
        per sentence cost a 4096-character message about 0.3 ms."""
        by_word = self._words_columns({w for words in parts for w in words})
        pairs = [["b:" + a + " " + b for a, b in zip(words, words[1:], strict=False)] for words in parts]
        pair_columns = iter(self._find_each(list(chain.from_iterable(pairs))))
        result = []
        for words, its_pairs in zip(parts, pairs, strict=True):
            cols = list(chain.from_iterable(by_word[w] for w in words))
            cols += [j for j in islice(pair_columns, len(its_pairs)) if j >= 0]
            result.append(cols)
        return result

    def weigh(self, counts: Counter[int]) -> tuple[np.ndarray, np.ndarray]:
        """Counts as (column indices, sublinear TF-IDF weights), L2-normalised."""
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[idx]
        norm = float(np.sqrt(values @ values))
        return idx, values / norm if norm > 0 else values

    def weigh_parts(self, part_columns: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The whole message and each of its parts weighed at once, over the same columns.

        Returns the union of the parts' columns and a matrix of weights over them: row 0
        the whole message (as ``weigh`` of all the columns), then one row per part (as
        ``weigh`` of its own, zeros elsewhere). A long message scores every sentence in one
        product per model instead of a gather and a softmax per sentence.
        """
        sizes = [len(c) for c in part_columns]
        flat = np.fromiter(chain.from_iterable(part_columns), dtype=np.int64, count=sum(sizes))
        idx, at = np.unique(flat, return_inverse=True)
        n = len(part_columns)
        where = np.repeat(np.arange(1, n + 1), sizes) * len(idx) + at
        tf = np.bincount(where, minlength=(n + 1) * len(idx)).reshape(n + 1, len(idx)).astype(np.float64)
        tf[0] = tf[1:].sum(axis=0)
        values = np.log(tf, out=np.full_like(tf, -1.0), where=tf > 0) + 1.0  # sublinear TF; 0 where absent
        values *= self.idf[idx]
        norms = np.sqrt(np.einsum("ij,ij->i", values, values))
        np.divide(values, norms[:, None], out=values, where=norms[:, None] > 0)
        return idx, values

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
