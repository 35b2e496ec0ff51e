"""`python -m bench.imports`: PSKC import speed and peak memory, on SQLite and PostgreSQL.

Writes a BENCH_IMPORT_KEYS-key document (default 100 000 TOTP keys under a pre-shared
key) to a file, then for each database runs `onetime tokens import` on a fresh site as
a subprocess and reports keys/s (wall, document reading included) and the process's
peak RSS (its own rusage, from wait4).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.pskcdoc import KEYS_PER_REQUEST, PskcKeys, document, write
from tests.e2e import servers

KEYS = int(os.environ.get("BENCH_IMPORT_KEYS", "100000"))
DBS = [d for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d]


def measure(kind: str, root: Path, document: Path,
            keys: PskcKeys) -> tuple[float, float, float, str]:
    """(keys/s, keys per CPU second of the command, peak RSS MiB, the command's summary
    line) of one import on a fresh site. The CPU rate is steadier on a shared machine,
    but leaves out the database server's own work."""
    with servers.site(kind, root / kind) as site:
        site.ctx.db.dispose()
        started = time.perf_counter()
        with (root / f"{kind}.out").open("w+") as out, (root / f"{kind}.err").open("w+") as err:
            child = subprocess.Popen(
                [sys.executable, "-m", "onetime.cli", "tokens", "import", "--service-id",
                 site.institution.service_id, str(document), "--psk-hex", keys.psk.hex(),
                 "--confirmed"], env={**os.environ, **site.env}, stdout=out, stderr=err)
            # wait4: this child's own rusage, whose ru_maxrss is its peak RSS in KiB.
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            if child.returncode != 0:
                raise RuntimeError(err.read()[-2000:])
            cpu = usage.ru_utime + usage.ru_stime
            return (keys.count / seconds, keys.count / cpu, usage.ru_maxrss / 1024,
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
