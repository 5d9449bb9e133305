"""Matcher cost and accuracy: index build time, ms per question, top-1 figures.

Usage: .venv/bin/python benchmarks/bench_qa.py [extra.jsonl ...]

Runs over ../shared/qa/dev.jsonl (when present), tests/data/extra_questions*.jsonl
and any files given. "cold" timings clear the normalisation caches before every
question (a question the bot has never seen); "warm" ones repeat the questions.
"wall" is elapsed time (includes being descheduled when the machine is busy);
"cpu" is the thread's CPU time, the matcher's own cost.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content import Matcher, load_library  # noqa: E402
from content.evaluation import evaluate  # noqa: E402
from content.normalize import clean, rewrite, stem  # noqa: E402

FILES = [
    ROOT.parent / "shared" / "qa" / "dev.jsonl",
    ROOT / "tests" / "data" / "extra_questions.jsonl",
    ROOT / "tests" / "data" / "extra_questions2.jsonl",
    ROOT / "tests" / "data" / "extra_questions3.jsonl",
    ROOT / "tests" / "data" / "extra_questions4.jsonl",
    ROOT / "tests" / "data" / "extra_questions5.jsonl",
    ROOT / "tests" / "data" / "extra_questions6.jsonl",
]
REPEATS = 20


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _time(matcher: Matcher, questions: list[str], cold: bool, clock=time.perf_counter) -> list[float]:
    out = []
    for _ in range(REPEATS):
        for q in questions:
            if cold:
                clean.cache_clear()
                rewrite.cache_clear()
                stem.cache_clear()
                matcher.normalizer.repair.cache_clear()
            start = clock()
            matcher.match(q)
            out.append((clock() - start) * 1000)
    return out


def main(argv: list[str]) -> None:
    start = time.perf_counter()
    library = load_library()
    loaded = time.perf_counter()
    matcher = Matcher(library)
    built = time.perf_counter()
    print(f"load library: {(loaded - start) * 1000:.1f} ms ({len(library.all_entries())} entries)")
    print(f"build index:  {(built - loaded) * 1000:.1f} ms")
    for path in [*FILES, *map(Path, argv)]:
        if not path.exists():
            print(f"\n{path}: not found, skipped")
            continue
        questions = [json.loads(line)["q"] for line in path.read_text().splitlines() if line.strip()]
        report = evaluate(matcher, library, path)
        print(f"\n{path.name} ({len(questions)} questions)")
        print(
            f"  answerable top-1 {report.answerable_accuracy:.1%}  declined {report.decline_rate:.1%}"
            f"  safety {report.safety_rate:.1%}  overall {report.overall_accuracy:.1%}"
        )
        # Wall time includes being descheduled on a busy machine; thread CPU
        # time is what the matcher itself costs.
        for label, cold, clock in (
            ("cold wall", True, time.perf_counter),
            ("warm wall", False, time.perf_counter),
            ("cold cpu ", True, time.thread_time),
        ):
            ms = _time(matcher, questions, cold, clock)
            print(
                f"  {label}: p50 {statistics.median(ms):.3f} ms  p99 {_percentile(ms, 99):.3f} ms"
                f"  max {max(ms):.3f} ms"
            )
    worst = "my calves hurt, " * 256  # 4096 characters
    ms = _time(matcher, [worst[:4096]], cold=True)
    print(f"\n4096-character message: p50 {statistics.median(ms):.3f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
