"""Slow connections against the real webhook process: does the bot keep answering runners?

Usage: .venv/bin/python benchmarks/slow_connections.py [--connections 1000] [--runners 20]
       [--seconds 60] [--phases outside,admitted]

What runs: the real `python -m stridecoach run --webhook` (production settings: at most
200 open connections, at most 50 per address, 10 s to send the headers and 10 s for the
body, bodies up to 1 MB; bot/webhook.py, bot/webhook_admission.py) against the HTTP Bot
API emulator (bot/testing/emulator.py), which delivers the runners' updates to the
webhook as Telegram does (one at a time, oldest first, again after a pause when a
delivery fails). SQLite on disk. `/healthz` on its own port (HEALTH_PORT).

Addresses: Linux routes all of 127.0.0.0/8 to the loopback device, so one machine can
play several hosts. The emulator ("Telegram") connects from 127.0.0.1. The bot runs with
WEBHOOK_ALLOWED_NETWORKS=127.0.0.1/32,127.0.0.2/32: the allowlist configured the way
production configures it with Telegram's ranges or its proxy's address (no safeguard is
switched off; the default, Telegram's ranges plus all of loopback, would admit every
attacker here).

1. Quiet: `--runners` runners each ask a question, one after another; the time from
   the update being queued at "Telegram" to the answer reaching it.
2. Attack from outside the allowlist (phase "outside"): `--connections` TCP connections
   from 127.0.0.3 .. 127.0.0.250 (round robin), all opened at once and re-opened as soon
   as they are closed or reset, for `--seconds`. Each sends the start of a request
   ("POST /telegram HTTP/1.1", one header line) and then one more header byte every 2 s
   (a slowloris: it never finishes its headers, no secret needed). Meanwhile as many
   other runners ask the same question, their turns spread evenly over the attack, and
   `/healthz` is asked once a second.
3. Attack from an admitted address (phase "admitted"): the same, every connection from
   127.0.0.2, which the allowlist admits: only the per-address limit stands between it
   and the cap.

The attackers run in a separate process (this script with --attack-worker), so that they
do not slow the emulator's threads through this process's GIL: like Telegram and an
attacker, they are different machines sharing nothing but the network.

Printed: the settings and the load average, then per phase how the server treated the
attackers (connections opened, closed or reset on arrival, held and closed after a
while with the median time held), answered / asked and p50 / p99 / max reply time,
`/healthz` answers, and the bot's CPU time. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stridecoach.bot.settings import Settings  # noqa: E402
from stridecoach.bot.testing.emulator import Emulator  # noqa: E402
from stridecoach.bot.testing.ports import free_port  # noqa: E402

TOKEN = "123456:SLOWtokenSLOWtokenSLOWtokenSLOW"
SECRET = "slow-connections-secret-0123456789"
QUESTION = "how do I do a hollow body hold"
EXPECT = "hollow"
FIRST_RUNNER = 70_001
TELEGRAM = "127.0.0.1"  # the emulator's address
ADMITTED_ATTACKER = "127.0.0.2"
OUTSIDE_ATTACKERS = [f"127.0.0.{n}" for n in range(3, 251)]
ALLOWED_NETWORKS = f"{TELEGRAM}/32,{ADMITTED_ATTACKER}/32"
PHASES = {"outside": OUTSIDE_ATTACKERS, "admitted": [ADMITTED_ATTACKER]}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


# ---------------------------------------------------------------------- the attackers' process


@dataclass
class AttackStats:
    opened: int = 0
    refused: int = 0  # connect() failed for another reason than a reset (e.g. no local port)
    closed_at_once: int = 0  # closed or reset by the server within 1 s (refused on arrival)
    closed_later: int = 0  # closed by the server after holding it (the read timeout)
    held_seconds: list[float] = field(default_factory=list)


async def _slow_client(port: int, source: str, deadline: float, stats: AttackStats) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < deadline:
        opened_at = loop.time()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        except ConnectionResetError:  # reset before our side of the handshake returned
            stats.opened += 1
            stats.closed_at_once += 1
            continue  # and at once again
        except OSError:
            stats.refused += 1
            await asyncio.sleep(0.1)
            continue
        stats.opened += 1
        try:
            writer.write(b"POST /telegram HTTP/1.1\r\nHost: bot\r\n")
            await writer.drain()
            while loop.time() < deadline:
                try:
                    data = await asyncio.wait_for(reader.read(1), timeout=2.0)
                except TimeoutError:
                    writer.write(b"X")  # one more byte of a header line that never ends
                    await writer.drain()
                    continue
                if not data:
                    break  # the server closed it
        except (ConnectionError, OSError):
            pass  # reset by the server
        finally:
            writer.close()
        if loop.time() >= deadline:
            break
        held = loop.time() - opened_at
        if held < 1.0:
            stats.closed_at_once += 1
        else:
            stats.closed_later += 1
            stats.held_seconds.append(held)


def attack_worker(port: int, sources: list[str], connections: int, seconds: float) -> None:
    """Runs in its own process: attack for `seconds`, then print the stats as JSON."""
    stats = AttackStats()

    async def main() -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        await asyncio.gather(*(_slow_client(port, sources[n % len(sources)], deadline, stats)
                               for n in range(connections)))

    asyncio.run(main())
    print(json.dumps(asdict(stats)))


# ---------------------------------------------------------------------- Telegram's side


def ask(emulator: Emulator, users: range, timeout: float, deadline: float | None = None) -> tuple[list[float], int]:
    """Each runner asks in turn; reply times in ms and how many were not answered
    (runners whose turn comes after `deadline`, a monotonic time, count as not answered).
    With a deadline, the turns are spread evenly until it, so that the runners ask
    throughout an attack rather than all in its first second."""
    times: list[float] = []
    unanswered = 0
    first = time.monotonic()
    step = 0.0 if deadline is None else max(0.0, deadline - 2.0 - first) / len(users)
    for n, user in enumerate(users):
        if step:
            time.sleep(max(0.0, first + n * step - time.monotonic()))
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
        HEALTH_PORT=str(health_port), WEBHOOK_ALLOWED_NETWORKS=ALLOWED_NETWORKS,
    )
    return env


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def attack_phase(name: str, emulator: Emulator, proc: subprocess.Popen[bytes], port: int, health_port: int,
                 args: argparse.Namespace, first_runner: int) -> dict[str, Any]:
    cpu_before = cpu_seconds(proc.pid)
    load_before = loadavg()
    stop = threading.Event()
    health: dict[str, int] = {}
    attacker = subprocess.Popen(
        [sys.executable, __file__, "--attack-worker", "--port", str(port), "--phases", name,
         "--connections", str(args.connections), "--seconds", str(args.seconds)],
        stdout=subprocess.PIPE, text=True,
    )
    poller = threading.Thread(target=health_poll, args=(health_port, stop, health))
    poller.start()
    started = time.monotonic()
    try:
        time.sleep(2.0)  # let every attacker connect first
        under, unanswered = ask(emulator, range(first_runner, first_runner + args.runners), 60,
                                deadline=started + args.seconds)
        out, _ = attacker.communicate(timeout=args.seconds + 120)
    finally:
        stop.set()
        poller.join()
        if attacker.poll() is None:
            attacker.kill()
            attacker.wait()
    attack_seconds = time.monotonic() - started
    stats = AttackStats(**json.loads(out.strip().splitlines()[-1]))
    return {
        "phase": name, "answered": len(under), "unanswered": unanswered, "times": under,
        "stats": stats, "health": health, "cpu": cpu_seconds(proc.pid) - cpu_before,
        "seconds": attack_seconds, "load_before": load_before, "load_after": loadavg(),
        "alive": proc.poll() is None,
    }


def print_phase(result: dict[str, Any], args: argparse.Namespace) -> None:
    stats: AttackStats = result["stats"]
    held = stats.held_seconds
    where = ("127.0.0.3-127.0.0.250, outside the allowlist" if result["phase"] == "outside"
             else f"{ADMITTED_ATTACKER} alone, admitted by the allowlist")
    print(f"under attack from {where} ({result['seconds']:.0f} s; load average {result['load_before']} "
          f"before, {result['load_after']} after):")
    print(f"  answered {result['answered']} of {args.runners}; {summary(result['times'])}")
    print(f"  attackers: {stats.opened} connections opened, {stats.closed_at_once} closed or reset by the "
          f"server on arrival, {stats.closed_later} held and closed after "
          f"{statistics.median(held) if held else 0:.1f} s (median), {stats.refused} failed to connect")
    print(f"  /healthz on HEALTH_PORT (once a second): {result['health']}")
    print(f"  bot process alive: {result['alive']}; its CPU: {result['cpu']:.1f} s in {result['seconds']:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--runners", type=int, default=20, help="runners asking, quiet and again in each attack")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each attack lasts")
    parser.add_argument("--phases", default="outside,admitted", help="attacks to run: outside, admitted")
    parser.add_argument("--attack-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    phases = [name.strip() for name in args.phases.split(",") if name.strip()]
    if unknown := set(phases) - set(PHASES):
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    if args.attack_worker:
        attack_worker(args.port, PHASES[phases[0]], args.connections, args.seconds)
        return

    port, health_port = free_port(), free_port()
    print(f"settings: the real process in webhook mode, production limits (at most 200 open connections, "
          f"50 per address, 10 s header and body timeouts), SQLite on disk; WEBHOOK_ALLOWED_NETWORKS="
          f"{ALLOWED_NETWORKS} (the emulator as Telegram, and the admitted attacker; production admits "
          f"Telegram's ranges, or its proxy's address, the same way); {args.connections} slowloris connections re-opened as soon as they "
          f"are closed, for {args.seconds:.0f} s per attack, in a process of their own; {args.runners} runners "
          f"asking one after another, quiet and in each attack (spread over it); load average {loadavg()}", flush=True)
    results: list[dict[str, Any]] = []
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
            print(f"quiet: answered {len(quiet)} of {args.runners}; {summary(quiet)}", flush=True)
            for n, name in enumerate(phases, start=1):
                result = attack_phase(name, emulator, proc, port, health_port, args,
                                      FIRST_RUNNER + n * args.runners)
                print_phase(result, args)
                sys.stdout.flush()
                results.append(result)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        refusals = [line for line in log_path.read_text().splitlines() if "refused" in line]
    print(f"bot log: {len(refusals)} 'refused' lines (at most one per reason every 10 s); the last: "
          f"{refusals[-1].strip() if refusals else '-'}")
    print(json.dumps({
        "connections": args.connections, "runners": args.runners, "allowed_networks": ALLOWED_NETWORKS,
        "quiet_answered": len(quiet), "quiet_unanswered": quiet_lost,
        "quiet_p50_ms": round(statistics.median(quiet), 1) if quiet else None,
        "attacks": [{
            "phase": r["phase"], "seconds": round(r["seconds"], 1), "answered": r["answered"],
            "unanswered": r["unanswered"],
            "p50_ms": round(statistics.median(r["times"]), 1) if r["times"] else None,
            "p99_ms": round(percentile(r["times"], 99), 1) if r["times"] else None,
            "max_ms": round(max(r["times"]), 1) if r["times"] else None,
            "opened": r["stats"].opened, "closed_at_once": r["stats"].closed_at_once,
            "closed_later": r["stats"].closed_later, "health": r["health"], "bot_cpu_seconds": round(r["cpu"], 1),
            "alive": r["alive"], "load_before": r["load_before"], "load_after": r["load_after"],
        } for r in results],
    }))


if __name__ == "__main__":
    main()
