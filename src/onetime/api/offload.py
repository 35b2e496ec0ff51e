"""Running a blocking use case from an async route, as cheaply as the database allows.

On SQLite a verification is local work of a few hundred microseconds under the writer
lock: moving it to a thread costs more CPU than doing it (the hop, the GIL handover,
the other core's cold cache), and it would not run any sooner, since writers take
turns anyway. On PostgreSQL a transaction waits for the network and for its commit's
WAL flush; the event loop must not wait with it, so it runs in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from onetime.storage.database import Database

T = TypeVar("T")


async def call(db: Database, fn: Callable[..., T], /, *args, **kwargs) -> T:
    if db.is_sqlite:
        return fn(*args, **kwargs)
    return await run_in_threadpool(partial(fn, *args, **kwargs))
