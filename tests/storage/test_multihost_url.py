"""A multi-host PostgreSQL URL (libpq's host list, target_session_attrs) reaches the driver.

The failover drill (deploy/failover.py) names the primary and the standby in one URL;
here the first host is a port nobody listens on, so only a URL passed through whole, to
both the blocking engine and the asyncio one of `Database.call`, reaches the database.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import make_url, text

from onetime.storage.database import Database
from tests.e2e.servers import free_port

pytestmark = pytest.mark.postgres


def multi_host(url: str) -> str:
    live = make_url(url)
    return (f"postgresql+psycopg://{live.username}@/{live.database}"
            f"?host=127.0.0.1:{free_port()}&host={live.host}:{live.port or 5432}"
            "&target_session_attrs=read-write&connect_timeout=2")


def server_port(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(text("SELECT inet_server_port()")).scalar_one()


def test_the_blocking_and_the_loop_engines_try_each_host(pg_database):
    live_port = make_url(pg_database).port or 5432
    db = Database(multi_host(pg_database))
    try:
        assert server_port(db) == live_port

        async def on_the_loop() -> int:
            try:
                return await db.call(server_port, db)
            finally:
                await db.dispose_loop_connections()

        assert asyncio.run(on_the_loop()) == live_port
    finally:
        db.dispose()
