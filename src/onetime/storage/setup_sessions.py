"""The setup protocol's server-side sessions: what outlives them is deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete

from onetime.storage.schema import setup_sessions


class SetupSessionRepository:
    def prune(self, conn: Connection, now: datetime) -> int:
        """Delete the sessions expired at `now`; returns how many.

        An expired session can no longer finish (SetupService.finish checks expires_at), so
        its encrypted session keys serve nobody.
        """
        return conn.execute(delete(setup_sessions)
                            .where(setup_sessions.c.expires_at <= now)).rowcount
