"""The inbox table: updates stored as they arrive, marked once the bot has handled them.

Keyword-only functions on a SQLModel `Session`; the caller owns the transaction.
Portable to PostgreSQL: inserts use ON CONFLICT DO NOTHING ... RETURNING (never
rowcount, which psycopg 3 reports as -1 there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.sql import Executable
from sqlmodel import Session

from stridecoach.storage.db import insert_ignore_statement
from stridecoach.storage.direct import Connects, DirectUnit
from stridecoach.storage.models import InboxUpdate, table_of

_TABLE = table_of(InboxUpdate)
_MARK_ONE = update(_TABLE).where(_TABLE.c.update_id == bindparam("_id")).values(handled_at=bindparam("_now"))


@lru_cache(maxsize=4)
def _store_one(dialect: str) -> Executable:
    """One update's insert, built once per dialect: a webhook delivery usually stores one
    alone, and a multi-row insert built per call cost twice as much (its cache key walks
    every value: 220 against 112 µs per transaction, measured on SQLite)."""
    return (
        insert_ignore_statement(dialect, _TABLE)
        .values(update_id=bindparam("_id"), payload=bindparam("_payload"), received_at=bindparam("_now"))
        .returning(_TABLE.c.update_id)
    )


def store(session: Connects, *, updates: Sequence[tuple[int, str]], now: datetime) -> list[int]:
    """Store (update id, JSON payload) pairs; returns the ids that were not stored before."""
    if not updates:
        return []
    connection = session.connection()
    dialect = connection.dialect.name
    if len(updates) == 1 or isinstance(connection, DirectUnit):
        # One insert per update with the statement built (and, on the direct path, compiled)
        # once: on SQLite's cursor each costs microseconds, where a multi-row insert is built
        # and compiled again for every batch.
        one = _store_one(dialect)
        return [
            int(row[0])
            for update_id, payload in updates
            for row in connection.execute(one, {"_id": update_id, "_payload": payload, "_now": now})
        ]
    stmt = (  # a server database: the batch in one round trip
        insert_ignore_statement(dialect, _TABLE)
        .values([{"update_id": uid, "payload": payload, "received_at": now} for uid, payload in updates])
        .returning(_TABLE.c.update_id)
    )
    return [int(row[0]) for row in connection.execute(stmt)]


def unhandled(session: Session, *, limit: int = 10_000) -> list[tuple[int, str]]:
    """Updates stored but not handled yet (a crash or a stop came first), oldest first."""
    rows = session.connection().execute(
        select(_TABLE.c.update_id, _TABLE.c.payload)
        .where(_TABLE.c.handled_at.is_(None))
        .order_by(_TABLE.c.received_at, _TABLE.c.update_id)
        .limit(limit)
    )
    return [(int(uid), str(payload)) for uid, payload in rows]


def mark_handled(session: Session, *, update_ids: Sequence[int], now: datetime) -> None:
    if update_ids:
        session.connection().execute(
            update(_TABLE).where(_TABLE.c.update_id.in_(list(update_ids))).values(handled_at=now)
        )


def mark_one_handled(session: Connects, *, update_id: int, now: datetime) -> None:
    """The same for one update, with a statement built once (it runs in the unit of work of a "done")."""
    session.connection().execute(*mark_one_statement(update_id=update_id, now=now))


def mark_one_statement(*, update_id: int, now: datetime) -> tuple[Executable, dict[str, Any]]:
    """`mark_one_handled` as (statement, parameters), to be written behind (storage/db.py)."""
    return _MARK_ONE, {"_id": update_id, "_now": now}


def unhandled_count(session: Session) -> int:
    rows = session.connection().execute(
        select(_TABLE.c.update_id).where(_TABLE.c.handled_at.is_(None)).limit(100_000)
    )
    return len(rows.fetchall())


def prune_handled(session: Session, *, before: datetime) -> int:
    """Forget handled updates older than `before` (Telegram redelivers for 24 h at most)."""
    result = session.connection().execute(
        delete(_TABLE).where(_TABLE.c.handled_at.is_not(None), _TABLE.c.handled_at < before)
    )
    return int(result.rowcount or 0)
