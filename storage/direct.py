"""The hot unit of work on SQLite: statements compiled once, run on the DBAPI cursor.

A guided "done" runs about eight short statements in one transaction. SQLite runs
each in a few microseconds; SQLAlchemy's execute path around it (the ORM session,
the Connection, the compiled cache's key, parameter construction, the result
object) cost ten times that: measured on a SQLite file, a transaction reading two
rows and writing two took 124-145 µs through a Core `Connection` and 14 µs on the
sqlite3 cursor (212-240 µs through the ORM session with a claim added, as a "done"
ran). `Database.unit()` (storage/db.py) therefore hands the hot path a `DirectUnit`
on SQLite:

- each statement is still built with SQLAlchemy Core and compiled by SQLAlchemy,
  once per statement and set of parameter names (the column keys SQLAlchemy itself
  would compile an INSERT for), and kept while the statement lives;
- parameters go through each bind's type processor and result columns through each
  column's result processor, the very functions SQLAlchemy's dialect uses
  (`UTCDateTime`: an aware datetime is stored as SQLite's naive-UTC text and read back
  aware), so rows read or written here are the rows the ORM reads and writes;
- the transaction starts with BEGIN IMMEDIATE like every SQLite unit of work
  (storage/db.py), on a connection from the engine's pool (its PRAGMAs set on connect);
- a driver error is raised as SQLAlchemy's wrapped error (`sqlalchemy.exc.OperationalError`
  and so on), as through a Session.

What it refuses, at the statement's first use, so a test meets it before a runner
does: an INSERT that needs a Python-side column default, a callable parameter, and
an expanding IN list (build the list from `literal()`s). Anything that needs the ORM
(`session.get`, `session.exec`, `add`) is not there at all: use `Database.session()`.

`connection()` returns the object the storage functions already call
`execute(statement, parameters)` on, with the part of SQLAlchemy's `Result` they use
(iteration, `first`, `scalar`, `scalar_one`, `rowcount`), so the same storage function
runs on an ORM session (PostgreSQL, the cold paths) and on a `DirectUnit`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError, NoResultFound
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


class Connects(Protocol):
    """What the storage functions need of a unit of work: an ORM `Session` or a `DirectUnit`."""

    def connection(self) -> Any: ...


_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Bind:
    key: str  # the parameter's name (an anonymous one for a value written in the statement)
    required: bool  # no value in the statement: the caller must give one
    value: Any  # the value written in the statement, already processed
    process: Processor | None


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement compiled for one dialect and one set of parameter names."""

    sql: str
    binds: tuple[_Bind, ...]
    # (column index, result processor) for the columns that have one
    results: tuple[tuple[int, Processor], ...]
    columns: int  # how many columns a row has (0: no rows come back)

    def parameters(self, given: Mapping[str, Any]) -> tuple[Any, ...]:
        values = []
        for bind in self.binds:
            value = given.get(bind.key, _MISSING)  # a given value wins, as in SQLAlchemy
            if value is _MISSING:
                if bind.required:
                    raise InvalidRequestError(f"A value is required for bind parameter {bind.key!r}")
                values.append(bind.value)
            else:
                values.append(value if bind.process is None else bind.process(value))
        return tuple(values)

    def rows(self, fetched: list[Any]) -> list[tuple[Any, ...]]:
        if not self.results:
            return fetched
        out = []
        for raw in fetched:
            row = list(raw)
            for index, process in self.results:
                row[index] = process(row[index])
            out.append(tuple(row))
        return out


def compile_once(statement: Executable, dialect: Dialect, keys: Sequence[str]) -> Compiled:
    """`statement` compiled as SQLAlchemy compiles it for parameters named `keys`."""
    if not isinstance(statement, ClauseElement):
        raise InvalidRequestError(f"not a SQL statement: {statement!r}")
    compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
    assert isinstance(compiled, SQLCompiler)
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise InvalidRequestError(
            "the statement needs Python-side column defaults: give every column, or use a Session"
        )
    if compiled.positiontup is None:
        raise InvalidRequestError(f"{dialect.name}: a positional paramstyle is required")
    binds = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        if bind.expanding or bind.callable is not None:
            raise InvalidRequestError(
                f"parameter {bind.key!r} is an expanding list or a callable: build IN lists from literal()s"
            )
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        fixed = None if bind.required or process is None else process(bind.value)
        binds.append(_Bind(bind.key, bind.required, bind.value if process is None else fixed, process))
    columns = list(getattr(statement, "exported_columns", ()))
    results = []
    for index, column in enumerate(columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((index, process))
    return Compiled(compiled.string, tuple(binds), tuple(results), len(columns))


class Rows:
    """A statement's outcome: its rows (fetched at once) and the rows it changed."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def all(self) -> list[tuple[Any, ...]]:
        return self._rows

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise NoResultFound(f"expected one row, got {len(self._rows)}")
        return self._rows[0][0]


class StatementCache:
    """Compiled statements for one dialect, kept as long as their statement lives
    (the hot statements are module constants; one built per call is dropped with it)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._lock = threading.Lock()  # units may run in worker threads too
        self._compiled: weakref.WeakKeyDictionary[Executable, dict[tuple[str, ...], Compiled]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, statement: Executable, keys: tuple[str, ...]) -> Compiled:
        by_keys = self._compiled.get(statement)
        compiled = by_keys.get(keys) if by_keys is not None else None
        if compiled is None:
            compiled = compile_once(statement, self.dialect, keys)
            with self._lock:
                self._compiled.setdefault(statement, {})[keys] = compiled
        return compiled


class DirectUnit:
    """One transaction on a pooled DBAPI connection; see the module docstring.

    Made by `Database.unit()`, which begins, commits or rolls back and returns the
    connection to the pool; the storage functions call `connection().execute(...)`.
    """

    def __init__(self, dbapi_connection: Any, cache: StatementCache) -> None:
        self._dbapi_connection = dbapi_connection
        self._cursor = dbapi_connection.cursor()
        self._cache = cache
        self.dialect = cache.dialect
        self._error = cache.dialect.loaded_dbapi.Error

    def connection(self) -> DirectUnit:
        return self

    def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Rows:
        given = parameters or {}
        compiled = self._cache.get(statement, tuple(given))
        values = compiled.parameters(given)
        cursor = self._cursor
        try:
            cursor.execute(compiled.sql, values)
            fetched = cursor.fetchall() if cursor.description is not None else []
        except self._error as exc:
            raise DBAPIError.instance(compiled.sql, values, exc, self._error, dialect=self.dialect) from exc
        if cursor.description is not None and len(cursor.description) != compiled.columns:
            raise InvalidRequestError(f"{len(cursor.description)} columns came back, {compiled.columns} expected")
        return Rows(compiled.rows(fetched), cursor.rowcount)

    def execute_sql(self, sql: str) -> None:
        """A statement without parameters (BEGIN IMMEDIATE)."""
        try:
            self._cursor.execute(sql)
        except self._error as exc:
            raise DBAPIError.instance(sql, (), exc, self._error, dialect=self.dialect) from exc

    def commit(self) -> None:
        try:
            self._dbapi_connection.commit()
        except self._error as exc:
            raise DBAPIError.instance("COMMIT", (), exc, self._error, dialect=self.dialect) from exc

    def close(self) -> None:
        self._cursor.close()
