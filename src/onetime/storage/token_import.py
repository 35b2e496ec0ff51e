"""The PSKC import's writing: a batch of tokens per statement.

The look-ups take a batch as one array parameter (PostgreSQL `= ANY(…)`, SQLite
`IN (SELECT value FROM json_each(…))`), so each is one statement text, compiled once and
run on the driver's cursor. An IN list of 1 000 bound parameters was expanded by
SQLAlchemy and parsed again by psycopg for every batch: a third of the writing's client
CPU. Fresh tokens go in by COPY on PostgreSQL and by sqlite3's executemany on SQLite.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import fields
from datetime import datetime

import psycopg
from sqlalchemy import ARRAY, Connection, String, any_, bindparam, func, insert, select, text
from sqlalchemy.dialects import postgresql

from onetime.domain.tokens import Token
from onetime.storage.conflicts import SQLITE_DUPLICATE, DuplicateKey, duplicate_key_as_conflict
from onetime.storage.driver import DriverStatement, to_db
from onetime.storage.schema import UTCDateTime, tokens
from onetime.storage.tokens import TOKEN_COLUMNS, NewToken
from onetime.storage.tokens import _row_to_token as row_to_token


def _batch(column, name: str) -> dict:
    """`column` among the batch's values, one parameter `name`, per dialect."""
    values = bindparam(name, type_=ARRAY(String))
    # json_each's table: one row per element of the JSON array, in its `value` column.
    listed = select(func.json_each(bindparam(name)).table_valued("value").c.value)
    return {"postgresql": column == any_(values), "sqlite": column.in_(listed.scalar_subquery())}


_HOLDERS = {dialect: DriverStatement(
    select(tokens.c.serial, tokens.c.institution_id, tokens.c.user_id).where(condition))
    for dialect, condition in _batch(tokens.c.serial, "serials").items()}
_BY_USERS = {dialect: DriverStatement(select(*TOKEN_COLUMNS).where(
    tokens.c.institution_id == bindparam("institution_id"), condition))
    for dialect, condition in _batch(tokens.c.user_id, "user_ids").items()}


def _array(conn: Connection, values: list[str]) -> list[str] | str:
    """The batch as its dialect's parameter takes it: a list, or SQLite's JSON text."""
    return json.dumps(values) if conn.dialect.name == "sqlite" else values


class TokenImportRepository:
    def serial_holders(self, conn: Connection, serials: list[str]) -> dict[str, tuple[int, str]]:
        """(institution ID, user ID) of the token holding each of `serials` that is held."""
        if not serials:
            return {}
        rows = _HOLDERS[conn.dialect.name].execute(
            conn, {"serials": _array(conn, serials)}).fetchall()
        return {serial: (institution_id, user_id) for serial, institution_id, user_id in rows}

    def by_users(self, conn: Connection, institution_id: int,
                 user_ids: list[str]) -> dict[str, Token]:
        """The current token of each of `user_ids` that has one."""
        if not user_ids:
            return {}
        rows = _BY_USERS[conn.dialect.name].execute(
            conn, {"institution_id": institution_id,
                   "user_ids": _array(conn, user_ids)}).fetchall()
        return {token.user_id: token for token in map(row_to_token, rows)}

    def insert_many(self, conn: Connection, institution_id: int,
                    new_tokens: list[tuple[str, NewToken]]) -> None:
        """Insert fresh tokens for users who have none, in one statement.

        Raises DuplicateKey if one of the users or serials is taken meanwhile.
        """
        if not new_tokens:
            return
        driver = conn.connection.driver_connection
        if isinstance(driver, psycopg.Connection):
            # COPY: a third of the executemany's time per row on PostgreSQL (issue 15).
            _copy_rows(driver, _values(institution_id, new_tokens, "postgresql"))
        elif isinstance(driver, sqlite3.Connection):
            # sqlite3's own executemany of one prepared INSERT, in this transaction: it
            # loops in C, where SQLAlchemy's converted each row's values in Python first
            # (half the import's writing time). (A VALUES list of 1 000 rows cost 5x the
            # client CPU to compile; RETURNING's insertmanyvalues 2x.)
            _insert_rows_sqlite(driver, _values(institution_id, new_tokens, "sqlite"))
        else:
            with duplicate_key_as_conflict():
                conn.execute(insert(tokens), [dict(zip(_COPY_COLUMNS, values, strict=True))
                                              for values in _values(institution_id, new_tokens,
                                                                    conn.dialect.name)])

    def refresh_statistics(self, conn: Connection) -> None:
        """After a bulk insert: the planner's row count, so that look-ups use the index.

        Within one long import the table grows while the planner still believes it small,
        and the next batch's look-ups would scan it. PostgreSQL only (SQLite has no such
        estimate to go stale that matters here).
        """
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE tokens"))


_COPY_COLUMNS = [column.name for column in tokens.columns if column.name != "id"]
# What a fresh token's row holds beyond its NewToken: no failure, no drift, the rest NULL.
_FRESH = [{"failures": 0, "drift": 0}.get(name) for name in _COPY_COLUMNS]
_USER, _INSTITUTION = _COPY_COLUMNS.index("user_id"), _COPY_COLUMNS.index("institution_id")
_FROM_NEW = [(_COPY_COLUMNS.index(f.name), f.name) for f in fields(NewToken)]
_ENUMS = [_COPY_COLUMNS.index("state"), _COPY_COLUMNS.index("kind")]
_DATETIMES = [i for i, name in enumerate(_COPY_COLUMNS)
              if isinstance(tokens.c[name].type, UTCDateTime)]
# The columns' PostgreSQL types, for a binary COPY (`VARCHAR(40)` is `varchar`).
_PG_TYPES = [re.sub(r"\(.*\)", "", tokens.c[name].type.compile(dialect=postgresql.dialect()))
             .lower() for name in _COPY_COLUMNS]


def _values(institution_id: int, new_tokens: list[tuple[str, NewToken]],
            dialect_name: str) -> list[list]:
    """The rows in _COPY_COLUMNS' order, datetimes as UTCDateTime stores them.

    A batch's rows share their few datetimes (an import's `now`): each is converted
    once, where converting 7 of 26 values a row cost more than the INSERT on SQLite.
    """
    converted: dict[datetime, datetime | str] = {}
    fresh = list(_FRESH)
    fresh[_INSTITUTION] = institution_id
    out = []
    for user_id, new in new_tokens:
        values = fresh.copy()
        values[_USER] = user_id
        given = new.__dict__
        for i, name in _FROM_NEW:
            values[i] = given[name]
        for i in _ENUMS:
            values[i] = values[i].value
        for i in _DATETIMES:
            if (value := values[i]) is not None:
                if (done := converted.get(value)) is None:
                    done = converted[value] = to_db(value, dialect_name)
                values[i] = done
        out.append(values)
    return out


def _copy_rows(driver: psycopg.Connection, rows: list[list]) -> None:
    """COPY `rows` into tokens, binary; DuplicateKey on a unique clash."""
    statement = f"COPY tokens ({', '.join(_COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(_PG_TYPES)
            for values in rows:
                copy.write_row(values)
    except psycopg.errors.UniqueViolation as error:
        raise DuplicateKey("a concurrent writer took this unique key first") from error


# S608: the table's own column names, no input.
_INSERT_SQLITE = (f"INSERT INTO tokens ({', '.join(_COPY_COLUMNS)}) "  # noqa: S608
                  f"VALUES ({', '.join('?' * len(_COPY_COLUMNS))})")


def _insert_rows_sqlite(driver: sqlite3.Connection, rows: list[list]) -> None:
    """INSERT `rows` on a sqlite3 connection; DuplicateKey on a unique clash."""
    try:
        driver.executemany(_INSERT_SQLITE, rows)
    except sqlite3.IntegrityError as error:
        if getattr(error, "sqlite_errorcode", None) in SQLITE_DUPLICATE:
            raise DuplicateKey("a concurrent writer took this unique key first") from error
        raise
