"""What the failover drill proves once the standby is promoted (deploy/failover.py).

Each proof is checked against what the clients were told and what the new primary holds:
the answers (deploy/drill.py), the tokens table, the audit trail, a replay of every
acknowledged code through haproxy, and `onetime audit verify`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter

import httpx
from sqlalchemy import select

from bench import scenarios
from bench.loader import LoadedTokens
from deploy.drill import Answer, Drill, verify
from onetime.storage.schema import audit_log, tokens
from tests.e2e import servers

REPLAY_CLIENTS = 8


def prove(drill: Drill, url: str, site: servers.Site, valid: LoadedTokens,
          wrong: LoadedTokens) -> None:
    """Check every proof on the new primary into `drill.proofs`; set `drill.downtime`."""
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
        slots = asyncio.Semaphore(REPLAY_CLIENTS)

        async def one(index: int, code: str) -> Answer:
            async with slots:
                return await verify(http, valid, "valid", index, code)

        return await asyncio.wait_for(asyncio.gather(
            *(one(index, code) for index, code in acknowledged.items())), 120)
