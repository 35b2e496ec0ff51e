"""Login throttling: failures inside a window block; an old window counts for nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onetime.banking.domain.throttle import LOGIN_PER_ID

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def test_blocks_at_the_limit_inside_the_window():
    started = NOW - timedelta(minutes=5)
    assert not LOGIN_PER_ID.blocked(4, started, NOW)
    assert LOGIN_PER_ID.blocked(5, started, NOW)


def test_a_window_that_ended_blocks_nothing():
    assert not LOGIN_PER_ID.blocked(50, NOW - timedelta(minutes=15), NOW)


def test_no_failures_no_window():
    assert not LOGIN_PER_ID.blocked(0, None, NOW)
