"""The institution repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from onetime.domain.institutions import Institution
from onetime.domain.settings import InstitutionSettings
from onetime.storage.conflicts import duplicate_key_as_conflict
from onetime.storage.schema import institutions


def _row(row) -> Institution:
    m = row._mapping
    return Institution(id=m["id"], service_id=m["service_id"], name=m["name"],
                       mail_sender=m["mail_sender"], api_key_hash=m["api_key_hash"],
                       settings=InstitutionSettings.from_json(m["settings"]),
                       updated_at=m["updated_at"])


class InstitutionRepository:
    def add(self, conn: Connection, service_id: str, name: str, mail_sender: str,
            api_key_hash: bytes, settings: InstitutionSettings, now: datetime) -> int:
        """Raises DuplicateKey when the service ID exists."""
        with duplicate_key_as_conflict():
            return self._add(conn, service_id, name, mail_sender, api_key_hash, settings, now)

    def _add(self, conn: Connection, service_id: str, name: str, mail_sender: str,
             api_key_hash: bytes, settings: InstitutionSettings, now: datetime) -> int:
        return conn.execute(
            insert(institutions).values(
                service_id=service_id, name=name, mail_sender=mail_sender,
                api_key_hash=api_key_hash, settings=settings.to_json(),
                created_at=now, updated_at=now,
            ).returning(institutions.c.id)
        ).scalar_one()

    def by_service_id(self, conn: Connection, service_id: str) -> Institution | None:
        row = conn.execute(
            select(institutions).where(institutions.c.service_id == service_id)
        ).first()
        return _row(row) if row else None

    def by_id(self, conn: Connection, institution_id: int) -> Institution | None:
        row = conn.execute(select(institutions).where(institutions.c.id == institution_id)).first()
        return _row(row) if row else None

    def all(self, conn: Connection) -> list[Institution]:
        return [_row(r) for r in conn.execute(select(institutions).order_by(institutions.c.id))]

    def update(self, conn: Connection, institution_id: int, now: datetime, **values) -> None:
        if "settings" in values:
            values["settings"] = values["settings"].to_json()
        conn.execute(update(institutions).where(institutions.c.id == institution_id)
                     .values(updated_at=now, **values))
