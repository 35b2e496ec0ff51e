"""SQLite's side of the database handle: how its connections are set up and kept, and
the file lock that queues its writers (storage/database.py uses these)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, event, exc


def configure(engine: Engine, busy_timeout: float, *, checkpoint_on_commit: bool = True) -> None:
    """WAL, NORMAL sync, foreign keys and the busy timeout on each new connection; BEGIN
    issued on the driver (IMMEDIATE for writers)."""
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a power cut may lose the last commits, never corrupt.
        cursor.execute("PRAGMA synchronous=NORMAL")
        if not checkpoint_on_commit:
            # SQLite's automatic checkpoint runs in the commit that passes 1 000 WAL pages:
            # milliseconds of copying and an fsync, inside some verification's answer
            # time. A server's workers leave it to the sealing round (Database.checkpoint).
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.connection.driver_connection.in_transaction:
            return  # read_then_write's write() began it on the driver: join it
        immediate = conn.get_execution_options().get("onetime_immediate", False)
        # On the driver's connection: SQLAlchemy's statement path would add ~40 µs to
        # every transaction (its errors are translated like the driver's, availability.py).
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


class KeptConnections:
    """One SQLite connection per thread, kept checked out for read_then_write.

    A pool checkout and check-in (events, the reset's ROLLBACK) cost about a tenth of a
    verification's CPU (issue 15's profile); a thread's kept connection is handed back
    as it was left: with no transaction open (committed, or rolled back on an error).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    def current(self) -> Connection:
        """This thread's kept connection (connected afresh if it was closed or lost)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._engine.connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        conn = self.current()
        try:
            yield conn
        finally:
            end_kept(conn)

    def close(self) -> None:
        with self._lock:
            kept, self._all = self._all, []
        for conn in kept:
            conn.close()
        self._local = threading.local()


def end_kept(conn: Connection) -> None:
    """A kept connection left by an error: end its transaction, as a check-in would (also
    a driver-level one)."""
    if conn.in_transaction() or (not conn.invalidated
                                 and conn.connection.driver_connection.in_transaction):
        try:
            conn.rollback()
            conn.connection.driver_connection.rollback()
        except (exc.SQLAlchemyError, sqlite3.Error):
            conn.invalidate()  # not reusable: the next use connects afresh


class WriterLock:
    """One SQLite writer at a time among the processes on this machine, queued by the kernel.

    SQLite's busy handler polls with sleeps of 1, 2, 5, 10 … 100 ms, so a writer that
    finds the lock taken waits far longer than the holder keeps it; flock() wakes the
    next writer the moment the lock is released. BEGIN IMMEDIATE still takes SQLite's own
    lock, and still waits (busy_timeout) for writers that do not use this file.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.RLock()  # the threads of one process share the file lock
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self, *, wait: bool = True) -> Iterator[bool]:
        """Holds the lock (True) for the block. With `wait=False`, when another thread or
        process holds it, the block gets False at once, holding nothing."""
        if not (self._lock.acquire(timeout=30) if wait else self._lock.acquire(blocking=False)):
            if wait:
                raise TimeoutError("no SQLite write lock within 30 s")
            yield False
            return
        try:
            if self._depth == 0:
                try:
                    fcntl.flock(self._file(), fcntl.LOCK_EX if wait
                                else fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
            self._depth += 1
            try:
                yield True
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _file(self) -> int:
        # A forked child must not share its parent's open file: flock() locks belong to it.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd
