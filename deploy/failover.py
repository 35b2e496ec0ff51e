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
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text

from bench import scenarios
from bench.loader import LoadedTokens, load_active_tokens
from deploy import cluster
from deploy.pgpair import PgPair, pg_pair
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import SystemClock
from onetime.otp import step_at
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database
from onetime.storage.schema import audit_log, tokens
from tests.e2e import servers

PRIMARY_PORT = int(os.environ.get("ONETIME_DRILL_PRIMARY_PORT", "55432"))
STANDBY_PORT = int(os.environ.get("ONETIME_DRILL_STANDBY_PORT", "55433"))
DATABASE = "onetime"
PROCESSES = 2
CLIENTS = 8
RATE = 150.0  # requests per second, all clients together
LOAD_BEFORE = 3.0  # seconds of load before the primary is killed
PROMOTE_AFTER = 1.0  # seconds a monitor takes to see the primary gone and promote
LOAD_AFTER = 2.0  # seconds of load once the service answers again
RECOVERY_LIMIT = 30.0  # the drill fails if the service does not answer again by then
RETRY_PAUSE = 0.1
ACCEPT_TOKENS = 2_500  # more than RATE × the longest drill needs
WRONG_TOKENS = 300
WRONG_PER_TOKEN = 4  # with retries still well under max_failures: none suspends
WRONG_EVERY = 3  # one wrong code after every third valid one


@dataclass
class Answer:
    kind: str  # "valid" or "wrong"
    index: int
    code: str
    status: int
    result: str | None
    retry_after: str | None
    problem: str | None
    started: float
    ended: float


@dataclass
class Drill:
    started: float = 0.0
    killed: float = 0.0
    promoted: float = 0.0
    answers: list[Answer] = field(default_factory=list)
    proofs: list[tuple[bool, str]] = field(default_factory=list)
    downtime: float | None = None

    @property
    def ok(self) -> bool:
        return bool(self.proofs) and all(ok for ok, _ in self.proofs)

    def prove(self, ok: bool, claim: str) -> None:
        self.proofs.append((ok, claim))


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
                _prove(drill, running.url, site, valid, wrong)
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
        while not stop.is_set():
            job = next(jobs, None)
            if job is None:
                raise RuntimeError("the drill ran out of tokens: raise ACCEPT_TOKENS")
            kind, index, n = job
            loaded = valid if kind == "valid" else wrong
            code = valid.code(index, step_at(time.time(), period)) if kind == "valid" \
                else wrong_codes[index][n]
            while True:  # the same code again after a 503, as a bank's client would
                answer = await _verify(http, site, loaded, kind, index, code)
                drill.answers.append(answer)
                if answer.status != 503 or stop.is_set():
                    break
                await asyncio.sleep(RETRY_PAUSE)
            await asyncio.sleep(CLIENTS / RATE)

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


async def _verify(http: httpx.AsyncClient, site: servers.Site, loaded: LoadedTokens,
                  kind: str, index: int, code: str) -> Answer:
    started = time.monotonic()
    try:
        response = await http.post(scenarios.verify_path(loaded, index),
                                   json={"code": code, "operation": "transfer"})
    except httpx.HTTPError as error:  # no answer at all: recorded as status 0
        return Answer(kind, index, code, 0, type(error).__name__, None, None, started,
                      time.monotonic())
    body = response.json() if response.headers.get("content-type", "").endswith("json") \
        else {}
    return Answer(kind, index, code, response.status_code, body.get("result"),
                  response.headers.get("retry-after"), body.get("code"), started,
                  time.monotonic())


def _prove(drill: Drill, url: str, site: servers.Site, valid: LoadedTokens,
           wrong: LoadedTokens) -> None:
    answers = drill.answers
    statuses = Counter(a.status for a in answers)
    drill.prove(set(statuses) <= {200, 503}, f"every answer 200 or 503: {dict(statuses)}")
    unavailable = [a for a in answers if a.status == 503]
    drill.prove(all(a.problem == "service_unavailable" and a.retry_after
                    and int(a.retry_after) >= 1 for a in unavailable),
                f"every 503 ({len(unavailable)}) a service_unavailable problem with "
                "Retry-After")
    drill.prove(bool(unavailable), "the switch was seen by clients (some 503s)")

    acknowledged = {a.index: a.code for a in answers
                    if a.kind == "valid" and a.status == 200 and a.result == "accepted"}
    accepted_answers = Counter(a.index for a in answers
                               if a.kind == "valid" and a.result == "accepted")
    with site.ctx.db.read() as conn:
        audited = Counter(conn.execute(select(audit_log.c.user_id).where(
            audit_log.c.event == "code_verified", audit_log.c.result == "accepted")).scalars())
        used = dict(conn.execute(select(tokens.c.user_id, tokens.c.last_step).where(
            tokens.c.user_id.startswith("v"))).all())
        wrong_rows = dict(conn.execute(select(tokens.c.user_id, tokens.c.failures).where(
            tokens.c.user_id.startswith("w"))).all())
        rejected_audit = Counter(conn.execute(select(audit_log.c.user_id).where(
            audit_log.c.event == "code_verified", audit_log.c.result == "rejected",
            audit_log.c.user_id.startswith("w"))).scalars())
    lost = [i for i in acknowledged
            if audited[valid.user_id(i)] != 1 or used[valid.user_id(i)] is None]
    drill.prove(not lost, f"no acknowledged acceptance lost: {len(acknowledged)} acknowledged, "
                f"each audited and its step used up ({len(lost)} missing)")
    drill.prove(max(accepted_answers.values(), default=0) <= 1
                and max(audited.values(), default=0) <= 1
                and not any(u.startswith("w") for u in audited),
                f"no code accepted twice: {sum(audited.values())} accepted audit entries "
                f"for {len(audited)} tokens")

    acked_failures, unknown = Counter(), Counter()
    for a in answers:
        if a.kind == "wrong":
            if a.status == 200 and a.result == "rejected":
                acked_failures[a.index] += 1
            elif a.status != 200:
                unknown[a.index] += 1
    broken = [i for i in range(wrong.count)
              if not acked_failures[i] <= wrong_rows[wrong.user_id(i)]
              <= acked_failures[i] + unknown[i]
              or rejected_audit[wrong.user_id(i)] != wrong_rows[wrong.user_id(i)]]
    drill.prove(not broken and sum(acked_failures.values()) > 0,
                f"failure counts intact: {sum(acked_failures.values())} acknowledged, "
                f"{sum(wrong_rows.values())} counted, {sum(unknown.values())} attempts "
                f"answered 503; {len(broken)} tokens out of bounds")

    replays = asyncio.run(_replay(url, site, valid, acknowledged))
    drill.prove(bool(replays) and all(a.status == 200 and a.result == "rejected"
                                      for a in replays),
                f"every acknowledged code sent again is rejected: "
                f"{Counter((a.status, a.result) for a in replays)}")

    left = scenarios.wait_sealed(site, timeout=60)
    verify = subprocess.run([sys.executable, "-m", "onetime.cli", "audit", "verify"],
                            env={**os.environ, **site.env}, capture_output=True, text=True,
                            timeout=120, check=False)
    drill.prove(left == 0 and verify.returncode == 0,
                f"audit verifies: `onetime audit verify` exit {verify.returncode}: "
                f"{verify.stdout.strip()}")

    after = [a for a in answers if a.status == 200 and a.started > drill.killed]
    if after:
        drill.downtime = min(a.ended for a in after) - drill.killed


async def _replay(url: str, site: servers.Site, valid: LoadedTokens,
                  acknowledged: dict[int, str]) -> list[Answer]:
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 headers={"Authorization": f"Bearer {site.api_key}"}) as http:
        slots = asyncio.Semaphore(CLIENTS)

        async def one(index: int, code: str) -> Answer:
            async with slots:
                return await _verify(http, site, valid, "valid", index, code)

        return await asyncio.wait_for(asyncio.gather(
            *(one(index, code) for index, code in acknowledged.items())), 120)


def report(drill: Drill) -> str:
    start = drill.started
    lines = ["", "failover drill: PostgreSQL primary killed with SIGKILL, synchronous "
             "standby promoted", ""]
    unavailable = [a for a in drill.answers if a.status == 503]
    lines.append(f"  requests sent            {len(drill.answers):,}")
    lines.append(f"  primary killed           +{drill.killed - start:.2f} s")
    lines.append(f"  standby promoted         +{drill.promoted - start:.2f} s")
    if unavailable:
        lines.append(f"  503 answers              {len(unavailable):,}, from "
                     f"+{min(a.started for a in unavailable) - start:.2f} s to "
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
