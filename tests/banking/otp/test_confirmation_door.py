"""取引確認 through the site's door to the OTP service: LocalOtp and RemoteOtp (HTTP on
127.0.0.1) answer alike, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from onetime.banking.otp.local import LocalOtp
from onetime.banking.otp.remote import RemoteOtp
from onetime.domain.confirmations import ConfirmationState, TransactionDetails
from onetime.domain.errors import (
    ConfirmationDisabled,
    ConfirmationNotFound,
    ConfirmationNotPending,
    ConfirmationVoided,
    InvalidConfirmation,
)
from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose
from tests.banking.otp.test_remote_journeys import api_key, institution, keyed, otp_server
from tests.service.confirming import TRANSFER, App, details
from tests.service.world import Bank

__all__ = ["api_key", "institution", "keyed", "otp_server"]  # fixtures used here
S = ConfirmationState
SERVICE = "0001"


@pytest.fixture(params=["local", "remote"])
def otp(request, services, institution, api_key):
    services.institutions.configure(SERVICE, transaction_confirmation="both")
    if request.param == "local":
        yield LocalOtp(services)
        return
    remote = RemoteOtp(request.getfixturevalue("otp_server"), {SERVICE: api_key})
    yield remote
    remote.close()


@pytest.fixture
def app(services, clock, otp) -> App:
    bank = Bank(services, services.institutions.get(SERVICE, fresh=True), clock)
    return App(bank, "taro", bank.active("taro"))


def _ask(otp, body: dict = TRANSFER):
    return otp.request_confirmation(SERVICE, "taro", TransactionDetails.from_mapping(body),
                                    actor="user:taro")


class TestDoor:
    """What the site's transfer screens will call."""

    def test_confirmed_then_executed(self, otp, app):
        """Ask, the app approves, the site reads confirmed and books once."""
        asked = _ask(otp)
        assert (asked.state, asked.details) == (S.PENDING,
                                                TransactionDetails.from_mapping(TRANSFER))
        [pending] = app.bank.services.confirmations.pending(app.session())
        app.bank.services.confirmations.confirm(app.session(), pending.id, app.sign(pending))
        assert otp.confirmation(SERVICE, "taro", asked.id).state == S.CONFIRMED
        done = otp.execute_confirmation(SERVICE, "taro", asked.id, asked.details)
        assert done.state == S.EXECUTED
        with pytest.raises(ConfirmationNotPending):
            otp.execute_confirmation(SERVICE, "taro", asked.id, asked.details)

    def test_changed_amount_voids(self, otp, app):
        """Booking another amount than confirmed: ConfirmationVoided."""
        asked = _ask(otp)
        [pending] = app.bank.services.confirmations.pending(app.session())
        app.bank.services.confirmations.confirm(app.session(), pending.id, app.sign(pending))
        with pytest.raises(ConfirmationVoided):
            otp.execute_confirmation(SERVICE, "taro", asked.id,
                                     TransactionDetails.from_mapping(details(amount=1)))
        assert otp.confirmation(SERVICE, "taro", asked.id).state == S.VOIDED

    def test_other_user_and_unknown_ids(self, otp, app):
        """Another user's request, and an ID that is no ID: ConfirmationNotFound."""
        asked = _ask(otp)
        for user_id, request_id in [("hanako", asked.id), ("taro", "../token"),
                                    ("taro", "x" * 20)]:
            with pytest.raises(ConfirmationNotFound):
                otp.confirmation(SERVICE, user_id, request_id)

    def test_ocra(self, otp, app):
        """The offline response is accepted once, through either door."""
        key = token_keys.derive(app.secret, Purpose.OCRA, SERVICE, "taro", app.serial)
        response = token_keys.ocra_response(key, "1234567", app.bank.clock.now().timestamp())
        assert otp.verify_ocra(SERVICE, "taro", "1234567", response).result == "accepted"
        assert otp.verify_ocra(SERVICE, "taro", "1234567", response).result == "rejected"
        with pytest.raises(InvalidConfirmation):
            otp.verify_ocra(SERVICE, "taro", "123", response)

    def test_disabled(self, otp, app, services):
        """Off at the institution: ConfirmationDisabled."""
        services.institutions.configure(SERVICE, transaction_confirmation="off")
        with pytest.raises(ConfirmationDisabled):
            _ask(otp)
