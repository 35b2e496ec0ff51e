"""The audit repository: entries are written unsealed, a sealer chains them later.

Writing an entry never touches another row, so verifications on many processes do
not queue behind a single "last hash". The sealer (one at a time: a PostgreSQL
advisory lock, or SQLite's write lock) gives committed entries consecutive
`seal_seq` numbers and a MAC chained over the previous one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select, text

from onetime.domain.audit import AuditEntry
from onetime.storage.driver import DriverStatement
from onetime.storage.schema import audit_log

# Arbitrary constant naming the sealer's PostgreSQL advisory lock.
SEALER_LOCK_ID = 0x0E71_4E5E


def _entry(row) -> AuditEntry:
    m = row._mapping
    return AuditEntry(id=m["id"], at=m["at"], institution_id=m["institution_id"],
                      event=m["event"], user_id=m["user_id"], actor=m["actor"],
                      operation=m["operation"], result=m["result"], source_ip=m["source_ip"],
                      detail=json.loads(m["detail"]) if m["detail"] else None,
                      seal_seq=m["seal_seq"], seal_hash=m["seal_hash"])


# The columns of an entry as written: everything but the id and the seal.
ENTRY_COLUMNS = ("at", "institution_id", "event", "user_id", "actor", "operation",
                 "result", "source_ip", "detail")
# Every verification appends one, so on the driver's cursor (see driver.py); no RETURNING
# of the new id, nobody reads it.
APPEND = DriverStatement(insert(audit_log).values(
    {name: bindparam(name) for name in ENTRY_COLUMNS}))
# One statement for a whole batch of seals: per-entry statements cost the sealer (and, on
# SQLite, everyone waiting for the write lock it holds) more than the MACs do. Both leave
# an entry that is already sealed as it is. PostgreSQL: three arrays, in binary (psycopg's
# %b), since as text each bytea element would be escaped by a regular expression.
_SEAL_POSTGRESQL = (
    "UPDATE audit_log SET seal_seq = s.seq, seal_hash = s.mac"
    " FROM unnest(%(ids)b::bigint[], %(seqs)b::bigint[], %(macs)b::bytea[]) AS s(id, seq, mac)"
    " WHERE audit_log.id = s.id AND audit_log.seal_seq IS NULL")
# SQLite has no arrays; the driver's own executemany binds each row in C, where
# SQLAlchemy's would process each row's parameters in Python.
_SEAL_SQLITE = ("UPDATE audit_log SET seal_seq = ?, seal_hash = ?"
                " WHERE id = ? AND seal_seq IS NULL")
# What the sealer reads: the columns `AuditEntry.canonical` covers, in its field order.
_UNSEALED = (select(audit_log.c.id, audit_log.c.at, audit_log.c.institution_id,
                    audit_log.c.event, audit_log.c.user_id, audit_log.c.actor,
                    audit_log.c.operation, audit_log.c.result, audit_log.c.source_ip,
                    audit_log.c.detail)
             .where(audit_log.c.seal_seq.is_(None)).order_by(audit_log.c.id)
             .limit(bindparam("limit")))


@functools.lru_cache(maxsize=1024)
def _shared_detail(raw: str) -> dict:
    """A detail parsed once per distinct text (most are alike, like {"drift": 0}).

    The dict is shared: only for computing bytes, never for handing out.
    """
    return json.loads(raw)


class AuditRepository:
    def append(self, conn: Connection, **fields) -> None:
        """Write one entry (the fields of `entry`) in the caller's transaction."""
        APPEND.execute(conn, self.entry(**fields))

    @staticmethod
    def entry(*, at: datetime, institution_id: int | None, event: str,
              user_id: str | None = None, actor: str | None = None,
              operation: str | None = None, result: str | None = None,
              source_ip: str | None = None, detail: dict | None = None) -> dict:
        """The row `append` writes, for a repository that writes it in its own statement."""
        return {
            "at": at, "institution_id": institution_id, "event": event, "user_id": user_id,
            "actor": actor, "operation": operation, "result": result, "source_ip": source_ip,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        }

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

    def unsealed_canonical(self, conn: Connection, limit: int) -> list[tuple[int, bytes]]:
        """The oldest unsealed entries as (id, `AuditEntry.canonical()`): what a sealer MACs.

        Cheaper than `unsealed` per entry, which matters since the sealer takes every entry
        the service writes: no seal columns, no mapping lookups, alike details parsed once.
        """
        out = []
        for row in conn.execute(_UNSEALED, {"limit": limit}).all():  # fetchall: not row by row
            entry = AuditEntry(*row[:9], detail=_shared_detail(row[9]) if row[9] else None)
            out.append((entry.id, entry.canonical()))
        return out

    def seal(self, conn: Connection, entry_id: int, seq: int, mac: bytes) -> None:
        self.seal_many(conn, [(entry_id, seq, mac)])

    def seal_many(self, conn: Connection, seals: list[tuple[int, int, bytes]]) -> None:
        """Set (entry id, seal_seq, seal_hash) of many entries; skips those already sealed."""
        if not seals:
            return
        if conn.dialect.name == "postgresql":
            ids, seqs, macs = zip(*seals, strict=True)
            conn.exec_driver_sql(_SEAL_POSTGRESQL, {"ids": list(ids), "seqs": list(seqs),
                                                    "macs": list(macs)})
        else:
            conn.exec_driver_sql(_SEAL_SQLITE, [(seq, mac, entry_id)
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


