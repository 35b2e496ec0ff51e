"""Group commit on SQLite: the writes of one turn of the event loop in one transaction.

Every verification writes (the token's step or failure count, and its audit entry). On
SQLite each transaction costs a turn of the writer lock (storage/sqlite.py
WriterLock), a BEGIN IMMEDIATE and a COMMIT, and the COMMIT appends whole pages to the
WAL: the token's, and the audit log's and its indexes', which the sealing round then
copies into the database file again. The verifications whose requests arrived in one
turn of a worker's event loop share those: one lock turn, one transaction, and the
audit log's pages written once. Measured on the service's schema (raw sqlite3, the
accept's UPDATE and INSERT): 45 µs of CPU a verification one by one, 24 µs in batches
of 4 or more (issue 15).

How: `Database.call` runs the use case in a greenlet on the loop's own thread.
`read_then_write` reads as before; its first write parks the greenlet (`Member.park`)
and the call waits. At the end of the turn (`loop.call_soon`), the batch takes the lock
and begins, then switches into each parked use case in turn: its writes run as a
savepoint of their own, so one that fails is undone alone, and it parks again at the
end of its `with` block. Then COMMIT, and each call resumes its use case after the
block, with the COMMIT's error raised there if it failed, as it would be inline.
Nothing changes for the use case: its conditional UPDATEs check again what it read
(a use case earlier in the same batch may have changed the row, as another process
may have), and it answers only what was committed.

While another writer (the other worker, the sealer) holds the lock, the batch does not
wait for it, which would stop the loop: it tries again LOCK_RETRY_SECONDS later, and
the loop goes on reading requests and computing their codes meanwhile; the use cases
that reach their writes before then join the same batch.

Hand-written: greenlet is what SQLAlchemy's own asyncio bridge runs on, but neither it
nor SQLite's driver offers a group commit.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from typing import Any

import greenlet

# The batch member the current greenlet is, for read_then_write; None outside `call`.
MEMBER: contextvars.ContextVar[Member | None] = contextvars.ContextVar("onetime_batch_member",
                                                                      default=None)
_PARKED = object()
# How soon a batch tries the writer lock again when another writer holds it: a batch
# holds it for well under a millisecond, the sealer for a few.
LOCK_RETRY_SECONDS = 0.0002


class Member:
    """One use case of `call`, running in its own greenlet."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.greenlet = greenlet.greenlet(fn)
        self.done: asyncio.Future | None = None
        self.error: BaseException | None = None
        self.undone = False  # its failed writes were rolled back to its savepoint

    def park(self) -> None:
        """From inside the use case: wait for the batch (before the first write, and
        again after the last). Returns when resumed; raises what it is resumed with."""
        self.greenlet.parent.switch(_PARKED)


class WriteBatches:
    """A database's batches, one list a thread (an event loop); `write_batch` is the
    transaction, given the function that runs the members' writes on its connection."""

    def __init__(self, write_batch: Callable[[Callable[[Any], None]], bool]) -> None:
        self._write_batch = write_batch
        self._local = threading.local()

    def _waiting(self) -> list[Member]:
        waiting = getattr(self._local, "waiting", None)
        if waiting is None:
            waiting = self._local.waiting = []
        return waiting

    async def run(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        member = Member(fn)
        context = contextvars.copy_context()  # the caller's context variables, and MEMBER
        context.run(MEMBER.set, member)
        member.greenlet.gr_context = context
        value = member.greenlet.switch(*args, **kwargs)
        while value is _PARKED:  # before its first write: its writes wait for the batch
            loop = asyncio.get_running_loop()
            member.done, member.error = loop.create_future(), None
            waiting = self._waiting()
            if not waiting:
                loop.call_soon(self._flush)
            waiting.append(member)
            try:
                await member.done
            except asyncio.CancelledError:
                # The batch runs this member's writes whatever happens to the request;
                # the use case is then run to its end, for nobody (see _flush).
                if member.done.done() and not member.done.cancelled():
                    self._finish(member)  # its batch was over already
                raise
            value = self._resume(member)
        return value

    @staticmethod
    def _resume(member: Member) -> Any:
        """After its batch: on from where it parked, with the batch's error raised there."""
        if member.greenlet.dead:  # its own writes failed in the batch, and were undone
            raise member.error
        if member.error is not None:
            return member.greenlet.throw(member.error)
        return member.greenlet.switch()

    def _finish(self, member: Member) -> None:
        """A cancelled caller's use case, run to its end (it may not park again)."""
        try:
            while self._resume(member) is _PARKED:
                member.error = asyncio.CancelledError()
        except BaseException:  # noqa: S110 - nobody waits for this answer any more
            pass

    def _flush(self) -> None:
        batch: list[Member] = []

        def writes(conn) -> None:
            # Taken once the lock is held: whoever parked while it was busy comes along.
            batch.extend(self._waiting())
            self._local.waiting = []
            self._writes(batch, conn)

        try:
            if not self._write_batch(writes):
                asyncio.get_running_loop().call_later(LOCK_RETRY_SECONDS, self._flush)
                return
        except BaseException as error:  # every member's writes were rolled back
            if not batch:  # failed before the members were taken: none of them ran
                batch.extend(self._waiting())
                self._local.waiting = []
            for member in batch:
                member.error = member.error or error
        for member in batch:
            if member.done.cancelled():  # its caller was cancelled while it waited
                self._finish(member)
            else:
                member.done.set_result(None)

    @staticmethod
    def _writes(batch: list[Member], conn) -> None:
        for member in batch:
            try:
                # Runs its writes, up to where it parks again (at the end of its block).
                if member.greenlet.switch(conn) is not _PARKED:
                    raise RuntimeError("a batched use case ended without its commit")
            except BaseException as error:  # raised by its writes
                if not (member.greenlet.dead and member.undone):
                    raise  # and the batch with it: its transaction is in doubt
                member.error = error
