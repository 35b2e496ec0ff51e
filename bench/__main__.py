"""`make bench`: verification throughput and latency as a bank's backend sees them, audit on.

For SQLite and then PostgreSQL (issue 15 asks for exactly this set-up):
  - a fresh database and institution, and `onetime serve --workers 2` started as an
    operator starts it: no development options, its default logging (the tests' servers
    add `--dev --kdf test --no-access-log`; this one does not);
  - BENCH_TOKENS (40 000) TOTP tokens, 8 digits / 60 s, imported through the public PSKC
    endpoint (`POST …/tokens/import?confirmed=true`, 20 000 keys a document);
  - wrk (BENCH_WRK_THREADS threads, BENCH_CONNECTIONS connections, BENCH_DURATION s),
    one prepared request per request:
      accepted  a fresh valid code of a token each time
      rejected  wrong codes spread over the tokens, fewer per token than suspend one
      noop      GET /api/v1/noop: the same server without database or crypto
      ceiling   bench/ceiling.py, a bare ASGI app (2 uvicorn workers, uvloop, httptools)
                doing the database work of an accepted code and nothing else — 1 read and
                1 conditional UPDATE — on a copy of the same tokens;
then one table, each rate also as a fraction of the ceiling. Every answer is counted by
its result, and the audit trail is checked afterwards, so a run that measured rejections
instead of acceptances says so. Then the scale check (BENCH_SCALE tokens against 1 000;
BENCH_SCALE=0 skips it) and the PSKC import benchmark (BENCH_IMPORT_KEYS=0 skips it).

Knobs: BENCH_DURATION (10), BENCH_CONNECTIONS (16), BENCH_WRK_THREADS (1),
BENCH_TOKENS (40000), BENCH_WORKERS (2), BENCH_DBS (sqlite,postgresql), BENCH_SCALE
(1000000), BENCH_SCALE_DBS (sqlite,postgresql), BENCH_IMPORT_KEYS (100000),
ONETIME_TEST_PG (PostgreSQL admin URL). `python -m bench.factors` runs the variants
that explain how this differs from the earlier, in-house set-up.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import ceiling, imports, procs, scale, scenarios, wrk
from bench.loader import LoadedTokens, load_active_tokens, stderr_progress
from bench.pskcdoc import PskcKeys
from tests.e2e import servers

DURATION = float(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
TOKENS = int(os.environ.get("BENCH_TOKENS", "40000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
DBS = [d for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d]
WARMUP_SECONDS = 2.0
CEILING_PASSES = 3
WARM_TOKENS = 2_000


@dataclass(frozen=True)
class Setup:
    """How the server is started and the tokens made: the public set-up by default."""

    public: bool = True  # `onetime serve --workers N`, else the tests' options (TEST_ARGS)
    imported: bool = True  # tokens through the PSKC endpoint, else bench.loader's rows
    tokens: int = TOKENS
    threads: int = wrk.THREADS
    server_args: tuple[str, ...] = ()
    ceiling: bool = True


@dataclass
class Row:
    scenario: str
    db: str
    result: wrk.WrkResult
    check: str
    ok: bool
    # CPU time of the server's processes (workers, sealer, supervisor) per request
    # answered: whether a rate is bound by CPU or by waiting (PostgreSQL's own excluded).
    cpu_us: float | None = None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_tokens(site: servers.Site, url: str, setup: Setup, prefix: str,
                count: int) -> LoadedTokens:
    settings = site.institution.settings
    if not setup.imported:
        return load_active_tokens(site.ctx, site.institution, count, prefix=prefix,
                                  progress=stderr_progress("load", count))
    keys = PskcKeys(prefix, count, digits=settings.digits, period=settings.period)
    rate = imports.through_api(url, site.institution.service_id, site.api_key, keys,
                               progress=stderr_progress("import", count))
    log(f"  imported {count:,} tokens through the API at {rate:,.0f} keys/s")
    return LoadedTokens(site.institution, prefix, count, keys.seed)


def bench_database(kind: str, root: Path, setup: Setup = Setup()) -> list[Row]:
    rows: list[Row] = []
    with servers.site(kind, root / kind) as site, servers.serve(
            site.env, site.dir, workers=WORKERS, public=setup.public,
            extra_args=setup.server_args) as (server,):
        url = server.url
        log(f"{kind}: {setup.tokens:,} tokens")
        loaded = make_tokens(site, url, setup, "b", setup.tokens)
        warm = make_tokens(site, url, setup, "w", WARM_TOKENS)
        requests = site.dir / "requests"
        threads = setup.threads
        indexes = range(setup.tokens)

        def replay(target: str, duration: float) -> wrk.WrkResult:
            return wrk.run(target, duration=duration, connections=CONNECTIONS,
                           script=wrk.REPLAY, args=(str(requests), site.api_key),
                           threads=threads)

        def on_server(row: Row, cpu_before: float) -> Row:
            row.cpu_us = cpu_per_request(server.process.pid, cpu_before, row.result)
            return row

        log(f"{kind}: warming up")
        step = scenarios.usable_steps(warm, 0)[warm.institution.settings.window]
        wrk.write_requests(requests, scenarios.rejected_requests(
            warm, range(warm.count), step, 5, threads))
        replay(url, WARMUP_SECONDS)

        log(f"{kind}: accepted verifications")
        steps = scenarios.usable_steps(loaded, DURATION + 5)
        wrk.write_requests(requests, scenarios.accepted_requests(
            loaded, indexes, steps, threads))
        mark = scenarios.last_audit_id(site)
        cpu = cpu_seconds(server.process.pid)
        result = replay(url, DURATION)
        rows.append(on_server(check_accepted(kind, site, mark, result), cpu))

        log(f"{kind}: rejected verifications")
        step = scenarios.usable_steps(loaded, 0)[loaded.institution.settings.window]
        # Enough wrong codes for 8 000 answers a second, never 10 on one token.
        passes = min(9, math.ceil(DURATION * 8_000 / setup.tokens))
        wrk.write_requests(requests, scenarios.rejected_requests(
            loaded, indexes, step, passes, threads))
        mark = scenarios.last_audit_id(site)
        cpu = cpu_seconds(server.process.pid)
        result = replay(url, DURATION)
        rows.append(on_server(check_rejected(kind, site, mark, result), cpu))

        log(f"{kind}: no-op of the same server")
        cpu = cpu_seconds(server.process.pid)
        result = wrk.run(f"{url}/api/v1/noop", duration=DURATION, connections=CONNECTIONS,
                         script=wrk.SUMMARY, threads=threads)
        ok = result.status == 0 and result.socket_errors == 0
        rows.append(on_server(Row("noop", kind, result, "—", ok), cpu))
        log(f"{kind}: worker peak RSS "
            + ", ".join(f"{procs.peak_rss_mib(p):.0f} MiB" for p in server.worker_pids()))

        if setup.ceiling:
            log(f"{kind}: bare-ASGI ceiling on a copy of the tokens")
            with ceiling.serve(site, root / f"{kind}-ceiling", workers=WORKERS) as target:
                # The ceiling moves a token's step on whatever the code (bench/ceiling.py),
                # so its requests may come round again: at 12 000/s (seen here) one pass of
                # 3 steps × 40 000 tokens ran out before the 10 s were up.
                wrk.write_requests(requests, [per_thread * CEILING_PASSES for per_thread in
                                              scenarios.accepted_requests(
                                                  loaded, indexes, steps, threads)])
                cpu = cpu_seconds(target.process.pid)
                result = replay(target.url, DURATION)
                cpu_us = cpu_per_request(target.process.pid, cpu, result)
            ok = result.accepted > 0 and result.other == result.rejected == 0 \
                and result.socket_errors == 0 and not result.exhausted
            rows.append(Row("ceiling", kind, result,
                            f"{result.accepted:,} answers accepted", ok, cpu_us))
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


def print_table(rows: list[Row], title: str = "") -> None:
    ceilings = {row.db: row.result.rate for row in rows if row.scenario == "ceiling"}
    header = ["scenario", "DB", "requests/s", "× ceiling", "p50 ms", "p95 ms", "p99 ms",
              "server CPU µs/req", "errors/non-2xx", "check"]
    lines = [header]
    for row in rows:
        r = row.result
        top = ceilings.get(row.db)
        ratio = f"{r.rate / top:.2f}" if top and row.scenario != "noop" else "—"
        lines.append([row.scenario, row.db, f"{r.rate:,.0f}", ratio, f"{r.p50_us / 1000:.2f}",
                      f"{r.p95_us / 1000:.2f}", f"{r.p99_us / 1000:.2f}",
                      "—" if row.cpu_us is None else f"{row.cpu_us:,.0f}",
                      f"{r.socket_errors}/{r.status}",
                      ("ok: " if row.ok else "FAILED: ") + row.check])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(title or f"\nverifications, `onetime serve --workers {WORKERS}`, "
          f"wrk -t{wrk.THREADS} -c{CONNECTIONS}, {DURATION:g} s each, audit on, "
          f"{TOKENS:,} imported tokens; × ceiling: the rate over the bare-ASGI ceiling's")
    for n, line in enumerate(lines):
        print(" | ".join(cell.ljust(w) if i in (0, 1, 9) else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(line, widths, strict=True))))
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def cpu_seconds(group: int) -> float:
    """CPU time so far of a server's process group (its supervisor, workers, sealer)."""
    return procs.cpu_seconds(procs.group_pids(group))


def cpu_per_request(group: int, before: float, result: wrk.WrkResult) -> float:
    """CPU µs of a server's process group per request answered since `before`."""
    return (cpu_seconds(group) - before) / max(result.requests, 1) * 1e6


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
