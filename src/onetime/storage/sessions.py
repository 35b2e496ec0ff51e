"""Server-side web sessions and the failure counters of throttling."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from onetime.storage.site_schema import throttle, web_sessions


@dataclass(frozen=True)
class SessionRow:
    id: str
    kind: str
    institution_id: int
    principal_id: int
    csrf: str
    data: dict
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def _session(row) -> SessionRow:
    m = row._mapping
    return SessionRow(id=m["id"], kind=m["kind"], institution_id=m["institution_id"],
                      principal_id=m["principal_id"], csrf=m["csrf"],
                      data=json.loads(m["data"]), created_at=m["created_at"],
                      last_seen_at=m["last_seen_at"], expires_at=m["expires_at"])


class SessionRepository:
    def add(self, conn: Connection, row: SessionRow) -> None:
        conn.execute(insert(web_sessions).values(
            id=row.id, kind=row.kind, institution_id=row.institution_id,
            principal_id=row.principal_id, csrf=row.csrf,
            data=json.dumps(row.data, ensure_ascii=False), created_at=row.created_at,
            last_seen_at=row.last_seen_at, expires_at=row.expires_at))

    def get(self, conn: Connection, session_id: str) -> SessionRow | None:
        row = conn.execute(select(web_sessions).where(web_sessions.c.id == session_id)).first()
        return _session(row) if row else None

    def touch(self, conn: Connection, session_id: str, now: datetime,
              idle_since: datetime) -> bool:
        """Mark the session used at `now`, unless it went idle before `idle_since` or expired."""
        return bool(conn.execute(update(web_sessions).where(
            web_sessions.c.id == session_id, web_sessions.c.last_seen_at >= idle_since,
            web_sessions.c.expires_at > now,
        ).values(last_seen_at=now)).rowcount)

    def set_data(self, conn: Connection, session_id: str, data: dict) -> None:
        conn.execute(update(web_sessions).where(web_sessions.c.id == session_id)
                     .values(data=json.dumps(data, ensure_ascii=False)))

    def delete(self, conn: Connection, session_id: str) -> None:
        conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))

    def purge(self, conn: Connection, now: datetime, idle_since: datetime) -> int:
        return conn.execute(delete(web_sessions).where(
            (web_sessions.c.last_seen_at < idle_since) | (web_sessions.c.expires_at <= now)
        )).rowcount


class ThrottleRepository:
    def failures(self, conn: Connection, key: str) -> tuple[int, datetime] | None:
        row = conn.execute(select(throttle.c.failures, throttle.c.window_started_at)
                           .where(throttle.c.key == key)).first()
        return None if row is None else (row[0], row[1])

    def record_failure(self, conn: Connection, key: str, now: datetime,
                       window_start_before: datetime) -> None:
        """Count one failure in the database (none is lost to a concurrent one); a window
        that began before `window_start_before` has ended, so it restarts at 1."""
        expired = throttle.c.window_started_at < window_start_before
        updated = conn.execute(update(throttle).where(throttle.c.key == key).values(
            failures=case((expired, 1), else_=throttle.c.failures + 1),
            window_started_at=case((expired, now), else_=throttle.c.window_started_at),
        )).rowcount
        if updated:
            return
        try:
            with conn.begin_nested():
                conn.execute(insert(throttle).values(key=key, failures=1,
                                                     window_started_at=now))
        except IntegrityError:  # a concurrent first failure inserted it; count on top
            self.record_failure(conn, key, now, window_start_before)

    def clear(self, conn: Connection, key: str) -> None:
        conn.execute(delete(throttle).where(throttle.c.key == key))
