"""Offline 取引確認: the app's OCRA response to the payee's account number."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onetime.domain.errors import ConfirmationDisabled, InvalidCodeFormat, InvalidConfirmation
from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose

from .world import Bank

ACCOUNT = "1234567"


@pytest.fixture
def bank(services, institution, clock) -> Bank:
    on = services.institutions.configure(institution.service_id,
                                         transaction_confirmation="offline")
    return Bank(services, on, clock)


def _response(bank: Bank, secret: bytes, challenge: str = ACCOUNT, minutes: int = 0) -> str:
    """What the app's OCRA screen shows for `challenge`, `minutes` from now."""
    serial = bank.token("taro").serial
    key = token_keys.derive(secret, Purpose.OCRA, bank.institution.service_id, "taro", serial)
    at = bank.clock.now() + timedelta(minutes=minutes)
    return token_keys.ocra_response(key, challenge, at.timestamp())


def _verify(bank: Bank, response: str, challenge: str = ACCOUNT):
    return bank.services.confirmations.verify_ocra(bank.institution, "taro", challenge,
                                                   response)


class TestOcra:
    """The response is good for its minute and one either side, once."""

    def test_accepted_once(self, bank):
        """Accepted; the same response again is a replay, counted as a failure."""
        secret = bank.active("taro")
        response = _response(bank, secret)
        assert _verify(bank, response).result == "accepted"
        again = _verify(bank, response)
        assert (again.result, again.attempts_left) == ("rejected", 9)
        assert [e.result for e in bank.audit("ocra_verified")] == ["accepted", "rejected"]

    def test_other_account_number_rejected(self, bank):
        """A response to another payee's number does not pass for this one."""
        secret = bank.active("taro")
        assert _verify(bank, _response(bank, secret, "7654321")).result == "rejected"

    @pytest.mark.parametrize(("minutes", "result"), [(-1, "accepted"), (1, "accepted"),
                                                      (-2, "rejected"), (2, "rejected")])
    def test_window_is_one_minute_either_side(self, bank, minutes, result):
        """T1M with the institution's window of one step."""
        secret = bank.active("taro")
        assert _verify(bank, _response(bank, secret, minutes=minutes)).result == result

    def test_wrong_responses_suspend(self, bank):
        """Ten wrong responses suspend the token like ten wrong codes."""
        secret = bank.active("taro")
        wrong = f"{(int(_response(bank, secret)) + 1) % 10**8:08d}"
        answers = [_verify(bank, wrong).result for _ in range(10)]
        assert answers[-1] == "suspended"
        assert bank.doc("taro").state == "suspended"
        assert _verify(bank, _response(bank, secret)).result == "suspended"

    def test_off_for_online_only(self, services, institution, clock):
        """An institution with online only refuses OCRA."""
        on = services.institutions.configure(institution.service_id,
                                             transaction_confirmation="online")
        with pytest.raises(ConfirmationDisabled):
            services.confirmations.verify_ocra(on, "taro", ACCOUNT, "12345678")

    @pytest.mark.parametrize(("challenge", "response", "error"), [
        ("123456", "12345678", InvalidConfirmation),
        ("12345678", "12345678", InvalidConfirmation),
        ("１２３４５６７", "12345678", InvalidConfirmation),
        (1234567, "12345678", InvalidConfirmation),
        (ACCOUNT, "1234567", InvalidCodeFormat),
        (ACCOUNT, 12345678, InvalidCodeFormat),
    ])
    def test_malformed_input_writes_nothing(self, bank, challenge, response, error):
        """A bad challenge or response is refused before any write."""
        bank.active("taro")
        with pytest.raises(error):
            _verify(bank, response, challenge)
        assert bank.audit("ocra_verified") == []
