"""Signing in under real concurrency: each attempt is reserved in the database before its
password is checked, so N attempts left means at most N passwords checked (issue 10.1).

Threads released together by a Barrier, each call on its own pooled connection, on
SQLite and PostgreSQL; what happened is read back from the audit trail.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from onetime.banking.domain.errors import LoginFailed, LoginThrottled
from onetime.banking.domain.throttle import LOGIN_PER_ADDRESS, LOGIN_PER_ID

LOGINS = 20
LEFT = 2  # attempts left on the login ID when the burst starts
WRONG = "Wrong-pass1"

# area → (login ID, its password, audit events of a success, a failure, a refusal)
AREAS = {
    "customer": ("demo-general", "General-pass1",
                 ("site_login", "site_login_failed", "site_login_throttled")),
    "branch": ("branch01", "Branch-pass1",
               ("branch_login", "branch_login_failed", "branch_login_throttled")),
}


def _login(world, area: str, login_id: str, password: str) -> str:
    """One sign-in; the outcome as a word."""
    sign_in = world.site.users.authenticate if area == "customer" \
        else world.site.branch.authenticate
    try:
        sign_in(world.institution, login_id, password)
    except LoginFailed:
        return "failed"
    except LoginThrottled:
        return "throttled"
    return "signed_in"


def _last_audit_id(world) -> int:
    with world.site.ctx.db.read() as conn:
        entries = world.site.ctx.audit.page(conn, world.institution.id,
                                            after_id=0, limit=100_000)
    return entries[-1].id if entries else 0


def _events_after(world, mark: int) -> list[str]:
    with world.site.ctx.db.read() as conn:
        return [e.event for e in world.site.ctx.audit.page(conn, world.institution.id,
                                                           after_id=mark, limit=1000)]


@pytest.mark.parametrize("area", sorted(AREAS))
def test_concurrent_logins_check_no_more_passwords_than_attempts_left(world, area):
    """20 logins at once (19 wrong, the right one among them) with 2 attempts left: at most
    2 passwords are checked, every other attempt is refused and audited as throttled."""
    login_id, right, (ok, failed, throttled) = AREAS[area]
    for _ in range(LOGIN_PER_ID.max_failures - LEFT):
        assert _login(world, area, login_id, WRONG) == "failed"
    mark = _last_audit_id(world)
    passwords = [WRONG] * (LOGINS - 1)
    passwords.insert(LOGINS // 2, right)
    start = threading.Barrier(LOGINS)

    def attempt(password: str) -> str:
        start.wait(timeout=30)
        return _login(world, area, login_id, password)

    with ThreadPoolExecutor(LOGINS) as pool:
        outcomes = Counter(pool.map(attempt, passwords, timeout=60))

    events = _events_after(world, mark)
    assert Counter(events) == Counter({ok: outcomes["signed_in"], failed: outcomes["failed"],
                                       throttled: outcomes["throttled"]})
    assert len(events) == LOGINS  # every attempt answered and audited once
    if ok not in events:
        assert events.count(failed) <= LEFT
        assert _login(world, area, login_id, right) == "throttled"
    else:
        # The right password won one of the LEFT reservations. Its success cleared the
        # login ID's count in the transaction that audited it, so the wrong ones audited
        # before it had the other slots, and those after it began a new window.
        at = events.index(ok)
        assert events[:at].count(failed) <= LEFT - 1
        assert events[at:].count(failed) <= LOGIN_PER_ID.max_failures


def test_successes_from_one_address_do_not_lock_it(world):
    """A success gives its reservation on the address back: a branch office behind one
    address signs in all day without reaching the per-address limit."""
    for _ in range(LOGIN_PER_ADDRESS.max_failures + 1):
        assert _login(world, "customer", "demo-admin", "Admin-pass1") == "signed_in"


def test_throttled_branch_logins_are_audited(world):
    """Like the customers' site_login_throttled, without the typed staff ID."""
    mark = _last_audit_id(world)
    for _ in range(LOGIN_PER_ID.max_failures):
        assert _login(world, "branch", "branch01", WRONG) == "failed"
    assert _login(world, "branch", "branch01", "Branch-pass1") == "throttled"
    assert _events_after(world, mark) == ["branch_login_failed"] * LOGIN_PER_ID.max_failures \
        + ["branch_login_throttled"]
