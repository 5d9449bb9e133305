"""The real bot process's memory: idle after start-up, then after many runners.

Usage: .venv/bin/python benchmarks/idle_memory.py [--runners 1000]

What runs: the real `python -m stridecoach run` (long polling, production settings,
SQLite on disk, the understanding models loaded from the model cache as a deployed
image has them) against the HTTP Bot API emulator (bot/testing/emulator.py), nothing
else in its process: unlike benchmarks/bench_sessions.py, whose one process also holds
the fake Bot API and the simulated runners, this measures what an operator's process
uses. RSS is read from /proc/<pid>/status (Linux).

Printed: the settings, RSS once the bot answered a first /start (idle), then after
`--runners` different runners each asked a question and started and stopped a
session, split into anonymous memory (Python objects, arrays) and file-backed pages
(shared libraries), and the largest mappings; then the process is stopped and started
again on the same database (every start but the first after an upgrade: the schema
is current, so Alembic is never imported) and measured idle once more. The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stridecoach.bot.testing.emulator import Emulator  # noqa: E402

TOKEN = "123456:benchmark-token"


def status(pid: int) -> dict[str, float]:
    """VmRSS, RssAnon and RssFile in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def largest_mappings(pid: int, most: int = 6) -> list[tuple[str, float]]:
    sizes: collections.Counter[str] = collections.Counter()
    current = "[anon]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and len(parts) >= 5:
            current = parts[5] if len(parts) > 5 else "[anon]"
        elif parts and parts[0] == "Rss:":
            sizes[current] += int(parts[1])
    return [(name, kb / 1024) for name, kb in sizes.most_common(most)]


def rss(label: str, st: dict[str, float]) -> str:
    return f"{label}: RSS {st['VmRSS']:.1f} MB (anonymous {st['RssAnon']:.1f}, files {st['RssFile']:.1f})"


def ask(emulator: Emulator, user: int, text: str, expect: str) -> None:
    mark = emulator.mark()
    emulator.send_text(user, text)
    emulator.wait_for_text(user, expect, since=mark, timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=1000)
    args = parser.parse_args()
    print(f"settings: the real bot process, long polling against the emulator, SQLite on disk, "
          f"{args.runners} runners each asking a question and starting and stopping a session; "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder, Emulator(token=TOKEN, max_poll_seconds=10) as emulator:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": emulator.base_url, "DATABASE_URL": f"sqlite:///{folder}/bot.db"}

        @contextmanager
        def running(name: str) -> Iterator[subprocess.Popen[bytes]]:
            """The bot started (and answering /start), stopped on the way out."""
            polls = emulator.polls_started
            with (Path(folder) / f"{name}.log").open("wb") as log:
                bot = subprocess.Popen([sys.executable, "-m", "stridecoach", "run"], env=env, stdout=log,
                                       stderr=subprocess.STDOUT)
            try:
                emulator.wait_until_polling(polls=polls + 1, timeout=120)
                ask(emulator, 1, "/start", "StrideCoach")
                yield bot
            finally:
                bot.terminate()
                bot.wait(timeout=30)

        # As a deployed image has them (the Dockerfile trains at build time): the bot loads
        # the models and never imports the training libraries (scikit-learn, SciPy).
        subprocess.run([sys.executable, "-m", "stridecoach", "train"], env=env, check=True, capture_output=True)
        with running("first") as bot:
            idle = status(bot.pid)
            print(rss("idle (first start on a new database, after one /start)", idle))
            for name, mb in largest_mappings(bot.pid):
                print(f"  {mb:6.1f} MB  {name}")
            started = time.monotonic()
            for i in range(args.runners):
                user = 10_000 + i
                ask(emulator, user, "how many sets of toe walking?", "")
                ask(emulator, user, "start the calf routine", "")
                ask(emulator, user, "stop", "")
            after = status(bot.pid)
            print(rss(f"after {args.runners} runners ({time.monotonic() - started:.0f} s)", after))
        with running("again") as bot:
            again = status(bot.pid)
            print(rss("idle (started again on the same database, after one /start)", again))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(json.dumps({"idle_rss_mb": round(idle["VmRSS"], 1), "rss_mb_after_runners": round(after["VmRSS"], 1),
                      "idle_rss_mb_restarted": round(again["VmRSS"], 1), "runners": args.runners}))


if __name__ == "__main__":
    main()
