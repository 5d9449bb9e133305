"""One process per SQLite file: an exclusive lock taken at start-up.

Two processes on one SQLite file would both poll or both run the reminder tick
(doubling reminders). `flock` on `<database>.lock` is held for the life of the
process and released by the kernel however it ends, kill -9 included, so a
crashed bot never blocks its own restart.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DatabaseInUse(RuntimeError):
    """Another process holds the SQLite file's lock."""


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite") or url in ("sqlite://", "sqlite:///:memory:") or "///" not in url:
        return None
    return Path(url.split("///", 1)[1].split("?", 1)[0]).resolve()


def lock_database(url: str) -> IO[bytes] | None:
    """Take the lock for `url`'s SQLite file; keep the returned handle open while running."""
    path = sqlite_file(url)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{path}.lock", "ab")  # noqa: SIM115 (held for the life of the process)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DatabaseInUse(
            f"another StrideCoach process is already using the SQLite database {path}. "
            "Run one process per SQLite file (stop the other one first); for several "
            "replicas, use PostgreSQL: DATABASE_URL=postgresql://user:password@host/dbname"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n".encode())
    handle.flush()
    return handle
