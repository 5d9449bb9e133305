"""The speed-ups in content.prefilter and normalize._replace_phrases change no result."""

from __future__ import annotations

import json
import re
from pathlib import Path

from content import intents, normalize, safety
from content.normalize import _PHRASE_MAP, _replace_phrases, clean
from content.prefilter import Gated, GatedAny

DATA = Path(__file__).parent / "data"


def _texts() -> list[str]:
    qs = [json.loads(line)["q"] for p in sorted(DATA.glob("*.jsonl")) for line in p.read_text().splitlines() if line.strip()]
    out = []
    for q in qs:
        out.append(clean(q))
        out.extend(clean(part) for part in re.split(r"[.!?,]", q))
    return [t for t in out if t]


def _gated() -> list[Gated]:
    found = [p for p, _ in normalize._REWRITES] + [p for _, ps in intents._RULES for p in ps]
    for module in (normalize, safety, intents):
        found += [v for v in vars(module).values() if isinstance(v, Gated)]
    return found


def test_a_skipped_pattern_never_matches() -> None:
    texts = _texts()
    for gated in _gated():
        for text in texts:
            if not gated.possible(text):
                assert gated.pattern.search(text) is None, (gated.pattern.pattern, text)


def test_gated_any_agrees_with_the_alternation() -> None:
    branches = [r"\b(?:" + p + ")" for p in safety._ALWAYS + safety._EVERYDAY]
    branches += [safety._SEVERE_THEN_PAIN, safety._PAIN_THEN_SEVERE]
    combined = re.compile("|".join(branches))
    fast = GatedAny(branches)
    for text in _texts():
        assert fast.search(text) == bool(combined.search(text)), text


def test_phrase_lookup_matches_the_regex_alternation() -> None:
    regex = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(_PHRASE_MAP, key=len, reverse=True)) + r")\b")
    samples = _texts() + [p for p in _PHRASE_MAP] + [" ".join(_PHRASE_MAP) ]
    for text in samples:
        assert _replace_phrases(text) == regex.sub(lambda m: _PHRASE_MAP[m.group(0)], text), text
