"""Counting attempts per key against a ThrottlePolicy (domain/throttle.py), in the database."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from onetime.banking.domain.throttle import ThrottlePolicy
from onetime.banking.service.context import Context
from onetime.banking.storage.database import Connection


def throttle_key(scope: str, institution_id: int, key: str) -> str:
    """A fixed-size key; typed login IDs are hashed, not stored."""
    return hashlib.sha256(f"{scope}|{institution_id}|{key}".encode()).hexdigest()


class Throttle:
    """Reserve an attempt before the password is checked; clear or refund after a success.

    Reading "blocked?" and recording the failure after the check would let concurrent
    attempts all pass the read: the reservation is the check, one conditional write.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.throttle

    def reserve(self, conn: Connection,
                keys: Sequence[tuple[str, ThrottlePolicy]]) -> bool:
        """Count one attempt on every key, inside the caller's transaction; or, when any
        key is at its limit, count none and answer False."""
        now = self.ctx.clock.now()
        savepoint = conn.begin_nested()
        for key, policy in keys:
            if not self.repo.reserve(conn, key, now, policy.ended_by(now),
                                     policy.max_failures):
                savepoint.rollback()
                return False
        savepoint.commit()
        return True

    def clear(self, conn: Connection, key: str) -> None:
        """Forget the key's attempts (a success on the key it protects)."""
        self.repo.clear(conn, key)

    def refund(self, conn: Connection, key: str) -> None:
        """Give back one reserved attempt (a success on a shared key, like an address)."""
        self.repo.refund(conn, key)
