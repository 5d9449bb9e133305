"""Slow connections against the real webhook process: does the bot keep answering runners?

Usage: .venv/bin/python benchmarks/slow_connections.py [--connections 1000] [--runners 40]
       [--seconds 60]

What runs: the real `python -m stridecoach run --webhook` (production settings: at most
200 open connections, 10 s to send the headers and 10 s for the body, bodies up to
1 MB; bot/webhook.py) against the HTTP Bot API emulator (bot/testing/emulator.py), which
delivers the runners' updates to the webhook as Telegram does (one at a time, oldest
first, again after a pause when a delivery fails). SQLite on disk. `/healthz` on its
own port (HEALTH_PORT).

1. Quiet: `--runners` runners each ask a question, one after another; the time from
   the update being queued at "Telegram" to the answer reaching it.
2. Attack: `--connections` TCP connections to the webhook port, all opened at once
   and re-opened as soon as the server closes them, for `--seconds`. Each sends the
   start of a request ("POST /telegram HTTP/1.1", one header line) and then one more
   header byte every 2 s (a slowloris: it never finishes its headers, no secret needed).
   Meanwhile as many other runners ask the same question, and `/healthz` is asked once
   a second.

Printed: the settings, how the server treated the attackers (connections opened,
closed by the server on arrival or after a while, with the median time it held one),
answered / asked and p50 / p99 / max reply time quiet and under attack, `/healthz`
answers under attack, and the bot's CPU time. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stridecoach.bot.settings import Settings  # noqa: E402
from stridecoach.bot.testing.emulator import Emulator  # noqa: E402

TOKEN = "123456:SLOWtokenSLOWtokenSLOWtokenSLOW"
SECRET = "slow-connections-secret-0123456789"
QUESTION = "how do I do a hollow body hold"
EXPECT = "hollow"
FIRST_RUNNER = 70_001


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


@dataclass
class AttackStats:
    opened: int = 0
    refused: int = 0  # connect() itself failed
    closed_at_once: int = 0  # closed by the server within 1 s (over the cap)
    closed_later: int = 0  # closed by the server after holding it (the read timeout)
    held_seconds: list[float] = field(default_factory=list)


async def _slow_client(port: int, stop: threading.Event, stats: AttackStats) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats.refused += 1
            await asyncio.sleep(0.5)
            continue
        stats.opened += 1
        opened_at = loop.time()
        try:
            writer.write(b"POST /telegram HTTP/1.1\r\nHost: bot\r\n")
            await writer.drain()
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(1), timeout=2.0)
                except TimeoutError:
                    writer.write(b"X")  # one more byte of a header line that never ends
                    await writer.drain()
                    continue
                if not data:
                    break  # the server closed it
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
        if stop.is_set():
            break
        held = loop.time() - opened_at
        if held < 1.0:
            stats.closed_at_once += 1
        else:
            stats.closed_later += 1
            stats.held_seconds.append(held)


def run_attack(port: int, connections: int, stop: threading.Event, stats: AttackStats) -> None:
    async def main() -> None:
        await asyncio.gather(*(_slow_client(port, stop, stats) for _ in range(connections)))

    asyncio.run(main())


def ask(emulator: Emulator, users: range, timeout: float, deadline: float | None = None) -> tuple[list[float], int]:
    """Each runner asks in turn; reply times in ms and how many were not answered
    (runners whose turn comes after `deadline`, a monotonic time, count as not answered)."""
    times: list[float] = []
    unanswered = 0
    for user in users:
        left = timeout if deadline is None else min(timeout, deadline - time.monotonic())
        if left <= 0:
            unanswered += 1
            continue
        mark = emulator.mark()
        started = time.perf_counter()
        emulator.send_text(user, QUESTION)
        try:
            emulator.wait_for_text(user, EXPECT, since=mark, timeout=left)
        except (TimeoutError, AssertionError):
            unanswered += 1
            continue
        times.append((time.perf_counter() - started) * 1000)
    return times, unanswered


def health_poll(port: int, stop: threading.Event, answers: dict[str, int]) -> None:
    while not stop.wait(1.0):
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            key = f"{response.status_code} {response.json().get('status')}"
        except (httpx.HTTPError, ValueError) as exc:
            key = type(exc).__name__
        answers[key] = answers.get(key, 0) + 1


def summary(times: list[float]) -> str:
    if not times:
        return "no answers"
    return (f"p50 {statistics.median(times):.0f} ms, p99 {percentile(times, 99):.0f} ms, "
            f"max {max(times):.0f} ms")


def bot_env(emulator: Emulator, db: Path, port: int, health_port: int) -> dict[str, str]:
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env.update(
        PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emulator.base_url,
        DATABASE_URL=f"sqlite:///{db}", WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_PORT=str(port), WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET_TOKEN=SECRET,
        HEALTH_PORT=str(health_port),
    )
    return env


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--runners", type=int, default=40, help="runners asking, quiet and again under attack")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the attack lasts at least")
    args = parser.parse_args()

    port, health_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="stridecoach-slow-") as tmp, Emulator(token=TOKEN) as emulator:
        log_path = Path(tmp) / "bot.log"
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "stridecoach", "run", "--webhook"],
                env=bot_env(emulator, Path(tmp) / "bot.db", port, health_port),
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            emulator.wait_for(lambda: emulator.telegram.webhook_url, 60, "setWebhook")
            quiet, quiet_lost = ask(emulator, range(FIRST_RUNNER, FIRST_RUNNER + args.runners), 30)
            print(f"quiet phase done: {len(quiet)} answered", flush=True)
            cpu_before = cpu_seconds(proc.pid)

            stop = threading.Event()
            stats = AttackStats()
            health: dict[str, int] = {}
            attack = threading.Thread(target=run_attack, args=(port, args.connections, stop, stats))
            poller = threading.Thread(target=health_poll, args=(health_port, stop, health))
            attack.start()
            poller.start()
            started = time.monotonic()
            time.sleep(2.0)  # let every attacker connect first
            base = FIRST_RUNNER + args.runners
            under, under_lost = ask(emulator, range(base, base + args.runners), 60,
                                    deadline=started + args.seconds)
            while time.monotonic() - started < args.seconds:
                time.sleep(0.5)
            attack_seconds = time.monotonic() - started
            stop.set()
            attack.join()
            poller.join()
            cpu_attack = cpu_seconds(proc.pid) - cpu_before
            alive = proc.poll() is None
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    held = stats.held_seconds
    print(f"settings: the real process in webhook mode (cap 200 open connections, 10 s header and body "
          f"timeouts), SQLite on disk; {args.connections} slowloris connections re-opened as soon as they "
          f"are closed, for {attack_seconds:.0f} s; {args.runners} runners asking one after another, "
          f"quiet and again under attack")
    print(f"quiet: answered {len(quiet)} of {args.runners}; {summary(quiet)}")
    print(f"under attack: answered {len(under)} of {args.runners}; {summary(under)}")
    print(f"attackers: {stats.opened} connections opened, {stats.closed_at_once} closed by the server on "
          f"arrival (over the cap), {stats.closed_later} closed after "
          f"{statistics.median(held) if held else 0:.1f} s (median), {stats.refused} refused at connect")
    print(f"/healthz under attack (once a second): {health}")
    print(f"bot process alive after the attack: {alive}; its CPU during the attack: {cpu_attack:.1f} s "
          f"in {attack_seconds:.0f} s")
    print(json.dumps({
        "connections": args.connections, "runners": args.runners, "attack_seconds": round(attack_seconds, 1),
        "quiet_answered": len(quiet), "quiet_p50_ms": round(statistics.median(quiet), 1) if quiet else None,
        "attack_answered": len(under), "attack_unanswered": under_lost,
        "attack_p50_ms": round(statistics.median(under), 1) if under else None,
        "attack_p99_ms": round(percentile(under, 99), 1) if under else None,
        "opened": stats.opened, "closed_at_once": stats.closed_at_once, "closed_later": stats.closed_later,
        "health": health, "alive": alive, "quiet_unanswered": quiet_lost,
    }))


if __name__ == "__main__":
    main()
