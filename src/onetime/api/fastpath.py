"""Well-formed verification requests, served without FastAPI's per-request machinery.

Verification is the hot path (DESIGN.md §5, `make bench`): FastAPI's routing,
dependency solving and body model cost about as much CPU as the verification itself.
This ASGI layer answers a POST …/verifications sent as JSON (the Content-Types the
route reads as JSON) whose body is an object with a string `code` and a string
`operation`, authenticated, through the same use case and the same answer document as
routes_tokens.verify. Anything else, and any request the domain refuses (OnetimeError,
raised before anything is written), goes on to the FastAPI app with its body replayed,
so every error keeps its one definition there (tests/api/test_fastpath_parity.py).

A database error is answered here (503, api/problems.py), never by handing the request
on: after a COMMIT whose outcome is unknown, verifying the same code a second time would
turn an accepted code into a counted replay. Any other exception is a bug: a 500.
"""

from __future__ import annotations

import email.message
import re
import time

import orjson

from onetime.api import documents, problems
from onetime.api.auth import authenticate
from onetime.api.limits import DEFAULT_LIMIT
from onetime.domain.errors import OnetimeError, ServiceUnavailable
from onetime.domain.tokens import TokenState
from onetime.observe import metrics
from onetime.service.services import Services

PATH = re.compile(r"/api/v1/services/([^/]+)/users/([^/]+)/verifications")
JSON_HEADERS = [(b"content-type", b"application/json")]


class VerificationFastPath:
    def __init__(self, app, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or \
                not (match := PATH.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        messages, body = [], b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body") or len(body) > DEFAULT_LIMIT:
                break
        try:
            answer = await self._verify(scope, match, body) \
                if messages[-1]["type"] == "http.request" \
                and not messages[-1].get("more_body") else None
        except ServiceUnavailable as error:
            # Answered here, never handed on: the full app would verify the code again,
            # and a commit whose outcome is unknown may have used it.
            await problems.unavailable(error)(scope, receive, send)
            return
        if answer is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        payload = orjson.dumps(documents.verification(answer))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*JSON_HEADERS, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
        metrics.verification_latency(time.perf_counter() - started)
        if answer.state == TokenState.SUSPENDED:
            scope["app"].state.kick_outbox()  # Starlette puts the app in every scope

    async def _verify(self, scope, match, body: bytes):
        """The verification answer, or None to let the full app handle the request.

        Raises ServiceUnavailable (the caller answers 503 itself).
        """
        if not is_json(_header(scope, b"content-type")):
            return None
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not (isinstance(data, dict) and isinstance(data.get("code"), str)
                and isinstance(data.get("operation"), str)):
            return None
        client = scope.get("client")
        try:
            return await self.services.ctx.db.call(
                _verify_authenticated, self.services, match.group(1),
                (_header(scope, b"authorization") or b"").decode("latin-1"), match.group(2),
                data["code"], data["operation"], client[0] if client else None)
        except OnetimeError:
            # Refused before anything was written (API key, user ID, code, operation):
            # the full app answers it its own way, with its problem document.
            return None


def is_json(content_type: bytes | None) -> bool:
    """Whether FastAPI reads a body sent with this Content-Type as JSON.

    As fastapi.routing.get_request_handler does (strict_content_type, the default): only
    application/json and application/*+json, parameters allowed; a missing or other type
    leaves the body unread, and the route answers 400 malformed_request.
    """
    if not content_type:
        return False
    if content_type == b"application/json":  # what clients send; parsing costs ~10 µs
        return True
    message = email.message.Message()
    message["content-type"] = content_type.decode("latin-1")
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and \
        (subtype == "json" or subtype.endswith("+json"))


def _header(scope, name: bytes) -> bytes | None:
    # The first of repeated headers, as Starlette's request.headers.get() reads them.
    return next((value for key, value in scope["headers"] if key == name), None)


def _verify_authenticated(services: Services, service_id: str, authorization: str,
                          user_id: str, code: str, operation: str, source_ip: str | None):
    # One call through Database.call: the API-key check may read the database too.
    institution = authenticate(services, service_id, authorization)
    return services.tokens.verify(institution, user_id, code, operation, source_ip=source_ip)


def _replay(messages, receive):
    pending = list(messages)

    async def replayed():
        return pending.pop(0) if pending else await receive()

    return replayed
