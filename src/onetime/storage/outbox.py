"""The mail outbox: delivered and given-up mails are deleted after their retention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete

from onetime.storage.schema import outbox


class OutboxRepository:
    def prune_sent(self, conn: Connection, sent_before: datetime) -> int:
        """Delete mails delivered before `sent_before`; returns how many."""
        return conn.execute(delete(outbox).where(outbox.c.sent_at.is_not(None),
                                                 outbox.c.sent_at < sent_before)).rowcount

    def prune_failed(self, conn: Connection, created_before: datetime,
                     max_attempts: int) -> int:
        """Delete undelivered mails queued before `created_before` that are no longer tried.

        A mail still being retried (fewer than `max_attempts`) stays, however old.
        """
        return conn.execute(delete(outbox).where(
            outbox.c.sent_at.is_(None), outbox.c.attempts >= max_attempts,
            outbox.c.created_at < created_before)).rowcount
