"""A unique key that a concurrent writer took first: the one database error services handle.

Two first issuances for one user, an import racing an issuance, two institutions with one
service ID: the database's unique constraints arbitrate, and the loser's statement fails.
Repositories raise DuplicateKey for exactly that (not for a foreign key or a NOT NULL
broken, which are bugs), so that services handle it without knowing the drivers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

# SQLite's extended result codes SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
SQLITE_DUPLICATE = {2067, 1555}
_PG_UNIQUE_VIOLATION = "23505"


class DuplicateKey(Exception):
    """A row with this unique key exists (committed by a concurrent writer). The
    transaction is rolled back; the caller may run it again."""


def is_duplicate_key(error: IntegrityError) -> bool:
    orig = error.orig
    if isinstance(orig, sqlite3.IntegrityError):
        return getattr(orig, "sqlite_errorcode", None) in SQLITE_DUPLICATE
    return getattr(orig, "sqlstate", None) == _PG_UNIQUE_VIOLATION


@contextmanager
def duplicate_key_as_conflict() -> Iterator[None]:
    """Raise DuplicateKey for a unique violation; any other error passes unchanged."""
    try:
        yield
    except IntegrityError as error:
        if not is_duplicate_key(error):
            raise
        raise DuplicateKey("a concurrent writer took this unique key first") from error
