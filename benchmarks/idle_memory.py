"""The real bot process's memory: idle after start-up, then after many runners.

Usage: .venv/bin/python benchmarks/idle_memory.py [--runners 1000] [--waves 1] [--parallel 8]
                                                   [--diagnose] [--tracemalloc] [--trim]

What runs: the real bot process as the image runs it (the Dockerfile's CMD, read from
the Dockerfile, with this interpreter; the image's HEALTH_PORT served; bytecode never
written, PYTHONDONTWRITEBYTECODE=1, and the .pyc files compiled as the image build
compiles them: benchmarks/image_process.py; long polling, production
settings, SQLite on disk, the understanding models loaded from the model cache as a
deployed image has them) against the HTTP Bot API emulator (bot/testing/emulator.py), nothing
else in its process: unlike benchmarks/bench_sessions.py, whose one process also holds
the fake Bot API and the simulated runners, this measures what an operator's process
uses. RSS is read from /proc/<pid>/status (Linux).

Printed: the settings, RSS once the bot answered a first /start (idle), then after
each of `--waves` waves of `--runners` new runners (each asks a question and starts
and stops a session; `--parallel` of them at a time), split into anonymous memory
(Python objects, arrays) and file-backed pages (shared libraries), and the largest
mappings; then the process is stopped and started again on the same database (every
start but the first after an upgrade: the schema is current, so Alembic is never
imported) and measured idle once more. The last line is one JSON object.

Whether memory that grew is held by live objects or only by the allocators (freed
blocks in pymalloc's arenas, free chunks in glibc's heap: a high-water mark, not
retention), `--diagnose` tells: the bot is started through a small wrapper
(`PROBE` below: it runs `python -m stridecoach run` unchanged, with the CMD's interpreter
flags, after installing a SIGUSR1 handler) that reports, at each measurement, pymalloc's bytes in live blocks
against its arenas, glibc's bytes in use against free, the number of objects the
garbage collector tracks by type, and the lengths of the bot's per-runner tables.
The wrapper imports ctypes and json (about 1 MB), so the headline figures come from
runs without it. `--tracemalloc` also starts tracemalloc at start-up (it doubles the
heap's bookkeeping) and prints, at each measurement, the source lines whose live
memory grew the most since the one before. `--trim` calls glibc's `malloc_trim(0)` after
each measurement and prints the RSS after it (what glibc's free pages were; the later
measurements then start from the trimmed heap).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from image_process import bytecode_as_the_image, image_command  # noqa: E402  (benchmarks/)
from stridecoach.bot.testing.emulator import Emulator  # noqa: E402
from stridecoach.bot.testing.ports import free_port  # noqa: E402

TOKEN = "123456:benchmark-token"

# Run inside the bot's process by --diagnose: `python -m stridecoach run`, unchanged, after
# a SIGUSR1 handler that appends one JSON line to $PROBE_REPORT. The handler runs on the
# main thread (the event loop's) between two bytecodes, so what it counts is consistent.
PROBE = r"""
import collections, ctypes, gc, json, os, re, runpy, signal, sys

if os.environ.get("PROBE_TRACEMALLOC"):
    import tracemalloc
    tracemalloc.start(1)
    _snapshots = []


def _pymalloc():
    # sys._debugmallocstats writes to C's stderr: point fd 2 at a file for the call.
    path = os.environ["PROBE_REPORT"] + ".malloc"
    saved = os.dup(2)
    with open(path, "w") as out:
        sys.stderr.flush()
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    text = open(path).read()

    def field(name):
        found = re.search(r"^# " + re.escape(name) + r"\s*=\s*([\d,]+)", text, re.M)
        return int(found.group(1).replace(",", "")) if found else None

    arenas = re.search(r"^(\d+) arenas \* (\d+) bytes/arena", text, re.M)
    if arenas is None:  # tracemalloc's hooks are in the way: no pymalloc figures
        return None
    return {"arenas": int(arenas.group(1)), "arena_bytes": int(arenas.group(1)) * int(arenas.group(2)),
            "allocated_blocks": field("bytes in allocated blocks"),
            "available_blocks": field("bytes in available blocks"),
            "unused_pools": int(re.search(r"^(\d+) unused pools", text, re.M).group(1)),
            "arenas_highwater": field("arenas highwater mark")}


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _glibc():
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    info = libc.mallinfo2()
    # arena: the heap's size; uordblks: bytes in use in it; fordblks: free in it; hblkhd: mmapped blocks.
    return {"heap": info.arena, "in_use": info.uordblks, "free": info.fordblks, "mmapped": info.hblkhd}


def _tables():
    # The bot's per-runner and per-chat tables, found through the Application (one per process).
    from telegram.ext import Application
    apps = [o for o in gc.get_objects() if isinstance(o, Application)]
    if not apps:
        return {}
    app = apps[0]
    services = app.bot_data["services"]
    processor = app.update_processor
    inner = getattr(processor, "inner", processor)
    guard = services.extras.get("flood_guard")
    kept = getattr(services, "chat_data", None)  # the bot's own, for the most recent chats
    tables = {"chat_data": len(kept) if kept is not None else None,
              "ptb_chat_data": len(app.chat_data), "ptb_user_data": len(app.user_data),
              # PTB's ids marked for a persistence (none here): emptied only by one
              "ptb_persistence_ids": len(app._chat_ids_to_be_updated_in_persistence)
              + len(app._user_ids_to_be_updated_in_persistence),
              "known_runners": len(services.known_runners),
              "chat_budgets": len(app.bot.rate_limiter.chats),
              "runner_locks": len(getattr(inner, "_locks", {})),
              "flood_windows": len(guard.runners) if guard else None,
              "jobs": len(app.job_queue.jobs()) if app.job_queue else None,
              "db_connections": services.db.engine.pool.checkedin() + services.db.engine.pool.checkedout()}
    return tables


def _report(signum, frame):
    # Runs in the middle of whatever the bot was doing: it must never raise into it.
    try:
        record = _record()
    except Exception as exc:
        record = {"error": repr(exc)}
    with open(os.environ["PROBE_REPORT"], "a") as out:
        out.write(json.dumps(record) + "\n")


def _record():
    gc.collect()
    counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
    record = {"pymalloc": _pymalloc(), "glibc": _glibc(), "gc_tracked": sum(counts.values()),
              "gc_by_type": dict(counts.most_common(40)), "tables": _tables()}
    if os.environ.get("PROBE_TRACEMALLOC"):
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)])
        record["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        if _snapshots:
            top = snapshot.compare_to(_snapshots[-1], "lineno")[:15]
            record["grew_since_last"] = [
                [str(stat.traceback[0]), round(stat.size_diff / 1024, 1), stat.count_diff] for stat in top]
        _snapshots[:] = [snapshot]
    if os.environ.get("PROBE_TRIM"):
        # What glibc hands back of its free pages: high-water, not retention, by definition.
        before = _vmrss()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        record["trim"] = [before, _vmrss()]
    return record


def _vmrss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


signal.signal(signal.SIGUSR1, _report)
sys.argv = ["stridecoach", "run"]
runpy.run_module("stridecoach", run_name="__main__", alter_sys=True)
"""


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


def probe(bot: subprocess.Popen[bytes], report: Path) -> dict[str, Any]:
    """--diagnose: ask the wrapper in the bot's process for its figures; the new JSON line."""
    lines = report.read_text().splitlines() if report.exists() else []
    bot.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 600  # a tracemalloc snapshot of the whole heap takes a while
    while time.monotonic() < deadline:
        now = report.read_text().splitlines() if report.exists() else []
        if len(now) > len(lines):
            return dict(json.loads(now[-1]))
        time.sleep(0.2)
    raise TimeoutError("the probe did not report")


def describe(record: dict[str, Any]) -> list[str]:
    if "error" in record:
        return [f"    the probe failed: {record['error']}"]
    mb = 2**20
    pym, libc = record["pymalloc"], record["glibc"]
    pymalloc = ("pymalloc: no figures while tracemalloc runs" if pym is None else
                f"pymalloc: {pym['arenas']} arenas of 1 MB ({pym['arena_bytes'] / mb:.1f} MB), live blocks "
                f"{pym['allocated_blocks'] / mb:.1f} MB, free blocks {pym['available_blocks'] / mb:.1f} MB, "
                f"{pym['unused_pools']} unused pools of 16 KB")
    lines = [f"    {pymalloc}; glibc heap {libc['heap'] / mb:.1f} MB: in use {libc['in_use'] / mb:.1f}, "
             f"free {libc['free'] / mb:.1f}; mmapped blocks {libc['mmapped'] / mb:.1f} MB",
             f"    objects the collector tracks: {record['gc_tracked']:,}; tables: "
             + ", ".join(f"{name} {value}" for name, value in record["tables"].items())]
    if "trim" in record:
        lines.append(f"    malloc_trim(0): RSS {record['trim'][0]:.1f} -> {record['trim'][1]:.1f} MB")
    if "traced_mb" in record:
        lines.append(f"    tracemalloc: {record['traced_mb']:.1f} MB traced")
    for where, kb, count in record.get("grew_since_last", []):
        lines.append(f"      {kb:+9.1f} KB {count:+7d} blocks  {where}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=1000, help="new runners per wave")
    parser.add_argument("--waves", type=int, default=1, help="waves of new runners, measured after each")
    parser.add_argument("--parallel", type=int, default=8, help="runners talking to the bot at once")
    parser.add_argument("--diagnose", action="store_true",
                        help="report live vs allocator-held memory and the per-runner tables (adds ~1 MB)")
    parser.add_argument("--tracemalloc", action="store_true", help="with --diagnose: what grew, by source line")
    parser.add_argument("--trim", action="store_true",
                        help="with --diagnose: after each measurement, glibc's malloc_trim(0) and the RSS after it")
    args = parser.parse_args()
    diagnose = args.diagnose or args.tracemalloc or args.trim
    flags, module = image_command()
    bytecode = bytecode_as_the_image(flags)
    print(f"settings: the real bot process as the image runs it ({' '.join(['python', *flags, '-m', *module])}, "
          f"HEALTH_PORT served, .pyc files as the image has them, PYTHONDONTWRITEBYTECODE=1), long polling against the emulator, "
          f"SQLite on disk, "
          f"{args.waves} wave(s) of {args.runners} new runners each asking a question and starting and "
          f"stopping a session, {args.parallel} at a time; diagnose {diagnose}, tracemalloc {args.tracemalloc}, "
          f"trim {args.trim}; "
          f"load average {os.getloadavg()[0]:.1f}")
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder, Emulator(token=TOKEN, max_poll_seconds=10) as emulator:
        report = Path(folder) / "probe.jsonl"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": emulator.base_url, "DATABASE_URL": f"sqlite:///{folder}/bot.db",
               "PROBE_REPORT": str(report), "PYTHONUNBUFFERED": "1", "HEALTH_PORT": str(free_port()),
               **bytecode}
        if args.tracemalloc:
            env["PROBE_TRACEMALLOC"] = "1"
        if args.trim:
            env["PROBE_TRIM"] = "1"
        command = [sys.executable, *flags, *(["-c", PROBE] if diagnose else ["-m", *module])]

        @contextmanager
        def running(name: str) -> Iterator[subprocess.Popen[bytes]]:
            """The bot started (and answering /start), stopped on the way out."""
            polls = emulator.polls_started
            with (Path(folder) / f"{name}.log").open("wb") as log:
                bot = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                emulator.wait_until_polling(polls=polls + 1, timeout=120)
                ask(emulator, 1, "/start", "StrideCoach")
                yield bot
            finally:
                bot.terminate()
                bot.wait(timeout=30)

        def measured(bot: subprocess.Popen[bytes], label: str) -> dict[str, float]:
            if diagnose:
                records.append(probe(bot, report))
            st = status(bot.pid)
            print(rss(label, st))
            if diagnose:
                print("\n".join(describe(records[-1])))
            return st

        def visit(user: int) -> None:
            ask(emulator, user, "how many sets of toe walking?", "")
            ask(emulator, user, "start the calf routine", "")
            ask(emulator, user, "stop", "")

        # As a deployed image has them (the Dockerfile trains at build time): the bot loads
        # the models and never imports the training libraries (scikit-learn, SciPy).
        subprocess.run([sys.executable, "-m", "stridecoach", "train"], env=env, check=True, capture_output=True)
        waves: list[tuple[int, float]] = []
        with running("first") as bot:
            idle = measured(bot, "idle (first start on a new database, after one /start)")
            for name, mb in largest_mappings(bot.pid):
                print(f"  {mb:6.1f} MB  {name}")
            for wave in range(args.waves):
                started = time.monotonic()
                first = 10_000 + wave * args.runners
                with ThreadPoolExecutor(args.parallel) as pool:
                    list(pool.map(visit, range(first, first + args.runners)))
                seen = (wave + 1) * args.runners
                after = measured(bot, f"after {seen} runners seen ({time.monotonic() - started:.0f} s for this wave)")
                waves.append((seen, after["VmRSS"]))
        with running("again") as bot:
            again = measured(bot, "idle (started again on the same database, after one /start)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(json.dumps({"idle_rss_mb": round(idle["VmRSS"], 1), "rss_mb_after_runners": round(waves[-1][1], 1),
                      "rss_mb_by_runners_seen": [[n, round(mb, 1)] for n, mb in waves],
                      "idle_rss_mb_restarted": round(again["VmRSS"], 1), "runners": args.runners * args.waves}))


if __name__ == "__main__":
    main()
