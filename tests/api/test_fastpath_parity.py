"""Issue 10 point 10: the verification fast path answers exactly as the FastAPI route.

Every contract case of POST …/verifications (DESIGN.md §7) runs through both: an app with
the fast path (institution 0002) and one without it (0003), on one database, with the
same token states and the same clock. Status, Content-Type, body and the audit entries
each request wrote must be the same.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onetime.api.app import create_app
from onetime.otp import totp
from onetime.storage.schema import audit_log
from tests.api.helpers import full_width, setup_token
from tests.api.test_errors import BAD_CODES, BAD_USER_IDS, MALFORMED

USER = "taro"


@dataclass
class Side:
    """One way through the service: its app (with or without the fast path), its institution."""

    client: TestClient
    services: object
    institution: object
    key: str
    clock: object
    secret: bytes | None = None

    def post(self, body, *, user: str = USER, content_type: str | None = "application/json",
             authorization: str | None = None, headers: list | None = None):
        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        sent = [("authorization", authorization or f"Bearer {self.key}")]
        if content_type is not None:
            sent.append(("content-type", content_type))
        return self.client.post(
            f"/api/v1/services/{self.institution.service_id}/users/{user}/verifications",
            content=raw, headers=headers if headers is not None else sent)

    def code(self, offset_steps: int = 0) -> str:
        assert self.secret is not None
        return totp(self.secret, self.clock.now().timestamp() + 60 * offset_steps)

    def wrong(self) -> str:
        return f"{(int(self.code()) + 50_000_000) % 100_000_000:08d}"

    def verify(self, code, operation="transfer", **options):
        return self.post({"code": code, "operation": operation}, **options)

    def audit_since(self, mark: int) -> list[tuple]:
        with self.services.ctx.db.read() as conn:
            rows = conn.execute(
                select(audit_log.c.at, audit_log.c.event, audit_log.c.user_id,
                       audit_log.c.actor, audit_log.c.operation, audit_log.c.result,
                       audit_log.c.source_ip, audit_log.c.detail)
                .where(audit_log.c.institution_id == self.institution.id,
                       audit_log.c.id > mark).order_by(audit_log.c.id))
            return [tuple(r) for r in rows]


def last_audit_id(services) -> int:
    with services.ctx.db.read() as conn:
        return conn.execute(select(audit_log.c.id).order_by(audit_log.c.id.desc())
                            .limit(1)).scalar() or 0


def activate(services, institution, user: str) -> bytes:
    """Issue, set up and confirm through the service; the token's secret."""
    services.tokens.issue_token(institution, user, f"{user}@example.jp", "1234")
    token = setup_token(services, institution.service_id, user, "1234")
    secret = base64.b32decode(token["secret"] + "=" * (-len(token["secret"]) % 8))
    code = totp(secret, services.ctx.clock.now().timestamp())
    assert services.tokens.confirm(institution, user, code).result == "accepted"
    return secret


@dataclass(frozen=True)
class Case:
    token: str | None  # "active", "issued" or None (the user is unknown)
    run: Callable[[Side], list]
    # (status, result or problem code) of the answers: the case tests what it says.
    expect: set[tuple[int, str]]


def suspended(side: Side) -> list:
    wrongs = [side.verify(side.wrong()) for _ in range(side.institution.settings.max_failures)]
    return [*wrongs, side.verify(side.code()), side.verify(side.wrong())]


def oversized(side: Side) -> list:
    pad = "x" * (64 * 1024)
    return [side.post({"code": side.code(), "operation": "login", "pad": pad})]


def json_variants(s: Side) -> list:
    valid = orjson.dumps({"code": s.code(), "operation": "login"})
    return [
        s.post(f'{{"code": "{s.wrong()}", "code": "{s.code()}", "operation": "login"}}'
               .encode()),  # the last of repeated members counts
        s.post(b'{"code": "\\ud800\\ud800\\ud800\\ud800", "operation": "login"}'),
        s.post(f'{{"code": "{s.code(1)}", "operation": "login", "x": NaN}}'.encode()),
        s.post(valid.decode().encode("utf-16")),
        s.post(b"\xef\xbb\xbf" + valid),
    ]


ACCEPTED, REJECTED = (200, "accepted"), (200, "rejected")
NOT_ACTIVE = (200, "not_active")
MALFORMED_REQUEST = (400, "malformed_request")
BAD_CODE = (422, "invalid_code_format")
BAD_KEY = (401, "invalid_api_key")

CASES: dict[str, Case] = {
    "valid": Case("active", lambda s: [s.verify(s.code())], {ACCEPTED}),
    "valid-full-width": Case("active", lambda s: [s.verify(full_width(s.code()))],
                             {ACCEPTED}),
    "valid-previous-step": Case("active", lambda s: [s.verify(s.code(-1))], {ACCEPTED}),
    "wrong": Case("active", lambda s: [s.verify(s.wrong())], {REJECTED}),
    "too-old": Case("active", lambda s: [s.verify(s.code(-2))], {REJECTED}),
    "replay": Case("active", lambda s: [s.verify(s.code()), s.verify(s.code())],
                   {ACCEPTED, REJECTED}),
    "earlier-step-after-later": Case("active", lambda s: [s.verify(s.code()),
                                                          s.verify(s.code(-1))],
                                     {ACCEPTED, REJECTED}),
    "suspended": Case("active", suspended, {REJECTED, (200, "suspended")}),
    "not-active-issued": Case("issued", lambda s: [s.verify("12345678")], {NOT_ACTIVE}),
    "unknown-user": Case(None, lambda s: [s.verify("12345678"),
                                          s.verify(full_width("12345678"))], {NOT_ACTIVE}),
    "bad-code-formats": Case("active", lambda s: [s.verify(c) for c in BAD_CODES],
                             {BAD_CODE}),
    "six-digits-for-an-eight-digit-token": Case("active", lambda s: [s.verify("123456")],
                                                {BAD_CODE}),
    "missing-code": Case("active", lambda s: [s.post({"operation": "transfer"})],
                         {BAD_CODE}),
    "bad-operations": Case("active", lambda s: [
        s.verify(s.code(), op) for op in ("fly", "", "TRANSFER", None, 1, ["transfer"])],
        {(422, "invalid_operation")}),
    "missing-operation": Case("active", lambda s: [s.post({"code": s.code()})],
                              {(422, "invalid_operation")}),
    "every-operation": Case(None, lambda s: [
        s.verify("12345678", op) for op in ("transfer", "bulk_transfer", "payroll_transfer",
                                            "approval", "payeasy", "token_management",
                                            "user_management", "login", "other")],
        {NOT_ACTIVE}),
    "malformed-json": Case("active", lambda s: [s.post(b) for b in MALFORMED.values()],
                           {MALFORMED_REQUEST}),
    "non-object-json": Case("active", lambda s: [
        s.post(b) for b in (b"[]", b'["12345678", "transfer"]', b'"x"', b"1", b"null",
                            b"true")], {MALFORMED_REQUEST}),
    "json-variants": Case("active", json_variants, {ACCEPTED, REJECTED, BAD_CODE}),
    "extra-members": Case("active", lambda s: [
        s.post({"code": s.code(), "operation": "login", "extra": [1, {"a": None}]})],
        {ACCEPTED}),
    "wrong-api-keys": Case("active", lambda s: [
        s.verify(s.code(), authorization="Bearer wrong"),
        s.verify(s.code(), authorization="Bearer "),
        s.verify(s.code(), authorization=f"Basic {s.key}"),
        s.verify(s.code(), authorization="Bearer 0009.not-an-institution"),
        s.verify(s.code(), headers=[("content-type", "application/json")])], {BAD_KEY}),
    "repeated-authorization": Case("active", lambda s: [s.verify(s.code(), headers=[
        ("authorization", "Bearer wrong"), ("authorization", f"Bearer {s.key}"),
        ("content-type", "application/json")])], {BAD_KEY}),
    "content-types": Case("active", lambda s: [
        s.verify(s.code(), content_type=t) for t in (
            "text/plain", None, "application/x-www-form-urlencoded", "multipart/form-data",
            "application/jsonx", "text/json", "application/json, text/plain",
            "application/json; charset=utf-8", "APPLICATION/JSON",
            "application/problem+json")], {MALFORMED_REQUEST, ACCEPTED, REJECTED}),
    "repeated-content-type": Case("active", lambda s: [s.verify(s.code(), headers=[
        ("authorization", f"Bearer {s.key}"), ("content-type", "text/plain"),
        ("content-type", "application/json")])], {MALFORMED_REQUEST}),
    "oversized-body": Case("active", oversized, {(413, "request_too_large")}),
    "bad-user-ids": Case(None, lambda s: [s.verify("12345678", user=u)
                                          for u in BAD_USER_IDS],
                         {(422, "invalid_user_id")}),
}


@pytest.fixture
def sides(services, clock):
    """The fast path for institution 0002, the FastAPI route alone for 0003."""
    out = []
    for service_id, fast_path in (("0002", True), ("0003", False)):
        institution, key = services.institutions.add(service_id, f"試験{service_id}",
                                                      "otp@example.jp")
        app = create_app(services, fast_path=fast_path)
        client = TestClient(app, client=("127.0.0.1", 40000)).__enter__()
        out.append(Side(client, services, institution, key.reveal_text(), clock))
    yield out
    for side in out:
        side.client.__exit__(None, None, None)


def kind(shaped: tuple) -> tuple[int, str]:
    status, _content_type, body = shaped
    document = orjson.loads(body)
    return status, document.get("result") or document.get("code")


def shape(response) -> tuple:
    return response.status_code, response.headers.get("content-type"), response.content


@pytest.mark.parametrize("name", CASES)
def test_fast_path_and_route_answer_alike(sides, services, clock, name):
    """Same status, Content-Type, body and audit entries through both paths."""
    case = CASES[name]
    for side in sides:
        if case.token == "active":
            side.secret = activate(services, side.institution, USER)
        elif case.token == "issued":
            services.tokens.issue_token(side.institution, USER, "t@example.jp", "1234")
    clock.advance(120)  # two steps on: the previous step is later than the confirmation
    outcomes = []
    for side in sides:
        mark = last_audit_id(services)
        answers = case.run(side)
        outcomes.append(([shape(a) for a in answers], side.audit_since(mark)))
    (fast, fast_audit), (route, route_audit) = outcomes
    assert len(fast) == len(route)
    for n, (a, b) in enumerate(zip(fast, route, strict=True)):
        assert a == b, f"request {n}: fast path {a[:2]} {a[2][:200]!r} != route {b[:2]} " \
                       f"{b[2][:200]!r}"
    assert fast_audit == route_audit
    assert {kind(answer) for answer in fast} == case.expect

