"""Group commit on SQLite (storage/batches.py): one turn's writes, one transaction."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from onetime.domain.errors import ServiceUnavailable
from onetime.storage.database import Database


class Recording(Database):
    """A real SQLite database that records each batch's size, and can fail one COMMIT."""

    def __init__(self, url: str) -> None:
        super().__init__(url, serving=True)
        self.batches: list[int] = []
        self.fail_next_commit = False

    def _write_batch(self, run_writes):
        sizes = []

        def counted(conn):
            before = conn.connection.driver_connection.total_changes
            run_writes(conn)
            sizes.append(conn.connection.driver_connection.total_changes - before)

        written = super()._write_batch(counted)
        self.batches.extend(sizes)
        return written

    def _sqlite_commit(self, conn):
        if self.fail_next_commit:
            self.fail_next_commit = False
            conn.connection.driver_connection.rollback()
            lost = sqlite3.OperationalError("disk I/O error")
            lost.sqlite_errorcode = 10  # SQLITE_IOERR
            raise OperationalError("COMMIT", {}, lost)
        super()._sqlite_commit(conn)


@pytest.fixture
def db(tmp_path):
    database = Recording(f"sqlite:///{tmp_path / 'batches.db'}")
    with database.write() as conn:
        conn.execute(text("CREATE TABLE steps (id INTEGER PRIMARY KEY, last INTEGER)"))
        conn.execute(text("CREATE TABLE entries (step_id INTEGER, step INTEGER)"))
        conn.execute(text("INSERT INTO steps VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0)"))
    yield database
    database.dispose()


def use_step(db: Database, step_id: int, step: int, after: list, *, fail: bool = False) -> bool:
    """Like a verification: read, then a conditional UPDATE and its entry, then report."""
    with db.read_then_write() as tx:
        last = tx.conn.execute(text("SELECT last FROM steps WHERE id = :i"),
                               {"i": step_id}).scalar_one()
        used = last < step and tx.write().execute(
            text("UPDATE steps SET last = :s WHERE id = :i AND last < :s"),
            {"s": step, "i": step_id}).rowcount == 1
        if used:
            tx.write().execute(text("INSERT INTO entries VALUES (:i, :s)"),
                               {"i": step_id, "s": step})
        if fail:
            raise ZeroDivisionError("a bug after the writes")
    after.append(step_id)  # runs once committed, as an answer would be given
    return used


def stored(db: Database) -> tuple[dict, list]:
    with db.read() as conn:
        steps = dict(conn.execute(text("SELECT id, last FROM steps")).all())
        entries = sorted(tuple(r) for r in conn.execute(text("SELECT * FROM entries")))
    return steps, entries


async def together(*calls):
    return await asyncio.gather(*calls, return_exceptions=True)


class TestGroupCommit:
    def test_the_writes_of_one_turn_share_one_transaction(self, db):
        """Five use cases started in one turn: one batch of ten changes, all committed."""
        after: list = []
        answers = asyncio.run(together(*(db.call(use_step, db, i, 7, after)
                                         for i in range(1, 6))))
        assert answers == [True] * 5
        assert db.batches == [10]
        assert sorted(after) == [1, 2, 3, 4, 5]
        assert stored(db) == (dict.fromkeys(range(1, 6), 7), [(i, 7) for i in range(1, 6)])

    def test_one_step_twice_in_a_batch_is_used_once(self, db):
        """The conditional UPDATE sees the batch's earlier write: one of two wins."""
        after: list = []
        answers = asyncio.run(together(db.call(use_step, db, 1, 9, after),
                                       db.call(use_step, db, 1, 9, after)))
        assert sorted(answers) == [False, True]
        assert stored(db)[1] == [(1, 9)]

    def test_a_failing_use_case_is_undone_alone(self, db):
        """Its savepoint rolls back; the others of its batch commit; it gets its error."""
        after: list = []
        answers = asyncio.run(together(db.call(use_step, db, 1, 3, after),
                                       db.call(use_step, db, 2, 3, after, fail=True),
                                       db.call(use_step, db, 3, 3, after)))
        assert answers[0] is True
        assert answers[2] is True
        assert isinstance(answers[1], ZeroDivisionError)
        assert stored(db) == ({1: 3, 2: 0, 3: 3, 4: 0, 5: 0}, [(1, 3), (3, 3)])
        assert sorted(after) == [1, 3]

    def test_a_failed_commit_reaches_every_use_case_as_unavailable(self, db):
        """No answer is given for what was not committed: each raises ServiceUnavailable
        where its commit was, and nothing after its block runs."""
        db.fail_next_commit = True
        after: list = []
        answers = asyncio.run(together(*(db.call(use_step, db, i, 4, after)
                                         for i in range(1, 4))))
        assert [type(a) for a in answers] == [ServiceUnavailable] * 3
        assert after == []
        assert stored(db) == (dict.fromkeys(range(1, 6), 0), [])
        # The kept connection is usable again: the next turn commits.
        assert asyncio.run(db.call(use_step, db, 1, 4, after)) is True

    def test_a_busy_writer_lock_does_not_stop_the_loop(self, db):
        """Another writer holds the lock for 0.3 s: the loop goes on meanwhile, and a use
        case that reaches its writes then joins the waiting batch; both commit after."""
        other = Database(db.url)  # another writer's lock, as another process's would be
        held, release = threading.Event(), threading.Event()

        def hold():
            with other._writer.held():
                held.set()
                release.wait(5)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(5)
        after: list = []

        async def run():
            ticks = 0

            async def tick():
                nonlocal ticks
                while not release.is_set():
                    await asyncio.sleep(0.005)
                    ticks += 1

            ticker = asyncio.create_task(tick())
            first = asyncio.create_task(db.call(use_step, db, 1, 2, after))
            await asyncio.sleep(0.05)
            second = asyncio.create_task(db.call(use_step, db, 2, 2, after))
            await asyncio.sleep(0.25)
            waited = (after[:], ticks)
            release.set()
            answers = await asyncio.wait_for(asyncio.gather(first, second), 5)
            await ticker
            return waited, answers

        try:
            (done_while_held, ticks), answers = asyncio.run(run())
        finally:
            release.set()
            holder.join(5)
            other.dispose()
        assert done_while_held == []  # nothing answered before it was committed
        assert ticks >= 20  # the loop ran all along (a blocked loop ticks 0 times)
        assert answers == [True, True]
        assert db.batches == [4]  # one batch: both use cases' UPDATE and entry
        assert stored(db)[1] == [(1, 2), (2, 2)]

    def test_an_answer_waits_for_the_commit(self, db, tmp_path):
        """What runs after the block sees the row committed, from another connection."""
        seen = []

        def verify_then_look():
            use_step(db, 1, 5, [])
            with sqlite3.connect(tmp_path / "batches.db") as other:
                seen.append(other.execute("SELECT last FROM steps WHERE id = 1").fetchone())

        asyncio.run(db.call(verify_then_look))
        assert seen == [(5,)]

    def test_a_cancelled_caller_still_has_its_writes_finished(self, db):
        """Cancelled while parked: the batch runs its writes and its block to the end."""
        after: list = []

        async def scenario():
            first = asyncio.ensure_future(db.call(use_step, db, 1, 6, after))
            second = asyncio.ensure_future(db.call(use_step, db, 2, 6, after))
            await asyncio.sleep(0)  # both parked, the batch not yet run
            first.cancel()
            await asyncio.sleep(0.05)
            return await asyncio.gather(first, second, return_exceptions=True)

        first, second = asyncio.run(scenario())
        assert isinstance(first, asyncio.CancelledError)
        assert second is True
        assert stored(db)[1] == [(1, 6), (2, 6)]
        assert sorted(after) == [1, 2]

    def test_use_cases_without_writes_do_not_wait(self, db):
        """A use case that only reads never parks: no batch is made."""
        def read_only():
            with db.read_then_write() as tx:
                return tx.conn.execute(text("SELECT count(*) FROM steps")).scalar_one()

        assert asyncio.run(db.call(read_only)) == 5
        assert db.batches == []
