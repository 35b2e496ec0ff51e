"""DESIGN.md §5 through haproxy: the same code sent twice at once is accepted once.

Two `onetime serve` processes behind deploy/haproxy.cfg (balance leastconn), clients
talking to haproxy only, with two connection pools so that the two requests of a pair
travel on different connections and haproxy spreads them over the processes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from bench.loader import LoadedTokens, load_active_tokens
from deploy import cluster
from onetime.otp import step_at
from onetime.storage.schema import audit_log, tokens
from tests.deploy.conftest import require_program
from tests.e2e import servers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("races")]

PAIRS = 1_000
CONCURRENT_PAIRS = 32
# The race ends within this, or the test fails: 2 000 requests from one Python client
# took 30-80 s on 2 busy cores (other suites beside it).
RACE_SECONDS = 180
# haproxy's httplog line names the backend server that answered: "onetime_serve/s1".
SERVED_BY = re.compile(r" onetime_serve/(s\d+) ")


def test_same_code_pairs_through_haproxy_are_accepted_exactly_once(site, tmp_path):
    require_program("haproxy", "haproxy")
    loaded = load_active_tokens(site.ctx, site.institution, PAIRS, prefix="hp")
    steps: dict[str, int] = {}  # each token's step, whose code both requests carry

    with cluster.cluster(site.env, tmp_path, processes=2) as running:
        answers = asyncio.run(asyncio.wait_for(_send_pairs(running.url, site, loaded, steps),
                                               RACE_SECONDS))
        log = (tmp_path / "haproxy.log").read_text()

    assert Counter(status for _user, status, _body in answers) == {200: 2 * PAIRS}
    assert Counter(body["result"] for _u, _s, body in answers) == \
        {"accepted": PAIRS, "rejected": PAIRS}
    accepted = Counter(user for user, _s, body in answers if body["result"] == "accepted")
    assert len(accepted) == PAIRS
    assert set(accepted.values()) == {1}
    with site.ctx.db.read() as conn:
        audited = dict(conn.execute(
            select(audit_log.c.result, func.count())
            .where(audit_log.c.event == "code_verified", audit_log.c.user_id.startswith("hp"))
            .group_by(audit_log.c.result)).all())
        last_steps = dict(conn.execute(select(tokens.c.user_id, tokens.c.last_step).where(
            tokens.c.user_id.startswith("hp"))).all())
    assert audited == {"accepted": PAIRS, "rejected": PAIRS}
    assert last_steps == steps  # every token used up exactly the step of its code
    # Both processes served: the race really crossed processes behind the balancer.
    served = Counter(SERVED_BY.findall(log))
    assert sum(served.values()) == 2 * PAIRS
    assert set(served) == {"s0", "s1"}
    assert min(served.values()) > PAIRS // 4


async def _send_pairs(url: str, site: servers.Site, loaded: LoadedTokens,
                      steps: dict[str, int]) -> list[tuple[str, int, dict]]:
    """Each token's code of the step current when its pair goes out, sent twice at once.

    The code is taken at sending time, not before the race: on a busy machine the race
    may outlast a code's window, and the pair would then be two rejections.
    """
    period = loaded.institution.settings.period
    limits = httpx.Limits(max_connections=CONCURRENT_PAIRS,
                          max_keepalive_connections=CONCURRENT_PAIRS)
    headers = {"Authorization": f"Bearer {site.api_key}"}
    service_id = site.institution.service_id
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=headers,
                                 limits=limits) as a, \
            httpx.AsyncClient(base_url=url, timeout=30, headers=headers, limits=limits) as b:
        slots = asyncio.Semaphore(CONCURRENT_PAIRS)

        async def one(client: httpx.AsyncClient, user_id: str, code: str):
            response = await client.post(
                f"/api/v1/services/{service_id}/users/{user_id}/verifications",
                json={"code": code, "operation": "transfer"})
            return user_id, response.status_code, response.json()

        async def pair(index: int):
            async with slots:
                user_id = loaded.user_id(index)
                steps[user_id] = step_at(time.time(), period)
                code = loaded.code(index, steps[user_id])
                return await asyncio.gather(one(a, user_id, code), one(b, user_id, code))

        pairs = await asyncio.gather(*(pair(index) for index in range(loaded.count)))
    return [answer for both in pairs for answer in both]
