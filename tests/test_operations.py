"""Operations: the flood guard, admin-only /stats, `stridecoach stats`, logs that never show the token."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from stridecoach.bot.handlers.operations import FloodGuard
from stridecoach.bot.settings import Settings
from stridecoach.bot.testing.emulator import Emulator
from stridecoach.bot.testing.harness import BotHarness, FakeClock
from stridecoach.bot.testing.ports import free_port
from stridecoach.bot.ui.common import SLOW_DOWN
from stridecoach.storage.db import Database
from stridecoach.storage.models import CompletedSet, Runner, Schedule, WorkoutSession
from tests.conftest import OTHER_RUNNER, RUNNER
from tests.test_e2e import TOKEN, BotProcess, bot_env, clean_env, say, start_and_wait

ADMIN = 1001


@pytest.fixture
def settings(migrated_database_url: str) -> Settings:
    # The shared fixture, plus an operator and the default flood limits spelled out.
    return Settings(
        _env_file=None, database_url=migrated_database_url, telegram_bot_token=None,
        admin_user_ids=frozenset({ADMIN}), flood_max_messages=20, flood_window_seconds=10,
    )


# ---------------------------------------------------------------------- flood guard


async def _burst(bot: BotHarness, user: int, count: int) -> list[str]:
    texts: list[str] = []
    for _ in range(count):
        texts += [m.text for m in await bot.send(user, "/help")]
    return texts


async def test_a_flooding_runner_gets_one_polite_notice_then_silence(
    bot: BotHarness, clock: FakeClock
) -> None:
    replies = await _burst(bot, RUNNER, 20)  # 20 within the window: all answered
    assert len(replies) == 20 and SLOW_DOWN not in replies
    assert await _burst(bot, RUNNER, 1) == [SLOW_DOWN]  # the 21st: one notice
    assert await _burst(bot, RUNNER, 30) == []  # the rest of the burst: dropped quietly


async def test_the_flood_guard_does_not_touch_other_runners(bot: BotHarness, clock: FakeClock) -> None:
    await _burst(bot, RUNNER, 40)
    assert len(await _burst(bot, OTHER_RUNNER, 5)) == 5


async def test_a_runner_who_calms_down_is_answered_again(bot: BotHarness, clock: FakeClock) -> None:
    await _burst(bot, RUNNER, 25)
    clock.advance(seconds=11)
    replies = await _burst(bot, RUNNER, 3)
    assert len(replies) == 3 and SLOW_DOWN not in replies
    # A new flood later gets a new (single) notice.
    assert (await _burst(bot, RUNNER, 30)).count(SLOW_DOWN) == 1


async def test_button_presses_count_too(bot: BotHarness, clock: FakeClock) -> None:
    await bot.send(RUNNER, "/topics")
    texts = []
    for _ in range(25):
        texts += [m.text for m in await bot.press(RUNNER, "hollow")]
    assert texts.count(SLOW_DOWN) == 1


def test_the_guard_keeps_bounded_memory_per_runner() -> None:
    guard = FloodGuard(limit=20, window=timedelta(seconds=10))
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    verdicts = [guard.check(1, now + timedelta(milliseconds=i)) for i in range(10_000)]
    assert verdicts[:20] == ["ok"] * 20 and verdicts[20] == "notify" and set(verdicts[21:]) == {"drop"}
    assert len(guard.runners[1].arrivals) == 20
    # Many runners, each quiet: old entries are pruned.
    later = now + timedelta(hours=1)
    for user in range(2, 3000):
        guard.check(user, later)
    assert 1 not in guard.runners


# ---------------------------------------------------------------------- /stats and `stridecoach stats`


def _populate(db: Database, now: datetime) -> None:
    with db.session() as session:
        for user in (11, 12, 13):
            session.add(Runner(id=user, chat_id=user, first_name="R"))
        session.add(Schedule(runner_id=11, days_mask=0b0010101, local_time="07:00"))
        session.add(Schedule(runner_id=12, days_mask=0b0000001, paused=True))
        workout = WorkoutSession(runner_id=11, routine_id="back-routine", started_at=now,
                                 last_activity_at=now)
        old = WorkoutSession(runner_id=12, routine_id="calf-routine",
                             started_at=now - timedelta(days=30), last_activity_at=now - timedelta(days=30))
        session.add(workout)
        session.add(old)
        session.flush()
        for position in range(3):
            session.add(CompletedSet(runner_id=11, session_id=workout.id, routine_id="back-routine",
                                     exercise_id="hollow-body-hold", set_no=position + 1,
                                     position=position, completed_at=now, update_id=100 + position))


async def test_stats_answers_admins_only(bot: BotHarness, clock: FakeClock) -> None:
    _populate(bot.services.db, clock.now)
    (reply,) = await bot.send(ADMIN, "/stats")
    # ADMIN is counted too: /stats is their first contact.
    assert "Runners: 4" in reply.text and "Active schedules: 1" in reply.text
    assert "Sessions this week: 1" in reply.text and "Sets this week: 3" in reply.text
    (refused,) = await bot.send(RUNNER, "/stats")
    assert "Runners" not in refused.text and "/stats" in refused.text  # looks like any unknown command


@pytest.mark.slow
def test_stats_cli_prints_the_figures(db: Database, database_url: str, tmp_path: Path) -> None:
    _populate(db, datetime.now(timezone.utc))
    result = subprocess.run(
        [sys.executable, "-m", "stridecoach", "stats"], env=clean_env(DATABASE_URL=database_url),
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Runners: 3", "Active schedules: 1", "Sessions this week: 1", "Sets this week: 3",
    ]


# ---------------------------------------------------------------------- logs, token, a flaky Bot API


@pytest.mark.e2e
def test_a_failing_bot_api_is_survived_and_logs_are_json_without_the_token(tmp_path: Path) -> None:
    health_port = free_port()
    # hang_seconds above PTB's 5 s read timeout: the bot gives up on the request, not us.
    with Emulator(token=TOKEN, hang_seconds=7) as emulator:
        emulator.fail_next("getMe", status=500)  # the Bot API is down at start-up
        env = bot_env(emulator, tmp_path / "ops.db", LOG_FORMAT="json", HEALTH_PORT=str(health_port))
        bot = BotProcess([sys.executable, "-m", "stridecoach", "run"], env, tmp_path)
        try:
            start_and_wait(bot, emulator)
            emulator.fail_next("sendMessage", status=500, chat_id=RUNNER)  # one reply fails
            say(emulator, "/start", "something went wrong")  # ...and the runner hears about it
            say(emulator, "/start", "StrideCoach")
            emulator.fail_next("sendMessage", timeout=True, chat_id=RUNNER)  # the API hangs once
            say(emulator, "how do I do a hollow body hold", "something went wrong")
            say(emulator, "how do I do a hollow body hold", "hollow body hold")
            health = httpx.get(f"http://127.0.0.1:{health_port}/healthz", timeout=5)
            assert health.status_code == 200 and health.json()["mode"] == "long polling"
            assert bot.terminate() == 0
        finally:
            bot.kill()

    lines = [line for line in bot.log().splitlines() if not line.startswith("--- start")]
    records = [json.loads(line) for line in lines]  # one JSON object per line, or this fails
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    messages = " ".join(r["message"] for r in records)
    assert "could not connect to the Bot API" in messages  # the 500s at start-up, logged
    assert any(r["level"] == "ERROR" and "unhandled error" in r["message"] for r in records)
    assert TOKEN not in bot.log() and TOKEN.split(":")[1] not in bot.log()


@pytest.mark.slow
def test_a_rejected_token_exits_with_a_clear_line_and_no_token(tmp_path: Path) -> None:
    with Emulator(token="999:other-token-the-server-expects") as emulator:
        env = bot_env(emulator, tmp_path / "bad.db")
        result = subprocess.run(
            [sys.executable, "-m", "stridecoach", "run"], env=env, cwd=tmp_path,
            capture_output=True, text=True, timeout=30,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "rejected the bot token" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert "Traceback" not in output


def test_the_token_is_masked_in_text_logs_from_any_logger(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from stridecoach.bot.logging_setup import configure_logging

    configure_logging("INFO", "text", secrets=[TOKEN])
    try:
        logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/getMe failed", TOKEN)
        try:
            raise RuntimeError(f"boom with {TOKEN}")
        except RuntimeError:
            logging.getLogger("telegram.ext").exception("oops")
        err = capsys.readouterr().err
    finally:
        logging.getLogger().handlers.clear()
    assert TOKEN not in err and err.count("[REDACTED]") >= 2
    assert len(err.strip().splitlines()) == 2  # the traceback stays on its event's line


def test_env_example_documents_every_setting_and_loads() -> None:
    import re

    root = Path(__file__).resolve().parents[1]
    text = (root / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", text, re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}
    loaded = Settings(_env_file=root / ".env.example")
    assert loaded.flood_max_messages == 20 and loaded.health_port is None
