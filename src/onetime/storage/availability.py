"""Which database errors mean "unavailable for now", so that callers answer "try again".

A lock held longer than the busy timeout, a refused connection, a connection ended by a
failover or an administrator: the statement failed and its transaction was rolled back,
so nothing was written (but a COMMIT that failed may or may not have happened; callers
must not repeat the work themselves). A bug (a missing table, bad SQL, a constraint) is
none of these and stays an internal error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import exc

from onetime.domain.errors import ServiceUnavailable

# SQLAlchemy wraps DBAPI errors raised through a Connection (and refused connects); the
# verification hot path runs statements on the driver's cursor (storage/driver.py), whose
# errors arrive unwrapped.
UNAVAILABLE_TYPES: tuple[type[Exception], ...] = (
    exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError,
    sqlite3.OperationalError, psycopg.OperationalError,
)
# SQLite's primary result codes of an unavailable database: BUSY, LOCKED, IOERR, FULL,
# CANTOPEN, PROTOCOL. SQLITE_ERROR (no such table, a syntax error) is a bug.
_SQLITE_UNAVAILABLE = {5, 6, 10, 13, 14, 15}


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot serve now (rather than that we erred)."""
    if not isinstance(error, UNAVAILABLE_TYPES):
        return False
    orig = error.orig if isinstance(error, exc.DBAPIError) else error
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None) or 0
        return isinstance(orig, sqlite3.OperationalError) and code & 0xFF in _SQLITE_UNAVAILABLE
    return True


@contextmanager
def unavailable_as_domain_error() -> Iterator[None]:
    """Raise ServiceUnavailable for an unavailable database, so that no layer above
    storage needs to know the drivers' exceptions; anything else passes unchanged."""
    try:
        yield
    except UNAVAILABLE_TYPES as error:
        if not is_unavailable(error):
            raise
        raise ServiceUnavailable from error
