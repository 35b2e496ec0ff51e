"""The database handle: read_then_write's two ways to write, and `call` from the event loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.util.concurrency import greenlet_spawn

from onetime.storage import migrate
from onetime.storage.database import Database
from onetime.storage.schema import audit_log


def count_entries(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()


def entry(event: str, clock) -> dict:
    return {"at": clock.now(), "event": event}


class TestReadThenWrite:
    def test_write_is_one_transaction_that_an_error_rolls_back(self, ctx, clock):
        """Several writes after write() commit together or not at all."""
        def fails_before_the_commit():
            with ctx.db.read_then_write() as tx:
                conn = tx.write()
                conn.execute(insert(audit_log).values(entry("first", clock)))
                conn.execute(insert(audit_log).values(entry("second", clock)))
                raise RuntimeError("fails before the commit")

        with pytest.raises(RuntimeError, match="before the commit"):
            fails_before_the_commit()
        assert count_entries(ctx.db) == 0

    def test_write_commits_at_the_end(self, ctx, clock):
        with ctx.db.read_then_write() as tx:
            tx.write().execute(insert(audit_log).values(entry("first", clock)))
            tx.write().execute(insert(audit_log).values(entry("second", clock)))
        assert count_entries(ctx.db) == 2

    def test_write_one_then_write_is_allowed_but_not_the_reverse(self, ctx, clock):
        """After write() began a transaction, a lone statement must not slip out of it."""
        with ctx.db.read_then_write() as tx:
            tx.write_one().execute(insert(audit_log).values(entry("alone", clock)))
            tx.write().execute(insert(audit_log).values(entry("in the transaction", clock)))
            if not ctx.db.is_sqlite:
                with pytest.raises(RuntimeError):
                    tx.write_one()
        assert count_entries(ctx.db) == 2

    @pytest.mark.postgres
    def test_on_postgresql_the_read_holds_no_transaction_open(self, pg_database):
        """The read runs in autocommit: no BEGIN, so no idle transaction between statements."""
        db = Database(pg_database)
        try:
            with db.read_then_write() as tx:
                tx.conn.execute(text("SELECT 1"))
                status = tx.conn.connection.dbapi_connection.info.transaction_status
                assert status.name == "IDLE"
                tx.write()
                tx.conn.execute(text("SELECT 1"))
                status = tx.conn.connection.dbapi_connection.info.transaction_status
                assert status.name == "INTRANS"
        finally:
            db.dispose()


class TestCallFromTheEventLoop:
    def test_the_use_case_runs_on_the_loop_thread(self, ctx):
        """No thread pool: on SQLite inline, on PostgreSQL in a greenlet of the loop."""

        def use_case():
            with ctx.db.read() as conn:
                conn.execute(text("SELECT 1"))
            return threading.get_ident()

        async def main():
            return threading.get_ident(), await ctx.db.call(use_case)

        loop_thread, ran_on = asyncio.run(main())
        assert ran_on == loop_thread

    @pytest.mark.postgres
    def test_postgresql_round_trips_do_not_stop_the_loop(self, pg_database):
        """Two calls that each wait 0.3 s in the database finish together, on one thread."""
        db = Database(pg_database)

        def sleep(seconds: float):
            with db.read() as conn:
                conn.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})

        def slow():
            sleep(0.3)

        async def main():
            # Two connections opened first, so that only the sleeps are timed.
            await asyncio.gather(db.call(sleep, 0), db.call(sleep, 0))
            started = time.monotonic()
            await asyncio.gather(db.call(slow), db.call(slow))
            elapsed = time.monotonic() - started
            await db.dispose_loop_connections()
            return elapsed

        try:
            assert asyncio.run(main()) < 0.55
        finally:
            db.dispose()

    @pytest.mark.postgres
    def test_only_call_chooses_the_loops_engine(self, pg_database):
        """`call` names the engine; any other greenlet's statements keep the blocking one."""
        db = Database(pg_database)

        def engine_used():
            with db.read() as conn:
                conn.execute(text("SELECT 1"))
                return conn.engine

        async def main():
            through_call = await db.call(engine_used)
            # SQLAlchemy's asyncio bridge, as a library other than ours might use it.
            other_greenlet = await greenlet_spawn(engine_used)
            await db.dispose_loop_connections()
            return through_call, other_greenlet

        try:
            through_call, other_greenlet = asyncio.run(main())
            assert through_call is not db.engine  # the asyncio engine's blocking face
            assert through_call.dialect.is_async
            assert other_greenlet is db.engine
        finally:
            db.dispose()

    @pytest.mark.postgres
    def test_outside_the_loop_the_blocking_engine_serves(self, pg_database):
        """Threads and the CLI keep the ordinary engine; no asyncio connection is made."""
        db = Database(pg_database)
        try:
            with db.read() as conn:
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
            assert db._loop_engine is None
        finally:
            db.dispose()


class TestSecondHandleInOneProcess:
    def test_a_second_database_handle_keeps_the_first_ones_locks(self, tmp_path):
        """Opening the same SQLite file again in this process leaves its open connections'
        locks in place, so another process never removes the WAL from under them.

        Closing any descriptor of a file drops all of the process's POSIX locks on it, the
        ones SQLite's open connections hold too. With them gone, another process's last
        close took itself for the only user, checkpointed and deleted the -wal and -shm
        files while this process still had them open (a test then failed with "disk I/O
        error" once `onetime restore` had run beside its open database).
        """
        path = tmp_path / "onetime.db"
        first = Database(f"sqlite:///{path}")
        migrate.upgrade(first)
        with first.engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar()
            conn.commit()
            second = Database(f"sqlite:///{path}")
            other = subprocess.run(
                [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                 " c.execute('SELECT count(*) FROM audit_log').fetchone(); c.close()",
                 str(path)], capture_output=True, text=True, timeout=30)
            assert other.returncode == 0, other.stderr
            assert Path(f"{path}-wal").exists()
            assert Path(f"{path}-shm").exists()
        second.dispose()
        first.dispose()
