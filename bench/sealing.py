"""What sealing the audit trail costs: CPU µs per entry, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.sealing [ENTRIES] [sqlite,postgresql] [ROUNDS]

Appends ENTRIES (5000) entries like a verification's, then seals them with
`seal_pending`; process time (this process only: PostgreSQL's own work is not in
it), best of ROUNDS (3) rounds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from onetime.service.audit import seal_pending
from tests.e2e import servers


def append(site: servers.Site, count: int) -> None:
    ctx = site.ctx
    with ctx.db.write() as conn:
        for n in range(count):
            ctx.audit.append(conn, at=ctx.clock.now(), institution_id=site.institution.id,
                             event="code_verified", user_id=f"user{n % 1000:04d}",
                             actor=f"user:user{n % 1000:04d}", operation="login",
                             result="accepted" if n % 4 else "rejected",
                             source_ip="203.0.113.7",
                             detail=None if n % 2 else {"failures": n % 10})


def measure(kind: str, count: int, rounds: int) -> float:
    """Best µs of CPU per sealed entry."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp, servers.site(kind, Path(tmp)) as site:
        seal_pending(site.ctx)  # the institution's own entries; warms caches too
        for _ in range(rounds):
            append(site, count)
            started = time.process_time()
            sealed = seal_pending(site.ctx)
            spent = time.process_time() - started
            assert sealed == count, (sealed, count)
            best = min(best, spent / count * 1e6)
    return best


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 5000
    kinds = argv[1].split(",") if len(argv) > 1 else ["sqlite", "postgresql"]
    rounds = int(argv[2]) if len(argv) > 2 else 3
    for kind in kinds:
        print(f"{kind:<11} {measure(kind, count, rounds):6.1f} µs/entry "
              f"(CPU of the sealing process, {count} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
