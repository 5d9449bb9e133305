"""The command line as an operator or a runner uses it (real subprocesses)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test here starts a Python process

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT.parent / "shared" / "qa" / "dev.jsonl"


def _run(args: list[str], tmp_path: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    clean_env.update(env)
    clean_env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "stridecoach", *args],
        cwd=tmp_path,  # no .env file here
        env=clean_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = _run(["run"], tmp_path)
    assert result.returncode != 0
    assert "@BotFather" in result.stderr
    assert "stridecoach chat" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_run_on_a_database_it_cannot_upgrade_says_so_and_exits(tmp_path: Path) -> None:
    (tmp_path / "broken.db").write_bytes(b"not a SQLite file " * 100)
    result = _run(["run"], tmp_path, TELEGRAM_BOT_TOKEN="123456:not-a-real-token-but-long-enough",
                  DATABASE_URL=f"sqlite:///{tmp_path / 'broken.db'}")
    assert result.returncode == 1
    assert "cannot start: the database schema could not be upgraded" in result.stderr
    assert "Traceback" not in result.stderr.split("cannot start")[1]  # the last word is one clear line
    assert "not-a-real-token" not in result.stderr


def test_ask_prints_the_answer_a_runner_would_read(tmp_path: Path) -> None:
    result = _run(["ask", "how do I do a hollow body hold"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hollow" in result.stdout.lower()
    assert "10" in result.stdout  # the article's 10-second holds


def test_ask_json_reads_many_questions_from_stdin_in_order(tmp_path: Path) -> None:
    questions = ["hollow hold", "tell me a joke", "I have sciatica, what should I do"]
    result = _run(["ask", "--json", "-"], tmp_path, stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["hollow-body-hold", None, "see-a-professional"]
    assert rows[2]["safety"] is True and rows[0]["safety"] is False
    for row in rows:
        assert set(row) >= {"id", "score", "alternatives", "safety", "answer"}
        assert row["answer"]


def test_check_content_summarises_the_library(tmp_path: Path) -> None:
    result = _run(["check-content"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "calf-routine" in result.stdout and "back-routine" in result.stdout


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared dev set not beside the repo")
def test_eval_reports_accuracy_and_misses(tmp_path: Path) -> None:
    result = _run(["eval", str(DEV_SET)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "%" in result.stdout


def test_eval_of_several_files_adds_them_up(tmp_path: Path) -> None:
    # The README's "all held-out sets together" figures are what this prints.
    lines = {
        "a.jsonl": [("how many sets of jump rope?", "question", ["jump-rope"]),
                    ("how long do I hold the hollow body hold?", "question", ["hollow-body-hold"])],
        "b.jsonl": [("which running shoes are best for a marathon?", "offtopic", []),
                    ("why do runners need strong calves?", "question", ["why-calf-strength"])],
    }
    for name, rows in lines.items():
        (tmp_path / name).write_text("".join(json.dumps({"q": q, "kind": k, "ids": ids}) + "\n" for q, k, ids in rows))
    result = _run(["eval", "--quiet", "a.jsonl", "b.jsonl"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("== ") == 3
    together = result.stdout.split("== all 2 files together")[1]
    assert re.search(r"question\s+\d+ / 3\b", together), together
    assert re.search(r"offtopic\s+\d+ / 1\b", together), together


def test_chat_talks_to_the_real_handlers_with_buttons_pressed_by_prefix(tmp_path: Path) -> None:
    # /topics lists buttons; typing "#1" presses the first one and opens that answer.
    result = _run(["chat", "--files", str(tmp_path / "files")], tmp_path, stdin="/start\nhollow hold\n/topics\n#1\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "StrideCoach" in out and "not doctors" in out
    assert "10 seconds" in out  # the hollow hold answer
    assert "[#1] " in out  # buttons shown as choices pressed with "#"
    assert out.count("Jumping rope") >= 2  # the first button, then its answer
    assert "30-60 seconds" in out
    assert "<b>" not in out  # HTML is rendered for the terminal
    assert "Traceback" not in result.stderr


def test_eval_of_a_malformed_file_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": broken\n', encoding="utf-8")
    result = _run(["eval", str(bad)], tmp_path)
    assert result.returncode == 2
    assert "not a labelled question file" in result.stderr
    assert "Traceback" not in result.stderr
