"""`stridecoach chat` as faithful as Telegram: the tick runs, files are saved, "#2" presses, "7" is text."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Update

from stridecoach.bot.chat import TerminalChat, chat_application, chat_payload
from stridecoach.bot.handlers.reminders import delivery_of
from stridecoach.bot.reminder_delivery import JOB_NAME as TICK_JOB_NAME
from stridecoach.bot.settings import Settings
from stridecoach.bot.testing.harness import FakeClock, VirtualClock


async def _say(application, fake, terminal: TerminalChat, line: str) -> None:  # type: ignore[no-untyped-def]
    await application.process_update(Update.de_json(chat_payload(fake, terminal, line), application.bot))


async def test_chat_runs_the_reminder_tick_saves_files_and_presses_buttons_by_prefix(
    settings: Settings, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = TerminalChat(tmp_path / "files")
    async with chat_application(settings, terminal, clock, telegram_clock=VirtualClock()) as (application, fake):
        # The tick is registered as `run` registers it, so reminders fire in chat mode.
        assert application.job_queue.get_jobs_by_name(TICK_JOB_NAME)
        assert delivery_of(application.bot_data["services"]) is not None

        await _say(application, fake, terminal, "/schedule")
        await _say(application, fake, terminal, "#8")  # the 8th button: Next (after the 7 days)
        await _say(application, fake, terminal, "7")  # a typed 7 is text: 07:00, not button 7 (20:00)
        assert "[#1]" in capsys.readouterr().out
        await _say(application, fake, terminal, "Berlin")
        saved = capsys.readouterr().out
        assert "07:00" in saved and "20:00" not in saved

        await _say(application, fake, terminal, "/session")
        await _say(application, fake, terminal, "#4")  # Lower back routine
        for _ in range(8):
            clock.advance(seconds=45)
            await _say(application, fake, terminal, "done")
        capsys.readouterr()
        await _say(application, fake, terminal, "/progress")
        await _say(application, fake, terminal, "/export")
        shown = capsys.readouterr().out
    pictures = sorted((tmp_path / "files").glob("*photo.png"))
    files = sorted((tmp_path / "files").glob("*stridecoach-sets.csv"))
    assert len(pictures) == 1 and pictures[0].read_bytes().startswith(b"\x89PNG")
    assert len(files) == 1 and files[0].read_text().startswith("session_id,")
    assert f"[picture saved: {pictures[0]}" in shown and f"[file saved: {files[0]}" in shown


def test_only_a_prefixed_number_presses_a_button() -> None:
    from stridecoach.bot.testing import FakeTelegram
    from stridecoach.bot.testing.fake_telegram import SentMessage

    terminal = TerminalChat()
    keyboard = {"inline_keyboard": [[{"text": f"{h}:00", "callback_data": f"r:t:x:{h}00"}] for h in (18, 19, 20)]}
    terminal.show(SentMessage(chat_id=1, message_id=1, text="When?", reply_markup=keyboard))
    assert terminal.button_for("#2") is not None and terminal.button_for("#2")[1] == "r:t:x:1900"  # type: ignore[index]
    assert terminal.button_for("2") is None and terminal.button_for("#9") is None
    payload = chat_payload(FakeTelegram(), terminal, "7")
    assert payload["message"]["text"] == "7"
