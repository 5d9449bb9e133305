"""Settings as an operator gives them: the environment, a .env file, and a bad value's message."""

from __future__ import annotations

from pathlib import Path

import pytest

from stridecoach.bot import cli
from stridecoach.bot.settings import Settings


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A folder without a .env file, as the working directory, and no setting in the environment."""
    import os

    for name in list(os.environ):
        if name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_bad_setting_is_named_in_one_line_each_and_the_start_stops(
    no_settings: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:a-token-that-must-not-be-printed")
    monkeypatch.setenv("FLOOD_MAX_MESSAGES", "0")
    monkeypatch.setenv("REMINDER_SEND_RATE", "fast")
    monkeypatch.setenv("LOG_FORMAT", "xml")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "cannot start: a setting is not valid (see .env.example):",
        "  LOG_FORMAT: Input should be 'text' or 'json'",
        "  REMINDER_SEND_RATE: Input should be a valid number, unable to parse string as a number",
        "  FLOOD_MAX_MESSAGES: Input should be greater than or equal to 1",
    ]
    assert "a-token-that-must-not-be-printed" not in err


def test_the_env_file_is_read_and_the_environment_overrides_it(
    no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (no_settings / ".env").write_text(
        "# the operator's file\n"
        "export DATABASE_POOL_SIZE=3\n"
        "LOG_LEVEL='DEBUG'  # quoted, with a comment\n"
        'ADMIN_USER_IDS="1, 2;3"\n'
        "TELEGRAM_BOT_TOKEN=\n"
        "webhook_path=hook\n"
        "HEALTH_PORT\n"  # a name without a value sets nothing
        "NOT_A_SETTING=1\n"
    )
    monkeypatch.setenv("DATABASE_POOL_SIZE", "7")
    monkeypatch.setenv("flood_max_messages", "5")  # any case
    settings = Settings()
    assert settings.database_pool_size == 7
    assert settings.log_level == "DEBUG"
    assert settings.admin_user_ids == frozenset({1, 2, 3})
    assert settings.telegram_bot_token is None  # blank is unset
    assert settings.webhook_path == "hook"
    assert settings.health_port is None
    assert settings.flood_max_messages == 5
    # Arguments win over both; without the file, only the environment counts.
    assert Settings(log_level="ERROR").log_level == "ERROR"
    assert Settings(_env_file=None).log_level == "INFO"
