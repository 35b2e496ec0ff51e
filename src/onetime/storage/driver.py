"""Prebuilt statements run on the driver's own cursor, for the verification hot path.

SQLAlchemy's execution path (execution context, parameter and row processing) costs
about 50 µs per statement on top of the driver: the token SELECT takes 67 µs of CPU
through `Connection.execute` and 16 µs through psycopg's cursor (measured on this
machine). A verification runs two statements, and that overhead was a fifth of a
server worker's CPU per verification. So the hot statements are still written with
SQLAlchemy, compiled once per dialect, and run with the driver's cursor on the
connection SQLAlchemy manages (so in its transaction). Datetimes are the only values
to convert, as UTCDateTime does: aware UTC in, naive UTC stored, aware UTC out.

On PostgreSQL inside Database.call they run on a DirectConnection instead: a bare
asyncio psycopg connection of the event loop (storage/loop_pg.py), each statement one
switch of the use case's greenlet to the loop and back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

# SQLAlchemy's bridge from a greenlet to the loop, the one Database.call runs use cases on.
from sqlalchemy.util.concurrency import await_

# Dialects whose paramstyle takes a dict of named parameters, as both drivers accept.
_DIALECTS = {"sqlite": sqlite.dialect(paramstyle="named"),
             "postgresql": postgresql.psycopg.dialect()}


class DriverStatement:
    """One SQLAlchemy statement, compiled once per dialect, executed on the DBAPI cursor."""

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._compiled: dict[str, tuple[str, dict[str, Any]]] = {}

    def execute(self, conn: Connection, params: dict[str, Any]):
        """Run on `conn`'s driver connection; returns the driver's cursor."""
        sql, fixed = self._compiled.get(conn.dialect.name) or self._compile(conn.dialect.name)
        values = {**fixed, **params}
        for name, value in values.items():
            if isinstance(value, datetime):
                values[name] = to_db(value, conn.dialect.name)
        if type(conn) is DirectConnection:
            return await_(conn.run(sql, values))
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(sql, values)
        return cursor

    def _compile(self, dialect_name: str) -> tuple[str, dict[str, Any]]:
        compiled = self._statement.compile(dialect=_DIALECTS[dialect_name])
        # The literals SQLAlchemy turned into bound parameters (states, constants, NULLs);
        # the caller gives the others, and the driver refuses a statement missing one.
        fixed = {k: v for k, v in compiled.params.items() if not compiled.binds[k].required}
        self._compiled[dialect_name] = (compiled.string, fixed)
        return self._compiled[dialect_name]


class DirectConnection:
    """A bare asyncio psycopg connection in autocommit, lent by LoopConnections to one use
    case: what a DriverStatement runs on, each statement a transaction of its own."""

    __slots__ = ("_cursor", "raw")
    dialect = _DIALECTS["postgresql"]  # what the repositories ask of a connection

    def __init__(self, raw) -> None:
        self.raw = raw
        self._cursor = raw.cursor()

    async def run(self, sql: str, values: dict[str, Any]) -> Rows:
        cursor = self._cursor
        await cursor.execute(sql, values)
        return Rows(await cursor.fetchall() if cursor.description else [], cursor.rowcount)


class Rows:
    """A statement's rows, fetched: what DriverStatement.execute's callers read of a cursor."""

    __slots__ = ("_next", "rowcount", "rows")

    def __init__(self, rows: list, rowcount: int) -> None:
        self.rows, self.rowcount, self._next = rows, rowcount, 0

    def fetchone(self):
        if self._next >= len(self.rows):
            return None
        self._next += 1
        return self.rows[self._next - 1]

    def fetchall(self) -> list:
        rest, self._next = self.rows[self._next:], len(self.rows)
        return rest


def to_db(value: datetime, dialect_name: str) -> datetime | str:
    """As UTCDateTime and SQLAlchemy's SQLite DATETIME store it (SQLite compares text)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database")
    naive = value.astimezone(UTC).replace(tzinfo=None)
    # isoformat gives strftime's "%Y-%m-%d %H:%M:%S.%f" at a tenth of its cost.
    return naive.isoformat(" ", "microseconds") if dialect_name == "sqlite" else naive


def from_db(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite keeps datetimes as ISO text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
