"""What the API tests share: §7 verbs for institution 0002, setup over HTTP, checks."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onetime.crypto import TEST_KDF
from onetime.otp import totp
from onetime.setup.protocol import Client
from onetime.storage.schema import audit_log, outbox, setup_sessions, tokens

SERVICE_ID = "0002"
BASE = f"/api/v1/services/{SERVICE_ID}"
PROBLEM = "application/problem+json"
# The activation password the helpers use unless told otherwise.
PASSWORD = "1234"
TOKEN_KEYS = {"user_id", "state", "serial", "attempts_left", "issued_at", "expires_at",
              "activated_at", "confirmed_at", "suspended_at", "revoked_at",
              "setup_available_at"}


@dataclass
class Api:
    """Short verbs for the §7 endpoints of institution 0002, with its key."""

    client: TestClient
    headers: dict
    clock: object

    def url(self, user_id: str, path: str = "/token") -> str:
        return f"{BASE}/users/{user_id}{path}"

    def get(self, user_id: str):
        return self.client.get(self.url(user_id), headers=self.headers)

    def issue(self, user_id: str, password: str = PASSWORD, email: str | None = None):
        return self.client.post(self.url(user_id), headers=self.headers,
                                json={"email": email or f"{user_id}@example.jp",
                                      "activation_password": password})

    def confirm(self, user_id: str, code):
        return self.client.post(self.url(user_id, "/token/confirmation"),
                                headers=self.headers, json={"code": code})

    def verify(self, user_id: str, code, operation: str = "transfer"):
        return self.client.post(self.url(user_id, "/verifications"), headers=self.headers,
                                json={"code": code, "operation": operation})

    def release(self, user_id: str, actor: str = "user:master", reason: str = "unlock"):
        return self.client.post(self.url(user_id, "/token/release"), headers=self.headers,
                                json={"actor": actor, "reason": reason})

    def revoke(self, user_id: str, actor: str = "user:master", reason: str = "phone change"):
        return self.client.post(self.url(user_id, "/token/revocation"), headers=self.headers,
                                json={"actor": actor, "reason": reason})

    def audit(self, **params):
        return self.client.get(f"{BASE}/audit", headers=self.headers, params=params)

    def set_up(self, user_id: str, password: str = PASSWORD) -> bytes:
        """Run the app's side of setup over HTTP; returns the token's secret."""
        token = http_setup(self.client, SERVICE_ID, user_id, password)
        secret = token["secret"]
        return base64.b32decode(secret + "=" * (-len(secret) % 8))

    def code(self, secret: bytes, offset_steps: int = 0) -> str:
        return totp(secret, self.clock.now().timestamp() + 60 * offset_steps)

    def active_token(self, user_id: str) -> bytes:
        """Issue, set up and confirm; the clock then moves one step so a code is fresh."""
        assert self.issue(user_id).status_code == 201
        secret = self.set_up(user_id)
        assert self.confirm(user_id, self.code(secret)).json()["result"] == "accepted"
        self.clock.advance(60)
        return secret


def setup_token(services, service_id: str, user_id: str, password: str) -> dict:
    """Both setup steps through the service, without HTTP; returns the opened token."""
    app = Client(service_id, user_id, password, TEST_KDF)
    started = services.setup.start(service_id, user_id, app.message)
    mac = app.answer(started.session_id, started.message)
    done = services.setup.finish(started.session_id, mac)
    return app.open(done.server_mac, done.sealed)


def http_setup(client: TestClient, service_id: str, user_id: str, password: str) -> dict:
    """Both setup steps over HTTP; asserts success and returns the opened token."""
    app = Client(service_id, user_id, password, TEST_KDF)
    started = client.post("/api/v1/setup/start", json={
        "service_id": service_id, "user_id": user_id,
        "pake": base64.b64encode(app.message).decode()})
    assert started.status_code == 201, started.text
    body = started.json()
    mac = app.answer(body["session_id"], base64.b64decode(body["pake"]))
    finished = client.post("/api/v1/setup/finish", json={
        "session_id": body["session_id"], "confirm": base64.b64encode(mac).decode()})
    assert finished.status_code == 200, finished.text
    done = finished.json()
    return app.open(base64.b64decode(done["confirm"]), base64.b64decode(done["sealed"]))



def row_counts(ctx) -> dict[str, int]:
    """Rows per table a request could write; equal before and after = nothing written."""
    with ctx.db.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (tokens, audit_log, outbox, setup_sessions)}


def assert_problem(response, status: int, code: str) -> dict:
    """The response is an RFC 9457 problem document with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "code", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["title"], str)
    assert body["detail"]
    return body


def full_width(code: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in code)
