"""`onetime serve`'s HTTP protocol sends an answer's head and body as one write.

A transport that records its writes stands in for the socket (tests/e2e/test_header_limits.py
talks to a real server); the protocol, its parser and uvicorn's request cycle are real.
"""

from __future__ import annotations

import asyncio

from uvicorn.config import Config
from uvicorn.server import ServerState

from onetime.api.protocols import HeadLimitedHttpTools

REQUEST = (b"POST /x HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
           b"content-length: 2\r\n\r\n{}")


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default)

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def answer(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", b"20")]})
    await send({"type": "http.response.body", "body": b'{"result":"accepted"}'[:20]})


def serve_one(request: bytes, app=answer) -> RecordingTransport:
    async def run() -> RecordingTransport:
        config = Config(app=app, log_config=None, lifespan="off")
        protocol = HeadLimitedHttpTools(config, ServerState(), {}, asyncio.get_running_loop())
        transport = RecordingTransport()
        protocol.connection_made(transport)
        protocol.data_received(request)
        for _ in range(20):  # the request's task, then the held writes' turn
            await asyncio.sleep(0)
        return transport
    return asyncio.run(run())


def test_the_head_and_the_body_leave_in_one_write():
    transport = serve_one(REQUEST)
    assert len(transport.writes) == 1, transport.writes
    (sent,) = transport.writes
    assert sent.startswith(b"HTTP/1.1 200 OK\r\n")
    assert sent.endswith(b'\r\n\r\n{"result":"accepted"')


def test_what_is_held_is_sent_before_the_connection_closes():
    """Connection: close ends the response with close(): the answer goes out first."""
    transport = serve_one(REQUEST.replace(b"host: 127.0.0.1\r\n",
                                          b"host: 127.0.0.1\r\nconnection: close\r\n"))
    assert transport.closed
    assert len(transport.writes) == 1
    assert transport.writes[0].endswith(b'{"result":"accepted"')


def test_a_streamed_answer_keeps_its_order():
    async def streamed(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for n in range(3):
            await send({"type": "http.response.body", "body": b"part%d;" % n,
                        "more_body": True})
            await asyncio.sleep(0)  # a turn of the loop between the parts
        await send({"type": "http.response.body", "body": b"end"})

    transport = serve_one(REQUEST, streamed)
    sent = b"".join(transport.writes)
    assert sent.startswith(b"HTTP/1.1 200 OK\r\n")
    body = sent.partition(b"\r\n\r\n")[2]
    # Chunked: the parts in order, then the last chunk.
    assert [line for line in body.split(b"\r\n") if line.startswith(b"part") or
            line == b"end"] == [b"part0;", b"part1;", b"part2;", b"end"]
    assert body.endswith(b"0\r\n\r\n")
