"""The database handle: the ways to a connection, and how each database is best used.

SQLite: one engine; writers take the write lock up front (BEGIN IMMEDIATE, queued by a
file lock). PostgreSQL: one engine for threads and the CLI, and for `call` from the event
loop the same database over asyncio connections.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

# Connection is what services hold between `write()` and the repositories' methods; they
# pass it on and never execute on it themselves.
from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# SQLAlchemy's own bridge between its sync core and asyncio drivers (AsyncSession.run_sync
# is built on it): a blocking function runs in a greenlet that yields at each round trip.
from sqlalchemy.util.concurrency import await_, greenlet_spawn

from onetime.files import create_private
from onetime.storage import sqlite
from onetime.storage.availability import unavailable_as_domain_error
from onetime.storage.batches import MEMBER, WriteBatches
from onetime.storage.driver import DirectConnection
from onetime.storage.loop_pg import LoopConnections

T = TypeVar("T")

DEFAULT_URL = "sqlite:///var/onetime.db"
# A pooled PostgreSQL connection idle longer than this is pinged before it is used again.
IDLE_PING_SECONDS = 1.0
# PostgreSQL's default, named because read_then_write() switches back to it from
# autocommit: a conditional UPDATE that waited for a concurrent one re-checks its WHERE
# clause against the committed row, instead of failing as under REPEATABLE READ.
PG_ISOLATION = "READ COMMITTED"
# PostgreSQL connections per event loop for `call`. Its statements are short, so a few
# connections keep up with any number of requests, which wait their turn in the pool
# (in order, without a thread each). More connections only make more backends contend
# for the CPU and for the WAL flush at commit: on 2 cores with 2 workers and 16 clients,
# 4 per worker gave p99 16-24 ms, 8 per worker 45 ms and 20 per worker 56-82 ms.
LOOP_POOL_SIZE = 4
# How long an SQLite statement waits for a lock held elsewhere before it gives up with
# "database is locked" (which the API answers 503); tests that hold the lock shorten it.
SQLITE_BUSY_TIMEOUT = 30.0
# The engine that `call` chose for the use case it runs (a Database, the blocking face of
# its loop's asyncio engine, and the loop's bare connections for read_then_write); unset,
# every statement uses the Database's blocking engine.
# A context variable, because the greenlets of concurrent calls share the loop's thread.
_CALL_ENGINE: ContextVar[tuple[Database, Engine, LoopConnections] | None] = ContextVar(
    "onetime_call_engine", default=None)


class Database:
    """Wraps an engine; `write()`, `read()` and `read_then_write()` are the ways to a connection."""

    def __init__(self, url: str, *, pool_size: int = 10,
                 loop_pool_size: int = LOOP_POOL_SIZE,
                 busy_timeout: float = SQLITE_BUSY_TIMEOUT, serving: bool = False) -> None:
        """`serving`: a server worker's. On SQLite its commits then never checkpoint the
        WAL; the sealing round does (`checkpoint`), off the requests' path."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._loop_pool_size = loop_pool_size
        self._loop_engine: tuple[asyncio.AbstractEventLoop, AsyncEngine,
                                 LoopConnections] | None = None
        if self.is_sqlite:
            path = make_url(url).database
            if path and path != ":memory:" and not path.startswith("file:"):
                # Before SQLite makes it (and its -wal and -shm) with the umask's mode.
                create_private(Path(path))
            self.engine = create_engine(url, poolclass=NullPool if ":memory:" in url else None,
                                        connect_args={"check_same_thread": False,
                                                      "timeout": busy_timeout})
            sqlite.configure(self.engine, busy_timeout, checkpoint_on_commit=not serving)
            path = self.engine.url.database
            self._writer = sqlite.WriterLock(f"{path}.writer-lock") \
                if path and path != ":memory:" and not path.startswith("file:") else None
            self._kept = sqlite.KeptConnections(self.engine) if self._writer else None
            # Group commit for `call`'s use cases (storage/batches.py): a file database,
            # whose writers other processes may be (an in-memory one has one connection).
            self._batches = WriteBatches(self._write_batch) if self._kept else None
        else:
            self._batches = None
            self._writer = None
            self._kept = None
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
            _ping_when_idle(self.engine)

    async def call(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run a blocking use case from the event loop, as cheaply as the database allows.

        SQLite: inline. A verification is local work of a few hundred microseconds under
        the writer lock; a thread would cost more CPU than that (the hop, the GIL
        handover) and would not run sooner, since writers take turns anyway.

        PostgreSQL: each statement waits for the network and the commit for its WAL
        flush, and the event loop must not wait with them. In a thread pool, each of
        those waits costs a GIL handover, and under load the threads queue for the GIL
        behind one another (p99 of 50-120 ms at 1 300 verifications/s). So `fn` runs in
        a greenlet on the loop's own thread instead, and its statements go through an
        asyncio psycopg connection: at each round trip the greenlet yields to the loop.
        Only for calls that spend no long stretch of CPU (not argon2id): that would
        stop the loop. The engine is chosen here, for `fn` alone (_CALL_ENGINE): any
        statement made elsewhere, in another greenlet too, uses the blocking engine.
        Its read_then_write goes on the loop's bare connections (storage/loop_pg.py).
        """
        if self.is_sqlite:
            if self._batches is None:
                return fn(*args, **kwargs)
            return await self._batches.run(fn, args, kwargs)
        return await greenlet_spawn(self._on_engine, *self._loop_engine_now(), fn, args,
                                    kwargs)

    def _on_engine(self, engine: Engine, lent: LoopConnections, fn: Callable[..., T], args,
                   kwargs) -> T:
        """Run `fn` with every statement it makes on this database going to `engine`, and
        its read_then_write to `lent`'s connections."""
        chosen = _CALL_ENGINE.set((self, engine, lent))
        try:
            return fn(*args, **kwargs)
        finally:
            _CALL_ENGINE.reset(chosen)

    def _loop_engine_now(self) -> tuple[Engine, LoopConnections]:
        """The running loop's asyncio engine, by its blocking face, and its bare
        connections (made on first use)."""
        loop = asyncio.get_running_loop()
        if self._loop_engine is None or self._loop_engine[0] is not loop:
            engine = create_async_engine(self.url, pool_size=self._loop_pool_size,
                                         max_overflow=0)
            _ping_when_idle(engine.sync_engine)
            self._loop_engine = (loop, engine, LoopConnections(
                engine.sync_engine, self._loop_pool_size, IDLE_PING_SECONDS))
        return self._loop_engine[1].sync_engine, self._loop_engine[2]

    def _connect(self) -> Connection:
        """A connection of the engine `call` chose for this use case, else the blocking one."""
        chosen = _CALL_ENGINE.get()
        engine = chosen[1] if chosen is not None and chosen[0] is self else self.engine
        return engine.connect()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write; on SQLite it holds the write lock from BEGIN.

        A deferred SQLite transaction that reads, then writes, fails with "database is
        locked" when another writer committed in between; BEGIN IMMEDIATE waits instead.
        """
        with unavailable_as_domain_error(), \
                self._writer.held() if self._writer else nullcontext(), \
                self._connect().execution_options(onetime_immediate=True) as conn, \
                conn.begin():
            yield conn

    def read_then_write(self) -> AbstractContextManager[ReadThenWrite]:
        """A read, then writes whose WHERE clauses check again what the read saw.

        Only for conditional writes, like the token repository's: between the read and
        the writes another process may have changed the row.

        SQLite: the read is a transaction of its own (in WAL mode it waits for nobody),
        and `write()` ends it and takes the writer lock (BEGIN IMMEDIATE) on the same
        connection: other writers then wait only for the writes, not for what the caller
        computes from the read (decrypting, matching). `write_one()` is `write()`.

        PostgreSQL: every statement is a network round trip, and BEGIN and COMMIT are two
        more. So the read runs in autocommit, `write_one()` is that same autocommit
        connection, for a write the repository makes one statement (a statement is a
        transaction of its own), and `write()` turns the connection into a transaction
        for several.

        SQLite inside `call`: the writes join the event-loop turn's batch (_Batched).
        """
        if self._batches is not None and (member := MEMBER.get()) is not None:
            return _Batched(self, member)
        chosen = _CALL_ENGINE.get()
        return self._read_then_write(chosen[2] if chosen and chosen[0] is self else None)

    @contextmanager
    def _read_then_write(self, lent: LoopConnections | None) -> Iterator[ReadThenWrite]:
        with unavailable_as_domain_error(), \
                (self._sqlite_read_then_write() if self.is_sqlite
                 else self._pg_read_then_write() if lent is None
                 else self._pg_direct_read_then_write(lent)) as tx:
            yield tx

    @contextmanager
    def _pg_read_then_write(self) -> Iterator[ReadThenWrite]:
        with self._connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            writing = False

            def write() -> Connection:
                nonlocal writing
                if not writing:
                    conn.commit()  # ends SQLAlchemy's autobegun (empty) transaction
                    conn.execution_options(isolation_level=PG_ISOLATION)
                    conn.begin()
                    writing = True
                return conn

            def write_one() -> Connection:
                if writing:
                    raise RuntimeError("write_one() after write(): use the transaction")
                return conn

            yield ReadThenWrite(conn, write, write_one)
            conn.commit()

    @contextmanager
    def _pg_direct_read_then_write(self, lent: LoopConnections) -> Iterator[ReadThenWrite]:
        """As _pg_read_then_write, inside `call`: the read and `write_one()` on a bare
        connection of the loop (autocommit, a statement its own transaction); `write()`
        a transaction of the loop's engine, for several statements and SQLAlchemy's."""
        direct = await_(lent.acquire())
        try:
            with ExitStack() as several:
                held: list[Connection] = []

                def write() -> Connection:
                    if not held:
                        conn = several.enter_context(self._connect())
                        several.enter_context(conn.begin())
                        held.append(conn)
                    return held[0]

                def write_one() -> DirectConnection:
                    if held:
                        raise RuntimeError("write_one() after write(): use the transaction")
                    return direct

                yield ReadThenWrite(direct, write, write_one)
        finally:
            lent.release(direct)

    @contextmanager
    def _sqlite_read_then_write(self) -> Iterator[ReadThenWrite]:
        # The lock is released last: after the connection's transaction has ended.
        with ExitStack() as lock, \
                self._kept.connection() if self._kept else self._connect() as conn:
            # No BEGIN for the read: the token read runs on the driver's cursor, outside
            # SQLAlchemy's transaction, and a single SELECT is a read transaction of its
            # own; BEGIN and COMMIT around it cost two SQLAlchemy round trips per
            # verification (issue 15's profile). A read through SQLAlchemy autobegins.
            writing = False
            driver = conn.connection.driver_connection

            def write() -> Connection:
                nonlocal writing
                if not writing:
                    if conn.in_transaction():
                        conn.commit()
                    if self._writer:
                        lock.enter_context(self._writer.held())
                    # BEGIN IMMEDIATE and COMMIT on the driver, as the hot statements run:
                    # SQLAlchemy's begin and commit cost a tenth of a verification. A
                    # statement through SQLAlchemy joins this transaction (_on_begin).
                    driver.execute("BEGIN IMMEDIATE")
                    writing = True
                return conn

            yield ReadThenWrite(conn, write, write)
            self._sqlite_commit(conn)

    def _sqlite_commit(self, conn: Connection) -> None:
        if conn.in_transaction():
            conn.commit()  # SQLAlchemy joined the transaction: its COMMIT ends it
        elif conn.connection.driver_connection.in_transaction:
            conn.connection.driver_connection.commit()

    def _write_batch(self, run_writes: Callable[[Connection], None]) -> bool:
        """One batch's transaction: the writer lock, BEGIN IMMEDIATE, every member's
        writes (`run_writes`), COMMIT; on any error, everything rolled back and raised.
        False, having done nothing, if another writer holds the lock: waiting for it here
        would stop the event loop (storage/batches.py tries again shortly)."""
        with self._writer.held(wait=False) as held:
            if not held:
                return False
            conn = self._kept.current()
            driver = conn.connection.driver_connection
            if conn.in_transaction():
                conn.commit()
            driver.execute("BEGIN IMMEDIATE")
            try:
                run_writes(conn)
                self._sqlite_commit(conn)
            except BaseException:
                sqlite.end_kept(conn)
                raise
        return True

    def checkpoint(self) -> None:
        """SQLite: copy what the WAL holds into the database file, as far as readers allow,
        without waiting for anyone (PASSIVE). Nothing to do on PostgreSQL."""
        if not self.is_sqlite:
            return
        with unavailable_as_domain_error(), self.engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Whether this caller is the only one, among all processes, holding `name`.

        Never waits: for background jobs of which one runner at a time is enough (the
        audit sealer), so that the others skip their turn instead of doing the same work
        and throwing it away. PostgreSQL: a session advisory lock; SQLite: a flock() on a
        file beside the database. Raises ServiceUnavailable when the database cannot serve.
        """
        if not self.is_sqlite:
            key = zlib.crc32(f"onetime:{name}".encode())
            with unavailable_as_domain_error(), self._connect() as conn:
                held = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                         {"k": key}).scalar())
                conn.commit()
                try:
                    yield held
                finally:
                    if held:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                        conn.commit()
            return
        path = self.engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            yield True  # no other process can open this database
            return
        fd = os.open(f"{path}.{name}-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing the file releases the lock

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with unavailable_as_domain_error(), self._connect() as conn, conn.begin():
            yield conn

    def ping(self) -> bool:
        """Whether the database answers a query now (for /readyz); never raises."""
        try:
            with self._connect() as conn:
                conn.execute(text("SELECT 1"))
        except exc.SQLAlchemyError:
            return False
        return True

    def pool_use(self) -> PoolUse:
        """This process's connections to the database now, for the metrics; no I/O."""
        pools = [self.engine.pool]
        size = in_use = 0
        if self._loop_engine is not None:
            pools.append(self._loop_engine[1].sync_engine.pool)
            size, in_use = self._loop_engine[2].size, self._loop_engine[2].in_use
        # NullPool (SQLite in memory) keeps no connections and counts none.
        size += sum(getattr(p, "size", lambda: 0)() for p in pools)
        in_use += sum(getattr(p, "checkedout", lambda: 0)() for p in pools)
        return PoolUse(size=size, in_use=in_use)

    def dispose(self) -> None:
        if self._kept:
            self._kept.close()
        self.engine.dispose()

    async def dispose_loop_connections(self) -> None:
        """Close the asyncio connections `call` opened; from the loop they belong to."""
        if self._loop_engine is not None and \
                self._loop_engine[0] is asyncio.get_running_loop():
            await self._loop_engine[2].close()
            await self._loop_engine[1].dispose()
        self._loop_engine = None


class _Batched:
    """read_then_write inside `call` on SQLite: the writes join this turn's batch.

    The read is as in _sqlite_read_then_write, on the thread's kept connection. The
    first write waits (parks) for the batch, which holds the writer lock and the
    transaction (Database._write_batch); this use case's writes are a savepoint in it,
    undone alone if they fail. The block ends when the batch has committed. A class, not
    a generator: this runs in every verification, between greenlet switches.
    """

    __slots__ = ("_conn", "_db", "_member", "_writing")

    def __init__(self, db: Database, member) -> None:
        self._db, self._member, self._writing = db, member, False

    def __enter__(self) -> ReadThenWrite:
        with unavailable_as_domain_error():
            self._conn = self._db._kept.current()
        return ReadThenWrite(self._conn, self.write, self.write)

    def write(self) -> Connection:
        if not self._writing:
            conn = self._conn
            if conn.in_transaction():
                conn.commit()  # a read through SQLAlchemy autobegan: end it first
            self._member.park()  # returns inside the batch's transaction
            self._writing = True  # from here on, the transaction is the batch's to end
            conn.connection.driver_connection.execute("SAVEPOINT onetime_member")
        return self._conn

    def __exit__(self, _type, error, _traceback) -> None:
        with unavailable_as_domain_error():
            conn = self._conn
            if error is not None:
                if self._writing:
                    driver = conn.connection.driver_connection
                    driver.execute("ROLLBACK TO onetime_member")
                    driver.execute("RELEASE onetime_member")
                    self._member.undone = True
                elif conn.in_transaction():
                    conn.rollback()
                raise error  # as an unavailable database's error, if it is one
            if self._writing:
                conn.connection.driver_connection.execute("RELEASE onetime_member")
                self._member.park()  # until the batch committed; raises what COMMIT raised
            elif conn.in_transaction():
                conn.commit()


@dataclass(frozen=True)
class PoolUse:
    """Connections of a process's pools: their configured size, and how many are lent out."""

    size: int
    in_use: int


@dataclass(frozen=True)
class ReadThenWrite:
    """`conn` reads; `write()` and `write_one()` return the connection to write on.

    `write_one()` is for a write that the repository makes a single statement on
    PostgreSQL (see read_then_write); after `write()`, use only `write()`.
    """

    conn: Connection
    write: Callable[[], Connection]
    write_one: Callable[[], Connection]


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, but only for connections that sat idle in the pool.

    Pinging on every checkout costs each verification a round trip. A connection used a
    moment ago is alive; one that waited (across a database restart, say) is checked,
    and if dead the pool replaces it before anyone uses it.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > IDLE_PING_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:
                # Tells the pool to discard this connection and check out another.
                raise exc.DisconnectionError("idle connection is dead") from error
