"""One process per SQLite file: a second bot on the same file refuses to start and says why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stridecoach.bot.process_lock import DatabaseInUse, lock_database
from tests.test_e2e import TOKEN, clean_env


def test_a_second_lock_on_the_same_file_is_refused_and_released_with_the_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = lock_database(url)
    with pytest.raises(DatabaseInUse, match="PostgreSQL"):
        lock_database(url)
    assert first is not None
    first.close()  # the process ended (the kernel releases it even after kill -9)
    again = lock_database(url)
    assert again is not None
    again.close()


def test_postgresql_and_memory_databases_need_no_lock() -> None:
    assert lock_database("postgresql://u:p@localhost/db") is None
    assert lock_database("sqlite://") is None


@pytest.mark.slow
def test_a_second_bot_process_on_the_same_file_exits_with_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "data" / "bot.db"
    held = lock_database(f"sqlite:///{db}")  # the first bot
    try:
        result = subprocess.run(
            [sys.executable, "-m", "stridecoach", "run"],
            env=clean_env(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{db}",
                          TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot"),
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )
    finally:
        assert held is not None
        held.close()
    assert result.returncode == 1
    assert str(db.resolve()) in result.stderr and "PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
