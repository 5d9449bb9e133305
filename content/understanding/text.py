"""Turn a raw message into the word list every signal reads.

Only mechanical steps live here (Unicode folding, case, apostrophes, chat
shorthand such as "w/o"); the words themselves (spelling variants, slang,
British and American forms) come from ``content/data/understanding/vocabulary.toml``
so a coach can extend them without touching Python.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SHORTHAND = ((re.compile(r"\bw/o\b"), " without "), (re.compile(r"\bw/(?=\s|[a-z])"), " with "))
_NOT = re.compile(r"n't\b")
_CLITIC = re.compile(r"'(?:s|re|ve|m|ll|d)\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NOT_WORD_OR_NUMBER = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isdigit() or "a" <= c <= "z" or c == ".")})
_LONE_DOT = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
# Sentences, for reading long messages one sentence at a time.
_SENTENCE = re.compile(r"(?<=[.!?\n;])\s+|\n+")

# Typo repair: a word this long or longer that the vocabulary does not know is
# replaced by its closest known word when at most MAX_EDITS edits away. Swapping two
# neighbouring letters ("pasue", "resmue", "tiemr"), the commonest thumb slip on a
# phone keyboard, counts as one edit (optimal string alignment), not two.
MIN_REPAIR_LEN = 4
MAX_EDITS = 1
MAX_EDITS_LONG = 2  # words of LONG_WORD letters or more
LONG_WORD = 8


@dataclass(frozen=True)
class Vocabulary:
    """Spelling variants and slang, as read from vocabulary.toml."""

    words: dict[str, str]  # one word -> its canonical word(s)
    phrases: dict[str, str]  # several words -> canonical word(s)
    foreign: frozenset[str]  # function words of other languages (for the "English only" reply)
    english: frozenset[str]  # English function words (a message full of them is English)
    # Replies and fillers that say nothing alone ("ok", "so", "yeah", "no"): see
    # vocabulary.toml's [fillers] for what a message of only these cannot do.
    fillers: frozenset[str] = frozenset()
    # Emoji and symbols that say a word ("✅" done, "⏸️" pause): read as that word, since
    # folding to ASCII drops them and a runner mid-set often answers with one.
    symbols: dict[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:  # dict fields: hash by identity, one per process
        return id(self)


def fold(text: str) -> str:
    """Lower-case ASCII words and numbers separated by single spaces.

    Each rewrite runs only when the text holds what it rewrites: a message is folded
    once per sentence and once whole, and skipping the passes that cannot match halves
    the cost (tests/test_text.py checks the result against the plain chain of rewrites).
    """
    # Apostrophes first: folding to ASCII would drop a phone keyboard's curly one, and
    # "it’s", "don’t" would read as "its", "dont" instead of as "it's", "don't".
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower()
    if "w/" in text:
        for pattern, repl in _SHORTHAND:
            text = pattern.sub(repl, text)
    if "n't" in text:
        text = _NOT.sub(" not", text.replace("can't", "cannot").replace("won't", "will not"))
    if "'" in text:
        text = _CLITIC.sub("", text)
    text = _NUMBER.sub(lambda m: f" {m.group(0).replace(',', '.')} ", text)
    text = text.translate(_NOT_WORD_OR_NUMBER)  # what remains is ASCII
    if "." in text:
        text = _LONE_DOT.sub(" ", text)  # a dot stays only inside a number ("2.5")
    return " ".join(text.split())


def canonical_words(text: str, vocabulary: Vocabulary) -> list[str]:
    """Folded words with the vocabulary's symbols, phrases and words mapped to canonical forms."""
    if vocabulary.symbols:
        text = text.translate(_symbol_table(vocabulary))
    words = fold(text).split()
    out: list[str] = []
    i = 0
    max_len = _longest_phrase(vocabulary)
    starts = _phrase_starts(vocabulary)
    while i < len(words):
        longest = min(max_len, len(words) - i) if words[i] in starts else 1
        for size in range(longest, 1, -1):
            repl = vocabulary.phrases.get(" ".join(words[i : i + size]))
            if repl is not None:
                out.extend(repl.split())
                i += size
                break
        else:
            word = words[i]
            out.extend(vocabulary.words.get(word, word).split())
            i += 1
    return [w for w in out if w]


@lru_cache(maxsize=8)
def _symbol_table(vocabulary: Vocabulary) -> dict[int, str]:
    """``str.translate``'s table: each symbol becomes its word, with spaces around it."""
    return {ord(symbol): f" {word} " for symbol, word in vocabulary.symbols.items()}


@lru_cache(maxsize=8)
def _longest_phrase(vocabulary: Vocabulary) -> int:
    return max((len(p.split()) for p in vocabulary.phrases), default=1)


@lru_cache(maxsize=8)
def _phrase_starts(vocabulary: Vocabulary) -> frozenset[str]:
    """First words of the vocabulary's phrases: only these can begin one."""
    return frozenset(p.split()[0] for p in vocabulary.phrases)


def sentences(text: str) -> list[str]:
    """The message cut into sentences (empty pieces dropped)."""
    return [s for s in (part.strip() for part in _SENTENCE.split(text)) if s]


def _edit_limit(length: int) -> int:
    return MAX_EDITS_LONG if length >= LONG_WORD else MAX_EDITS


class Repairer:
    """Repairs typos against the words the model was trained on (rapidfuzz, cached).

    Of the known words equally close to a typo, the one the examples use most wins
    ("sotp" is one edit from "stop" and from "soup"; runners mean "stop").
    """

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.known = counts.keys()
        choices = sorted(w for w in counts if len(w) >= MIN_REPAIR_LEN - 1 and w.isalpha())
        # Per word length, the known words close enough in length to be within the edit
        # limit (a word n letters longer is at least n edits away): a typo is compared
        # with a third of the vocabulary, in the same order, so the same word wins.
        self._by_length: dict[int, list[str]] = {}
        for n in range(MIN_REPAIR_LEN, max(map(len, choices), default=0) + MAX_EDITS_LONG + 1):
            limit = _edit_limit(n)
            self._by_length[n] = [w for w in choices if abs(len(w) - n) <= limit]
        self.repair = lru_cache(maxsize=20000)(self._repair)

    def _repair(self, word: str) -> str:
        if word in self.counts or len(word) < MIN_REPAIR_LEN or not word.isalpha():
            return word
        choices = self._by_length.get(len(word), ())
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=_edit_limit(len(word)), limit=None)
        if not found:
            return word
        # fewest edits, then the commonest word, then the first in alphabetical order
        return min(found, key=lambda f: (f[1], -self.counts[f[0]], f[2]))[0]

    def words(self, words: list[str]) -> list[str]:
        return [self.repair(w) for w in words]


def letters_share_non_latin(text: str) -> float:
    """Share of the message's letters that are not Latin script (0.0 when it has none)."""
    if text.isascii():  # the common case, without a Unicode name lookup per letter
        return 0.0
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return 1.0 - latin / len(letters)
