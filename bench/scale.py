"""The scale check: does an accepted verification cost more with 1 000 000 tokens than 1 000?

At each size, a fresh database and server, then a fixed sample of accepted verifications
(all 1 000 tokens times the steps of the window; or as many tokens drawn at random from
the million, one code each, so that the index and the pages really are spread). The cost
is the CPU the server's processes (workers, the audit sealer process, the supervisor) and,
on PostgreSQL, the database's processes spent per verification, beside the latency and the
workers' peak RSS.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import procs, scenarios, wrk
from bench.loader import load_active_tokens, stderr_progress
from tests.e2e import servers

SCALE = int(os.environ.get("BENCH_SCALE", "1000000"))
SCALE_DBS = [d for d in os.environ.get("BENCH_SCALE_DBS", "sqlite,postgresql").split(",") if d]
SMALL = 1_000
SAMPLE = 3_000
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
RUN_SECONDS = 8.0  # ample for SAMPLE requests; wrk stops sending when they are used up


@dataclass
class ScaleRow:
    db: str
    tokens: int
    result: wrk.WrkResult
    audited: int
    span: float
    server_cpu: float
    db_cpu: float
    peak_rss: list[float]
    ok: bool

    @property
    def rate(self) -> float:
        return self.audited / self.span if self.span else 0.0


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on this machine: backends, WAL writer, checkpointer."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "postgres":
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def measure(kind: str, root: Path, tokens: int, log: Callable[[str], None]) -> ScaleRow:
    with servers.site(kind, root / f"{kind}-{tokens}") as site:
        log(f"scale {kind}: loading {tokens:,} tokens")
        loaded = load_active_tokens(site.ctx, site.institution, tokens, prefix="s",
                                    progress=stderr_progress("load", tokens))
        with servers.serve(site.env, site.dir, workers=WORKERS,
                           extra_args=("--loop", "uvloop", "--http", "httptools")) as (server,):
            requests = site.dir / "requests"
            # Warm-up: two wrong codes on some tokens (the accepted codes reset the count).
            step = scenarios.usable_steps(loaded, 0)[1]
            wrk.write_requests(requests, scenarios.rejected_requests(
                loaded, range(min(tokens, 2_000)), step, 2, wrk.THREADS))
            wrk.run(server.url, duration=2, connections=CONNECTIONS, script=wrk.REPLAY,
                    args=(str(requests), site.api_key))
            scenarios.wait_sealed(site)

            steps = scenarios.usable_steps(loaded, RUN_SECONDS + 5)
            if tokens * len(steps) <= SAMPLE:
                indexes = range(tokens)
            else:
                indexes, steps = random.sample(range(tokens), SAMPLE), steps[1:2]
            wrk.write_requests(requests, scenarios.accepted_requests(
                loaded, indexes, steps, wrk.THREADS))
            workers = server.worker_pids()
            server_pids = procs.group_pids(server.process.pid)
            db_pids = postgres_pids() if kind == "postgresql" else []
            mark = scenarios.last_audit_id(site)
            cpu0, db0 = procs.cpu_seconds(server_pids), procs.cpu_seconds(db_pids)
            result = wrk.run(server.url, duration=RUN_SECONDS, connections=CONNECTIONS,
                             script=wrk.REPLAY, args=(str(requests), site.api_key))
            left = scenarios.wait_sealed(site)
            cpu = procs.cpu_seconds(server_pids) - cpu0
            db_cpu = procs.cpu_seconds(db_pids) - db0
            audit = scenarios.verification_results(site, mark, "s")
            span = scenarios.accepted_span(site, mark)
            sent = len(indexes) * len(steps)
            ok = (result.accepted == audit["accepted"] == sent == sum(audit.values())
                  and left == 0 and result.other == 0)
            return ScaleRow(kind, tokens, result, audit["accepted"], span, cpu, db_cpu,
                            [procs.peak_rss_mib(p) for p in workers], ok)


def run_all(root: Path, log: Callable[[str], None]) -> list[ScaleRow]:
    rows: list[ScaleRow] = []
    if SCALE <= 0:
        return rows
    for kind in SCALE_DBS:
        if kind == "postgresql" and (problem := servers.postgres_problem()):
            log(f"scale postgresql skipped: {problem}")
            continue
        for tokens in (SMALL, SCALE):
            rows.append(measure(kind, root, tokens, log))
    return rows


def print_table(rows: list[ScaleRow]) -> None:
    header = ["DB", "tokens", "verified", "per s", "p50 ms", "p99 ms", "server CPU µs/verif",
              "DB CPU µs/verif", "peak RSS MiB/worker", "check"]
    lines = [header]
    for row in rows:
        r = row.result
        n = max(row.audited, 1)
        lines.append([row.db, f"{row.tokens:,}", f"{row.audited:,}", f"{row.rate:,.0f}",
                      f"{r.p50_us / 1000:.2f}", f"{r.p99_us / 1000:.2f}",
                      f"{row.server_cpu / n * 1e6:,.0f}",
                      f"{row.db_cpu / n * 1e6:,.0f}" if row.db == "postgresql" else "—",
                      " / ".join(f"{m:.0f}" for m in row.peak_rss),
                      "ok" if row.ok else "FAILED"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(f"\nscale check: {SAMPLE:,} accepted verifications at each size; server CPU counts "
          "the workers and the audit sealer process")
    for n, line in enumerate(lines):
        print(" | ".join(cell.ljust(w) if i in (0, 9) else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(line, widths, strict=True))))
        if n == 0:
            print("-+-".join("-" * w for w in widths))
