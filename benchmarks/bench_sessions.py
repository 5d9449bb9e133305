"""Guided sessions as runners feel them: many runners at once, a slow Bot API, production settings.

Usage: .venv/bin/python benchmarks/bench_sessions.py [--runners 1000] [--latency-ms 100]
       [--think-ms 2000] [--redeliver 0.02] [--memory-waves 3] [--profile] [--mode polling|webhook]

What runs: the real Application built by `bot.app.build_application` with every
production safeguard on (the per-chat and broadcast budgets of bot/budgets.py,
the flood guard at its default 20 updates / 10 s, the inbox, the runner-ordered
processor at its default concurrency), fed by the real long-polling source
(bot/polling.py) from the fake Bot API (bot/testing/fake_telegram.py) with
`--latency-ms` per call (+-30% jitter) and Telegram's flood limits answered with
429. SQLite on disk in a temp directory (WAL, synchronous=NORMAL).

`--mode webhook` feeds the same Application through the real webhook server
(bot/webhook.py: tornado on 127.0.0.1, the secret token checked, each update stored
before the answer) instead: the benchmark plays Telegram's side, POSTing each update
over one of 40 keep-alive connections (Telegram's default max_connections). A
delivery takes the same latency as a call (half on the way in, half back; the
connection is held only while the bot answers, as Telegram keeps many deliveries in
flight), and a Bot API call carried in the webhook's answer (the press's
answerCallbackQuery) is performed by the fake and counted like any call, shown apart.

Each simulated runner sends /session, taps "Calf routine", then does the 21
sets: after each reply it "thinks" for `--think-ms` (+-50%, a real set takes
30-60 s, so 1,000 runners here load the bot like tens of thousands in real
life), then alternately presses the Done button and types "done". Starts are
spread over the first think time. A share of the "done" updates is delivered
twice (`--redeliver`, as Telegram does after a crash); they must not count.

Printed: "done" replies per second over the run, p50/p99/max from the moment
the runner sent the update to the moment the reply reached the fake (this
includes getUpdates' round trip or the webhook delivery, the handling and the
reply's way in), Bot API calls per "done" (everything but getUpdates and
setWebhook, session starts included; in webhook mode the calls made in webhook
answers apart and in the total), CPU per
update (the whole process: the bot plus the in-process fake and the simulated
runners, so an upper bound for the bot alone), 429s answered and errors
logged, completions stored vs expected; then the resident memory idle, after
the run, and after `--memory-waves` waves of new runners (each asks a question
and starts a session). The LAST line is one JSON object with the headline figures.

`--profile` also prints where an update's time goes, stage by stage (waiting in
Telegram for getUpdates, stored by the inbox, waiting for its runner's lock and a
slot, handled, the reply's way), the database transactions, the budgets' waits,
each Bot API method's round trip and the event loop's lag (benchmarks/stage_profile.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from stridecoach.bot.app import build_application  # noqa: E402
from stridecoach.bot.budgets import RealClock  # noqa: E402
from stridecoach.bot.polling import PollingReceiver  # noqa: E402
from stridecoach.bot.runtime import build_services  # noqa: E402
from stridecoach.bot.settings import Settings  # noqa: E402
from stridecoach.bot.testing.fake_telegram import FakeRequest, FakeTelegram, SentMessage  # noqa: E402
from stridecoach.bot.testing.ports import free_port  # noqa: E402
from stridecoach.bot.webhook import SECRET_HEADER, WebhookReceiver  # noqa: E402

from stage_profile import StageProfile  # noqa: E402  (benchmarks/, beside this file)

CALF_SETS = 21
FIRST_RUNNER = 10_000_000
WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections for a webhook
WEBHOOK_SECRET = "bench-secret-token-0123456789"


class TelegramDelivering:
    """Telegram's side of webhook mode: POSTs each update to the bot's webhook and performs
    the Bot API call carried in the answer (see the module docstring).

    A minimal HTTP/1.1 client on `WEBHOOK_CONNECTIONS` keep-alive connections (a full
    client library would cost this one process more CPU than the bot's server side).
    """

    def __init__(self, fake: FakeTelegram, port: int) -> None:
        self.fake = fake
        self.port = port
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.workers: list[asyncio.Task[None]] = []
        self.refused = 0  # answers other than 2xx (each delivered again, as Telegram does)

    def start(self) -> None:
        self.workers = [asyncio.create_task(self._worker()) for _ in range(WEBHOOK_CONNECTIONS)]

    async def stop(self) -> None:
        for worker in self.workers:
            worker.cancel()
        await asyncio.gather(*self.workers, return_exceptions=True)

    async def deliver(self, payload: dict[str, Any]) -> None:
        delay = self.fake.call_delay()
        await asyncio.sleep(delay / 2)  # on the way from Telegram to the bot
        self.queue.put_nowait(payload)

    async def _worker(self) -> None:
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while True:
            payload = await self.queue.get()
            body = json.dumps(payload).encode()
            request = (b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       + f"{SECRET_HEADER}: {WEBHOOK_SECRET}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                       + body)
            while True:
                try:
                    if connection is None:
                        connection = await asyncio.open_connection("127.0.0.1", self.port)
                    status, answer = await self._post(connection, request)
                    break
                except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                    # The server closed an idle keep-alive connection: open another, send again.
                    if connection is not None:
                        connection[1].close()
                    connection = None
            if not 200 <= status < 300:
                self.refused += 1
                self.queue.put_nowait(payload)
                continue
            # The answer's way back to Telegram, which then performs the call in it.
            asyncio.get_running_loop().call_later(self.fake.call_delay() / 2, self.fake.webhook_answer,
                                                  status, answer)

    @staticmethod
    async def _post(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes) -> tuple[int, bytes]:
        reader, writer = connection
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("closed")
        status = int(status_line.split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return status, await reader.readexactly(length)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


class ErrorCount(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Replies:
    """Wakes a runner when a new reply (a new message, or a message whose text changed) arrives."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.seen: dict[int, tuple[int, str]] = {}
        self.waiting: dict[int, tuple[str, asyncio.Future[SentMessage]]] = {}
        fake.on_message = self._on_message

    def _on_message(self, message: SentMessage) -> None:
        key = (message.message_id, message.text)
        if self.seen.get(message.chat_id) == key:
            return
        self.seen[message.chat_id] = key
        waiter = self.waiting.get(message.chat_id)
        if waiter is not None and waiter[0] in message.text and not waiter[1].done():
            del self.waiting[message.chat_id]
            waiter[1].set_result(message)

    def expect(self, chat_id: int, needle: str) -> asyncio.Future[SentMessage]:
        future: asyncio.Future[SentMessage] = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = (needle, future)
        return future


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    load_before = os.getloadavg()[0]
    errors = ErrorCount()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().addHandler(errors)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        webhook = {
            "webhook_url": f"http://127.0.0.1:{port}/telegram", "webhook_secret_token": WEBHOOK_SECRET,
            "webhook_listen": "127.0.0.1", "webhook_port": port,
        } if args.mode == "webhook" else {}
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=f"sqlite:///{tmp}/bench.db", telegram_bot_token=None, **webhook
        )
        services = build_services(settings)
        fake = FakeTelegram(latency=args.latency_ms / 1000, clock=RealClock(), keep_history=False)
        app = build_application(services, request=FakeRequest(fake))
        replies = Replies(fake)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        profile = StageProfile() if args.profile else None
        if profile is not None:
            profile.install(app, fake, services)
        replied: dict[int, float] = {}
        receiver: PollingReceiver | WebhookReceiver
        delivering: TelegramDelivering | None = None
        if args.mode == "webhook":
            receiver = WebhookReceiver(settings)
            delivering = TelegramDelivering(fake, port)
            delivering.start()
        else:
            receiver = PollingReceiver(poll_timeout=10)
        await receiver.start(app)
        idle_rss = rss_mb()

        done_ms: list[float] = []
        redelivered = 0
        updates_sent = 0

        def think() -> float:
            return args.think_ms / 1000 * rng.uniform(0.5, 1.5)

        async def send(payload: dict[str, Any]) -> None:
            nonlocal updates_sent
            updates_sent += 1
            if profile is not None:
                profile.note_sent(payload["update_id"])
            if delivering is not None:
                await delivering.deliver(payload)
            else:
                fake.pending_updates.append(payload)

        async def runner(user_id: int, delay: float) -> None:
            nonlocal redelivered
            await asyncio.sleep(delay)
            waiting = replies.expect(user_id, "Calf routine")
            await send(fake.make_text_update(user_id, "/session"))
            chooser = await waiting
            calf = next(data for label, data in chooser.buttons if "Calf" in label)
            waiting = replies.expect(user_id, "Set 1 of")
            await send(fake.make_callback_update(user_id, chooser, calf))
            prompt = await waiting
            for index in range(CALF_SETS):
                await asyncio.sleep(think())
                if index % 2:
                    payload = fake.make_text_update(user_id, "done")
                else:
                    data = next(d for label, d in prompt.buttons if label.startswith("Done"))
                    payload = fake.make_callback_update(user_id, prompt, data)
                waiting = replies.expect(user_id, "✅")
                started = time.perf_counter()
                await send(payload)
                prompt = await asyncio.wait_for(waiting, 60)
                done_ms.append((time.perf_counter() - started) * 1000)
                replied[payload["update_id"]] = time.perf_counter()
                if rng.random() < args.redeliver:
                    redelivered += 1
                    await send(payload)  # the same update id again: must change nothing
            fake.forget_chat(user_id)

        calls_before = fake.call_count
        methods_before = Counter(fake.methods)
        in_answers_before = Counter(fake.webhook_answer_methods)
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        spread = args.think_ms / 1000
        await asyncio.gather(*(runner(FIRST_RUNNER + i, spread * i / args.runners)
                               for i in range(args.runners)))
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
        handled = updates_sent  # the run's updates: the CPU above is the run's, not the memory waves'
        await app.update_queue.join()
        methods = Counter(fake.methods) - methods_before
        in_answers = Counter(fake.webhook_answer_methods) - in_answers_before
        calls = fake.call_count - calls_before - methods["getUpdates"]
        after_rss = rss_mb()
        if profile is not None:
            profile.stop()
            profile_lines = profile.report(wall, replied)

        with services.db.session() as session:
            stored = session.connection().execute(text("SELECT COUNT(*) FROM completed_set")).scalar()
        expected = args.runners * CALF_SETS

        wave_rss: list[tuple[int, float]] = []
        seen = args.runners
        for wave in range(args.memory_waves):
            base = FIRST_RUNNER + (wave + 1) * 1_000_000

            async def visitor(user_id: int, delay: float) -> None:
                await asyncio.sleep(delay)
                waiting = replies.expect(user_id, "hollow")
                await send(fake.make_text_update(user_id, "how do I do a hollow body hold"))
                await asyncio.wait_for(waiting, 60)
                waiting = replies.expect(user_id, "Calf routine")
                await send(fake.make_text_update(user_id, "/session"))
                await asyncio.wait_for(waiting, 60)
                fake.forget_chat(user_id)

            await asyncio.gather(*(visitor(base + i, spread * i / args.runners) for i in range(args.runners)))
            await app.update_queue.join()
            seen += args.runners
            wave_rss.append((seen, rss_mb()))

        await receiver.stop(app)
        if delivering is not None:
            await delivering.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    load_after = os.getloadavg()[0]
    dones = len(done_ms)
    if profile is not None:
        print("\n".join(profile_lines))
    source = ("webhook (tornado, 40 connections, deliveries take the latency too)" if args.mode == "webhook"
              else "long polling")
    print(f"settings: {args.runners} runners, Bot API latency {args.latency_ms} ms (+-30%), think "
          f"{args.think_ms} ms (+-50%), production limits (per chat 1/s burst 3, broadcasts 30/s, "
          f"flood guard 20/10 s), inbox + {source}, SQLite on disk; load average (1 min) "
          f"{load_before:.1f} before, {load_after:.1f} after, {os.cpu_count()} cores")
    print(f"'done' replies: {dones} in {wall:.1f} s -> {dones / wall:,.0f} done/s "
          f"(+{redelivered} redelivered, ignored)")
    print(f"update -> reply: p50 {statistics.median(done_ms):.0f} ms  p99 {percentile(done_ms, 99):.0f} ms  "
          f"max {max(done_ms):.0f} ms")
    per_method = ", ".join(f"{m} {n / dones:.2f}" for m, n in methods.most_common() if m != "getUpdates")
    print(f"Bot API calls per 'done': {calls / dones:.2f} ({per_method}; getUpdates not counted: "
          f"{methods['getUpdates']})")
    answered = sum(in_answers.values())
    if args.mode == "webhook":
        print(f"  of which in webhook answers: {answered / dones:.2f} ("
              + ", ".join(f"{m} {n / dones:.2f}" for m, n in in_answers.most_common())
              + f"); made by the bot: {(calls - answered) / dones:.2f}; deliveries refused: "
              f"{delivering.refused if delivering else 0}")
    print(f"CPU per update: {cpu / handled * 1000:.2f} ms ({handled} updates, {cpu:.1f} s CPU in "
          f"{wall:.1f} s wall; includes the in-process fake and the simulated runners)")
    print(f"429s answered by the fake: {fake.flood_429s}; errors logged: {errors.count}")
    verdict = "OK" if stored == expected else "MISMATCH"
    print(f"completions stored: {stored} / expected {expected}  [{verdict}]")
    print(f"memory (RSS, bot + fake + benchmark in one process): idle {idle_rss:.0f} MB, "
          f"after the run {after_rss:.0f} MB, " + ", ".join(f"{n:,} runners seen {mb:.0f} MB"
                                                            for n, mb in wave_rss))
    return {
        "done_per_s": round(dones / wall, 1),
        "p99_ms": round(percentile(done_ms, 99), 1),
        "p50_ms": round(statistics.median(done_ms), 1),
        "api_calls_per_done": round(calls / dones, 3),
        "api_calls_per_done_in_webhook_answers": round(answered / dones, 3),
        "api_calls_per_done_by_the_bot": round((calls - answered) / dones, 3),
        "mode": args.mode,
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
        "cpu_ms_per_update": round(cpu / handled * 1000, 3),
        "stored": stored,
        "expected": expected,
        "flood_429s": fake.flood_429s,
        "errors": errors.count,
        "idle_rss_mb": round(idle_rss, 1),
        "rss_mb_by_runners_seen": [[n, round(mb, 1)] for n, mb in wave_rss],
        "runners": args.runners,
        "latency_ms": args.latency_ms,
        "think_ms": args.think_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--think-ms", type=float, default=2000.0, help="pause after each reply (+-50%%)")
    parser.add_argument("--redeliver", type=float, default=0.02, help="share of 'done' updates sent twice")
    parser.add_argument("--memory-waves", type=int, default=3, help="waves of new runners for the memory figure")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print where each update's time goes, stage by stage")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling",
                        help="how updates reach the bot (webhook: the real webhook server, Telegram played here)")
    args = parser.parse_args()
    if args.profile and args.mode != "polling":
        parser.error("--profile measures the long-polling stages; use it with --mode polling")
    result = asyncio.run(_run(args))
    print(json.dumps(result))
    raise SystemExit(0 if result["stored"] == result["expected"] else 1)


if __name__ == "__main__":
    main()
