"""The audit repository: entries are written unsealed, a sealer chains them later.

Writing an entry never touches another row, so verifications on many processes do
not queue behind a single "last hash". The sealer (one at a time: a PostgreSQL
advisory lock, or SQLite's write lock) gives committed entries consecutive
`seal_seq` numbers and a MAC chained over the previous one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from onetime.storage.schema import audit_log

# Arbitrary constant naming the sealer's PostgreSQL advisory lock.
SEALER_LOCK_ID = 0x0E71_4E5E


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    institution_id: int | None
    event: str
    user_id: str | None
    actor: str | None
    operation: str | None
    result: str | None
    source_ip: str | None
    detail: dict | None
    seal_seq: int | None = None
    seal_hash: bytes | None = None

    def canonical(self) -> bytes:
        """The bytes the chain MAC covers: every column but the seal itself."""
        return json.dumps(
            [self.id, self.at.isoformat(), self.institution_id, self.event, self.user_id,
             self.actor, self.operation, self.result, self.source_ip, self.detail],
            ensure_ascii=False, sort_keys=True, separators=(",", ":"),
        ).encode()


def _entry(row) -> AuditEntry:
    m = row._mapping
    return AuditEntry(id=m["id"], at=m["at"], institution_id=m["institution_id"],
                      event=m["event"], user_id=m["user_id"], actor=m["actor"],
                      operation=m["operation"], result=m["result"], source_ip=m["source_ip"],
                      detail=json.loads(m["detail"]) if m["detail"] else None,
                      seal_seq=m["seal_seq"], seal_hash=m["seal_hash"])


# Built once (every verification appends): SQLAlchemy then finds the compiled INSERT in its
# cache without rebuilding the statement. Inline: no RETURNING of the new id, nobody reads it.
_APPEND = insert(audit_log).inline()
# One statement for a whole batch of seals: per-entry statements cost the sealer (and, on
# SQLite, everyone waiting for the write lock it holds) more than the MACs do.
_SEAL = (update(audit_log)
         .where(audit_log.c.id == bindparam("entry_id"), audit_log.c.seal_seq.is_(None))
         .values(seal_seq=bindparam("seq"), seal_hash=bindparam("mac")))


class AuditRepository:
    def append(self, conn: Connection, *, at: datetime, institution_id: int | None, event: str,
               user_id: str | None = None, actor: str | None = None,
               operation: str | None = None, result: str | None = None,
               source_ip: str | None = None, detail: dict | None = None) -> None:
        conn.execute(_APPEND, {
            "at": at, "institution_id": institution_id, "event": event, "user_id": user_id,
            "actor": actor, "operation": operation, "result": result, "source_ip": source_ip,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        })

    def page(self, conn: Connection, institution_id: int, *, after_id: int, limit: int,
             user_id: str | None = None, event: str | None = None,
             since: datetime | None = None, until: datetime | None = None) -> list[AuditEntry]:
        query = select(audit_log).where(audit_log.c.institution_id == institution_id,
                                        audit_log.c.id > after_id)
        if user_id is not None:
            query = query.where(audit_log.c.user_id == user_id)
        if event is not None:
            query = query.where(audit_log.c.event == event)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        return [_entry(r) for r in conn.execute(query.order_by(audit_log.c.id).limit(limit))]

    def try_lock_sealer(self, conn: Connection) -> bool:
        """Elect this transaction as the only sealer (PostgreSQL); SQLite's write lock suffices."""
        if conn.dialect.name != "postgresql":
            return True
        return bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                 {"k": SEALER_LOCK_ID}).scalar())

    def chain_head(self, conn: Connection) -> tuple[int, bytes | None]:
        row = conn.execute(
            select(audit_log.c.seal_seq, audit_log.c.seal_hash)
            .where(audit_log.c.seal_seq.is_not(None))
            .order_by(audit_log.c.seal_seq.desc()).limit(1)
        ).first()
        return (0, None) if row is None else (row[0], row[1])

    def unsealed(self, conn: Connection, limit: int) -> list[AuditEntry]:
        return [_entry(r) for r in conn.execute(
            select(audit_log).where(audit_log.c.seal_seq.is_(None))
            .order_by(audit_log.c.id).limit(limit))]

    def seal(self, conn: Connection, entry_id: int, seq: int, mac: bytes) -> None:
        self.seal_many(conn, [(entry_id, seq, mac)])

    def seal_many(self, conn: Connection, seals: list[tuple[int, int, bytes]]) -> None:
        """Set (entry id, seal_seq, seal_hash) of many entries in one executemany."""
        if seals:
            conn.execute(_SEAL, [{"entry_id": entry_id, "seq": seq, "mac": mac}
                                 for entry_id, seq, mac in seals])

    def count_unsealed(self, conn: Connection) -> int:
        return conn.execute(select(func.count()).select_from(audit_log)
                            .where(audit_log.c.seal_seq.is_(None))).scalar_one()

    def sealed_in_order(self, conn: Connection, batch: int = 5000) -> Iterator[AuditEntry]:
        last = 0
        while True:
            rows = conn.execute(
                select(audit_log).where(audit_log.c.seal_seq > last)
                .order_by(audit_log.c.seal_seq).limit(batch)).all()
            if not rows:
                return
            for row in rows:
                entry = _entry(row)
                yield entry
            last = entry.seal_seq


