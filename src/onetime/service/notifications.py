"""Mails are queued in the outbox inside the transaction that caused them.

So an issuance and its e-mail commit together or not at all; the dispatcher
(service/outbox.py) delivers them after commit and retries on failure.
"""

from __future__ import annotations

from datetime import datetime

from onetime.domain.institutions import Institution
from onetime.mail import render
from onetime.storage.database import Connection
from onetime.storage.outbox import OutboxRepository


def queue_mail(outbox: OutboxRepository, conn: Connection, institution: Institution,
               recipient: str | None, kind: str, now: datetime, **context) -> None:
    """Queue the mail `kind` (mail/templates) on `conn`; nothing without a recipient."""
    if not recipient:
        return
    subject, body = render(kind, "ja", institution_name=institution.name,
                           support_name=institution.settings.support_name, **context)
    outbox.queue(conn, institution_id=institution.id, sender=institution.mail_sender,
                 recipient=recipient, subject=subject, body=body, now=now)
