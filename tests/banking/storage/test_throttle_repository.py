"""The throttle's reservation: one conditional write counts an attempt or refuses it."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from onetime.banking.storage.schema import throttle
from onetime.banking.storage.sessions import ThrottleRepository

KEY = "k" * 64
WINDOW = timedelta(minutes=15)
MAX = 5


def _reserve(ctx, clock, key: str = KEY) -> bool:
    now = clock.now()
    with ctx.db.write() as conn:
        return ThrottleRepository().reserve(conn, key, now, now - WINDOW, MAX)


def _row(ctx, key: str = KEY):
    with ctx.db.read() as conn:
        return conn.execute(select(throttle.c.failures, throttle.c.window_started_at)
                            .where(throttle.c.key == key)).first()


class TestReserve:
    def test_the_first_attempt_inserts_the_key(self, ctx, clock):
        """No row yet: one is written with one attempt and a window starting now."""
        assert _reserve(ctx, clock)
        assert tuple(_row(ctx)) == (1, clock.now())

    def test_attempts_up_to_the_limit_then_refused_without_counting(self, ctx, clock):
        """The fifth is reserved, the sixth refused, and the count stays at five."""
        assert [_reserve(ctx, clock) for _ in range(MAX + 2)] == [True] * MAX + [False] * 2
        assert _row(ctx).failures == MAX

    def test_a_window_that_ended_starts_again_at_one(self, ctx, clock):
        """Refused inside the window; reserved at the instant it ends, counting afresh."""
        started = clock.now()
        for _ in range(MAX):
            _reserve(ctx, clock)
        clock.advance(WINDOW - timedelta(seconds=1))
        assert not _reserve(ctx, clock)
        assert _row(ctx).window_started_at == started
        clock.advance(timedelta(seconds=1))
        assert _reserve(ctx, clock)
        assert tuple(_row(ctx)) == (1, clock.now())

    def test_clear_forgets_the_key(self, ctx, clock):
        for _ in range(MAX):
            _reserve(ctx, clock)
        with ctx.db.write() as conn:
            ThrottleRepository().clear(conn, KEY)
        assert _row(ctx) is None
        assert _reserve(ctx, clock)

    def test_concurrent_first_attempts_reserve_exactly_the_limit(self, ctx, clock):
        """20 connections at once on a key nobody has used: the race to insert the row
        loses no attempt and lets none past the limit."""
        start = threading.Barrier(20)
        answers: list[bool] = []

        def attempt() -> None:
            start.wait(timeout=30)
            answers.append(_reserve(ctx, clock, "fresh" + "k" * 59))

        threads = [threading.Thread(target=attempt) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(answers) == [False] * (20 - MAX) + [True] * MAX
        assert _row(ctx, "fresh" + "k" * 59).failures == MAX

    def test_refund_gives_back_one_attempt_and_never_goes_below_zero(self, ctx, clock):
        for _ in range(MAX):
            _reserve(ctx, clock)
        with ctx.db.write() as conn:
            ThrottleRepository().refund(conn, KEY)
        assert _row(ctx).failures == MAX - 1
        with ctx.db.write() as conn:
            for _ in range(MAX + 1):
                ThrottleRepository().refund(conn, KEY)
        assert _row(ctx).failures == 0
