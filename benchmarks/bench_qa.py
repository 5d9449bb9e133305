"""Cost of the understanding step: start-up, and CPU per message.

Usage: .venv/bin/python benchmarks/bench_qa.py [labelled.jsonl ...]

Settings: the packaged content and its fitted parameters, one thread, the garbage
collector settled as the serving process settles it (bot/runtime.py), the models loaded
from the saved artefact as the serving process loads them. Start-up, in a child process
is measured twice: training the models from the data (what the first start on
a machine does) and loading the saved models (every later start, and the
Docker image). Per message: CPU time (``time.process_time``, so another
process on the machine does not inflate it) of ``understand(text)`` over every
labelled file in content/data/examples and tests/data/holdout (plus any given),
"cold" (every per-word cache cleared before each message, as if the process had
just started: the columns of the words the models were trained on are part of the
loaded models and stay; any other word is computed and typo-repaired afresh) and
"warm"; and a 4096-character message. Accuracy figures come
from ``stridecoach eval``, not from here.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stridecoach.bot.runtime import settle_garbage_collector  # noqa: E402
from stridecoach.content.loader import DATA_DIR, load_library  # noqa: E402
from stridecoach.content.understanding import artefact, build_understander  # noqa: E402
from stridecoach.content.understanding.engine import Understander  # noqa: E402
from stridecoach.content.understanding.features import _char_grams  # noqa: E402

STARTUP = "--startup-only"  # the child process that measures start-up alone
FILES = sorted((DATA_DIR / "examples").glob("*.jsonl")) + sorted((ROOT / "tests" / "data" / "holdout").glob("*.jsonl"))


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _clear(u: Understander) -> None:
    u.models.featurizer._cache.clear()
    u.models.repairer.repair.cache_clear()
    _char_grams.cache_clear()


def _time(u: Understander, texts: list[str], *, cold: bool) -> list[float]:
    out = []
    for text in texts:
        if cold:
            _clear(u)
        start = time.process_time()
        u.understand(text)
        out.append((time.process_time() - start) * 1000)
    return out


def _startup(cache: str) -> float:
    import os

    os.environ[artefact.CACHE_ENV] = cache
    from stridecoach.content.understanding import _build

    _build.cache_clear()
    start = time.process_time()
    build_understander(load_library())
    return time.process_time() - start


def _startup_figures() -> None:
    """Start-up in a process of its own: training leaves a large, scattered heap that
    would slow every message measured after it in the same process."""
    with tempfile.TemporaryDirectory() as cache:
        trained = _startup(cache)  # empty cache: trains and saves
        loaded = _startup(cache)  # saved models: loads
    print(f"start-up CPU: training {trained:.2f} s; loading saved models {loaded:.2f} s", flush=True)


def main(extra: list[str]) -> None:
    subprocess.run([sys.executable, __file__, STARTUP], check=True)
    # Per message, as the serving process runs: the saved models loaded (trained and
    # saved first by `stridecoach train`, the image's build step, if they are not yet),
    # what is loaded frozen out of the collector's passes, the serving GC threshold.
    subprocess.run([sys.executable, "-m", "stridecoach", "train"], check=True, stdout=subprocess.DEVNULL)
    u = build_understander(load_library())
    gc.collect()
    settle_garbage_collector()
    every: list[float] = []
    for path in [*FILES, *map(Path, extra)]:
        texts = [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        cold = _time(u, texts, cold=True)
        every += cold
        warm = _time(u, texts, cold=False)
        longest = max(len(t) for t in texts)
        print(
            f"{path.name:<34} n={len(texts):<4} cold p50 {_percentile(cold, 50):.3f} ms  p99 {_percentile(cold, 99):.3f} ms"
            f"  max {max(cold):.3f} ms | warm p50 {_percentile(warm, 50):.3f} p99 {_percentile(warm, 99):.3f}"
            f" | longest {longest} chars"
        )
    print(f"all {len(every)} messages of the question files: cold p50 {_percentile(every, 50):.3f} ms,"
          f" p99 {_percentile(every, 99):.3f} ms")
    long_text = ("I ran the canal path again this morning and my calves felt tired near the end. " * 60)[:4000]
    long_text = (long_text + " How many sets of jump rope should I do?")[:4096]
    cold = _time(u, [long_text] * 20, cold=True)
    print(f"4096-character message: cold p50 {_percentile(cold, 50):.2f} ms, max {max(cold):.2f} ms")


if __name__ == "__main__":
    if sys.argv[1:] == [STARTUP]:
        _startup_figures()
    else:
        main(sys.argv[1:])
