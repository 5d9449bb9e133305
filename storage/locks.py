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
from typing import Protocol

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# Any fixed int64 distinct from the migration lock's key (storage.migrations).
REMINDER_SENDER_LOCK_KEY = 0x5374726964650002


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

    def still_held(self) -> bool:
        """True while the lock's transaction is open (a round trip; resets the idle timer)."""
        if not self._held:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            log.error("reminder sender lock lost: %s", exc.orig or exc)
            self._held = False
        return self._held

    def release(self) -> None:
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
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": REMINDER_SENDER_LOCK_KEY}
        ).scalar()
    except BaseException:
        connection.close()
        raise
    if not got:
        connection.rollback()
        connection.close()
        return None
    return _AdvisoryXactLock(connection)
