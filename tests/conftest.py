"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when a server is
given, see tests/databases.py), a hand-moved clock, the real bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from stridecoach.bot.settings import Settings
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.harness import FakeClock
from stridecoach.storage.db import Database
from tests import databases

if TYPE_CHECKING:
    from stridecoach.bot.services import Services
    from stridecoach.bot.testing.harness import BotHarness

# Hypothesis: no deadline (no test measures time); in CI (CI=true) the same
# examples every run, so a red build is never a coin toss, and failures print
# the blob that reproduces them. Developers' runs explore new examples.
hypothesis_settings.register_profile("dev", deadline=None, print_blob=True)
hypothesis_settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True, database=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

RUNNER = 4242
OTHER_RUNNER = 4343


def pytest_report_header() -> str:
    if databases.postgres_url():
        return "databases: sqlite, postgresql (STRIDECOACH_TEST_POSTGRES_URL)"
    return "databases: sqlite only (set STRIDECOACH_TEST_POSTGRES_URL to run PostgreSQL too)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that take seconds (marked `e2e` or `slow`: real processes, training, weeks of
    ticks) run first. The Makefile hands tests out one at a time (--dist load
    --maxschedchunk 1), so these spread over the workers and the many short tests fill
    the gaps, instead of one long test starting last and finishing alone."""
    items.sort(key=lambda item: not (item.get_closest_marker("e2e") or item.get_closest_marker("slow")))


@pytest.fixture(params=databases.available())
def database_kind(request: pytest.FixtureRequest) -> str:
    """Each test that touches the database runs once per available database."""
    return str(request.param)


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    """An empty database (the migration tests and the real bot processes start from one)."""
    with databases.fresh_database(database_kind, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema revision, migrated once per test process."""
    return databases.migrated_sqlite_file(tmp_path_factory.mktemp("template"))


@pytest.fixture
def migrated_database_url(database_url: str, database_kind: str, sqlite_template: Path) -> str:
    """`database_url`, already at the newest revision: a SQLite test starts from a copy of
    the template (running every migration per test cost more than most tests); the bot's
    own start-up migration then finds it current, as on every restart."""
    if database_kind == "sqlite":
        databases.copy_sqlite_file(sqlite_template, database_url)
    else:
        database = Database(database_url)
        database.migrate()
        database.close()
    return database_url


@pytest.fixture
def settings(migrated_database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=migrated_database_url, telegram_bot_token=None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(settings: Settings, clock: FakeClock) -> Iterator[Services]:
    from stridecoach.bot.runtime import build_services

    built = build_services(settings, clock=clock)
    yield built
    built.db.close()


@pytest.fixture
def db(migrated_database_url: str) -> Iterator[Database]:
    database = Database(migrated_database_url)
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def bot(services: Services, fake: FakeTelegram) -> AsyncIterator[BotHarness]:
    from stridecoach.bot.testing.harness import BotHarness

    async with BotHarness(services, fake) as harness:
        yield harness
