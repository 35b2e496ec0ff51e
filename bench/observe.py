"""`python -m bench.observe`: the CPU that metrics and the access log add to a request.

In prometheus-client's multiprocess mode, as `onetime serve` runs it: a verification's
count, a latency observation, and the access log middleware (api/access.py) around a bare
ASGI app, its line on (JSON, to /dev/null) and off. CPU time (process_time), best and
median of 5 runs, in µs: steadier than wall time on a shared machine.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time

COUNTS = 100_000
REQUESTS = 20_000
SCOPE = {"type": "http", "method": "POST",
         "path": "/api/v1/services/0001/users/u1/verifications",
         "headers": [(b"x-request-id", b"abc-123")], "client": ("127.0.0.1", 1)}


def per_call(fn, n: int, runs: int = 5) -> str:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn(n)
        times.append((time.process_time() - start) / n * 1e6)
    times.sort()
    return f"best {times[0]:.2f} µs, median {times[len(times) // 2]:.2f} µs"


async def bare(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive():
    return {"type": "http.request", "body": b""}


async def _send(message):
    return None


def requests_through(app):
    async def serve(n: int) -> None:
        for _ in range(n):
            await app(dict(SCOPE), _receive, _send)
    return lambda n: asyncio.run(serve(n))


def main() -> None:
    directory = tempfile.mkdtemp()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory  # before the client is imported
    try:
        from onetime.api.access import AccessLog, log
        from onetime.observe import logs, metrics

        def count(n: int) -> None:
            for _ in range(n):
                metrics.verification("transfer", "accepted")

        def observe(n: int) -> None:
            for _ in range(n):
                metrics.verification_latency(0.0012)

        print("count a verification:", per_call(count, COUNTS))
        print("observe its latency: ", per_call(observe, COUNTS))
        with open(os.devnull, "w") as devnull:
            handler = logging.StreamHandler(devnull)
            handler.setFormatter(logs.JsonFormatter())
            log.addHandler(handler)
            log.propagate = False
            log.setLevel(logging.INFO)
            print("bare ASGI app:       ", per_call(requests_through(bare), REQUESTS))
            print("access log, line on: ", per_call(requests_through(AccessLog(bare)),
                                                     REQUESTS))
            log.setLevel(logging.WARNING)
            print("access log, line off:", per_call(requests_through(AccessLog(bare)),
                                                     REQUESTS))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
