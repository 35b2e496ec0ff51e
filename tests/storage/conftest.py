"""Helpers for the repository tests: a token row in any state, written in one line."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url

from onetime.domain.tokens import TokenKind, TokenState
from onetime.storage.database import Database
from onetime.storage.schema import tokens
from onetime.storage.tokens import NewToken


def new_token(now, serial: str = "OT0000000000000001", **changes) -> NewToken:
    """What an issuance writes: an issued TOTP token, 5 activation attempts, 72 hours."""
    issued = NewToken(
        serial=serial, state=TokenState.ISSUED, kind=TokenKind.TOTP, algorithm="sha1",
        digits=8, period=60, email="taro@example.jp", activation_key_id="k0",
        activation_blob=b"activation", activation_attempts_left=5, secret_key_id=None,
        secret_blob=None, issued_at=now, expires_at=now + timedelta(hours=72),
    )
    return dataclasses.replace(issued, **changes)


class Rows:
    """Puts a user's token into a state directly, as if its life cycle had got there."""

    def __init__(self, ctx, institution) -> None:
        self.ctx, self.institution = ctx, institution

    def insert(self, user_id: str = "taro", serial: str = "OT0000000000000001", **changes):
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            assert self.ctx.tokens.replace_or_insert(
                conn, self.institution.id, user_id, new_token(now, serial, **changes), now)
            return self.ctx.tokens.get(conn, self.institution.id, user_id)

    def make(self, base: dict | None = None, user_id: str = "taro",
             serial: str = "OT0000000000000001", **columns):
        """Insert the user's token, then set `base` and `columns` on it."""
        self.insert(user_id, serial)
        return self.force(user_id, **{**(base or {}), **columns})

    def force(self, user_id: str = "taro", **values):
        """Overwrite columns of the user's token row."""
        with self.ctx.db.write() as conn:
            conn.execute(update(tokens).where(tokens.c.institution_id == self.institution.id,
                                              tokens.c.user_id == user_id).values(**values))
            return self.ctx.tokens.get(conn, self.institution.id, user_id)

    def get(self, user_id: str = "taro"):
        with self.ctx.db.read() as conn:
            return self.ctx.tokens.get(conn, self.institution.id, user_id)


@pytest.fixture
def rows(ctx, institution):
    return Rows(ctx, institution)


@pytest.fixture
def tokyo_db(db_url):
    """The same database through sessions whose TimeZone is Asia/Tokyo (PostgreSQL).

    A production server need not run in UTC; stored instants must not move with it.
    """
    url = db_url
    if db_url.startswith("postgresql"):
        url = make_url(db_url).update_query_dict({"options": "-c timezone=Asia/Tokyo"}) \
            .render_as_string(hide_password=False)
    db = Database(url)
    yield db
    db.dispose()
