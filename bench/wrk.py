"""Driving wrk: request files for bench/replay.lua, one run, its parsed summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
REPLAY = HERE / "replay.lua"
SUMMARY = HERE / "summary.lua"
# One thread drives 16 connections at these rates with CPU to spare, and leaves the rest
# of the 2 cores to the servers (issue 15's outside measurement used -t1 too).
THREADS = int(os.environ.get("BENCH_WRK_THREADS", "1"))


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_us: int
    p50_us: int
    p95_us: int
    p99_us: int
    max_us: int
    connect: int
    read: int
    write: int
    timeout: int
    status: int  # responses with a status above 399
    accepted: int = 0
    rejected: int = 0
    suspended: int = 0
    not_active: int = 0
    ok: int = 0
    other: int = 0
    exhausted: int = 0

    @property
    def rate(self) -> float:
        return self.requests / (self.duration_us / 1e6)

    @property
    def socket_errors(self) -> int:
        return self.connect + self.read + self.write + self.timeout


def write_requests(prefix: Path, per_thread: list[list[str]]) -> Path:
    """Write one request file per wrk thread (`<prefix>.1`, `<prefix>.2`, …)."""
    for n, lines in enumerate(per_thread, start=1):
        Path(f"{prefix}.{n}").write_text("".join(line + "\n" for line in lines))
    return prefix


def post_line(path: str, body: dict) -> str:
    return f"POST\t{path}\t{json.dumps(body, separators=(',', ':'))}"


def run(url: str, *, duration: float, connections: int, script: Path,
        args: tuple[str, ...] = (), threads: int = THREADS) -> WrkResult:
    """One wrk run; raises RuntimeError if wrk fails or prints no summary."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
               "--timeout", "5s", "-s", str(script), url]
    if args:
        command += ["--", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60,
                          check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            return WrkResult(**json.loads(line.removeprefix("BENCH ")))
    raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]}"
                       f"{done.stderr[-2000:]}")
