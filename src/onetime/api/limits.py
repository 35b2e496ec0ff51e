"""Body size limits as plain ASGI middleware (BaseHTTPMiddleware costs every request)."""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException

DEFAULT_LIMIT = 64 * 1024
PSKC_LIMIT = 16 * 1024 * 1024
# The site's 全銀 file upload (banking/service/bulk.py MAX_UPLOAD, 1 MiB) and its form.
UPLOAD_PATH, UPLOAD_LIMIT = "/bulk/upload", 1024 * 1024 + 16 * 1024


class TooLarge(HTTPException):
    """An HTTPException so that FastAPI's body reader passes it through unchanged."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is too large")


class BodyLimit:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        limit = (PSKC_LIMIT if path.endswith("/tokens/import")
                 else UPLOAD_LIMIT if path == UPLOAD_PATH else DEFAULT_LIMIT)
        if declared_over(scope, limit):
            return await _reject(send)
        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge
            return message

        started = False

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except TooLarge:
            if not started:
                await _reject(send)


def declared_over(scope, limit: int) -> bool:
    """Whether a Content-Length of the request says its body is larger than `limit`."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                if int(value) > limit:
                    return True
            except ValueError:
                pass
    return False


async def _reject(send) -> None:
    body = orjson.dumps({"type": "/problems/request_too_large", "title": "Request too large",
                         "status": 413, "code": "request_too_large",
                         "detail": "the request body is too large"})
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
