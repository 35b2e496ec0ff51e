"""A real `onetime serve` caps the request head: 431 with a problem document, API and site.

Raw sockets, since an HTTP client library would refuse to send such requests itself.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading

import pytest

from tests.e2e import servers

# The documented caps (README): 16 KiB of request line and header fields, 100 fields.
MAX_HEAD_BYTES = 16 * 1024
MAX_HEADER_FIELDS = 100


def exchange(server: servers.Server, head: bytes, timeout: float = 20.0) -> tuple[int, dict,
                                                                                  bytes]:
    """Send `head` (a request without a body) and read the answer until the server closes."""
    with socket.create_connection((servers.HOST, server.port), timeout=timeout) as sock:
        # A thread sends, so that a server answering before it has read everything is seen.
        sender = threading.Thread(target=_send, args=(sock, head), daemon=True)
        sender.start()
        answer = b""
        while chunk := _recv(sock):
            answer += chunk
            if b"\r\n\r\n" in answer and _complete(answer):
                break
        sender.join(timeout)
    status_line, _, rest = answer.partition(b"\r\n")
    header_block, _, body = rest.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode()] = value.strip().decode()
    return int(status_line.split()[1]), headers, body


def _send(sock: socket.socket, data: bytes) -> None:
    # The server may answer and close before it read everything: the answer counts.
    with contextlib.suppress(OSError):
        sock.sendall(data)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def request(path: str, *fields: tuple[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {servers.HOST}", *(f"{n}: {v}" for n, v in fields),
             "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_refused(answer: tuple[int, dict, bytes]) -> None:
    status, headers, body = answer
    assert status == 431, (status, body[:200])
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["code"]) == (431, "request_header_too_large")


PATHS = ["/api/v1/time", "/login"]


@pytest.fixture(params=["auto", "h11"])
def server(request, site, tmp_path):
    """`onetime serve --site` with httptools (the default) or h11."""
    with servers.serve(site.env, tmp_path, extra_args=("--site", "--http", request.param)) \
            as [running]:
        yield running


@pytest.mark.parametrize("path", PATHS)
def test_a_megabyte_header_is_refused(server, path):
    """One header of 1 MB: 431, a problem document, and the server still serves."""
    assert_refused(exchange(server, request(path, ("X-Padding", "a" * 1024 * 1024))))
    assert exchange(server, request("/api/v1/time"))[0] == 200


@pytest.mark.parametrize("path", PATHS)
def test_many_small_header_fields_are_refused(server, path):
    """More header fields than the cap, each small: 431 too."""
    fields = [(f"X-F{n}", "1") for n in range(MAX_HEADER_FIELDS + 1)]
    assert_refused(exchange(server, request(path, *fields)))


def test_headers_over_the_total_are_refused(server):
    """Several fields that together pass the cap: 431."""
    fields = [(f"X-F{n}", "b" * 2000) for n in range(MAX_HEAD_BYTES // 2000 + 1)]
    assert_refused(exchange(server, request("/api/v1/time", *fields)))


def test_a_long_url_counts_towards_the_cap(server):
    """The request line is part of the head."""
    assert_refused(exchange(server, request("/api/v1/time?" + "q" * MAX_HEAD_BYTES)))


def test_a_large_head_under_the_cap_is_served(server):
    """Big cookies and the like, under the cap, are answered as usual."""
    fields = [(f"X-F{n}", "c" * 1000) for n in range(MAX_HEAD_BYTES // 1000 - 2)]
    assert exchange(server, request("/api/v1/time", *fields))[0] == 200
