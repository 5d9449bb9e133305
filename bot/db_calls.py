"""Running a short unit of work from async code without fighting SQLite for its lock.

SQLite has one writer at a time. The handlers run their transactions on the event
loop's thread; a transaction in a worker thread (`asyncio.to_thread`) then competes
for the same lock, and the loser waits in SQLite's busy handler, which backs off
in sleeps of up to 100 ms *while holding the event loop*: under load every runner
waits. On SQLite these calls therefore run inline (each is a fraction of a
millisecond and never waits for another thread); on a server database, which
takes concurrent writers, they go to a worker thread as before.

`write_later` is for a write nothing waits for (the outbox's "sent" mark, the
inbox's "handled" mark): on SQLite it is queued and applied by the next unit of
work, in that transaction (storage/db.py `Database.write_behind`), or by a flush
`FLUSH_AFTER_SECONDS` later if no unit of work comes first; one commit fewer
per reply. Elsewhere it commits at once, in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.sql import Executable

log = logging.getLogger(__name__)

T = TypeVar("T")

# A queued write waits at most this long for a unit of work to take it.
FLUSH_AFTER_SECONDS = 0.05


async def run_db(services: Any, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`, inline on SQLite, in a worker thread otherwise."""
    if services.db.url.startswith("sqlite"):
        return work(*args)
    return await asyncio.to_thread(work, *args)


async def write_later(services: Any, statement: tuple[Executable, dict[str, Any]]) -> None:
    """Apply (statement, parameters) with the next unit of work on SQLite, at once elsewhere."""
    db = services.db
    if not db.writes_behind:
        await asyncio.to_thread(_commit, db, statement)
        return
    was_empty = db.behind == 0
    db.write_behind(*statement)
    if was_empty:  # one timer per batch: a unit of work usually takes them first
        asyncio.get_running_loop().call_later(FLUSH_AFTER_SECONDS, _flush, db)


def _commit(db: Any, statement: tuple[Executable, dict[str, Any]]) -> None:
    with db.session() as session:
        session.connection().execute(*statement)


def _flush(db: Any) -> None:
    try:
        db.flush_behind()
    except Exception:  # the next unit of work tries again (they stay queued)
        log.exception("database: writes queued behind could not be applied yet")
