"""Counting failures per key against a ThrottlePolicy (domain/throttle.py)."""

from __future__ import annotations

import hashlib

from onetime.domain.throttle import ThrottlePolicy
from onetime.service.context import Context
from onetime.storage.sessions import ThrottleRepository


def throttle_key(scope: str, institution_id: int, key: str) -> str:
    """A fixed-size key; typed login IDs are hashed, not stored."""
    return hashlib.sha256(f"{scope}|{institution_id}|{key}".encode()).hexdigest()


class Throttle:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ThrottleRepository()

    def blocked(self, key: str, policy: ThrottlePolicy) -> bool:
        with self.ctx.db.read() as conn:
            counted = self.repo.failures(conn, key)
        if counted is None:
            return False
        failures, started_at = counted
        return policy.blocked(failures, started_at, self.ctx.clock.now())

    def fail(self, conn, key: str, policy: ThrottlePolicy) -> None:
        """Count a failure inside the caller's transaction."""
        now = self.ctx.clock.now()
        self.repo.record_failure(conn, key, now, now - policy.window)

    def clear(self, conn, key: str) -> None:
        self.repo.clear(conn, key)
