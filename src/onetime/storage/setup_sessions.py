"""The setup protocol's server-side sessions: started, finished once, pruned when expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from onetime.storage.schema import setup_sessions


@dataclass(frozen=True)
class SetupSession:
    """A started exchange: the token it is for, and its session keys, encrypted."""

    id: str
    token_id: int
    serial: str
    key_id: str
    key_blob: bytes
    transcript_hash: bytes


class SetupSessionRepository:
    def start(self, conn: Connection, session: SetupSession, *, created_at: datetime,
              expires_at: datetime, source_ip: str | None) -> None:
        conn.execute(insert(setup_sessions).values(
            id=session.id, token_id=session.token_id, serial=session.serial,
            key_id=session.key_id, key_blob=session.key_blob,
            transcript_hash=session.transcript_hash, created_at=created_at,
            expires_at=expires_at, source_ip=source_ip))

    def finish(self, conn: Connection, session_id: str, now: datetime) -> SetupSession | None:
        """Mark the session finished and return it; None for an unknown, already finished
        or expired session (then nothing is written).

        The conditional UPDATE makes a replayed or concurrent finish find nothing.
        """
        row = conn.execute(select(
            setup_sessions.c.id, setup_sessions.c.token_id, setup_sessions.c.serial,
            setup_sessions.c.key_id, setup_sessions.c.key_blob,
            setup_sessions.c.transcript_hash,
        ).where(setup_sessions.c.id == session_id)).first()
        used = conn.execute(update(setup_sessions).where(
            setup_sessions.c.id == session_id, setup_sessions.c.finished_at.is_(None),
            setup_sessions.c.expires_at > now).values(finished_at=now)).rowcount
        if row is None or not used:
            return None
        return SetupSession(*row)

    def prune(self, conn: Connection, now: datetime) -> int:
        """Delete the sessions expired at `now`; returns how many.

        An expired session can no longer finish (see `finish`), so
        its encrypted session keys serve nobody.
        """
        return conn.execute(delete(setup_sessions)
                            .where(setup_sessions.c.expires_at <= now)).rowcount
