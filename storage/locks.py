"""The reminder sender's lock: one replica at a time claims and sends reminders.

On PostgreSQL the lock is `pg_try_advisory_xact_lock` taken in a transaction kept
open on its own connection from the claim to the last send (see docs/reminders.md,
"Several replicas"):

- the server releases it when that transaction ends, including when the process
  dies (kill -9, OOM, a lost host: the connection closes, the transaction aborts),
  so another replica takes over at its next tick;
- it is transaction-scoped, so it also works through PgBouncer in transaction mode
  (the open transaction pins one server connection);
- `idle_in_transaction_session_timeout` on that transaction lets the server end a
  hung holder's lock; the holder asks `still_held()` before every send and stops
  at once when its lock transaction is gone.

SQLite serves one process per database file, so there the lock is always held.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

log = logging.getLogger(__name__)

# Advisory locks here use PostgreSQL's two-key form: (a fixed class per purpose, a hash
# of the schema), so deployments (or parallel test runs) in different schemas of one
# database never wait on each other, and replicas sharing a schema share the lock.
REMINDER_SENDER_LOCK_CLASS = 0x53430002  # storage.migrations uses 0x53430001
SCHEMA_KEY_SQL = "hashtext(current_schema())"


class SenderLock(Protocol):
    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class _OneProcess:
    """SQLite: one process per file, so this process is always the sender."""

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        return None


class _AdvisoryXactLock:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._held = True
        # The sends of a tick check from worker threads at the same time, and one
        # connection serves one statement at a time: on a connection the server has ended,
        # a second check raced the first into "invalid transaction" errors, and the send
        # asking was neither sent nor deferred (its reminder stayed pending, uncounted).
        self._guard = threading.Lock()

    def still_held(self) -> bool:
        """True while the lock's transaction is open (a round trip; resets the idle timer)."""
        with self._guard:
            if not self._held:
                return False
            try:
                self._connection.execute(text("SELECT 1"))
            except SQLAlchemyError as exc:  # the server ended the session, or the connection broke
                log.error("reminder sender lock lost: %s", getattr(exc, "orig", None) or exc)
                self._held = False
            return self._held

    def release(self) -> None:
        with self._guard:
            self._held = False
            try:
                self._connection.rollback()  # ends the transaction, and with it the lock
            except DBAPIError:
                self._connection.invalidate()
            finally:
                self._connection.close()


def try_sender_lock(engine: Engine, *, idle_timeout_seconds: float) -> SenderLock | None:
    """The sender lock if no other process holds it now, else None (never waits)."""
    if engine.dialect.name != "postgresql":
        return _OneProcess()
    connection = engine.connect()
    try:
        timeout_ms = max(1000, int(idle_timeout_seconds * 1000))
        connection.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {timeout_ms}"))
        got = connection.execute(
            text(f"SELECT pg_try_advisory_xact_lock(:cls, {SCHEMA_KEY_SQL})"), {"cls": REMINDER_SENDER_LOCK_CLASS}
        ).scalar()
    except BaseException:
        connection.close()
        raise
    if not got:
        connection.rollback()
        connection.close()
        return None
    return _AdvisoryXactLock(connection)


def sender_lock_holders(connection: Connection) -> list[int]:
    """Backend pids holding this schema's sender lock (at most one); for operators and tests.

    `pg_stat_activity.application_name` of that pid names the replica
    (`stridecoach:<host>:<pid>`).
    """
    rows = connection.execute(
        text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid::bigint = :cls"
            f" AND objid::bigint = ({SCHEMA_KEY_SQL}::bigint & 4294967295)"
        ),
        {"cls": REMINDER_SENDER_LOCK_CLASS},
    )
    return [int(pid) for (pid,) in rows]
