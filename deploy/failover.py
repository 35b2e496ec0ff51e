"""The failover drill: `python -m deploy.failover` (docs/operations.md, "Failover runbook").

A PostgreSQL primary and a synchronous standby on local ports (deploy/pgpair.py); two
`onetime serve` processes behind haproxy, their database URL naming both nodes
(target_session_attrs=read-write). Clients verify codes at a steady pace: each token of
one set its current code once, the tokens of another a few wrong codes each. Then the
primary is killed (SIGKILL to every process of it), the standby promoted a moment later,
as a monitor would, and the load goes on until the service answers again. A 503 is
retried with the same code after RETRY_PAUSE (not after Retry-After's 2 s, so that the
downtime is measured to a tenth of a second). Then it proves, on the new primary:

- every answer was 200 or a 503 with Retry-After (never a 500);
- no acknowledged acceptance was lost: each is in the audit trail and its token's step
  used up, and sending the code again is rejected (a replay);
- no code was accepted twice, in the answers nor in the audit trail;
- failure counts are intact: each token counts at least the failures acknowledged to a
  client and at most those plus the attempts answered 503 (a COMMIT whose outcome the
  client never learned), and each counted failure has its audit entry;
- `onetime audit verify` passes;
and prints the downtime. Exit status 0 if every proof holds, 1 if not.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.loader import LoadedTokens, load_active_tokens
from deploy import cluster, proofs
from deploy.drill import Drill, verify
from deploy.pgpair import PgPair, pg_pair
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import SystemClock
from onetime.otp import step_at
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database
from tests.e2e import servers

PRIMARY_PORT = int(os.environ.get("ONETIME_DRILL_PRIMARY_PORT", "55432"))
STANDBY_PORT = int(os.environ.get("ONETIME_DRILL_STANDBY_PORT", "55433"))
DATABASE = "onetime"
PROCESSES = 2
CLIENTS = 32
RATE = 200.0  # requests per second at most, all clients together
LOAD_BEFORE = 3.0  # seconds of load before the primary is killed
PROMOTE_AFTER = 1.0  # seconds a monitor takes to see the primary gone and promote
LOAD_AFTER = 2.0  # seconds of load once the service answers again
RECOVERY_LIMIT = 30.0  # the drill fails if the service does not answer again by then
RETRY_PAUSE = 0.1
ACCEPT_TOKENS = 6_000  # as many as the longest drill sends at RATE
WRONG_TOKENS = 300
WRONG_PER_TOKEN = 4  # with retries still well under max_failures: none suspends
WRONG_EVERY = 3  # one wrong code after every third valid one


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(root: Path, primary_port: int = PRIMARY_PORT, standby_port: int = STANDBY_PORT,
        progress: Callable[[str], None] = log) -> Drill:
    """The whole drill under `root` (the servers' files); the PostgreSQL pair is removed."""
    drill = Drill()
    with pg_pair(primary_port, standby_port) as pair:
        progress(f"primary on {primary_port}, synchronous standby on {standby_port}")
        admin = create_engine(pair.node_url(pair.primary), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
        site = _site(pair.url(DATABASE), root)
        try:
            valid = load_active_tokens(site.ctx, site.institution, ACCEPT_TOKENS, prefix="v")
            wrong = load_active_tokens(site.ctx, site.institution, WRONG_TOKENS, prefix="w")
            with cluster.cluster(site.env, root, processes=PROCESSES) as running:
                progress(f"{PROCESSES} servers behind haproxy at {running.url}; load starts")
                asyncio.run(_load(drill, running.url, site, pair, valid, wrong, progress))
                progress("load stopped; checking on the new primary")
                proofs.prove(drill, running.url, site, valid, wrong)
        finally:
            site.ctx.db.dispose()
    return drill


def _site(url: str, root: Path) -> servers.Site:
    db = Database(url)
    migrate.upgrade(db)
    key_file = root / "keys.json"
    ctx = Context(db=db, keyring=KeyRing(FileKeyProvider.create(key_file)),
                  clock=SystemClock(), setup_kdf=TEST_KDF)
    institution, key = Services.from_context(ctx).institutions.add(
        "0001", "フェイルオーバー訓練信用組合", "otp@bank.example.jp")
    return servers.Site("postgresql", url, key_file, root, ctx, institution,
                        key.reveal_text())


def _jobs(valid: LoadedTokens, wrong: LoadedTokens) -> Iterator[tuple[str, int, int]]:
    """(kind, token index, pass): valid codes, a wrong one after every WRONG_EVERY."""
    wrong_jobs = ((n, index) for n in range(WRONG_PER_TOKEN) for index in range(wrong.count))
    for index in range(valid.count):
        yield "valid", index, 0
        if index % WRONG_EVERY == WRONG_EVERY - 1 and (job := next(wrong_jobs, None)):
            yield "wrong", job[1], job[0]


async def _load(drill: Drill, url: str, site: servers.Site, pair: PgPair,
                valid: LoadedTokens, wrong: LoadedTokens, progress) -> None:
    jobs = _jobs(valid, wrong)
    stop = asyncio.Event()
    period = site.institution.settings.period
    wrong_codes = {index: wrong.wrong_codes(index, step_at(time.time(), period),
                                            WRONG_PER_TOKEN) for index in range(wrong.count)}
    drill.started = time.monotonic()

    async def client(http: httpx.AsyncClient) -> None:
        # Each client sends one request every CLIENTS / RATE seconds, or as soon as its
        # previous one is answered if that took longer.
        next_at = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at = time.monotonic() + CLIENTS / RATE
            job = next(jobs, None)
            if job is None:
                raise RuntimeError("the drill ran out of tokens: raise ACCEPT_TOKENS")
            kind, index, n = job
            loaded = valid if kind == "valid" else wrong
            code = valid.code(index, step_at(time.time(), period)) if kind == "valid" \
                else wrong_codes[index][n]
            while True:  # the same code again after a 503, as a bank's client would
                answer = await verify(http, loaded, kind, index, code)
                drill.answers.append(answer)
                if answer.status != 503 or stop.is_set():
                    break
                await asyncio.sleep(RETRY_PAUSE)

    async def operator() -> None:
        try:
            await asyncio.sleep(LOAD_BEFORE)
            drill.killed = pair.kill_primary()
            progress(f"primary killed (SIGKILL) at +{drill.killed - drill.started:.2f} s")
            await asyncio.sleep(PROMOTE_AFTER)
            await asyncio.to_thread(pair.promote)
            drill.promoted = time.monotonic()
            progress(f"standby promoted at +{drill.promoted - drill.started:.2f} s")
            deadline = drill.killed + RECOVERY_LIMIT
            while time.monotonic() < deadline and not any(
                    a.status == 200 and a.started > drill.promoted for a in drill.answers):
                await asyncio.sleep(0.05)
            await asyncio.sleep(LOAD_AFTER)
        finally:
            stop.set()

    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 headers={"Authorization": f"Bearer {site.api_key}"},
                                 limits=httpx.Limits(max_connections=CLIENTS)) as http:
        await asyncio.wait_for(asyncio.gather(operator(), *(client(http)
                                                            for _ in range(CLIENTS))),
                               LOAD_BEFORE + RECOVERY_LIMIT + LOAD_AFTER + 30)


def report(drill: Drill) -> str:
    start = drill.started
    lines = ["", "failover drill: PostgreSQL primary killed with SIGKILL, synchronous "
             "standby promoted", ""]
    unavailable = [a for a in drill.answers if a.status == 503]
    served = sorted(a.ended - a.started for a in drill.answers if a.status == 200)
    lines.append(f"  requests sent            {len(drill.answers):,} in "
                 f"{max((a.ended for a in drill.answers), default=start) - start:.1f} s "
                 f"(200 answers: median {served[len(served) // 2] * 1000 if served else 0:.0f}"
                 " ms)")
    lines.append(f"  primary killed           +{drill.killed - start:.2f} s")
    lines.append(f"  standby promoted         +{drill.promoted - start:.2f} s")
    if unavailable:
        lines.append(f"  503 answers              {len(unavailable):,}, received from "
                     f"+{min(a.ended for a in unavailable) - start:.2f} s to "
                     f"+{max(a.ended for a in unavailable) - start:.2f} s")
    downtime = f"{drill.downtime:.2f} s" if drill.downtime is not None else "no recovery"
    lines.append(f"  downtime                 {downtime} (the kill to the first answer "
                 "served by the new primary)")
    lines.append("")
    for ok, claim in drill.proofs:
        lines.append(f"  {'ok    ' if ok else 'FAILED'} {claim}")
    lines.append("")
    lines.append("drill passed" if drill.ok else "DRILL FAILED")
    return "\n".join(lines)


def main() -> int:
    # The clean-up (the servers, haproxy, both PostgreSQL nodes, the files) runs on
    # SIGTERM too, as on Ctrl-C: the context managers' `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="onetime-drill-") as root:
        drill = run(Path(root))
    print(report(drill))
    return 0 if drill.ok else 1


if __name__ == "__main__":
    sys.exit(main())
