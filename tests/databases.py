"""The databases the suite runs on: SQLite always, PostgreSQL when a server is given.

`STRIDECOACH_TEST_POSTGRES_URL` names a PostgreSQL database the tests may create
schemas in (`.ci/run` starts a throwaway server and sets it). Each test that asks for
`database_url` then runs twice, once per database, each time on a fresh SQLite file
or a fresh PostgreSQL schema (the URL sets `search_path` to it), dropped afterwards.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from stridecoach.storage.db import Database, normalise_url

log = logging.getLogger(__name__)

POSTGRES_URL_VARIABLE = "STRIDECOACH_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    return normalise_url(url) if url else None


def available() -> list[str]:
    return ["sqlite", "postgresql"] if postgres_url() else ["sqlite"]


@lru_cache(maxsize=1)
def _admin_engine() -> Engine:
    url = postgres_url()
    assert url is not None
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'stridecoach.db'}"
        return
    base = postgres_url()
    assert base is not None, f"set {POSTGRES_URL_VARIABLE} to run the PostgreSQL tests"
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with _admin_engine().connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _drop_schema(schema)


def _drop_schema(schema: str) -> None:
    try:
        with _admin_engine().connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    except Exception as exc:  # a leftover schema on a throwaway server harms nothing
        log.warning("could not drop test schema %s: %s", schema, exc)


def migrated_sqlite_file(folder: Path) -> Path:
    """A SQLite database file in `folder` at the newest schema revision."""
    path = folder / "template.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.close()  # the last connection closed: the WAL is checkpointed into the file
    assert not path.with_name(path.name + "-wal").exists(), "the template must be one self-contained file"
    return path


def copy_sqlite_file(template: Path, url: str) -> None:
    """Put a copy of `template` where the SQLite `url` points (a fresh file per test)."""
    target = make_url(url).database
    assert target, url
    shutil.copyfile(template, target)
