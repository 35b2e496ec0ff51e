"""Which step a code matches: the window, drift and replays (DESIGN.md §7)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from onetime.domain.tokens import HOTP_LOOK_AHEAD, Token, TokenKind, TokenState
from onetime.domain.verification import match_code
from onetime.otp import hotp, step_at, totp

SECRET = bytes(range(20))
NOW = datetime(2026, 11, 26, 1, 0, 30, tzinfo=UTC)
STEP = step_at(NOW.timestamp(), 60)


def token(kind: TokenKind = TokenKind.TOTP, last_step: int | None = None) -> Token:
    return Token(
        id=1, institution_id=1, user_id="taro", serial="OT1", state=TokenState.ACTIVE,
        kind=kind, algorithm="sha1", digits=8, period=60, failures=0, last_step=last_step,
        drift=0, issued_at=NOW, expires_at=None, activated_at=NOW, confirmed_at=NOW,
        suspended_at=None, revoked_at=None, setup_available_at=None,
        activation_attempts_left=0, secret_key_id="k", secret_blob=b"x",
    )


def code_at(step_offset: int) -> str:
    return totp(SECRET, (NOW + timedelta(minutes=step_offset)).timestamp(), digits=8, period=60)


class TestMatchCode:
    def test_the_current_code_matches_the_current_step(self):
        """No drift, no replay."""
        match = match_code(token(), SECRET, code_at(0), NOW, window=1)
        assert (match.step, match.drift, match.replay) == (STEP, 0, False)

    @pytest.mark.parametrize("offset", [-1, 1])
    def test_one_step_either_side_matches_with_its_drift(self, offset):
        """The previous and the next code pass; drift records how far off the device is."""
        match = match_code(token(), SECRET, code_at(offset), NOW, window=1)
        assert (match.step, match.drift) == (STEP + offset, offset)

    @pytest.mark.parametrize("offset", [-2, 2, -10])
    def test_two_steps_away_does_not_match(self, offset):
        """Outside the window a right-but-old code is a wrong code."""
        assert match_code(token(), SECRET, code_at(offset), NOW, window=1) is None

    def test_window_zero_accepts_only_the_current_step(self):
        """The window is a setting; 0 means this minute only."""
        assert match_code(token(), SECRET, code_at(1), NOW, window=0) is None
        assert match_code(token(), SECRET, code_at(0), NOW, window=0) is not None

    def test_a_wrong_code_matches_nothing(self):
        """A code no step in the window produced is None."""
        wrong = f"{(int(code_at(0)) + 1) % 10**8:08d}"
        assert match_code(token(), SECRET, wrong, NOW, window=1) is None

    def test_the_last_accepted_step_is_a_replay(self):
        """Rule 2: the accepted code is recognised, and marked as a replay."""
        match = match_code(token(last_step=STEP), SECRET, code_at(0), NOW, window=1)
        assert (match.step, match.replay) == (STEP, True)

    def test_a_step_before_the_last_accepted_is_a_replay(self):
        """Rule 2: once step+1 was used, the current step's code is no longer good."""
        match = match_code(token(last_step=STEP + 1), SECRET, code_at(0), NOW, window=1)
        assert match.replay

    def test_a_later_step_than_the_last_accepted_is_fresh(self):
        """The next minute's code is not a replay of this minute's."""
        match = match_code(token(last_step=STEP - 1), SECRET, code_at(0), NOW, window=1)
        assert not match.replay

    def test_hotp_looks_ahead_ten_counters(self):
        """An HOTP token accepts the next 10 counters after the last accepted one."""
        last = 5
        hotp_token = token(TokenKind.HOTP, last_step=last)
        ahead = hotp(SECRET, last + HOTP_LOOK_AHEAD, digits=8)
        too_far = hotp(SECRET, last + HOTP_LOOK_AHEAD + 1, digits=8)
        assert match_code(hotp_token, SECRET, ahead, NOW, window=1).step == last + 10
        assert match_code(hotp_token, SECRET, too_far, NOW, window=1) is None

    def test_hotp_recognises_a_replayed_counter(self):
        """The last accepted HOTP counter is found again, as a replay."""
        match = match_code(token(TokenKind.HOTP, last_step=3), SECRET,
                           hotp(SECRET, 3, digits=8), NOW, window=1)
        assert (match.step, match.replay, match.drift) == (3, True, 0)

    def test_a_fresh_hotp_token_starts_at_counter_zero(self):
        """With no counter used yet, counter 0 is the first code."""
        match = match_code(token(TokenKind.HOTP), SECRET, hotp(SECRET, 0, digits=8), NOW, 1)
        assert (match.step, match.replay) == (0, False)

    def test_the_token_digits_are_used(self):
        """A 6-digit token matches 6-digit codes."""
        six = dataclasses.replace(token(), digits=6)
        code = totp(SECRET, NOW.timestamp(), digits=6, period=60)
        assert match_code(six, SECRET, code, NOW, window=1).step == STEP
