"""The understanding step: (message, context) -> one typed result.

Precedence, first that applies wins (docs/understanding.md):

1. nothing to read (empty, emoji only) or not English -> ``Unreadable``;
2. a red flag or an injury, in any sentence -> ``RedFlag`` (wins over everything);
3. during a session, a session control -> ``SessionControl``;
4. the topic model's best label, with rapidfuzz's lexical evidence blended in:
   a command intent -> ``Command`` (greetings and thanks -> ``SmallTalk``);
   in a long message, one sentence confidently a request ("...new rota at work.
   Please set my sessions for Monday and Friday at 6pm. The other days...") ->
   that ``Command``, its values read from that sentence first;
   an entry -> ``Question`` (answer, or "did you mean" below the answer
   threshold); "out-of-scope" or too little evidence -> ``OutOfScope``.

Only the topic model can start things, and it learned from questions *about*
routines labelled with the entry that answers them, so "can I do the calf
exercises mid-run?" is a question. A message with pain or injury in it never
starts a workout even when the flag stays below its threshold.

Every weight and threshold comes from ``Params``, fitted on held-out folds
(content/understanding/fitting.py) and stored in fitted.toml.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from stridecoach.content.model import Library
from stridecoach.content.understanding.knowledge import OUT_OF_SCOPE, SAFETY_ID, Knowledge
from stridecoach.content.understanding.results import (
    Command, Context, OutOfScope, PauseSlots, Question, RedFlag, ScheduleSlots, SessionControl, SmallTalk,
    Understanding, Unreadable,
)
from stridecoach.content.understanding.slots import pause_slots, schedule_slots
from stridecoach.content.understanding.text import fold, letters_share_non_latin, sentences
from stridecoach.content.understanding.training import ASKED, NONE, OTHER, YES, Models

SMALL_TALK = ("greeting", "thanks")
# Commands one sentence of a long message cannot carry: "thanks!" closing a story is
# not the point of it, and "can you help me understand it?" asks about the story.
NOT_REQUESTS = (*SMALL_TALK, "help")
# Session controls that throw work away or end it: a message that names nothing
# ("no", "hmm") never triggers one, however the control model reads it.
DISCARDING = frozenset({"skip-set", "skip-exercise", "back", "undo", "stop"})
START = "start-session"
SCHEDULE = "schedule"
PAUSE = "reminders-pause"
MAX_ALTERNATIVES = 3
# Reading a 4096-character message stays bounded: at most this many sentences
# are scored one by one (the whole message is always scored too).
MAX_SENTENCES = 40
LONG_MESSAGE_WORDS = 25  # longer messages also get a per-sentence topic reading
SHORT_MESSAGE_WORDS = 8  # short messages lean on context and on rapidfuzz
FOLLOWUP_WORDS = 16  # a follow-up ("is the back stuff meant to fix it or just stop it") is rarely longer
FOREIGN_SHARE = 0.5  # share of another language's function words that means "not English"
NON_LATIN_SHARE = 0.5
FUZZY_CUTOFF = 60.0
# "Should I hold dumbbells for this one?": a message that points back ("this
# one", "this exercise") is about the exercise in hand, or the topic just
# answered, unless it names another entry by its title; even when another entry
# shares its words ("dumbbells" are in toe walking too).
REFERENCE = "thisone"


@dataclass(frozen=True)
class Params:
    """Weights and thresholds; the defaults are overwritten by fitted.toml."""

    fuzzy_weight: float = 0.3  # share of rapidfuzz's evidence in a label's score
    answer_at: float = 0.45  # answer a question at or above this score
    suggest_at: float = 0.25  # "did you mean" between this and answer_at
    intent_at: float = 0.4  # carry out a command at or above this score
    flag_at: float = 0.3  # a red flag at or above this probability (whole message)
    sentence_flag_at: float = 0.6  # ... or one sentence of a longer message at or above this
    # Both flag thresholds rise by this share of the topic model's confidence in one
    # entry or command (not see-a-professional, not out of scope): "my heels keep coming
    # down when I walk on my toes" is about toe walking, and needs more red-flag evidence
    # than a story of a fall. Fitted together with flag_at (fitting.JOINT).
    flag_topic_trust: float = 0.0
    control_at: float = 0.5  # a session control at or above this probability
    context_bonus: float = 0.3  # added to the exercise or topic in context for short messages
    # ... plus this much times the follow-up model's probability that the message only
    # makes sense after the answer before it ("and how many sets?", "why though").
    followup_bonus: float = 0.0
    # Share of that pull handed on to the topics follow-ups move on to (Models.transitions),
    # times the ``moves`` model's probability: "so what do I do about it?" after why the
    # core matters is about the exercises for it, not the same answer again.
    move_share: float = 0.0
    # How the handed-on pull is split among those topics: 0 by how often follow-ups went
    # to each, 1 by that times the topic model's reading of the message ("is there a
    # version for the back" after the calf routine is the back routine, not the calf
    # routine's guidelines, where most follow-ups after it go).
    move_by_text: float = 0.0
    # A follow-up ("how long should I stay down?") may read as out of scope on its own:
    # after an answer, out-of-scope's score shrinks by this share times the follow-up
    # probability.
    followup_scope_trust: float = 0.0
    # Mid-set, a message of up to FOLLOWUP_WORDS words that names no other entry by its
    # title pulls this much more toward the exercise in hand ("is it ok if I hold the
    # table?" during the double-leg raise is not about the hollow body hold).
    session_bonus: float = 0.0
    # A long message is a command when one of its sentences is a request at or above
    # this probability, though the story around it drowns it in the whole reading
    # (1.01: never).
    request_at: float = 1.01
    injury_guard: float = 0.5  # share of flag_at at which pain words block a start
    # Right after an answer, a short message that reads as a follow-up moving on to another
    # topic ("and the calf one?" after the back routine) asks about it: a command needs this
    # much more, times the follow-up and moving-on probabilities. A go-ahead ("lets go
    # then") follows up without moving on, so it still starts the routine just answered.
    followup_command_guard: float = 0.0
    # During a session a question the topic model cannot place ("how do I make it
    # harder?") is about the exercise in hand, unless out-of-scope is this likely.
    session_decline_at: float = 0.5

    @classmethod
    def load(cls, path: Path) -> Params:
        if not path.exists():
            return cls()
        with path.open("rb") as f:
            raw = tomllib.load(f).get("params", {})
        names = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in raw.items() if k in names})


@dataclass(frozen=True)
class Signals:
    """What the models say about one message, before any threshold."""

    flag: np.ndarray  # probabilities over models.flag.classes, whole message
    flag_sentence: np.ndarray  # the same for the sentence most likely to be a red flag
    topic: np.ndarray  # probabilities over models.topic.classes
    fuzzy: np.ndarray  # 0..1 best rapidfuzz similarity per topic class
    control: np.ndarray  # probabilities over models.control.classes
    n_words: int
    known_words: int  # words the models have seen: none means nothing to go on ("qwzx blorp")
    refers_back: bool = False  # "this one", "this exercise" (vocabulary.toml maps them to REFERENCE)
    named: frozenset[str] = frozenset()  # entries whose whole title the message contains
    follows: float = 0.0  # probability that it follows up the answer before it
    moves: float = 0.0  # probability that, as a follow-up, it moves on to another topic
    # Only fillers and English function words ("ok and?", "no"): never a red flag, and
    # mid-set never a control that throws work away (vocabulary.toml's [fillers]).
    only_fillers: bool = False
    # Long messages: the topic probabilities of the sentence most likely to be a request
    # (a command other than small talk), and that sentence.
    request: np.ndarray | None = None
    request_text: str = ""

    def names_no_entry_but(self, entry: str | None) -> bool:
        """No entry other than ``entry`` is named by its whole title."""
        return not (self.named - {entry})


class Understander:
    def __init__(
        self, models: Models, knowledge: Knowledge, library: Library, params: Params, fingerprint: str = ""
    ) -> None:
        self.fingerprint = fingerprint
        self.models = models
        self.knowledge = knowledge
        self.params = params
        classes = models.topic.classes
        self._entry_mask = np.array([c not in knowledge.intents and c != OUT_OF_SCOPE for c in classes])
        self._placed_mask = np.array([c not in (OUT_OF_SCOPE, SAFETY_ID) for c in classes])
        self._request_mask = np.array([c in knowledge.intents and c not in NOT_REQUESTS for c in classes])
        self._label_index = {c: i for i, c in enumerate(classes)}
        self._out_of_scope = self._label_index[OUT_OF_SCOPE]
        self._flag_none = models.flag.index(NONE)
        self._flag_urgent = models.flag.index("urgent")
        self._follows_yes = models.follows.index(YES)
        self._moves_yes = models.moves.index(YES)
        self._fillers = models.vocabulary.english | models.vocabulary.fillers
        # Control classes that are not controls: anything else, and a question mid-set.
        self._not_control = [models.control.index(c) for c in (OTHER, ASKED) if c in models.control.classes]
        # Title words per entry, to tell "this one" from "toe walking" (named by its title).
        self._titles = {e.id: frozenset(models.words(e.title)) for e in library.all_entries() if e.title.strip()}
        self._pool = [" ".join(sorted(t.split())) for t in models.pool_texts]
        self._pool_label = np.array([self._label_index[label] for label in models.pool_labels], dtype=np.int64)
        # Per topic answered, where its follow-ups moved on to: label indices and shares,
        # fixed with the models, so a follow-up does not rebuild them.
        self._onward = {
            last: (np.array([self._label_index[t] for t in kept]), np.array([onward[t] for t in kept]))
            for last, onward in models.transitions.items()
            if (kept := [t for t in onward if t in self._label_index])
        }

    # -- signals ------------------------------------------------------------

    def signals(self, text: str) -> Signals | None:
        """Model outputs for ``text``; None when there are no words to read.

        A message of several sentences is read whole and sentence by sentence:
        a red flag in any sentence counts (a symptom at the end of a long story),
        and in a long message the sentences that ask carry half the topic.
        """
        m = self.models
        parts = sentences(text)[:MAX_SENTENCES] or [text]
        part_words = [m.words(s) for s in parts]
        words = [w for ws in part_words for w in ws]
        if not words:
            return None
        # Pairs of words never span two sentences.
        part_columns = m.featurizer.part_columns(part_words)
        long = len(words) > LONG_MESSAGE_WORDS
        request, request_text = None, ""
        if len(parts) == 1:
            vec = m.featurizer.weigh(Counter(part_columns[0]))
            flag = flag_sentence = m.flag.proba(*vec)
            topic = m.topic.proba(*vec)
        else:  # row 0 the whole message, then one row per sentence (features.weigh_parts)
            idx, rows = m.featurizer.weigh_parts(part_columns)
            vec = (idx, rows[0])
            flags = m.flag.proba_rows(idx, rows)
            flag = flag_sentence = flags[0]
            for p, ws in zip(flags[1:], part_words, strict=True):
                if len(ws) == 1 and ws[0] in self._fillers:
                    continue  # "and..." or "ok." alone says nothing about symptoms ("Is it ok for me?" does)
                if p[self._flag_none] < flag_sentence[self._flag_none]:
                    flag_sentence = p
            topics = m.topic.proba_rows(idx, rows if long else rows[:1])
            topic = topics[0]
            if long:
                part_topics = topics[1:]
                asking = [k for k, s in enumerate(parts) if "?" in s]
                topic = 0.5 * topic + 0.5 * np.mean([part_topics[k] for k in asking or [-1]], axis=0)
                i = max(range(len(parts)), key=lambda k: float(part_topics[k][self._request_mask].max()))
                # A question asked in another sentence is what the story is for: it is
                # answered, never overruled by a sentence that sounds like a request.
                if not set(asking) - {i}:
                    request, request_text = part_topics[i], parts[i]
        known = sum(1 for w in words if w in m.repairer.known)
        word_set = set(words)
        return Signals(
            flag, flag_sentence, topic, self._fuzzy(words), m.control.proba(*vec), len(words), known,
            REFERENCE in word_set, frozenset(e for e, title in self._titles.items() if title <= word_set),
            float(m.follows.proba(*vec)[self._follows_yes]), float(m.moves.proba(*vec)[self._moves_yes]),
            word_set <= self._fillers, request, request_text,
        )

    def _fuzzy(self, words: list[str]) -> np.ndarray:
        """Best rapidfuzz similarity (0..1) of a short message to each label's examples.

        Token-sort ratio, computed as a plain ratio over sorted words (the pool
        is sorted once at start-up) so rapidfuzz's vectorised ``cdist`` can run it.
        """
        scores = np.zeros(len(self.models.topic.classes))
        if len(words) > SHORT_MESSAGE_WORDS:
            return scores  # long messages: the model has enough evidence; keep the cost bounded
        query = " ".join(sorted(words))
        sims = process.cdist([query], self._pool, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, dtype=np.uint8)[0]
        np.maximum.at(scores, self._pool_label, sims / 100.0)
        return scores

    # -- decision -----------------------------------------------------------

    def understand(self, text: str, context: Context | None = None) -> Understanding:
        context = context or Context()
        if self._foreign(text):
            return Unreadable("foreign")
        signals = self.signals(text)
        if signals is None:
            return Unreadable("empty")
        result = self.decide(signals, context, self.params)
        return self.with_slots(result, text, signals, context)

    def with_slots(self, result: Understanding, text: str, s: Signals, context: Context) -> Understanding:
        """A command with the values it carries, read once the intent is known (slots.py).

        In a long message the request's own sentence is read first and the rest of the
        message fills what it leaves out: "the kids swim Tuesdays at 7 ... set my
        sessions for Tuesday and Thursday at half six" is at 6:30, and "I'm on earlies
        Monday and Friday. Set my sessions for those days at 6pm" is on those days.
        A go-ahead that names no routine right after a routine's answer ("lets go then") is
        that routine: the answer ends by saying how to start it.
        """
        if not isinstance(result, Command):
            return result
        first = s.request_text if s.request is not None and self._request_label(s) == result.intent else ""
        if result.intent == START:
            in_text = self._routines(text)
            named = (self._routine(first) if first else None) or _only(in_text)
            # A go-ahead that names none and is not asked ("lets go then", not "all in one go?"):
            # a question is never carried out, so one read as a start gets the chooser.
            if named is None and not in_text and "?" not in text and context.last_topic in self.knowledge.routine_words:
                named = context.last_topic  # the routine just answered
            return replace(result, routine=named)
        if result.intent == SCHEDULE:
            whole = schedule_slots(text)
            said = schedule_slots(first) if first else ScheduleSlots()
            return replace(result, schedule=ScheduleSlots(said.days or whole.days, said.at or whole.at))
        if result.intent == PAUSE:
            length = pause_slots(first) if first else PauseSlots()
            return replace(result, pause=length if length.named else pause_slots(text))
        return result

    def _request_label(self, s: Signals) -> str | None:
        """The command the most request-like sentence of a long message asks for."""
        if s.request is None:
            return None
        return str(self.models.topic.classes[int(np.argmax(np.where(self._request_mask, s.request, -1.0)))])

    def decide(self, s: Signals, context: Context, p: Params) -> Understanding:
        flag_score = 1.0 - float(s.flag[self._flag_none])
        sentence_score = 1.0 - float(s.flag_sentence[self._flag_none])
        placed = p.flag_topic_trust * float(s.topic[self._placed_mask].max())
        flag_at, sentence_flag_at = p.flag_at + placed, p.sentence_flag_at + placed
        if not s.only_fillers and (flag_score >= flag_at or sentence_score >= sentence_flag_at):
            probs = s.flag if flag_score >= flag_at else s.flag_sentence
            urgent = probs[self._flag_urgent] >= (1.0 - probs[self._flag_none]) / 2
            return RedFlag("urgent" if urgent else "professional", max(flag_score, sentence_score))
        if s.known_words == 0:
            return OutOfScope(0.0)
        in_hand = context.exercise or context.last_topic
        if s.refers_back and in_hand in self._label_index and s.names_no_entry_but(in_hand):
            if not (context.in_session and s.control[self._not_control].sum() < p.control_at):
                return Question(in_hand, 1.0, "answer")
        if context.in_session:
            j = int(np.argmax(s.control))
            action = self.models.control.classes[j]
            if j not in self._not_control and s.control[j] >= p.control_at and not (s.only_fillers and action in DISCARDING):
                return SessionControl(action, float(s.control[j]))
        classes = self.models.topic.classes
        plain = self.label_scores(s, Context(), p)
        best = int(np.argmax(plain))
        intent_at = p.intent_at + self._asked_onward(s, context) * p.followup_command_guard
        if classes[best] in self.knowledge.intents and plain[best] >= intent_at:
            scores = plain  # a command: the context only helps choose between entries
        else:
            scores = self.label_scores(s, context, p)
            best = int(np.argmax(scores))
        label, score = classes[best], float(scores[best])
        if not (label in self.knowledge.intents and score >= intent_at) and s.request is not None:
            asked_for = self._request_label(s)
            request_p = float(s.request[self._label_index[asked_for]]) if asked_for else 0.0
            # ... and only a sentence that reads as that command first of all.
            if asked_for and request_p >= p.request_at and request_p >= float(s.request.max()):
                label, score = asked_for, request_p
        entries = np.where(self._entry_mask, scores, -1.0)
        ranked = [classes[i] for i in np.argsort(-entries)[:MAX_ALTERNATIVES] if entries[i] >= p.suggest_at]
        if label in self.knowledge.intents and score >= intent_at:
            if label in SMALL_TALK:
                return SmallTalk("greeting" if label == "greeting" else "thanks")
            if label == START and flag_score >= p.injury_guard * p.flag_at:
                label, score = (ranked[0], float(scores[self._label_index[ranked[0]]])) if ranked else (OUT_OF_SCOPE, 0.0)
            else:
                return Command(label, score)
        if label not in self.knowledge.intents and label != OUT_OF_SCOPE and score >= p.answer_at:
            return Question(label, score, "answer", tuple(r for r in ranked if r != label))
        if self._about_exercise_in_hand(s, context, p):
            return Question(context.exercise, score, "answer", tuple(r for r in ranked if r != context.exercise))
        if label in self.knowledge.intents or label == OUT_OF_SCOPE:
            return OutOfScope(score, tuple(ranked))
        if score >= p.suggest_at and ranked:
            return Question(None, score, "did-you-mean", tuple(ranked))
        return OutOfScope(score, tuple(ranked))

    @staticmethod
    def _asked_onward(s: Signals, context: Context) -> float:
        """How much a message reads as a follow-up moving on from the answer just given."""
        if context.in_session or context.last_topic is None or s.n_words > FOLLOWUP_WORDS:
            return 0.0
        return s.follows * s.moves

    def _about_exercise_in_hand(self, s: Signals, context: Context, p: Params) -> bool:
        """Mid-session, a message nothing else claimed is about the current exercise."""
        if not context.in_session or context.exercise not in self._label_index:
            return False
        return float(s.topic[self._label_index[OUT_OF_SCOPE]]) < p.session_decline_at

    def label_scores(self, s: Signals, context: Context, p: Params) -> np.ndarray:
        scores = (1.0 - p.fuzzy_weight) * s.topic + p.fuzzy_weight * s.fuzzy
        brief = s.n_words <= FOLLOWUP_WORDS  # as long as a follow-up or a mid-set question
        bonus = p.context_bonus if s.n_words <= SHORT_MESSAGE_WORDS else 0.0
        if brief:
            bonus += p.followup_bonus * s.follows
        if context.exercise in self._label_index:
            if brief and s.names_no_entry_but(context.exercise):
                bonus += p.session_bonus
            scores[self._label_index[context.exercise]] += bonus
        elif context.last_topic is not None and context.last_topic in self._label_index:
            self._add_followup_pull(scores, context.last_topic, bonus, s, p)
            if brief:
                scores[self._out_of_scope] *= 1.0 - p.followup_scope_trust * s.follows
        return scores

    def _add_followup_pull(self, scores: np.ndarray, last: str, bonus: float, s: Signals, p: Params) -> None:
        """The pull toward the topic answered last, part of it handed on where follow-ups move."""
        onward = self._onward.get(last)
        handed_on = bonus * p.move_share * s.moves if onward else 0.0
        scores[self._label_index[last]] += bonus - handed_on
        if not onward:
            return
        targets, shares = onward
        said = shares * s.topic[targets]
        total = float(said.sum())
        by_text = said / total if total > 0 else shares
        scores[targets] += handed_on * ((1.0 - p.move_by_text) * shares + p.move_by_text * by_text)

    def _routine(self, text: str) -> str | None:
        """The routine a start names ("let's do the back routine"); None if none or several."""
        return _only(self._routines(text))

    def _routines(self, text: str) -> list[str]:
        """Every routine whose words (intents.toml's word lists) the text uses."""
        words = set(self.models.words(text))
        return [r for r, ws in self.knowledge.routine_words.items() if words & ws]

    def unreadable(self, text: str) -> bool:
        """Not English, or no words at all (what ``understand`` answers with ``Unreadable``)."""
        return self._foreign(text) or not self.models.words(text)

    def _foreign(self, text: str) -> bool:
        if letters_share_non_latin(text) >= NON_LATIN_SHARE:
            return True
        words = fold(text).split()
        vocab = self.knowledge.vocabulary
        if len(words) < 3:
            return False
        foreign = sum(1 for w in words if w in vocab.foreign and w not in vocab.english)
        english = sum(1 for w in words if w in vocab.english)
        return foreign / len(words) >= FOREIGN_SHARE and english <= 1


def _only(named: list[str]) -> str | None:
    """The one routine named, or None when none or several are."""
    return named[0] if len(named) == 1 else None
