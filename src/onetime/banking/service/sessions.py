"""Server-side sessions of the banking site and the branch console.

The browser holds a random token; the database holds its SHA-256, the principal,
the CSRF token and a little state (a pending transfer, a result to show). A
session ends after `idle` without a request, or `lifetime` after sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from onetime.banking.domain.people import SiteUser
from onetime.banking.domain.sessions import WebSession, outlived
from onetime.banking.service.context import Context
from onetime.domain.documents import TokenDocument

IDLE = timedelta(minutes=15)
LIFETIME = timedelta(hours=8)


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionService:
    def __init__(self, ctx: Context, *, idle: timedelta = IDLE,
                 lifetime: timedelta = LIFETIME) -> None:
        self.ctx, self.idle, self.lifetime = ctx, idle, lifetime
        self.repo = ctx.sessions

    def create(self, kind: str, institution_id: int, principal_id: int,
               data: dict | None = None) -> tuple[str, WebSession]:
        """A new session (a new token at every sign-in: no session fixation)."""
        token = secrets.token_urlsafe(32)
        now = self.ctx.clock.now()
        row = WebSession(id=session_id(token), kind=kind, institution_id=institution_id,
                         principal_id=principal_id, csrf=secrets.token_urlsafe(32),
                         data=data or {}, created_at=now, last_seen_at=now,
                         expires_at=now + self.lifetime)
        with self.ctx.db.write() as conn:
            self.repo.purge(conn, now, now - self.idle)
            self.repo.add(conn, row)
        return token, row

    def load(self, token: str | None, kind: str) -> WebSession | None:
        """The live session of `token`, marked used now; None if unknown, idle or expired."""
        if not token or len(token) > 128:
            return None
        sid = session_id(token)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            if not self.repo.touch(conn, sid, now, now - self.idle):
                self.repo.delete(conn, sid)
                return None
            row = self.repo.get(conn, sid)
        if row is None or row.kind != kind:
            return None
        return row

    def save(self, row: WebSession, data: dict) -> None:
        with self.ctx.db.write() as conn:
            self.repo.set_data(conn, row.id, data)

    def destroy(self, token: str | None) -> None:
        if token:
            with self.ctx.db.write() as conn:
                self.repo.delete(conn, session_id(token))

    def end_all_of(self, user: SiteUser) -> None:
        """End every session of a customer user (their token was revoked or suspended)."""
        with self.ctx.db.write() as conn:
            self.repo.delete_of(conn, "customer", user.institution_id, user.id)

    def end_if_outlived(self, row: WebSession, token: TokenDocument) -> bool:
        """End the user's sessions if `token`, as the OTP service reads it now, was revoked
        or suspended after `row` began (elsewhere: the API, another site process);
        whether it did."""
        if not outlived(token.state, token.revoked_at, token.suspended_at, row.created_at):
            return False
        with self.ctx.db.write() as conn:
            self.repo.delete_of(conn, row.kind, row.institution_id, row.principal_id)
        return True
