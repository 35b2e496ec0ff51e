"""`python -m bench.importphases`: where an in-process PSKC import's time goes, per phase.

Writes a BENCH_IMPORT_KEYS-key document (default 100 000), imports it on a fresh site of
each of BENCH_DBS through `ImportService.import_pskc` in this process (no command
start-up), and prints the wall and CPU seconds of the first pass (read, check, encrypt,
spool), the second (write), and of each bulk statement kind within it. The wall time of
a statement less its CPU time is mostly the database server's work.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.imports import DBS, KEYS
from bench.pskcdoc import PskcKeys, write
from onetime.service.imports import ImportService
from tests.e2e import servers

STATEMENTS = ("serial_holders", "by_users", "insert_many", "refresh_statistics")


def _timed(totals: dict[str, list[float]], name: str, function):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            total = totals.setdefault(name, [0.0, 0.0, 0])
            total[0] += time.perf_counter() - wall
            total[1] += time.process_time() - cpu
            total[2] += 1
    return timed


def measure(kind: str, root: Path, document: Path, keys: PskcKeys) -> None:
    totals: dict[str, list[float]] = {}
    with servers.site(kind, root / kind) as site:
        service = ImportService(site.ctx)
        for name in STATEMENTS:  # this site's repository only
            setattr(site.ctx.token_import, name,
                    _timed(totals, name, getattr(site.ctx.token_import, name)))
        for name in ("_stage", "_store"):
            setattr(service, name, _timed(totals, name, getattr(service, name)))
        wall, cpu = time.perf_counter(), time.process_time()
        with document.open("rb") as source:
            result = service.import_pskc(site.institution, source, psk_hex=keys.psk.hex(),
                                         password=None, confirmed=True, actor=None,
                                         source_ip=None, list_tokens=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = os.getloadavg()
    print(f"{kind:<10} {result.imported:,} imported: wall {wall:.2f} s, CPU {cpu:.2f} s "
          f"({keys.count / cpu:,.0f} keys per CPU second)   load {load[0]:.2f}")
    labels = {"_stage": "first pass", "_store": "second pass"}
    for name, (seconds, cpu_seconds, calls) in totals.items():
        print(f"  {labels.get(name, name):<20} wall {seconds:6.2f} s  CPU {cpu_seconds:6.2f} s"
              f"  ({calls} calls)", flush=True)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="onetime-bench-phases-") as tmp:
        root = Path(tmp)
        keys = PskcKeys("i", KEYS)
        document = write(keys, root / "tokens.pskc")
        for kind in DBS:
            if kind == "postgresql" and (problem := servers.postgres_problem()):
                print(f"postgresql skipped: {problem}")
                continue
            measure(kind, root, document, keys)
    return 0


if __name__ == "__main__":
    sys.exit(main())
