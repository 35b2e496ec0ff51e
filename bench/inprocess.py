"""The verification use case alone, in process: no HTTP, no server, no other load.

For changes to TokenService and Database that `make bench` would measure only through
its noise: 3 000 verifications one after another, on SQLite and PostgreSQL, each figure
the median of 3 runs, in µs per verification: wall time, and the CPU time of this process
(steadier on a shared machine; the database's own CPU is not in it). `accepted` calls
TokenService.verify directly (the blocking engine, as threads and the CLI use it);
`accepted via call` and `rejected via call` go through Database.call from an event loop,
as the API does.

    .venv/bin/python -m bench.inprocess            # both databases
    BENCH_DBS=sqlite .venv/bin/python -m bench.inprocess
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.loader import LoadedTokens, load_active_tokens
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import FakeClock
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database
from tests.conftest import PG_ADMIN_URL, START

COUNT = int(os.environ.get("BENCH_COUNT", "3000"))
RUNS = 3
DBS = [d for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d]


def measure(services: Services, clock: FakeClock,
            loaded: LoadedTokens) -> dict[str, tuple[float, float]]:
    """(wall, CPU of this process) in µs per verification of each kind, medians of RUNS."""
    inst, verify = loaded.institution, services.tokens.verify

    def step() -> int:
        return int(clock.now().timestamp()) // inst.settings.period

    def accepted() -> None:
        s = step()
        for i in range(COUNT):
            answer = verify(inst, loaded.user_id(i), loaded.code(i, s), "transfer")
            assert answer.result.value == "accepted", answer

    def via_call(kind: str) -> Callable[[], None]:
        async def run() -> None:
            s = step()
            for i in range(COUNT):
                code = loaded.code(i, s) if kind == "accepted" \
                    else loaded.wrong_codes(i, s, 1)[0]
                answer = await services.ctx.db.call(verify, inst, loaded.user_id(i), code,
                                                    "transfer")
                assert answer.result.value == kind, answer
            await services.ctx.db.dispose_loop_connections()

        return lambda: asyncio.run(run())

    kinds = {"accepted": accepted, "accepted via call": via_call("accepted"),
             "rejected via call": via_call("rejected")}
    wall: dict[str, list[float]] = {k: [] for k in kinds}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(RUNS):
        for kind, run in kinds.items():
            clock.advance(timedelta(seconds=inst.settings.period))  # a fresh step to accept
            started, cpu_started = time.perf_counter(), time.process_time()
            run()
            wall[kind].append((time.perf_counter() - started) / COUNT * 1e6)
            cpu[kind].append((time.process_time() - cpu_started) / COUNT * 1e6)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in kinds}


def run_on(url: str, root: Path) -> dict[str, tuple[float, float]]:
    root.mkdir()
    db = Database(url)
    migrate.upgrade(db)
    clock = FakeClock(START)
    ctx = Context(db=db, keyring=KeyRing(FileKeyProvider.create(root / "keys.json")),
                  clock=clock, setup_kdf=TEST_KDF)
    try:
        services = Services.from_context(ctx)
        inst, _key = services.institutions.add("0001", "ベンチ銀行", "otp@bench.example.jp")
        loaded = load_active_tokens(ctx, inst, COUNT)
        return measure(services, clock, loaded)
    finally:
        db.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in DBS:
            if name == "sqlite":
                figures = run_on(f"sqlite:///{tmp}/bench.db", Path(tmp, name))
            else:
                figures = _on_fresh_postgres(Path(tmp, name))
            for kind, (wall, cpu) in figures.items():
                print(f"{name:10} {kind:18} {wall:7.0f} µs wall {cpu:6.0f} µs CPU"
                      " per verification", file=sys.stdout)


def _on_fresh_postgres(root: Path) -> dict[str, tuple[float, float]]:
    name = f"onetime_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return run_on(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, root)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
