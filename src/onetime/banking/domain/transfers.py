"""振込・振替（都度指定方式）: the values a one-off transfer is made of, and their rules.

Input arrives as typed on a Japanese form, so digits may be full-width
(１２３) and amounts may carry separators (1,000); each function folds with
NFKC and returns the canonical value, or raises an error with a stable code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from onetime.banking.domain.errors import (
    AmountOverLimit,
    InvalidAccountNumber,
    InvalidAccountType,
    InvalidAmount,
    InvalidBankCode,
    InvalidBranchCode,
    InvalidHolderName,
)

# The bank's default per-transfer limit for one-off transfers, in yen.
ONE_OFF_LIMIT = 10_000_000
HOLDER_NAME_MAX = 48
# Zengin (全銀) transfer names: katakana, Latin letters, digits, space and a little punctuation.
_HOLDER = re.compile(r"[ァ-ヶー゛゜A-Za-z0-9 ().,\-/]+")


class AccountType(StrEnum):
    ORDINARY = "ordinary"  # 普通
    CURRENT = "current"  # 当座


def _fold(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip()


def bank_code(value: object) -> str:
    text = _fold(value)
    if not re.fullmatch(r"[0-9]{4}", text):
        raise InvalidBankCode("bank code: 4 digits")
    return text


def branch_code(value: object) -> str:
    text = _fold(value)
    if not re.fullmatch(r"[0-9]{3}", text):
        raise InvalidBranchCode("branch code: 3 digits")
    return text


def account_number(value: object) -> str:
    """1-7 digits, zero-padded to the 7 of a zengin account number."""
    text = _fold(value)
    if not re.fullmatch(r"[0-9]{1,7}", text):
        raise InvalidAccountNumber("account number: up to 7 digits")
    return text.zfill(7)


def account_type(value: object) -> AccountType:
    try:
        return AccountType(_fold(value))
    except ValueError:
        raise InvalidAccountType("account type: ordinary or current") from None


def holder_name(value: object) -> str:
    """The recipient's name in katakana (half-width is folded to full-width)."""
    text = " ".join(_fold(value).split())
    if not text or len(text) > HOLDER_NAME_MAX or not _HOLDER.fullmatch(text):
        raise InvalidHolderName("recipient name: katakana, letters, digits")
    return text


def amount(value: object, limit: int = ONE_OFF_LIMIT) -> int:
    """Whole yen, 1 to `limit`; "1,000" and "１０００" are read as 1000."""
    text = _fold(value).replace(",", "").removesuffix("円")
    if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) < 1:
        raise InvalidAmount("amount: a whole number of yen, at least 1")
    if int(text) > limit:
        raise AmountOverLimit(f"amount over the one-off limit of {limit} yen")
    return int(text)


@dataclass(frozen=True)
class Destination:
    """Where the money goes, as confirmed against the zengin code list."""

    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: AccountType
    account_number: str
    holder_name: str
