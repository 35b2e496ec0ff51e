"""ペイジー input and the biller file: what a form or an operator's CSV may hold, and what
it becomes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain import payeasy as rules
from onetime.banking.domain.errors import (
    InvalidBillerFile,
    InvalidBillerNumber,
    InvalidConfirmationNumber,
    InvalidCustomerNumber,
    InvalidPaymentClass,
)
from onetime.banking.domain.payeasy import BillerKind

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class TestNumbers:
    @pytest.mark.parametrize(("typed", "number"), [
        ("12345", "12345"), ("１２３４５", "12345"), (" 12345 ", "12345"), ("123 45", "12345")])
    def test_biller_numbers_fold(self, typed, number):
        assert rules.biller_number(typed) == number

    @pytest.mark.parametrize("typed", ["", "1234", "123456", "1234a", "12.45", None, 12345])
    def test_biller_numbers_refused(self, typed):
        with pytest.raises(InvalidBillerNumber) as caught:
            rules.biller_number(typed)
        assert caught.value.code == "invalid_biller_number"

    @given(st.text(alphabet="0123456789", min_size=1, max_size=20), st.booleans())
    def test_customer_number_of_the_billers_length_is_read_back(self, digits, wide):
        typed = digits.translate(FULL_WIDTH) if wide else digits
        assert rules.customer_number(typed, len(digits)) == digits

    @given(st.text(alphabet="0123456789", min_size=1, max_size=20),
           st.integers(min_value=1, max_value=20))
    def test_customer_number_of_another_length_is_refused(self, digits, length):
        if len(digits) == length:
            return
        with pytest.raises(InvalidCustomerNumber):
            rules.customer_number(digits, length)

    @pytest.mark.parametrize("typed", ["", "1234567", "12a4", "1.5", "+1"])
    def test_confirmation_numbers_refused(self, typed):
        with pytest.raises(InvalidConfirmationNumber):
            rules.confirmation_number(typed)

    def test_payment_class_only_for_taxes(self):
        assert rules.payment_class("１０１", BillerKind.TAX) == "101"
        assert rules.payment_class("anything", BillerKind.UTILITY) is None
        for bad in ("", "1234", "ab"):
            with pytest.raises(InvalidPaymentClass):
                rules.payment_class(bad, BillerKind.TAX)

    @given(st.text(alphabet="0123456789", min_size=1, max_size=6),
           st.text(alphabet="0123456789", min_size=1, max_size=6))
    def test_confirmation_matches_exactly_when_equal(self, typed, stored):
        assert rules.confirmation_matches(typed, stored) == (typed == stored)

    def test_receipt_number_is_the_date_and_the_bill(self):
        assert rules.receipt_number(date(2026, 12, 3), 42) == "2026120300000042"


GOOD = """\
# comment
biller,11111,水戸市 市県民税,tax,16,2101,001,current,8000001,ﾐﾄｼ
bill,11111,1000000000000001,123456,"45,000",2027-01-31,101

bill,22222,20000000001,2345,8640,,
"""


class TestBillerFile:
    def test_a_good_file(self):
        billers, bills = rules.read_biller_file(GOOD)
        assert [(b.number, b.name, b.kind, b.number_length, b.account_number, b.holder_name)
                for b in billers] == [("11111", "水戸市 市県民税", BillerKind.TAX, 16,
                                       "8000001", "ミトシ")]
        assert [(b.line, b.biller_number, b.number, b.amount, b.due, b.payment_class)
                for b in bills] == [(3, "11111", "1000000000000001", 45000,
                                     date(2027, 1, 31), "101"),
                                    (5, "22222", "20000000001", 8640, None, "")]

    def test_every_bad_line_is_named(self):
        text = GOOD + "\n".join([
            "biller,1111,短い,tax,16,2101,001,current,8000001,ﾐﾄｼ",  # line 6
            "biller,44444,名前,gas,16,2101,001,current,8000001,ﾐﾄｼ",  # 7: kind
            "bill,11111,1000000000000009,123456,0,,101",  # 8: amount
            "bill,11111,1000000000000001,123456,10,,101",  # 9: named twice
            "invoice,1",  # 10
            "bill,11111,x,1,1,,",  # 11
            "bill,11111,1000000000000008,1,1,2027-13-01,101",  # 12: due
            "biller,11111,水戸市,tax,16,2101,001,current,8000001,ﾐﾄｼ",  # 13: twice
        ])
        with pytest.raises(InvalidBillerFile) as caught:
            rules.read_biller_file(text)
        lines = [line for line, _code, _message in caught.value.problems]
        assert lines == [6, 7, 8, 9, 10, 11, 12, 13]
        assert caught.value.problems[0][1] == "invalid_biller_number"
        assert caught.value.problems[2][1] == "invalid_amount"

    def test_a_bill_is_checked_against_its_biller(self):
        _billers, bills = rules.read_biller_file(GOOD)
        tax, utility = bills
        rules.check_bill(tax, BillerKind.TAX, 16)
        rules.check_bill(utility, BillerKind.UTILITY, 11)
        with pytest.raises(InvalidCustomerNumber):
            rules.check_bill(tax, BillerKind.TAX, 15)
        with pytest.raises(InvalidPaymentClass):
            rules.check_bill(utility, BillerKind.TAX, 11)
        with pytest.raises(InvalidPaymentClass):
            rules.check_bill(tax, BillerKind.CARD, 16)
