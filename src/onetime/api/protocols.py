"""uvicorn's HTTP protocols with a cap on the request head, for `onetime serve`.

uvicorn has no such cap of its own: with httptools (what `--http auto` picks) a header of
any size is read into memory and handed to the app; h11 stops at its 16 KiB buffer but
answers a bare 400. Here both answer 431 with a problem document, for the API and the
site alike, before any app code runs: the app never sees such a request.

What is capped: the request target plus every header name and value (MAX_HEAD_BYTES), and
the number of header fields (MAX_HEADER_FIELDS). The raw bytes read before the head is
complete are capped too, at twice that, so that one endless header cannot fill memory
before the parser hands it over.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADER_FIELDS = 100
RAW_HEAD_LIMIT = 2 * MAX_HEAD_BYTES
# After the 431, what the client still sends is read and dropped for this long before the
# connection closes: closing with unread data would reset it and could lose the answer.
LINGER_SECONDS = 2.0

_BODY = json.dumps({
    "type": "/problems/request_header_too_large", "title": "Request header too large",
    "status": 431, "code": "request_header_too_large",
    "detail": f"the request line and header fields may hold at most {MAX_HEAD_BYTES} bytes"
              f" in at most {MAX_HEADER_FIELDS} fields"}).encode()
REFUSAL = (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
           b"content-type: application/problem+json\r\n"
           b"content-length: " + str(len(_BODY)).encode() + b"\r\n"
           b"connection: close\r\n\r\n" + _BODY)


class _HeadTooLarge(Exception):
    """Raised inside a parser callback to stop parsing a head over the cap."""


class _Refusing:
    """The 431 and the lingering close, shared by both protocols."""

    refused = False

    def refuse(self) -> None:
        if self.refused:
            return
        self.refused = True
        transport = self.transport  # type: ignore[attr-defined]
        self._unset_keepalive_if_required()  # type: ignore[attr-defined]
        self.write_refusal()
        if transport.can_write_eof():
            transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, transport.close)  # type: ignore[attr-defined]


    def write_refusal(self) -> None:
        self.transport.write(REFUSAL)  # type: ignore[attr-defined]


class _Corked:
    """A transport whose writes of one event-loop turn leave as one send.

    uvicorn writes an answer's head and its body with two transport.write calls, two
    send() system calls and two TCP segments for every small answer; the kernel's work
    for them (on loopback, the receiving side's too) was the largest single item of a
    worker's time in issue 15's profile. The writes of one turn (an ASGI app sends the
    head and the body without yielding in between) are joined and sent at its end.
    Everything else goes straight to the transport; close() and write_eof() send what
    is held first, abort() drops it, as a transport's own buffer would behave.
    """

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport, loop) -> None:
        self._transport, self._loop, self._held = transport, loop, []

    def write(self, data) -> None:
        if not self._held:
            self._loop.call_soon(self._send)
        self._held.append(data)

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _send(self) -> None:
        if self._held:
            data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
            self._held = []
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def write_eof(self) -> None:
        self._send()
        self._transport.write_eof()

    def close(self) -> None:
        self._send()
        self._transport.close()

    def abort(self) -> None:
        self._held = []
        self._transport.abort()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


class HeadLimitedHttpTools(_Refusing, HttpToolsProtocol):
    """httptools, counting the head in its callbacks and the raw bytes fed before its end;
    an answer's writes leave as one send (_Corked)."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(_Corked(transport, self.loop))
        self._new_head()

    def _new_head(self) -> None:
        self.reading_head, self.raw_head, self.head_bytes, self.head_fields = True, 0, 0, 0
        self.head_refused = False

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # lingering: read and dropped
        while data and self.reading_head:
            room = RAW_HEAD_LIMIT - self.raw_head
            if room <= 0:
                self.refuse()
                return
            part, data = data[:room], data[room:]
            self.raw_head += len(part)
            super().data_received(part)
            if self.refused or self.transport.is_closing():
                return
        if data:
            super().data_received(data)

    def on_url(self, url: bytes) -> None:
        self._count(len(url), 0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value), 1)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.reading_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._new_head()

    def _count(self, size: int, fields: int) -> None:
        self.head_bytes += size
        self.head_fields += fields
        if self.head_bytes > MAX_HEAD_BYTES or self.head_fields > MAX_HEADER_FIELDS:
            self.head_refused = True
            raise _HeadTooLarge  # httptools stops; uvicorn then calls send_400_response

    def send_400_response(self, msg: str) -> None:
        if self.head_refused:
            self.refuse()
        else:
            super().send_400_response(msg)


class _CountingConnection:
    """An h11 connection whose request events are checked against the caps."""

    def __init__(self, conn: h11.Connection) -> None:
        self._conn = conn
        self.too_large = False

    def __getattr__(self, name: str):
        return getattr(self._conn, name)

    def next_event(self):
        try:
            event = self._conn.next_event()
        except h11.RemoteProtocolError as exc:
            # h11's own buffer cap ("Receive buffer too long") hints 431.
            self.too_large = exc.error_status_hint == 431
            raise
        if isinstance(event, h11.Request) and (
                len(event.headers) > MAX_HEADER_FIELDS
                or len(event.target) + sum(len(n) + len(v) for n, v in event.headers)
                > MAX_HEAD_BYTES):
            self.too_large = True
            raise h11.RemoteProtocolError("request head too large", error_status_hint=431)
        return event


class HeadLimitedH11(_Refusing, H11Protocol):
    """h11 with its buffer capped at RAW_HEAD_LIMIT and the request's head checked."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _CountingConnection(h11.Connection(h11.SERVER, RAW_HEAD_LIMIT))

    def data_received(self, data: bytes) -> None:
        if not self.refused:
            super().data_received(data)

    def write_refusal(self) -> None:
        # Through h11, so that its state machine knows the answer was sent.
        for event in (h11.Response(status_code=431, reason=b"Request Header Fields Too Large",
                                   headers=[(b"content-type", b"application/problem+json"),
                                            (b"content-length", str(len(_BODY)).encode()),
                                            (b"connection", b"close")]),
                      h11.Data(data=_BODY), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))

    def send_400_response(self, msg: str) -> None:
        if self.conn.too_large:
            self.refuse()
        else:
            super().send_400_response(msg)


def head_limited(http: str) -> type:
    """The protocol class for uvicorn's `http` setting ("auto", "h11" or "httptools")."""
    if http == "h11":
        return HeadLimitedH11
    try:
        import httptools  # noqa: F401 - "auto" is httptools when it is installed
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        if http == "auto":
            return HeadLimitedH11
        raise
    return HeadLimitedHttpTools
