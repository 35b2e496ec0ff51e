"""The bare-ASGI ceiling: what a verification could cost at the least, on the same database.

`uvicorn --factory bench.ceiling:app --workers 2`, no framework: for POST
/api/v1/services/{id}/users/{user}/verifications it reads the token's row by
(institution, user) — the lookup the service makes — then moves its `last_step` on
with one conditional UPDATE (compare-and-set on the value read, so each request
writes, as each accepted code does), a transaction by itself, and
answers `{"result":"accepted"}`. No API key, no decryption, no HMAC, no audit entry:
the database work of an accepted code and nothing else, so `make bench` can say how
far from it the service is (issue 15). It works on a copy of the benchmark's tokens
(CEILING_TABLE), so it never uses a step the service's own run needs.

CEILING_DATABASE: a SQLite file path, or a PostgreSQL URL (psycopg, 4 connections a
worker, like the service's pool); CEILING_TABLE: the table; CEILING_INSTITUTION_ID: whose tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
from sqlalchemy import text

from tests.e2e import servers

ROOT = Path(__file__).resolve().parent.parent

PATH = re.compile(rb"/api/v1/services/([^/]+)/users/([^/]+)/verifications")
HEADERS = [(b"content-type", b"application/json")]
ACCEPTED = b'{"result":"accepted"}'
REFUSED = b'{"result":"rejected"}'
PG_CONNECTIONS = 4


def _statements(table: str, marker: str) -> tuple[str, str]:
    if not re.fullmatch(r"[a-z_]+", table):
        raise ValueError(f"bad table name {table!r}")
    p = marker
    # The table name is checked above; the values are bound parameters.
    return (f"SELECT id, last_step, state, secret_blob FROM {table} "  # noqa: S608
            f"WHERE institution_id = {p} AND user_id = {p}",
            f"UPDATE {table} SET last_step = COALESCE(last_step, 0) + 1 "  # noqa: S608
            f"WHERE id = {p} AND COALESCE(last_step, 0) = {p}")


class SqliteStore:
    def __init__(self, path: str, table: str) -> None:
        # Autocommit: the UPDATE is a transaction by itself; WAL and synchronous=NORMAL
        # and the busy timeout as storage/database.py sets them for the service.
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30.0,
                                    check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.select, self.update = _statements(table, "?")

    async def use(self, institution_id: int, user_id: str) -> bool:
        row = self.conn.execute(self.select, (institution_id, user_id)).fetchone()
        if row is None:
            return False
        return self.conn.execute(self.update, (row[0], row[1] or 0)).rowcount == 1


class PostgresStore:
    def __init__(self, url: str, table: str) -> None:
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.select, self.update = _statements(table, "%s")
        self.pool: asyncio.Queue | None = None

    async def _connections(self) -> asyncio.Queue:
        if self.pool is None:
            import psycopg
            pool: asyncio.Queue = asyncio.Queue()
            for _ in range(PG_CONNECTIONS):
                pool.put_nowait(await psycopg.AsyncConnection.connect(self.url, autocommit=True))
            self.pool = pool
        return self.pool

    async def use(self, institution_id: int, user_id: str) -> bool:
        pool = await self._connections()
        conn = await pool.get()
        try:
            cursor = await conn.execute(self.select, (institution_id, user_id))
            row = await cursor.fetchone()
            if row is None:
                return False
            cursor = await conn.execute(self.update, (row[0], row[1] or 0))
            return cursor.rowcount == 1
        finally:
            pool.put_nowait(conn)


def app():
    database = os.environ["CEILING_DATABASE"]
    table = os.environ.get("CEILING_TABLE", "tokens")
    institution_id = int(os.environ.get("CEILING_INSTITUTION_ID", "1"))
    store = PostgresStore(database, table) if database.startswith("postgresql") \
        else SqliteStore(database, table)

    async def ceiling(scope, receive, send):
        if scope["type"] != "http":  # lifespan: nothing to start
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
                await receive()
                await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        match = PATH.fullmatch(scope["path"].encode())
        if scope["method"] != "POST" or match is None:
            await _answer(send, 404, b'{"status":404}')
            return
        data = orjson.loads(body)
        ok = isinstance(data.get("code"), str) and await store.use(
            institution_id, match.group(2).decode())
        await _answer(send, 200, ACCEPTED if ok else REFUSED)

    return ceiling


async def _answer(send, status: int, payload: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*HEADERS, (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


def copy_sqlite(site, directory: Path) -> Path:
    """A copy of `site`'s SQLite database (the online backup API), in `directory`."""
    copy = directory / "ceiling.db"
    source = sqlite3.connect(site.url.removeprefix("sqlite:///"))
    target = sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return copy


@contextlib.contextmanager
def serve(site, directory: Path, *, workers: int = 2) -> Iterator[servers.Server]:
    """The ceiling app on a copy of `site`'s tokens, `workers` uvicorn workers."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {"CEILING_INSTITUTION_ID": str(site.institution.id)}
    if site.kind == "sqlite":
        env |= {"CEILING_DATABASE": str(copy_sqlite(site, directory)),
                "CEILING_TABLE": "tokens"}
    else:
        with site.ctx.db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DROP TABLE IF EXISTS ceiling_tokens"))
            conn.execute(text("CREATE TABLE ceiling_tokens AS SELECT * FROM tokens"))
            conn.execute(text("ALTER TABLE ceiling_tokens ADD PRIMARY KEY (id)"))
            conn.execute(text("CREATE UNIQUE INDEX ON ceiling_tokens (institution_id, user_id)"))
            conn.execute(text("VACUUM ANALYZE ceiling_tokens"))
        env |= {"CEILING_DATABASE": site.url, "CEILING_TABLE": "ceiling_tokens"}
    port = servers.free_port()
    log = directory / "ceiling.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.ceiling:app",
             "--app-dir", str(ROOT), "--host", servers.HOST, "--port", str(port),
             "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
             "--no-access-log", "--log-level", "warning"],
            env={**os.environ, **env}, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
    server = servers.Server(process, port, log, workers, public=True)
    try:
        servers.wait_ready(server, ready_path="/")
        yield server
    finally:
        server.stop()
