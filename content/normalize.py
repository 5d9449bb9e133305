"""Turn free text into comparable tokens.

The same pipeline runs over the content (once, at index time) and over every
question, so the two sides always agree: clean -> phrase synonyms -> token
synonyms -> stop words -> stem. Only questions get the last step, typo
correction against the index vocabulary (see ``Normalizer``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from content.english import COMMON_WORDS
from content.prefilter import Gated
from content.synonyms import PHRASES, REWRITES, STOP_WORDS, TOKENS

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# Contractions first, so "can't" does not become the stop word "can" plus "t".
# Gated (content.prefilter): a pattern whose words are absent is not run.
_CONTRACTIONS = (
    (Gated(r"\bcan't\b"), "cannot"),
    (Gated(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'(s|re|ve|m|ll|d)\b"), ""),
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Spelling by ear ("routeen", "rooteen" for routine): vowel pairs read as the
# sound they make, a final silent e and doubled letters go. Typo repair falls
# back to words with the same sound key when no word is one edit away.
_SOUNDS = (("ee", "i"), ("ea", "i"), ("ie", "i"), ("oo", "u"), ("ou", "u"), ("ph", "f"), ("ck", "k"), ("z", "s"))
_DOUBLED = re.compile(r"(.)\1+")


def sound_key(word: str) -> str:
    """A rough pronunciation key: "routeen", "rooteen" and "routine" all give "rutin"."""
    for spelled, sound in _SOUNDS:
        word = word.replace(spelled, sound)
    word = _DOUBLED.sub(r"\1", word)
    return word[:-1] if len(word) > 3 and word.endswith("e") else word
_WITHOUT = Gated(r"\bw/o\b|\bwo/")
_WITH = Gated(r"\bw/(?=\s|[a-z])")
# "skipping" is both the British name for jumping rope and the verb "to omit"
# ("skipping my cool-down"). Followed by an object it is the verb.
_SKIP_VERB = Gated(
    r"\bskip(?:ping|s)?\b(?=\s+(?:my|the|a|an|your|his|her|their|it|this|that|these|those|cross|cool|cooldown"
    r"|warm|warmup|meals?|breakfast|lunch|dinner|workouts?|runs?|sessions?|calf|calves|stretch\w*|strength"
    r"|rest|days?|class\w*|over|out|ahead|any|some|all|every|mobility|training)\b)|\bskipped\b"
)
# Phrase synonyms are looked up word by word rather than with one big regex
# alternation: after _NON_WORD the text is single-spaced [a-z0-9] words, so a
# phrase can only start at a word and end at a word boundary, and a dict
# lookup per word is far cheaper than trying 150 alternatives at every
# character. The result is what the alternation (longest phrase first,
# left to right, no overlaps) would give; tests/test_matcher_speed_equivalence.py
# compares the two.
_PHRASE_MAP = dict(PHRASES)
_PHRASES_BY_FIRST: dict[str, list[tuple[list[str], str]]] = {}
for _phrase in sorted(_PHRASE_MAP, key=len, reverse=True):
    assert re.fullmatch(r"[a-z0-9]+(?: [a-z0-9]+)*", _phrase), _phrase
    _words = _phrase.split(" ")
    _PHRASES_BY_FIRST.setdefault(_words[0], []).append((_words, _PHRASE_MAP[_phrase]))


def _replace_phrases(text: str) -> str:
    words = text.split(" ")
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        for phrase, repl in _PHRASES_BY_FIRST.get(words[i], ()):
            if words[i : i + len(phrase)] == phrase:
                out.append(repl)
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)
# Context-dependent rewrites (synonyms.REWRITES) for retrieval only: intents and
# safety read clean() output, where "turn on" must stay "turn on".
# Gated: most rewrites name words a given sentence does not contain, and the
# check is far cheaper than a regex pass (see content.prefilter).
_REWRITES = tuple((Gated(p), r) for p, r in REWRITES)


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """Lower-case ASCII words separated by single spaces; everything else dropped.

    Accents are folded (NFKD) so "naïve" matches "naive"; emoji, punctuation
    and other scripts simply vanish, which is what makes them decline safely.
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().translate(_APOSTROPHES)
    # Chat shorthand: "w/o weights", "w/ dumbbells".
    text = _WITHOUT.sub(" without ", text)
    text = _WITH.sub(" with ", text)
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    text = _NON_WORD.sub(" ", text).strip()
    text = _SKIP_VERB.sub("omit", text)
    return _replace_phrases(text)


_DOUBLE_OK = frozenset("lsz")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A tiny suffix stripper: plural, -ing, -ed, -ment, final e.

    It only has to be consistent (both sides go through it), not linguistic.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ment") and len(word) > 6:
        word = word[:-4]
    for suffix, minimum in (("ing", 6), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= minimum:
            word = word[: -len(suffix)]
            if len(word) > 2 and word[-1] == word[-2] and word[-1] not in _DOUBLE_OK:
                word = word[:-1]  # running -> runn -> run
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _expand(word: str) -> list[str]:
    mapped = TOKENS.get(word, word)
    return mapped.split() if " " in mapped else [mapped]


# (literals, compiled pattern, replacement): Gated.sub inlined, because a
# sentence goes through every rewrite and two method calls per rewrite cost
# more than the substring checks themselves.
_REWRITE_STEPS = tuple((g.literals, g.pattern, r) for g, r in _REWRITES)


@lru_cache(maxsize=4096)
def rewrite(text: str) -> str:
    """clean() plus the context-dependent rewrites of synonyms.REWRITES."""
    text = clean(text)
    contains = text.__contains__
    for literals, pattern, repl in _REWRITE_STEPS:
        if literals is None or any(map(contains, literals)):
            new = pattern.sub(repl, text)
            if new != text:
                text = new
                contains = text.__contains__
    return text


def content_words(text: str) -> list[str]:
    """Unstemmed topic words of ``text`` (after the synonym maps)."""
    # Bare numbers ("9 to 5", "3 sets") are context, never what tells entries
    # apart; "10k" or "5k" stay (they name races, which we do not cover).
    return [
        w for raw in rewrite(text).split() for w in _expand(raw) if w not in STOP_WORDS and not w.isdigit()
    ]


def content_tokens(text: str) -> list[str]:
    """Stemmed topic words of ``text``, in order, stop words removed."""
    return [stem(w) for w in content_words(text)]


# Words a phrase synonym or a rewrite can use: a typo repair that produces
# none of them cannot change what the maps do, so the text is not re-run.
_PHRASE_WORDS = frozenset(w for phrase in _PHRASE_MAP for w in phrase.split())
_REWRITE_WORDS = frozenset(re.findall(r"[a-z]{2,}", " ".join(p for p, _ in REWRITES)))


class Normalizer:
    """Question-side normalisation with typo repair against a known vocabulary.

    ``vocabulary`` holds stems (what the index stores); ``words`` the unstemmed
    words they came from, which typo repair compares against: "engagemnt" is
    one edit from "engagement" but four from the stem "engag".
    """

    def __init__(
        self, vocabulary: set[str], words: set[str] = frozenset(), frequency: dict[str, int] | None = None
    ) -> None:
        self.vocabulary = frozenset(vocabulary)
        # How many library texts use a word: breaks ties between equally close
        # repairs ("hollw": hollow vs holly) before the alphabet does, so the
        # answer never depends on set iteration order (PYTHONHASHSEED).
        self._frequency = dict(frequency or {})
        # Real English words are never "repaired" ("wakes" is not "walks").
        # Inflected forms count by stem ("wakes" -> "wak" like "wake"); a bare
        # word must be listed itself, so "bak" is not taken for "bake".
        self._common_stems = frozenset(stem(w) for w in COMMON_WORDS)
        # Repair targets: the library's words first (they win ties), then the
        # words the synonym maps know ("importnat" -> "important" -> "matter")
        # and stop words ("wen" -> "when", which is then dropped).
        pool: dict[str, None] = {}
        for word in sorted(set(words) | self.vocabulary):
            pool[word] = None
        self._library_words = frozenset(pool)
        for word in sorted(TOKENS):
            if all(stem(w) in self.vocabulary for w in _expand(word)):
                pool[word] = None
        for word in sorted(STOP_WORDS):
            pool[word] = None
        self._by_letter: dict[str, list[str]] = {}
        self._by_sound: dict[str, list[str]] = {}
        for word in sorted(pool):
            if word.isalpha() and len(word) >= 3:
                self._by_letter.setdefault(word[0], []).append(word)
            if word.isalpha() and len(word) >= 5:
                self._by_sound.setdefault(sound_key(word), []).append(word)
        # One cache per instance: the vocabulary decides the answer.
        self.repair = lru_cache(maxsize=16384)(self._repair)

    def _repair(self, word: str) -> tuple[str, ...]:
        """Map an unknown word to known words (possibly none), or return it unchanged.

        Real English words (``english.COMMON_WORDS``) are left alone. Then tries
        a dropped g ("skippin"), a fused compound ("bodyhold" -> "body hold"),
        then one edit (two for 8+ letters) with transpositions counted once (OSA
        distance). Three-letter words only take a missing letter or a swap
        ("bak" -> "back", "wen" -> "when"). Candidates must share the first
        letter: people rarely mistype it, and the rule stops "pace" turning
        into "race". Ties go to the closer spelling (fewer inserted/deleted
        letters), then to library words.
        """
        stemmed = stem(word)
        if stemmed in self.vocabulary or not 3 <= len(word) <= 20 or not word.isalpha():
            return (word,)
        if word in COMMON_WORDS or (stemmed != word and stemmed in self._common_stems):
            return (word,)
        if len(word) >= 4 and word.endswith("in"):
            if all(stem(full) in self.vocabulary for full in _expand(word + "g")):
                return (word + "g",)
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if stem(left) in self.vocabulary and stem(right) in self.vocabulary:
                return (left, right)
        max_edits = 1 if len(word) < 8 else 2
        candidates = self._by_letter.get(word[0], [])
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
        if not found and stemmed != word:
            found = process.extract(stemmed, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
        if len(word) == 3:
            found = [f for f in found if len(f[0]) == 4 or sorted(f[0]) == sorted(word)]
        if not found and len(word) >= 5:
            # spelled by ear: only an exact sound match, same first letter
            found = [(w, 1, 0) for w in self._by_sound.get(sound_key(word), ()) if w[0] == word[0]]
        if not found:
            return (word,)
        # Closer spelling, then library words, then the more frequent word,
        # then the alphabet: a total order, independent of hash seeds.
        best = min(
            found,
            key=lambda f: (
                f[1],
                Indel.distance(word, f[0]),
                f[0] not in self._library_words,
                -self._frequency.get(f[0], 0),
                f[0],
            ),
        )[0]
        if best in STOP_WORDS:
            return ()
        fixed = [w for w in _expand(best) if w not in STOP_WORDS]
        return (best,) if fixed and all(stem(f) in self.vocabulary for f in fixed) else (word,)

    def tokens(self, text: str) -> list[str]:
        words = rewrite(text).split()
        out: list[str] = []
        repaired: list[str] = []
        fixed_words: list[str] = []
        changed = False
        for raw in words:
            for word in _expand(raw):
                if word in STOP_WORDS or word.isdigit():
                    repaired.append(word)
                    continue
                stemmed = stem(word)
                if stemmed in self.vocabulary:
                    out.append(stemmed)
                    repaired.append(word)
                    continue
                fixed = self.repair(word)
                if fixed != (word,):
                    changed = True
                    fixed_words.extend(fixed)
                repaired.extend(fixed)
                out.extend(stem(x) for w in fixed for x in _expand(w) if x not in STOP_WORDS)
        if not changed:
            return out
        # A repaired word may complete a phrase ("lowr bak" -> "lower back" ->
        # "lowback") or a rewrite, so the corrected text goes through the maps
        # once more; only when a repair produced a word that a phrase or a
        # rewrite can use (most repairs are single topic words: "calfs").
        if not any(w in _PHRASE_WORDS or w in _REWRITE_WORDS for w in fixed_words):
            return out
        return [stem(w) for w in content_words(" ".join(repaired))]
