"""Running a short unit of work from async code without fighting SQLite for its lock.

SQLite has one writer at a time. The handlers run their transactions on the event
loop's thread; a transaction in a worker thread (`asyncio.to_thread`) then competes
for the same lock, and the loser waits in SQLite's busy handler, which backs off
in sleeps of up to 100 ms *while holding the event loop*: under load every runner
waits. On SQLite these calls therefore run inline (each is a fraction of a
millisecond and never waits for another thread); on a server database, which
takes concurrent writers, they go to a worker thread as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def run_db(services: Any, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`, inline on SQLite, in a worker thread otherwise."""
    if services.db.url.startswith("sqlite"):
        return work(*args)
    return await asyncio.to_thread(work, *args)
