"""The scale-out table: `python -m deploy.scale` (docs/operations.md, "Scale-out table").

Accepted verifications per second through haproxy, for N = 1, 2, 4 `onetime serve`
processes (one worker each) and as many as the machine has cores, on one PostgreSQL
(ONETIME_TEST_PG, the local server by default). For each N: a fresh database, fresh
tokens, N servers behind deploy/haproxy.cfg, a short warm-up, then wrk sending every
request a fresh valid code (bench/replay.lua). The rate is the audit trail's: accepted
verifications over the time between the first and the last. Each row is checked: every
answer and every audit entry `accepted`, all sealed, as many entries as wrk counted
answers plus at most the requests in flight when it stopped.

Knobs: DEPLOY_SCALE_PROCESSES (1,2,4 and the cores), DEPLOY_SCALE_SECONDS (8),
DEPLOY_SCALE_CONNECTIONS (16), DEPLOY_SCALE_TOKENS (4000).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import scenarios, wrk
from bench.loader import load_active_tokens
from deploy import cluster, debian
from tests.e2e import servers

CORES = os.cpu_count() or 1
PROCESSES = sorted({int(n) for n in os.environ.get(
    "DEPLOY_SCALE_PROCESSES", f"1,2,4,{CORES}").split(",") if n})
SECONDS = float(os.environ.get("DEPLOY_SCALE_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("DEPLOY_SCALE_CONNECTIONS", "16"))
TOKENS = int(os.environ.get("DEPLOY_SCALE_TOKENS", "4000"))
WARM_TOKENS = 500
SERVER_ARGS = ("--loop", "uvloop", "--http", "httptools")


@dataclass
class Row:
    processes: int
    result: wrk.WrkResult
    audited: int
    span: float
    ok: bool

    @property
    def rate(self) -> float:
        return self.audited / self.span if self.span else 0.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(processes: int, root: Path) -> Row:
    directory = root / f"n{processes}"
    with servers.site("postgresql", directory) as site:
        loaded = load_active_tokens(site.ctx, site.institution, TOKENS, prefix="s")
        warm = load_active_tokens(site.ctx, site.institution, WARM_TOKENS, prefix="w")
        with cluster.cluster(site.env, directory, processes=processes,
                             extra_args=SERVER_ARGS) as running:
            log(f"N={processes}: {processes} servers behind haproxy; warm-up, then "
                f"{SECONDS:.0f} s of accepted verifications")
            requests = directory / "requests"
            wrk.write_requests(requests, scenarios.accepted_requests(
                warm, range(WARM_TOKENS), scenarios.usable_steps(warm, 5)[-1:], wrk.THREADS))
            wrk.run(running.url, duration=2, connections=CONNECTIONS, script=wrk.REPLAY,
                    args=(str(requests), site.api_key))
            scenarios.wait_sealed(site)

            steps = scenarios.usable_steps(loaded, SECONDS + 5)
            wrk.write_requests(requests, scenarios.accepted_requests(
                loaded, range(TOKENS), steps, wrk.THREADS))
            mark = scenarios.last_audit_id(site)
            result = wrk.run(running.url, duration=SECONDS, connections=CONNECTIONS,
                             script=wrk.REPLAY, args=(str(requests), site.api_key))
            left = scenarios.wait_sealed(site)
            audit = scenarios.verification_results(site, mark, "s")
            span = scenarios.accepted_span(site, mark)
            # wrk stops at the end of the run with up to one request in flight per
            # connection: those are accepted and audited, but wrk never reads the answer.
            ok = (audit["accepted"] == sum(audit.values()) > 0
                  and 0 <= audit["accepted"] - result.accepted <= CONNECTIONS
                  and result.other == 0 and result.socket_errors == 0 and left == 0)
            return Row(processes, result, audit["accepted"], span, ok)


def print_table(rows: list[Row]) -> None:
    header = ["N processes", "verified", "accepted/s", "p50 ms", "p99 ms", "check"]
    lines = [header]
    for row in rows:
        r = row.result
        lines.append([str(row.processes), f"{row.audited:,}", f"{row.rate:,.0f}",
                      f"{r.p50_us / 1000:.2f}", f"{r.p99_us / 1000:.2f}",
                      "ok" if row.ok else "FAILED"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(f"\nscale-out through haproxy on one PostgreSQL: {CORES} cores, wrk "
          f"{wrk.THREADS} threads × {CONNECTIONS} connections, {SECONDS:.0f} s per row, "
          "every request a fresh valid code; load average now "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (other work skews the figures)")
    for n, line in enumerate(lines):
        print(" | ".join(cell.ljust(w) if i == 5 else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(line, widths, strict=True))))
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl-C
    debian.require("haproxy")
    debian.require("wrk")
    if problem := servers.postgres_problem():
        log(f"PostgreSQL does not answer at {servers.PG_ADMIN_URL}: {problem}")
        return 2
    with tempfile.TemporaryDirectory(prefix="onetime-scale-") as root:
        rows = [measure(n, Path(root)) for n in PROCESSES]
    print_table(rows)
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
