"""DESIGN.md §5 under real parallelism, on SQLite and PostgreSQL.

Two `onetime serve` processes on one database, each pair of requests split between
them; then the same races straight against the database from separate OS processes
(each with its own engine), released together by a multiprocessing.Barrier, so the
guarantee is shown to live in the database and not in the HTTP layer:

- the same valid code sent twice at the same instant is accepted exactly once;
- N concurrent wrong codes on a token with 10 attempts left count exactly 10 (the
  tenth suspends), every other answer is `suspended`, and none is lost.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from bench.loader import LoadedTokens, load_active_tokens
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import SystemClock
from onetime.otp import step_at
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage.database import Database
from onetime.storage.schema import audit_log, outbox, tokens
from tests.e2e import servers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("races")]

PAIRS = 1_000
WRONG_CODES = 200
MAX_FAILURES = 10  # the default setting
PROCESSES = 4  # in twin pairs: each pair races on its share of the tokens
CONCURRENT_PAIRS = 32
RACE_SECONDS = 90  # every race ends within this, or the test fails


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request, tmp_path_factory):
    """A fresh database of its own (PostgreSQL: created for this module, then dropped)."""
    if request.param == "postgresql" and (problem := servers.postgres_problem()):
        if servers.REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (ONETIME_REQUIRE_POSTGRES=1) but unreachable: "
                        f"{problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    with servers.site(request.param, tmp_path_factory.mktemp(f"races-{request.param}")) as s:
        yield s


@pytest.fixture(scope="module")
def two_servers(site):
    """Two server processes on the site, each on its own port."""
    with servers.serve(site.env, site.dir, count=2) as running:
        yield running


# -- through HTTP, on two server processes ------------------------------------------------


def test_same_code_twice_at_once_on_two_servers_is_accepted_once(site, two_servers):
    """1 000 pairs, each the same fresh code of its own token, one request on each server."""
    loaded = load_active_tokens(site.ctx, site.institution, PAIRS, prefix="ph")
    period = loaded.institution.settings.period
    steps: dict[str, int] = {}

    def job(index: int) -> tuple[str, str]:
        # The code of the step when its pair is sent: on a loaded machine the 1 000 pairs
        # can outlast a code's window, and a stale code is two rejections, not a race.
        user_id = loaded.user_id(index)
        steps[user_id] = step_at(time.time(), period)
        return user_id, loaded.code(index, steps[user_id])

    answers = _run(_send_pairs(site, two_servers, [lambda i=i: job(i) for i in range(PAIRS)]))

    assert Counter(status for _user, status, _body in answers) == {200: 2 * PAIRS}
    results = Counter(body["result"] for _user, _status, body in answers)
    assert results == {"accepted": PAIRS, "rejected": PAIRS}
    accepted_users = Counter(user for user, _s, body in answers if body["result"] == "accepted")
    assert set(accepted_users.values()) == {1}
    assert _verification_results(site, "ph") == {"accepted": PAIRS, "rejected": PAIRS}
    # Every token used up exactly the step of its pair's code.
    assert _last_step_of(site, "ph") == steps


def test_concurrent_wrong_codes_on_two_servers_count_ten_and_suspend(site, two_servers):
    """200 wrong codes at once on a token with 10 attempts left: 10 counted, none lost."""
    loaded = load_active_tokens(site.ctx, site.institution, 1, prefix="wh",
                                email="wh@example.jp")
    step = step_at(time.time(), loaded.institution.settings.period)
    codes = loaded.wrong_codes(0, step, WRONG_CODES)

    answers = _run(_send_all(site, two_servers, loaded.user_id(0), codes))

    assert Counter(status for status, _body in answers) == {200: WRONG_CODES}
    _assert_counted_ten(site, loaded, [body for _status, body in answers])


# -- straight against the database, from separate OS processes ------------------------


def test_same_code_twice_at_once_from_separate_processes_is_accepted_once(site):
    """Twin processes verify the same codes, in step: each pair released by a Barrier."""
    loaded = load_active_tokens(site.ctx, site.institution, PAIRS, prefix="pp")
    step = step_at(time.time(), loaded.institution.settings.period)
    jobs = [(loaded.user_id(i), loaded.code(i, step)) for i in range(PAIRS)]
    shares = [jobs[n::PROCESSES // 2] for n in range(PROCESSES // 2)]
    job_lists = [shares[n // 2] for n in range(PROCESSES)]  # processes 2k, 2k+1: twins

    answers = _run_processes(site, job_lists, twins=True)

    results = Counter(result for _user, result, _left in answers)
    assert results == {"accepted": PAIRS, "rejected": PAIRS}
    accepted_users = Counter(user for user, result, _left in answers if result == "accepted")
    assert len(accepted_users) == PAIRS
    assert set(accepted_users.values()) == {1}
    assert _verification_results(site, "pp") == {"accepted": PAIRS, "rejected": PAIRS}
    assert _last_steps(site, "pp") == {step}


def test_concurrent_wrong_codes_from_separate_processes_count_ten_and_suspend(site):
    """200 wrong codes from 4 processes released at once: 10 counted, none lost."""
    loaded = load_active_tokens(site.ctx, site.institution, 1, prefix="wp",
                                email="wp@example.jp")
    step = step_at(time.time(), loaded.institution.settings.period)
    user_id = loaded.user_id(0)
    codes = loaded.wrong_codes(0, step, WRONG_CODES)
    job_lists = [[(user_id, code) for code in codes[n::PROCESSES]] for n in range(PROCESSES)]

    answers = _run_processes(site, job_lists, twins=False)

    _assert_counted_ten(site, loaded, [{"result": result, "attempts_left": left}
                                       for _user, result, left in answers])


# -- what every wrong-code race must show ---------------------------------------------


def _assert_counted_ten(site: servers.Site, loaded: LoadedTokens, answers: list[dict]) -> None:
    user_id = loaded.user_id(0)
    assert len(answers) == WRONG_CODES
    results = Counter(a["result"] for a in answers)
    assert results == {"rejected": MAX_FAILURES - 1, "suspended": WRONG_CODES - MAX_FAILURES + 1}
    assert sorted(a["attempts_left"] for a in answers if a["result"] == "rejected") \
        == list(range(1, MAX_FAILURES))
    with site.ctx.db.read() as conn:
        failures, state = conn.execute(select(tokens.c.failures, tokens.c.state).where(
            tokens.c.user_id == user_id)).one()
        entries = conn.execute(select(audit_log.c.event, audit_log.c.result, audit_log.c.detail)
                               .where(audit_log.c.user_id == user_id)).all()
        mails = conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.recipient == f"{loaded.prefix}@example.jp")).scalar_one()
    assert (failures, state) == (MAX_FAILURES, "suspended")
    verified = [(result, json.loads(detail) if detail else {})
                for event, result, detail in entries if event == "code_verified"]
    assert len(verified) == WRONG_CODES  # every answer has its audit entry
    counting = sorted((d["failures"], result) for result, d in verified if "failures" in d)
    assert counting == [(n, "rejected") for n in range(1, MAX_FAILURES)] \
        + [(MAX_FAILURES, "suspended")]
    assert Counter(event for event, _r, _d in entries)["token_suspended"] == 1
    assert mails == 1


def _verification_results(site: servers.Site, prefix: str) -> Counter:
    with site.ctx.db.read() as conn:
        rows = conn.execute(select(audit_log.c.result, func.count()).where(
            audit_log.c.event == "code_verified", audit_log.c.user_id.startswith(prefix))
            .group_by(audit_log.c.result)).all()
    return Counter(dict(rows))


def _last_step_of(site: servers.Site, prefix: str) -> dict[str, int]:
    with site.ctx.db.read() as conn:
        return dict(conn.execute(select(tokens.c.user_id, tokens.c.last_step).where(
            tokens.c.user_id.startswith(prefix))).all())


def _last_steps(site: servers.Site, prefix: str) -> set:
    with site.ctx.db.read() as conn:
        return set(conn.execute(select(tokens.c.last_step).where(
            tokens.c.user_id.startswith(prefix))).scalars())


# -- the clients ------------------------------------------------------------------------


def _run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, RACE_SECONDS))


def _client(server: servers.Server, site: servers.Site, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.url, timeout=30,
        headers={"Authorization": f"Bearer {site.api_key}"},
        limits=httpx.Limits(max_connections=connections,
                            max_keepalive_connections=connections))


def _path(site: servers.Site, user_id: str) -> str:
    return f"/api/v1/services/{site.institution.service_id}/users/{user_id}/verifications"


async def _send_pairs(site, two_servers, jobs) -> list[tuple[str, int, dict]]:
    """Each job's (user, code) sent to both servers at once; CONCURRENT_PAIRS in flight."""
    first, second = two_servers
    async with _client(first, site, CONCURRENT_PAIRS) as a, \
            _client(second, site, CONCURRENT_PAIRS) as b:
        slots = asyncio.Semaphore(CONCURRENT_PAIRS)

        async def one(client: httpx.AsyncClient, user_id: str, code: str):
            response = await client.post(_path(site, user_id),
                                         json={"code": code, "operation": "transfer"})
            return user_id, response.status_code, response.json()

        async def pair(n: int, job):
            # Alternate which server is asked first, so that neither always wins.
            clients = (a, b) if n % 2 else (b, a)
            async with slots:
                user_id, code = job()  # taken when sent (see the pairs test)
                return await asyncio.gather(*(one(c, user_id, code) for c in clients))

        pairs = await asyncio.gather(*(pair(n, job) for n, job in enumerate(jobs)))
    return [answer for both in pairs for answer in both]


async def _send_all(site, two_servers, user_id, codes) -> list[tuple[int, dict]]:
    """Every code at once, alternately to each server."""
    async with _client(two_servers[0], site, len(codes)) as a, \
            _client(two_servers[1], site, len(codes)) as b:

        async def one(n: int, code: str):
            response = await (a, b)[n % 2].post(_path(site, user_id),
                                                 json={"code": code, "operation": "transfer"})
            return response.status_code, response.json()

        return await asyncio.gather(*(one(n, code) for n, code in enumerate(codes)))


def _run_processes(site: servers.Site, job_lists: list[list[tuple[str, str]]], *,
                   twins: bool) -> list[tuple[str, str, int | None]]:
    """One OS process per job list, all released by one Barrier; returns every answer.

    With `twins`, processes 2k and 2k+1 (which hold the same jobs) also meet at a Barrier
    of their own before each job, so that every pair really is sent at the same instant.
    """
    mp = multiprocessing.get_context("spawn")  # fresh processes: no engine is inherited
    start = mp.Barrier(len(job_lists))
    pair_barriers = [mp.Barrier(2) for _ in range(len(job_lists) // 2)]
    results = mp.Queue()
    processes = [
        mp.Process(target=_verify_in_process, daemon=True, args=(
            site.url, str(site.key_file), site.institution.service_id, jobs, start,
            pair_barriers[n // 2] if twins else None, results))
        for n, jobs in enumerate(job_lists)]
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=RACE_SECONDS) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
    errors = [detail for outcome, detail in reports if outcome != "ok"]
    assert not errors
    return [answer for _outcome, answers in reports for answer in answers]


def _verify_in_process(url: str, key_file: str, service_id: str,
                       jobs: list[tuple[str, str]], start, twin, results) -> None:
    """The body of one racing process: its own engine and key ring, then the jobs."""
    ctx = Context(db=Database(url), keyring=KeyRing(FileKeyProvider.open(key_file)),
                  clock=SystemClock(), setup_kdf=TEST_KDF)
    try:
        services = Services.from_context(ctx)
        institution = services.institutions.get(service_id)  # also opens a connection
        answers = []
        start.wait(timeout=60)
        for user_id, code in jobs:
            if twin is not None:
                twin.wait(timeout=30)
            answer = services.tokens.verify(institution, user_id, code, "transfer")
            answers.append((user_id, answer.result.value, answer.attempts_left))
        results.put(("ok", answers))
    except BaseException as exc:  # reported to the test, which fails with it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        ctx.db.dispose()
