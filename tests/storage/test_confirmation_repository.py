"""The 取引確認 repository on SQLite and PostgreSQL: each arrow is one conditional UPDATE,
so parallel connections deciding one request find exactly one row between them."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from onetime.domain.confirmations import (
    Confirmation,
    ConfirmationState,
    TransactionDetails,
    expires_at,
)

S = ConfirmationState
DETAILS = TransactionDetails.from_mapping({"operation": "payroll_transfer", "count": 3,
                                           "total": 900_000})
WORKERS = 6


@pytest.fixture
def request_id(ctx, institution, rows):
    token = rows.make({"state": "active"})
    now = ctx.clock.now()
    request = Confirmation("c" * 32, institution.id, "taro", token.serial, DETAILS,
                           S.PENDING, now, expires_at(now))
    with ctx.db.write() as conn:
        ctx.confirmations.add(conn, request)
    return request.id


def _race(ctx, action) -> list[bool]:
    """Run `action(conn)` on WORKERS connections at once; each in its own transaction."""
    barrier, results, lock = threading.Barrier(WORKERS), [], threading.Lock()

    def work():
        barrier.wait(timeout=10)
        with ctx.db.write() as conn:
            outcome = action(conn)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == WORKERS
    return results


class TestConfirmationRepository:
    """Storage contract, both databases."""

    def test_round_trip(self, ctx, institution, request_id):
        """A stored request reads back equal, pending, with its details."""
        with ctx.db.read() as conn:
            got = ctx.confirmations.get(conn, institution.id, "taro", request_id)
        assert (got.state, got.details, got.expires_at - got.created_at) == (
            S.PENDING, DETAILS, timedelta(minutes=5))

    def test_parallel_confirms_exactly_one_wins(self, ctx, request_id):
        """Six connections confirm at once: one rowcount of 1, five of 0."""
        now = ctx.clock.now()
        results = _race(ctx, lambda conn: ctx.confirmations.decide(
            conn, request_id, from_state=S.PENDING, to_state=S.CONFIRMED, now=now,
            before_expiry=True))
        assert sorted(results) == [False] * (WORKERS - 1) + [True]

    def test_parallel_confirm_and_reject_one_wins(self, ctx, institution, request_id):
        """Confirms and rejects racing: exactly one decision stands."""
        now = ctx.clock.now()
        turn = iter(range(WORKERS))
        lock = threading.Lock()

        def decide(conn):
            with lock:
                to_state = S.CONFIRMED if next(turn) % 2 else S.REJECTED
            return ctx.confirmations.decide(conn, request_id, from_state=S.PENDING,
                                            to_state=to_state, now=now, before_expiry=True)

        assert sum(_race(ctx, decide)) == 1

    def test_parallel_app_requests_one_time_once(self, ctx, rows, request_id):
        """One app request time replayed on six connections is taken once."""
        token = rows.get()
        results = _race(ctx, lambda conn: ctx.confirmations.advance_app_clock(
            conn, token.id, token.serial, 1_764_000_000_000))
        assert sum(results) == 1

    def test_no_decision_at_expiry(self, ctx, request_id):
        """At expires_at exactly the UPDATE finds no row; expire() then does."""
        at = ctx.clock.now() + timedelta(minutes=5)
        with ctx.db.write() as conn:
            assert not ctx.confirmations.decide(conn, request_id, from_state=S.PENDING,
                                                to_state=S.CONFIRMED, now=at,
                                                before_expiry=True)
            assert ctx.confirmations.expire(conn, request_id, at)
            assert not ctx.confirmations.expire(conn, request_id, at)

    def test_other_users_request_is_not_read(self, ctx, institution, request_id):
        """get() names the user: hanako reads nothing of taro's."""
        with ctx.db.read() as conn:
            assert ctx.confirmations.get(conn, institution.id, "hanako", request_id) is None

    def test_prune_after_retention(self, ctx, institution, request_id):
        """Kept while its expiry is within the retention, deleted after."""
        expiry = ctx.clock.now() + timedelta(minutes=5)
        with ctx.db.write() as conn:
            assert ctx.confirmations.prune(conn, expiry) == 0
            assert ctx.confirmations.prune(conn, expiry + timedelta(seconds=1)) == 1
            assert ctx.confirmations.get(conn, institution.id, "taro", request_id) is None
