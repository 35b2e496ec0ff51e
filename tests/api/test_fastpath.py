"""The verification fast path: serves well-formed requests itself, hands the rest on intact."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from contextlib import contextmanager
from ipaddress import ip_network

import orjson
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bench.loader import load_active_tokens
from onetime.api.app import create_app
from onetime.api.fastpath import VerificationFastPath
from onetime.crypto import TEST_KDF
from onetime.otp import step_at
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage.database import Database
from onetime.storage.schema import audit_log, tokens
from tests.api.helpers import assert_problem
from tests.e2e.servers import free_port


class Behind:
    """Stands for the FastAPI app: records what reached it and answers 418."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def post(app, path: str, body: bytes, key: str) -> tuple[int, bytes]:
    scope = {"type": "http", "method": "POST", "path": path, "client": ("127.0.0.1", 5),
             "headers": [(b"authorization", f"Bearer {key}".encode()),
                         (b"content-type", b"application/json")]}
    chunks = [body[:5], body[5:]]
    out: list[dict] = []

    async def receive():
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        out.append(message)

    asyncio.run(app(scope, receive, send))
    return out[0]["status"], b"".join(m.get("body", b"") for m in out[1:])


class TestVerificationFastPath:
    def test_a_valid_code_is_answered_without_the_full_app(self, services, api_key):
        """The fast path accepts a right code itself; the app behind sees nothing."""
        institution = services.institutions.get("0002")
        loaded = load_active_tokens(services.ctx, institution, 1)
        code = loaded.code(0, step_at(services.ctx.clock.now().timestamp(), 60))
        behind = Behind()
        status, body = post(VerificationFastPath(behind, services),
                            f"/api/v1/services/0002/users/{loaded.user_id(0)}/verifications",
                            orjson.dumps({"code": code, "operation": "transfer"}), api_key)
        assert (status, orjson.loads(body)) == (200, {"result": "accepted",
                                                      "attempts_left": 10, "state": "active"})
        assert behind.bodies == []

    def test_anything_refused_goes_on_to_the_full_app_with_its_body(self, services, api_key):
        """Bad JSON, a bad code, a wrong key: the full app gets the request, body intact."""
        behind = Behind()
        app = VerificationFastPath(behind, services)
        path = "/api/v1/services/0002/users/taro/verifications"
        bodies = [b"{not json", b'{"code": 12345678, "operation": "transfer"}',
                  b'{"code": "1234", "operation": "transfer"}',
                  b'{"code": "12345678", "operation": "fly"}']
        for body in bodies:
            assert post(app, path, body, api_key)[0] == 418
        assert post(app, path, b'{"code": "12345678", "operation": "transfer"}',
                    "wrong-key")[0] == 418
        assert behind.bodies == [*bodies, b'{"code": "12345678", "operation": "transfer"}']

    def test_a_database_error_is_answered_here_not_handed_on(self, keyring, clock):
        """PostgreSQL refuses connections: 503 from the fast path; the full app sees nothing."""
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
        services = Services.from_context(Context(db=Database(url), keyring=keyring,
                                                 clock=clock, setup_kdf=TEST_KDF))
        behind = Behind()
        status, body = post(VerificationFastPath(behind, services),
                            "/api/v1/services/0002/users/taro/verifications",
                            b'{"code": "12345678", "operation": "transfer"}', "0002.key")
        assert (status, orjson.loads(body)["code"]) == (503, "service_unavailable")
        assert behind.bodies == []


class CommitOutcomeLost(Database):
    """A real database that, when armed, commits a verification and then reports the
    connection lost: the caller cannot tell whether the COMMIT happened."""

    armed = False

    def _lost_after_commit(self, transaction):
        with transaction as tx:
            yield tx
        if self.armed:
            self.armed = False
            raise OperationalError("COMMIT", {}, psycopg.OperationalError("connection lost"))

    # SQLite: the COMMIT of a verification, one by one or of its batch (storage/batches.py).
    def _sqlite_commit(self, conn):
        super()._sqlite_commit(conn)
        if self.armed:
            self.armed = False
            lost = sqlite3.OperationalError("disk I/O error")
            lost.sqlite_errorcode = 10  # SQLITE_IOERR: unavailable, the outcome unknown
            raise OperationalError("COMMIT", {}, lost)

    # PostgreSQL: a verification's statements, outside `call` and inside it (on the loop's
    # bare connections, storage/loop_pg.py).
    @contextmanager
    def _pg_read_then_write(self):
        yield from self._lost_after_commit(super()._pg_read_then_write())

    @contextmanager
    def _pg_direct_read_then_write(self, lent):
        yield from self._lost_after_commit(super()._pg_direct_read_then_write(lent))


class TestUnknownCommitOutcome:
    """Issue 10 point 10: a failure after the commit is never answered by verifying again."""

    def test_the_code_is_not_verified_twice(self, db_url, keyring, clock, tmp_path):
        """503, one audit entry (accepted), no failure counted: no replay of our own."""
        db = CommitOutcomeLost(db_url)
        services = Services.from_context(Context(db=db, keyring=keyring, clock=clock,
                                                 setup_kdf=TEST_KDF))
        institution, key = services.institutions.add("0002", "試験銀行", "otp@example.jp")
        loaded = load_active_tokens(services.ctx, institution, 1)
        user = loaded.user_id(0)
        step = step_at(clock.now().timestamp(), 60)
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            db.armed = True
            response = client.post(
                f"/api/v1/services/0002/users/{user}/verifications",
                headers={"Authorization": f"Bearer {key.reveal_text()}"},
                json={"code": loaded.code(0, step), "operation": "transfer"})
            assert not db.armed  # the failure did happen, after the commit
            assert_problem(response, 503, "service_unavailable")
            with db.read() as conn:
                entries = conn.execute(select(audit_log.c.event, audit_log.c.result)
                                       .where(audit_log.c.user_id == user)).all()
                failures = conn.execute(select(tokens.c.failures)
                                        .where(tokens.c.user_id == user)).scalar_one()
            assert [tuple(e) for e in entries] == [("code_verified", "accepted")]
            assert failures == 0
        db.dispose()


class TestInFrontOfTheMiddleware:
    """The fast path stands outermost: what it answers carries what the middleware gave."""

    @staticmethod
    def _verify(client, services, key, *, prefix="u", headers=None):
        institution = services.institutions.get("0002")
        loaded = load_active_tokens(services.ctx, institution, 1, prefix=prefix)
        code = loaded.code(0, step_at(services.ctx.clock.now().timestamp(), 60))
        return loaded.user_id(0), client.post(
            f"/api/v1/services/0002/users/{loaded.user_id(0)}/verifications",
            headers={"Authorization": f"Bearer {key}", **(headers or {})},
            json={"code": code, "operation": "transfer"})

    def test_it_is_called_before_the_middleware(self, services, api_key):
        """The app's first layer is the fast path, not Starlette's middleware stack."""
        app = create_app(services)
        assert isinstance(app.fast_path, VerificationFastPath)
        assert create_app(services, fast_path=False).fast_path is None

    def test_the_request_id_and_the_access_line(self, services, api_key, caplog):
        """A valid X-Request-ID is echoed and logged with the status; else a new one."""
        with TestClient(create_app(services), client=("127.0.0.1", 40000)) as client, \
                caplog.at_level(logging.INFO, logger="onetime.access"):
            _user, answer = self._verify(client, services, api_key,
                                         headers={"X-Request-ID": "bank-42"})
            _user, other = self._verify(client, services, api_key, prefix="v",
                                        headers={"X-Request-ID": "bad id\t"})
        assert answer.json()["result"] == "accepted"
        assert answer.headers["x-request-id"] == "bank-42"
        assert re.fullmatch(r"[0-9a-f]{32}", other.headers["x-request-id"])
        lines = [r.onetime_fields for r in caplog.records if r.name == "onetime.access"]
        assert [(f["request_id"], f["status"], f["client"], f["method"]) for f in lines] == [
            ("bank-42", 200, "127.0.0.1", "POST"),
            (other.headers["x-request-id"], 200, "127.0.0.1", "POST")]

    def test_a_trusted_proxy_names_the_client_in_the_audit(self, services, api_key):
        """X-Forwarded-For from a listed proxy: the audit's source_ip is the client's."""
        app = create_app(services, trusted_proxies=[ip_network("10.0.0.0/8")])
        with TestClient(app, client=("10.1.2.3", 40000)) as client:
            user, answer = self._verify(client, services, api_key,
                                        headers={"X-Forwarded-For": "203.0.113.9"})
        assert answer.json()["result"] == "accepted"
        with services.ctx.db.read() as conn:
            source = conn.execute(select(audit_log.c.source_ip).where(
                audit_log.c.user_id == user, audit_log.c.event == "code_verified")).scalar_one()
        assert source == "203.0.113.9"

    def test_a_bug_is_a_logged_500_never_handed_on(self, services, api_key, caplog,
                                                    monkeypatch):
        """An unexpected exception: the problem document of 500, with the request ID."""
        def broken(*_args, **_kwargs):
            raise ZeroDivisionError("a bug")

        monkeypatch.setattr(services.tokens, "verify", broken)
        with TestClient(create_app(services), raise_server_exceptions=False) as client, \
                caplog.at_level(logging.INFO):
            _user, answer = self._verify(client, services, api_key,
                                         headers={"X-Request-ID": "bug-1"})
        assert_problem(answer, 500, "internal_error")
        assert answer.headers["x-request-id"] == "bug-1"
        assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
        access = [r.onetime_fields for r in caplog.records if r.name == "onetime.access"]
        assert [(f["request_id"], f["status"]) for f in access] == [("bug-1", 500)]
