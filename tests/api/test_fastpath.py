"""The verification fast path: serves well-formed requests itself, hands the rest on intact."""

from __future__ import annotations

import asyncio

import orjson

from bench.loader import load_active_tokens
from onetime.api.fastpath import VerificationFastPath
from onetime.otp import step_at


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
