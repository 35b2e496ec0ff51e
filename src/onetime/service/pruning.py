"""Deleting what has outlived its use: expired setup sessions, old mails in the outbox.

Run by each server process's outbox thread (OutboxDispatcher) every PRUNE_EVERY on the
service's clock. Retention: a setup session until it expires (SESSION_LIFETIME, 5
minutes); a delivered mail for SENT_MAIL_RETENTION, so that "I never got the mail" can
be answered; a mail given up after MAX_ATTEMPTS for FAILED_MAIL_RETENTION, for the
operator to see why; a 取引確認 request for CONFIRMATION_RETENTION after its expiry, for
the site to read its outcome. The audit trail keeps the events themselves for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from onetime.service.context import Context

SENT_MAIL_RETENTION = timedelta(days=7)
FAILED_MAIL_RETENTION = timedelta(days=30)
CONFIRMATION_RETENTION = timedelta(days=30)
# Often enough that the tables stay small, rarely enough to cost nothing.
PRUNE_EVERY = timedelta(minutes=10)
# Mirrors outbox.MAX_ATTEMPTS (imported there from here, so the two cannot differ).
MAX_MAIL_ATTEMPTS = 10


@dataclass(frozen=True)
class Pruned:
    setup_sessions: int
    sent_mails: int
    failed_mails: int
    confirmations: int = 0


def prune_expired(ctx: Context) -> Pruned:
    """Delete expired setup sessions and mails past their retention, in one transaction."""
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        return Pruned(
            setup_sessions=ctx.setup_sessions.prune(conn, now),
            sent_mails=ctx.outbox.prune_sent(conn, now - SENT_MAIL_RETENTION),
            failed_mails=ctx.outbox.prune_failed(conn, now - FAILED_MAIL_RETENTION,
                                                 MAX_MAIL_ATTEMPTS),
            confirmations=ctx.confirmations.prune(conn, now - CONFIRMATION_RETENTION))


class PruneSchedule:
    """Prunes at most once per `every` of the context's clock."""

    def __init__(self, ctx: Context, every: timedelta = PRUNE_EVERY) -> None:
        self.ctx, self.every = ctx, every
        self._next_at: datetime | None = None

    def run_if_due(self) -> Pruned | None:
        """Prune if due (always the first time); None if not yet."""
        now = self.ctx.clock.now()
        if self._next_at is not None and now < self._next_at:
            return None
        self._next_at = now + self.every
        return prune_expired(self.ctx)
