"""The banks (institutions) a site serves: the `banks` table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from onetime.banking.storage.schema import banks
from onetime.storage.conflicts import duplicate_key_as_conflict


class BankRepository:
    def by_service_id(self, conn: Connection, service_id: str):
        """The row (id, service_id, name, mail_sender, settings) or None."""
        return conn.execute(select(banks).where(banks.c.service_id == service_id)).first()

    def add(self, conn: Connection, *, service_id: str, name: str, mail_sender: str,
            settings: str | None, now: datetime, bank_id: int | None = None) -> int:
        """Raises DuplicateKey if the service ID (or `bank_id`) is taken."""
        values = {"service_id": service_id, "name": name, "mail_sender": mail_sender,
                  "settings": settings, "created_at": now}
        if bank_id is not None:
            values["id"] = bank_id
        with duplicate_key_as_conflict():
            return conn.execute(insert(banks).values(values).returning(banks.c.id)
                                ).scalar_one()

    def update(self, conn: Connection, service_id: str, *, name: str, mail_sender: str,
               settings: str | None) -> None:
        conn.execute(banks.update().where(banks.c.service_id == service_id)
                     .values(name=name, mail_sender=mail_sender, settings=settings))
