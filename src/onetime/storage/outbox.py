"""The mail outbox: mails queued in the transaction that caused them, claimed and marked
by the dispatcher, deleted after their retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from onetime.storage.schema import outbox


@dataclass(frozen=True)
class QueuedMail:
    id: int
    attempts: int
    sender: str
    recipient: str
    subject: str
    body: str


class OutboxRepository:
    def queue(self, conn: Connection, *, institution_id: int | None, sender: str,
              recipient: str, subject: str, body: str, now: datetime) -> None:
        conn.execute(insert(outbox).values(
            institution_id=institution_id, sender=sender, recipient=recipient,
            subject=subject, body=body, created_at=now, attempts=0))

    def pending(self, conn: Connection, max_attempts: int, limit: int) -> list[QueuedMail]:
        """Unsent mails with fewer than `max_attempts` attempts, oldest first."""
        rows = conn.execute(
            select(outbox.c.id, outbox.c.attempts, outbox.c.sender, outbox.c.recipient,
                   outbox.c.subject, outbox.c.body)
            .where(outbox.c.sent_at.is_(None), outbox.c.attempts < max_attempts)
            .order_by(outbox.c.id).limit(limit)).all()
        return [QueuedMail(*row) for row in rows]

    def claim(self, conn: Connection, mail: QueuedMail) -> bool:
        """Count an attempt, unless another process claimed or sent `mail` since it was read.

        So two processes never send the same mail twice.
        """
        return bool(conn.execute(update(outbox).where(
            outbox.c.id == mail.id, outbox.c.sent_at.is_(None),
            outbox.c.attempts == mail.attempts).values(attempts=mail.attempts + 1)).rowcount)

    def record_error(self, conn: Connection, mail_id: int, error: str) -> None:
        conn.execute(update(outbox).where(outbox.c.id == mail_id)
                     .values(last_error=error[:500]))

    def mark_sent(self, conn: Connection, mail_id: int, now: datetime) -> None:
        conn.execute(update(outbox).where(outbox.c.id == mail_id)
                     .values(sent_at=now, last_error=None))

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
