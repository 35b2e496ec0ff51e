"""`python -m bench.imports`: PSKC import speed and peak memory, on SQLite and PostgreSQL.

Writes a BENCH_IMPORT_KEYS-key document (default 100 000 TOTP keys under a pre-shared
key) to a file, then for each database runs `onetime tokens import` on a fresh site as
a subprocess and reports keys/s (wall, document reading included), keys per CPU second
of the command (wait4's rusage) and its own peak RSS (VmHWM, reported by bench.peak).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.pskcdoc import KEYS_PER_REQUEST, PskcKeys, document, write
from tests.e2e import servers

KEYS = int(os.environ.get("BENCH_IMPORT_KEYS", "100000"))
DBS = [d for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d]


@dataclass(frozen=True)
class Run:
    """How a child process ran: its exit code, CPU seconds and own peak RSS in MiB."""

    returncode: int
    cpu: float
    peak_mib: float


def run_module(args: list[str], *, env: dict[str, str], stdout: IO, stderr: IO) -> Run:
    """Run `python -m ARGS…` as a child and measure it: its CPU from wait4, its peak RSS
    as it reports it through bench.peak (wait4's ru_maxrss would count this parent's)."""
    with tempfile.NamedTemporaryFile("r", prefix="onetime-peak-") as peak:
        child = subprocess.Popen([sys.executable, "-m", "bench.peak", peak.name, *args],
                                 env=env, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        kib = peak.read().strip()
    return Run(child.returncode, usage.ru_utime + usage.ru_stime,
               int(kib) / 1024 if kib else math.nan)


def measure(kind: str, root: Path, document: Path,
            keys: PskcKeys) -> tuple[float, float, float, str]:
    """(keys/s, keys per CPU second of the command, peak RSS MiB, the command's summary
    line) of one import on a fresh site. The CPU rate is steadier on a shared machine,
    but leaves out the database server's own work."""
    with servers.site(kind, root / kind) as site:
        site.ctx.db.dispose()
        started = time.perf_counter()
        with (root / f"{kind}.out").open("w+") as out, (root / f"{kind}.err").open("w+") as err:
            run = run_module(
                ["onetime.cli", "tokens", "import", "--service-id",
                 site.institution.service_id, str(document), "--psk-hex", keys.psk.hex(),
                 "--confirmed"], env={**os.environ, **site.env}, stdout=out, stderr=err)
            seconds = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            if run.returncode != 0:
                raise RuntimeError(err.read()[-2000:])
            return (keys.count / seconds, keys.count / run.cpu, run.peak_mib,
                    out.read().strip())


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="onetime-bench-import-") as tmp:
        root = Path(tmp)
        keys = PskcKeys("i", KEYS)
        document = write(keys, root / "tokens.pskc")
        size = document.stat().st_size / 2**20
        print(f"\nPSKC import: {KEYS:,} TOTP keys under a pre-shared key, {size:.0f} MiB, "
              "`onetime tokens import --confirmed`")
        for kind in DBS:
            if kind == "postgresql" and (problem := servers.postgres_problem()):
                print(f"postgresql skipped: {problem}")
                continue
            rate, cpu_rate, peak, summary = measure(kind, root, document, keys)
            load = os.getloadavg()
            print(f"{kind:<10} {rate:8,.0f} keys/s ({cpu_rate:,.0f} per CPU second of the "
                  f"command)   peak RSS {peak:6.0f} MiB   "
                  f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}   {summary}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def through_api(url: str, service_id: str, api_key: str, keys: PskcKeys, *,
                progress=None) -> float:
    """Import `keys` through `POST …/tokens/import?confirmed=true`, 20 000 keys a request
    (two such documents fit the 16 MiB body limit); returns keys/s. Raises if any key
    is skipped or a request fails."""
    import httpx

    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=600) as client:
        for start in range(0, keys.count, KEYS_PER_REQUEST):
            stop = min(start + KEYS_PER_REQUEST, keys.count)
            answer = client.post(
                f"/api/v1/services/{service_id}/tokens/import", params={"confirmed": "true"},
                content=document(keys, start, stop),
                headers={"Authorization": f"Bearer {api_key}",
                         "Content-Type": "application/pskc+xml", "PSKC-Key": keys.psk.hex()})
            answer.raise_for_status()
            body = answer.json()
            if body.get("imported") != stop - start:
                raise RuntimeError(f"import of keys {start}–{stop}: {str(body)[:500]}")
            if progress:
                progress(stop)
    return keys.count / (time.perf_counter() - started)
