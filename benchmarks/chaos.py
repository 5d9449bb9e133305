"""Chaos: kill -9 the real bot at random moments while runners walk their sessions.

The real `python -m stridecoach run` (long polling) against the HTTP Bot API emulator
(`bot/testing/emulator.py`, as strict as Telegram: a confirmed update is gone),
SQLite on disk. Several runners walk the lower-back routine (8 sets) over and
over, each typing "done" once per set they were shown (the set's position comes
from the Done button of the newest message), and typing it again only if
nothing arrives for RETRY_SECONDS (a real runner's impatience). Meanwhile the
bot is killed with SIGKILL at random moments and restarted at once.

At the end (after a last restart and a quiet period) it prints:

- kills: SIGKILLs delivered;
- lost: sets a runner did ("done" sent for a shown set) that are not stored;
- phantom: stored sets the runner never did;
- stuck: runners left with no new set for STUCK_SECONDS at the end;
- plus sessions walked, "done" messages, retries, and the wall time.

Then a second scenario, webhook mode: BACKLOG updates queued at "Telegram", the
bot started, killed -9 after part of them are acknowledged, restarted: lost
updates (runners never answered) and duplicates.

    .venv/bin/python benchmarks/chaos.py [--kills 50] [--runners 4] [--backlog 600] [--seed 1]

Settings: the production defaults (AIORateLimiter on, flood guard on); the
emulator's long polls capped at 5 s; kills spaced 0.2-1.5 s apart once the
bot is polling.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stridecoach.bot.settings import Settings  # noqa: E402
from stridecoach.bot.testing.emulator import Emulator  # noqa: E402
from stridecoach.bot.testing.ports import free_port  # noqa: E402

TOKEN = "123456:CHAOStokenCHAOStokenCHAOStoken"
SECRET = "chaos-secret-token-0123456789"
RETRY_SECONDS = 8.0
STUCK_SECONDS = 30.0
ROUTINE_LABEL = "back"


def env_for(emulator: Emulator, db: Path, **extra: str) -> dict[str, str]:
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emulator.base_url,
               DATABASE_URL=f"sqlite:///{db}", **extra)
    return env


class Bot:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


@dataclass
class Runner:
    user: int
    did: dict[int, set[int]] = field(default_factory=dict)  # session id -> positions done
    last_done: tuple[int, int] | None = None
    last_progress: float = field(default_factory=time.monotonic)
    choosing: bool = False
    sessions: int = 0
    dones: int = 0
    retries: int = 0


def newest_prompt(emulator: Emulator, user: int) -> tuple[int, int] | None:
    """(session id, position) of the newest message carrying a Done button."""
    for message in reversed(emulator.messages(user)):
        for _label, data in message.buttons:
            parts = data.split(":")
            if len(parts) == 4 and parts[0] == "s" and parts[1] == "done":
                return int(parts[2]), int(parts[3])
    return None


def finished_since(emulator: Emulator, user: int, since: int) -> bool:
    return any("complete" in e.text.lower() for e in emulator.events_since(since, user))


def step(emulator: Emulator, runner: Runner, marks: dict[int, int]) -> None:
    """One look at the runner's chat: do the shown set, start a new session, or retry."""
    now = time.monotonic()
    if runner.choosing:
        chooser = [label for e in emulator.events_since(marks[runner.user], runner.user)
                   for label, _ in e.buttons if ROUTINE_LABEL in label.lower()]
        if chooser:
            marks[runner.user] = emulator.mark()
            emulator.press(runner.user, ROUTINE_LABEL)
            runner.choosing, runner.last_done, runner.last_progress = False, None, now
            runner.sessions += 1
        elif now - runner.last_progress > RETRY_SECONDS:
            start_session(emulator, runner, marks)
        return
    if runner.last_done is not None and finished_since(emulator, runner.user, marks[runner.user]):
        start_session(emulator, runner, marks)
        return
    prompt = newest_prompt(emulator, runner.user)
    if prompt is not None and prompt != runner.last_done and prompt[1] not in runner.did.get(prompt[0], set()):
        runner.did.setdefault(prompt[0], set()).add(prompt[1])
        runner.last_done, runner.last_progress = prompt, now
        marks[runner.user] = emulator.mark()
        emulator.send_text(runner.user, "done")
        runner.dones += 1
        return
    resent = [e for e in emulator.events_since(marks[runner.user], runner.user)
              if e.text.startswith("Already recorded")]
    if resent and runner.last_done is not None and prompt == runner.last_done:
        # "Here's where you are": the set they just did, so they say done again at once.
        marks[runner.user] = emulator.mark()
        emulator.send_text(runner.user, "done")
        runner.retries += 1
        runner.last_progress = now
        return
    if now - runner.last_progress > RETRY_SECONDS:  # nothing new for a while: "done" again
        emulator.send_text(runner.user, "done" if runner.last_done is not None else "where am I")
        runner.retries += 1
        runner.last_progress = now


def start_session(emulator: Emulator, runner: Runner, marks: dict[int, int]) -> None:
    marks[runner.user] = emulator.mark()
    emulator.send_text(runner.user, "/session")
    runner.choosing, runner.last_progress = True, time.monotonic()


def settled(db: Path, runner: Runner) -> bool:
    if runner.last_done is None:
        return True
    session_id, position = runner.last_done
    return position in stored_sets(db).get((runner.user, session_id), set())


def retry_if_shown_again(emulator: Emulator, runner: Runner, marks: dict[int, int]) -> None:
    now = time.monotonic()
    resent = any(e.text.startswith("Already recorded") for e in emulator.events_since(marks[runner.user], runner.user))
    if (resent and newest_prompt(emulator, runner.user) == runner.last_done) or now - runner.last_progress > RETRY_SECONDS:
        marks[runner.user] = emulator.mark()
        emulator.send_text(runner.user, "done")
        runner.retries += 1
        runner.last_progress = now


def wait_polling(emulator: Emulator, polls: int) -> None:
    emulator.wait_until_polling(polls=polls + 1, timeout=60)


def stored_sets(db: Path) -> dict[tuple[int, int], set[int]]:
    with sqlite3.connect(db, timeout=30) as conn:
        rows = conn.execute("SELECT runner_id, session_id, position FROM completed_set").fetchall()
    out: dict[tuple[int, int], set[int]] = {}
    for runner_id, session_id, position in rows:
        out.setdefault((runner_id, session_id), set()).add(position)
    return out


def kill_loop(kills_wanted: int, runners_n: int, seed: int, workdir: Path) -> None:
    rng = random.Random(seed)
    db = workdir / "chaos.db"
    with Emulator(token=TOKEN, max_poll_seconds=5) as emulator:
        bot = Bot([sys.executable, "-m", "stridecoach", "run"], env_for(emulator, db), workdir / "bot.log")
        polls = emulator.polls_started
        bot.start()
        wait_polling(emulator, polls)
        runners = [Runner(user) for user in range(7001, 7001 + runners_n)]
        marks: dict[int, int] = {}
        for runner in runners:
            start_session(emulator, runner, marks)
        started = time.monotonic()
        kills = 0
        next_kill = time.monotonic() + rng.uniform(0.2, 1.5)
        while kills < kills_wanted:
            for runner in runners:
                step(emulator, runner, marks)
            if time.monotonic() >= next_kill:
                bot.kill()
                kills += 1
                polls = emulator.polls_started
                bot.start()
                wait_polling(emulator, polls)
                next_kill = time.monotonic() + rng.uniform(0.2, 1.5)
            time.sleep(0.05)
        # Quiet period: no more kills; let every runner see where they are.
        quiet_until = time.monotonic() + 20
        while time.monotonic() < quiet_until:
            for runner in runners:
                step(emulator, runner, marks)
            time.sleep(0.05)
        # Settle: no new sets; a runner whose last "done" is not stored yet says it again
        # when the bot shows them that set again (as a person would), for up to 30 s.
        settle_until = time.monotonic() + 30
        while time.monotonic() < settle_until and not all(settled(db, r) for r in runners):
            for runner in runners:
                if not settled(db, runner):
                    retry_if_shown_again(emulator, runner, marks)
            time.sleep(0.2)
        time.sleep(2)
        now = time.monotonic()
        stuck = sum(1 for r in runners if now - r.last_progress > STUCK_SECONDS)
        code = bot.terminate()
        elapsed = time.monotonic() - started
    stored = stored_sets(db)
    lost = phantom = 0
    details: list[str] = []
    for runner in runners:
        for session_id, did in runner.did.items():
            have = stored.get((runner.user, session_id), set())
            lost += len(did - have)
            phantom += len(have - did)
            if did != have:
                details.append(f"runner {runner.user} session {session_id}: did {sorted(did)}, "
                               f"stored {sorted(have)}")
        sessions_of_runner = {sid for (uid, sid) in stored if uid == runner.user}
        phantom += sum(len(stored[(runner.user, sid)]) for sid in sessions_of_runner - set(runner.did))
    print("scenario: kill -9 loop during sessions (long polling)")
    print(f"  settings: {runners_n} runners walking the lower-back routine (8 sets) repeatedly, kills every "
          f"0.2-1.5 s once polling, retry after {RETRY_SECONDS:.0f} s of silence, seed {seed}")
    print(f"  kills: {kills}")
    print(f"  sessions walked: {sum(r.sessions for r in runners)}, 'done' for a shown set: "
          f"{sum(r.dones for r in runners)}, retried 'done': {sum(r.retries for r in runners)}")
    print(f"  lost: {lost}")
    print(f"  phantom: {phantom}")
    print(f"  stuck: {stuck}")
    print(f"  exit code after SIGTERM: {code}; wall time {elapsed:.0f} s")
    for line in details:
        print(f"  mismatch: {line}")


def webhook_backlog(backlog: int, workdir: Path) -> None:
    db = workdir / "hook.db"
    port = free_port()
    users = range(30_001, 30_001 + backlog)
    with Emulator(token=TOKEN) as emulator:
        env = env_for(emulator, db, WEBHOOK_URL=f"http://127.0.0.1:{port}", WEBHOOK_PORT=str(port),
                      WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET_TOKEN=SECRET)
        bot = Bot([sys.executable, "-m", "stridecoach", "run", "--webhook"], env, workdir / "hook.log")
        for user in users:
            emulator.send_text(user, "/start")
        bot.start()
        emulator.wait_for(lambda: len(emulator.pending_update_ids()) <= backlog // 6, 120, "deliveries")
        bot.kill()
        acknowledged = backlog - len(emulator.pending_update_ids())
        answered_at_kill = sum(1 for u in users if emulator.messages(u))
        started = time.monotonic()
        bot.start()
        try:
            emulator.wait_for(lambda: all(emulator.messages(u) for u in users), 180, "every runner answered")
        except TimeoutError:
            pass
        recovered = time.monotonic() - started
        lost = sum(1 for u in users if not emulator.messages(u))
        duplicates = sum(max(0, len(emulator.messages(u)) - 1) for u in users)
        sigterm_started = time.monotonic()
        for user in range(40_001, 40_001 + backlog):  # a second backlog, then SIGTERM in the middle of it
            emulator.send_text(user, "/start")
        emulator.wait_for(lambda: len(emulator.pending_update_ids()) <= backlog // 2, 120, "deliveries")
        sigterm_at = time.monotonic()
        code = bot.terminate()
        sigterm_seconds = time.monotonic() - sigterm_at
        del sigterm_started
        with sqlite3.connect(db, timeout=30) as conn:
            left = conn.execute("SELECT COUNT(*) FROM inbox_update WHERE handled_at IS NULL").fetchone()[0]
        bot.start()
        second = range(40_001, 40_001 + backlog)
        try:
            emulator.wait_for(lambda: all(emulator.messages(u) for u in second), 180, "second backlog answered")
        except TimeoutError:
            pass
        lost_after_sigterm = sum(1 for u in second if not emulator.messages(u))
        bot.terminate()
    print("scenario: kill -9 with a webhook backlog")
    print(f"  settings: {backlog} '/start' updates from {backlog} runners queued at the emulator, "
          f"kill -9 once {acknowledged} were acknowledged ({answered_at_kill} answered)")
    print(f"  lost: {lost}; answered twice: {duplicates}; all answered {recovered:.0f} s after the restart")
    print(f"  SIGTERM with a second backlog: exit {code} after {sigterm_seconds:.1f} s, {left} update(s) left "
          f"stored for the next start, lost after the restart: {lost_after_sigterm}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--runners", type=int, default=4)
    parser.add_argument("--backlog", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stridecoach-chaos-") as tmp:
        kill_loop(args.kills, args.runners, args.seed, Path(tmp))
        webhook_backlog(args.backlog, Path(tmp))


if __name__ == "__main__":
    main()
