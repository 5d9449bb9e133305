"""Literal prefilters: skip a regular expression that cannot possibly match.

Most of our patterns (safety families, intents, retrieval rewrites) start with
``\\b`` and an alternation of words, which Python's ``re`` cannot anchor on: it
tries the pattern at every character, so each pass over a long message costs a
few microseconds however unlikely the words are, and a message goes through
well over a hundred such passes. ``str.__contains__`` is far cheaper.

``necessary_literals(pattern)`` derives, from the parsed pattern, a set of
strings such that *every* match contains at least one of them (what RE2 and
Hyperscan call a prefilter). ``Gated`` wraps a compiled pattern: when none of
the strings occurs in the text the pattern is skipped, and the result is
exactly what the pattern would have returned (no match; ``sub`` returns the
text unchanged). When a set cannot be derived the pattern always runs.

The derivation is conservative by construction: zero-width items (``\\b``,
lookarounds) count as the empty string, anything it does not understand
(``\\w``, negated classes, back-references, unbounded repeats of those) yields
"no constraint", and an alternation only constrains when every branch does.
tests/test_matcher_speed_equivalence.py checks it against the plain patterns.
"""

from __future__ import annotations

import re
from itertools import product

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

# Larger exact sets are given up on (a cross product can explode).
_MAX_EXACT = 256
_MAX_CLASS = 12  # a character class this small is enumerated ([sz], [ck])
_MAX_REPEAT_ENUM = 3  # x{0,3} of an exact x is enumerated, longer repeats are not

# More literals than this and the pattern simply runs (see necessary_literals).
MAX_LITERALS = 16

_ZERO_WIDTH = frozenset({_c.AT, _c.ASSERT, _c.ASSERT_NOT})


def _exact(items) -> frozenset[str] | None:
    """Every string a sequence of parsed items can match, or None if unbounded/unknown."""
    out: frozenset[str] = frozenset({""})
    for op, av in items:
        part = _exact_item(op, av)
        if part is None:
            return None
        out = frozenset(a + b for a, b in product(out, part))
        if len(out) > _MAX_EXACT:
            return None
    return out


def _exact_item(op, av) -> frozenset[str] | None:
    if op is _c.LITERAL:
        return frozenset({chr(av)})
    if op in _ZERO_WIDTH:
        # Zero-width: contributes nothing to the matched text.
        return frozenset({""})
    if op is _c.SUBPATTERN:
        return _exact(av[-1])
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            part = _exact(branch)
            if part is None:
                return None
            out |= part
        return frozenset(out) if len(out) <= _MAX_EXACT else None
    if op is _c.IN:
        chars: set[str] = set()
        for cop, cav in av:
            if cop is _c.LITERAL:
                chars.add(chr(cav))
            elif cop is _c.RANGE and cav[1] - cav[0] < _MAX_CLASS:
                chars.update(chr(c) for c in range(cav[0], cav[1] + 1))
            else:  # NEGATE, CATEGORY (\w, \s), wide ranges
                return None
        return frozenset(chars) if len(chars) <= _MAX_CLASS else None
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        lo, hi, body = av
        if hi > _MAX_REPEAT_ENUM:
            return None
        inner = _exact(body)
        if inner is None:
            return None
        out = set()
        for n in range(lo, hi + 1):
            for combo in product(inner, repeat=n):
                out.add("".join(combo))
            if len(out) > _MAX_EXACT:
                return None
        return frozenset(out)
    return None


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    # A text containing "pains" contains "pain": keep only the minimal strings.
    return frozenset(f for f in strings if not any(g != f and g in f for g in strings))


def _shrink(strings: frozenset[str] | None) -> frozenset[str] | None:
    """A set too large to check, cut down to a small one that is still necessary.

    A text containing "should i get" contains "shoul" too, and one containing
    "go back" contains " back": every string's prefixes (and suffixes) are as
    necessary as the string. When a set has more than MAX_LITERALS strings
    (usually a product of word lists: "should|could|can" x "i|we" x "get|order"),
    the longest prefixes (or suffixes) that fit in MAX_LITERALS strings are used.
    """
    if strings is None:
        return None
    strings = _minimal(strings)
    if len(strings) <= MAX_LITERALS:
        return strings
    shortest = min(map(len, strings))
    for k in range(min(shortest, 10), 3, -1):
        for cut in ((lambda x, k=k: x[:k]), (lambda x, k=k: x[-k:])):
            small = _minimal(frozenset(map(cut, strings)))
            if len(small) <= MAX_LITERALS:
                return small
    return strings


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The cheaper of two factor sets to check.

    A miss (the usual case) tries every string, so fewer strings is cheaper;
    but strings under four letters ("no", "in ") occur in most messages and
    rarely let a pattern be skipped, so longer ones come first. A set over
    MAX_LITERALS strings (after _shrink) cannot be used at all, so any usable
    set beats it.
    """
    a, b = _shrink(a), _shrink(b)
    if a is None:
        return b
    if b is None:
        return a
    ka = (len(a) <= MAX_LITERALS, min(4, min(map(len, a))), -len(a))
    kb = (len(b) <= MAX_LITERALS, min(4, min(map(len, b))), -len(b))
    return a if ka >= kb else b


def _factors(items) -> frozenset[str] | None:
    """Strings of which every match of ``items`` contains at least one (None: no constraint)."""
    best: frozenset[str] | None = None
    run: frozenset[str] | None = frozenset({""})
    for op, av in items:
        part = _exact_item(op, av)
        if op is _c.ASSERT:
            best = _better(best, _factor_item(op, av))
        if part is not None:
            best = _better(best, _usable(part))
            # Extend the current run of exactly-known items ("instead of" + " ").
            joined = frozenset(a + b for a, b in product(run, part)) if run is not None else None
            if joined is not None and len(joined) <= _MAX_EXACT:
                run = joined
            else:
                best = _better(best, _usable(run))
                run = part
            continue
        best = _better(best, _usable(run))
        run = frozenset({""})
        best = _better(best, _factor_item(op, av))
    return _better(best, _usable(run))


def _usable(strings: frozenset[str] | None) -> frozenset[str] | None:
    # A set containing "" promises nothing.
    if strings is None or "" in strings:
        return None
    return strings


def _factor_item(op, av) -> frozenset[str] | None:
    if op is _c.ASSERT:
        # A positive lookahead or lookbehind matches nothing itself, but the
        # text must contain what it asserts: its factors gate the pattern.
        return _factors(av[1])
    if op is _c.SUBPATTERN:
        return _factors(av[-1])
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            part = _factors(branch)
            if part is None:
                return None
            out |= part
        return _shrink(frozenset(out))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        lo, _hi, body = av
        return _factors(body) if lo >= 1 else None
    return None


def necessary_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains, or None."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    factors = _factors(_sre_parse.parse(pattern.pattern, pattern.flags))
    if not factors:
        return None
    factors = _minimal(factors)
    # Not worth a check: short strings ("no", "on ") are in most messages, and
    # a long list of substring checks costs as much as the regex pass itself.
    if min(map(len, factors)) < 3 or len(factors) > MAX_LITERALS:
        return None
    return factors


class Gated:
    """A compiled pattern that is skipped when its necessary literals are absent.

    ``search`` and ``sub`` return exactly what the wrapped pattern returns.
    """

    __slots__ = ("pattern", "literals")

    def __init__(self, pattern: re.Pattern[str] | str) -> None:
        self.pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        literals = necessary_literals(self.pattern)
        self.literals = tuple(sorted(literals)) if literals else None

    def possible(self, text: str) -> bool:
        literals = self.literals
        # any(map(...)) keeps the loop in C: a few dozen substring checks cost
        # less than one regex pass over a long message.
        return literals is None or any(map(text.__contains__, literals))

    def search(self, text: str):
        return self.pattern.search(text) if self.possible(text) else None

    def sub(self, repl, text: str) -> str:
        return self.pattern.sub(repl, text) if self.possible(text) else text


# From this many characters on, GatedAny finds present literals by trigram.
_GRAM_MIN_TEXT = 160


class GatedAny:
    """``search`` of a top-level alternation, for callers that only test truth.

    A huge alternation (the red-flag families) has too many literals for one
    gate, but each branch has a few: the branches whose literals are absent
    are skipped, the rest run one by one, and branches with no usable literal
    run together as one alternation. A match of the alternation exists
    exactly when some branch matches, so the truth value is unchanged.
    """

    def __init__(self, branches: list[str]) -> None:
        gated = [Gated(b) for b in branches]
        plain = [g.pattern.pattern for g in gated if g.literals is None]
        self._plain = re.compile("|".join(f"(?:{p})" for p in plain)) if plain else None
        # literal -> the branches it can unlock, so one C-level pass over all
        # literals (filter) finds the few branches worth running.
        self._by_literal: dict[str, list[re.Pattern[str]]] = {}
        for g in gated:
            for lit in g.literals or ():
                self._by_literal.setdefault(lit, []).append(g.pattern)
        self._literals = tuple(sorted(self._by_literal))
        # Literals by their first three letters: on a long message, the set of
        # the text's three-letter pieces rules most of them out at once (one
        # substring check per literal costs more than building that set).
        self._by_gram: dict[str, list[str]] = {}
        for lit in self._literals:
            self._by_gram.setdefault(lit[:3], []).append(lit)
        self._grams = frozenset(self._by_gram)

    def _present(self, text: str):
        if len(text) < _GRAM_MIN_TEXT or any(len(g) < 3 for g in self._grams):
            return filter(text.__contains__, self._literals)
        grams = {text[i : i + 3] for i in range(len(text) - 2)}
        by_gram = self._by_gram
        return sorted(lit for g in grams.intersection(self._grams) for lit in by_gram[g] if lit in text)

    def search(self, text: str) -> bool:
        if self._plain is not None and self._plain.search(text):
            return True
        tried: set[re.Pattern[str]] = set()
        for lit in self._present(text):
            for pattern in self._by_literal[lit]:
                if pattern not in tried:
                    if pattern.search(text):
                        return True
                    tried.add(pattern)
        return False
