"""Well-formed verification requests, served in front of FastAPI and its middleware.

Verification is the hot path (DESIGN.md §5, `make bench`, issue 15): FastAPI's routing,
dependency solving and body model, and a layer of ASGI middleware per concern, cost
about as much CPU as the verification itself. This layer stands outermost (OnetimeAPI
calls it before anything else) and answers a POST …/verifications sent as JSON (the
Content-Types the route reads as JSON) whose body is an object with a string `code` and
a string `operation`, authenticated, through the same use case and the same answer
document as routes_tokens.verify. For what it answers it does the middleware's work
itself, with the same functions: the client a trusted proxy names (forwarded.resolved),
the request ID and its header, and the access line (access.line). Anything else, and any
request the domain refuses (OnetimeError, raised before anything is written), goes on to
the full app with its body replayed, so every error keeps its one definition there
(tests/api/test_fastpath_parity.py).

A database error is answered here (503, api/problems.py), never by handing the request
on: after a COMMIT whose outcome is unknown, verifying the same code a second time would
turn an accepted code into a counted replay. Any other exception is a bug: a 500.
"""

from __future__ import annotations

import email.message
import re
import time
from collections.abc import Callable, Iterable

import orjson

from onetime.api import access, documents, problems
from onetime.api.auth import authenticate
from onetime.api.forwarded import Network, resolved
from onetime.api.limits import DEFAULT_LIMIT, declared_over
from onetime.domain.errors import OnetimeError, ServiceUnavailable
from onetime.domain.tokens import TokenState
from onetime.observe import metrics
from onetime.service.services import Services

PATH = re.compile(r"/api/v1/services/([^/]+)/users/([^/]+)/verifications")
JSON_TYPE = (b"content-type", b"application/json")


class VerificationFastPath:
    def __init__(self, app, services: Services, *, trusted_proxies: Iterable[Network] = (),
                 kick_outbox: Callable[[], None] = lambda: None) -> None:
        self.app = app
        self.services = services
        self.trusted = tuple(trusted_proxies)
        self.kick_outbox = kick_outbox

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or \
                not (match := PATH.fullmatch(scope["path"])) or declared_over(scope, DEFAULT_LIMIT):
            await self.app(scope, receive, send)  # BodyLimit answers 413 before reading
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
        here = resolved(scope, self.trusted)
        try:
            answer = await self._verify(here, match, body) \
                if messages[-1]["type"] == "http.request" \
                and not messages[-1].get("more_body") and len(body) <= DEFAULT_LIMIT else None
        except ServiceUnavailable as error:
            # Answered here, never handed on: the full app would verify the code again,
            # and a commit whose outcome is unknown may have used it.
            await self._respond(here, started, problems.unavailable(error), receive, send)
            return
        except Exception as exc:  # a bug: what the full app's handler answers, logged
            await self._respond(here, started, problems.internal_error(exc), receive, send)
            return
        if answer is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        payload = orjson.dumps(documents.verification(answer))
        rid = access.request_id(here)
        await send({"type": "http.response.start", "status": 200, "headers": [
            JSON_TYPE, (b"content-length", str(len(payload)).encode()),
            (access.HEADER, rid.encode("ascii"))]})
        await send({"type": "http.response.body", "body": payload})
        metrics.verification_latency(time.perf_counter() - started)
        access.line(rid, here, 200, started)
        if answer.state == TokenState.SUSPENDED:
            self.kick_outbox()

    @staticmethod
    async def _respond(scope, started: float, response, receive, send) -> None:
        """A problem document answered here, with the request ID and the access line."""
        rid = access.request_id(scope)
        status = response.status_code

        async def with_id(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()),
                                                  (access.HEADER, rid.encode("ascii"))]}
            await send(message)

        try:
            await response(scope, receive, with_id)
        finally:
            access.line(rid, scope, status, started)

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
