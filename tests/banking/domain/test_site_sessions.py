"""A session ends when its user's token is revoked or suspended after it began."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onetime.banking.domain.sessions import outlived
from onetime.domain.tokens import TokenState

STARTED = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
LATER = STARTED + timedelta(seconds=1)
EARLIER = STARTED - timedelta(seconds=1)


def test_a_revocation_after_sign_in_ends_the_session():
    assert outlived(TokenState.REVOKED, LATER, None, STARTED)


def test_a_suspension_after_sign_in_ends_the_session():
    assert outlived(TokenState.SUSPENDED, None, LATER, STARTED)


def test_a_session_begun_after_them_goes_on():
    """To issue a new token (rule 9) or read who releases the suspension (rule 8)."""
    assert not outlived(TokenState.REVOKED, EARLIER, None, STARTED)
    assert not outlived(TokenState.SUSPENDED, None, EARLIER, STARTED)


def test_a_released_or_reissued_token_ends_nothing():
    assert not outlived(TokenState.ACTIVE, None, None, STARTED)
    assert not outlived(TokenState.ISSUED, LATER, None, STARTED)
