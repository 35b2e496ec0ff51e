"""Server-side sessions: hashed tokens, idle timeout, absolute lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onetime.banking.service.sessions import SessionService
from onetime.banking.storage.schema import web_sessions


@pytest.fixture
def site_ctx(site):
    """The site's context: its database, clock and repositories."""
    return site.ctx


class TestSessions:
    def test_a_session_loads_by_its_token_and_kind(self, site_ctx):
        sessions = SessionService(site_ctx)
        token, row = sessions.create("customer", 1, 42)
        loaded = sessions.load(token, "customer")
        assert loaded is not None
        assert (loaded.principal_id, loaded.csrf) == (42, row.csrf)
        assert sessions.load(token, "branch") is None
        assert sessions.load("forged-token", "customer") is None

    def test_the_database_holds_only_a_hash_of_the_token(self, site_ctx):
        token, _row = SessionService(site_ctx).create("customer", 1, 42)
        with site_ctx.db.read() as conn:
            ids = conn.execute(select(web_sessions.c.id)).scalars().all()
        assert token not in ids
        assert len(ids) == 1

    def test_idle_sessions_end(self, site_ctx, clock):
        sessions = SessionService(site_ctx, idle=timedelta(minutes=15))
        token, _row = sessions.create("customer", 1, 42)
        clock.advance(timedelta(minutes=14))
        assert sessions.load(token, "customer") is not None  # and touched: idle restarts
        clock.advance(timedelta(minutes=14))
        assert sessions.load(token, "customer") is not None
        clock.advance(timedelta(minutes=16))
        assert sessions.load(token, "customer") is None
        clock.advance(timedelta(seconds=-60 * 16))
        assert sessions.load(token, "customer") is None  # gone for good

    def test_sessions_end_after_their_lifetime_even_when_used(self, site_ctx, clock):
        sessions = SessionService(site_ctx, idle=timedelta(hours=1), lifetime=timedelta(hours=2))
        token, _row = sessions.create("branch", 1, 7)
        for _ in range(3):
            clock.advance(timedelta(minutes=50))
            result = sessions.load(token, "branch")
        assert result is None

    def test_data_and_logout(self, site_ctx):
        sessions = SessionService(site_ctx)
        token, row = sessions.create("customer", 1, 42)
        sessions.save(row, {"flash": "done"})
        assert sessions.load(token, "customer").data == {"flash": "done"}
        sessions.destroy(token)
        assert sessions.load(token, "customer") is None
