"""取引確認: the request's details, its 5-minute life and its canonical bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.domain.confirmations import (
    Confirmation,
    ConfirmationState,
    TransactionDetails,
    canonical,
    expires_at,
)
from onetime.domain.errors import InvalidConfirmation, InvalidSetting
from onetime.domain.settings import InstitutionSettings

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
PAYEE = {"bank_code": "0001", "bank_name": "みずほ銀行", "branch_code": "100",
         "branch_name": "東京営業部", "account_type": "ordinary", "account_number": "1234567",
         "account_name": "ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞ"}
TRANSFER = {"operation": "transfer", "payee": PAYEE, "amount": 1_250_000}
PAYROLL = {"operation": "payroll_transfer", "count": 42, "total": 12_345_678}


def _encode(details: dict, **changes) -> bytes:
    fields = {"request_id": "r" * 32, "service_id": "0001", "user_id": "taro",
              "serial": "OT0000000000000001",
              "details": TransactionDetails.from_mapping(details),
              "expires": expires_at(NOW), **changes}
    return canonical(**fields)


class TestDetails:
    """What the site may ask the user to confirm."""

    def test_transfer_round_trips(self):
        """A one-off transfer keeps every payee field and the amount."""
        details = TransactionDetails.from_mapping(TRANSFER)
        assert details.to_mapping() == TRANSFER
        assert details.payee.account_type_label == "普通"

    def test_batch_round_trips(self):
        """A payroll batch is its count and total."""
        assert TransactionDetails.from_mapping(PAYROLL).to_mapping() == PAYROLL

    @pytest.mark.parametrize("bad", [
        {**TRANSFER, "amount": 0},
        {**TRANSFER, "amount": "1000"},
        {**TRANSFER, "amount": 1000.0},
        {**TRANSFER, "amount": True},
        {**TRANSFER, "amount": 100_000_000_000},
        {**TRANSFER, "operation": "login"},
        {**TRANSFER, "count": 3, "total": 10},
        {"operation": "transfer", "count": 3, "total": 10},
        {"operation": "bulk_transfer", "payee": PAYEE, "amount": 5},
        {**TRANSFER, "payee": {**PAYEE, "bank_code": "001"}},
        {**TRANSFER, "payee": {**PAYEE, "branch_code": "1000"}},
        {**TRANSFER, "payee": {**PAYEE, "account_number": "123456"}},
        {**TRANSFER, "payee": {**PAYEE, "account_number": "１２３４５６７"}},
        {**TRANSFER, "payee": {**PAYEE, "account_type": "checking"}},
        {**TRANSFER, "payee": {**PAYEE, "account_name": "ｶ)ﾄｳｷﾖｳ\nid=forged"}},
        {**TRANSFER, "payee": {**PAYEE, "bank_name": ""}},
        {**TRANSFER, "payee": {**PAYEE, "bank_name": " みずほ"}},
        {**TRANSFER, "payee": "みずほ"},
        [TRANSFER],
    ])
    def test_malformed_details_are_refused(self, bad):
        """Each malformed field raises InvalidConfirmation."""
        with pytest.raises(InvalidConfirmation):
            TransactionDetails.from_mapping(bad)

    def test_approval_takes_either_shape(self):
        """An approval (承認) confirms one transfer or a batch."""
        one = TransactionDetails.from_mapping({**TRANSFER, "operation": "approval"})
        batch = TransactionDetails.from_mapping({**PAYROLL, "operation": "approval"})
        assert (one.payee is not None, batch.count) == (True, 42)


class TestLife:
    """Pending for exactly 5 minutes."""

    def _request(self) -> Confirmation:
        return Confirmation("r" * 32, 1, "taro", "OT1", TransactionDetails.from_mapping(
            TRANSFER), ConfirmationState.PENDING, NOW, expires_at(NOW))

    def test_pending_until_just_before_five_minutes(self):
        """At 4:59.999999 the request is still pending."""
        at = NOW + timedelta(minutes=5) - timedelta(microseconds=1)
        assert self._request().current_state(at) == ConfirmationState.PENDING

    def test_expired_at_exactly_five_minutes(self):
        """At 5:00 it is expired."""
        at = NOW + timedelta(minutes=5)
        assert self._request().current_state(at) == ConfirmationState.EXPIRED


class TestCanonical:
    """The bytes the app signs (docs/transaction-confirmation.md)."""

    def test_transfer_encoding_is_exactly_the_documented_one(self):
        """The example of the document, byte for byte."""
        assert _encode(TRANSFER) == (
            "onetime-confirmation-v1\nid=rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\nservice_id=0001\n"
            "user_id=taro\nserial=OT0000000000000001\noperation=transfer\nbank_code=0001\n"
            "bank_name=みずほ銀行\nbranch_code=100\nbranch_name=東京営業部\n"
            "account_type=ordinary\naccount_number=1234567\naccount_name=ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞ\n"
            "amount=1250000\ncount=\ntotal=\nexpires_at=2026-11-26T01:05:00Z\n").encode()

    @pytest.mark.parametrize(("name", "value"), [
        ("amount", 1_250_001), ("payee.account_number", "1234568"),
        ("payee.bank_code", "0005"), ("payee.branch_code", "101"),
        ("payee.account_type", "current"), ("payee.account_name", "ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞｲ"),
        ("payee.bank_name", "三菱UFJ銀行"), ("payee.branch_name", "本店"),
    ])
    def test_every_field_changes_the_bytes(self, name, value):
        """A change of any one field gives another encoding (so another signature)."""
        details = {**TRANSFER, "payee": dict(PAYEE)}
        if name.startswith("payee."):
            details["payee"][name[6:]] = value
        else:
            details[name] = value
        assert _encode(details) != _encode(TRANSFER)

    @pytest.mark.parametrize("change", [{"request_id": "s" * 32}, {"user_id": "hanako"},
                                        {"serial": "OT0000000000000002"},
                                        {"service_id": "0002"},
                                        {"expires": NOW + timedelta(minutes=6)}])
    def test_bound_to_one_request_of_one_token(self, change):
        """The ID, user, token, institution and expiry are in the bytes too."""
        assert _encode(TRANSFER, **change) != _encode(TRANSFER)

    @given(st.integers(1, 99_999_999_999), st.integers(1, 99_999_999_999))
    def test_distinct_amounts_distinct_bytes(self, a, b):
        """Property: two amounts share an encoding only if they are equal."""
        assert (_encode({**TRANSFER, "amount": a}) == _encode({**TRANSFER, "amount": b})) \
            == (a == b)

    @given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                   max_size=48).filter(lambda s: s == s.strip()))
    def test_a_name_never_forges_a_line(self, name):
        """Property: whatever the account name, the encoding keeps its 17 lines."""
        try:
            details = {**TRANSFER, "payee": {**PAYEE, "account_name": name}}
            encoded = _encode(details)
        except InvalidConfirmation:
            return
        assert encoded.count(b"\n") == 17


class TestSetting:
    """transaction_confirmation: off (the manual's credit union), online, offline, both."""

    def test_off_by_default(self):
        """Off unless the institution turns it on."""
        settings = InstitutionSettings()
        assert (settings.transaction_confirmation, settings.online_confirmation,
                settings.offline_confirmation) == ("off", False, False)

    @pytest.mark.parametrize(("mode", "online", "offline"), [
        ("online", True, False), ("offline", False, True), ("both", True, True)])
    def test_modes(self, mode, online, offline):
        """Each mode offers its ways."""
        settings = InstitutionSettings().replace(transaction_confirmation=mode)
        assert (settings.online_confirmation, settings.offline_confirmation) == (online,
                                                                                 offline)

    def test_unknown_mode_refused(self):
        """Anything else is an invalid setting."""
        with pytest.raises(InvalidSetting):
            InstitutionSettings().replace(transaction_confirmation="sometimes")
