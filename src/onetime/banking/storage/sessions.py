"""Server-side web sessions and the attempt counters of throttling."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, case, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from onetime.banking.domain.sessions import WebSession
from onetime.banking.storage.schema import throttle, web_sessions


def _session(row) -> WebSession:
    m = row._mapping
    return WebSession(id=m["id"], kind=m["kind"], institution_id=m["institution_id"],
                      principal_id=m["principal_id"], csrf=m["csrf"],
                      data=json.loads(m["data"]), created_at=m["created_at"],
                      last_seen_at=m["last_seen_at"], expires_at=m["expires_at"])


class SessionRepository:
    def add(self, conn: Connection, row: WebSession) -> None:
        conn.execute(insert(web_sessions).values(
            id=row.id, kind=row.kind, institution_id=row.institution_id,
            principal_id=row.principal_id, csrf=row.csrf,
            data=json.dumps(row.data, ensure_ascii=False), created_at=row.created_at,
            last_seen_at=row.last_seen_at, expires_at=row.expires_at))

    def get(self, conn: Connection, session_id: str) -> WebSession | None:
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

    def delete_of(self, conn: Connection, kind: str, institution_id: int,
                  principal_id: int) -> int:
        """End every session of one person; how many there were."""
        return conn.execute(delete(web_sessions).where(
            web_sessions.c.kind == kind, web_sessions.c.institution_id == institution_id,
            web_sessions.c.principal_id == principal_id)).rowcount

    def purge(self, conn: Connection, now: datetime, idle_since: datetime) -> int:
        return conn.execute(delete(web_sessions).where(
            (web_sessions.c.last_seen_at < idle_since) | (web_sessions.c.expires_at <= now)
        )).rowcount


class ThrottleRepository:
    def reserve(self, conn: Connection, key: str, now: datetime, window_ended_by: datetime,
                max_attempts: int) -> bool:
        """Count one attempt on `key` unless it already has `max_attempts` in its window;
        whether it was counted. A window that began at or before `window_ended_by` has
        ended, so the attempt starts a new one at 1.

        The attempt is counted before the password is checked, in one conditional write,
        so concurrent attempts cannot all see "not blocked" and all be checked.
        """
        if self._count(conn, key, now, window_ended_by, max_attempts):
            return True
        if max_attempts < 1:
            return False
        # No row yet, or a blocked one. ON CONFLICT DO NOTHING: a concurrent first attempt
        # that inserted meanwhile makes this one a no-op (PostgreSQL waits for its commit)
        # instead of an error, and the UPDATE below then counts on top of it.
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        inserted = conn.execute(dialect.insert(throttle).values(
            key=key, failures=1, window_started_at=now,
        ).on_conflict_do_nothing(index_elements=[throttle.c.key])
            .returning(throttle.c.key)).first()
        if inserted is not None:
            return True
        return self._count(conn, key, now, window_ended_by, max_attempts)

    @staticmethod
    def _count(conn: Connection, key: str, now: datetime, window_ended_by: datetime,
               max_attempts: int) -> bool:
        ended = throttle.c.window_started_at <= window_ended_by
        # The WHERE clause is the limit: a blocked key matches no row, so nothing is counted.
        return bool(conn.execute(update(throttle).where(
            throttle.c.key == key, or_(ended, throttle.c.failures < max_attempts),
        ).values(
            failures=case((ended, 1), else_=throttle.c.failures + 1),
            window_started_at=case((ended, now), else_=throttle.c.window_started_at),
        )).rowcount)

    def clear(self, conn: Connection, key: str) -> None:
        conn.execute(delete(throttle).where(throttle.c.key == key))

    def refund(self, conn: Connection, key: str) -> None:
        """Uncount one attempt; never below zero (the window may have restarted since)."""
        conn.execute(update(throttle).where(throttle.c.key == key, throttle.c.failures > 0)
                     .values(failures=throttle.c.failures - 1))
