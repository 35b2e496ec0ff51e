"""Mails are queued in the outbox inside the transaction that caused them.

So an issuance and its e-mail commit together or not at all; the dispatcher
(service/outbox.py) delivers them after commit and retries on failure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from onetime.domain.institutions import Institution
from onetime.mail import render
from onetime.storage.schema import outbox


def queue_mail(conn: Connection, institution: Institution, recipient: str | None, kind: str,
               now: datetime, **context) -> None:
    if not recipient:
        return
    subject, body = render(kind, "ja", institution_name=institution.name,
                           support_name=institution.settings.support_name, **context)
    conn.execute(insert(outbox).values(
        institution_id=institution.id, sender=institution.mail_sender, recipient=recipient,
        subject=subject, body=body, created_at=now, attempts=0,
    ))
