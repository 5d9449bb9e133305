"""Writes nothing waits for go with the next unit of work (SQLite), and none is lost on a clean stop.

The outbox's "sent" mark and the inbox's "handled" mark used to commit on their
own after every reply; on SQLite they are now queued and applied first thing by
the next transaction (storage/db.py `Database.write_behind`). What a runner
would notice if this went wrong: a reply shown to them treated as never sent (a
"done" re-sending it instead of advancing), or sent again after a restart.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from stridecoach.bot.runtime import build_services
from stridecoach.bot.services import Services
from stridecoach.bot.settings import Settings
from stridecoach.bot.testing.harness import BotHarness, FakeClock
from stridecoach.storage import outbox as outbox_store
from stridecoach.storage.db import Database
from stridecoach.storage.models import OutboxMessage, table_of
from tests.test_sessions_flow import start

RUNNER = 4242
_T = table_of(OutboxMessage)


def _needs_sqlite(db: Database) -> None:
    if not db.writes_behind:
        pytest.skip("writes are queued behind on SQLite only (one process per file)")


def _statuses_from_another_connection(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [str(s) for (s,) in conn.execute(text("SELECT status FROM outbox_message ORDER BY id"))]


def _record(db: Database, now: FakeClock) -> int:
    with db.session() as session:
        return outbox_store.record(session, runner_id=RUNNER, chat_id=RUNNER, session_id=None, update_id=None,
                                   text="Set 2 of 3", keyboard=None, now=now())


def test_a_queued_write_is_applied_by_the_next_unit_of_work(db: Database) -> None:
    _needs_sqlite(db)
    clock = FakeClock()
    reply = _record(db, clock)
    db.write_behind(*outbox_store.mark_statement(outbox_id=reply, status="sent", now=clock(), message_id=7))
    assert _statuses_from_another_connection(db) == ["pending"]  # no commit of its own
    with db.session() as session:  # the next unit of work sees it before anything else
        status = session.connection().execute(text("SELECT status FROM outbox_message")).scalar()
    assert status == "sent"
    assert _statuses_from_another_connection(db) == ["sent"] and db.behind == 0


def test_a_unit_of_work_that_rolls_back_leaves_the_queued_write_to_the_next(db: Database) -> None:
    _needs_sqlite(db)
    clock = FakeClock()
    reply = _record(db, clock)
    db.write_behind(*outbox_store.mark_statement(outbox_id=reply, status="sent", now=clock(), message_id=7))
    with pytest.raises(RuntimeError), db.session():
        raise RuntimeError("a handler failed")
    assert _statuses_from_another_connection(db) == ["pending"] and db.behind == 1
    db.flush_behind()
    assert _statuses_from_another_connection(db) == ["sent"]


def test_closing_the_database_applies_what_is_queued(db: Database) -> None:
    _needs_sqlite(db)
    clock = FakeClock()
    replies = [_record(db, clock) for _ in range(3)]
    for reply in replies:
        db.write_behind(*outbox_store.mark_statement(outbox_id=reply, status="sent", now=clock()))
    db.close()
    assert _statuses_from_another_connection(db) == ["sent", "sent", "sent"]


async def test_a_reply_sent_before_a_clean_stop_is_not_sent_again_after_the_restart(
    services: Services, settings: Settings, clock: FakeClock
) -> None:
    _needs_sqlite(services.db)
    async with BotHarness(services) as bot:
        await start(bot)
        await bot.send(RUNNER, "done")  # set 1 recorded; the next set is sent, its mark queued
        assert "Set 2 of" in bot.last_text(RUNNER)
    assert "pending" not in _statuses_from_another_connection(services.db)

    restarted = build_services(settings, clock=clock)  # a new process: nothing queued in memory
    try:
        async with BotHarness(restarted) as bot:
            assert bot.app.bot_data.get("outbox.after_crash") == []  # nothing to send once more
            clock.advance(seconds=40)
            await bot.send(RUNNER, "done")  # and the runner's next "done" counts
            assert "Set 3 of" in bot.last_text(RUNNER)
    finally:
        restarted.db.close()


def test_a_commit_never_checkpoints_the_log_the_checkpointer_does(db: Database) -> None:
    """SQLite's own checkpoint ran inside the commit that crossed 1,000 pages, on the event
    loop (an fsync: up to a second on a busy machine); here commits only append to the log."""
    _needs_sqlite(db)
    import os
    import sqlite3

    checkpointer = db.checkpointer
    assert checkpointer is not None
    checkpointer.stop()  # this test drives the rounds itself
    path = checkpointer.path
    clock = FakeClock()
    with db.session() as session:  # about 1,500 pages in one go
        for n in range(1500):
            outbox_store.record(session, runner_id=RUNNER, chat_id=RUNNER, session_id=None, update_id=None,
                                text=f"{n} " + "x" * 3000, keyboard=None, now=clock())
    _record(db, clock)  # a commit past 1,000 pages: SQLite's default would checkpoint in it
    assert os.path.getsize(path) < 1000 * 4096  # still all in the log

    own = sqlite3.connect(path, isolation_level=None)
    try:
        checkpointer.restart_pages = 100  # the log is longer: start it over
        checkpointer.checkpoint(own)
        assert os.path.getsize(path) > 1000 * 4096  # copied into the database file
        _record(db, clock)  # the next writer starts at the head of the log
        _busy, log_pages, copied = own.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert log_pages < 10 and copied == log_pages
        assert own.execute("SELECT COUNT(*) FROM outbox_message").fetchone()[0] == 1502
    finally:
        own.close()
