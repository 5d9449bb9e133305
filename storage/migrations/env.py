"""Alembic environment: runs on the connection `storage.migrations.migrate` hands over.

`alembic` on the command line (alembic.ini at the repository root) also works,
given the database with `-x url=...`. Either way the target is the models'
metadata, so `alembic -x url=sqlite:///data/dev.db revision --autogenerate -m "..."`
drafts the next migration (against a database at the newest revision).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import stridecoach.storage.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: Alembic copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_from_url() -> None:
    from stridecoach.storage.db import make_engine, normalise_url

    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("name the database: alembic -x url=sqlite:///data/dev.db ...")
    engine = make_engine(normalise_url(url))
    try:
        from stridecoach.storage.migrations import migration_lock

        with migration_lock(engine) as connection:
            _run(connection)
    finally:
        engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    _run_from_url()
