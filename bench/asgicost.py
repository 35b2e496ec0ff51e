"""`python -m bench.asgicost`: CPU per request of the ASGI app itself, no server, no wrk.

The app of `onetime serve` (api.server.build) and the bare ceiling (bench/ceiling.py) are
called directly as ASGI applications on one uvloop loop, one request after another, on
a SQLite site: the CPU time of this process per request, for a no-op, an accepted code,
a rejected code and the ceiling. It leaves out what both share (uvicorn's HTTP parsing,
the socket) and what runs elsewhere (the sealer process), and it is steady on a loaded
machine, where `make bench` is not: for finding where a verification's time goes
(`--profile accepted|rejected` prints cProfile's top functions) and for measuring a
change to the path before `make bench` confirms it.

    .venv/bin/python -m bench.asgicost [--profile accepted] [--count 3000]

`--only KIND` runs one kind once, for counting instructions, which a loaded machine does
not disturb: under `valgrind --tool=callgrind`, the difference between `--count 300`
and `--count 100` (same `--load`) over 200 is the instructions of one request.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from bench import ceiling
from bench.loader import LoadedTokens, load_active_tokens
from onetime.api.server import build
from onetime.config import Config
from tests.e2e import servers

RUNS = 3


def _scope(method: str, path: str, api_key: str, body: bytes) -> dict:
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {api_key}".encode()),
               (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": method, "scheme": "http", "path": path,
            "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000), "state": {}}


async def _call(app, scope: dict, body: bytes) -> tuple[int, bytes]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def _requests(loaded: LoadedTokens, start: int, count: int, kind: str, step: int):
    service_id = loaded.institution.service_id
    for i in range(start, start + count):
        code = loaded.code(i, step) if kind in ("accepted", "ceiling") \
            else loaded.wrong_codes(i, step, 1)[0]
        path = f"/api/v1/services/{service_id}/users/{loaded.user_id(i)}/verifications"
        yield path, json.dumps({"code": code, "operation": "transfer"}).encode()


async def _run(app, api_key: str, requests, expect: bytes) -> float:
    """CPU µs per request of the requests."""
    requests = list(requests)
    started = time.process_time()
    for path, body in requests:
        method = "GET" if path.endswith("/noop") else "POST"
        status, answer = await _call(app, _scope(method, path, api_key, body), body)
        if status != 200 or expect not in answer:
            raise AssertionError(f"{path}: {status} {answer[:200]!r}")
    return (time.process_time() - started) / len(requests) * 1e6


async def measure(site: servers.Site, loaded: LoadedTokens, count: int,
                  profile: str | None, only: str | None = None) -> dict[str, float]:
    os.environ.update(site.env)
    app = build(Config.from_env(site.env))
    ceiling_dir = site.dir / "ceiling"
    ceiling_dir.mkdir(exist_ok=True)
    copy = ceiling.copy_sqlite(site, ceiling_dir)
    os.environ.update({"CEILING_DATABASE": str(copy),
                       "CEILING_INSTITUTION_ID": str(site.institution.id)})
    bare = ceiling.app()
    period = loaded.institution.settings.period
    figures: dict[str, list[float]] = {k: [] for k in ("noop", "ceiling", "accepted",
                                                       "rejected")}
    noop = [("/api/v1/noop", b"")] * count
    used = 0
    if only:
        step = int(time.time()) // period
        app_of = bare if only == "ceiling" else app
        expect = {"noop": b'"ok"', "ceiling": b"accepted"}.get(only, f'"{only}"'.encode())
        requests = noop if only == "noop" else _requests(loaded, 0, count, only, step)
        return {only: await _run(app_of, site.api_key, requests, expect)}
    for _ in range(RUNS):
        step = int(time.time()) // period
        figures["noop"].append(await _run(app, site.api_key, noop, b'"ok"'))
        figures["ceiling"].append(await _run(
            bare, "", _requests(loaded, used, count, "ceiling", step), b"accepted"))
        figures["accepted"].append(await _run(
            app, site.api_key, _requests(loaded, used, count, "accepted", step),
            b'"accepted"'))
        figures["rejected"].append(await _run(
            app, site.api_key, _requests(loaded, used, count, "rejected", step),
            b'"rejected"'))
        used += count
    if profile:
        step = int(time.time()) // period
        requests = noop if profile == "noop" else \
            list(_requests(loaded, used, count, profile, step))
        profiler = cProfile.Profile()
        profiler.enable()
        await _run(app, site.api_key, requests,
                   b'"ok"' if profile == "noop" else f'"{profile}"'.encode())
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats(os.environ.get("BENCH_SORT", "tottime"))
        stats.print_stats(int(os.environ.get("BENCH_TOP", "35")))
    return {k: statistics.median(v) for k, v in figures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.asgicost")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--profile", choices=("noop", "accepted", "rejected"))
    parser.add_argument("--only", choices=("noop", "ceiling", "accepted", "rejected"))
    parser.add_argument("--load", type=int, help="tokens to load (default: enough)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="onetime-asgicost-") as tmp, \
            servers.site("sqlite", Path(tmp)) as site:
        loaded = load_active_tokens(site.ctx, site.institution,
                                    args.load or args.count * (RUNS + 1), prefix="c")
        site.ctx.db.dispose()
        figures = uvloop.run(measure(site, loaded, args.count, args.profile, args.only))
    if args.only:
        print(f"{args.only}: {figures[args.only]:.0f} µs CPU per request")
        return 0
    print(f"CPU µs per request, in process, SQLite, median of {RUNS} × {args.count}:")
    for kind, value in figures.items():
        print(f"  {kind:9} {value:7.0f} µs   {figures['ceiling'] / value:5.2f}× the ceiling's rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
