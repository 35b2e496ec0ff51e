"""Suspension release (rule 8) and revocation (rules 9 and 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from onetime.domain.errors import TokenNotFound, TokenNotSuspended
from onetime.storage.schema import tokens

TOKYO = ZoneInfo("Asia/Tokyo")


class TestRelease:
    def test_release_makes_the_token_active_with_attempts_reset(self, bank):
        """停止解除: active, 10 attempts, suspended_at null again."""
        bank.suspended("taro")
        doc = bank.release("taro")
        assert (doc.state, doc.attempts_left, doc.suspended_at) == ("active", 10, None)
        assert bank.token("taro").failures == 0

    def test_a_token_suspended_during_confirmation_is_released_to_activated(self, bank):
        """Never confirmed, so not active: the user finishes 認証確認 with a code."""
        secret = bank.activated("taro")
        for _ in range(10):
            bank.confirm("taro", bank.wrong_code(secret))
        assert bank.doc("taro").state == "suspended"
        doc = bank.release("taro")
        assert (doc.state, doc.attempts_left, doc.confirmed_at) == ("activated", 10, None)
        assert bank.verify("taro", bank.code(secret)).result == "not_active"
        assert bank.confirm("taro", bank.code(secret)).result == "accepted"
        assert bank.doc("taro").state == "active"

    def test_the_user_signs_in_with_a_code_after_release(self, bank):
        """The right code is accepted again; a wrong one counts from 10."""
        secret = bank.suspended("taro")
        bank.release("taro")
        assert bank.verify("taro", bank.code(secret)).result == "accepted"
        assert bank.verify("taro", bank.wrong_code(secret)).attempts_left == 9

    def test_release_is_audited_with_who_and_why(self, bank, clock):
        """token_released names the releasing user, the reason and where from."""
        bank.suspended("taro")
        bank.release("taro")
        (entry,) = bank.audit("token_released")
        assert (entry.user_id, entry.actor, entry.at, entry.source_ip, entry.detail) == \
            ("taro", "user:master", clock.now(), "203.0.113.10", {"reason": "本人確認済み"})

    @pytest.mark.parametrize("setup", ["none", "issued", "activated", "active", "revoked"])
    def test_only_a_suspended_token_is_released(self, bank, setup):
        """Any other state: token_not_suspended, and nothing audited."""
        if setup == "issued":
            bank.issue("taro")
        elif setup == "activated":
            bank.activated("taro")
        elif setup in ("active", "revoked"):
            bank.active("taro")
        if setup == "revoked":
            bank.revoke("taro")
        with pytest.raises(TokenNotSuspended):
            bank.release("taro")
        assert bank.audit("token_released") == []
        assert bank.doc("taro").state == setup

    def test_a_second_release_finds_nothing_suspended(self, bank):
        """Two admins pressing 停止解除 at once: the second is told it is not suspended."""
        bank.suspended("taro")
        bank.release("taro")
        with pytest.raises(TokenNotSuspended):
            bank.release("taro")


class TestRevoke:
    @pytest.mark.parametrize("setup", ["issued", "activated", "active", "suspended"])
    def test_a_live_token_is_revoked_and_its_secrets_destroyed(self, bank, services, clock,
                                                               setup):
        """失効 from any live state: revoked now, setup at 10:30, secret columns NULL."""
        if setup == "issued":
            bank.issue("taro")
        elif setup == "activated":
            bank.activated("taro")
        elif setup == "active":
            bank.active("taro")
        else:
            bank.suspended("taro")
        doc = bank.revoke("taro")
        assert (doc.state, doc.revoked_at, doc.attempts_left) == ("revoked", clock.now(), None)
        assert doc.setup_available_at == clock.now() + timedelta(minutes=30)
        with services.ctx.db.read() as conn:
            row = conn.execute(select(tokens)).one()
        assert (row.secret_key_id, row.secret_blob, row.activation_key_id,
                row.activation_blob) == (None, None, None, None)

    def test_revoked_at_2100_opens_at_0810_next_day(self, bank, clock):
        """Rule 10: an evening revocation opens setup next morning at 08:10."""
        bank.active("taro")
        clock.set(datetime(2026, 11, 26, 21, 0, tzinfo=TOKYO))
        doc = bank.revoke("taro")
        assert doc.setup_available_at == datetime(2026, 11, 27, 8, 10, tzinfo=TOKYO)
        assert doc.setup_available_at.tzinfo == UTC

    def test_revoked_at_2049_opens_at_2119(self, bank, clock):
        """Rule 10: one minute before the night, thirty minutes."""
        bank.active("taro")
        clock.set(datetime(2026, 11, 26, 20, 49, tzinfo=TOKYO))
        assert bank.revoke("taro").setup_available_at == \
            datetime(2026, 11, 26, 21, 19, tzinfo=TOKYO)

    def test_the_embargo_is_an_institution_setting(self, bank, services, clock):
        """A bank with a 60-minute embargo opens setup an hour later."""
        bank.institution = services.institutions.configure("0001", embargo_minutes=60)
        bank.active("taro")
        assert bank.revoke("taro").setup_available_at == clock.now() + timedelta(minutes=60)

    def test_a_revoked_token_verifies_nothing(self, bank):
        """After revocation the old device's code is not_active, attempts null."""
        secret = bank.active("taro")
        bank.revoke("taro")
        answer = bank.verify("taro", bank.code(secret))
        assert (answer.result, answer.attempts_left, answer.state) == \
            ("not_active", None, "revoked")

    def test_the_whole_phone_change(self, bank, clock):
        """Rule 9: revoke, wait for setup to open, issue, set up and confirm the new device."""
        old = bank.active("taro")
        revoked = bank.revoke("taro")
        clock.set(revoked.setup_available_at)
        new = bank.activated("taro")
        assert new != old
        assert bank.confirm("taro", bank.code(new)).result == "accepted"
        clock.advance(60)
        assert bank.verify("taro", bank.code(old)).result == "rejected"
        assert bank.verify("taro", bank.code(new)).result == "accepted"

    @pytest.mark.parametrize("setup", ["none", "revoked", "expired"])
    def test_nothing_to_revoke(self, bank, clock, setup):
        """none, revoked and expired: token_not_found, nothing audited."""
        if setup == "revoked":
            bank.active("taro")
            bank.revoke("taro")
        elif setup == "expired":
            bank.issue("taro")
            clock.advance(timedelta(hours=72))
        revocations = len(bank.audit("token_revoked"))
        with pytest.raises(TokenNotFound):
            bank.revoke("taro")
        assert len(bank.audit("token_revoked")) == revocations

    def test_revocation_is_audited_with_who_why_and_when_setup_opens(self, bank, clock):
        """token_revoked names the actor, the reason and setup_available_at."""
        bank.active("taro")
        doc = bank.revoke("taro")
        (entry,) = bank.audit("token_revoked")
        assert (entry.actor, entry.at, entry.source_ip) == \
            ("user:master", clock.now(), "203.0.113.10")
        assert entry.detail == {"reason": "機種変更",
                                "setup_available_at": doc.setup_available_at.isoformat()}
