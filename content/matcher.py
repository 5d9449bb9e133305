"""Match a runner's free-text question to one content entry, or decline.

Order of decisions (first that applies wins):

1. safety: red-flag symptoms always get "see-a-professional";
2. intent: commands such as "start calf workout" or "stop the reminders";
3. retrieval: score every entry, then answer, offer "did you mean", or decline.

Retrieval scores the question against each *short* text of an entry (title,
each phrasing, each keyword), never against the answer: fuzzy-matching whole
passages makes every passage that shares a word look alike (see
qa-baselines.md). A short text scores by how much of it the question covers
(recall) and how much of the question it explains (precision), both weighted
by how rare each word is across entries. Words the library has never seen
count against a match, and words naming things the articles never cover
("lunges", "marathon", "plank") count heavily, which is what lets near-miss
questions decline.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from content.intents import Intent, detect_intent
from content.model import Library
from content.normalize import Normalizer, content_tokens, content_words, stem
from content.safety import is_red_flag
from content.synonyms import FRAME, GENERIC, HARD_OFF_TOPIC, OFF_TOPIC

Decision = Literal["answer", "did-you-mean", "dont-know", "intent"]

SAFETY_ID = "see-a-professional"

# Score cut-offs (0-100), tuned on dev.jsonl plus tests/data/extra_questions.jsonl.
ANSWER_AT = 46.0  # at or above: answer with the top entry
SUGGEST_AT = 30.0  # at or above (but below ANSWER_AT): "did you mean" buttons
MAX_ALTERNATIVES = 3

# Longer questions are mostly chat ("my kids think it's hilarious"), so unknown
# words there matter less than in a three-word question where the unknown word
# is the subject.
OOV_WEIGHT_SHORT = 2.5
OOV_WEIGHT_LONG = 0.35
OFF_TOPIC_WEIGHT_SHORT = 12.0
OFF_TOPIC_WEIGHT_LONG = 2.0
# Shopping and rehab after a specific injury (synonyms.HARD_OFF_TOPIC) are a
# different question even when the rest names an exercise ("best jump rope to
# buy"), so they weigh more still.
HARD_WEIGHT_SHORT = 40.0
HARD_WEIGHT_LONG = 6.0
# Evidence from the best single text versus from the entry's whole vocabulary.
BEST_TEXT_SHARE = 0.75
# A text's score is recall**RECALL_EXP * precision**PRECISION_EXP. Recall
# counts more: a question should cover most of some phrasing ("knee" alone is
# half of "knee push" and is usually about knees, not the exercise).
RECALL_EXP = 1.0
PRECISION_EXP = 0.5
# Recall is measured against at least this much word weight, so one common
# word ("time", "walk") cannot fully match a one-word keyword by itself, while
# one rare word ("psoas", "soleus") still nearly does.
MIN_TEXT_WEIGHT = 5.0
# Field weights: keywords are single words, a weaker signal than a phrasing.
FIELD_WEIGHT = {"title": 1.0, "phrasing": 1.0, "keyword": 0.9}
GENERIC_CAP = 1.0  # weight ceiling for everyday words (synonyms.GENERIC)
# Retrieval reads at most this much of a message (cost stays bounded); the
# safety check reads the whole Telegram message (4096 characters), because a
# symptom mentioned at the end of a long story must still be caught.
MAX_QUERY_CHARS = 1000
# "Did you mean" calibration: between SUGGEST_AT and ANSWER_AT, answer the top
# entry anyway when it is at least CONFIDENT_AT and either clearly leads (the
# runner-up scores at most LEAD_RATIO of it), is the only candidate worth
# offering, or every close candidate is a sibling from the same family (any of
# them would answer the question).
CONFIDENT_AT = 36.0
CONFIDENT_COVERAGE = 0.42
LEAD_RATIO = 0.72
# Lower still (SUGGEST_AT up to CONFIDENT_AT): answer only a top entry that
# explains most of the question and is well ahead of the runner-up; a lone
# did-you-mean button the runner would always press is a wasted turn.
LOW_CONFIDENT_COVERAGE = 0.45
LOW_LEAD_RATIO = 0.6
SIBLING_RATIO = 0.85
SIBLINGS: tuple[frozenset[str], ...] = (
    frozenset({"low-back-pain-causes", "core-strength", "back-routine", "hip-flexors-and-sitting"}),
    frozenset({"glute-engagement-test", "core-strength"}),
    frozenset({"hip-mobility-twist", "hip-flexor-release", "hip-flexors-and-sitting"}),
    frozenset({"calf-routine", "calf-routine-guidelines"}),
)
# Long messages: the sentence(s) asking the question count fully, the rest
# (greetings, backstory) at CONTEXT_SHARE, so length does not dilute the score.
LONG_MESSAGE_WORDS = 20
CONTEXT_SHARE = 0.3
CONTEXT_SHARE_PRONOUN = 0.6
# Sentences, plus a reason clause hanging off a question ("is there a calf
# move that uses jumping, because I get bored with slow stuff?"): the reason is
# backstory, not the question.
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?\n])\s+|\n+")
_REASON_SPLIT = re.compile(r",?\s+(?=(?:because|cos|coz|cuz)\b)|,\s+(?=(?:since|as) (?:i|my|it|we)\b)", re.IGNORECASE)
# A question that compares ("what's the difference", "X or Y", "vs") is
# answered with the better of the two candidates, the other as alternative.
_COMPARISON = re.compile(r"\b(?:difference|differ|different|vs|versus|compare\w*|comparison|better)\b|\bor\b", re.IGNORECASE)
# Sentences just before a question that points back ("that one", "them") hold
# its subject: they count at CONTEXT_SHARE_NEAR.
CONTEXT_SHARE_NEAR = 0.85
NEAR_SENTENCES = 2
# "What's the connection?", "what's the correct setup?": a question about how
# the story's things relate, or how to do what it describes, points back into
# it just like a pronoun.
_PRONOUN = re.compile(
    r"\b(?:it|them|this|those|these|they)\b(?!\s+(?:is|are|was|were)\b)"
    r"|\bthe (?:connection|link|relationship|correlation)\b"
    r"|\bthe (?:correct|right|proper|best) (?:setup|set up|form|technique|position)\b",
    re.IGNORECASE,
)
_QUESTION_SENTENCE = re.compile(
    r"\?|^\W*(?:so |and |but |anyway,? |ok,? |okay,? |(?:quick |my |the |real )?question:? )*(?:how|what|whats|what's|which|why|when|where|who|should|shall|can|could"
    r"|would|will|is|are|do|does|did|am|any|anything|tips)\b|\b(?:my question|wondering|want to know|wanted to know"
    r"|like to know|not sure (?:how|what|which|whether|if)|no idea (?:how|what))\b",
    re.IGNORECASE,
)
MAX_SAFETY_CHARS = 4096
# One-word subjects ("calves", "core", "workout", "lower back"): every entry
# naming the word ties, so the pick would be arbitrary. These are the entries
# that give the overview, best first. One entry: answer it (the others are the
# alternatives); several: offer them as "did you mean".
OVERVIEW: dict[str, tuple[str, ...]] = {
    "calf": ("calf-routine", "why-calf-strength"),
    "routine": ("calf-routine", "back-routine"),
    "exercise": ("calf-routine", "back-routine"),
    "drill": ("back-routine", "calf-routine"),
    "core": ("core-strength", "hollow-body-hold"),
    "lowback": ("low-back-pain-causes", "back-routine"),
    "back": ("low-back-pain-causes", "back-routine"),
    "glute": ("glute-engagement-test", "core-strength"),
    "hip": ("hip-flexors-and-sitting", "hip-mobility-twist"),
    "hip flexor": ("hip-flexors-and-sitting", "hip-mobility-twist", "hip-flexor-release"),
}
# Entries answered outright for their overview word (the rest are offered).
OVERVIEW_ANSWERS = frozenset({"core", "lowback", "back", "glute", "hip flexor"})


@dataclass(frozen=True)
class MatchResult:
    id: str | None
    score: float
    alternatives: list[str] = field(default_factory=list)
    safety: bool = False
    intent: str | None = None
    decision: Decision = "dont-know"
    routine: str | None = None  # routine hint for the start-session intent


@dataclass(frozen=True)
class _Doc:
    entry: str
    tokens: frozenset[str]
    weight: float  # field weight
    text: str  # normalised, for the whole-string fuzzy check


class Matcher:
    """Index built once from a Library; ``match`` is pure and cheap."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._docs: list[_Doc] = []
        self._entry_vocab: dict[str, frozenset[str]] = {}
        self._title_vocab: dict[str, frozenset[str]] = {}
        words: set[str] = set()
        frequency: dict[str, int] = {}
        for entry in library.all_entries():
            texts = [("title", entry.title), ("title", entry.id.replace("-", " "))]
            texts += [("phrasing", p) for p in entry.phrasings]
            texts += [("keyword", k) for k in entry.keywords]
            vocab: set[str] = set()
            self._title_vocab[entry.id] = frozenset(content_tokens(entry.title))
            for kind, text in texts:
                plain = content_words(text)
                words.update(plain)
                for w in set(plain):
                    frequency[w] = frequency.get(w, 0) + 1
                toks = [stem(w) for w in plain]
                if not toks:
                    continue
                vocab.update(toks)
                self._docs.append(_Doc(entry.id, frozenset(toks), FIELD_WEIGHT[kind], " ".join(toks)))
            self._entry_vocab[entry.id] = frozenset(vocab)
        n_entries = len(self._entry_vocab)
        df: dict[str, int] = {}
        for vocab in self._entry_vocab.values():
            for tok in vocab:
                df[tok] = df.get(tok, 0) + 1
        # Rarer across entries -> more telling. Smoothed so shared words keep some weight.
        self._idf = {t: math.log(1.0 + n_entries / d) for t, d in df.items()}
        for word in GENERIC:
            tok = stem(word)
            if tok in self._idf:
                self._idf[tok] = min(self._idf[tok], GENERIC_CAP)
        self._postings: dict[str, list[int]] = {}
        for i, doc in enumerate(self._docs):
            for tok in doc.tokens:
                self._postings.setdefault(tok, []).append(i)
        self._doc_weight = [sum(self._idf[t] for t in d.tokens) for d in self._docs]
        self._doc_texts = [d.text for d in self._docs]
        self._fuzzy_max_len = int(max((len(t) for t in self._doc_texts), default=0) * 1.28) + 1
        # Entries with a text made of exactly these words win ties ("calf
        # exercises" is a phrasing of the calf routine, a fragment elsewhere).
        self._exact: dict[frozenset[str], frozenset[str]] = {}
        for d in self._docs:
            self._exact[d.tokens] = self._exact.get(d.tokens, frozenset()) | {d.entry}
        self._recall_base = [max(w, MIN_TEXT_WEIGHT) for w in self._doc_weight]
        self._field_weight = [d.weight for d in self._docs]
        self._doc_entry = [d.entry for d in self._docs]
        # Off-topic words keep their heavy weight even when some entry uses them
        # ("lunge" appears in the hip twist), so only a text that explains them helps.
        self._off_topic = frozenset(stem(w) for w in OFF_TOPIC)
        self._frame = frozenset(stem(w) for w in FRAME)
        # Overview keys as the question side sees them ("calves" -> "calf",
        # "workout" -> "routine", "lower back" -> "lowback").
        self._overview_keys: dict[str, str] = {}
        for key in OVERVIEW:
            self._overview_keys[" ".join(content_words(key))] = key
        self._hard = frozenset(stem(w) for w in HARD_OFF_TOPIC)
        # Off-topic words count as known so typo repair never turns "plank"
        # into a library word.
        self.normalizer = Normalizer(
            set(df) | self._off_topic | self._hard, words | set(OFF_TOPIC) | set(HARD_OFF_TOPIC), frequency
        )

    # -- public -----------------------------------------------------------

    def match(self, text: str) -> MatchResult:
        text = text or ""
        if is_red_flag(text[:MAX_SAFETY_CHARS]):
            return MatchResult(SAFETY_ID, 100.0, [], safety=True, decision="answer")
        text = text[:MAX_QUERY_CHARS]
        intent = detect_intent(text)
        if intent is not None:
            return self._intent_result(intent)
        overview = self._overview(text)
        if overview is not None:
            return overview
        ranked, coverage = self._rank(text)
        if not ranked or ranked[0][1] < SUGGEST_AT:
            alts = [i for i, s in ranked[:MAX_ALTERNATIVES] if s >= SUGGEST_AT * 0.75]
            return MatchResult(None, ranked[0][1] if ranked else 0.0, alts, decision="dont-know")
        top_id, top = ranked[0]
        if top >= ANSWER_AT or self._confident(ranked, coverage):
            alts = [i for i, _ in ranked[1 : 1 + MAX_ALTERNATIVES]]
            return MatchResult(top_id, top, alts, decision="answer")
        alts = [i for i, s in ranked[:MAX_ALTERNATIVES] if s >= SUGGEST_AT * 0.75]
        return MatchResult(None, top, alts, decision="did-you-mean")

    @staticmethod
    def _confident(ranked: list[tuple[str, float]], coverage: dict[str, float]) -> bool:
        """Whether a top score between SUGGEST_AT and ANSWER_AT is safe to answer.

        Never when the top entry leaves much of the question unexplained (an
        off-topic or unknown word: "walking lunges with dumbbells").
        """
        top_id, top = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top < CONFIDENT_AT:
            return coverage.get(top_id, 0.0) >= LOW_CONFIDENT_COVERAGE and runner_up <= top * LOW_LEAD_RATIO
        if coverage.get(top_id, 0.0) < CONFIDENT_COVERAGE:
            return False
        if runner_up <= top * LEAD_RATIO or runner_up < SUGGEST_AT * 0.75:
            return True
        close = [i for i, s in ranked[1:] if s >= top * SIBLING_RATIO]
        return any(top_id in group and all(i in group for i in close) for group in SIBLINGS)

    def _overview(self, text: str) -> MatchResult | None:
        """A one-word subject ("calves", "core") gets its overview entries."""
        if len(text.split()) > 6:
            return None
        words = content_words(text)
        key = " ".join(words)
        if key not in self._overview_keys:
            return None
        ids = [i for i in OVERVIEW[self._overview_keys[key]] if self.library.get(i) is not None]
        if not ids:
            return None
        if self._overview_keys[key] in OVERVIEW_ANSWERS:
            return MatchResult(ids[0], 60.0, ids[1:], decision="answer")
        return MatchResult(None, 40.0, ids[:MAX_ALTERNATIVES], decision="did-you-mean")

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Entries scored 0-100 for ``text``, best first (no safety/intent step)."""
        return self._rank(text)[0]

    def _rank(self, text: str) -> tuple[list[tuple[str, float]], dict[str, float]]:
        """``rank`` plus, per entry, the share of the question's weight it explains."""
        n_words = len(text.split())
        if n_words > LONG_MESSAGE_WORDS:
            # A long message is scored twice: its question sentence(s) alone,
            # as if asked on their own, and the whole message with the
            # backstory as supporting context; the stronger reading wins.
            tokens, context, main, q_words = self._focus(text)
            full = self._score(tokens, context, n_words)
            if main and q_words < n_words and (not full[0] or full[0][0][1] < ANSWER_AT):
                alone = self._score(main, {}, q_words)
                if alone[0] and (not full[0] or alone[0][0][1] > full[0][0][1]):
                    return alone
            return full
        return self._score(self._tokens(text), {}, n_words)

    def _score(
        self, tokens: list[str], context: dict[str, float], n_words: int
    ) -> tuple[list[tuple[str, float]], dict[str, float]]:
        if not tokens:
            return [], {}
        weights = self._query_weights(tokens, n_words)
        for tok, share in context.items():
            weights[tok] *= share
        total = sum(weights.values())
        # Accumulate matched weight per text through the postings: one add per
        # (question word, text containing it) instead of a set intersection per
        # text. Recall uses the word's library weight; precision the question
        # weight capped at it, so an off-topic word that a text happens to
        # contain ("lunge") cannot become strong evidence. A text matched only
        # by frame words ("why", "runners", "how often") is not evidence.
        idf = self._idf
        frame = self._frame
        recall_acc: dict[int, float] = {}
        precision_acc: dict[int, float] = {}
        topical: set[int] = set()
        for tok in tokens:
            postings = self._postings.get(tok)
            if not postings:
                continue
            share = context.get(tok, 1.0)
            r, p = idf[tok] * share, min(weights[tok], idf[tok] * share)
            is_topic = tok not in frame
            for i in postings:
                recall_acc[i] = recall_acc.get(i, 0.0) + r
                precision_acc[i] = precision_acc.get(i, 0.0) + p
                if is_topic:
                    topical.add(i)
        recall_acc = {i: v for i, v in recall_acc.items() if i in topical}
        best: dict[str, float] = {}
        for i, matched in recall_acc.items():
            recall = matched / self._recall_base[i]
            precision = precision_acc[i] / total
            score = self._field_weight[i] * recall**RECALL_EXP * precision**PRECISION_EXP
            entry = self._doc_entry[i]
            if score > best.get(entry, 0.0):
                best[entry] = score
        if not best:
            return [], {}
        # A near-verbatim phrasing ("hollw bodyhold") is strong evidence on its
        # own, whatever the word weights say.
        joined = " ".join(tokens)
        # ratio >= 88 needs lengths within 2/0.88 - 1 = 1.27x of each other, so
        # a question longer than every text skips the scan (long messages).
        hit = None
        if len(joined) <= self._fuzzy_max_len:
            hit = process.extractOne(joined, self._doc_texts, scorer=fuzz.ratio, score_cutoff=88)
        if hit is not None:
            doc = self._docs[hit[2]]
            # Scaled like recall, so a text that is one everyday word ("run")
            # cannot claim a perfect match.
            capacity = min(1.0, self._doc_weight[hit[2]] / MIN_TEXT_WEIGHT)
            best[doc.entry] = max(best.get(doc.entry, 0.0), doc.weight * capacity * hit[1] / 100.0)
        scored = []
        covered: dict[str, float] = {}
        # Each word's contribution to coverage does not depend on the entry:
        # computed once (same values, same summing order as per entry).
        known = [(t, min(w, idf[t] * context.get(t, 1.0))) for t, w in weights.items() if t in idf]
        for entry, b in best.items():
            vocab = self._entry_vocab[entry]
            coverage = sum(c for t, c in known if t in vocab) / total
            covered[entry] = coverage
            scored.append((entry, round(100.0 * (BEST_TEXT_SHARE * b + (1 - BEST_TEXT_SHARE) * coverage), 2)))
        # Ties go to an entry with a text of exactly the question's words, then
        # the better single text, then the entry whose title names more of the
        # question, then the id: the order never depends on hash seeds.
        exact = self._exact.get(frozenset(tokens), frozenset())
        titles = self._title_vocab
        scored.sort(
            key=lambda p: (-p[1], p[0] not in exact, -round(best[p[0]], 6), -len(titles[p[0]].intersection(tokens)), p[0])
        )
        return scored, covered

    # -- helpers ----------------------------------------------------------

    def _tokens(self, text: str) -> list[str]:
        return list(dict.fromkeys(self.normalizer.tokens(text)))

    def _focus(self, text: str) -> tuple[list[str], dict[str, float], list[str], int]:
        """Tokens of a long message, the share each backstory-only token keeps,
        and the tokens and word count of the question sentence(s) alone.

        The sentences that ask something ("?", a question word, "my question
        is") count fully; greetings and backstory count at CONTEXT_SHARE, so a
        topic named only there ("I bought dumbbells ... what can I use them
        for?") still helps without drowning the question. Each sentence is
        normalised once (this is the costliest step of a long message).
        """
        sentences, asked_idx = self._split(text)
        per = [self._tokens(p) for p in sentences]
        asked = set(asked_idx)
        main = list(dict.fromkeys(t for i in asked_idx for t in per[i]))
        if not main:
            return self._tokens(text), {}, [], 0
        q_words = sum(len(sentences[i].split()) for i in asked_idx)
        main_set = set(main)
        pointing = any(_PRONOUN.search(sentences[i]) for i in asked_idx)
        shares: dict[str, float] = {}
        if pointing:
            # "... a move where you step back and rotate. How do you do that
            # one?": the sentences right before the question name its subject.
            first = asked_idx[0]
            for i in range(max(0, first - NEAR_SENTENCES), first):
                if i not in asked:
                    for t in per[i]:
                        if t not in main_set:
                            shares[t] = CONTEXT_SHARE_NEAR
        rest = list(dict.fromkeys(t for i, toks in enumerate(per) if i not in asked for t in toks if t not in main_set))
        # "... calf work. When am I supposed to fit it in?": a pronoun points
        # back into the story, which then counts for more.
        share = CONTEXT_SHARE_PRONOUN if pointing else CONTEXT_SHARE
        return main + rest, {t: shares.get(t, share) for t in rest}, main, q_words

    @staticmethod
    def _split(text: str) -> tuple[list[str], list[int]]:
        """A long message's sentences and the indexes of the ones that ask."""
        sentences: list[str] = []
        asked: list[int] = []
        for part in _SENTENCE_SPLIT.split(text):
            if not part.strip():
                continue
            if not _QUESTION_SENTENCE.search(part):
                sentences.append(part)
                continue
            head, *reasons = _REASON_SPLIT.split(part)
            asked.append(len(sentences))
            sentences.append(head)
            sentences.extend(r for r in reasons if r.strip())
        return sentences, asked

    def _query_weights(self, tokens: list[str], n_words: int) -> dict[str, float]:
        # Up to 5 words: full penalty for unknown words; 20+ words: mostly chat.
        ratio = min(1.0, max(0.0, (n_words - 5) / 15))
        oov = OOV_WEIGHT_SHORT + (OOV_WEIGHT_LONG - OOV_WEIGHT_SHORT) * ratio
        off = OFF_TOPIC_WEIGHT_SHORT + (OFF_TOPIC_WEIGHT_LONG - OFF_TOPIC_WEIGHT_SHORT) * ratio
        hard = HARD_WEIGHT_SHORT + (HARD_WEIGHT_LONG - HARD_WEIGHT_SHORT) * ratio
        weights = {}
        for tok in tokens:
            if tok in self._hard:
                weights[tok] = max(hard, self._idf.get(tok, 0.0))
            elif tok in self._off_topic:
                weights[tok] = max(off, self._idf.get(tok, 0.0))
            elif tok in self._idf:
                weights[tok] = self._idf[tok]
            else:
                weights[tok] = oov
        return weights

    @staticmethod
    def _intent_result(intent: Intent) -> MatchResult:
        return MatchResult(None, 100.0, [], intent=intent.name, decision="intent", routine=intent.routine)
