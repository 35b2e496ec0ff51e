"""Every request's ID and its one access log line (ASGI, around the whole app).

The ID is the client's X-Request-ID when it is a plain token (a proxy's or a bank
site's, so one request can be followed across them), else a new one; the answer carries
it back. The line names the method, the path, the status, the time taken and the client:
never the query string, the body or a header (an API key, a code, a password).
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from onetime.observe.logs import FIELDS

log = logging.getLogger("onetime.access")
HEADER = b"x-request-id"
# What may be echoed and logged as it came: no spaces, quotes or control characters.
REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id(scope) -> str:
    """The request's ID: the valid X-Request-ID it came with, or a new random one."""
    given = next((value for key, value in scope["headers"] if key == HEADER), None)
    if given is not None and REQUEST_ID.fullmatch(given):
        return given.decode("ascii")
    return secrets.token_hex(16)


class AccessLog:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid  # request.state.request_id
        header = (HEADER, rid.encode("ascii"))
        status = 500  # what the client sees if the app fails before it answers

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            line(rid, scope, status, started)


def line(rid: str, scope, status: int, started: float) -> None:
    """The request's one access log line (INFO; `--no-access-log` raises the level)."""
    if log.isEnabledFor(logging.INFO):
        client = scope.get("client")
        # The record made here: log.info() would walk the stack for its caller, a third
        # of the line's cost, for a line whose origin is known.
        log.handle(log.makeRecord(
            log.name, logging.INFO, __file__, 0, "%s %s %s",
            (scope["method"], scope["path"], status), None, extra={FIELDS: {
                "request_id": rid, "method": scope["method"], "path": scope["path"],
                "status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "client": client[0] if client else None}}))
