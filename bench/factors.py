"""`python -m bench.factors`: why the in-house benchmark and an outside client disagreed.

Issue 15: an outside wrk run against `onetime serve --workers 2` measured 2.5x less than
`make bench` then reported. The earlier `make bench` differed from it in four ways; this
runs the same accepted-verification scenario on SQLite once per set-up, moving from the
earlier one to the outside one a difference at a time, each with the bare-ASGI ceiling
of its own run, and prints one table:

  in-house      the tests' server options (`--dev --kdf test --no-access-log
                --log-level info`), 20 000 tokens written straight into the table,
                wrk -t2
  + public      `onetime serve --workers 2` as an operator starts it
  + imported    40 000 tokens through the PSKC import endpoint instead
  + wrk -t1     the outside client's one wrk thread: what `make bench` now measures

BENCH_DURATION (10), BENCH_CONNECTIONS (16) as for `make bench`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.__main__ import DURATION, Setup, bench_database, log

STEPS = [
    ("in-house", Setup(public=False, imported=False, tokens=20_000, threads=2)),
    ("+ public", Setup(public=True, imported=False, tokens=20_000, threads=2)),
    ("+ imported", Setup(public=True, imported=True, tokens=40_000, threads=2)),
    ("+ wrk -t1", Setup(public=True, imported=True, tokens=40_000, threads=1)),
]


def main() -> int:
    lines = []
    with tempfile.TemporaryDirectory(prefix="onetime-factors-") as tmp:
        for n, (name, setup) in enumerate(STEPS):
            log(f"== {name}")
            rows = {row.scenario: row for row in bench_database(
                "sqlite", Path(tmp) / str(n), setup)}
            accepted, top = rows["accepted"].result, rows["ceiling"].result
            lines.append((name, accepted.rate, accepted.p99_us / 1000, rows["noop"].result.rate,
                          top.rate, accepted.rate / top.rate, rows["accepted"].ok))
    print(f"\naccepted verifications on SQLite, {DURATION:g} s each, the ceiling in each run")
    print(f"{'set-up':12} | {'accepted/s':>10} | {'p99 ms':>7} | {'noop/s':>7} | "
          f"{'ceiling/s':>9} | {'× ceiling':>9} | check")
    for name, rate, p99, noop, top, ratio, ok in lines:
        print(f"{name:12} | {rate:10,.0f} | {p99:7.1f} | {noop:7,.0f} | {top:9,.0f} | "
              f"{ratio:9.2f} | {'ok' if ok else 'FAILED'}")
    return 0 if all(line[-1] for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
