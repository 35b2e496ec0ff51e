"""`make bench`: verification throughput and latency of `onetime serve`, audit on.

For SQLite and then PostgreSQL: a fresh database with BENCH_TOKENS active tokens
(bulk-loaded, known secrets), a server with BENCH_WORKERS worker processes, and wrk
(BENCH_CONNECTIONS connections, BENCH_DURATION seconds each) sending
  accepted  every request a fresh valid code (each token's codes of the steps in the window)
  rejected  wrong codes spread over the tokens, fewer per token than suspend one
  noop      GET /api/v1/noop: the same server without database or crypto, the ceiling
then one table. Every answer is counted by its result, and the audit trail is checked
afterwards, so a run that measured rejections instead of acceptances says so.
Then the scale check (BENCH_SCALE tokens against 1 000; BENCH_SCALE=0 skips it).

Knobs: BENCH_DURATION (10), BENCH_CONNECTIONS (16), BENCH_TOKENS (20000),
BENCH_WORKERS (2), BENCH_DBS (sqlite,postgresql), BENCH_SCALE (1000000),
BENCH_SCALE_DBS (sqlite,postgresql), BENCH_IMPORT_KEYS (100000; 0 skips the PSKC import
benchmark, bench/imports.py), ONETIME_TEST_PG (PostgreSQL admin URL).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import imports, procs, scale, scenarios, wrk
from bench.loader import load_active_tokens, stderr_progress
from tests.e2e import servers

DURATION = float(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
TOKENS = int(os.environ.get("BENCH_TOKENS", "20000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
DBS = [d for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d]
SERVER_ARGS = ("--loop", "uvloop", "--http", "httptools")
WARMUP_SECONDS = 2.0


@dataclass
class Row:
    scenario: str
    db: str
    result: wrk.WrkResult
    check: str
    ok: bool


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_database(kind: str, root: Path) -> list[Row]:
    rows: list[Row] = []
    with servers.site(kind, root / kind) as site:
        log(f"{kind}: loading {TOKENS:,} tokens")
        loaded = load_active_tokens(site.ctx, site.institution, TOKENS, prefix="b",
                                    progress=stderr_progress("load", TOKENS))
        warm = load_active_tokens(site.ctx, site.institution, 2_000, prefix="w")
        with servers.serve(site.env, site.dir, workers=WORKERS, extra_args=SERVER_ARGS) as (
                server,):
            url = server.url
            requests = site.dir / "requests"
            threads = wrk.THREADS
            indexes = range(TOKENS)

            log(f"{kind}: warming up")
            step = scenarios.usable_steps(warm, 0)[warm.institution.settings.window]
            wrk.write_requests(requests, scenarios.rejected_requests(
                warm, range(warm.count), step, 5, threads))
            wrk.run(url, duration=WARMUP_SECONDS, connections=CONNECTIONS, script=wrk.REPLAY,
                    args=(str(requests), site.api_key))

            log(f"{kind}: accepted verifications")
            steps = scenarios.usable_steps(loaded, DURATION + 5)
            wrk.write_requests(requests, scenarios.accepted_requests(
                loaded, indexes, steps, threads))
            mark = scenarios.last_audit_id(site)
            result = wrk.run(url, duration=DURATION, connections=CONNECTIONS,
                             script=wrk.REPLAY, args=(str(requests), site.api_key))
            rows.append(check_accepted(kind, site, mark, result))

            log(f"{kind}: rejected verifications")
            step = scenarios.usable_steps(loaded, 0)[loaded.institution.settings.window]
            # Enough wrong codes for 8 000 answers a second, never 10 on one token.
            passes = min(9, math.ceil(DURATION * 8_000 / TOKENS))
            wrk.write_requests(requests, scenarios.rejected_requests(
                loaded, indexes, step, passes, threads))
            mark = scenarios.last_audit_id(site)
            result = wrk.run(url, duration=DURATION, connections=CONNECTIONS,
                             script=wrk.REPLAY, args=(str(requests), site.api_key))
            rows.append(check_rejected(kind, site, mark, result))

            log(f"{kind}: no-op ceiling")
            result = wrk.run(f"{url}/api/v1/noop", duration=DURATION, connections=CONNECTIONS,
                             script=wrk.SUMMARY)
            ok = result.status == 0 and result.socket_errors == 0
            rows.append(Row("noop", kind, result, "—", ok))
            log(f"{kind}: worker peak RSS "
                + ", ".join(f"{procs.peak_rss_mib(p):.0f} MiB"
                            for p in server.worker_pids()))
    return rows


def check_accepted(kind: str, site: servers.Site, mark: int, result: wrk.WrkResult) -> Row:
    """Every answer accepted, and the audit holds one accepted entry per answer."""
    left = scenarios.wait_sealed(site)
    audit = scenarios.verification_results(site, mark, "b")
    answered = result.accepted
    # Requests in flight when wrk stopped were still answered and audited: at most one
    # per connection more in the audit than wrk counted.
    ok = (result.rejected == result.suspended == result.other == result.not_active == 0
          and answered <= audit["accepted"] <= answered + CONNECTIONS
          and sum(audit.values()) == audit["accepted"] and not result.exhausted and left == 0)
    check = (f"{answered:,} answers accepted; audit {audit['accepted']:,} accepted, "
             f"{sum(audit.values()) - audit['accepted']} other"
             + (", RAN OUT OF CODES" if result.exhausted else "")
             + (f", {left} unsealed" if left else ""))
    return Row("accepted", kind, result, check, ok)


def check_rejected(kind: str, site: servers.Site, mark: int, result: wrk.WrkResult) -> Row:
    left = scenarios.wait_sealed(site)
    audit = scenarios.verification_results(site, mark, "b")
    answered = result.rejected
    ok = (result.accepted == result.suspended == result.other == result.not_active == 0
          and answered <= audit["rejected"] <= answered + CONNECTIONS
          and sum(audit.values()) == audit["rejected"] and not result.exhausted and left == 0)
    check = (f"{answered:,} answers rejected; audit {audit['rejected']:,} rejected, "
             f"{sum(audit.values()) - audit['rejected']} other"
             + (", RAN OUT OF CODES" if result.exhausted else "")
             + (f", {left} unsealed" if left else ""))
    return Row("rejected", kind, result, check, ok)


def print_table(rows: list[Row]) -> None:
    header = ["scenario", "DB", "requests/s", "p50 ms", "p95 ms", "p99 ms", "errors/non-2xx",
              "check"]
    lines = [header]
    for row in rows:
        r = row.result
        lines.append([row.scenario, row.db, f"{r.rate:,.0f}", f"{r.p50_us / 1000:.2f}",
                      f"{r.p95_us / 1000:.2f}", f"{r.p99_us / 1000:.2f}",
                      f"{r.socket_errors}/{r.status}",
                      ("ok: " if row.ok else "FAILED: ") + row.check])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(f"\nverifications, {WORKERS} server workers, {CONNECTIONS} connections, "
          f"{DURATION:g} s each, audit on")
    for n, line in enumerate(lines):
        print(" | ".join(cell.ljust(w) if i in (0, 1, 7) else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(line, widths, strict=True))))
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def main() -> int:
    rows: list[Row] = []
    scale_rows: list[scale.ScaleRow] = []
    with tempfile.TemporaryDirectory(prefix="onetime-bench-") as tmp:
        root = Path(tmp)
        for kind in DBS:
            if kind == "postgresql" and (problem := servers.postgres_problem()):
                log(f"postgresql skipped: {problem}")
                continue
            rows += bench_database(kind, root)
        if rows:
            print_table(rows)
        sys.stdout.flush()
        scale_rows = scale.run_all(root, log)
        if scale_rows:
            scale.print_table(scale_rows)
    if imports.KEYS > 0:  # BENCH_IMPORT_KEYS=0 skips the PSKC import benchmark
        imports.main()
    ok = all(r.ok for r in rows) and all(r.ok for r in scale_rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
