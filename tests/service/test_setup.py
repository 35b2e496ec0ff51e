"""Initial setup (rule 6): the app proves the activation password and gets the secret once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from onetime.crypto import TEST_KDF, derive_key
from onetime.domain.errors import (
    IssuanceExpired,
    NoIssuance,
    ServiceUnavailable,
    SetupEmbargoed,
    SetupFailed,
    SetupSessionInvalid,
)
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.setup.protocol import Client, ProtocolError, password_salt, server_respond
from onetime.storage.database import Database
from tests.e2e.servers import free_port

from .world import PASSWORD, secret_of

WRONG = "000011112222"


class TestSetup:
    def test_setup_turns_an_issued_token_activated(self, bank, clock):
        """初期設定完了: the token is activated, stamped, and still awaits confirmation."""
        issued = bank.issue("taro")
        payload = bank.set_up("taro")
        doc = bank.doc("taro")
        assert (doc.state, doc.activated_at, doc.confirmed_at) == \
            ("activated", clock.now(), None)
        assert doc.attempts_left == 10
        assert (payload["serial"], payload["service_id"], payload["user_id"]) == \
            (issued.serial, "0001", "taro")
        assert (payload["digits"], payload["period"], payload["algorithm"]) == (8, 60, "sha1")
        assert len(secret_of(payload)) == 20

    def test_the_secret_is_handed_out_once(self, bank):
        """A second setup of the same issuance finds no issuance waiting."""
        bank.activated("taro")
        with pytest.raises(NoIssuance):
            bank.set_up("taro")

    def test_a_replayed_successful_finish_gets_nothing(self, bank):
        """Sending the same `finish` again is an invalid session, not a second secret."""
        bank.issue("taro")
        client, started = bank.start_setup("taro")
        mac = client.answer(started.session_id, started.message)
        bank.services.setup.finish(started.session_id, mac)
        with pytest.raises(SetupSessionInvalid):
            bank.services.setup.finish(started.session_id, mac)

    def test_wrong_passwords_count_down_four_three_two_one(self, bank):
        """Each wrong activation password uses one of 5 attempts and says what is left."""
        bank.issue("taro")
        left = []
        for _ in range(4):
            with pytest.raises(SetupFailed) as failed:
                bank.set_up("taro", WRONG)
            left.append(failed.value.attempts_left)
        assert left == [4, 3, 2, 1]
        assert bank.doc("taro").state == "issued"

    def test_the_fifth_wrong_password_voids_the_issuance(self, bank):
        """After the 5th the issuance is expired and even the right password is refused."""
        bank.issue("taro")
        for _ in range(4):
            with pytest.raises(SetupFailed):
                bank.set_up("taro", WRONG)
        with pytest.raises(SetupFailed) as fifth:
            bank.set_up("taro", WRONG)
        assert fifth.value.attempts_left == 0
        assert bank.doc("taro").state == "expired"
        with pytest.raises(IssuanceExpired):
            bank.set_up("taro")
        (entry,) = bank.audit("issuance_expired")
        assert entry.detail["reason"] == "activation_attempts"

    def test_the_right_password_after_some_wrong_ones_still_sets_up(self, bank):
        """Failures below the limit do not spoil the issuance."""
        bank.issue("taro")
        for _ in range(2):
            with pytest.raises(SetupFailed):
                bank.set_up("taro", WRONG)
        bank.set_up("taro")
        assert bank.doc("taro").state == "activated"

    def test_a_replayed_failed_finish_is_not_counted(self, bank):
        """The replay is an invalid session; the next wrong password still leaves 3."""
        bank.issue("taro")
        client, started = bank.start_setup("taro", WRONG)
        mac = client.answer(started.session_id, started.message)
        with pytest.raises(SetupFailed):
            bank.services.setup.finish(started.session_id, mac)
        for _ in range(3):
            with pytest.raises(SetupSessionInvalid):
                bank.services.setup.finish(started.session_id, mac)
        assert bank.token("taro").activation_attempts_left == 4
        with pytest.raises(SetupFailed) as failed:
            bank.set_up("taro", WRONG)
        assert failed.value.attempts_left == 3

    def test_an_exchange_started_and_never_finished_leaves_the_issuance_usable(self, bank):
        """An abandoned `start` costs no attempt; a later setup succeeds."""
        bank.issue("taro")
        for _ in range(6):
            bank.start_setup("taro", WRONG)
        assert bank.token("taro").activation_attempts_left == 5
        bank.set_up("taro")
        assert bank.doc("taro").state == "activated"

    def test_a_session_older_than_five_minutes_is_invalid_and_not_counted(self, bank, clock):
        """A `finish` after the session's lifetime is refused without using an attempt."""
        bank.issue("taro")
        client, started = bank.start_setup("taro")
        clock.advance(timedelta(minutes=5))
        with pytest.raises(SetupSessionInvalid):
            bank.finish_setup(client, started)
        assert bank.token("taro").activation_attempts_left == 5
        assert bank.doc("taro").state == "issued"

    def test_an_unknown_session_is_invalid(self, bank):
        """A made-up session id gets setup_session_invalid."""
        with pytest.raises(SetupSessionInvalid):
            bank.services.setup.finish("no-such-session", b"\x00" * 32)

    def test_a_service_holding_another_password_yields_only_failures(self, bank):
        """Stored password ≠ the app's: the exchange fails, nothing is handed out or stored."""
        bank.issue("taro", "11112222")
        client, started = bank.start_setup("taro", PASSWORD)
        with pytest.raises(SetupFailed):
            bank.finish_setup(client, started)
        token = bank.token("taro")
        assert (token.state, token.secret_key_id, token.secret_blob) == ("issued", None, None)
        assert [e.event for e in bank.audit(user_id="taro")] == ["token_issued", "setup_failed"]

    def test_the_app_refuses_a_service_that_does_not_know_the_password(self):
        """A fake service cannot produce the proof the app checks before opening the token."""
        client = Client("0001", "taro", PASSWORD, TEST_KDF)
        fake = derive_key("99999999", password_salt("0001", "taro"), TEST_KDF)
        reply, keys = server_respond("0001", "taro", fake, "session", client.message)
        client.answer("session", reply)
        with pytest.raises(ProtocolError):
            client.open(keys.server_mac(), b"\x00" * 64)

    def test_a_replaced_issuance_cannot_be_finished(self, bank):
        """An exchange begun on the old issuance ends with no_issuance after a re-issue."""
        bank.issue("taro")
        client, started = bank.start_setup("taro")
        bank.issue("taro")
        with pytest.raises(NoIssuance):
            bank.finish_setup(client, started)
        assert bank.doc("taro").state == "issued"

    def test_setup_is_embargoed_after_a_revocation(self, bank):
        """Rule 10 holds for the app as for the site: setup_embargoed with the time."""
        bank.activated("taro")
        revoked = bank.revoke("taro")
        with pytest.raises(SetupEmbargoed) as refused:
            bank.start_setup("taro")
        assert refused.value.available_at == revoked.setup_available_at

    @pytest.mark.parametrize(("service_id", "user_id"), [("0001", "nobody"), ("9999", "taro")])
    def test_no_issuance_for_an_unknown_user_or_service(self, bank, service_id, user_id):
        """Unknown users and unknown service IDs look the same: no_issuance."""
        bank.issue("taro")
        client = Client(service_id, user_id, PASSWORD, TEST_KDF)
        with pytest.raises(NoIssuance):
            bank.services.setup.start(service_id, user_id, client.message)

    def test_a_malformed_service_id_is_no_issuance(self, bank):
        """No institution can have it, and the database is not asked (PostgreSQL refuses NUL)."""
        client = Client("0001", "taro", PASSWORD, TEST_KDF)
        with pytest.raises(NoIssuance):
            bank.services.setup.start("00\x0001", "taro", client.message)

    def test_a_malformed_first_message_is_an_invalid_session(self, bank):
        """Garbage instead of a SPAKE2 element is refused, and costs no attempt."""
        bank.issue("taro")
        with pytest.raises(SetupSessionInvalid):
            bank.services.setup.start("0001", "taro", b"\x00garbage")
        assert bank.token("taro").activation_attempts_left == 5


class TestUnexpectedErrorsSurface:
    """Only an unknown service ID is no_issuance: an outage or a bug is never disguised as it."""

    def test_a_database_that_refuses_connections_is_unavailable(self, keyring, clock, tmp_path):
        """Retry later (503), not "no issuance waiting", which would send the user to issue."""
        services = services_on(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
                               keyring, clock)
        client = Client("0001", "taro", PASSWORD, TEST_KDF)
        try:
            with pytest.raises(ServiceUnavailable):
                services.setup.start("0001", "taro", client.message)
        finally:
            services.ctx.db.dispose()

    def test_a_bug_surfaces_as_itself(self, keyring, clock, tmp_path):
        """A database without its tables (a bug, not an outage) raises its own error."""
        services = services_on(f"sqlite:///{tmp_path / 'unmigrated.db'}", keyring, clock)
        client = Client("0001", "taro", PASSWORD, TEST_KDF)
        try:
            with pytest.raises(OperationalError, match="no such table"):
                services.setup.start("0001", "taro", client.message)
        finally:
            services.ctx.db.dispose()


def services_on(url: str, keyring, clock) -> Services:
    return Services.from_context(Context(db=Database(url), keyring=keyring, clock=clock,
                                         setup_kdf=TEST_KDF))
