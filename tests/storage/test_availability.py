"""Which real database errors mean "unavailable, try again" (503) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from onetime.domain.errors import ServiceUnavailable
from onetime.storage.availability import is_unavailable
from onetime.storage.database import Database
from tests.e2e.servers import free_port


def raised(fn) -> BaseException:
    with pytest.raises(Exception) as info:  # noqa: PT011 - the test is what was raised
        fn()
    return info.value


class TestSqlite:
    def test_a_lock_past_the_busy_timeout_is_unavailable(self, tmp_path):
        """"database is locked", through SQLAlchemy and from the driver's own cursor."""
        path = tmp_path / "x.db"
        db = Database(f"sqlite:///{path}", busy_timeout=0.1)
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            def through_sqlalchemy():
                with db.write() as conn:
                    conn.execute(text("INSERT INTO t VALUES (1)"))

            def on_the_driver_cursor():
                with db.engine.connect() as conn:
                    conn.connection.dbapi_connection.cursor().execute(
                        "INSERT INTO t VALUES (1)")

            # The Database says so in the domain's terms, with the driver's error as cause.
            error = raised(through_sqlalchemy)
            assert isinstance(error, ServiceUnavailable)
            assert is_unavailable(error.__cause__)
            error = raised(on_the_driver_cursor)
            assert isinstance(error, sqlite3.OperationalError)
            assert is_unavailable(error)
        finally:
            holder.rollback()
            holder.close()
            db.dispose()

    def test_a_bug_is_not_unavailable(self, tmp_path):
        """A missing table or a broken constraint is ours to fix: a 500, not a 503."""
        db = Database(f"sqlite:///{tmp_path / 'x.db'}")
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))

        def missing_table():
            with db.read() as conn:
                conn.execute(text("SELECT * FROM nothing"))

        def duplicate():
            with db.write() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))

        assert not is_unavailable(raised(missing_table))
        error = raised(duplicate)
        assert isinstance(error, IntegrityError)
        assert not is_unavailable(error)
        assert not is_unavailable(ValueError("no"))
        db.dispose()


@pytest.mark.postgres
class TestPostgres:
    def test_a_refused_connection_is_unavailable(self):
        """Nothing listens on the port."""
        db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")

        def read():
            with db.read() as conn:
                conn.execute(text("SELECT 1"))

        error = raised(read)
        assert isinstance(error, ServiceUnavailable)
        assert is_unavailable(error.__cause__)
        db.dispose()

    def test_a_terminated_backend_is_unavailable_and_bad_sql_is_not(self, pg_database):
        """pg_terminate_backend (a failover) on the driver's connection; then a bug."""
        admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
        with psycopg.connect(pg_database.replace("+psycopg", ""),
                             autocommit=True) as conn:
            pid = conn.info.backend_pid
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            assert is_unavailable(raised(lambda: conn.execute("SELECT 1")))
        with psycopg.connect(pg_database.replace("+psycopg", ""), autocommit=True) as conn:
            assert not is_unavailable(raised(lambda: conn.execute("SELECT * FROM nothing")))
        admin.dispose()
