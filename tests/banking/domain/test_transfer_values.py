"""振込・振替 input: what a Japanese form may send, and what it becomes."""

from __future__ import annotations

import pytest

from onetime.banking.domain import transfers as rules
from onetime.banking.domain.errors import (
    AmountOverLimit,
    InvalidAccountNumber,
    InvalidAccountType,
    InvalidAmount,
    InvalidBankCode,
    InvalidBranchCode,
    InvalidHolderName,
)
from onetime.banking.domain.transfers import AccountType


class TestAmounts:
    @pytest.mark.parametrize(("typed", "yen"), [
        ("1000", 1000), ("1,000", 1000), ("１，０００", 1000), (" 12345 ", 12345),
        ("5000円", 5000), ("10000000", 10_000_000)])
    def test_readable_amounts(self, typed, yen):
        assert rules.amount(typed) == yen

    @pytest.mark.parametrize("typed", ["", "0", "-5", "1.5", "abc", "１e3", None])
    def test_unreadable_amounts(self, typed):
        with pytest.raises(InvalidAmount):
            rules.amount(typed)

    def test_over_the_one_off_limit(self):
        with pytest.raises(AmountOverLimit):
            rules.amount("10000001")


class TestDestination:
    def test_codes_fold_full_width_digits(self):
        assert rules.bank_code("０００１") == "0001"
        assert rules.branch_code("００１") == "001"

    @pytest.mark.parametrize(("fn", "error", "typed"), [
        (rules.bank_code, InvalidBankCode, "001"),
        (rules.bank_code, InvalidBankCode, "00a1"),
        (rules.branch_code, InvalidBranchCode, "0001"),
        (rules.account_number, InvalidAccountNumber, "12345678"),
        (rules.account_number, InvalidAccountNumber, ""),
        (rules.account_type, InvalidAccountType, "savings"),
        (rules.holder_name, InvalidHolderName, "山田太郎"),
        (rules.holder_name, InvalidHolderName, ""),
    ])
    def test_bad_values(self, fn, error, typed):
        with pytest.raises(error):
            fn(typed)

    def test_account_numbers_are_padded_to_seven(self):
        assert rules.account_number("123") == "0000123"

    def test_half_width_katakana_becomes_full_width(self):
        assert rules.holder_name("ﾔﾏﾀﾞ  ﾀﾛｳ") == "ヤマダ タロウ"

    def test_account_types(self):
        assert rules.account_type("current") == AccountType.CURRENT
