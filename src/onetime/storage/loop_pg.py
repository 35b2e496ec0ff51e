"""PostgreSQL connections of one event loop for the verification's own statements.

A verification through SQLAlchemy's asyncio engine spent more CPU on the engine than on
its two round trips: the pool's checkout and check-in with their events and reset, the
isolation level set and set back, an adapted cursor per statement, nine waits on the
driver where two carry data (issue 15: 800–1 100 µs of a worker's CPU per verification
in process, against 320–380 µs for the same two statements on a bare psycopg connection,
and 1 140 µs under load). These connections are the bare ones: psycopg's asyncio
connections, in autocommit, made with the engine's own connect arguments (its type
adapters, so values go and come back as through SQLAlchemy), lent to one use case at a
time and given back as they were left. Only the statements prebuilt for the hot path run
on them (storage/driver.py DirectConnection); a transaction of several statements still
goes through the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine

from onetime.storage.driver import DirectConnection


class LoopConnections:
    """At most `size` connections, made when first needed; waiters served in order.

    One that sat idle longer than `ping_after` seconds is pinged before it is lent (as
    database._ping_when_idle does for the engine's pool): a dead one is replaced, so a
    database restart costs no answer. One given back broken, or inside a transaction
    (its use case failed half-way), is closed, not lent again.
    """

    def __init__(self, engine: Engine, size: int, ping_after: float) -> None:
        self._args = engine.dialect.create_connect_args(engine.url)
        self._size, self._ping_after = size, ping_after
        self._idle: deque[tuple[psycopg.AsyncConnection, float]] = deque()
        self._waiting: deque[asyncio.Future] = deque()
        self._count = 0

    @property
    def in_use(self) -> int:
        return self._count - len(self._idle)

    @property
    def size(self) -> int:
        return self._size

    async def acquire(self) -> DirectConnection:
        while True:
            if self._idle:
                raw, since = self._idle.pop()  # the most recently used: likely warm
                if time.monotonic() - since <= self._ping_after or await _alive(raw):
                    return DirectConnection(raw)
                await _close(raw)
                self._count -= 1
            elif self._count < self._size:
                self._count += 1
                try:
                    cargs, cparams = self._args
                    raw = await psycopg.AsyncConnection.connect(*cargs, **cparams,
                                                                autocommit=True)
                except BaseException:
                    self._count -= 1
                    self._wake()
                    raise
                return DirectConnection(raw)
            else:
                waiter = asyncio.get_running_loop().create_future()
                self._waiting.append(waiter)
                try:
                    await waiter
                except BaseException:
                    if not waiter.cancelled() and waiter.done():
                        self._wake()  # woken and cancelled at once: pass the turn on
                    raise

    def release(self, conn: DirectConnection) -> None:
        raw = conn.raw
        if raw.broken or raw.closed or raw.info.transaction_status != TransactionStatus.IDLE:
            self._count -= 1
            asyncio.get_running_loop().create_task(_close(raw))
        else:
            self._idle.append((raw, time.monotonic()))
        self._wake()

    def _wake(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        idle, self._idle = self._idle, deque()
        self._count -= len(idle)
        for raw, _ in idle:
            await _close(raw)


async def _alive(raw: psycopg.AsyncConnection) -> bool:
    try:
        await raw.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


async def _close(raw: psycopg.AsyncConnection) -> None:
    with contextlib.suppress(psycopg.Error):  # the server may have dropped it already
        await raw.close()
