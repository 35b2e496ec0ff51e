"""Codes: authentication confirmation (rule 7), verification, single use, suspension (rule 8)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onetime.domain.errors import InvalidCodeFormat, InvalidOperation, InvalidUserId
from onetime.otp import step_at

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# Other lengths, spaces, circled and Arabic-Indic digits, a JSON number, null.
MALFORMED = ["1234567", "123456789", "1234 567", "1234-567", "①②③④⑤⑥⑦⑧", "٠١٢٣٤٥٦٧",
             None, 12345678]


class TestConfirm:
    def test_the_first_code_makes_the_token_active(self, bank, clock):
        """認証確認 succeeds: accepted, active, confirmed now, no longer expiring."""
        secret = bank.activated("taro")
        answer = bank.confirm("taro", bank.code(secret))
        assert (answer.result, answer.state, answer.attempts_left) == ("accepted", "active", 10)
        doc = bank.doc("taro")
        assert (doc.state, doc.confirmed_at, doc.expires_at) == ("active", clock.now(), None)

    def test_an_active_token_does_not_expire_after_72_hours(self, bank, clock):
        """Confirmation ends the issuance's lifetime."""
        secret = bank.active("taro")
        clock.advance(timedelta(days=30))
        assert bank.verify("taro", bank.code(secret)).result == "accepted"

    def test_the_confirmation_code_cannot_be_used_again_to_verify(self, bank):
        """The step used by confirmation is used up for verifications too."""
        secret = bank.activated("taro")
        code = bank.code(secret)
        bank.confirm("taro", code)
        assert bank.verify("taro", code).result == "rejected"

    @pytest.mark.parametrize("setup", ["none", "issued", "active", "revoked", "expired"])
    def test_any_state_but_activated_is_not_active(self, bank, clock, setup):
        """Confirmation only confirms an activated token; nothing is counted otherwise."""
        secret = bytes(20)
        if setup == "issued":
            bank.issue("taro")
        elif setup == "active":
            secret = bank.active("taro")
        elif setup == "revoked":
            secret = bank.active("taro")
            bank.revoke("taro")
        elif setup == "expired":
            secret = bank.activated("taro")
            clock.advance(timedelta(hours=72))
        failures = bank.token("taro").failures if bank.token("taro") else 0
        answer = bank.confirm("taro", bank.code(secret))
        assert answer.result == "not_active"
        assert answer.state == setup
        assert (bank.token("taro").failures if bank.token("taro") else 0) == failures

    def test_wrong_confirmation_codes_count_toward_suspension(self, bank):
        """Rejected with 9 left, and the 10th wrong code suspends the activated token."""
        secret = bank.activated("taro")
        first = bank.confirm("taro", bank.wrong_code(secret))
        assert (first.result, first.attempts_left, first.state) == ("rejected", 9, "activated")
        for _ in range(8):
            bank.confirm("taro", bank.wrong_code(secret))
        tenth = bank.confirm("taro", bank.wrong_code(secret))
        assert (tenth.result, tenth.attempts_left, tenth.state) == ("suspended", 0, "suspended")
        assert bank.confirm("taro", bank.code(secret)).result == "suspended"


class TestVerify:
    def test_the_current_code_is_accepted(self, bank):
        """The code the app shows now passes, with the full attempts."""
        secret = bank.active("taro")
        answer = bank.verify("taro", bank.code(secret))
        assert (answer.result, answer.attempts_left, answer.state) == ("accepted", 10, "active")

    def test_full_width_digits_are_accepted(self, bank):
        """A code typed with a Japanese IME (全角) is the same code."""
        secret = bank.active("taro")
        assert bank.verify("taro", bank.code(secret).translate(FULL_WIDTH)).result == \
            "accepted"

    @pytest.mark.parametrize("steps", [-1, 1])
    def test_one_step_either_side_is_accepted_and_the_drift_recorded(self, bank, steps):
        """The previous and the next minute's codes pass; the device's offset is kept."""
        secret = bank.active("taro")
        assert bank.verify("taro", bank.code(secret, steps)).result == "accepted"
        assert bank.token("taro").drift == steps
        (entry,) = [e for e in bank.audit("code_verified") if e.result == "accepted"]
        assert entry.detail == {"drift": steps}

    @pytest.mark.parametrize("steps", [-2, 2])
    def test_two_steps_away_is_rejected_and_counted(self, bank, steps):
        """Outside the window a code is wrong: rejected, one failure."""
        secret = bank.active("taro")
        answer = bank.verify("taro", bank.code(secret, steps))
        assert (answer.result, answer.attempts_left) == ("rejected", 9)

    def test_an_accepted_code_is_never_accepted_again(self, bank):
        """Rule 2: the replay is rejected, counts as a failure and is marked in the audit."""
        secret = bank.active("taro")
        code = bank.code(secret)
        assert bank.verify("taro", code).result == "accepted"
        replay = bank.verify("taro", code)
        assert (replay.result, replay.attempts_left) == ("rejected", 9)
        assert bank.token("taro").failures == 1
        entry = bank.audit("code_verified")[-1]
        assert (entry.result, entry.detail) == ("rejected", {"replay": True, "failures": 1})

    def test_the_accepted_code_is_still_refused_a_minute_later(self, bank, clock):
        """Inside the window of the next step the used code is still a replay."""
        secret = bank.active("taro")
        code = bank.code(secret)
        bank.verify("taro", code)
        clock.advance(60)
        assert bank.verify("taro", code).result == "rejected"

    def test_a_code_of_an_earlier_step_than_the_last_accepted_is_rejected(self, bank):
        """Rule 2: after the next minute's code was used, this minute's no longer passes."""
        secret = bank.active("taro")
        assert bank.verify("taro", bank.code(secret, 1)).result == "accepted"
        answer = bank.verify("taro", bank.code(secret))
        assert (answer.result, answer.attempts_left) == ("rejected", 9)
        assert bank.audit("code_verified")[-1].detail["replay"] is True

    def test_the_last_accepted_step_is_stored(self, bank, clock):
        """The token keeps the step it used up, so only later ones pass."""
        secret = bank.active("taro")
        bank.verify("taro", bank.code(secret))
        assert bank.token("taro").last_step == step_at(clock.now().timestamp(), 60)

    def test_an_accepted_code_resets_the_failures(self, bank):
        """Suspension needs *consecutive* failures."""
        secret = bank.active("taro")
        for _ in range(9):
            bank.verify("taro", bank.wrong_code(secret))
        assert bank.verify("taro", bank.code(secret)).attempts_left == 10
        assert bank.token("taro").failures == 0
        assert bank.verify("taro", bank.wrong_code(secret)).attempts_left == 9

    def test_a_wrong_code_says_what_is_left(self, bank):
        """Each wrong code counts one: 9, 8, 7 …"""
        secret = bank.active("taro")
        answers = [bank.verify("taro", bank.wrong_code(secret)) for _ in range(3)]
        assert [(a.result, a.attempts_left) for a in answers] == \
            [("rejected", 9), ("rejected", 8), ("rejected", 7)]

    def test_an_unknown_user_is_not_active_with_no_attempts(self, bank):
        """A user the service never saw gets the same kind of answer as any other."""
        answer = bank.verify("nobody", "12345678")
        assert (answer.result, answer.attempts_left, answer.state) == \
            ("not_active", None, "none")
        assert bank.audit("code_verified")[-1].result == "not_active"

    def test_an_activated_token_is_not_active_for_verification(self, bank):
        """Until confirmation the token only confirms; nothing is used up or counted."""
        secret = bank.activated("taro")
        answer = bank.verify("taro", bank.code(secret))
        assert (answer.result, answer.state) == ("not_active", "activated")
        assert bank.confirm("taro", bank.code(secret)).result == "accepted"

    @pytest.mark.parametrize("setup", ["issued", "revoked", "expired"])
    def test_issued_revoked_and_expired_tokens_are_not_active(self, bank, clock, setup):
        """not_active, attempts null."""
        if setup == "issued":
            bank.issue("taro")
        elif setup == "revoked":
            bank.active("taro")
            bank.revoke("taro")
        else:
            bank.issue("taro")
            clock.advance(timedelta(hours=72))
        answer = bank.verify("taro", "12345678")
        assert (answer.result, answer.attempts_left, answer.state) == \
            ("not_active", None, setup)

    def test_a_malformed_code_is_refused_and_counts_as_no_attempt(self, bank):
        """invalid_code_format: no failure counted, no audit entry written."""
        secret = bank.active("taro")
        entries = len(bank.audit())
        for code in MALFORMED:
            with pytest.raises(InvalidCodeFormat):
                bank.services.tokens.verify(bank.institution, "taro", code, "transfer")
            with pytest.raises(InvalidCodeFormat):
                bank.services.tokens.confirm(bank.institution, "taro", code)
        assert bank.token("taro").failures == 0
        assert len(bank.audit()) == entries
        assert bank.verify("taro", bank.code(secret)).result == "accepted"

    def test_an_unknown_operation_is_refused(self, bank):
        """invalid_operation, before anything is read or counted."""
        secret = bank.active("taro")
        with pytest.raises(InvalidOperation):
            bank.verify("taro", bank.code(secret), "wire")
        assert bank.verify("taro", bank.code(secret)).result == "accepted"

    def test_an_invalid_user_id_is_refused(self, bank):
        """invalid_user_id for a user ID outside the format."""
        with pytest.raises(InvalidUserId):
            bank.verify("../taro", "12345678")


class TestSuspension:
    def test_the_tenth_wrong_code_suspends(self, bank, clock):
        """Nine rejections, then `suspended`: state suspended, no attempts, stamped now."""
        secret = bank.active("taro")
        answers = [bank.verify("taro", bank.wrong_code(secret)) for _ in range(10)]
        assert [a.attempts_left for a in answers[:9]] == [9, 8, 7, 6, 5, 4, 3, 2, 1]
        assert {a.result for a in answers[:9]} == {"rejected"}
        assert (answers[9].result, answers[9].attempts_left, answers[9].state) == \
            ("suspended", 0, "suspended")
        doc = bank.doc("taro")
        assert (doc.state, doc.attempts_left, doc.suspended_at) == \
            ("suspended", 0, clock.now())
        (entry,) = bank.audit("token_suspended")
        assert (entry.user_id, entry.actor, entry.detail) == \
            ("taro", "system", {"failures": 10})

    def test_a_replay_counts_toward_suspension(self, bank):
        """Nine wrong codes and one replay suspend."""
        secret = bank.active("taro")
        code = bank.code(secret)
        bank.verify("taro", code)
        for _ in range(9):
            bank.verify("taro", bank.wrong_code(secret))
        assert bank.verify("taro", code).result == "suspended"

    def test_a_suspended_token_answers_suspended_to_the_right_code(self, bank):
        """Right code: `suspended`, 0 left; nothing counted, the step not used up."""
        secret = bank.suspended("taro")
        before = bank.token("taro")
        answer = bank.verify("taro", bank.code(secret))
        assert (answer.result, answer.attempts_left, answer.state) == \
            ("suspended", 0, "suspended")
        after = bank.token("taro")
        assert (after.failures, after.last_step) == (before.failures, before.last_step)

    def test_a_suspended_token_answers_the_same_to_a_wrong_code(self, bank):
        """Wrong code: the very same answer, and still nothing counted."""
        secret = bank.suspended("taro")
        right = bank.verify("taro", bank.code(secret))
        wrong = bank.verify("taro", bank.wrong_code(secret))
        assert wrong == right
        assert bank.token("taro").failures == 10
        assert len(bank.audit("token_suspended")) == 1

    def test_the_limit_is_the_institution_setting(self, bank, services):
        """A bank that suspends after 3 failures suspends on the 3rd."""
        bank.institution = services.institutions.configure("0001", max_failures=3)
        secret = bank.active("taro")
        answers = [bank.verify("taro", bank.wrong_code(secret)).result for _ in range(3)]
        assert answers == ["rejected", "rejected", "suspended"]
