"""The evaluation report and the ask helpers behind `stridecoach ask`."""

from __future__ import annotations

import json

import pytest

from content import Matcher, load_library
from content.evaluation import ask_json, evaluate, format_report, reply_text


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def matcher(library):
    return Matcher(library)


@pytest.fixture
def qa_file(tmp_path):
    rows = [
        {"q": "how do I do a hollow body hold", "ids": ["hollow-body-hold"], "kind": "howto"},
        {"q": "jumprope how many sets", "ids": ["jump-rope"], "kind": "typo"},
        # labelled wrongly on purpose: must show up as a miss
        {"q": "toe walking", "ids": ["ankle-knee-push"], "kind": "terse"},
        {"q": "tell me a joke", "ids": [], "kind": "offtopic"},
        {"q": "I have sciatica", "ids": ["see-a-professional"], "kind": "safety"},
        {"q": "stop the reminders", "ids": [], "kind": "command", "intent": "reminders-off"},
        # declined, but with the wrong intent expected: a command miss
        {"q": "help", "ids": [], "kind": "command", "intent": "progress"},
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    return path


def test_evaluate_counts(matcher, library, qa_file):
    report = evaluate(matcher, library, qa_file)
    assert report.total == 7
    assert (report.answered_right, report.answerable) == (3, 4)
    assert (report.declined, report.unanswerable) == (3, 3)
    assert (report.safety_flagged, report.safety_total) == (1, 1)
    assert report.per_kind["command"] == [1, 2]
    assert report.per_kind["terse"] == [0, 1]
    assert report.answerable_accuracy == pytest.approx(0.75)
    assert report.decline_rate == 1.0
    assert {m.question for m in report.misses} == {"toe walking", "help"}
    toe = next(m for m in report.misses if m.question == "toe walking")
    assert toe.expected == "ankle-knee-push" and toe.got.startswith("toe-walking")


def test_format_report_lists_rates_and_misses(matcher, library, qa_file):
    text = format_report(evaluate(matcher, library, qa_file))
    assert "answerable top-1: 3/4 = 75.0%" in text
    assert "unanswerable declined: 3/3 = 100.0%" in text
    assert "safety flagged: 1/1 = 100.0%" in text
    assert "'toe walking'" in text and "expected ankle-knee-push" in text
    assert "intent:progress" in text and "got intent:help" in text


def test_ask_json_answer(matcher, library):
    out = ask_json(matcher, library, "how long should I jump rope for")
    assert out["id"] == "jump-rope" and out["safety"] is False and out["intent"] is None
    assert out["answer"] == library.get("jump-rope").answer
    assert set(out) >= {"id", "score", "alternatives", "safety", "answer", "intent"}
    json.dumps(out)  # JSON-ready


def test_ask_json_safety(matcher, library):
    out = ask_json(matcher, library, "my foot goes numb when my back hurts")
    assert out["id"] == "see-a-professional" and out["safety"] is True
    assert "not doctors" in out["answer"]


def test_ask_json_did_you_mean_has_no_id(matcher, library):
    out = ask_json(matcher, library, "calves")
    assert out["id"] is None and out["alternatives"]
    assert "Did you mean" in out["answer"]


def test_ask_json_decline_is_honest(matcher, library):
    out = ask_json(matcher, library, "what should I eat before a half marathon")
    assert out["id"] is None
    assert "don't know" in out["answer"] and "calf" in out["answer"]


def test_ask_json_intent(matcher, library):
    out = ask_json(matcher, library, "let's do the back routine")
    assert out["id"] is None and out["intent"] == "start-session"
    assert "back routine" in out["answer"]


def test_reply_text_matches_ask_json(matcher, library):
    for text in ("toe walking", "tell me a joke", "stop the reminders", "", "sciatica"):
        assert reply_text(matcher, library, text) == ask_json(matcher, library, text)["answer"]
