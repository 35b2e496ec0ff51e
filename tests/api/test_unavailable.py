"""Issue 10 point 9: the database unavailable (locked, refused, connection killed) is a
503 `service_unavailable` with Retry-After, never a 500, and nothing is half-written.

Real databases throughout: a port no PostgreSQL listens on, a backend ended with
pg_terminate_backend as a failover would, an SQLite file another connection holds an
exclusive lock on.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from bench.loader import load_active_tokens
from onetime.api.app import create_app
from onetime.crypto import TEST_KDF
from onetime.otp import step_at
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage.database import Database
from onetime.storage.schema import audit_log, metadata, tokens
from tests.api.helpers import assert_problem, row_counts
from tests.e2e.servers import free_port

BUSY_TIMEOUT = 0.3  # seconds an SQLite writer waits for the lock before giving up


def assert_unavailable(response) -> None:
    assert_problem(response, 503, "service_unavailable")
    assert int(response.headers["retry-after"]) >= 1


def services_on(url: str, keyring, clock, tmp_path, **db_options) -> Services:
    return Services.from_context(Context(
        db=Database(url, **db_options), keyring=keyring, clock=clock, setup_kdf=TEST_KDF,
        audit_anchor=tmp_path / "audit-anchor.json"))


def verify(client, service_id: str, key: str, user_id: str, code: str):
    return client.post(f"/api/v1/services/{service_id}/users/{user_id}/verifications",
                       headers={"Authorization": f"Bearer {key}"},
                       json={"code": code, "operation": "transfer"})


def verifications(ctx, user_id: str) -> list[tuple[str, str | None]]:
    with ctx.db.read() as conn:
        return [tuple(r) for r in conn.execute(
            select(audit_log.c.event, audit_log.c.result)
            .where(audit_log.c.user_id == user_id).order_by(audit_log.c.id))]


def token_row(ctx, user_id: str) -> dict:
    with ctx.db.read() as conn:
        row = conn.execute(select(tokens.c.state, tokens.c.failures,
                                  tokens.c.last_step).where(tokens.c.user_id == user_id))
        return dict(row.one()._mapping)


class TestPostgresRefusesConnections:
    """A server pointed at a PostgreSQL URL nobody answers on."""

    def test_every_endpoint_answers_503(self, keyring, clock, tmp_path):
        """Token GET, the fast path, the FastAPI routes: 503 with Retry-After, not 500."""
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
        services = services_on(url, keyring, clock, tmp_path)
        headers = {"Authorization": "Bearer 0002.anything"}
        base = "/api/v1/services/0002/users/taro"
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            assert_unavailable(client.get(f"{base}/token", headers=headers))
            assert_unavailable(verify(client, "0002", "0002.anything", "taro", "12345678"))
            assert_unavailable(client.post(f"{base}/token/confirmation", headers=headers,
                                           json={"code": "12345678"}))
            assert_unavailable(client.get("/api/v1/services/0002/audit", headers=headers))
        services.ctx.db.dispose()


@pytest.fixture
def pg_services(request, keyring, clock, tmp_path):
    """Services on this session's PostgreSQL database, emptied first."""
    url = request.getfixturevalue("pg_database")
    services = services_on(url, keyring, clock, tmp_path)
    with services.ctx.db.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    yield services
    services.ctx.db.dispose()


def backends_waiting_for_a_lock(admin, database: str) -> list[int]:
    with admin.connect() as conn:
        return list(conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()"), {"d": database}).scalars())


@pytest.mark.postgres
class TestPostgresBackendTerminated:
    """pg_terminate_backend, as a failover or an administrator ends a connection."""

    def test_a_verification_whose_backend_is_killed_answers_503(self, pg_services):
        """Killed while its UPDATE waits: 503, nothing written, the same code still works."""
        services = pg_services
        ctx = services.ctx
        institution, key = services.institutions.add("0002", "試験銀行", "otp@example.jp")
        loaded = load_active_tokens(ctx, institution, 1)
        user = loaded.user_id(0)
        code = loaded.code(0, step_at(ctx.clock.now().timestamp(), 60))
        before = row_counts(ctx)
        database = ctx.db.engine.url.database
        admin = create_engine(ctx.db.url, isolation_level="AUTOCOMMIT")
        locker = create_engine(ctx.db.url).connect()
        answers = []
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            # The row locked elsewhere, so the verification's conditional UPDATE waits.
            locker.execute(text("SELECT 1 FROM tokens WHERE user_id = :u FOR UPDATE"),
                           {"u": user})
            request = threading.Thread(target=lambda: answers.append(
                verify(client, "0002", key.reveal_text(), user, code)))
            request.start()
            killed = 0
            deadline = time.monotonic() + 20
            while request.is_alive() and time.monotonic() < deadline:
                for pid in backends_waiting_for_a_lock(admin, database):
                    with admin.connect() as conn:
                        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                    killed += 1
                if killed:
                    break
                time.sleep(0.01)
            assert killed == 1
            # Release the row only once the request has answered (or retried and waits).
            request.join(2)
            locker.rollback()
            request.join(20)
            assert not request.is_alive()
            assert_unavailable(answers[0])
            assert row_counts(ctx) == before
            assert verifications(ctx, user) == []
            assert token_row(ctx, user)["failures"] == 0
            # Nothing was used up: the client's retry of the same code is accepted.
            assert verify(client, "0002", key.reveal_text(), user, code).json()["result"] \
                == "accepted"
        locker.close()
        admin.dispose()

    def test_a_read_on_a_killed_pooled_connection_is_never_500(self, pg_services):
        """Every pooled backend ended (failover): the token GET is 503 or served, never 500."""
        services = pg_services
        ctx = services.ctx
        _institution, key = services.institutions.add("0002", "試験銀行", "otp@example.jp")
        headers = {"Authorization": f"Bearer {key.reveal_text()}"}
        url = "/api/v1/services/0002/users/taro/token"
        admin = create_engine(ctx.db.url, isolation_level="AUTOCOMMIT")
        statuses = []
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            for _ in range(3):
                assert client.get(url, headers=headers).status_code == 200
                with admin.connect() as conn:
                    conn.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :d AND pid <> pg_backend_pid()"),
                        {"d": ctx.db.engine.url.database})
                response = client.get(url, headers=headers)
                statuses.append(response.status_code)
                if response.status_code == 503:
                    assert_unavailable(response)
            # The pool replaces what it found dead: the service recovers by itself.
            assert client.get(url, headers=headers).status_code == 200
        assert set(statuses) <= {200, 503}, statuses
        admin.dispose()


class TestSqliteLocked:
    """Another connection holds SQLite's exclusive lock longer than the busy timeout."""

    @pytest.fixture
    def sqlite_services(self, keyring, clock, tmp_path, sqlite_template):
        path = tmp_path / "locked.db"
        path.write_bytes(sqlite_template.read_bytes())
        services = services_on(f"sqlite:///{path}", keyring, clock, tmp_path,
                               busy_timeout=BUSY_TIMEOUT)
        yield services, path
        services.ctx.db.dispose()

    def test_writes_answer_503_and_nothing_is_half_written(self, sqlite_services):
        """Fast-path verification and FastAPI routes: 503; after the lock, all is as before."""
        services, path = sqlite_services
        ctx = services.ctx
        institution, key = services.institutions.add("0002", "試験銀行", "otp@example.jp")
        loaded = load_active_tokens(ctx, institution, 1)
        user = loaded.user_id(0)
        code = loaded.code(0, step_at(ctx.clock.now().timestamp(), 60))
        headers = {"Authorization": f"Bearer {key.reveal_text()}"}
        before = row_counts(ctx)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with TestClient(create_app(services), raise_server_exceptions=False) as client:
                assert_unavailable(verify(client, "0002", key.reveal_text(), user, code))
                assert_unavailable(client.post(
                    f"/api/v1/services/0002/users/{user}/token/confirmation",
                    headers=headers, json={"code": code}))
                assert_unavailable(client.post(
                    "/api/v1/services/0002/users/hanako/token", headers=headers,
                    json={"email": "hanako@example.jp", "activation_password": "1234"}))
        finally:
            holder.rollback()
            holder.close()
        assert row_counts(ctx) == before
        assert verifications(ctx, user) == []
        assert token_row(ctx, user)["failures"] == 0
        with TestClient(create_app(services)) as client:
            assert verify(client, "0002", key.reveal_text(), user, code).json()["result"] \
                == "accepted"
