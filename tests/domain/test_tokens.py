"""The token as of now: expiry of issuances, attempts left, the embargo (DESIGN.md §4, §7)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from onetime.domain.settings import InstitutionSettings
from onetime.domain.tokens import Token, TokenKind, TokenState, secret_aad

S = TokenState
NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
DEFAULTS = InstitutionSettings()


def token(state: TokenState, **changes) -> Token:
    """A TOTP token in `state`, issued now with the default 72-hour lifetime."""
    base = Token(
        id=1, institution_id=1, user_id="taro", serial="OT0000000000000001", state=state,
        kind=TokenKind.TOTP, algorithm="sha1", digits=8, period=60, failures=0,
        last_step=None, drift=0, issued_at=NOW, expires_at=NOW + timedelta(hours=72),
        activated_at=None, confirmed_at=None, suspended_at=None, revoked_at=None,
        setup_available_at=None, activation_attempts_left=5, secret_key_id=None,
        secret_blob=None,
    )
    return dataclasses.replace(base, **changes)


class TestCurrentState:
    @pytest.mark.parametrize("state", [S.ISSUED, S.ACTIVATED])
    def test_an_issuance_is_live_until_its_lifetime_ends(self, state):
        """One second before the 72 hours are up it still reads as stored."""
        assert token(state).current_state(NOW + timedelta(hours=72, seconds=-1)) == state

    @pytest.mark.parametrize("state", [S.ISSUED, S.ACTIVATED])
    def test_an_issuance_expires_at_72_hours(self, state):
        """At the instant of expires_at (and after) it reads as expired."""
        assert token(state).current_state(NOW + timedelta(hours=72)) == S.EXPIRED
        assert token(state).current_state(NOW + timedelta(days=30)) == S.EXPIRED

    @pytest.mark.parametrize("state", [S.ACTIVE, S.SUSPENDED, S.REVOKED, S.EXPIRED])
    def test_other_states_do_not_expire(self, state):
        """A confirmed, suspended or ended token keeps its state, even with a past expires_at."""
        assert token(state).current_state(NOW + timedelta(days=365)) == state

    def test_an_issuance_without_expiry_never_expires(self):
        """An imported token has no expires_at."""
        assert token(S.ACTIVATED, expires_at=None).current_state(
            NOW + timedelta(days=365)) == S.ACTIVATED


class TestAttemptsLeft:
    @pytest.mark.parametrize("state", [S.NONE, S.ISSUED, S.REVOKED, S.EXPIRED])
    def test_null_where_no_code_is_checked(self, state):
        """attempts_left is null for none, issued, revoked and expired."""
        assert token(state).attempts_left(DEFAULTS, NOW) is None

    def test_null_for_an_issuance_that_has_timed_out(self):
        """An activated token past its lifetime reads as expired: null."""
        later = NOW + timedelta(hours=72)
        assert token(S.ACTIVATED, failures=2).attempts_left(DEFAULTS, later) is None

    def test_zero_while_suspended(self):
        """A suspended token has no attempts, whatever its failure count."""
        assert token(S.SUSPENDED, failures=10).attempts_left(DEFAULTS, NOW) == 0
        assert token(S.SUSPENDED, failures=3).attempts_left(DEFAULTS, NOW) == 0

    @pytest.mark.parametrize(("state", "failures", "left"), [
        (S.ACTIVE, 0, 10), (S.ACTIVE, 9, 1), (S.ACTIVATED, 3, 7),
    ])
    def test_what_remains_of_the_limit(self, state, failures, left):
        """activated and active count down from max_failures."""
        assert token(state, failures=failures).attempts_left(DEFAULTS, NOW) == left

    def test_never_negative(self):
        """A limit lowered below the count reads as 0, not negative."""
        settings = InstitutionSettings(max_failures=3)
        assert token(S.ACTIVE, failures=7).attempts_left(settings, NOW) == 0

    def test_follows_the_institution_limit(self):
        """A bank that suspends after 5 failures shows 5 attempts on a fresh token."""
        settings = InstitutionSettings(max_failures=5)
        assert token(S.ACTIVE).attempts_left(settings, NOW) == 5


class TestEmbargoUntil:
    def test_a_revoked_token_holds_setup_closed_until_available(self):
        """Before setup_available_at the embargo is that instant; from it, none."""
        opens = NOW + timedelta(minutes=30)
        revoked = token(S.REVOKED, revoked_at=NOW, setup_available_at=opens)
        assert revoked.embargo_until(NOW) == opens
        assert revoked.embargo_until(opens - timedelta(seconds=1)) == opens
        assert revoked.embargo_until(opens) is None

    @pytest.mark.parametrize("state", [S.ISSUED, S.ACTIVE, S.EXPIRED])
    def test_only_a_revocation_embargoes(self, state):
        """Other states never hold setup closed."""
        assert token(state, setup_available_at=NOW + timedelta(hours=1)).embargo_until(
            NOW) is None


class TestSecretAad:
    def test_binds_institution_user_and_serial(self):
        """Changing any of the three gives other associated data."""
        aads = {secret_aad(1, "taro", "S1"), secret_aad(2, "taro", "S1"),
                secret_aad(1, "hanako", "S1"), secret_aad(1, "taro", "S2")}
        assert len(aads) == 4
