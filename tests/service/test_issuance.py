"""Token issuance (rule 5) and the issuance's lifetime (DESIGN.md §4, §7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onetime.domain.errors import (
    InvalidActivationPassword,
    InvalidEmail,
    InvalidUserId,
    IssuanceExpired,
    SetupEmbargoed,
    TokenExists,
)
from onetime.storage.schema import audit_log, outbox, tokens


def count(ctx, table) -> int:
    with ctx.db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


class TestIssueToken:
    def test_a_first_issuance_waits_for_setup_for_72_hours(self, bank, clock):
        """The document: issued, a serial, issued now, expiring in 72 h, no attempts yet."""
        doc = bank.issue("taro")
        assert doc.state == "issued"
        assert doc.serial.startswith("OT")
        assert (doc.issued_at, doc.expires_at) == (clock.now(),
                                                    clock.now() + timedelta(hours=72))
        assert doc.attempts_left is None
        assert (doc.activated_at, doc.confirmed_at, doc.suspended_at, doc.revoked_at,
                doc.setup_available_at) == (None, None, None, None, None)

    def test_the_issuance_mail_is_queued_without_the_activation_password(self, bank,
                                                                          services):
        """Rule 5: service ID and user ID go out by mail; the password never does."""
        bank.issue("taro")
        with services.ctx.db.read() as conn:
            (mail,) = conn.execute(select(outbox)).all()
        assert mail.recipient == "taro@example.jp"
        assert "0001" in mail.body
        assert "taro" in mail.body
        assert bank.passwords[0] not in mail.body + mail.subject

    def test_a_new_issuance_replaces_one_not_yet_set_up(self, bank):
        """Pressing トークン発行 again gives a new serial; the old setup no longer works."""
        first = bank.issue("taro", "11112222")
        second = bank.issue("taro", "33334444")
        assert second.serial != first.serial
        assert second.state == "issued"
        assert bank.set_up("taro", "33334444")["serial"] == second.serial

    def test_a_new_issuance_replaces_one_set_up_but_not_confirmed(self, bank):
        """An activated token is replaced too, and its secret is gone."""
        bank.activated("taro")
        doc = bank.issue("taro")
        token = bank.token("taro")
        assert (doc.state, doc.activated_at) == ("issued", None)
        assert (token.secret_key_id, token.secret_blob) == (None, None)

    def test_an_expired_issuance_is_replaced(self, bank, clock):
        """After 72 hours the user simply issues again."""
        bank.issue("taro")
        clock.advance(timedelta(hours=73))
        assert bank.doc("taro").state == "expired"
        assert bank.issue("taro").state == "issued"

    def test_refused_while_the_token_is_active(self, bank, services):
        """An active token is not replaced: token_exists, nothing written."""
        bank.active("taro")
        serial = bank.token("taro").serial
        entries = len(bank.audit())
        with pytest.raises(TokenExists):
            bank.issue("taro")
        assert bank.token("taro").serial == serial
        assert len(bank.audit()) == entries

    def test_refused_while_the_token_is_suspended(self, bank):
        """A suspended token is released, not replaced."""
        bank.suspended("taro")
        with pytest.raises(TokenExists):
            bank.issue("taro")
        assert bank.doc("taro").state == "suspended"

    def test_refused_during_the_embargo_after_a_revocation(self, bank, clock):
        """Rule 10: at 10:00 a revocation opens setup at 10:30; before that, setup_embargoed."""
        bank.active("taro")
        revoked = bank.revoke("taro")
        clock.set(revoked.setup_available_at - timedelta(seconds=1))
        with pytest.raises(SetupEmbargoed) as refused:
            bank.issue("taro")
        assert refused.value.available_at == revoked.setup_available_at
        assert bank.doc("taro").state == "revoked"

    def test_allowed_once_the_clock_reaches_setup_available_at(self, bank, clock):
        """At the instant setup opens, the new issuance goes through."""
        bank.active("taro")
        revoked = bank.revoke("taro")
        clock.set(revoked.setup_available_at)
        doc = bank.issue("taro")
        assert (doc.state, doc.revoked_at, doc.setup_available_at) == ("issued", None, None)

    @pytest.mark.parametrize(("user_id", "email", "password", "error"), [
        ("-taro", "taro@example.jp", "1234", InvalidUserId),
        ("taro", "not-an-address", "1234", InvalidEmail),
        ("taro", "taro@example.jp", "123", InvalidActivationPassword),
        ("taro", "taro@example.jp", "１２３４", InvalidActivationPassword),
        ("taro", "taro@example.jp", "abcd", InvalidActivationPassword),
    ])
    def test_bad_input_is_refused_and_nothing_is_written(self, services, institution,
                                                         user_id, email, password, error):
        """A rejected request writes nothing: no token, no audit entry, no mail."""
        entries = count(services.ctx, audit_log)
        with pytest.raises(error):
            services.tokens.issue_token(institution, user_id, email, password)
        assert count(services.ctx, tokens) == 0
        assert count(services.ctx, outbox) == 0
        assert count(services.ctx, audit_log) == entries


class TestGetToken:
    def test_a_never_seen_user_reads_as_none(self, bank):
        """state none, every other member null: the same members as a user with a token."""
        doc = bank.doc("nobody")
        assert doc.state == "none"
        assert (doc.serial, doc.attempts_left, doc.issued_at, doc.expires_at,
                doc.activated_at, doc.confirmed_at, doc.suspended_at, doc.revoked_at,
                doc.setup_available_at) == (None,) * 9
        assert bank.token("nobody") is None

    def test_reading_writes_nothing_for_a_live_token(self, bank):
        """A read of an issued token adds no audit entry."""
        bank.issue("taro")
        entries = len(bank.audit())
        bank.doc("taro")
        assert len(bank.audit()) == entries


class TestIssuanceExpiry:
    def test_an_issuance_is_live_one_second_before_72_hours(self, bank, clock):
        """71:59:59 after issuance it is still issued."""
        bank.issue("taro")
        clock.advance(timedelta(hours=72, seconds=-1))
        assert bank.doc("taro").state == "issued"

    def test_an_issuance_expires_after_72_hours(self, bank, clock):
        """At 72 hours it reads as expired, with no attempts, and setup is refused."""
        bank.issue("taro")
        clock.advance(timedelta(hours=72))
        doc = bank.doc("taro")
        assert (doc.state, doc.attempts_left) == ("expired", None)
        with pytest.raises(IssuanceExpired):
            bank.set_up("taro")

    def test_expiry_is_audited_exactly_once(self, bank, clock):
        """However often the token is read, one issuance_expired entry."""
        bank.issue("taro")
        clock.advance(timedelta(hours=80))
        for _ in range(3):
            bank.doc("taro")
        (entry,) = bank.audit("issuance_expired")
        assert (entry.user_id, entry.at, entry.detail["reason"]) == \
            ("taro", clock.now(), "lifetime")
        assert bank.token("taro").state == "expired"

    def test_an_expired_issuance_keeps_no_key(self, bank, services, clock):
        """Expiry destroys the activation key and the secret, as revocation does."""
        bank.activated("hanako")
        bank.issue("taro")
        clock.advance(timedelta(hours=72))
        bank.doc("taro")
        bank.doc("hanako")
        with services.ctx.db.read() as conn:
            for token in conn.execute(select(tokens)).all():
                assert token.state == "expired"
                assert (token.secret_key_id, token.secret_blob, token.activation_key_id,
                        token.activation_blob) == (None, None, None, None)

    def test_a_token_set_up_but_not_confirmed_expires_too(self, bank, clock):
        """Rule 6: setup is not finished until confirmation; 72 h later it is void."""
        secret = bank.activated("taro")
        clock.advance(timedelta(hours=72))
        answer = bank.confirm("taro", bank.code(secret))
        assert (answer.result, answer.state, answer.attempts_left) == \
            ("not_active", "expired", None)
