"""What the benchmark sends, and what it checks in the audit afterwards."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func, select

from bench.loader import LoadedTokens
from bench.wrk import post_line
from onetime.otp import step_at
from onetime.storage.schema import audit_log
from tests.e2e.servers import Site


def verify_path(loaded: LoadedTokens, index: int) -> str:
    service_id = loaded.institution.service_id
    return f"/api/v1/services/{service_id}/users/{loaded.user_id(index)}/verifications"


def usable_steps(loaded: LoadedTokens, seconds: float) -> list[int]:
    """The time steps whose codes stay inside the window for the next `seconds`, oldest first.

    If a step boundary falls within that time, wait for it (at most `seconds`): then all
    2·window+1 steps of the window stay usable, each one more accepted code per token.
    """
    settings = loaded.institution.settings
    now = time.time()
    if step_at(now + seconds, settings.period) != step_at(now, settings.period):
        wait = (step_at(now, settings.period) + 1) * settings.period - now + 0.05
        print(f"  waiting {wait:.1f} s for the next time step", file=sys.stderr, flush=True)
        time.sleep(wait)
    current = step_at(time.time(), settings.period)
    return list(range(current - settings.window, current + settings.window + 1))


def accepted_requests(loaded: LoadedTokens, indexes: Sequence[int], steps: Sequence[int],
                      threads: int) -> list[list[str]]:
    """Each token's code of each step, steps in order: every request a fresh valid code.

    A token always goes to the same wrk thread, and all tokens of one step come before
    any of the next, so a token's later code is never sent before its earlier one is
    answered (that one would then be a replay).
    """
    per_thread: list[list[str]] = [[] for _ in range(threads)]
    body = {"code": "", "operation": "transfer"}
    for step in steps:
        for position, index in enumerate(indexes):
            body["code"] = loaded.code(index, step)
            per_thread[position % threads].append(post_line(verify_path(loaded, index), body))
    return per_thread


def rejected_requests(loaded: LoadedTokens, indexes: Sequence[int], step: int, passes: int,
                      threads: int) -> list[list[str]]:
    """`passes` wrong codes per token, round robin: fewer than max_failures, none suspends."""
    if passes >= loaded.institution.settings.max_failures:
        raise ValueError("that many wrong codes would suspend the tokens")
    wrong = {index: loaded.wrong_codes(index, step, passes) for index in indexes}
    per_thread: list[list[str]] = [[] for _ in range(threads)]
    body = {"code": "", "operation": "transfer"}
    for n in range(passes):
        for position, index in enumerate(indexes):
            body["code"] = wrong[index][n]
            per_thread[position % threads].append(post_line(verify_path(loaded, index), body))
    return per_thread


def last_audit_id(site: Site) -> int:
    with site.ctx.db.read() as conn:
        return conn.execute(select(func.coalesce(func.max(audit_log.c.id), 0))).scalar_one()


def verification_results(site: Site, after_id: int, prefix: str) -> Counter:
    """code_verified entries after `after_id` for users starting with `prefix`, by result."""
    with site.ctx.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.result, func.count())
            .where(audit_log.c.id > after_id, audit_log.c.event == "code_verified",
                   audit_log.c.user_id.startswith(prefix))
            .group_by(audit_log.c.result)).all()
    return Counter(dict(rows))


def accepted_span(site: Site, after_id: int) -> float:
    """Seconds between the first and the last accepted verification after `after_id`."""
    with site.ctx.db.read() as conn:
        first, last = conn.execute(
            select(func.min(audit_log.c.at), func.max(audit_log.c.at))
            .where(audit_log.c.id > after_id, audit_log.c.result == "accepted")).one()
    return 0.0 if first is None else (last - first).total_seconds()


def wait_sealed(site: Site, timeout: float = 120.0) -> int:
    """Wait (bounded) until the servers' sealers have chained every entry; returns the rest."""
    deadline = time.monotonic() + timeout
    while True:
        with site.ctx.db.read() as conn:
            left = site.ctx.audit.count_unsealed(conn)
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.2)
